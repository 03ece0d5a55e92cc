package warehouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/transform"
	"github.com/northstar-dev/northstar/warehouse"
	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// oddType is a field value COPY must escape.
const oddType = "new\tbusiness\\x\nü"

var tr = &transform.Transformer{ReportingCurrency: "USD",
	FX: transform.StaticFX{Reporting: "USD", Rates: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("1.08")}}}

func page(t *testing.T, s northstar.Stream, recs ...northstar.Record) warehouse.Page {
	t.Helper()
	rows, rejects := tr.Batch(northstar.Batch{Stream: s, Records: recs})
	if len(rejects) > 0 {
		t.Fatalf("rejects: %+v", rejects)
	}
	last := recs[len(recs)-1]
	return warehouse.Page{Stream: s, Rows: rows, Cursor: northstar.Cursor{ModifiedAt: last.ModifiedAt, ID: last.SourceID}}
}

func orderRec(id string, i int, amount string) northstar.Record {
	return northstar.Record{SourceID: id, ModifiedAt: time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC), Origin: "test",
		Fields: map[string]string{"customer": fmt.Sprintf("C%03d", i%6), "ordered_at": "2025-01-02", "amount": amount,
			"currency": "EUR", "status": "paid", "order_type": oddType}}
}

func orders(t *testing.T, ids ...string) warehouse.Page {
	recs := make([]northstar.Record, len(ids))
	for i, id := range ids {
		recs[i] = orderRec(id, i, "10.00")
	}
	return page(t, northstar.StreamOrders, recs...)
}

func ids(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%04d", prefix, i))
	}
	return out
}

