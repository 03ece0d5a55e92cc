package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

// Page is one page ready to store: typed rows, rejects, the cursor the
// stream reaches with it, and the files it completes.
type Page struct {
	Stream  northstar.Stream
	Rows    []transform.Row
	Rejects []northstar.Reject
	Cursor  northstar.Cursor
	Files   []northstar.FileMark
}

// stageExtra are the staging columns after the typed ones.
var stageExtra = []string{"is_deleted", "delete_kind", "deleted_at", "payload", "payload_hash", "row_hash"}

func stageName(s northstar.Stream) string { return "ns_stage_" + string(s) }

// session is one warehouse connection of a run with its staging tables.
type session struct {
	conn   *sql.Conn
	staged map[northstar.Stream]bool
}

func (ss *session) ensureStage(ctx context.Context, s northstar.Stream, tab transform.Table) error {
	if ss.staged[s] {
		return nil
	}
	q := fmt.Sprintf(`CREATE TEMP TABLE IF NOT EXISTS %s ON COMMIT DELETE ROWS AS
		SELECT source_id, %s, false AS is_deleted, delete_kind, deleted_at, NULL::jsonb AS payload,
		       0::bigint AS payload_hash, row_hash FROM %s WITH NO DATA`,
		stageName(s), strings.Join(tab.Columns, ", "), tab.Name)
	if _, err := ss.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create staging table for %s: %w", s, err)
	}
	ss.staged[s] = true
	return nil
}

