package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/pipeline"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// Two daemons on one warehouse fire every @every 1s slot; each slot must
// run exactly once across both.
func TestTwoReplicasRunEachSlotOnce(t *testing.T) {
	t.Parallel()
	db, dsn := whtest.New(t)
	dbB := openReplica(t, dsn)
	cfg := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@every 1s"})
	cfg.Metrics.Schedule = "@every 1s"
	var refreshes atomic.Int64
	refresher := RefreshFunc(func(context.Context, *config.Config) error { refreshes.Add(1); return nil })
	body := func(ctx context.Context, _ int, _ string) (string, error) {
		time.Sleep(150 * time.Millisecond)
		return statusSucceeded, nil
	}
	fa, fb := &fakeSyncer{db: db, body: body}, &fakeSyncer{db: dbB, body: body}
	a, err := New(cfg, Deps{DB: db.DB, Syncer: fa, Refresher: refresher, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg, Deps{DB: dbB.DB, Syncer: fb, Refresher: refresher, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	b.lag = 400 * time.Millisecond // b fires each slot after a's run has ended
	sa, sb := serve(t, a), serve(t, b)
	time.Sleep(4200 * time.Millisecond)
	stopAt := time.Now()
	errs := make(chan error, 2)
	go func() { errs <- sa.stop() }()
	go func() { errs <- sb.stop() }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	type slot struct {
		At      time.Time `db:"scheduled_at"`
		RunID   *int64    `db:"run_id"`
		Outcome *string   `db:"outcome"`
		By      string    `db:"claimed_by"`
	}
	var slots []slot
	if err := db.SelectContext(context.Background(), &slots, `SELECT scheduled_at, run_id, outcome, claimed_by
		FROM ops.schedule_slots WHERE kind = 'sync' AND connector = 'crm' ORDER BY scheduled_at`); err != nil {
		t.Fatal(err)
	}
	// Slots that fired while both replicas ran must each have one
	// succeeded run; around the shutdown a claimed slot may end cancelled.
	steady, withRun := 0, 0
	runIDs := map[int64]bool{}
	for i, s := range slots {
		if s.RunID != nil {
			withRun++
			if runIDs[*s.RunID] {
				t.Errorf("run %d recorded for two slots", *s.RunID)
			}
			runIDs[*s.RunID] = true
		}
		if i > 0 && !s.At.Equal(slots[i-1].At.Add(time.Second)) {
			t.Errorf("gap between slots %s and %s", slots[i-1].At, s.At)
		}
		if s.At.Nanosecond() != 0 {
			t.Errorf("slot %s is not on a second", s.At)
		}
		if !s.At.Before(stopAt.Add(-time.Second)) {
			continue
		}
		steady++
		if s.Outcome == nil || *s.Outcome != statusSucceeded || s.RunID == nil {
			t.Errorf("slot %s: outcome %v run %v, want a succeeded run", s.At, s.Outcome, s.RunID)
		}
	}
	if steady < 2 {
		t.Fatalf("want at least 2 steady slots in 4.2s, got %d of %d", steady, len(slots))
	}
	var runs int
	if err := db.GetContext(context.Background(), &runs, `SELECT count(*) FROM ops.sync_runs WHERE connector = 'crm' AND trigger = 'schedule'`); err != nil {
		t.Fatal(err)
	}
	if runs != withRun {
		t.Errorf("%d scheduled runs for %d slots with a run: want exactly one run per slot", runs, withRun)
	}
	if got := fa.count() + fb.count(); got != withRun {
		t.Errorf("syncers ran %d times for %d slots with a run", got, withRun)
	}
	// Both replicas fired each slot; the one that came second (b, lagging)
	// saw it taken.
	taken := testutil.ToFloat64(a.m.skipped.WithLabelValues("crm", skipSlotTaken)) +
		testutil.ToFloat64(b.m.skipped.WithLabelValues("crm", skipSlotTaken))
	if int(taken) < steady-1 {
		t.Errorf("slot_taken skips = %v for %d steady slots: both replicas should fire every slot", taken, steady)
	}
	var refreshSlots int
	if err := db.GetContext(context.Background(), &refreshSlots, `SELECT count(*) FROM ops.schedule_slots
		WHERE kind = 'refresh' AND outcome = 'succeeded'`); err != nil {
		t.Fatal(err)
	}
	if refreshSlots < 3 || refreshes.Load() < int64(refreshSlots) {
		t.Errorf("refresh: %d succeeded slots, %d refreshes", refreshSlots, refreshes.Load())
	}
	var running int
	if err := db.GetContext(context.Background(), &running, `SELECT count(*) FROM ops.sync_runs WHERE status = 'running'`); err != nil {
		t.Fatal(err)
	}
	if running != 0 {
		t.Errorf("%d runs left running", running)
	}
}

// A run longer than the schedule period is never overlapped: the skip is
// counted and the recorded runs do not intersect.
func TestOverlapSkipped(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	f := &fakeSyncer{db: db, body: func(ctx context.Context, _ int, _ string) (string, error) {
		time.Sleep(2200 * time.Millisecond)
		return statusSucceeded, nil
	}}
	d, err := New(testConfig(config.Connector{Name: "erp", Type: "file", Schedule: "@every 1s"}),
		Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	waitFor(t, 8*time.Second, "an overlap skip", func() bool {
		return testutil.ToFloat64(d.m.skipped.WithLabelValues("erp", skipOverlap)) >= 1
	})
	if body := scrape(t, s.base); !strings.Contains(body, `northstar_sync_skipped_total{connector="erp",reason="overlap"}`) {
		t.Errorf("/metrics lacks the overlap skip:\n%s", grep(body, "skipped"))
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	var overlaps int
	if err := db.GetContext(context.Background(), &overlaps, `SELECT count(*) FROM ops.sync_runs a JOIN ops.sync_runs b
		ON a.run_id < b.run_id AND a.connector = b.connector AND b.started_at < a.finished_at`); err != nil {
		t.Fatal(err)
	}
	if overlaps != 0 {
		t.Errorf("%d pairs of overlapping runs", overlaps)
	}
}

// A panic in a sync is recovered: the run is marked failed, its leaked
// advisory lock is released, the next run succeeds, the daemon keeps going.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	logs := &syncBuffer{}
	f := &fakeSyncer{db: db, body: func(ctx context.Context, call int, _ string) (string, error) {
		if call == 1 {
			panic("connector exploded")
		}
		return statusSucceeded, nil
	}}
	d, err := New(testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@every 1s"}),
		Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, logs)})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	waitFor(t, 8*time.Second, "a succeeded run after the panic", func() bool {
		var n int
		_ = db.GetContext(context.Background(), &n, `SELECT count(*) FROM ops.sync_runs WHERE status = 'succeeded'`)
		return n >= 1
	})
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	var first struct {
		Status string  `db:"status"`
		Error  *string `db:"error"`
	}
	if err := db.GetContext(context.Background(), &first, `SELECT status, error FROM ops.sync_runs ORDER BY run_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if first.Status != statusFailed || first.Error == nil || !strings.Contains(*first.Error, "panic: connector exploded") {
		t.Errorf("panicked run: status %s error %v, want failed with the panic", first.Status, first.Error)
	}
	if got := testutil.ToFloat64(d.m.panics.WithLabelValues("sync")); got != 1 {
		t.Errorf("panics = %v, want 1", got)
	}
	if got := testutil.ToFloat64(d.m.runs.WithLabelValues("crm", statusFailed)); got != 1 {
		t.Errorf("failed runs = %v, want 1", got)
	}
	if !contains(logs.String(), "cron: panic", "connector exploded") {
		t.Errorf("cron.Recover did not log the panic:\n%s", logs.String())
	}
	var slotOutcome string
	if err := db.GetContext(context.Background(), &slotOutcome, `SELECT outcome FROM ops.schedule_slots ORDER BY scheduled_at LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if slotOutcome != statusFailed {
		t.Errorf("panicked slot outcome %q, want failed", slotOutcome)
	}
}

// Cancelling Run (SIGTERM) during a long sync cancels the sync, which
// records itself; Run returns nil well within the timeout.
func TestShutdownDuringLongSync(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	started := make(chan struct{})
	f := &fakeSyncer{db: db, body: func(ctx context.Context, _ int, _ string) (string, error) {
		close(started)
		select {
		case <-ctx.Done():
			time.Sleep(200 * time.Millisecond) // commit the page already read
			return statusPartial, errors.New("interrupted")
		case <-time.After(time.Minute):
			return statusSucceeded, nil
		}
	}}
	cfg := testConfig(config.Connector{Name: "crm", Type: "file"})
	cfg.Server.ShutdownTimeout = 5 * time.Second
	d, err := New(cfg, Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	if code, _, body := do(t, "POST", s.base+"/api/v1/connectors/crm/sync", "Bearer "+testToken); code != http.StatusAccepted {
		t.Fatalf("POST sync: %d %s", code, body)
	}
	<-started
	t0 := time.Now()
	if err := s.stop(); err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("shutdown took %s", el)
	}
	var statuses []string
	if err := db.SelectContext(context.Background(), &statuses, `SELECT status FROM ops.sync_runs`); err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 1 || statuses[0] != statusPartial {
		t.Errorf("runs %v, want one partial run", statuses)
	}
}

// A sync that ignores cancellation makes Run report the timeout.
func TestShutdownTimeout(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	started, finished := make(chan struct{}), make(chan struct{})
	f := &fakeSyncer{db: db, body: func(ctx context.Context, _ int, _ string) (string, error) {
		close(started)
		time.Sleep(1500 * time.Millisecond)
		close(finished)
		return statusSucceeded, nil
	}}
	cfg := testConfig(config.Connector{Name: "crm", Type: "file"})
	cfg.Server.ShutdownTimeout = 300 * time.Millisecond
	d, err := New(cfg, Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	if code, _, body := do(t, "POST", s.base+"/api/v1/connectors/crm/sync", "Bearer "+testToken); code != http.StatusAccepted {
		t.Fatalf("POST sync: %d %s", code, body)
	}
	<-started
	err = s.stop()
	if err == nil || !strings.Contains(err.Error(), "shutdown timeout") {
		t.Errorf("Run returned %v, want a shutdown timeout error", err)
	}
	<-finished
}

// SIGHUP with a broken file keeps the old schedules and shows the failure
// in /metrics; a good file then replaces them.
func TestReload(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	old := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "*/30 * * * *"})
	badSchedule := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "every tuesday"})
	noToken := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@hourly"})
	noToken.Server = config.Server{Listen: "0.0.0.0:8470"}
	good := testConfig(
		config.Connector{Name: "crm", Type: "file", Schedule: "@hourly"},
		config.Connector{Name: "erp", Type: "file", Schedule: "CRON_TZ=Europe/Berlin 0 6 * * *"})
	steps := []struct {
		name    string
		cfg     *config.Config
		err     error
		wantErr string
	}{
		{"parse error", nil, errors.New("northstar.yaml:3:9: connectors[0].schedule: bad cron schedule"), "bad cron schedule"},
		{"bad schedule", badSchedule, nil, `schedule "every tuesday"`},
		{"public listen without token", noToken, nil, "server.token is empty"},
		{"good", good, nil, ""},
	}
	var i int
	d, err := New(old, Deps{DB: db.DB, Syncer: &fakeSyncer{db: db}, Logger: testLogger(t, nil),
		Reload: func() (*config.Config, error) { return steps[i].cfg, steps[i].err }})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	for ; i < len(steps); i++ {
		st := steps[i]
		err := d.Reload(context.Background())
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%s: Reload = %v, want %q", st.name, err, st.wantErr)
			}
			if d.Config() != old {
				t.Fatalf("%s: configuration replaced by a bad one", st.name)
			}
			if next := d.nextRuns(); len(next) != 1 || next["sync:crm"].Minute()%30 != 0 {
				t.Fatalf("%s: schedules changed: %v", st.name, next)
			}
			body := scrape(t, s.base)
			if !strings.Contains(body, "northstar_config_last_reload_successful 0") {
				t.Fatalf("%s: /metrics does not show the failed reload:\n%s", st.name, grep(body, "reload"))
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	if d.Config() != good {
		t.Fatal("good configuration not installed")
	}
	body := scrape(t, s.base)
	if !contains(body, "northstar_config_last_reload_successful 1", `northstar_config_reloads_total{result="failed"} 3`,
		`northstar_schedule_next_run_timestamp_seconds{job="sync:erp"}`) {
		t.Errorf("/metrics after the good reload:\n%s", grep(body, "reload", "next_run"))
	}
	var list struct {
		Connectors []connectorView `json:"connectors"`
	}
	getJSON(t, s.base+"/api/v1/connectors", &list)
	if len(list.Connectors) != 2 || list.Connectors[1].Name != "erp" || list.Connectors[1].NextRun == nil {
		t.Fatalf("connectors after reload: %+v", list.Connectors)
	}
	if h := list.Connectors[1].NextRun.UTC().Hour(); h != 5 && h != 4 { // 06:00 Berlin
		t.Errorf("erp next run %s, want 06:00 Europe/Berlin", list.Connectors[1].NextRun)
	}
	if n := list.Connectors[0].NextRun; n == nil || n.Minute() != 0 || n.Second() != 0 {
		t.Errorf("crm next run %v, want on the hour", n)
	}
}

// Every /api/v1 endpoint and /report refuse a missing or wrong token;
// the probes and /metrics need none.
func TestAuth(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	d, err := New(testConfig(config.Connector{Name: "crm", Type: "file"}), Deps{DB: db.DB, Syncer: &fakeSyncer{db: db},
		Logger: testLogger(t, nil),
		KPIs:   func(context.Context) (any, error) { return map[string]string{"nps": "42"}, nil },
		Report: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>report</html>")) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, d)
	endpoints := []struct{ method, path string }{
		{"GET", "/api/v1/connectors"},
		{"GET", "/api/v1/runs?connector=crm"},
		{"POST", "/api/v1/connectors/crm/sync"},
		{"GET", "/api/v1/kpis"},
		{"GET", "/report"},
		{"GET", "/api/v1/nope"},
		{"DELETE", "/api/v1/connectors"},
	}
	bad := []string{"", "Bearer", "Bearer wrong-token", "Bearer " + testToken + "x", "Basic " + testToken, "bearer  "}
	for _, e := range endpoints {
		for _, h := range bad {
			code, hdr, _ := do(t, e.method, srv.base+e.path, h)
			if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s with %q: %d, WWW-Authenticate %q; want 401 with a Bearer challenge",
					e.method, e.path, h, code, hdr.Get("WWW-Authenticate"))
			}
		}
	}
	for _, e := range endpoints[:5] {
		if code, _, body := do(t, e.method, srv.base+e.path, "Bearer "+testToken); code >= 400 {
			t.Errorf("%s %s with the token: %d %s", e.method, e.path, code, body)
		}
	}
	if _, _, body := do(t, "GET", srv.base+"/api/v1/kpis", "Bearer "+testToken); !strings.Contains(body, `"nps": "42"`) {
		t.Errorf("kpis: %s", body)
	}
	if _, _, body := do(t, "GET", srv.base+"/report", "Bearer "+testToken); body != "<html>report</html>" {
		t.Errorf("report: %s", body)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _, body := do(t, "GET", srv.base+p, ""); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
}

// POST sync answers 202 with the run, 409 while it is in flight (here or
// in another replica), 404 for an unknown connector.
func TestSyncAPI(t *testing.T) {
	t.Parallel()
	db, dsn := whtest.New(t)
	release := make(chan struct{})
	f := &fakeSyncer{db: db, body: func(ctx context.Context, call int, _ string) (string, error) {
		if call == 1 {
			<-release
		}
		return statusSucceeded, nil
	}}
	cfg := testConfig(config.Connector{Name: "crm", Type: "file"})
	d, err := New(cfg, Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	dbB := openReplica(t, dsn)
	other, err := New(cfg, Deps{DB: dbB.DB, Syncer: &fakeSyncer{db: dbB}, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	s, sOther := serve(t, d), serve(t, other)
	auth := "Bearer " + testToken

	code, hdr, body := do(t, "POST", s.base+"/api/v1/connectors/crm/sync", auth)
	if code != http.StatusAccepted {
		t.Fatalf("first POST: %d %s", code, body)
	}
	var rs RunStart
	if err := json.Unmarshal([]byte(body), &rs); err != nil {
		t.Fatal(err)
	}
	if rs.RunID == 0 || rs.Status != "running" || rs.Connector != "crm" || rs.StartedAt == nil {
		t.Errorf("202 body: %s", body)
	}
	if hdr.Get("Location") != "/api/v1/runs?connector=crm" {
		t.Errorf("Location %q", hdr.Get("Location"))
	}
	if code, _, body := do(t, "POST", s.base+"/api/v1/connectors/crm/sync", auth); code != http.StatusConflict {
		t.Errorf("second POST: %d %s, want 409", code, body)
	}
	if code, _, body := do(t, "POST", sOther.base+"/api/v1/connectors/crm/sync", auth); code != http.StatusConflict {
		t.Errorf("POST to the other replica: %d %s, want 409", code, body)
	}
	if code, _, _ := do(t, "POST", s.base+"/api/v1/connectors/nope/sync", auth); code != http.StatusNotFound {
		t.Errorf("unknown connector: %d, want 404", code)
	}
	if code, _, _ := do(t, "GET", s.base+"/api/v1/connectors/crm/sync", auth); code != http.StatusMethodNotAllowed {
		t.Errorf("GET sync: %d, want 405", code)
	}
	var list struct {
		Connectors []connectorView `json:"connectors"`
	}
	getJSON(t, s.base+"/api/v1/connectors", &list)
	if len(list.Connectors) != 1 || !list.Connectors[0].InFlight || list.Connectors[0].LastRun == nil ||
		list.Connectors[0].LastRun.Status != "running" || list.Connectors[0].NextRun != nil {
		t.Errorf("connectors while running: %+v", list.Connectors)
	}
	close(release)
	waitFor(t, 5*time.Second, "the run to end", func() bool {
		var st string
		_ = db.GetContext(context.Background(), &st, `SELECT status FROM ops.sync_runs WHERE run_id = $1`, rs.RunID)
		return st == statusSucceeded
	})
	waitFor(t, 5*time.Second, "the in-flight mark to clear", func() bool {
		code, _, _ := do(t, "POST", s.base+"/api/v1/connectors/crm/sync", auth)
		return code == http.StatusAccepted
	})
	var runs struct {
		Runs []runView `json:"runs"`
	}
	waitFor(t, 5*time.Second, "two succeeded runs", func() bool {
		getJSON(t, s.base+"/api/v1/runs?connector=crm&status=succeeded", &runs)
		return len(runs.Runs) == 2
	})
	r := runs.Runs[1]
	if r.RunID != rs.RunID || r.Trigger != "api" || r.FinishedAt == nil || r.DurationSeconds == nil || string(r.Counts) != "{}" {
		t.Errorf("run history: %+v", r)
	}
	if code, _, _ := do(t, "GET", s.base+"/api/v1/runs?connector=Bad%27x", auth); code != http.StatusBadRequest {
		t.Errorf("bad connector filter: %d", code)
	}
	getJSON(t, s.base+"/api/v1/connectors", &list)
	if list.Connectors[0].LastSuccessAt == nil || list.Connectors[0].InFlight {
		t.Errorf("connectors after the runs: %+v", list.Connectors[0])
	}
}

// No secret of the configuration, nor the bearer tokens sent, appears in
// the logs at debug level, even when a webhook fails and a reload happens.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	logs := &syncBuffer{}
	secrets := []string{"tok-SECRET-1", "pw-SECRET-2", "hook-SECRET-3", "wrong-SECRET-4"}
	cfg := testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@every 1s",
		Webhook: "http://127.0.0.1:1/services/hook-SECRET-3"})
	cfg.Server.Token = "tok-SECRET-1"
	cfg.Warehouse.DSN = "postgres://northstar:pw-SECRET-2@db.internal:5432/northstar"
	f := &fakeSyncer{db: db, body: func(context.Context, int, string) (string, error) {
		return statusFailed, errors.New("upstream said no")
	}}
	d, err := New(cfg, Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, logs),
		Reload: func() (*config.Config, error) { return cfg, nil }})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	do(t, "GET", s.base+"/api/v1/connectors", "Bearer wrong-SECRET-4")
	do(t, "GET", s.base+"/api/v1/connectors", "Bearer tok-SECRET-1")
	if err := d.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a failed webhook delivery", func() bool {
		return testutil.ToFloat64(d.m.webhooks.WithLabelValues("crm", "failed")) >= 1
	})
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if testing.Verbose() {
		t.Log(out)
	}
	if !contains(out, "level=DEBUG", "alert webhook failed", "webhook_host=127.0.0.1:1", "configuration reloaded") {
		t.Fatalf("logs lack the expected lines:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("log contains secret %q", s)
		}
	}
}

