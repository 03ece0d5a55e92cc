package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
	"github.com/northstar-dev/northstar/pipeline"
)

// Syncer runs one sync of one connector now.
type Syncer interface {
	// Sync runs connector once using cfg, the configuration the daemon
	// holds now (it changes on reload). Like pipeline.Engine.Sync it
	// returns an error only when the run could not be recorded at all,
	// wrapping northstar.ErrBusy when another run of the connector holds
	// its advisory lock; a run that failed is reported in Result.Status
	// and Result.Err. When ctx is cancelled (shutdown) it commits the page
	// it has read, records the run (partial) and returns.
	Sync(ctx context.Context, cfg *config.Config, connector, trigger string) (pipeline.Result, error)
}

// SyncFunc adapts a function to Syncer.
type SyncFunc func(ctx context.Context, cfg *config.Config, connector, trigger string) (pipeline.Result, error)

// Sync calls f.
func (f SyncFunc) Sync(ctx context.Context, cfg *config.Config, connector, trigger string) (pipeline.Result, error) {
	return f(ctx, cfg, connector, trigger)
}

// Refresher recomputes the metrics from the warehouse.
type Refresher interface {
	// Refresh recomputes every metric as of now using cfg. The daemon never
	// runs two refreshes at once, in this process or across replicas.
	Refresh(ctx context.Context, cfg *config.Config) error
}

// RefreshFunc adapts a function to Refresher.
type RefreshFunc func(ctx context.Context, cfg *config.Config) error

// Refresh calls f.
func (f RefreshFunc) Refresh(ctx context.Context, cfg *config.Config) error { return f(ctx, cfg) }

// Deps are the services the daemon is built from; cmd/northstar wires them.
type Deps struct {
	// DB is the migrated warehouse (warehouse.DB.DB). Required.
	DB *sqlx.DB
	// Syncer runs syncs. Required.
	Syncer Syncer
	// Refresher recomputes metrics after successful syncs and on
	// metrics.schedule; nil disables metric refresh.
	Refresher Refresher
	// Reload re-reads and validates the whole configuration file (SIGHUP);
	// nil makes Reload fail.
	Reload func() (*config.Config, error)
	// KPIs returns the current KPI values for GET /api/v1/kpis (any
	// JSON-encodable value); nil answers 404.
	KPIs func(ctx context.Context) (any, error)
	// Report serves GET /report; nil answers 404.
	Report http.Handler
	// Ready reports whether the warehouse is reachable and migrated (GET
	// /readyz); nil pings DB.
	Ready func(ctx context.Context) error
	// Logger receives the daemon's logs; nil discards them.
	Logger *slog.Logger
}

// Errors of TriggerSync.
var (
	// ErrInFlight means a run of the connector is already in flight, in this
	// process or (advisory lock held) in another replica.
	ErrInFlight = errors.New("a run of the connector is already in flight")
	// ErrStopping means the daemon is shutting down and starts no new runs.
	ErrStopping = errors.New("the daemon is shutting down")
	// ErrUnknownConnector means no connector of that name is configured.
	ErrUnknownConnector = errors.New("no such connector")
)

// Daemon schedules connector syncs and metric refreshes and serves the
// HTTP API. Build it with New, then call Run (or RunSignals) once.
type Daemon struct {
	db        *sqlx.DB
	syncer    Syncer
	refresher Refresher
	reloadFn  func() (*config.Config, error)
	kpis      func(ctx context.Context) (any, error)
	report    http.Handler
	ready     func(ctx context.Context) error
	log       *slog.Logger
	m         *metrics
	cron      *cron.Cron
	handler   http.Handler
	webhook   *retryablehttp.Client
	host      string
	pid       int
	replica   string // host/pid/random: names this daemon in ops.schedule_slots
	listen    string // the address Run listens on (fixed at New; reload cannot move it)
	// lag delays every scheduled job before it reads the clock; tests set
	// it to play a replica whose clock runs behind.
	lag time.Duration

	// life is the daemon's lifecycle context (not a request context): every
	// sync and refresh runs under it, and shutdown cancels it.
	life context.Context
	stop context.CancelFunc

	mu        sync.Mutex
	cfg       *config.Config
	entries   map[string]cron.EntryID // connector → its cron entry
	refreshID cron.EntryID            // metrics.schedule entry (0: none)
	running   map[string]bool         // connectors with a run in flight in this process
	stopping  bool
	started   bool
	addr      net.Addr
	jobs      sync.WaitGroup // syncs, refreshes and background loops

	refreshMu  sync.Mutex    // one refresh at a time in this process
	refreshReq chan struct{} // coalesced "refresh after sync" requests
	readyMu    sync.Mutex
	lastReady  error
}