// store writes page p on session ss in one transaction: COPY into the
// staging table, merge raw and core, apply tombstones, quarantine rejects,
// advance the cursor and file manifest, and add the page's counts to the
// run. A page whose keys are all new (the first-load path, see
// firstload.go) skips staging and merge: its rows are COPYed straight into
// core and raw. With gates g (pipelined pages), the page merges only after
// the previous page merged and commits only after the previous page
// committed, so pages commit in order.
func (r *Run) store(ctx context.Context, ss *session, p Page, g *gates) (northstar.Counts, error) {
	if g == nil {
		g = &gates{}
	}
	defer g.mergedOnce()
	defer g.linkedOnce()
	tab := transform.TableFor(p.Stream)
	if tab.Name == "" {
		return northstar.Counts{}, fmt.Errorf("warehouse: %w %q", northstar.ErrUnknownStream, p.Stream)
	}
	if err := ss.ensureStage(ctx, p.Stream, tab); err != nil {
		return northstar.Counts{}, fmt.Errorf("warehouse: %w", err)
	}
	c := northstar.Counts{Read: int64(len(p.Rows) + len(p.Rejects)), Rejected: int64(len(p.Rejects)), Pages: 1}
	t0 := time.Now()
	var customers map[string]int64
	if ref := slices.Index(tab.Columns, tab.CustomerRef); ref >= 0 && len(p.Rows) > 0 {
		g.waitLink()
		var err error
		if customers, err = r.linkRefs(ctx, ss.conn, p.Stream, p.Rows, ref); err != nil {
			return c, err
		}
	}
	g.linkedOnce()
	tLink := time.Since(t0)
	tx, err := ss.conn.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("warehouse: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	l := loader{run: r, tx: tx, conn: ss.conn, stream: p.Stream, tab: tab}
	t0 = time.Now()
	var tProbe, tCopy, tCore time.Duration
	fresh := false
	if g.mayBeNew {
		optimistic := !r.probes(p.Stream)
		fresh = true
		if !optimistic {
			if fresh, err = l.newKeys(ctx, p.Rows); err != nil {
				return c, err
			}
		}
		tProbe = time.Since(t0)
		if fresh {
			if err := g.waitMerge(); err != nil {
				return c, err
			}
			if optimistic {
				if fresh, err = l.tryInsertNew(ctx, p.Rows, customers); err == nil && !fresh {
					r.probeFrom(p.Stream)
				}
			} else {
				err = l.insertNew(ctx, p.Rows, customers)
			}
			if err != nil {
				return c, err
			}
			tCopy = time.Since(t0) - tProbe
			if fresh {
				c.Inserted = int64(len(p.Rows))
			}
		}
	}
	if len(p.Rows) > 0 && !fresh {
		if err := l.copyRows(ctx, p.Rows); err != nil {
			return c, err
		}
		tCopy = time.Since(t0) - tProbe
		// A page sharing keys with the previous one merges only after it:
		// the previous page's row locks are then taken and this page at
		// most waits for its commit; the previous page never waits for
		// this one, so there is no deadlock.
		if err := g.waitMerge(); err != nil {
			return c, err
		}
		ins, upd, err := l.mergeCore(ctx)
		tCore = time.Since(t0) - tProbe - tCopy
		if err != nil {
			return c, err
		}
		tombstones := 0
		for _, row := range p.Rows {
			if row.Deleted {
				tombstones++
			}
		}
		var del int64
		if tombstones > 0 {
			// Temporary tables have no statistics; without them the planner
			// scans the whole core table for a handful of tombstones.
			if _, err := tx.ExecContext(ctx, "ANALYZE "+stageName(p.Stream)); err != nil {
				return c, fmt.Errorf("warehouse: analyze staging: %w", err)
			}
			if del, err = l.applyTombstones(ctx); err != nil {
				return c, err
			}
		}
		// Raw and core rows of live records are written together, so when
		// every live row was new to core it is new to raw as well.
		allNew := ins == int64(len(p.Rows)-tombstones)
		if err := l.mergeRaw(ctx, tombstones > 0, allNew); err != nil {
			return c, err
		}
		if p.Stream == northstar.StreamCustomers {
			if err := l.linkCustomers(ctx); err != nil {
				return c, err
			}
		}
		c.Inserted, c.Updated, c.Deleted = ins, upd+del, del
		c.Unchanged = int64(len(p.Rows)) - c.Inserted - c.Updated
	}
	if err := l.insertRejects(ctx, p.Rejects); err != nil {
		return c, err
	}
	if len(p.Rows) == 0 {
		if err := g.waitMerge(); err != nil {
			return c, err
		}
	}
	g.mergedOnce()
	tMerged := time.Since(t0)
	if err := g.waitCommit(); err != nil {
		return c, err
	}
	tWait := time.Since(t0) - tMerged
	if err := l.saveCursor(ctx, p.Cursor); err != nil {
		return c, err
	}
	if err := l.saveFiles(ctx, p.Files); err != nil {
		return c, err
	}
	r.mu.Lock()
	next := northstar.Counts{}
	if prev := r.counts[p.Stream]; prev != nil {
		next = *prev
	}
	r.mu.Unlock()
	next.Add(c)
	if err := l.saveCounts(ctx, next); err != nil {
		return c, err
	}
	tBefore := time.Since(t0)
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("warehouse: commit %s page: %w", p.Stream, err)
	}
	r.mu.Lock()
	r.counts[p.Stream] = &next
	if c.Inserted+c.Updated > 0 {
		r.dirty = true
	}
	if fresh {
		r.firstLoads++
	}
	r.mu.Unlock()
	r.db.log.Debug("page stored", "stream", string(p.Stream), "rows", len(p.Rows), "first_load", fresh, "link", tLink, "probe", tProbe,
		"copy", tCopy, "merge_core", tCore, "merge_rest", tMerged-tProbe-tCopy-tCore, "wait_previous", tWait,
		"commit", time.Since(t0)-tBefore)
	return c, nil
}

type loader struct {
	run    *Run
	tx     *sql.Tx
	conn   *sql.Conn // the session tx runs on
	stream northstar.Stream
	tab    transform.Table
}

func (l *loader) copyRows(ctx context.Context, rows []transform.Row) error {
	cols := append(append([]string{"source_id"}, l.tab.Columns...), stageExtra...)
	return l.copyIn(ctx, stageName(l.stream), cols, len(rows), func(w *copyLine, i int) {
		row := &rows[i]
		w.text(row.SourceID)
		for _, v := range row.Values {
			w.value(v)
		}
		w.value(row.Deleted)
		w.value(nilIfEmpty(row.DeleteKind))
		if row.Deleted {
			w.value(row.DeletedAt)
		} else {
			w.null()
		}
		w.json(row.Payload)
		w.int(row.PayloadHash)
		w.int(row.RowHash)
	})
}

