package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
)

// factTables are the core tables whose rows reference a source customer.
var factTables = []string{"core.contacts", "core.orders", "core.contracts", "core.survey_responses", "core.support_cases"}

// Finalize runs the set-based steps that depend on more than one page:
// facts loaded before their customer get linked, referrers are resolved,
// and golden customers' first_order_at is recomputed. It is idempotent, so
// a run killed before it is repaired by the next run.
func (r *Run) Finalize(ctx context.Context) error {
	if err := r.Flush(); err != nil {
		return err
	}
	for _, t := range factTables {
		q := fmt.Sprintf(`UPDATE %s f SET customer_id = cs.customer_id
			FROM core.customer_sources cs
			WHERE f.source = $1 AND cs.source = f.source AND cs.source_id = f.customer_source_id
			  AND f.customer_id IS DISTINCT FROM cs.customer_id`, t)
		if _, err := r.conn.ExecContext(ctx, q, r.Connector); err != nil {
			return fmt.Errorf("warehouse: link %s to customers: %w", t, err)
		}
	}
	if _, err := r.conn.ExecContext(ctx, `UPDATE core.customers c SET referrer_customer_id = ref.customer_id, updated_at = now()
		FROM core.customer_sources cs
		JOIN core.source_customers sc ON sc.source = cs.source AND sc.source_id = cs.source_id
		JOIN core.customer_sources ref ON ref.source = sc.source AND ref.source_id = sc.referrer_source_id
		WHERE cs.source = $1 AND c.customer_id = cs.customer_id
		  AND c.referrer_customer_id IS DISTINCT FROM ref.customer_id`, r.Connector); err != nil {
		return fmt.Errorf("warehouse: resolve referrers: %w", err)
	}
	if _, err := r.conn.ExecContext(ctx, `UPDATE core.customers c SET first_order_at = f.first, updated_at = now()
		FROM (SELECT customer_id, min(ordered_at) AS first FROM core.orders
		      WHERE customer_id IS NOT NULL AND deleted_at IS NULL AND ordered_at IS NOT NULL
		      GROUP BY customer_id) f
		WHERE c.customer_id = f.customer_id AND c.first_order_at IS DISTINCT FROM f.first`); err != nil {
		return fmt.Errorf("warehouse: first orders: %w", err)
	}
	return nil
}

