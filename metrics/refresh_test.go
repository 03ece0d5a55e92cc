package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// synthetic fills the warehouse with a seeded, plausible company: 300
// customers ordering through 2024, contracts, surveys and cases.
func synthetic(f *fixture) { syntheticN(f, 300) }

// syntheticN is synthetic with n customers (and proportional surveys and cases).
func syntheticN(f *fixture, n int) {
	f.t.Helper()
	// One transaction, so that setseed and random() share a session.
	tx, err := f.db.Beginx()
	if err != nil {
		f.t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		f.t.Helper()
		if _, err := tx.Exec(q, args...); err != nil {
			f.t.Fatalf("synthetic: %v\n%s", err, q)
		}
	}
	exec(`SELECT setseed(0.42)`)
	exec(`INSERT INTO core.customers (name, segment, acquisition_channel)
		SELECT 'c' || i, (ARRAY['smb', 'ent'])[1 + i % 2], CASE WHEN i % 7 = 0 THEN 'referral' END
		FROM generate_series(1, $1::int) i`, n)
	exec(`
		WITH c AS (
			SELECT customer_id, (random() * 180)::int AS d0, 1 + floor(random() ^ 2 * 8)::int AS k,
			       -ln(1 - random()) * 120 AS life FROM core.customers
		), o AS (
			SELECT c.customer_id, j,
			       timestamptz '2024-01-01' + make_interval(days => CASE WHEN j = 1 THEN c.d0
			           ELSE c.d0 + (random() * least(365 - c.d0, c.life))::int END)
			       + make_interval(hours => (random() * 20)::int) AS at,
			       round((20 + random() * 80)::numeric, 2) AS amount
			FROM c CROSS JOIN LATERAL generate_series(1, c.k) j
		)
		INSERT INTO core.orders (source, source_id, customer_id, ordered_at, fulfilled_at, invoiced_at, paid_at, status,
		                         order_type, currency, amount, amount_reporting, row_hash, run_id, synced_at)
		SELECT 'erp', customer_id || '-' || j, customer_id, at, at + interval '1 day', at + interval '2 days', at + interval '5 days',
		       'paid', CASE WHEN j % 5 = 0 THEN 'return' ELSE 'new' END, 'USD', amount, amount, 1, 1, now()
		FROM o`)
	exec(`INSERT INTO core.order_lines (source, source_id, order_source_id, product_category, amount, currency, amount_reporting, row_hash, run_id, synced_at)
		SELECT 'erp', source_id || '-1', source_id, (ARRAY['A', 'B', 'C'])[1 + floor(random() * 3)::int], amount, 'USD', amount, 1, 1, now()
		FROM core.orders`)
	exec(`UPDATE core.customers c SET first_order_at = o.first FROM (SELECT customer_id, min(ordered_at) AS first FROM core.orders GROUP BY 1) o
		WHERE o.customer_id = c.customer_id`)
	exec(`INSERT INTO core.contracts (source, source_id, customer_id, signed_at, go_live_at, start_at, end_at, mrr, currency,
		                                mrr_reporting, fx_rate, adopted_at, row_hash, run_id, synced_at)
		SELECT 'crm', 'k' || customer_id, customer_id, first_order_at, first_order_at + make_interval(days => (random() * 60)::int),
		       first_order_at, CASE WHEN random() < 0.3 THEN first_order_at + make_interval(days => 30 + (random() * 300)::int) END,
		       100, 'USD', 100, 1, first_order_at + make_interval(days => 30 + (random() * 90)::int), 1, 1, now()
		FROM core.customers WHERE customer_id % 3 = 0`)
	exec(`INSERT INTO core.survey_responses (source, source_id, customer_id, instrument, score, scale_min, scale_max, responded_at, touchpoint, row_hash, run_id, synced_at)
		SELECT 'crm', 's' || i, 1 + i % $1::int, (ARRAY['nps', 'csat', 'ces'])[1 + i % 3],
		       CASE i % 3 WHEN 0 THEN floor(random() * 11) WHEN 1 THEN 1 + floor(random() * 5) ELSE 1 + floor(random() * 7) END,
		       CASE i % 3 WHEN 0 THEN 0 ELSE 1 END, CASE i % 3 WHEN 0 THEN 10 WHEN 1 THEN 5 ELSE 7 END,
		       timestamptz '2024-01-01' + make_interval(days => (random() * 364)::int), (ARRAY['support', 'delivery'])[1 + i % 2], 1, 1, now()
		FROM generate_series(1, 2 * $1::int) i`, n)
	exec(`INSERT INTO core.support_cases (source, source_id, customer_id, opened_at, closed_at, row_hash, run_id, synced_at)
		SELECT 'crm', 'case' || i, 1 + i % $1::int, timestamptz '2024-01-01' + make_interval(days => (random() * 360)::int) AS opened,
		       NULL, 1, 1, now() FROM generate_series(1, 2 * $1::int / 3) i`, n)
	exec(`UPDATE core.support_cases SET closed_at = opened_at + make_interval(hours => (random() * 400)::int) WHERE random() < 0.8`)
	if err := tx.Commit(); err != nil {
		f.t.Fatal(err)
	}
}

