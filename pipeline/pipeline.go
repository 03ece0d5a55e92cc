package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
)

// Engine syncs connectors into the warehouse.
type Engine struct {
	DB        *warehouse.DB
	Transform *transform.Transformer
	Log       *slog.Logger
	// OnPage, when set, is called after each stored page (progress display).
	OnPage func(PageEvent)
	// CommitTimeout bounds how long a page that was already read may take
	// to commit after the run's context is cancelled (shutdown).
	CommitTimeout time.Duration
	// Resolve, when set, runs identity resolution after a run that changed
	// something, before facts are re-linked (Finalize).
	Resolve func(ctx context.Context, runID int64) error
}

// PageEvent reports one stored page.
type PageEvent struct {
	Connector string
	RunID     int64
	Stream    northstar.Stream
	// Page counts this page; Sofar counts the stream within the run.
	Page  northstar.Counts
	Sofar northstar.Counts
	// Total is the stream's record count according to the source, or -1.
	Total int64
}

// Options control one run.
type Options struct {
	Full    bool   // ignore cursors and manifests; reconcile keys
	Trigger string // manual, schedule, api, demo
}

// Result is the outcome of one run.
type Result struct {
	RunID     int64
	Connector string
	Status    string
	Counts    map[northstar.Stream]northstar.Counts
	Total     northstar.Counts
	Duration  time.Duration
	Err       error
	// Repriced counts the facts (orders, order lines, contracts) whose
	// conversion to the reporting currency changed after the run because
	// daily FX rates or the config rates changed.
	Repriced int64
}

// Sync runs one connector now. The returned error is non-nil only when the
// run could not be recorded at all (warehouse down, connector busy); a
// run that failed is reported in Result.Status and Result.Err.
func (e *Engine) Sync(ctx context.Context, name string, src northstar.Source, opt Options) (Result, error) {
	start := time.Now()
	log := e.log().With("connector", name)
	run, err := e.DB.StartRun(ctx, name, warehouse.RunOptions{Full: opt.Full, Trigger: opt.Trigger})
	if err != nil {
		return Result{Connector: name, Status: warehouse.StatusFailed, Err: err}, err
	}
	log = log.With("run_id", run.ID)
	log.Info("sync started", "full", opt.Full, "trigger", opt.Trigger)

	status := warehouse.StatusSucceeded
	var failures []string
	// fx prices the run's facts with the daily rates; nil without them.
	tr, fx := e.runTransformer(ctx, log)
	streams := sortedStreams(src.Streams())
	for _, s := range streams {
		if ctx.Err() != nil {
			status = warehouse.StatusPartial
			failures = append(failures, "interrupted before stream "+string(s))
			break
		}
		err := e.syncStream(ctx, run, src, s, opt, tr, fx, log.With("stream", string(s)))
		if s == northstar.StreamFXRates && fx != nil && ctx.Err() == nil && changedStream(run, s) {
			// Rates that arrived now price the facts of this same run.
			if ferr := fx.refresh(ctx, e.DB, run, log); ferr != nil {
				failures = append(failures, ferr.Error())
				if status == warehouse.StatusSucceeded {
					status = warehouse.StatusFailed
				}
			}
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, northstar.ErrPartial):
			status = warehouse.StatusPartial
			failures = append(failures, fmt.Sprintf("%s: %v", s, err))
		case ctx.Err() != nil:
			status = warehouse.StatusPartial
			failures = append(failures, fmt.Sprintf("%s: interrupted: %v", s, err))
		default:
			if status == warehouse.StatusSucceeded {
				status = warehouse.StatusFailed
			}
			failures = append(failures, fmt.Sprintf("%s: %v", s, err))
			log.Error("stream failed", "stream", string(s), "err", err)
			continue
		}
		break // partial: the remaining streams wait for the next run
	}
	var repriced int64
	if ctx.Err() == nil {
		// Linking steps span whole tables, so they are not bounded by the
		// commit timeout; each is idempotent, so one cut short by a
		// shutdown is simply redone by the next run.
		unfinished := e.previousUnfinished(ctx, run)
		changed := run.Changed() || unfinished
		if changed {
			if err := e.link(ctx, run, log); err != nil {
				failures = append(failures, err.Error())
				if status == warehouse.StatusSucceeded {
					status = warehouse.StatusFailed
				}
			}
		}
		if fx != nil {
			var err error
			if repriced, err = fx.reprice(ctx, e.DB, run, changed, unfinished, log); err != nil {
				failures = append(failures, err.Error())
				if status == warehouse.StatusSucceeded {
					status = warehouse.StatusFailed
				}
			}
		}
	}
	var runErr error
	if len(failures) > 0 {
		runErr = errors.New(strings.Join(failures, "; "))
	}
	if err := run.Finish(status, runErr); err != nil {
		log.Error("record run end", "err", err)
	}
	res := Result{RunID: run.ID, Connector: name, Status: status, Counts: run.Counts(), Total: run.Total(),
		Duration: time.Since(start), Err: runErr, Repriced: repriced}
	t := res.Total
	log.Info("sync finished", "status", status, "duration", res.Duration.Round(time.Millisecond),
		"read", t.Read, "inserted", t.Inserted, "updated", t.Updated, "unchanged", t.Unchanged,
		"deleted", t.Deleted, "rejected", t.Rejected, "err", runErr)
	return res, nil
}