// ImplicitCustomers gives every customer a fact refers to but no customers
// stream ever described (an orders-only file drop, CDNOW) a source
// customer record holding just its id and a golden customer, so its facts
// count per customer. A customer record arriving later for the same id
// fills the same rows in. It is idempotent.
func (r *Run) ImplicitCustomers(ctx context.Context) (int64, error) {
	if err := r.Flush(); err != nil {
		return 0, err
	}
	var refs []string
	for _, t := range factTables {
		refs = append(refs, fmt.Sprintf(`SELECT customer_source_id FROM %s WHERE source = $1 AND customer_id IS NULL AND customer_source_id IS NOT NULL`, t))
	}
	q := `WITH refs AS (` + strings.Join(refs, " UNION ") + `),
		missing AS (
			SELECT r.customer_source_id AS source_id, nextval('core.customers_customer_id_seq') AS customer_id
			FROM refs r
			WHERE NOT EXISTS (SELECT 1 FROM core.customer_sources cs WHERE cs.source = $1 AND cs.source_id = r.customer_source_id)),
		src AS (
			INSERT INTO core.source_customers (source, source_id, row_hash, run_id, synced_at)
			SELECT $1, source_id, 0, $2, now() FROM missing ON CONFLICT (source, source_id) DO NOTHING),
		golden AS (
			INSERT INTO core.customers (customer_id, run_id, synced_at) SELECT customer_id, $2, now() FROM missing)
		INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by, match_score, run_id)
		SELECT $1, source_id, customer_id, 'new', 1, $2 FROM missing`
	res, err := r.conn.ExecContext(ctx, q, r.Connector, r.ID)
	if err != nil {
		return 0, fmt.Errorf("warehouse: implicit customers: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ReconcileKeys tombstones (delete_kind "inferred") every live row of a
// stream whose key is not in keys: the complete key set read from the
// upstream on a full sync. Keys arrive in pages; call with final=true after
// the last page. The tombstoning happens in one transaction.
func (r *Run) ReconcileKeys(ctx context.Context, s northstar.Stream, keys []string, final bool) (int64, error) {
	if err := r.Flush(); err != nil {
		return 0, err
	}
	if _, err := r.conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS ns_keys (stream text, source_id text);
		CREATE INDEX IF NOT EXISTS ns_keys_idx ON ns_keys (stream, source_id)`); err != nil {
		return 0, fmt.Errorf("warehouse: key set: %w", err)
	}
	if len(keys) > 0 {
		if _, err := r.conn.ExecContext(ctx, `INSERT INTO ns_keys SELECT $1, unnest($2::text[])`, string(s), pq.Array(keys)); err != nil {
			return 0, fmt.Errorf("warehouse: key set: %w", err)
		}
	}
	if !final {
		return 0, nil
	}
	// Statistics let the planner use a hash anti-join instead of probing
	// the key set once per stored row.
	if _, err := r.conn.ExecContext(ctx, `ANALYZE ns_keys`); err != nil {
		return 0, fmt.Errorf("warehouse: key set: %w", err)
	}
	tab := transform.TableFor(s)
	tx, err := r.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck
	res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s t SET deleted_at = now(), delete_kind = 'inferred', run_id = $2, synced_at = now()
		WHERE t.source = $1 AND t.deleted_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM ns_keys k WHERE k.stream = $3 AND k.source_id = t.source_id)`, tab.Name),
		r.Connector, r.ID, string(s))
	if err != nil {
		return 0, fmt.Errorf("warehouse: reconcile %s: %w", s, err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE raw.records t SET deleted_at = now(), run_id = $2, synced_at = now()
		WHERE t.source = $1 AND t.stream = $3 AND t.deleted_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM ns_keys k WHERE k.stream = $3 AND k.source_id = t.source_id)`,
		r.Connector, r.ID, string(s)); err != nil {
		return 0, fmt.Errorf("warehouse: reconcile raw %s: %w", s, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ops.reconciliations (connector, stream, reconciled_at, keys, inferred, run_id)
		SELECT $1, $2, now(), (SELECT count(*) FROM ns_keys WHERE stream = $2), $3, $4
		ON CONFLICT (connector, stream) DO UPDATE SET reconciled_at = EXCLUDED.reconciled_at, keys = EXCLUDED.keys,
			inferred = EXCLUDED.inferred, run_id = EXCLUDED.run_id`, r.Connector, string(s), n, r.ID); err != nil {
		return 0, fmt.Errorf("warehouse: record reconciliation: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ns_keys WHERE stream = $1`, string(s)); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if n > 0 {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.dirty = true
		c := r.counts[s]
		if c == nil {
			c = &northstar.Counts{}
			r.counts[s] = c
		}
		c.Deleted += n
	}
	return n, nil
}

// LastReconcile returns when a connector stream's key set was last
// reconciled (zero time if never).
func (db *DB) LastReconcile(ctx context.Context, connector string, s northstar.Stream) (time.Time, error) {
	var t time.Time
	err := db.QueryRowContext(ctx, `SELECT reconciled_at FROM ops.reconciliations WHERE connector = $1 AND stream = $2`,
		connector, string(s)).Scan(&t)
	if isNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return t, fmt.Errorf("warehouse: last reconciliation of %s/%s: %w", connector, s, err)
	}
	return t, nil
}

// linkRefs gives every source customer that rows refer to (column ref of
// stream s) and that has no link yet the records ImplicitCustomers would
// give it after the run — a source customer record holding just its id
// and a golden customer — and returns the customer_id of every referenced
// source customer. Linking before the page is stored lets its facts carry
// customer_id from the start instead of being rewritten by Finalize.
//
// It commits on its own, before the page's transaction: pages in flight
// link in submission order (gates.waitLink), so no two sessions create the
// same link. A page that then fails leaves links that ImplicitCustomers
// would create anyway once it is stored.
func (r *Run) linkRefs(ctx context.Context, conn *sql.Conn, s northstar.Stream, rows []transform.Row, ref int) (map[string]int64, error) {
	seen := make(map[string]struct{}, len(rows))
	var ids []string
	for i := range rows {
		id, ok := rows[i].Values[ref].(string)
		if !ok {
			continue
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	out := make(map[string]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	res, err := conn.QueryContext(ctx, `WITH refs AS (SELECT unnest($2::text[]) AS source_id),
		known AS (
			-- LATERAL … LIMIT 1: one primary key lookup per reference, whatever
			-- the statistics say.
			SELECT r.source_id, cs.customer_id FROM refs r, LATERAL (
				SELECT cs.customer_id FROM core.customer_sources cs
				WHERE cs.source = $1 AND cs.source_id = r.source_id LIMIT 1) cs),
		fresh AS (
			SELECT r.source_id, nextval('core.customers_customer_id_seq') AS customer_id
			FROM refs r WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.source_id = r.source_id)),
		src AS (
			INSERT INTO core.source_customers (source, source_id, row_hash, run_id, synced_at)
			SELECT $1, source_id, 0, $3, now() FROM fresh ON CONFLICT (source, source_id) DO NOTHING),
		golden AS (
			INSERT INTO core.customers (customer_id, run_id, synced_at) SELECT customer_id, $3, now() FROM fresh),
		links AS (
			INSERT INTO core.customer_sources (source, source_id, customer_id, matched_by, match_score, run_id)
			SELECT $1, source_id, customer_id, 'new', 1, $3 FROM fresh)
		SELECT source_id, customer_id FROM known UNION ALL SELECT source_id, customer_id FROM fresh`,
		r.Connector, pq.Array(ids), r.ID)
	if err != nil {
		return nil, fmt.Errorf("warehouse: link customers of %s: %w", s, err)
	}
	defer res.Close()
	for res.Next() {
		var (
			id  string
			cid int64
		)
		if err := res.Scan(&id, &cid); err != nil {
			return nil, fmt.Errorf("warehouse: link customers of %s: %w", s, err)
		}
		out[id] = cid
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("warehouse: link customers of %s: %w", s, err)
	}
	return out, nil
}
