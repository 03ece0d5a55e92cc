package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/lib/pq"

	"github.com/northstar-dev/northstar/transform"
)

// The first-load path. A page none of whose keys is stored yet — a first
// load, or files that only add records — needs neither a staging table nor
// conflict arbitration: its rows are COPYed straight into the core table
// and into raw.records, in the page's one transaction like every page, so
// a crash still loses or doubles nothing. Submit admits a page to it only
// without tombstones, repeated ids or keys shared with the page in flight
// before it (mayBeNew). Whether its keys are stored is then found out
// optimistically: the COPY runs under a savepoint and the primary keys
// refuse a stored key (unique violation), upon which the savepoint is
// rolled back and the page merges. After one such page the rest of the
// stream's pages in the run are probed first (newKeys), which is cheaper
// than a failed COPY when stored keys are common (a re-read). Raw rows are
// only ever written with their core row, so keys new to core are new to
// raw as well.

// newKeys reports whether none of rows' source ids is in the stream's core
// table (live or tombstoned). It first probes the range between the page's
// smallest and largest id, which answers with one index lookup when pages
// come in key order, and looks up every id only when that range holds
// stored keys.
func (l *loader) newKeys(ctx context.Context, rows []transform.Row) (bool, error) {
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].SourceID
	}
	// min and max are taken in SQL, in the column's collation, which the
	// range scan of the primary key uses.
	// Both parts are LATERAL subqueries with LIMIT, which the planner can
	// only run as primary key lookups driven by the page's ids: written as
	// plain (semi-)joins, stale statistics (no ANALYZE yet during a first
	// load) made it scan every stored row once per id instead.
	q := fmt.Sprintf(`SELECT
		EXISTS (SELECT 1 FROM (SELECT min(k) AS lo, max(k) AS hi FROM unnest($2::text[]) k) b,
			LATERAL (SELECT t.source_id FROM %[1]s t WHERE t.source = $1 AND t.source_id >= b.lo
				ORDER BY t.source_id LIMIT 1) nearest
			WHERE nearest.source_id <= b.hi)
		AND EXISTS (SELECT 1 FROM unnest($2::text[]) k,
			LATERAL (SELECT 1 FROM %[1]s t WHERE t.source = $1 AND t.source_id = k LIMIT 1) stored)`, l.tab.Name)
	var found bool
	if err := l.tx.QueryRowContext(ctx, q, l.run.Connector, pq.Array(ids)).Scan(&found); err != nil {
		return false, fmt.Errorf("warehouse: look up %s keys: %w", l.stream, err)
	}
	return !found, nil
}

// tryInsertNew runs insertNew under a savepoint. When a key turns out to be
// stored already it rolls the savepoint back and reports false: the page
// is then merged in the same transaction.
func (l *loader) tryInsertNew(ctx context.Context, rows []transform.Row, customers map[string]int64) (bool, error) {
	if _, err := l.tx.ExecContext(ctx, `SAVEPOINT ns_first_load`); err != nil {
		return false, fmt.Errorf("warehouse: savepoint: %w", err)
	}
	err := l.insertNew(ctx, rows, customers)
	switch {
	case err == nil:
		if _, err := l.tx.ExecContext(ctx, `RELEASE SAVEPOINT ns_first_load`); err != nil {
			return false, fmt.Errorf("warehouse: release savepoint: %w", err)
		}
		return true, nil
	case isSQLState(err, uniqueViolation):
		if _, err := l.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT ns_first_load`); err != nil {
			return false, fmt.Errorf("warehouse: roll back first-load copy: %w", err)
		}
		return false, nil
	default:
		return false, err
	}
}

// insertNew writes rows, whose keys are new, into the core table
// and raw.records with two COPY streams: the same rows the merge would
// insert, with customer_id from customers (linkRefs) and synced_at left
// to its default, the transaction's timestamp (migration 00011).
func (l *loader) insertNew(ctx context.Context, rows []transform.Row, customers map[string]int64) error {
	cols := l.tab.Columns
	ref := slices.Index(cols, l.tab.CustomerRef)
	mod := slices.Index(cols, "modified_at")
	// Values the same for every row, encoded once.
	source, stream := string(appendCopyText(nil, l.run.Connector)), string(appendCopyText(nil, string(l.stream)))
	runID := strconv.FormatInt(l.run.ID, 10)

	coreCols := append(append([]string{"source", "source_id"}, cols...), "row_hash", "run_id")
	if ref >= 0 {
		coreCols = append(coreCols, "customer_id")
	}
	err := l.copyIn(ctx, l.tab.Name, coreCols, len(rows), func(w *copyLine, i int) {
		row := &rows[i]
		w.raw(source)
		w.text(row.SourceID)
		for _, v := range row.Values {
			w.value(v)
		}
		w.int(row.RowHash)
		w.raw(runID)
		if ref >= 0 {
			id, ok := row.Values[ref].(string)
			if cid, linked := customers[id]; ok && linked {
				w.int(cid)
			} else {
				w.null()
			}
		}
	})
	if err != nil {
		return err
	}

	rawCols := []string{"source", "stream", "source_id", "payload", "payload_hash", "modified_at", "run_id"}
	return l.copyIn(ctx, "raw.records", rawCols, len(rows), func(w *copyLine, i int) {
		row := &rows[i]
		w.raw(source)
		w.raw(stream)
		w.text(row.SourceID)
		w.json(row.Payload)
		w.int(row.PayloadHash)
		if mod >= 0 {
			w.value(row.Values[mod])
		} else {
			w.null()
		}
		w.raw(runID)
	})
}