// previousUnfinished reports whether the connector's previous run ended
// before its linking steps (failed, partial, killed): they are redone.
func (e *Engine) previousUnfinished(ctx context.Context, run *warehouse.Run) bool {
	st, err := run.PreviousStatus(ctx)
	return err == nil && st != "" && st != warehouse.StatusSucceeded
}

// link runs the set-based steps after a run that changed data: customers
// known only from facts, identity resolution, then re-linking facts.
func (e *Engine) link(ctx context.Context, run *warehouse.Run, log *slog.Logger) error {
	n, err := run.ImplicitCustomers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("customers known only from their facts", "created", n)
	}
	if e.Resolve != nil {
		if err := e.Resolve(ctx, run.ID); err != nil {
			return fmt.Errorf("identity resolution: %w", err)
		}
	}
	return run.Finalize(ctx)
}

func (e *Engine) syncStream(ctx context.Context, run *warehouse.Run, src northstar.Source, s northstar.Stream, opt Options,
	tr *transform.Transformer, fx *runFX, log *slog.Logger) error {
	var since northstar.Cursor
	if !opt.Full {
		c, err := e.DB.Cursor(ctx, run.Connector, s)
		if err != nil {
			return err
		}
		since = c
	}
	log.Debug("extract", "since", since.ModifiedAt, "since_id", since.ID)
	emit := func(ctx context.Context, b northstar.Batch) error {
		b.Stream = s
		rows, rejects := tr.Batch(b)
		if s == northstar.StreamOrders && fx != nil {
			fx.noteOrders(rows)
		}
		for _, rj := range rejects {
			log.Debug("record rejected", "source_id", rj.SourceID, "origin", rj.Origin, "reason", rj.Reason)
		}
		total := b.Total
		if total == 0 && len(b.Records) > 0 {
			total = -1
		}
		var onDone func(northstar.Counts)
		if e.OnPage != nil {
			onDone = func(c northstar.Counts) {
				e.OnPage(PageEvent{Connector: run.Connector, RunID: run.ID, Stream: s, Page: c, Sofar: run.Counts()[s], Total: total})
			}
		}
		// A page already read is committed even if shutdown began meanwhile;
		// the store runs in the background while the source reads the next page.
		lctx, cancel := e.commitContext(ctx)
		err := run.Submit(lctx, warehouse.Page{Stream: s, Rows: rows, Rejects: rejects, Cursor: b.Cursor, Files: b.Files}, func(c northstar.Counts) {
			cancel()
			if onDone != nil {
				onDone(c)
			}
		})
		if err != nil {
			cancel()
			return err
		}
		return ctx.Err()
	}
	if err := src.Extract(ctx, s, since, emit); err != nil {
		if ferr := run.Flush(); ferr != nil {
			log.Error("store pending pages", "err", ferr)
		}
		return err
	}
	if err := run.Flush(); err != nil {
		return err
	}
	if fs, ok := src.(northstar.FullSyncer); ok && (opt.Full || e.reconcileDue(ctx, run.Connector, src, s, log)) {
		return e.reconcile(ctx, run, fs, s, log)
	}
	return nil
}

// reconcileEvery is implemented by sources of systems without tombstones:
// their key set is reconciled on this period even on incremental runs.
type reconcileEvery interface {
	ReconcileEvery() time.Duration
}

func (e *Engine) reconcileDue(ctx context.Context, connector string, src northstar.Source, s northstar.Stream, log *slog.Logger) bool {
	re, ok := src.(reconcileEvery)
	if !ok || re.ReconcileEvery() <= 0 {
		return false
	}
	last, err := e.DB.LastReconcile(ctx, connector, s)
	if err != nil {
		log.Warn("cannot tell when keys were last reconciled; skipping", "err", err)
		return false
	}
	return last.IsZero() || time.Since(last) >= re.ReconcileEvery()
}

// reconcile tombstones rows whose keys the upstream no longer lists. An
// empty key list is treated as suspicious and never empties a table.
func (e *Engine) reconcile(ctx context.Context, run *warehouse.Run, fs northstar.FullSyncer, s northstar.Stream, log *slog.Logger) error {
	var n int
	err := fs.ListKeys(ctx, s, func(ctx context.Context, keys []string) error {
		n += len(keys)
		_, err := run.ReconcileKeys(ctx, s, keys, false)
		return err
	})
	if err != nil {
		return fmt.Errorf("list keys: %w", err)
	}
	if n == 0 {
		log.Warn("upstream listed no keys; not inferring deletes")
		return nil
	}
	deleted, err := run.ReconcileKeys(ctx, s, nil, true)
	if err != nil {
		return err
	}
	log.Info("key reconciliation", "keys", n, "inferred_deletes", deleted)
	return nil
}

func (e *Engine) commitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := e.CommitTimeout
	if d <= 0 {
		d = 2 * time.Minute
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

func (e *Engine) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// sortedStreams orders streams as northstar.AllStreams does.
func sortedStreams(in []northstar.Stream) []northstar.Stream {
	out := slices.Clone(in)
	order := northstar.AllStreams()
	slices.SortStableFunc(out, func(a, b northstar.Stream) int {
		return slices.Index(order, a) - slices.Index(order, b)
	})
	return out
}