func TestRefreshEndToEnd(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	synthetic(f)
	sum := f.refresh("2024-12-31", func(o *Options) {
		o.CLV.DiscountRate = 0.01
		if testing.Verbose() {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})

	// Every metric of the catalogue has values.
	for _, d := range Catalogue() {
		if sum.ByMetric[d.ID] == 0 {
			t.Errorf("no values for %s", d.ID)
		}
	}
	if len(sum.ByMetric) != len(Catalogue()) {
		t.Errorf("metrics with values = %d, catalogue = %d", len(sum.ByMetric), len(Catalogue()))
	}
	// Invariants over every stored row: an empty denominator never gives
	// a value; percent values are 100 × numerator / denominator.
	var zeroDen, badPct int
	if err := f.db.QueryRow(`SELECT count(*) FILTER (WHERE v.denominator = 0 AND v.value IS NOT NULL),
		count(*) FILTER (WHERE d.unit = 'percent' AND v.denominator > 0
		                   AND abs(v.value - 100 * v.numerator / v.denominator) > 1e-9)
		FROM metrics."values" v JOIN metrics.definitions d USING (metric_id, version)`).Scan(&zeroDen, &badPct); err != nil {
		t.Fatal(err)
	}
	if zeroDen != 0 || badPct != 0 {
		t.Errorf("%d values with an empty denominator, %d percent values != 100 × num / den", zeroDen, badPct)
	}
	// Models fitted and stored.
	var models []string
	if err := f.db.Select(&models, `SELECT model FROM metrics.model_fits WHERE as_of = '2024-12-31' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(models) != 3 || models[0] != "bgnbd" || models[1] != "gamma_gamma" || models[2] != "pareto_nbd" {
		t.Fatalf("model fits = %v, want bgnbd, gamma_gamma, pareto_nbd", models)
	}
	var params []byte
	var ll float64
	var n int
	var unit string
	if err := f.db.QueryRow(`SELECT params, log_likelihood, n_customers, time_unit FROM metrics.model_fits WHERE model = 'bgnbd'`).Scan(&params, &ll, &n, &unit); err != nil {
		t.Fatal(err)
	}
	var bg map[string]float64
	if err := json.Unmarshal(params, &bg); err != nil {
		t.Fatal(err)
	}
	if n != 300 || unit != "week" || !(ll < 0) || !(bg["r"] > 0 && bg["alpha"] > 0 && bg["a"] > 0 && bg["b"] > 0) {
		t.Errorf("bgnbd fit: n=%d unit=%s ll=%v params=%v", n, unit, ll, bg)
	}
	// Scores: one row per customer, probabilities in [0, 1], CLV > 0.
	var bad, scores int
	if err := f.db.QueryRow(`SELECT count(*) FILTER (WHERE p_alive < 0 OR p_alive > 1 OR p_alive IS NULL
		OR predicted_clv <= 0 OR expected_purchases < 0 OR historical_clv <= 0 OR expected_spend <= 0), count(*)
		FROM metrics.customer_scores WHERE as_of = '2024-12-31'`).Scan(&bad, &scores); err != nil {
		t.Fatal(err)
	}
	if scores != 300 || bad != 0 || sum.Scores != 300 {
		t.Errorf("customer scores: %d rows (summary %d), %d out of range", scores, sum.Scores, bad)
	}
	// Discounting is monthly over ≈ the horizon (12 steps of 4.345 weeks ≈
	// 52 weeks): E[M] × E[Y(52)] / 1.01^12 ≤ CLV ≤ E[M] × E[Y(52)] (+ the
	// 0.14-week overhang). A step of 30 weeks (lifetimes' pitfall) fails.
	var offRange int
	if err := f.db.QueryRow(`SELECT count(*) FROM metrics.customer_scores
		WHERE predicted_clv > expected_spend * expected_purchases::numeric * 1.01
		   OR predicted_clv < expected_spend * expected_purchases::numeric / 1.13`).Scan(&offRange); err != nil {
		t.Fatal(err)
	}
	if offRange != 0 {
		t.Errorf("%d customers with predicted CLV outside E[M] × E[Y(horizon)] × [1/1.13, 1.01]", offRange)
	}
	// Historical CLV per customer equals its revenue (margin 1).
	var mismatch int
	if err := f.db.QueryRow(`SELECT count(*) FROM metrics.customer_scores s
		JOIN (SELECT customer_id, sum(amount_reporting) AS rev FROM core.orders GROUP BY 1) o USING (customer_id)
		WHERE s.historical_clv <> o.rev`).Scan(&mismatch); err != nil {
		t.Fatal(err)
	}
	if mismatch != 0 {
		t.Errorf("%d customers with historical_clv different from their revenue", mismatch)
	}
	alive := f.get("expected_active_customers", "2024-12-31", "as_of", "all")
	clv := f.get("predicted_clv", "2024-12-31", "as_of", "all")
	var sumAlive, meanCLV float64
	if err := f.db.QueryRow(`SELECT sum(p_alive), avg(predicted_clv) FROM metrics.customer_scores`).Scan(&sumAlive, &meanCLV); err != nil {
		t.Fatal(err)
	}
	if !near(alive.Value, "0", 0) && math.Abs(mustFloat(t, alive.Value.String)-sumAlive) > 1e-6 {
		t.Errorf("expected_active_customers = %s, Σ p_alive = %v", alive.Value.String, sumAlive)
	}
	if math.Abs(mustFloat(t, clv.Value.String)-meanCLV) > 1e-3 || alive.N.Int64 != 300 {
		t.Errorf("predicted_clv = %s, mean of scores = %v, n = %d", clv.Value.String, meanCLV, alive.N.Int64)
	}
	checkCapitalSums(t, f, "2024-12-31")

	// Report views and Show.
	for _, v := range []string{"report.metric_values", "report.kpi_overview", "report.customer_scores_current"} {
		var k int
		if err := f.db.QueryRow(`SELECT count(*) FROM ` + v).Scan(&k); err != nil || k == 0 {
			t.Errorf("%s: %d rows, %v", v, k, err)
		}
		var comment *string
		if err := f.db.QueryRow(`SELECT obj_description($1::regclass, 'pg_class')`, v).Scan(&comment); err != nil || comment == nil {
			t.Errorf("%s has no COMMENT: %v", v, err)
		}
	}
	var uncommented int
	if err := f.db.QueryRow(`SELECT count(*) FROM information_schema.columns c
		WHERE c.table_schema = 'report' AND c.table_name IN ('metric_values', 'kpi_overview', 'customer_scores_current')
		  AND col_description(('report.' || c.table_name)::regclass, c.ordinal_position) IS NULL`).Scan(&uncommented); err != nil {
		t.Fatal(err)
	}
	if uncommented != 0 {
		t.Errorf("%d report view columns without COMMENT", uncommented)
	}
	kpis, err := Show(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]KPI{}
	for _, k := range kpis {
		byID[k.MetricID] = k
	}
	nps, ok := byID["nps"]
	if !ok || nps.PeriodStart != "2024-12-01" || nps.PreviousPeriodStart == nil || *nps.PreviousPeriodStart != "2024-11-01" ||
		nps.Value == nil || nps.Change == nil || nps.AsOf != "2024-12-31" {
		t.Errorf("nps KPI = %+v", nps)
	}
	if k, ok := byID["predicted_clv"]; !ok || k.Grain != "as_of" || k.Value == nil || k.PreviousValue != nil {
		t.Errorf("predicted_clv KPI = %+v", k)
	}
	if k, ok := byID["ndr"]; ok {
		t.Errorf("ndr KPI = %+v, want none: no base month has a complete comparison month in one year of data", k)
	}
	if _, err := json.Marshal(kpis); err != nil {
		t.Fatal(err)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

func TestDefinitionVersioning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.refresh("2025-01-31")
	var k int
	if err := f.db.QueryRow(`SELECT count(*) FROM metrics.definitions`).Scan(&k); err != nil || k != len(Catalogue()) {
		t.Fatalf("definitions = %d (%v), want %d", k, err, len(Catalogue()))
	}
	// Idempotent; a text refinement other than the formula is accepted.
	f.exec(`UPDATE metrics.definitions SET name = 'old name' WHERE metric_id = 'nps'`)
	f.refresh("2025-01-31")
	// A formula changed in place is refused.
	f.exec(`UPDATE metrics.definitions SET formula = 'something else' WHERE metric_id = 'aov'`)
	_, err := Refresh(context.Background(), f.db, Options{AsOf: ts("2025-01-31")})
	if !errors.Is(err, ErrDefinitionChanged) {
		t.Fatalf("refresh with a changed formula: %v, want ErrDefinitionChanged", err)
	}
}

func TestShowEmpty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	kpis, err := Show(context.Background(), f.db)
	if err != nil || len(kpis) != 0 {
		t.Fatalf("Show on an empty warehouse = %v, %v", kpis, err)
	}
	// Metrics over no data at all: the as_of metrics exist with NULL values.
	// Two concurrent refreshes serialise instead of colliding.
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := Refresh(context.Background(), f.db, Options{AsOf: ts("2025-01-31")})
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent refresh: %v", err)
		}
	}
	r := f.get("predicted_clv", "2025-01-31", "as_of", "all")
	if r.Value.Valid || r.Details["skipped"] == nil {
		t.Errorf("predicted_clv without data = %v, details %v; want NULL with a skip reason", show(r.Value), r.Details)
	}
}

// TestParetoBudget: customers who never drop out make the Pareto/NBD
// likelihood slow; the fit is bounded and skipped, the other models stay.
func TestParetoBudget(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO core.customers (name) SELECT 'c' || i FROM generate_series(1, 300) i`)
	f.exec(`
		SELECT setseed(0.42);
		WITH c AS (SELECT customer_id, (random() * 180)::int AS d0, 1 + floor(random() ^ 2 * 8)::int AS k FROM core.customers)
		INSERT INTO core.orders (source, source_id, customer_id, ordered_at, amount_reporting, row_hash, run_id, synced_at)
		SELECT 'erp', customer_id || '-' || j, customer_id,
		       timestamptz '2024-01-01' + make_interval(days => CASE WHEN j = 1 THEN d0 ELSE d0 + (random() * (365 - d0))::int END),
		       round((20 + random() * 80)::numeric, 2), 1, 1, now()
		FROM c CROSS JOIN LATERAL generate_series(1, c.k) j`)
	start := time.Now()
	sum := f.refresh("2024-12-31", func(o *Options) { o.CLV.ParetoTimeout = time.Second })
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("refresh took %v despite a 1 s Pareto/NBD budget", d)
	}
	if strings.Join(sum.Models, ",") != "bgnbd,gamma_gamma" && strings.Join(sum.Models, ",") != "bgnbd,pareto_nbd,gamma_gamma" {
		t.Errorf("models = %v", sum.Models)
	}
	if r := f.get("predicted_clv", "2024-12-31", "as_of", "all"); !r.Value.Valid {
		t.Errorf("predicted_clv is NULL: %v", r.Details)
	}
}

// BenchmarkRefresh refreshes a synthetic company of 20,000 customers
// (about 60,000 orders).
func BenchmarkRefresh(b *testing.B) {
	f := newFixture(b)
	syntheticN(f, 20000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Refresh(context.Background(), f.db, Options{AsOf: ts("2024-12-31"), CLV: CLVOptions{ParetoTimeout: -1},
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))}); err != nil {
			b.Fatal(err)
		}
	}
}
