package daemon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/pipeline"
)

// Run statuses (as in ops.sync_runs.status).
const (
	statusSucceeded = "succeeded"
	statusPartial   = "partial"
	statusFailed    = "failed"
)

// connectorLockKey is warehouse's advisory lock key of a connector
// (pg_try_advisory_lock(hashtext(key))); it must stay equal to the key in
// warehouse/run.go.
func connectorLockKey(name string) string { return "northstar:connector:" + name }

// metricsLockKey serialises metric refreshes across replicas.
const metricsLockKey = "northstar:metrics"

// scheduledSync is the cron job of one connector: it claims the slot in
// ops.schedule_slots (another replica may have it) and runs the sync.
func (d *Daemon) scheduledSync(name string, sched cron.Schedule) {
	time.Sleep(d.lag)
	slot := slotOf(sched, time.Now())
	log := d.log.With("connector", name, "trigger", "schedule", "slot", slot)
	if reason := d.begin(name); reason != "" {
		d.m.skipped.WithLabelValues(name, reason).Inc()
		log.Info("scheduled run skipped", "reason", reason)
		return
	}
	defer d.end(name)
	ctx := d.life
	won, err := claimSlot(ctx, d.db, slotSync, name, slot, d.replica)
	if err != nil {
		d.m.runs.WithLabelValues(name, statusFailed).Inc()
		log.Error("scheduled run not started", "err", err)
		return
	}
	if !won {
		d.m.skipped.WithLabelValues(name, skipSlotTaken).Inc()
		log.Debug("scheduled slot already claimed by another replica")
		return
	}
	outcome, runID := "failed", int64(0)
	defer func() {
		// Also runs while a panic unwinds to cron.Recover.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := finishSlot(fctx, d.db, slotSync, name, slot, runID, outcome); err != nil {
			log.Error("record slot outcome", "err", err)
		}
	}()
	res, err := d.syncOnce(ctx, d.Config(), name, "schedule", log)
	runID = res.RunID
	switch {
	case errors.Is(err, northstar.ErrBusy):
		outcome = "busy"
	case err != nil:
		outcome = "error"
	default:
		outcome = res.Status
	}
}

