package sqlsource

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/robfig/cron/v3"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/config"
	"github.com/northstar-dev/northstar/connectors"
)

// Source reads the configured streams of one ERP database.
type Source struct {
	name   string
	set    *settings
	d      dialect
	db     *sql.DB
	env    connectors.Env
	log    *slog.Logger
	redact redactor

	mu    sync.Mutex
	plans map[northstar.Stream]*plan
}

var (
	_ northstar.Source     = (*Source)(nil)
	_ northstar.Checker    = (*Source)(nil)
	_ northstar.FullSyncer = (*Source)(nil)
)

// New builds a Source from a connector of type sql. It validates the
// configuration (the error wraps northstar.ErrInvalidConfig) and parses
// the DSN, but never dials: columns are checked by Check and by the first
// Extract of each stream. Close releases the connection pool.
func New(c *config.Connector, env connectors.Env) (*Source, error) {
	set, errs := parse(c)
	if len(errs) > 0 {
		return nil, config.Errors(errs)
	}
	r := newRedactor(set.driver, set.dsn)
	d := dialect{name: set.driver}
	db, err := d.open(set.dsn)
	if err != nil {
		return nil, r.err(fmt.Errorf("sqlsource: %s: dsn: %v: %w", c.Name, err, northstar.ErrInvalidConfig))
	}
	env = env.Defaults()
	return &Source{
		name: c.Name, set: set, d: d, db: db, env: env, redact: r,
		log:   env.Logger.With("driver", set.driver),
		plans: map[northstar.Stream]*plan{},
	}, nil
}

// Close closes the connection pool.
func (s *Source) Close() error { return s.db.Close() }

// Streams lists the configured streams, in configuration order.
func (s *Source) Streams() []northstar.Stream {
	out := make([]northstar.Stream, len(s.set.streams))
	for i, sc := range s.set.streams {
		out[i] = sc.stream
	}
	return out
}

// Reconcile returns the `reconcile` schedule (cron) on which the keys of
// every stream should be listed to infer hard deletes; "" when unset.
func (s *Source) Reconcile() string { return s.set.reconcile }

