package metrics

import (
	"testing"

	"github.com/shopspring/decimal"
)

// orderFixture is a small shop: five customers over January–March 2025
// (plus an April order after the first as-of date).
func orderFixture(t *testing.T) *fixture {
	f := newFixture(t)
	c1 := f.customer(cust{Segment: "smb", FirstOrder: ts("2025-01-05T10:00")})
	c2 := f.customer(cust{Segment: "ent", FirstOrder: ts("2025-01-10")})
	c3 := f.customer(cust{Segment: "smb", Referrer: c1, FirstOrder: ts("2025-02-14")})
	c4 := f.customer(cust{Channel: "referral", FirstOrder: ts("2025-03-05")})
	c5 := f.customer(cust{}) // first_order_at unknown: taken from its orders

	o := func(c int64, at, amount string, lines ...string) string {
		id := f.order(order{Customer: c, Ordered: ts(at), Paid: ts(at).AddDate(0, 0, 2), Amount: amount})
		for i := 0; i < len(lines); i += 2 {
			f.line(id, lines[i], lines[i+1])
		}
		return id
	}
	// January: c1 twice on one day (one occasion), c2 once, one canceled order.
	o(c1, "2025-01-05T10:00", "100", "A", "60", "B", "40")
	o(c1, "2025-01-05T15:00", "50", "A", "50")
	o(c2, "2025-01-10", "200", "A", "200")
	canceled := f.order(order{Customer: c2, Ordered: ts("2025-01-12"), Canceled: ts("2025-01-13"), Amount: "999"})
	f.line(canceled, "A", "999")
	// February: c1 buys a new category C twice (ramp-up, set frozen at the
	// start of the month); referred c3 arrives.
	o(c1, "2025-02-03", "80", "A", "30", "C", "50")
	o(c1, "2025-02-20", "20", "C", "20")
	o(c3, "2025-02-14", "70", "A", "70")
	o(c3, "2025-02-15", "30", "", "30")
	// March.
	o(c2, "2025-03-01", "100", "A", "100")
	o(c3, "2025-03-02", "50", "", "40", "B", "10")
	o(c4, "2025-03-05", "60", "D", "60")
	o(c5, "2025-03-06", "0", "D", "0")
	o13 := o(c5, "2025-03-07", "25", "D", "25")
	f.lineDeleted(o13, "D", "500", true)
	deleted := f.order(order{Customer: c5, Ordered: ts("2025-03-08"), Amount: "300", Deleted: true})
	f.line(deleted, "D", "300")
	o(0, "2025-03-09", "10", "E", "10") // no customer
	// Canceled only after 2025-03-31.
	late := f.order(order{Customer: c2, Ordered: ts("2025-03-20"), Canceled: ts("2025-04-05"), Amount: "40"})
	f.line(late, "A", "40")
	// After the first as-of date.
	o(c1, "2025-04-02", "1000", "A", "1000")
	return f
}

