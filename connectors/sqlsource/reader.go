package sqlsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/northstar-dev/northstar"
)

// cursorAlias names the computed cursor column appended to every row.
const cursorAlias = "ns__cursor"

// reader runs one Extract of one stream.
type reader struct {
	s      *Source
	p      *plan
	log    *slog.Logger
	emit   func(context.Context, northstar.Batch) error
	total  int64
	pages  int
	warned bool // about a change stamp in the future
}

// emitError marks an error returned by emit, which Extract must return
// unchanged.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

// send emits one page.
func (r *reader) send(ctx context.Context, b northstar.Batch) error {
	r.pages++
	b.Stream = r.p.conf.stream
	b.Total = r.total
	r.log.DebugContext(ctx, "page", "page", r.pages, "records", len(b.Records), "rejects", len(b.Rejects), "cursor", b.Cursor.ModifiedAt, "cursor_id", b.Cursor.ID)
	if err := r.emit(ctx, b); err != nil {
		return emitError{err}
	}
	return nil
}

// fail returns an emit error unchanged and wraps (and redacts) any other.
func (r *reader) fail(err error, what string) error {
	var ee emitError
	if errors.As(err, &ee) {
		return ee.err
	}
	return r.s.redact.err(fmt.Errorf("sqlsource: %s: %s: %s page %d: %w", r.s.name, r.p.conf.stream, what, r.pages+1, err))
}

// changedRows pages through rows whose cursor is at or after lower (all
// non-NULL cursors when lower is nil) by keyset on (cursor, key).
func (r *reader) changedRows(ctx context.Context, lower *time.Time) error {
	p := r.p
	var afterT time.Time
	var afterK any
	first := true
	for {
		a := &args{d: r.s.d}
		conds := []string{p.key + " IS NOT NULL"}
		switch {
		case !first:
			if p.date != "" {
				conds = append(conds, p.date+" >= "+a.add(afterT.Format(time.DateOnly)))
			}
			t1 := a.add(afterT)
			t2 := t1
			if r.s.d.name == "mysql" {
				t2 = a.add(afterT)
			}
			conds = append(conds, fmt.Sprintf("%s >= %s AND (%s > %s OR %s > %s)", p.cursor, t1, p.cursor, t2, p.key, a.add(afterK)))
		case lower != nil:
			if p.date != "" {
				conds = append(conds, p.date+" >= "+a.add(lower.Format(time.DateOnly)))
			}
			conds = append(conds, p.cursor+" >= "+a.add(*lower))
		default:
			conds = append(conds, p.cursor+" IS NOT NULL")
		}
		q := fmt.Sprintf("SELECT t.*, %s AS %s FROM %s WHERE %s ORDER BY %s, %s LIMIT %d",
			p.cursor, cursorAlias, p.from, strings.Join(conds, " AND "), p.cursor, p.key, r.s.set.pageSize)
		b, n, lastT, lastK, err := r.page(ctx, q, a.vals)
		if err != nil {
			return r.fail(err, "read")
		}
		if n == 0 {
			return nil
		}
		b.Cursor = northstar.Cursor{ModifiedAt: lastT, ID: b.Records[len(b.Records)-1].SourceID}
		if now := r.s.env.Now().UTC(); lastT.After(now) {
			// A change stamp in the future (clock skew, a typo) must not
			// carry the cursor past changes still to come: those rows are
			// read again on every run until the clock catches up.
			if !r.warned {
				r.warned = true
				r.log.WarnContext(ctx, "rows changed in the future; cursor held at now", "cursor", lastT, "now", now)
			}
			b.Cursor = northstar.Cursor{ModifiedAt: now}
		}
		if err := r.send(ctx, b); err != nil {
			return r.fail(err, "emit")
		}
		if n < r.s.set.pageSize {
			return nil
		}
		afterT, afterK, first = lastT, lastK, false
	}
}

