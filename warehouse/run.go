package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/northstar-dev/northstar"
)

// Run statuses stored in ops.sync_runs.status.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusPartial   = "partial"
	StatusFailed    = "failed"
)

// Run is one sync run of one connector. It owns a dedicated connection
// holding the connector's advisory lock for the run's lifetime, so no two
// runs of a connector overlap across processes, and a process that dies
// releases the lock with its connection.
type Run struct {
	ID        int64
	Connector string
	Full      bool
	StartedAt time.Time

	db   *DB
	conn *sql.Conn // holds the advisory lock; sessions[0] uses it

	sessions  [maxInflight]*session
	queue     []*inflight
	submitted int

	mu     sync.Mutex
	counts map[northstar.Stream]*northstar.Counts
	dirty  bool // something in core changed during the run

	// noFirstLoad sends every page through staging and merge (tests).
	noFirstLoad bool
	// firstLoads counts the pages stored by the first-load path.
	firstLoads int64
	// probe marks the streams a page of which met stored keys on the
	// first-load path: their later pages are probed before (firstload.go).
	probe map[northstar.Stream]bool
}

// probes reports whether pages of s are probed for stored keys before
// taking the first-load path.
func (r *Run) probes(s northstar.Stream) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.probe[s]
}

// probeFrom makes later pages of s probe for stored keys first.
func (r *Run) probeFrom(s northstar.Stream) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.probe == nil {
		r.probe = map[northstar.Stream]bool{}
	}
	r.probe[s] = true
	r.db.log.Debug("stored keys met on the first-load path: probing later pages", "connector", r.Connector, "stream", string(s))
}

// RunOptions describe how a run was started.
type RunOptions struct {
	Full    bool
	Trigger string // manual, schedule, api, demo
}

func lockKey(name string) string { return "northstar:connector:" + name }

// StartRun takes the connector's advisory lock (ErrBusy if another run of
// it is in flight anywhere), marks runs left `running` by dead processes as
// failed, and records a new running run.
func (db *DB) StartRun(ctx context.Context, connector string, opt RunOptions) (*Run, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: start run: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, lockKey(connector)).Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("warehouse: lock connector %s: %w", connector, err)
	}
	if !got {
		conn.Close()
		return nil, fmt.Errorf("connector %s: %w", connector, northstar.ErrBusy)
	}
	// Data and cursor commit together, so a commit lost in a server crash
	// is simply re-read by the next run: the loader does not need to wait
	// for each page's WAL flush.
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("warehouse: session settings: %w", err)
	}
	r := &Run{Connector: connector, Full: opt.Full, db: db, conn: conn,
		counts: map[northstar.Stream]*northstar.Counts{}}
	r.sessions[0] = &session{conn: conn, staged: map[northstar.Stream]bool{}}
	fail := func(err error) (*Run, error) {
		r.release()
		return nil, err
	}
	// We hold the lock, so any run still marked running is from a dead process.
	if _, err := conn.ExecContext(ctx, `UPDATE ops.sync_runs SET status = 'failed', finished_at = now(),
		error = 'abandoned: the process running it stopped before it finished (the next run resumed from the last committed page)'
		WHERE connector = $1 AND status = 'running'`, connector); err != nil {
		return fail(fmt.Errorf("warehouse: mark abandoned runs: %w", err))
	}
	host, _ := os.Hostname()
	trigger := opt.Trigger
	if trigger == "" {
		trigger = "manual"
	}
	if err := conn.QueryRowContext(ctx, `INSERT INTO ops.sync_runs (connector, full_sync, trigger, host, pid)
		VALUES ($1, $2, $3, $4, $5) RETURNING run_id, started_at`,
		connector, opt.Full, trigger, host, os.Getpid()).Scan(&r.ID, &r.StartedAt); err != nil {
		return fail(fmt.Errorf("warehouse: insert run: %w", err))
	}
	return r, nil
}

// Counts returns the run's counts per stream so far.
func (r *Run) Counts() map[northstar.Stream]northstar.Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[northstar.Stream]northstar.Counts, len(r.counts))
	for s, c := range r.counts {
		out[s] = *c
	}
	return out
}