// copyStatement builds COPY table (cols) FROM STDIN, which lib/pq turns
// into the COPY protocol. table is one of ours, never user input.
func copyStatement(table string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pq.QuoteIdentifier(c)
	}
	return "COPY " + table + " (" + strings.Join(q, ", ") + ") FROM STDIN"
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// mergeCore upserts live rows; a row whose content hash is unchanged (and
// that is not deleted) is left alone. It returns inserted and updated counts.
func (l *loader) mergeCore(ctx context.Context) (ins, upd int64, err error) {
	cols := l.tab.Columns
	sel := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "s." + c
		set[i] = c + " = EXCLUDED." + c
	}
	insertCols := "source, source_id, " + strings.Join(cols, ", ") + ", row_hash, run_id, synced_at, deleted_at, delete_kind"
	selectCols := "$1, s.source_id, " + strings.Join(sel, ", ") + ", s.row_hash, $2, now(), NULL, NULL"
	from := stageName(l.stream) + " s"
	if l.tab.CustomerRef != "" {
		insertCols += ", customer_id"
		selectCols += ", cs.customer_id"
		from += " LEFT JOIN core.customer_sources cs ON cs.source = $1 AND cs.source_id = s." + l.tab.CustomerRef
		set = append(set, "customer_id = EXCLUDED.customer_id")
	}
	set = append(set, "row_hash = EXCLUDED.row_hash", "run_id = EXCLUDED.run_id", "synced_at = EXCLUDED.synced_at",
		"deleted_at = NULL", "delete_kind = NULL")
	q := fmt.Sprintf(`WITH m AS (
		INSERT INTO %s AS t (%s) SELECT %s FROM %s WHERE NOT s.is_deleted
		ON CONFLICT (source, source_id) DO UPDATE SET %s
		WHERE t.row_hash <> EXCLUDED.row_hash OR t.deleted_at IS NOT NULL
		RETURNING (xmax = 0) AS inserted)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM m`,
		l.tab.Name, insertCols, selectCols, from, strings.Join(set, ", "))
	if err := l.tx.QueryRowContext(ctx, q, l.run.Connector, l.run.ID).Scan(&ins, &upd); err != nil {
		return 0, 0, fmt.Errorf("warehouse: merge %s: %w", l.tab.Name, err)
	}
	return ins, upd, nil
}

// applyTombstones marks rows deleted upstream; the rest of the row stays.
func (l *loader) applyTombstones(ctx context.Context) (int64, error) {
	q := fmt.Sprintf(`UPDATE %s t SET deleted_at = s.deleted_at, delete_kind = s.delete_kind, run_id = $2, synced_at = now()
		FROM %s s WHERE s.is_deleted AND t.source = $1 AND t.source_id = s.source_id AND t.deleted_at IS NULL`,
		l.tab.Name, stageName(l.stream))
	res, err := l.tx.ExecContext(ctx, q, l.run.Connector, l.run.ID)
	if err != nil {
		return 0, fmt.Errorf("warehouse: tombstones %s: %w", l.tab.Name, err)
	}
	return res.RowsAffected()
}