// New validates cfg for the daemon (schedules, listen address and token,
// webhook URLs) and builds a Daemon with its schedules installed; it does
// not touch the network or the warehouse.
func New(cfg *config.Config, deps Deps) (*Daemon, error) {
	if deps.DB == nil || deps.Syncer == nil {
		return nil, errors.New("daemon: Deps.DB and Deps.Syncer are required")
	}
	if err := validateConfig(cfg, ""); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	d := &Daemon{
		db: deps.DB, syncer: deps.Syncer, refresher: deps.Refresher, reloadFn: deps.Reload,
		kpis: deps.KPIs, report: deps.Report, ready: deps.Ready, log: log,
		host: host, pid: os.Getpid(), listen: cfg.Server.Listen,
		entries: map[string]cron.EntryID{}, running: map[string]bool{},
		refreshReq: make(chan struct{}, 1),
	}
	d.replica = fmt.Sprintf("%s/%d/%s", host, d.pid, hex.EncodeToString(b))
	d.life, d.stop = context.WithCancel(context.Background())
	d.m = newMetrics(d.nextRuns)
	d.cron = cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cronLogger{log: log}))
	d.webhook = newWebhookClient()
	if err := d.install(cfg); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	d.m.reloadOK.Set(1)
	d.m.reloadTime.Set(float64(time.Now().Unix()))
	d.handler = d.routes()
	return d, nil
}

// Handler returns the HTTP API (also served by Run).
func (d *Daemon) Handler() http.Handler { return d.handler }

// Observer returns a connectors.Observer that records upstream calls and
// quota in the daemon's metrics; pass it in connectors.Env.
func (d *Daemon) Observer() connectors.Observer { return observer{d.m} }

// OnPage records one stored page in the metrics; set it (or call it from)
// pipeline.Engine.OnPage.
func (d *Daemon) OnPage(ev pipeline.PageEvent) { d.m.page(ev) }

// Registry returns the daemon's Prometheus registry (served on /metrics),
// for callers that export more collectors.
func (d *Daemon) Registry() *prometheus.Registry { return d.m.reg }

// Addr returns the address the API listens on once Run has started, else nil.
func (d *Daemon) Addr() net.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.addr
}

// Config returns the configuration in force.
func (d *Daemon) Config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// RunSignals is Run with the process signals wired: SIGINT and SIGTERM
// stop the daemon (see Run), SIGHUP calls Reload and logs a refused
// reload. It returns Run's result.
func (d *Daemon) RunSignals(ctx context.Context) error {
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := d.Reload(ctx); err != nil {
					d.log.Error("config reload refused; keeping the previous configuration", "err", err)
				}
			}
		}
	}()
	return d.Run(ctx)
}

// Run listens on server.listen and serves until ctx is cancelled; see Serve.
func (d *Daemon) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.listen)
	if err != nil {
		return fmt.Errorf("daemon: listen on %s: %w", d.listen, err)
	}
	return d.Serve(ctx, ln)
}