func TestOrderMetrics(t *testing.T) {
	t.Parallel()
	f := orderFixture(t)
	f.refresh("2025-03-31")
	f.checkAll([]check{
		{metric: "aov", period: "2025-01-01", value: "116.67", num: "350", den: "3", n: 3},
		{metric: "aov", period: "2025-02-01", value: "50", num: "200", den: "4", n: 4},
		{metric: "aov", period: "2025-03-01", value: "40.71", num: "285", den: "7", n: 7},
		{metric: "aov", period: "2025-01-01", grain: "quarter", num: "835", den: "14", n: 14},
		{metric: "aov", period: "2025-01-01", segment: "segment:smb", value: "75", num: "150", den: "2", n: 2},
		{metric: "active_customers", period: "2025-01-01", value: "2", n: 2},
		{metric: "active_customers", period: "2025-03-01", value: "4", n: 4},
		{metric: "active_customers", period: "2025-01-01", grain: "quarter", value: "5", n: 5},
		{metric: "active_customers", period: "2025-02-01", segment: "segment:smb", value: "2", n: 2},
		{metric: "repeat_purchase_rate", period: "2025-01-01", value: "0", num: "0", den: "2", n: 2},
		{metric: "repeat_purchase_rate", period: "2025-02-01", value: "100", num: "2", den: "2", n: 2},
		{metric: "repeat_purchase_rate", period: "2025-03-01", value: "50", num: "2", den: "4", n: 4}, // c2 on Mar 1 and Mar 20, c5 on Mar 6 and 7
		{metric: "customer_retention", period: "2025-02-01", value: "50", num: "1", den: "2", n: 2},
		{metric: "customer_churn", period: "2025-02-01", value: "50", num: "1", den: "2", n: 2},
		{metric: "customer_retention", period: "2025-03-01", value: "50", num: "1", den: "2", n: 2},
		{metric: "customer_retention", period: "2025-02-01", segment: "segment:ent", value: "0", num: "0", den: "1", n: 1},
		{metric: "cohort_retention", period: "2025-01-01", grain: "cohort", segment: "age:00", value: "100", num: "2", den: "2", n: 2},
		{metric: "cohort_retention", period: "2025-01-01", grain: "cohort", segment: "age:01", value: "50", num: "1", den: "2", n: 2},
		{metric: "cohort_retention", period: "2025-01-01", grain: "cohort", segment: "age:02", value: "50", num: "1", den: "2", n: 2},
		{metric: "cohort_retention", period: "2025-02-01", grain: "cohort", segment: "age:01", value: "100", num: "1", den: "1", n: 1},
		{metric: "cohort_retention", period: "2025-03-01", grain: "cohort", segment: "age:00", value: "100", num: "2", den: "2", n: 2},
		// Customer capital.
		{metric: "other_new_value", period: "2025-01-01", value: "350", n: -1},
		{metric: "retention_value", period: "2025-01-01", value: "0", n: -1},
		{metric: "retention_value", period: "2025-02-01", value: "30", n: -1},
		{metric: "ramp_up_value", period: "2025-02-01", value: "70", n: -1},
		{metric: "referral_value", period: "2025-02-01", value: "100", n: -1},
		{metric: "other_new_value", period: "2025-02-01", value: "0", n: -1},
		{metric: "retention_value", period: "2025-03-01", value: "180", den: "285", n: -1},
		{metric: "ramp_up_value", period: "2025-03-01", value: "10", n: -1},
		{metric: "referral_value", period: "2025-03-01", value: "60", n: -1},
		{metric: "other_new_value", period: "2025-03-01", value: "35", n: -1},
		{metric: "referral_value", period: "2025-02-01", segment: "segment:smb", value: "100", n: -1},
		// The 12-month window of no cohort has ended yet.
		{metric: "historical_clv", period: "2025-01-01", grain: "cohort", value: "NULL", n: 0},
	})
	if _, ok := f.lookup("cohort_retention", "2025-01-01", "cohort", "age:03"); ok {
		t.Error("cohort cell after the as-of month")
	}
	if got := detail(t, f.get("cohort_retention", "2025-01-01", "cohort", "age:01"), "revenue_retention_pct"); got < 28.5714 || got > 28.5715 {
		t.Errorf("January cohort revenue retention at age 1 = %v, want 100/350 = 28.57 %%", got)
	}
	if got := detail(t, f.get("aov", "2025-03-01", "month", "all"), "zero_value_orders"); got != 1 {
		t.Errorf("zero-value orders = %v, want 1", got)
	}
	h := f.get("historical_clv", "2025-01-01", "cohort", "all")
	if detail(t, h, "incomplete") != 2 || detail(t, h, "mean_to_date_all") != 295 {
		t.Errorf("historical_clv details = %v, want 2 incomplete, mean to date (250+340)/2 = 295", h.Details)
	}
	checkCapitalSums(t, f, "2025-03-31")

	// Five customers are too few for the CLV models: skipped, not an error;
	// scores still carry the summaries and historical CLV.
	clv := f.get("predicted_clv", "2025-03-31", "as_of", "all")
	if clv.Value.Valid || clv.Details["skipped"] == nil {
		t.Errorf("predicted_clv = %s, details %v; want NULL with a skip reason", show(clv.Value), clv.Details)
	}
	var scores, withP int
	var hist string
	if err := f.db.QueryRow(`SELECT count(*), count(p_alive), sum(historical_clv)::text FROM metrics.customer_scores
		WHERE as_of = '2025-03-31'`).Scan(&scores, &withP, &hist); err != nil {
		t.Fatal(err)
	}
	if scores != 5 || withP != 0 || !decimal.RequireFromString(hist).Equal(decimal.RequireFromString("825")) {
		t.Errorf("scores = %d rows, %d with p_alive, Σ historical = %s; want 5, 0, 825 (the order without customer is nobody's)", scores, withP, hist)
	}

	// A year later: the April order and the late cancellation are visible,
	// and the January cohort's 12-month window has ended.
	f.refresh("2026-03-31")
	f.checkAll([]check{
		{metric: "aov", period: "2025-03-01", value: "40.83", num: "245", den: "6", n: 6},
		{metric: "retention_value", period: "2025-03-01", value: "140", den: "245", n: -1},
		{metric: "aov", period: "2025-04-01", value: "1000", n: 1},
		{metric: "historical_clv", period: "2025-01-01", grain: "cohort", value: "775", num: "1550", den: "2", n: 2},
		{metric: "historical_clv", period: "2025-02-01", grain: "cohort", value: "150", n: 1},
		{metric: "active_customers", period: "2025-05-01", value: "0", n: 0},
		{metric: "aov", period: "2025-05-01", value: "NULL", n: 0},
		{metric: "customer_retention", period: "2025-06-01", value: "NULL", den: "0", n: 0},
	})
	checkCapitalSums(t, f, "2026-03-31")
}