// mergeRaw stores payloads as received; tombstones only mark the stored payload.
// With allNew (no live row of the page existed), a plain insert skips the
// conflict arbitration.
func (l *loader) mergeRaw(ctx context.Context, tombstones, allNew bool) error {
	q := fmt.Sprintf(`INSERT INTO raw.records AS t (source, stream, source_id, payload, payload_hash, modified_at, deleted_at, run_id, synced_at)
		SELECT $1, $3, s.source_id, s.payload, s.payload_hash, s.modified_at, NULL, $2, now() FROM %s s WHERE NOT s.is_deleted`,
		stageName(l.stream))
	if !allNew {
		q += ` ON CONFLICT (source, stream, source_id) DO UPDATE SET payload = EXCLUDED.payload, payload_hash = EXCLUDED.payload_hash,
			modified_at = EXCLUDED.modified_at, deleted_at = NULL, run_id = EXCLUDED.run_id, synced_at = EXCLUDED.synced_at
		WHERE t.payload_hash <> EXCLUDED.payload_hash OR t.deleted_at IS NOT NULL`
	}
	if _, err := l.tx.ExecContext(ctx, q, l.run.Connector, l.run.ID, string(l.stream)); err != nil {
		return fmt.Errorf("warehouse: merge raw %s: %w", l.stream, err)
	}
	if !tombstones {
		return nil
	}
	q = fmt.Sprintf(`UPDATE raw.records t SET deleted_at = s.deleted_at, run_id = $2, synced_at = now()
		FROM %s s WHERE s.is_deleted AND t.source = $1 AND t.stream = $3 AND t.source_id = s.source_id AND t.deleted_at IS NULL`,
		stageName(l.stream))
	if _, err := l.tx.ExecContext(ctx, q, l.run.Connector, l.run.ID, string(l.stream)); err != nil {
		return fmt.Errorf("warehouse: raw tombstones %s: %w", l.stream, err)
	}
	return nil
}

func (l *loader) insertRejects(ctx context.Context, rejects []northstar.Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	ids := make([]string, len(rejects))
	origins := make([]string, len(rejects))
	reasons := make([]string, len(rejects))
	payloads := make([]string, len(rejects))
	for i, rj := range rejects {
		ids[i], origins[i], reasons[i] = rj.SourceID, rj.Origin, rj.Reason
		payloads[i] = string(validJSON(rj.Payload))
	}
	_, err := l.tx.ExecContext(ctx, `INSERT INTO ops.rejected_records (run_id, connector, stream, source_id, origin, reason, payload)
		SELECT $1, $2, $3, NULLIF(u.id, ''), NULLIF(u.origin, ''), u.reason, u.payload::jsonb
		FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, origin, reason, payload)`,
		l.run.ID, l.run.Connector, string(l.stream), pq.Array(ids), pq.Array(origins), pq.Array(reasons), pq.Array(payloads))
	if err != nil {
		return fmt.Errorf("warehouse: quarantine %d %s rejects: %w", len(rejects), l.stream, err)
	}
	return nil
}

// validJSON returns p if it is a JSON document, else p as a JSON string, so
// that even an unparsable line is kept verbatim.
func validJSON(p []byte) []byte {
	if len(p) == 0 {
		return []byte("null")
	}
	if json.Valid(p) {
		return p
	}
	b, _ := json.Marshal(string(p))
	return b
}

// linkCustomers gives every new source customer of the page a golden
// customer with its attributes, so facts can link at once. Identity
// resolution (package identity) then merges golden customers and owns
// their attributes (attribute_sources); until it has run, a golden record
// follows its one source.
func (l *loader) linkCustomers(ctx context.Context) error {
	stage := stageName(l.stream)
	q := fmt.Sprintf(`WITH fresh AS (
			SELECT s.source_id, nextval('core.customers_customer_id_seq') AS customer_id
			FROM %[1]s s
			WHERE NOT s.is_deleted AND NOT EXISTS (
				SELECT 1 FROM core.customer_sources cs WHERE cs.source = $1 AND cs.source_id = s.source_id)),
		golden AS (
			INSERT INTO core.customers (customer_id, run_id, synced_at)
			SELECT customer_id, $2, now() FROM fresh)
		INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by, match_score, run_id)
		SELECT $1, source_id, customer_id, 'new', 1, $2 FROM fresh`, stage)
	if _, err := l.tx.ExecContext(ctx, q, l.run.Connector, l.run.ID); err != nil {
		return fmt.Errorf("warehouse: link new customers: %w", err)
	}
	q = fmt.Sprintf(`UPDATE core.customers c SET name = sc.name, domain = sc.domain, country = sc.country,
			segment = sc.segment, industry = sc.industry, tax_id = sc.tax_id, owner = sc.owner, status = sc.status,
			acquisition_channel = sc.acquisition_channel, created_at = sc.created_at, deleted_at = sc.deleted_at,
			updated_at = now(), run_id = $2, synced_at = now()
		FROM %[1]s s
		JOIN core.source_customers sc ON sc.source = $1 AND sc.source_id = s.source_id
		JOIN core.customer_sources cs ON cs.source = sc.source AND cs.source_id = sc.source_id
		WHERE c.customer_id = cs.customer_id AND cs.matched_by = 'new' AND c.attribute_sources = '{}'
		  AND (c.name, c.domain, c.country, c.segment, c.industry, c.tax_id, c.owner, c.status,
		       c.acquisition_channel, c.created_at, c.deleted_at)
		  IS DISTINCT FROM (sc.name, sc.domain, sc.country, sc.segment, sc.industry, sc.tax_id, sc.owner,
		       sc.status, sc.acquisition_channel, sc.created_at, sc.deleted_at)`, stage)
	if _, err := l.tx.ExecContext(ctx, q, l.run.Connector, l.run.ID); err != nil {
		return fmt.Errorf("warehouse: update golden customers: %w", err)
	}
	return nil
}