// Serve runs the daemon on ln until ctx is cancelled: it marks runs left
// `running` by dead processes as failed, starts the scheduler and serves
// the HTTP API. On cancellation it stops scheduling, cancels the running
// syncs (each commits the page it has read and records its run) and waits
// for them up to server.shutdown_timeout; it returns nil after a clean
// stop, or an error if the API server failed or syncs outlived the timeout
// (their runs are then marked failed at the next start). Serve may be
// called once.
func (d *Daemon) Serve(ctx context.Context, ln net.Listener) error {
	d.mu.Lock()
	if d.started {
		d.mu.Unlock()
		ln.Close()
		return errors.New("daemon: already started")
	}
	d.started, d.addr = true, ln.Addr()
	d.jobs.Add(2) // refresh and prune loops
	d.mu.Unlock()

	if err := d.markAbandoned(ctx); err != nil {
		d.log.Error("mark abandoned runs", "err", err)
	}
	srv := &http.Server{
		Handler:           d.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go d.refreshLoop()
	go d.pruneLoop()
	d.cron.Start()
	cfg := d.Config()
	d.log.Info("daemon started", "listen", ln.Addr().String(), "connectors", len(cfg.Connectors),
		"replica", d.replica, "auth", cfg.Server.Token != "")

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
		serveErr = fmt.Errorf("daemon: http server: %w", serveErr)
	}
	return errors.Join(serveErr, d.shutdown(srv, cfg.Server.ShutdownTimeout))
}

// shutdown stops scheduling, cancels in-flight jobs and waits for them.
func (d *Daemon) shutdown(srv *http.Server, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d.log.Info("shutting down: no new runs; waiting for in-flight runs to record their state", "timeout", timeout)
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	d.cron.Stop()
	d.stop()

	done := make(chan struct{})
	go func() { d.jobs.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-time.After(timeout):
		d.mu.Lock()
		n := len(d.running)
		d.mu.Unlock()
		err = fmt.Errorf("daemon: shutdown timeout %s: %d run(s) still in flight; the next start marks them failed", timeout, n)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("daemon: http shutdown: %w", serr))
	}
	if err == nil {
		d.log.Info("daemon stopped")
	}
	return err
}

// Reload asks Deps.Reload for the configuration, validates the whole of it
// (schedules, listen address and token, webhooks) and only then swaps the
// schedules; on any error the previous configuration stays in force and
// the error is returned (not logged). Runs in flight finish with the
// configuration they started with. server.listen changes take effect at
// the next restart.
func (d *Daemon) Reload(ctx context.Context) error {
	err := d.reload()
	if err != nil {
		d.m.reloadOK.Set(0)
		d.m.reloads.WithLabelValues("failed").Inc()
		return fmt.Errorf("daemon: reload: %w", err)
	}
	d.m.reloadOK.Set(1)
	d.m.reloadTime.Set(float64(time.Now().Unix()))
	d.m.reloads.WithLabelValues("succeeded").Inc()
	return nil
}

func (d *Daemon) reload() error {
	if d.reloadFn == nil {
		return errors.New("no configuration loader")
	}
	cfg, err := d.reloadFn()
	if err != nil {
		return err
	}
	if err := validateConfig(cfg, d.listen); err != nil {
		return err
	}
	if err := d.install(cfg); err != nil {
		return err
	}
	if cfg.Server.Listen != d.listen {
		d.log.Warn("server.listen changed; it takes effect at the next restart", "listening", d.listen, "configured", cfg.Server.Listen)
	}
	d.log.Info("configuration reloaded", "path", cfg.Path, "connectors", len(cfg.Connectors))
	return nil
}

// validateConfig checks what the daemon needs from cfg. bound, when set,
// is the address already listened on, which the token rule also covers.
func validateConfig(cfg *config.Config, bound string) error {
	if cfg == nil {
		return errors.New("no configuration")
	}
	var errs []error
	for _, addr := range []string{cfg.Server.Listen, bound} {
		if addr == "" || cfg.Server.Token != "" {
			continue
		}
		if !isLoopback(addr) {
			errs = append(errs, fmt.Errorf("server.listen %s is not a loopback address and server.token is empty: "+
				"set server.token (e.g. token: ${NORTHSTAR_TOKEN}) or listen on 127.0.0.1", addr))
			break
		}
	}
	if cfg.Metrics.Schedule != "" {
		if _, err := parseSchedule(cfg.Metrics.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("metrics.schedule %q: %w", cfg.Metrics.Schedule, err))
		}
	}
	for _, c := range cfg.Connectors {
		if c.Schedule != "" {
			if _, err := parseSchedule(c.Schedule); err != nil {
				errs = append(errs, fmt.Errorf("connector %s: schedule %q: %w", c.Name, c.Schedule, err))
			}
		}
		if c.Webhook != "" {
			// The URL itself may carry a secret (chat webhooks do): never quote it.
			u, err := url.Parse(c.Webhook)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("connector %s: webhook: want an http:// or https:// URL", c.Name))
			}
		}
	}
	return errors.Join(errs...)
}