// nullCursorRows pages, by key, through the rows whose cursor is NULL (a
// full read only). Their pages carry a zero Cursor: the stored cursor does
// not move.
func (r *reader) nullCursorRows(ctx context.Context) error {
	p := r.p
	var afterK any
	for {
		a := &args{d: r.s.d}
		conds := []string{p.cursor + " IS NULL", p.key + " IS NOT NULL"}
		if afterK != nil {
			conds = append(conds, p.key+" > "+a.add(afterK))
		}
		q := fmt.Sprintf("SELECT t.*, %s AS %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
			p.cursor, cursorAlias, p.from, strings.Join(conds, " AND "), p.key, r.s.set.pageSize)
		b, n, _, lastK, err := r.page(ctx, q, a.vals)
		if err != nil {
			return r.fail(err, "read null-cursor")
		}
		if n == 0 {
			return nil
		}
		if err := r.send(ctx, b); err != nil {
			return r.fail(err, "emit")
		}
		if n < r.s.set.pageSize {
			return nil
		}
		afterK = lastK
	}
}

// count sets r.total to the number of rows Extract's changed-rows pass
// (and, on a full read, the NULL-cursor pass) will read, for progress only.
func (r *reader) count(ctx context.Context, lower *time.Time) error {
	p := r.p
	a := &args{d: r.s.d}
	where := p.key + " IS NOT NULL"
	if lower != nil {
		where += " AND " + p.cursor + " >= " + a.add(*lower)
		if p.date != "" {
			where += " AND " + p.date + " >= " + a.add(lower.Format(time.DateOnly))
		}
	}
	q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", p.from, where)
	return r.s.db.QueryRowContext(ctx, q, a.vals...).Scan(&r.total)
}

// page runs one page query and converts its rows. n counts the rows read
// (records and rejects); lastT and lastK are the last row's cursor and key.
func (r *reader) page(ctx context.Context, q string, vals []any) (b northstar.Batch, n int, lastT time.Time, lastK any, err error) {
	rows, err := r.s.db.QueryContext(ctx, q, vals...)
	if err != nil {
		return b, 0, lastT, nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return b, 0, lastT, nil, err
	}
	cols := make([]column, len(types)-1) // the last column is cursorAlias
	index := make(map[string]int, len(cols))
	keyIdx := -1
	for i := range cols {
		cols[i] = column{name: types[i].Name(), dbType: strings.ToUpper(types[i].DatabaseTypeName())}
		if _, dup := index[cols[i].name]; !dup {
			index[cols[i].name] = i
		}
		if cols[i].name == r.p.keyName && keyIdx < 0 {
			keyIdx = i
		}
	}
	if keyIdx < 0 {
		return b, 0, lastT, nil, fmt.Errorf("key column %q missing from result: %w", r.p.keyName, northstar.ErrSchema)
	}
	vals2 := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals2 {
		ptrs[i] = &vals2[i]
	}
	for rows.Next() {
		clear(vals2)
		if err := rows.Scan(ptrs...); err != nil {
			return b, n, lastT, lastK, err
		}
		n++
		key, _ := cols[keyIdx].text(vals2[keyIdx])
		lastK = keyParam(vals2[keyIdx])
		ts, _, terr := cursorTime(vals2[len(cols)])
		if terr != nil {
			return b, n, lastT, lastK, fmt.Errorf("key %s: %w", key, terr)
		}
		lastT = ts
		rec := r.record(cols, index, vals2[:len(cols)], key, ts)
		b.Records = append(b.Records, rec)
	}
	return b, n, lastT, lastK, rows.Err()
}

// record maps one row.
func (r *reader) record(cols []column, index map[string]int, vals []any, key string, ts time.Time) northstar.Record {
	get := func(field string) (string, bool) {
		i, ok := index[field]
		if !ok {
			return "", false
		}
		s, _ := cols[i].text(vals[i])
		return s, true // NULL is present and empty
	}
	fields := r.p.mapping.Apply(get)
	fields["source_id"] = key
	if _, ok := fields["modified_at"]; !ok && !ts.IsZero() {
		fields["modified_at"] = ts.Format(time.RFC3339Nano)
	}
	return northstar.Record{
		SourceID:   key,
		ModifiedAt: ts,
		Fields:     fields,
		Payload:    payload(cols, vals),
		Origin:     r.p.origin + " " + r.p.keyName + "=" + key,
	}
}

