package report

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/northstar-dev/northstar/warehouse/whtest"
)

// Fixture clock: metrics as of the last day of October 2026, report
// generated the next morning.
var (
	fixtureAsOf = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	fixtureNow  = time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
)

func fixtureOptions() Options {
	return Options{Title: "Northstar test report", Now: fixtureNow, Currency: "USD"}
}

// newWarehouse returns a fresh migrated warehouse (all migrations,
// including 00004_report_views.sql).
func newWarehouse(t testing.TB) *sqlx.DB {
	t.Helper()
	db, _ := whtest.New(t)
	return db.DB
}

// fixtureSQL fills metrics.values (months of monthly series ending at the
// as-of month, cohorts, as-of rows), metrics.definitions, model_fits,
// customer_scores with core.customers, core.orders for stage times, and
// ops.sync_runs / ops.rejected_records. Values are deterministic functions
// of the month index i (0 = first month) and the customer number g.
// $1 first month, $2 last (complete) month, $3 as_of, $4 customers, $5
// now: replaced by literals (see loadFixture).
const fixtureSQL = `
INSERT INTO metrics.definitions (metric_id, version, name, formula, unit, grain, basis)
VALUES ('nps', 1, 'Net Promoter Score', '100 × (promoters − detractors) / responses', 'score', 'month', 'survey responses'),
       ('csat', 1, 'Customer satisfaction (top-2-box)', '100 × responses scoring 4–5 / responses', 'percent', 'month', 'survey responses'),
       ('customer_churn', 1, 'Customer churn (non-contractual)', '1 − customer_retention', 'percent', 'month', 'orders'),
       ('ndr', 1, 'Net dollar retention', 'Σ MRR(B+12) / Σ MRR(B) (yoy); movement-based in convention:movement', 'percent', 'month', 'contracted MRR'),
       ('nps', 2, 'Net Promoter Score', '100 × (#promoters − #detractors) / #responses; latest response per customer', 'score', 'month', 'survey responses'),
       ('predicted_clv', 1, 'Predicted CLV', 'mean of margin × E[M] × discounted E[Y]', 'money', 'as_of', 'orders');

WITH months AS (
    SELECT p::date AS p, (row_number() OVER (ORDER BY p) - 1)::int AS i
    FROM generate_series($1::date, $2::date, interval '1 month') p
), spec (metric_id, segment, base, step, wiggle) AS (
    VALUES ('nps', 'all', 20, 0.5, 3), ('csat', 'all', 78, 0.25, 1.5), ('csat_mean', 'all', 4.1, 0.01, 0.05),
           ('ces', 'all', 5.2, 0.02, 0.1), ('ces_easy_pct', 'all', 70, 0.3, 2),
           ('aov', 'all', 150.25, 1.5, 4.125), ('active_customers', 'all', 1200, 15, 20),
           ('repeat_purchase_rate', 'all', 22, 0.1, 1), ('customer_retention', 'all', 61, 0.2, 1.25),
           ('customer_churn', 'all', 39, -0.2, -1.25), ('logo_retention', 'all', 97, 0.05, 0.4),
           ('ndr', 'convention:movement', 101, 0.1, 0.7), ('grr', 'convention:movement', 97.5, 0.05, 0.4),
           ('retention_value', 'all', 42000, 600, 900), ('ramp_up_value', 'all', 9000, 150, 300),
           ('referral_value', 'all', 3000, 40, 120), ('other_new_value', 'all', 12000, 90, 500),
           ('flow_velocity', 'all', 900, 10, 25), ('flow_time_days', 'all', 21, -0.1, 0.75),
           ('flow_load', 'all', 610, 4, 9), ('flow_efficiency', 'all', 34, 0.3, 1.1),
           ('case_resolution_days', 'all', 3.2, -0.02, 0.2), ('nps', 'segment:enterprise', 31, 0.2, 4)
)
INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end, value, numerator, denominator, n, details, as_of)
SELECT s.metric_id, m.p, 'month', s.segment, 1, (m.p + interval '1 month')::date,
       round(s.base + s.step * m.i + (((m.i * 7) % 5) - 2) * s.wiggle, 4), NULL, NULL, 100 + m.i,
       CASE WHEN s.metric_id = 'flow_time_days'
            THEN jsonb_build_object('median', round(s.base + s.step * m.i, 2), 'p85', round(1.8 * (s.base + s.step * m.i), 2), 'mean', round(1.2 * (s.base + s.step * m.i), 2)) END,
       $3::date
FROM months m CROSS JOIN spec s;

-- NDR/GRR year over year exist for base months whose B+12 has ended.
INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end, value, numerator, denominator, n, as_of)
SELECT x.metric_id, p::date, 'month', 'convention:yoy', 1, (p + interval '13 months')::date,
       round(x.base + 0.3 * extract(month FROM p)::int, 4), NULL, 250000, 40, $3::date
FROM generate_series($1::date, ($2::date - interval '12 months'), interval '1 month') p
CROSS JOIN (VALUES ('ndr', 104.5), ('grr', 91.25)) x(metric_id, base);

INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end, value, numerator, denominator, n, details, as_of)
SELECT 'flow_distribution', p::date, 'month', 'type:' || t, 1, (p + interval '1 month')::date, share, NULL, NULL, 10, NULL, $3::date
FROM generate_series($1::date, $2::date, interval '1 month') p
CROSS JOIN (VALUES ('new_business', 80), ('return', 15), ('rework', 5)) x(t, share);

-- Cohort matrix: the last 12 acquisition months, every observable age.
INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end, value, numerator, denominator, n, details, as_of)
SELECT 'cohort_retention', c::date, 'cohort', 'age:' || lpad(k::text, 2, '0'), 1,
       (c + make_interval(months => k + 1))::date,
       CASE WHEN k = 0 THEN 100 ELSE round(100.0 * (300 - 25 * k - 2 * extract(month FROM c)::int) / 300, 4) END,
       CASE WHEN k = 0 THEN 300 ELSE 300 - 25 * k - 2 * extract(month FROM c)::int END, 300, 300,
       jsonb_build_object('revenue_retention_pct', 100 - 5 * k), $3::date
FROM generate_series(($2::date - interval '11 months'), $2::date, interval '1 month') c
CROSS JOIN LATERAL generate_series(0, ((extract(year FROM $2::date) - extract(year FROM c)) * 12
                                        + extract(month FROM $2::date) - extract(month FROM c))::int) k;

-- TTL / TTV per signing cohort, with right-censored counts.
INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, period_end, value, numerator, denominator, n, details, as_of)
SELECT x.metric_id, c::date, 'cohort', 'all', 1, (c + interval '1 month')::date, x.med + extract(month FROM c)::int, NULL, NULL, 20,
       jsonb_build_object('median', x.med + extract(month FROM c)::int, 'p85', 2 * x.med + extract(month FROM c)::int,
                          'reached', 20 - extract(month FROM c)::int % 4, 'not_yet_reached', extract(month FROM c)::int % 4,
                          'contracts', 20,
                          'km_median', CASE WHEN extract(month FROM c)::int % 4 < 3 THEN x.med + 2 + extract(month FROM c)::int END),
       $3::date
FROM generate_series(($2::date - interval '7 months'), $2::date, interval '1 month') c
CROSS JOIN (VALUES ('ttl_days', 30.5), ('ttv_days', 61)) x(metric_id, med);

-- Model-based as-of rows: the current and the previous refresh.
INSERT INTO metrics."values" (metric_id, period_start, grain, segment, version, value, numerator, denominator, n, as_of)
VALUES ('predicted_clv', $3::date, 'as_of', 'all', 1, 412.3456, NULL, NULL, $4, $3::date),
       ('predicted_clv', ($3::date - 31), 'as_of', 'all', 1, 398.5, NULL, NULL, $4, $3::date),
       ('expected_active_customers', $3::date, 'as_of', 'all', 1, 0.52 * $4, NULL, NULL, $4, $3::date),
       ('expected_active_customers', ($3::date - 31), 'as_of', 'all', 1, 0.55 * $4, NULL, NULL, $4, $3::date);

INSERT INTO metrics.model_fits (model, as_of, params, log_likelihood, n_customers, time_unit)
VALUES ('bgnbd', $3::date, '{"r":0.243,"alpha":4.414,"a":0.793,"b":2.426}', -9582.4, $4, 'week');

INSERT INTO core.customers (customer_id, name, country, segment, acquisition_channel)
SELECT g, 'Customer ' || lpad(g::text, 6, '0'), (ARRAY['US', 'DE', 'GB', 'FR'])[1 + g % 4],
       (ARRAY['enterprise', 'mid-market', 'smb'])[1 + g % 3], CASE WHEN g % 10 = 0 THEN 'referral' ELSE 'direct' END
FROM generate_series(1::bigint, $4) g;

INSERT INTO metrics.customer_scores (customer_id, as_of, frequency, recency, t, monetary, p_alive,
                                     expected_purchases, expected_spend, predicted_clv, historical_clv)
SELECT g, $3::date, g % 9, (g % 40)::float8, 60 + (g % 20)::float8, 35 + g % 50,
       ((g * 37) % 100) / 100.0, (g % 7) / 2.0, 35 + g % 50,
       CASE WHEN g % 97 = 0 THEN NULL ELSE round(((g * 7919) % 5000) + (g % 100) / 100.0, 2) END,
       round(((g * 104729) % 3000) + 0.5, 2)
FROM generate_series(1::bigint, $4) g;
-- An older refresh that must not leak into the current figures.
INSERT INTO metrics.customer_scores (customer_id, as_of, p_alive, predicted_clv)
SELECT g, $3::date - 31, 0.01, 999999 FROM generate_series(1, least($4, 50)) g;

INSERT INTO core.orders (source, source_id, customer_id, ordered_at, fulfilled_at, invoiced_at, paid_at, status,
                         order_type, currency, amount, amount_reporting, row_hash, run_id, synced_at)
SELECT 'erp', 'SO' || g, 1 + g % greatest($4, 1), t0, t0 + make_interval(hours => 24 + 6 * (g % 5)),
       t0 + make_interval(hours => 72 + 6 * (g % 7)), t0 + make_interval(days => 20 + g % 11), 'paid',
       'new_business', 'USD', 100 + g, 100 + g, g, 1, $5::timestamptz
FROM generate_series(1, 40) g, LATERAL (SELECT ($3::date - 60 + g)::timestamptz AS t0) t;

INSERT INTO ops.sync_runs (run_id, connector, started_at, finished_at, status, records_read, records_rejected, error)
VALUES (1, 'crm', $5::timestamptz - interval '2 days', $5::timestamptz - interval '2 days' + interval '5 minutes', 'partial', 500, 3, 'API quota: stopped at 50 %'),
       (2, 'crm', $5::timestamptz - interval '2 hours', $5::timestamptz - interval '2 hours' + interval '4 minutes', 'succeeded', 120, 2, NULL),
       (3, 'erp', $5::timestamptz - interval '3 days 2 hours', $5::timestamptz - interval '3 days 1 hour', 'succeeded', 800, 0, NULL),
       (4, 'erp', $5::timestamptz - interval '1 hour', $5::timestamptz - interval '55 minutes', 'failed', 0, 0, 'erp: dial tcp 10.0.0.5:443: connection refused'),
       (5, 'shop', $5::timestamptz - interval '30 days', $5::timestamptz - interval '30 days', 'failed', 0, 0, 'file: no such file'),
       (6, 'crm', $5::timestamptz - interval '9 days', $5::timestamptz - interval '9 days', 'partial', 10, 2, 'quota');

INSERT INTO ops.rejected_records (run_id, connector, stream, source_id, reason, payload, created_at)
SELECT r.run_id, 'crm', r.stream, 'X' || row_number() OVER (), r.reason, '{}', r.at
FROM (VALUES (1, 'orders', 'amount: not a number', $5::timestamptz - interval '2 days'),
             (1, 'orders', 'amount: not a number', $5::timestamptz - interval '2 days'),
             (1, 'customers', 'name: empty', $5::timestamptz - interval '2 days'),
             (2, 'survey_responses', 'score 11 outside 0-10', $5::timestamptz - interval '2 hours'),
             (2, 'survey_responses', 'score 11 outside 0-10', $5::timestamptz - interval '2 hours'),
             (6, 'orders', 'customer: unknown', $5::timestamptz - interval '9 days'),
             (6, 'orders', 'customer: unknown', $5::timestamptz - interval '9 days')) r(run_id, stream, reason, at);
`

// loadFixture fills db with months of metrics ending in October 2026 and
// the given number of scored customers.
func loadFixture(t testing.TB, db *sqlx.DB, months, customers int) {
	t.Helper()
	last := time.Date(fixtureAsOf.Year(), fixtureAsOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	first := last.AddDate(0, -(months - 1), 0)
	sql := strings.NewReplacer(
		"$1", "'"+first.Format(time.DateOnly)+"'",
		"$2", "'"+last.Format(time.DateOnly)+"'",
		"$3", "'"+fixtureAsOf.Format(time.DateOnly)+"'",
		"$4", strconv.Itoa(customers),
		"$5", "'"+fixtureNow.Format(time.RFC3339)+"'",
	).Replace(fixtureSQL)
	// No parameters: the simple query protocol runs the whole script in one
	// transaction.
	if _, err := db.ExecContext(context.Background(), "BEGIN;\n"+sql+"\nCOMMIT;"); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}