// ReconcileEvery is the period of the `reconcile` schedule (the gap between
// two of its consecutive times), or 0 when none is configured. The sync
// engine lists keys and infers hard deletes on incremental runs once this
// much time has passed since the last reconciliation.
func (s *Source) ReconcileEvery() time.Duration {
	if s.set.reconcile == "" {
		return 0
	}
	sched, err := cron.ParseStandard(s.set.reconcile)
	if err != nil {
		return 0
	}
	first := sched.Next(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	return sched.Next(first).Sub(first)
}

// Overlap returns how far before the stored cursor Extract starts reading.
func (s *Source) Overlap() time.Duration { return s.set.overlap }

// Check pings the database and verifies that every configured table, query,
// key, cursor and field column exists (an error wrapping
// northstar.ErrSchema names a missing column). It reads no rows.
func (s *Source) Check(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return s.redact.err(fmt.Errorf("sqlsource: %s: connect: %w", s.name, &northstar.HintError{Err: err,
			Hint: "check sql.dsn (host, port, user, password, database) and that the database accepts connections from this host"}))
	}
	var errs []error
	for _, sc := range s.set.streams {
		p, err := s.plan(ctx, sc.stream)
		if err != nil {
			errs = append(errs, err)
		} else if err := s.checkCursor(ctx, p); err != nil {
			errs = append(errs, err)
		}
		if sc.tombstone != "" {
			if err := s.checkTombstone(ctx, sc); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Extract emits the rows of stream st changed at or after since minus the
// overlap, one page (Batch) at a time, in ascending (cursor, key) order;
// rows of the stream's tombstone_query come first. A zero since (or
// Env.Full) reads everything, including rows whose cursor is NULL.
// emit's error is returned unchanged.
func (s *Source) Extract(ctx context.Context, st northstar.Stream, since northstar.Cursor, emit func(context.Context, northstar.Batch) error) error {
	p, err := s.plan(ctx, st)
	if err != nil {
		return err
	}
	if s.env.Full {
		since = northstar.Cursor{}
	}
	var lower *time.Time
	if !since.ModifiedAt.IsZero() {
		l := since.ModifiedAt.Add(-s.set.overlap).UTC()
		lower = &l
	}
	log := s.log.With("stream", string(st))
	r := &reader{s: s, p: p, log: log, emit: emit}
	if err := r.count(ctx, lower); err != nil {
		return r.fail(err, "count")
	}
	if p.conf.tombstone != "" {
		if err := r.tombstones(ctx, lower); err != nil {
			return err
		}
	}
	if lower == nil {
		if err := r.nullCursorRows(ctx); err != nil {
			return err
		}
	}
	return r.changedRows(ctx, lower)
}

// ListKeys emits, page by page in key order, every key present in stream
// st's table or query, so that a full sync can tombstone missing rows.
func (s *Source) ListKeys(ctx context.Context, st northstar.Stream, emit func(context.Context, []string) error) error {
	p, err := s.plan(ctx, st)
	if err != nil {
		return err
	}
	var after any
	for page := 1; ; page++ {
		a := &args{d: s.d}
		where := p.key + " IS NOT NULL"
		if after != nil {
			where += " AND " + p.key + " > " + a.add(after)
		}
		q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d", p.key, p.from, where, p.key, s.set.pageSize)
		keys, last, err := s.keyPage(ctx, q, a.vals)
		if err != nil {
			return s.redact.err(fmt.Errorf("sqlsource: %s: %s: list keys page %d: %w", s.name, st, page, err))
		}
		if len(keys) > 0 {
			if err := emit(ctx, keys); err != nil {
				return err
			}
		}
		if len(keys) < s.set.pageSize {
			return nil
		}
		after = last
	}
}

// keyPage runs one ListKeys query.
func (s *Source) keyPage(ctx context.Context, q string, vals []any) ([]string, any, error) {
	rows, err := s.db.QueryContext(ctx, q, vals...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []string
	var last any
	kc := column{}
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, nil, err
		}
		k, _ := kc.text(v)
		keys = append(keys, k)
		last = keyParam(v)
	}
	return keys, last, rows.Err()
}

// plan is a stream's configuration resolved against the database's
// actual columns.
type plan struct {
	conf    *streamConf
	from    string // "customers AS t" or "(SELECT …) AS t"
	key     string // quoted key column
	keyName string
	cursor  string // cursor expression (one column, or date + time)
	date    string // compound cursor: the quoted date column, for a sargable prefilter
	mapping northstar.Mapping
	origin  string
}

// plan resolves stream st once per Source: a zero-row probe query lists
// the columns, which must include every configured column.
func (s *Source) plan(ctx context.Context, st northstar.Stream) (*plan, error) {
	sc, err := s.set.stream(st)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	p := s.plans[st]
	s.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p = &plan{conf: sc, origin: sc.table}
	if sc.table != "" {
		p.from = sc.table + " AS t"
	} else {
		p.from = "(" + sc.query + ") AS t"
		p.origin = string(st) + " query"
	}
	cols, err := s.columns(ctx, "SELECT * FROM "+p.from+" WHERE 1=0")
	if err != nil {
		return nil, s.redact.err(fmt.Errorf("sqlsource: %s: %s: read columns of %s: %w", s.name, st, p.origin, err))
	}
	resolve := func(name string) (string, bool) {
		found := ""
		for _, c := range cols {
			if c == name {
				return c, true
			}
			if strings.EqualFold(c, name) {
				found = c
			}
		}
		return found, found != ""
	}
	var missing []string
	col := func(name string) string {
		c, ok := resolve(name)
		if !ok {
			missing = append(missing, name)
		}
		return "t." + s.d.quote(c)
	}
	p.key = col(sc.key)
	p.keyName, _ = resolve(sc.key)
	if len(sc.cursor) == 2 {
		p.date = col(sc.cursor[0])
		p.cursor = s.d.combine(p.date, col(sc.cursor[1]))
	} else {
		p.cursor = col(sc.cursor[0])
	}
	// Default mapping: every unified field to the column of the same name,
	// source_id to the key; configured fields override it.
	p.mapping = northstar.Mapping{"source_id": p.keyName}
	for _, f := range st.Fields() {
		if c, ok := resolve(f); ok && f != "deleted" {
			p.mapping[f] = c
		}
	}
	for unified, src := range sc.fields {
		if _, ok := northstar.Constant(src); ok || src == "" {
			p.mapping[unified] = src
			continue
		}
		c, ok := resolve(src)
		if !ok {
			missing = append(missing, src)
		}
		p.mapping[unified] = c
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("sqlsource: %s: %s: column %s does not exist in %s (it has %s): %w", s.name, st,
			quoteList(missing), p.origin, strings.Join(cols, ", "), northstar.ErrSchema)
	}
	s.mu.Lock()
	s.plans[st] = p
	s.mu.Unlock()
	return p, nil
}

// columns returns the column names of a query's result.
func (s *Source) columns(ctx context.Context, q string, vals ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
	}
	return cols, rows.Err()
}

// checkCursor reads one cursor value to verify that it is a time.
func (s *Source) checkCursor(ctx context.Context, p *plan) error {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL LIMIT 1", p.cursor, p.from, p.cursor)
	var v any
	err := s.db.QueryRowContext(ctx, q).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err == nil {
		_, _, err = cursorTime(v)
		if err != nil {
			err = fmt.Errorf("cursor %s: %w: %w", strings.Join(p.conf.cursor, ", "), err, northstar.ErrSchema)
		}
	}
	return s.redact.err(wrapIf(err, "sqlsource: %s: %s: ", s.name, p.conf.stream))
}

// wrapIf prefixes err's text, or returns nil for a nil err.
func wrapIf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+"%w", append(args, err)...)
}

// checkTombstone verifies that a stream's tombstone_query runs and returns
// at least two columns (key, deleted_at).
func (s *Source) checkTombstone(ctx context.Context, sc *streamConf) error {
	a := &args{d: s.d}
	q := a.bindSince(sc.tombstone, s.env.Now().UTC())
	cols, err := s.columns(ctx, "SELECT * FROM ("+q+") AS t WHERE 1=0", a.vals...)
	if err == nil && len(cols) < 2 {
		err = fmt.Errorf("returns %d column(s), want key, deleted_at: %w", len(cols), northstar.ErrSchema)
	}
	if err != nil {
		return s.redact.err(fmt.Errorf("sqlsource: %s: %s: tombstone_query: %w", s.name, sc.stream, err))
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