// load stores pages in one run and returns the run's order counts, how
// many pages took the first-load path and whether a first-load COPY of
// orders met a stored key (and later pages were probed).
func load(t *testing.T, db *warehouse.DB, merge bool, pages ...warehouse.Page) (northstar.Counts, int64, bool) {
	t.Helper()
	ctx := context.Background()
	run, err := db.StartRun(ctx, "shop", warehouse.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if merge {
		warehouse.NoFirstLoad(run)
	}
	for _, p := range pages {
		if err := run.Submit(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Flush(); err != nil {
		t.Fatal(err)
	}
	// Pages link the customers their facts refer to as they are stored:
	// nothing is left for the step after the run.
	if n, err := run.ImplicitCustomers(ctx); err != nil || n != 0 {
		t.Errorf("implicit customers after the pages: %d, %v; want 0", n, err)
	}
	if err := run.Finish(warehouse.StatusSucceeded, nil); err != nil {
		t.Fatal(err)
	}
	return run.Counts()[northstar.StreamOrders], warehouse.FirstLoadPages(run), warehouse.Probes(run, northstar.StreamOrders)
}

// dump renders what the loader wrote, without sync times.
func dump(t *testing.T, db *warehouse.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT source, source_id, customer_source_id, customer_id, ordered_at, status, order_type, currency, amount,
			amount_reporting, fx_rate, modified_at, deleted_at, delete_kind, row_hash, run_id FROM core.orders`,
		`SELECT source, stream, source_id, payload, payload_hash, modified_at, deleted_at, run_id FROM raw.records`,
		`SELECT source, source_id, customer_id, matched_by FROM core.customer_sources`,
		`SELECT run_id, counts FROM ops.sync_runs`,
		`SELECT connector, stream, modified_at, cursor_id FROM ops.cursors`,
	} {
		rows, err := db.QueryContext(context.Background(), `SELECT t::text FROM (`+q+`) t ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

// TestFirstLoadPath: pages whose keys are all new take the first-load path
// (COPY straight into core and raw), pages with stored keys the merge —
// the first of them after its COPY met a stored key and was rolled back —
// and the warehouse ends identical to a load that merged every page.
func TestFirstLoadPath(t *testing.T) {
	fast, _ := whtest.New(t)
	slow, _ := whtest.New(t)
	var customers []northstar.Record
	for i := 0; i < 5; i++ { // C005 is known only from its orders
		customers = append(customers, northstar.Record{SourceID: fmt.Sprintf("C%03d", i), Fields: map[string]string{"name": fmt.Sprintf("Acme %d", i)}})
	}
	// O0005 is stored and changes: its page merges.
	changed := []northstar.Record{orderRec("O0005", 5, "99.00")}
	for i, id := range ids("O", 100, 104) {
		changed = append(changed, orderRec(id, i, "10.00"))
	}
	runs := []struct {
		name   string
		pages  []warehouse.Page
		want   northstar.Counts // orders
		first  int64            // pages taking the first-load path
		probed bool             // a first-load COPY met a stored key
	}{
		{"first load", []warehouse.Page{
			page(t, northstar.StreamCustomers, customers...), // customers always merge
			orders(t, ids("O", 0, 10)...),
			orders(t, ids("O", 10, 20)...),
		}, northstar.Counts{Read: 20, Inserted: 20, Pages: 2}, 2, false},
		{"stored keys", []warehouse.Page{
			page(t, northstar.StreamOrders, changed...),
			// New keys between stored ones: every key is looked up.
			orders(t, "O0003z", "O0012z"),
			// A key of the page before (in flight or stored): the page merges.
			orders(t, "O0003z", "O0200"),
		}, northstar.Counts{Read: 9, Inserted: 7, Updated: 1, Unchanged: 1, Pages: 3}, 1, true},
	}
	for _, r := range runs {
		got, first, probed := load(t, fast, false, r.pages...)
		if got != r.want || first != r.first || probed != r.probed {
			t.Errorf("%s: counts %+v, %d first-load pages, probed %v; want %+v, %d, %v", r.name, got, first, probed, r.want, r.first, r.probed)
		}
		got, first, _ = load(t, slow, true, r.pages...)
		if got != r.want || first != 0 {
			t.Errorf("%s, merging every page: counts %+v, %d first-load pages; want %+v, 0", r.name, got, first, r.want)
		}
		if a, b := dump(t, fast), dump(t, slow); a != b {
			t.Fatalf("%s: first-load path and merge differ:\n%s\nmerge:\n%s", r.name, a, b)
		}
	}
	var typ string
	if err := fast.QueryRow(`SELECT order_type FROM core.orders WHERE source_id = 'O0001'`).Scan(&typ); err != nil || typ != oddType {
		t.Errorf("O0001: order_type %q, %v; want %q", typ, err, oddType)
	}
	// synced_at is the storing transaction's timestamp, in core and raw
	// alike (the first-load path leaves it to the column default).
	var mismatched, late int
	if err := fast.QueryRow(`SELECT count(*) FILTER (WHERE r.synced_at <> o.synced_at),
			count(*) FILTER (WHERE o.synced_at > now() OR o.synced_at < now() - interval '1 hour')
		FROM core.orders o JOIN raw.records r ON r.source = o.source AND r.stream = 'orders' AND r.source_id = o.source_id`).Scan(&mismatched, &late); err != nil {
		t.Fatal(err)
	}
	if mismatched != 0 || late != 0 {
		t.Errorf("%d orders whose raw row has another synced_at, %d with an implausible one; want 0 and 0", mismatched, late)
	}
	var unlinked, implicit int
	if err := fast.QueryRow(`SELECT (SELECT count(*) FROM core.orders WHERE customer_id IS NULL),
		(SELECT count(*) FROM core.customer_sources cs JOIN core.source_customers sc USING (source, source_id)
		 WHERE cs.source_id = 'C005' AND cs.matched_by = 'new' AND sc.row_hash = 0)`).Scan(&unlinked, &implicit); err != nil {
		t.Fatal(err)
	}
	if unlinked != 0 || implicit != 1 {
		t.Errorf("%d orders without customer_id, %d implicit links of C005; want 0 and 1", unlinked, implicit)
	}
}

// TestLargePageRoundTrip: a page spanning many COPY chunks (the loader
// hands lib/pq its chunk buffer without copying it, then reuses it) stores
// every value exactly, on the first-load path and through the merge.
func TestLargePageRoundTrip(t *testing.T) {
	for _, merge := range []bool{false, true} {
		db, _ := whtest.New(t)
		const n = 6000 // ≈ 1.5 MB of COPY text for core and raw: about 25 chunks each
		recs := make([]northstar.Record, n)
		want := decimal.Zero
		for i := range recs {
			amount := decimal.New(int64(i*7919%100000), -2)
			want = want.Add(amount)
			recs[i] = orderRec(fmt.Sprintf("L%05d", i), i, amount.StringFixed(2))
			recs[i].Fields["note"] = strings.Repeat("x", i%97)
		}
		counts, first, _ := load(t, db, merge, page(t, northstar.StreamOrders, recs...))
		if counts.Inserted != n || (first == 1) == merge {
			t.Fatalf("merge=%v: counts %+v, %d first-load pages", merge, counts, first)
		}
		var sum string
		var rows, badIDs, badPayloads int
		if err := db.QueryRow(`SELECT sum(amount)::text, count(*),
				count(*) FILTER (WHERE source_id !~ '^L[0-9]{5}$'),
				(SELECT count(*) FROM raw.records r
					WHERE length(r.payload->>'note') IS DISTINCT FROM substr(r.source_id, 2)::int % 97)
			FROM core.orders`).Scan(&sum, &rows, &badIDs, &badPayloads); err != nil {
			t.Fatal(err)
		}
		if got := decimal.RequireFromString(sum); !got.Equal(want) || rows != n || badIDs != 0 || badPayloads != 0 {
			t.Errorf("merge=%v: sum %s (want %s), %d rows, %d bad ids, %d raw payloads not their record's", merge, got, want, rows, badIDs, badPayloads)
		}
	}
}
