package daemon

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes builds the HTTP API of contract.md.
func (d *Daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.handleHealthz)
	mux.HandleFunc("GET /readyz", d.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.m.reg, promhttp.HandlerOpts{Registry: d.m.reg}))

	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/connectors", d.handleConnectors)
	api.HandleFunc("GET /api/v1/runs", d.handleRuns)
	api.HandleFunc("POST /api/v1/connectors/{name}/sync", d.handleSync)
	api.HandleFunc("GET /api/v1/kpis", d.handleKPIs)
	api.HandleFunc("GET /report", d.handleReport)
	// Authentication comes before routing, so unknown /api/v1 paths and
	// wrong methods answer 401 to a caller without the token too.
	mux.Handle("/api/v1/", d.auth(api))
	mux.Handle("/report", d.auth(api))
	return d.logRequests(mux)
}

// auth requires "Authorization: Bearer TOKEN" when server.token is set.
// Without a token the daemon only listens on loopback (New refuses
// otherwise) and the API is open to local callers.
func (d *Daemon) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := d.Config().Server.Token
		if want == "" {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="northstar"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		if !tokenEqual(got, want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="northstar", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer extracts the token of an Authorization header.
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// tokenEqual compares in constant time; hashing first hides the length.
func tokenEqual(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func (d *Daemon) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handleReadyz answers 200 when the warehouse is reachable and migrated
// and the daemon is not shutting down. The reason of a failure is logged
// (on change), not shown to unauthenticated callers.
func (d *Daemon) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	var err error
	d.mu.Lock()
	stopping := d.stopping
	d.mu.Unlock()
	switch {
	case stopping:
		err = ErrStopping
	case d.ready != nil:
		err = d.ready(ctx)
	default:
		err = d.db.PingContext(ctx)
	}
	d.readyMu.Lock()
	if (err == nil) != (d.lastReady == nil) || (err != nil && d.lastReady != nil && err.Error() != d.lastReady.Error()) {
		if err != nil {
			d.log.Warn("not ready", "err", err)
		} else {
			d.log.Info("ready")
		}
	}
	d.lastReady = err
	d.readyMu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// connectorView is one entry of GET /api/v1/connectors.
type connectorView struct {
	Name          string     `json:"name"`
	Type          string     `json:"type"`
	Schedule      string     `json:"schedule"` // "" = on demand only
	NextRun       *time.Time `json:"next_run"`
	InFlight      bool       `json:"in_flight"` // a run is in flight in this process
	LastRun       *runView   `json:"last_run"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	Webhook       bool       `json:"webhook"` // alerts configured (the URL is not shown)
}

// refreshView describes the metric refresh schedule.
type refreshView struct {
	Schedule string     `json:"schedule"`
	NextRun  *time.Time `json:"next_run"`
}

// runView is one row of ops.sync_runs.
type runView struct {
	RunID            int64           `json:"run_id" db:"run_id"`
	Connector        string          `json:"connector" db:"connector"`
	Status           string          `json:"status" db:"status"`
	Trigger          string          `json:"trigger" db:"trigger"`
	Full             bool            `json:"full" db:"full_sync"`
	Host             *string         `json:"host" db:"host"`
	StartedAt        time.Time       `json:"started_at" db:"started_at"`
	FinishedAt       *time.Time      `json:"finished_at" db:"finished_at"`
	DurationSeconds  *float64        `json:"duration_seconds" db:"duration_seconds"`
	Counts           json.RawMessage `json:"counts" db:"counts"`
	RecordsRead      int64           `json:"records_read" db:"records_read"`
	RecordsInserted  int64           `json:"records_inserted" db:"records_inserted"`
	RecordsUpdated   int64           `json:"records_updated" db:"records_updated"`
	RecordsUnchanged int64           `json:"records_unchanged" db:"records_unchanged"`
	RecordsDeleted   int64           `json:"records_deleted" db:"records_deleted"`
	RecordsRejected  int64           `json:"records_rejected" db:"records_rejected"`
	Error            *string         `json:"error" db:"error"`
}

const runColumns = `run_id, connector, status, trigger, full_sync, host, started_at, finished_at,
	extract(epoch FROM finished_at - started_at)::float8 AS duration_seconds, counts,
	records_read, records_inserted, records_updated, records_unchanged, records_deleted, records_rejected, error`

func (r *runView) utc() {
	r.StartedAt = r.StartedAt.UTC()
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		r.FinishedAt = &t
	}
}

func (d *Daemon) handleConnectors(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cfg := d.Config()
	var last []runView
	if err := d.db.SelectContext(ctx, &last, `SELECT DISTINCT ON (connector) `+runColumns+`
		FROM ops.sync_runs ORDER BY connector, run_id DESC`); err != nil {
		d.internalError(w, r, err)
		return
	}
	lastBy := map[string]*runView{}
	for i := range last {
		last[i].utc()
		lastBy[last[i].Connector] = &last[i]
	}
	var okRows []struct {
		Connector string    `db:"connector"`
		At        time.Time `db:"at"`
	}
	if err := d.db.SelectContext(ctx, &okRows, `SELECT connector, max(finished_at) AS at FROM ops.sync_runs
		WHERE status = 'succeeded' GROUP BY connector`); err != nil {
		d.internalError(w, r, err)
		return
	}
	okBy := map[string]time.Time{}
	for _, o := range okRows {
		okBy[o.Connector] = o.At.UTC()
	}
	next := d.nextRuns()
	d.mu.Lock()
	inflight := make(map[string]bool, len(d.running))
	for k := range d.running {
		inflight[k] = true
	}
	d.mu.Unlock()

	out := struct {
		Connectors []connectorView `json:"connectors"`
		Metrics    refreshView     `json:"metrics_refresh"`
	}{Connectors: []connectorView{}}
	for _, c := range cfg.Connectors {
		v := connectorView{Name: c.Name, Type: c.Type, Schedule: c.Schedule, InFlight: inflight[c.Name],
			LastRun: lastBy[c.Name], Webhook: c.Webhook != ""}
		if t, ok := next[slotSync+":"+c.Name]; ok && !t.IsZero() {
			t = t.UTC()
			v.NextRun = &t
		}
		if t, ok := okBy[c.Name]; ok {
			v.LastSuccessAt = &t
		}
		out.Connectors = append(out.Connectors, v)
	}
	if d.refresher != nil {
		out.Metrics.Schedule = cfg.Metrics.Schedule
		if t, ok := next[slotRefresh]; ok && !t.IsZero() {
			t = t.UTC()
			out.Metrics.NextRun = &t
		}
	}
	writeJSON(w, http.StatusOK, out)
}

var connectorName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// handleRuns lists runs newest first: ?connector=NAME, ?status=, ?limit= (default 50, max 1000).
func (d *Daemon) handleRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	connector, status := q.Get("connector"), q.Get("status")
	if connector != "" && !connectorName.MatchString(connector) {
		writeError(w, http.StatusBadRequest, "connector: want a name of [a-z0-9_-]")
		return
	}
	switch status {
	case "", "running", statusSucceeded, statusPartial, statusFailed:
	default:
		writeError(w, http.StatusBadRequest, "status: want running, succeeded, partial or failed")
		return
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit: want 1..1000")
			return
		}
		limit = n
	}
	runs := []runView{}
	if err := d.db.SelectContext(r.Context(), &runs, `SELECT `+runColumns+` FROM ops.sync_runs
		WHERE ($1 = '' OR connector = $1) AND ($2 = '' OR status = $2)
		ORDER BY run_id DESC LIMIT $3`, connector, status, limit); err != nil {
		d.internalError(w, r, err)
		return
	}
	for i := range runs {
		runs[i].utc()
	}
	writeJSON(w, http.StatusOK, struct {
		Runs []runView `json:"runs"`
	}{runs})
}

func (d *Daemon) handleSync(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	rs, err := d.TriggerSync(r.Context(), name)
	switch {
	case errors.Is(err, ErrUnknownConnector):
		writeError(w, http.StatusNotFound, "no connector named "+strconv.Quote(name))
	case errors.Is(err, ErrInFlight):
		writeError(w, http.StatusConflict, "a run of "+name+" is already in flight")
	case errors.Is(err, ErrStopping):
		writeError(w, http.StatusServiceUnavailable, "the daemon is shutting down")
	case err != nil:
		d.internalError(w, r, err)
	default:
		w.Header().Set("Location", "/api/v1/runs?connector="+name)
		writeJSON(w, http.StatusAccepted, rs)
	}
}

func (d *Daemon) handleKPIs(w http.ResponseWriter, r *http.Request) {
	if d.kpis == nil {
		writeError(w, http.StatusNotFound, "KPIs are not available")
		return
	}
	v, err := d.kpis(r.Context())
	if err != nil {
		d.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (d *Daemon) handleReport(w http.ResponseWriter, r *http.Request) {
	if d.report == nil {
		writeError(w, http.StatusNotFound, "the report is not available")
		return
	}
	d.report.ServeHTTP(w, r)
}

// internalError logs err and answers 500 without details.
func (d *Daemon) internalError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() == nil {
		d.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, http.StatusInternalServerError, "internal error (see the daemon's log)")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

// logRequests logs each request at Debug: method, path, status, duration
// (never headers or query strings).
func (d *Daemon) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		d.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", rec.code,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