// A failed or partial run is POSTed to the connector's webhook.
func TestWebhook(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	got := make(chan alert, 4)
	hook := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		var a alert
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&a) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- a
	})
	f := &fakeSyncer{db: db, body: func(context.Context, int, string) (string, error) {
		return statusPartial, errors.New("quota: stopped at 50% of the daily API quota")
	}}
	cfg := testConfig(config.Connector{Name: "crm", Type: "salesforce", Webhook: hook + "/alert"})
	d, err := New(cfg, Deps{DB: db.DB, Syncer: f, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := d.TriggerSync(context.Background(), "crm")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if a.Event != "northstar.run.partial" || a.Connector != "crm" || a.RunID != rs.RunID || a.Status != statusPartial ||
			!strings.Contains(a.Error, "quota") || !strings.Contains(a.Text, "partial run") {
			t.Errorf("alert %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook call")
	}
}

// The daemon refuses to listen on a public address without a token.
func TestListenNeedsToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen, token string
		ok            bool
	}{
		{"127.0.0.1:8470", "", true},
		{"localhost:8470", "", true},
		{"[::1]:8470", "", true},
		{"0.0.0.0:8470", "", false},
		{":8470", "", false},
		{"10.1.2.3:8470", "", false},
		{"northstar.example.com:8470", "", false},
		{"0.0.0.0:8470", "t", true},
	}
	for _, tt := range tests {
		cfg := testConfig()
		cfg.Server.Listen, cfg.Server.Token = tt.listen, tt.token
		_, err := New(cfg, Deps{DB: nopDB(), Syncer: SyncFunc(nil)})
		if (err == nil) != tt.ok {
			t.Errorf("listen %s token %q: err %v", tt.listen, tt.token, err)
		}
		if err != nil && !strings.Contains(err.Error(), "server.token") {
			t.Errorf("listen %s: unclear error %v", tt.listen, err)
		}
	}
	cfg := testConfig(config.Connector{Name: "crm", Type: "file", Webhook: "ftp://x/y-SECRET"})
	if _, err := New(cfg, Deps{DB: nopDB(), Syncer: SyncFunc(nil)}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("bad webhook: %v", err)
	}
}