// isLoopback reports whether a host:port listen address is loopback only.
// An empty host listens on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// install replaces every cron entry with cfg's schedules and makes cfg
// the configuration in force.
func (d *Daemon) install(cfg *config.Config) error {
	type job struct {
		name  string
		sched cron.Schedule
	}
	var jobs []job
	for _, c := range cfg.Connectors {
		if c.Schedule == "" {
			continue
		}
		s, err := parseSchedule(c.Schedule)
		if err != nil {
			return fmt.Errorf("connector %s: schedule %q: %w", c.Name, c.Schedule, err)
		}
		jobs = append(jobs, job{c.Name, s})
	}
	var refresh cron.Schedule
	if d.refresher != nil && cfg.Metrics.Schedule != "" {
		s, err := parseSchedule(cfg.Metrics.Schedule)
		if err != nil {
			return fmt.Errorf("metrics.schedule %q: %w", cfg.Metrics.Schedule, err)
		}
		refresh = s
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	for name, id := range d.entries {
		d.cron.Remove(id)
		delete(d.entries, name)
	}
	if d.refreshID != 0 {
		d.cron.Remove(d.refreshID)
		d.refreshID = 0
	}
	for _, j := range jobs {
		name, sched := j.name, j.sched
		// Each entry gets its own chain so that cron.SkipIfStillRunning's
		// "skip" is attributed to the connector in the metrics.
		l := cronLogger{log: d.log.With("connector", name), onSkip: func() {
			d.m.skipped.WithLabelValues(name, skipOverlap).Inc()
		}}
		wrapped := cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l)).
			Then(cron.FuncJob(func() { d.scheduledSync(name, sched) }))
		d.entries[name] = d.cron.Schedule(sched, wrapped)
	}
	if refresh != nil {
		l := cronLogger{log: d.log.With("job", "metrics_refresh")}
		wrapped := cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l)).
			Then(cron.FuncJob(func() { d.scheduledRefresh(refresh) }))
		d.refreshID = d.cron.Schedule(refresh, wrapped)
	}
	d.cfg = cfg
	return nil
}

// nextRuns returns the next activation of every scheduled job, keyed
// "sync:CONNECTOR" and "refresh".
func (d *Daemon) nextRuns() map[string]time.Time {
	d.mu.Lock()
	ids := make(map[string]cron.EntryID, len(d.entries)+1)
	for name, id := range d.entries {
		ids[slotSync+":"+name] = id
	}
	if d.refreshID != 0 {
		ids[slotRefresh] = d.refreshID
	}
	d.mu.Unlock()
	out := make(map[string]time.Time, len(ids))
	for k, id := range ids {
		out[k] = d.cron.Entry(id).Next
	}
	return out
}

// begin registers a job; for a connector it also claims the in-process
// in-flight mark. It returns "" on success, else the skip reason.
func (d *Daemon) begin(connector string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return skipStopping
	}
	if connector != "" {
		if d.running[connector] {
			return skipOverlap
		}
		d.running[connector] = true
		d.m.inflight.WithLabelValues(connector).Inc()
	}
	d.jobs.Add(1)
	return ""
}

// end undoes begin.
func (d *Daemon) end(connector string) {
	if connector != "" {
		d.mu.Lock()
		delete(d.running, connector)
		d.mu.Unlock()
		d.m.inflight.WithLabelValues(connector).Dec()
	}
	d.jobs.Done()
}