// RunStart describes a run started by TriggerSync.
type RunStart struct {
	Connector string `json:"connector"`
	Trigger   string `json:"trigger"`
	// RunID is the run's id in ops.sync_runs; 0 if the run had not been
	// recorded yet when TriggerSync returned (Status "starting").
	RunID     int64      `json:"run_id,omitempty"`
	Status    string     `json:"status"` // starting, running, or the final status of a run that already ended
	StartedAt *time.Time `json:"started_at,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// TriggerSync starts a run of connector now, in the background, and
// returns once the run is recorded (or has ended, or after 2 s). It
// returns ErrInFlight when a run of the connector is in flight here or in
// another replica, ErrStopping during shutdown, ErrUnknownConnector for a
// name not in the configuration.
func (d *Daemon) TriggerSync(ctx context.Context, connector string) (RunStart, error) {
	const trigger = "api"
	cfg := d.Config()
	if !hasConnector(cfg, connector) {
		return RunStart{}, fmt.Errorf("%w: %s", ErrUnknownConnector, connector)
	}
	log := d.log.With("connector", connector, "trigger", trigger)
	switch reason := d.begin(connector); reason {
	case "":
	case skipStopping:
		return RunStart{}, ErrStopping
	default:
		d.m.skipped.WithLabelValues(connector, reason).Inc()
		return RunStart{}, fmt.Errorf("connector %s: %w", connector, ErrInFlight)
	}
	before, err := d.maxRunID(ctx)
	if err != nil {
		d.end(connector)
		return RunStart{}, err
	}
	type outcome struct {
		res pipeline.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer d.end(connector)
		defer func() {
			if p := recover(); p != nil {
				// syncOnce already marked the run failed; log like cron.Recover.
				log.Error("panic", "err", fmt.Sprint(p), "stack", string(debug.Stack()))
				done <- outcome{err: fmt.Errorf("panic: %v", p)}
			}
		}()
		res, err := d.syncOnce(d.life, cfg, connector, trigger, log)
		done <- outcome{res, err}
	}()

	rs := RunStart{Connector: connector, Trigger: trigger, Status: "starting"}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(2 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case o := <-done:
			if errors.Is(o.err, northstar.ErrBusy) {
				return RunStart{}, fmt.Errorf("connector %s: %w", connector, ErrInFlight)
			}
			if o.err != nil {
				rs.Status, rs.Error = statusFailed, o.err.Error()
				return rs, nil
			}
			rs.RunID, rs.Status = o.res.RunID, o.res.Status
			if o.res.Err != nil {
				rs.Error = o.res.Err.Error()
			}
			return rs, nil
		case <-tick.C:
			var (
				id      int64
				started time.Time
			)
			err := d.db.QueryRowContext(ctx, `SELECT run_id, started_at FROM ops.sync_runs
				WHERE connector = $1 AND run_id > $2 AND host = $3 AND pid = $4 ORDER BY run_id LIMIT 1`,
				connector, before, d.host, d.pid).Scan(&id, &started)
			if err == nil {
				started = started.UTC()
				rs.RunID, rs.Status, rs.StartedAt = id, "running", &started
				return rs, nil
			}
			if !errors.Is(err, sql.ErrNoRows) && ctx.Err() == nil {
				log.Warn("look up started run", "err", err)
			}
		case <-deadline.C:
			return rs, nil
		case <-ctx.Done():
			return rs, nil
		}
	}
}

func hasConnector(cfg *config.Config, name string) bool {
	for _, c := range cfg.Connectors {
		if c.Name == name {
			return true
		}
	}
	return false
}

// maxRunID returns the newest run id, so that runs started later are told apart.
func (d *Daemon) maxRunID(ctx context.Context) (int64, error) {
	var id int64
	if err := d.db.QueryRowContext(ctx, `SELECT coalesce(max(run_id), 0) FROM ops.sync_runs`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read runs: %w", err)
	}
	return id, nil
}

// syncOnce runs one sync and records its outcome in the metrics, alerts
// and refresh requests. A panic in the Syncer marks the run failed,
// releases its leaked advisory lock and is re-raised (to cron.Recover or
// TriggerSync's recover).
func (d *Daemon) syncOnce(ctx context.Context, cfg *config.Config, name, trigger string, log *slog.Logger) (pipeline.Result, error) {
	before, err := d.maxRunID(ctx)
	if err != nil {
		d.m.runs.WithLabelValues(name, statusFailed).Inc()
		log.Error("sync not started", "err", err)
		return pipeline.Result{Connector: name, Status: statusFailed, Err: err}, err
	}
	start := time.Now()
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		d.m.panics.WithLabelValues("sync").Inc()
		d.m.runs.WithLabelValues(name, statusFailed).Inc()
		runID, err := d.failPanickedRun(name, before, p)
		if err != nil {
			log.Error("mark panicked run failed", "err", err)
		}
		log.Error("sync panicked; run marked failed", "run_id", runID, "panic", fmt.Sprint(p))
		d.alert(ctx, cfg, log, alert{Connector: name, RunID: runID, Status: statusFailed, Trigger: trigger,
			Error: fmt.Sprintf("panic: %v", p), DurationSeconds: time.Since(start).Seconds()})
		panic(p)
	}()

	res, err := d.syncer.Sync(ctx, cfg, name, trigger)
	switch {
	case errors.Is(err, northstar.ErrBusy):
		d.m.skipped.WithLabelValues(name, skipBusy).Inc()
		log.Info("sync skipped: a run of the connector is in flight in another process")
		return res, err
	case err != nil:
		d.m.runs.WithLabelValues(name, statusFailed).Inc()
		log.Error("sync could not run", "err", err)
		d.alert(ctx, cfg, log, alert{Connector: name, Status: statusFailed, Trigger: trigger,
			Error: err.Error(), DurationSeconds: time.Since(start).Seconds()})
		return res, err
	}
	if res.Connector == "" {
		res.Connector = name
	}
	if res.Duration == 0 {
		res.Duration = time.Since(start)
	}
	d.m.run(res, time.Now())
	log = log.With("run_id", res.RunID)
	if res.Status == statusSucceeded {
		log.Debug("run finished", "status", res.Status, "duration", res.Duration.Round(time.Millisecond))
	} else {
		log.Warn("run finished", "status", res.Status, "duration", res.Duration.Round(time.Millisecond), "err", res.Err)
		a := alert{Connector: name, RunID: res.RunID, Status: res.Status, Trigger: trigger,
			DurationSeconds: res.Duration.Seconds(), Counts: res.Counts}
		if res.Err != nil {
			a.Error = res.Err.Error()
		}
		d.alert(ctx, cfg, log, a)
	}
	t := res.Total
	if res.Status == statusSucceeded || (res.Status == statusPartial && t.Inserted+t.Updated+t.Deleted > 0) {
		d.requestRefresh()
	}
	return res, nil
}

// failPanickedRun marks failed the run this process started for connector
// after run id before, if it is still `running`, and terminates the
// database session that still holds the connector's advisory lock: the
// panic unwound past warehouse.Run.Finish, so that session leaked and
// would otherwise block the connector until this process exits.
func (d *Daemon) failPanickedRun(name string, before int64, p any) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var id int64
	err := d.db.QueryRowContext(ctx, `UPDATE ops.sync_runs SET status = 'failed', finished_at = now(), error = $5
		WHERE connector = $1 AND status = 'running' AND run_id > $2 AND host = $3 AND pid = $4
		RETURNING run_id`, name, before, d.host, d.pid, fmt.Sprintf("panic: %v", p)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // the panic came before the run was recorded (or after it ended)
	}
	if err != nil {
		return 0, fmt.Errorf("mark run failed: %w", err)
	}
	_, err = d.db.ExecContext(ctx, `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.pid <> pg_backend_pid()
		  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`, connectorLockKey(name))
	if err != nil {
		return id, fmt.Errorf("release lock of run %d: %w", id, err)
	}
	return id, nil
}

// markAbandoned marks failed every run left `running` whose connector's
// advisory lock is free: the process that ran it is gone.
func (d *Daemon) markAbandoned(ctx context.Context) error {
	var names []string
	if err := d.db.SelectContext(ctx, &names, `SELECT DISTINCT connector FROM ops.sync_runs WHERE status = 'running'`); err != nil {
		return fmt.Errorf("list running runs: %w", err)
	}
	var errs []error
	for _, name := range names {
		n, err := d.markAbandonedOne(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n > 0 {
			d.log.Warn("marked abandoned runs failed", "connector", name, "runs", n)
		}
	}
	return errors.Join(errs...)
}

func (d *Daemon) markAbandonedOne(ctx context.Context, name string) (int64, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // never reuse a session that held a lock
		conn.Close()
	}()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, connectorLockKey(name)).Scan(&got); err != nil {
		return 0, fmt.Errorf("lock connector %s: %w", name, err)
	}
	if !got {
		return 0, nil // a live run holds it
	}
	res, err := conn.ExecContext(ctx, `UPDATE ops.sync_runs SET status = 'failed', finished_at = now(),
		error = 'abandoned: the process running it stopped before it finished (the next run resumed from the last committed page)'
		WHERE connector = $1 AND status = 'running'`, name)
	_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, connectorLockKey(name))
	if err != nil {
		return 0, fmt.Errorf("mark abandoned runs of %s: %w", name, err)
	}
	return res.RowsAffected()
}

// requestRefresh asks the refresh loop for a metric refresh; requests
// made while one is pending coalesce.
func (d *Daemon) requestRefresh() {
	if d.refresher == nil {
		return
	}
	select {
	case d.refreshReq <- struct{}{}:
	default:
	}
}

// refreshLoop serves refresh requests until shutdown.
func (d *Daemon) refreshLoop() {
	defer d.jobs.Done()
	for {
		select {
		case <-d.life.Done():
			return
		case <-d.refreshReq:
			func() {
				defer func() {
					if p := recover(); p != nil {
						d.m.panics.WithLabelValues("refresh").Inc()
						d.log.Error("panic", "job", "metrics_refresh", "err", fmt.Sprint(p), "stack", string(debug.Stack()))
					}
				}()
				_ = d.refresh(d.life, d.Config(), "after_sync")
			}()
		}
	}
}

// scheduledRefresh is the cron job of metrics.schedule.
func (d *Daemon) scheduledRefresh(sched cron.Schedule) {
	slot := slotOf(sched, time.Now())
	log := d.log.With("job", "metrics_refresh", "slot", slot)
	if reason := d.begin(""); reason != "" {
		return
	}
	defer d.end("")
	won, err := claimSlot(d.life, d.db, slotRefresh, "", slot, d.replica)
	if err != nil {
		log.Error("scheduled refresh not started", "err", err)
		return
	}
	if !won {
		log.Debug("scheduled refresh slot already claimed by another replica")
		return
	}
	outcome := statusFailed
	defer func() {
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := finishSlot(fctx, d.db, slotRefresh, "", slot, 0, outcome); err != nil {
			log.Error("record slot outcome", "err", err)
		}
	}()
	if err := d.refresh(d.life, d.Config(), "schedule"); err == nil {
		outcome = statusSucceeded
	}
}

// refresh runs the Refresher under the cross-replica metrics lock and
// records the outcome; it logs its error and returns it.
func (d *Daemon) refresh(ctx context.Context, cfg *config.Config, trigger string) error {
	if d.refresher == nil {
		return nil
	}
	log := d.log.With("job", "metrics_refresh", "trigger", trigger)
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		log.Error("metric refresh not started", "err", err)
		return err
	}
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	// Waits while another replica refreshes: its refresh may predate our sync.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, metricsLockKey); err != nil {
		if ctx.Err() == nil {
			log.Error("metric refresh not started: lock", "err", err)
		}
		return err
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtext($1))`, metricsLockKey)
	}()
	start := time.Now()
	err = d.refresher.Refresh(ctx, cfg)
	dur := time.Since(start)
	d.m.refreshTime.Observe(dur.Seconds())
	if err != nil {
		d.m.refreshes.WithLabelValues("failed").Inc()
		log.Error("metric refresh failed", "duration", dur.Round(time.Millisecond), "err", err)
		return err
	}
	d.m.refreshes.WithLabelValues("succeeded").Inc()
	log.Info("metrics refreshed", "duration", dur.Round(time.Millisecond))
	return nil
}

// pruneLoop deletes old schedule slots at start and hourly.
func (d *Daemon) pruneLoop() {
	defer d.jobs.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := pruneSlots(d.life, d.db, time.Now()); err != nil {
			if d.life.Err() == nil {
				d.log.Warn("prune schedule slots", "err", err)
			}
		} else if n > 0 {
			d.log.Debug("pruned schedule slots", "rows", n)
		}
		select {
		case <-d.life.Done():
			return
		case <-t.C:
		}
	}
}