// checkCapitalSums asserts that the four customer-capital components add
// up exactly to total line revenue of every month, for every slice, and
// that the total matches the order lines computed independently.
func checkCapitalSums(t *testing.T, f *fixture, asOf string) {
	t.Helper()
	rows, err := f.db.Query(`
		WITH lines AS (
			SELECT date_trunc('month', o.ordered_at)::date AS month, sum(l.amount_reporting) AS total
			FROM core.order_lines l JOIN core.orders o ON o.source = l.source AND o.source_id = l.order_source_id
			WHERE l.deleted_at IS NULL AND o.deleted_at IS NULL AND o.ordered_at < $1::date + 1
			  AND NOT coalesce(o.canceled_at < $1::date + 1, false)
			GROUP BY 1
		), comp AS (
			SELECT period_start AS month, segment, sum(value) AS total, count(*) AS k, max(denominator) AS den
			FROM metrics."values"
			WHERE metric_id IN ('retention_value', 'ramp_up_value', 'referral_value', 'other_new_value') AND grain = 'month'
			GROUP BY 1, 2
		)
		SELECT c.month, c.segment, c.total::text, c.k, coalesce(c.den, 0)::text,
		       CASE WHEN c.segment = 'all' THEN coalesce(l.total, 0) ELSE c.den END::text
		FROM comp c LEFT JOIN lines l ON l.month = c.month`, asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var month, segment, sum, den, want string
		var k int
		if err := rows.Scan(&month, &segment, &sum, &k, &den, &want); err != nil {
			t.Fatal(err)
		}
		n++
		s, w := decimal.RequireFromString(sum), decimal.RequireFromString(want)
		if k != 4 || !s.Equal(w) || !decimal.RequireFromString(den).Equal(w) {
			t.Errorf("as of %s, %s %s: components %s (%d rows), stored total %s, line revenue %s", asOf, month[:7], segment, sum, k, den, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no customer capital values")
	}
}