// Total returns the run's counts summed over streams.
func (r *Run) Total() northstar.Counts {
	var t northstar.Counts
	for _, c := range r.Counts() {
		t.Add(c)
	}
	return t
}

// Changed reports whether the run inserted, updated or deleted anything.
func (r *Run) Changed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dirty
}

// Finish records the run's final status and error and releases its lock.
// It uses a fresh context so that a cancelled run is still recorded.
func (r *Run) Finish(status string, runErr error) error {
	defer r.release()
	if err := r.Flush(); err != nil && runErr == nil {
		runErr, status = err, StatusFailed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var msg sql.NullString
	if runErr != nil {
		msg = sql.NullString{String: runErr.Error(), Valid: true}
	}
	countsJSON, _ := json.Marshal(r.Counts())
	t := r.Total()
	_, err := r.conn.ExecContext(ctx, `UPDATE ops.sync_runs SET status = $2, finished_at = now(), error = $3,
		counts = $4, records_read = $5, records_inserted = $6, records_updated = $7, records_unchanged = $8,
		records_deleted = $9, records_rejected = $10 WHERE run_id = $1`,
		r.ID, status, msg, countsJSON, t.Read, t.Inserted, t.Updated, t.Unchanged, t.Deleted, t.Rejected)
	if err != nil {
		return fmt.Errorf("warehouse: finish run %d: %w", r.ID, err)
	}
	return nil
}

func (r *Run) release() {
	if r.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, ss := range r.sessions[1:] {
		if ss != nil {
			_ = ss.conn.Raw(func(any) error { return driver.ErrBadConn })
			ss.conn.Close()
		}
	}
	// Temporary staging tables and the advisory lock belong to this session;
	// close the connection instead of returning it to the pool.
	_, _ = r.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, lockKey(r.Connector))
	_ = r.conn.Raw(func(any) error { return driver.ErrBadConn }) // discard: never reuse the session
	r.conn.Close()
	r.conn = nil
}

// Cursor returns the stored cursor of a connector stream (zero if none).
func (db *DB) Cursor(ctx context.Context, connector string, s northstar.Stream) (northstar.Cursor, error) {
	var (
		c     northstar.Cursor
		mod   sql.NullTime
		state []byte
	)
	err := db.QueryRowContext(ctx, `SELECT modified_at, cursor_id, state FROM ops.cursors WHERE connector = $1 AND stream = $2`,
		connector, string(s)).Scan(&mod, &c.ID, &state)
	if isNoRows(err) {
		return northstar.Cursor{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("warehouse: read cursor %s/%s: %w", connector, s, err)
	}
	if mod.Valid {
		c.ModifiedAt = mod.Time.UTC()
	}
	if len(state) > 0 {
		c.State = state
	}
	return c, nil
}

// Manifest returns the files already loaded for a connector stream.
func (db *DB) Manifest(ctx context.Context, connector string, s northstar.Stream) (map[string]northstar.FileMark, error) {
	rows, err := db.QueryContext(ctx, `SELECT path, size, mod_time, sha256 FROM ops.file_manifest WHERE connector = $1 AND stream = $2`,
		connector, string(s))
	if err != nil {
		return nil, fmt.Errorf("warehouse: read manifest %s/%s: %w", connector, s, err)
	}
	defer rows.Close()
	out := map[string]northstar.FileMark{}
	for rows.Next() {
		var m northstar.FileMark
		if err := rows.Scan(&m.Path, &m.Size, &m.ModTime, &m.SHA256); err != nil {
			return nil, err
		}
		m.ModTime = m.ModTime.UTC()
		out[m.Path] = m
	}
	return out, rows.Err()
}

// PreviousStatus returns the status of the connector's run before this
// one ("" when there was none).
func (r *Run) PreviousStatus(ctx context.Context) (string, error) {
	var st string
	err := r.db.QueryRowContext(ctx, `SELECT status FROM ops.sync_runs WHERE connector = $1 AND run_id < $2
		ORDER BY run_id DESC LIMIT 1`, r.Connector, r.ID).Scan(&st)
	if isNoRows(err) {
		return "", nil
	}
	return st, err
}