// Runs left `running` by a dead process are marked failed at start,
// unless their connector's lock is held by a live run.
func TestAbandonedRunsMarkedAtStart(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	ctx := context.Background()
	live, err := db.StartRun(ctx, "live", warehouseOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer live.Finish(statusSucceeded, nil)
	if _, err := db.ExecContext(ctx, `INSERT INTO ops.sync_runs (connector, host, pid) VALUES ('dead', 'gone', 1)`); err != nil {
		t.Fatal(err)
	}
	d, err := New(testConfig(config.Connector{Name: "dead", Type: "file"}, config.Connector{Name: "live", Type: "file"}),
		Deps{DB: db.DB, Syncer: &fakeSyncer{db: db}, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, d)
	waitFor(t, 5*time.Second, "the dead run to be marked", func() bool {
		var st string
		_ = db.GetContext(ctx, &st, `SELECT status FROM ops.sync_runs WHERE connector = 'dead'`)
		return st == statusFailed
	})
	var st string
	if err := db.GetContext(ctx, &st, `SELECT status FROM ops.sync_runs WHERE connector = 'live'`); err != nil {
		t.Fatal(err)
	}
	if st != "running" {
		t.Errorf("live run marked %s", st)
	}
}

// /metrics passes promlint and carries every metric family of the issue.
func TestMetricsLint(t *testing.T) {
	t.Parallel()
	db, _ := whtest.New(t)
	d, err := New(testConfig(config.Connector{Name: "crm", Type: "file", Schedule: "@hourly"}),
		Deps{DB: db.DB, Syncer: &fakeSyncer{db: db}, Logger: testLogger(t, nil),
			Refresher: RefreshFunc(func(context.Context, *config.Config) error { return nil })})
	if err != nil {
		t.Fatal(err)
	}
	s := serve(t, d)
	if _, err := d.TriggerSync(context.Background(), "crm"); err != nil {
		t.Fatal(err)
	}
	d.OnPage(pipeline.PageEvent{Connector: "crm", Stream: northstar.Stream("orders"),
		Page: northstar.Counts{Read: 10, Inserted: 6, Updated: 2, Unchanged: 1, Rejected: 1}})
	obs := d.Observer()
	obs.UpstreamCall("crm", 200, false)
	obs.UpstreamCall("crm", 503, true)
	obs.QuotaRemaining("crm", 0.75)
	waitFor(t, 5*time.Second, "a refresh after the sync", func() bool {
		return testutil.ToFloat64(d.m.refreshes.WithLabelValues("succeeded")) == 1
	})
	body := scrape(t, s.base)
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	for _, want := range []string{
		`northstar_sync_runs_total{connector="crm",status="succeeded"} 1`,
		`northstar_sync_run_duration_seconds_count{connector="crm"} 1`,
		`northstar_records_read_total{connector="crm",stream="orders"} 10`,
		`northstar_records_loaded_total{connector="crm",stream="orders"} 9`,
		`northstar_records_rejected_total{connector="crm",stream="orders"} 1`,
		`northstar_upstream_requests_total{code="503",connector="crm"} 1`,
		`northstar_upstream_retries_total{connector="crm"} 1`,
		`northstar_upstream_quota_remaining_ratio{connector="crm"} 0.75`,
		`northstar_sync_last_success_timestamp_seconds{connector="crm"}`,
		`northstar_metrics_refresh_duration_seconds_count 1`,
		`northstar_config_last_reload_successful 1`,
		`northstar_config_last_reload_success_timestamp_seconds`,
		`northstar_schedule_next_run_timestamp_seconds{job="sync:crm"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