func (l *loader) saveCursor(ctx context.Context, c northstar.Cursor) error {
	if c.IsZero() {
		return nil
	}
	var mod any
	if !c.ModifiedAt.IsZero() {
		mod = c.ModifiedAt.UTC()
	}
	var state any
	if len(c.State) > 0 {
		state = string(c.State)
	}
	// The position only moves forward; a re-read (overlap, --full) never
	// moves it back. Connector state is replaced when given.
	_, err := l.tx.ExecContext(ctx, `INSERT INTO ops.cursors AS c (connector, stream, modified_at, cursor_id, state, run_id, updated_at)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6, now())
		ON CONFLICT (connector, stream) DO UPDATE SET
			modified_at = CASE WHEN c.modified_at IS NULL OR (EXCLUDED.modified_at, EXCLUDED.cursor_id) > (c.modified_at, c.cursor_id)
				THEN EXCLUDED.modified_at ELSE c.modified_at END,
			cursor_id = CASE WHEN c.modified_at IS NULL OR (EXCLUDED.modified_at, EXCLUDED.cursor_id) > (c.modified_at, c.cursor_id)
				THEN EXCLUDED.cursor_id ELSE c.cursor_id END,
			state = COALESCE(EXCLUDED.state, c.state), run_id = EXCLUDED.run_id, updated_at = now()`,
		l.run.Connector, string(l.stream), mod, c.ID, state, l.run.ID)
	if err != nil {
		return fmt.Errorf("warehouse: advance cursor %s: %w", l.stream, err)
	}
	return nil
}

func (l *loader) saveFiles(ctx context.Context, files []northstar.FileMark) error {
	for _, f := range files {
		_, err := l.tx.ExecContext(ctx, `INSERT INTO ops.file_manifest (connector, stream, path, size, mod_time, sha256, run_id, loaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, now())
			ON CONFLICT (connector, stream, path) DO UPDATE SET size = EXCLUDED.size, mod_time = EXCLUDED.mod_time,
				sha256 = EXCLUDED.sha256, run_id = EXCLUDED.run_id, loaded_at = now()`,
			l.run.Connector, string(l.stream), f.Path, f.Size, f.ModTime.UTC(), f.SHA256, l.run.ID)
		if err != nil {
			return fmt.Errorf("warehouse: record file %s: %w", f.Path, err)
		}
	}
	return nil
}

func (l *loader) saveCounts(ctx context.Context, c northstar.Counts) error {
	b, _ := json.Marshal(c)
	_, err := l.tx.ExecContext(ctx, `UPDATE ops.sync_runs SET counts = jsonb_set(counts, ARRAY[$2::text], $3::jsonb)
		WHERE run_id = $1`, l.run.ID, string(l.stream), string(b))
	if err != nil {
		return fmt.Errorf("warehouse: update run counts: %w", err)
	}
	return nil
}
