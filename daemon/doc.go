// Package daemon is the long-running core of `northstar run`: it schedules
// every connector's sync and the metric refresh, serves the HTTP API of
// contract.md, exports Prometheus metrics, reloads its configuration and
// stops cleanly. It knows nothing of connectors or SQL loading: cmd wires
// it to the pipeline through the small Syncer and Refresher interfaces.
//
// # Contract
//
//   - New validates what the daemon needs from the configuration (cron
//     schedules, webhook URLs, and that a listen address that is not
//     loopback has server.token set) and installs the schedules; it does
//     no I/O. Run listens on server.listen; Serve takes a listener.
//   - Lifecycle: Run/Serve returns when its context is cancelled. It stops
//     scheduling, cancels the context of every in-flight sync (the
//     pipeline commits the page it already read, bounded by its
//     CommitTimeout, and records the run as partial), waits for them up to
//     server.shutdown_timeout and returns nil, or an error naming the runs
//     still in flight. RunSignals wires SIGINT/SIGTERM (stop) and SIGHUP
//     (Reload) for cmd; a caller that handles signals itself calls Run and
//     Reload.
//   - Reload re-reads the whole file through Deps.Reload, validates it and
//     swaps the schedules only when everything is valid; otherwise the old
//     configuration stays in force and the error is returned. Both outcomes
//     are exported (northstar_config_last_reload_successful, …). The listen
//     address is fixed at start.
//   - Scheduling uses robfig/cron/v3 with the config's parser (5 fields,
//     descriptors, CRON_TZ=). A schedule without CRON_TZ runs in UTC, and
//     "@every D" fires at multiples of D (10:00, 10:10, … for 10m) rather
//     than D after start, so that every replica computes the same slots.
//     Every job is wrapped in cron.SkipIfStillRunning then cron.Recover
//     (one chain per entry, so a skip is counted for its connector).
//   - Exactly once per slot across replicas: a job first claims (kind,
//     connector, scheduled_at) in ops.schedule_slots; the primary key lets
//     one replica win, the others count slot_taken and skip. The run
//     itself then takes warehouse's per-connector advisory lock (inside
//     Syncer), so a connector never runs twice at a time anywhere: a run
//     refused with northstar.ErrBusy is counted as skipped (busy). Replica
//     clocks must agree to well within the shortest schedule period.
//   - Crash safety: a replica that dies mid-sync releases its lock with its
//     connection; at start Serve marks failed every `running` run whose
//     connector lock is free (StartRun does the same per connector).
//   - Panics: a panic in a Syncer is recovered; the run this process
//     started is marked failed, the database session that still holds the
//     connector's advisory lock (leaked because the panic skipped
//     warehouse.Run.Finish) is terminated with pg_terminate_backend, and
//     the daemon goes on. A panicked run leaks one pool connection slot.
//   - Metric refresh runs after each succeeded run (or partial run that
//     changed data), coalesced, and on metrics.schedule; refreshes never
//     overlap, in-process (mutex) or across replicas (advisory lock
//     "northstar:metrics", waited for).
//   - HTTP: /healthz, /readyz, /metrics without auth; /api/v1/* and
//     /report need "Authorization: Bearer TOKEN" (constant-time compare)
//     when server.token is set, else 401 with WWW-Authenticate. With no
//     token the daemon only listens on loopback and the API is open to
//     local callers. POST /api/v1/connectors/{name}/sync answers 202 with
//     the run (run_id once recorded), 409 while a run is in flight here or
//     in another replica, 404 for an unknown connector.
//   - Alerts: a connector's webhook receives a JSON POST (see alert) on
//     every failed or partial run, through go-retryablehttp with short
//     timeouts. Its URL is never logged (only its host).
//   - Logs: slog, child loggers with connector, trigger and run_id. The
//     daemon never logs configuration values, tokens, DSNs, headers or
//     webhook URLs; cron's chatter goes to Debug.
package daemon