// tombstones emits the rows of the stream's tombstone_query (key,
// deleted_at) whose deleted_at is at or after lower as soft deletes, paged
// by key, with a zero Cursor (tombstones do not move the stream's cursor).
func (r *reader) tombstones(ctx context.Context, lower *time.Time) error {
	since := time.Unix(0, 0).UTC()
	if lower != nil {
		since = *lower
	}
	var afterK any
	keyCol := ""
	for {
		a := &args{d: r.s.d}
		inner := a.bindSince(r.p.conf.tombstone, since)
		q := inner
		if keyCol != "" {
			k := "d." + r.s.d.quote(keyCol)
			q = fmt.Sprintf("SELECT * FROM (%s) AS d WHERE %s > %s ORDER BY %s LIMIT %d", inner, k, a.add(afterK), k, r.s.set.pageSize)
		}
		b, n, lastK, col, err := r.tombstonePage(ctx, q, a.vals, keyCol == "")
		if err != nil {
			return r.fail(err, "tombstone_query")
		}
		if len(b.Records) > 0 {
			if err := r.send(ctx, b); err != nil {
				return r.fail(err, "emit")
			}
		}
		if n < r.s.set.pageSize {
			return nil
		}
		keyCol, afterK = col, lastK
	}
}

// tombstonePage reads one page of tombstones. The first page is the
// query itself, limited and ordered by its first column: probe first.
func (r *reader) tombstonePage(ctx context.Context, q string, vals []any, first bool) (b northstar.Batch, n int, lastK any, keyCol string, err error) {
	if first {
		cols, err := r.s.columns(ctx, "SELECT * FROM ("+q+") AS d WHERE 1=0", vals...)
		if err != nil {
			return b, 0, nil, "", err
		}
		if len(cols) < 2 {
			return b, 0, nil, "", fmt.Errorf("returns %d column(s), want key, deleted_at: %w", len(cols), northstar.ErrSchema)
		}
		keyCol = cols[0]
		k := "d." + r.s.d.quote(keyCol)
		q = fmt.Sprintf("SELECT * FROM (%s) AS d WHERE %s IS NOT NULL ORDER BY %s LIMIT %d", q, k, k, r.s.set.pageSize)
	}
	rows, err := r.s.db.QueryContext(ctx, q, vals...)
	if err != nil {
		return b, 0, nil, keyCol, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return b, 0, nil, keyCol, err
	}
	if len(types) < 2 {
		return b, 0, nil, keyCol, fmt.Errorf("returns %d column(s), want key, deleted_at: %w", len(types), northstar.ErrSchema)
	}
	keyCol = types[0].Name()
	cols := make([]column, len(types))
	for i, t := range types {
		cols[i] = column{name: t.Name(), dbType: strings.ToUpper(t.DatabaseTypeName())}
	}
	row := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range row {
		ptrs[i] = &row[i]
	}
	for rows.Next() {
		clear(row)
		if err := rows.Scan(ptrs...); err != nil {
			return b, n, lastK, keyCol, err
		}
		n++
		key, _ := cols[0].text(row[0])
		lastK = keyParam(row[0])
		at, _, err := cursorTime(row[1])
		if err != nil {
			return b, n, lastK, keyCol, fmt.Errorf("deleted_at of key %s: %w", key, err)
		}
		b.Records = append(b.Records, northstar.Record{
			SourceID: key, ModifiedAt: at, Deleted: true, DeleteKind: "soft",
			Fields:  map[string]string{"source_id": key},
			Payload: payload(cols, row),
			Origin:  string(r.p.conf.stream) + " tombstone_query " + cols[0].name + "=" + key,
		})
	}
	return b, n, lastK, keyCol, rows.Err()
}
