-- Order economics and non-contractual retention (metrics.md §2, §3.2, §3.3,
-- §6.1): aov, active_customers, repeat_purchase_rate, customer_retention,
-- customer_churn, cohort_retention, historical_clv. Only non-canceled,
-- non-deleted orders count. Slices: month, quarter, year × all and
-- segment:<customer segment>.

CREATE TEMP TABLE ns_order_slices ON COMMIT DROP AS
SELECT g.grain, g.period_start, s.segment, o.*
FROM (SELECT o.*, c.segment AS cust_segment FROM ns_orders o LEFT JOIN ns_customers c USING (customer_id)
      WHERE NOT o.canceled) o
CROSS JOIN LATERAL (VALUES ('month',   date_trunc('month',   o.local_ts)::date),
                           ('quarter', date_trunc('quarter', o.local_ts)::date),
                           ('year',    date_trunc('year',    o.local_ts)::date)) g(grain, period_start)
CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || o.cust_segment WHERE o.cust_segment IS NOT NULL) s(segment);

-- AOV: Σ amount_reporting / #orders; zero-value orders count; orders
-- without a reporting amount are left out of both and counted.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'aov', period_start, grain, segment,
       sum(amount) / nullif(count(amount), 0), coalesce(sum(amount), 0), count(amount), count(amount),
       jsonb_build_object('zero_value_orders', count(*) FILTER (WHERE amount = 0),
                          'missing_reporting_amount', count(*) FILTER (WHERE amount IS NULL),
                          'basis', 'order amount_reporting, canceled and deleted orders excluded')
FROM ns_order_slices GROUP BY 1, 2, 3, 4;

-- Active customers and repeat-purchase rate (customer-days as occasions).
CREATE TEMP TABLE ns_active ON COMMIT DROP AS
SELECT grain, period_start, segment, customer_id, count(DISTINCT local_day) AS occasions, sum(amount) AS revenue
FROM ns_order_slices WHERE customer_id IS NOT NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'active_customers', period_start, grain, segment, count(*), count(*), NULL, count(*),
       jsonb_build_object('definition', 'customers with at least one non-canceled order in the period')
FROM ns_active GROUP BY 1, 2, 3, 4;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'repeat_purchase_rate', period_start, grain, segment,
       100.0 * count(*) FILTER (WHERE occasions >= 2) / nullif(count(*), 0),
       count(*) FILTER (WHERE occasions >= 2), count(*), count(*),
       jsonb_build_object('occasion', 'customer-day')
FROM ns_active GROUP BY 1, 2, 3, 4;

-- Period-over-period retention (option A) for every period after the
-- first: |active(P) ∩ active(P−1)| / |active(P−1)|.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH pairs AS (
    SELECT c.grain, c.period_start, prev.segment,
           count(*) AS base, count(cur.customer_id) AS retained
    FROM ns_cal c
    JOIN ns_cal pc ON pc.grain = c.grain AND pc.period_end = c.period_start
    JOIN ns_active prev ON prev.grain = pc.grain AND prev.period_start = pc.period_start
    LEFT JOIN ns_active cur ON cur.grain = c.grain AND cur.period_start = c.period_start
                           AND cur.segment = prev.segment AND cur.customer_id = prev.customer_id
    GROUP BY 1, 2, 3
)
SELECT m.metric_id, period_start, grain, segment,
       100.0 * CASE m.metric_id WHEN 'customer_retention' THEN retained ELSE base - retained END / nullif(base, 0),
       CASE m.metric_id WHEN 'customer_retention' THEN retained ELSE base - retained END, base, base,
       jsonb_build_object('definition', 'non-contractual option A: active = at least one non-canceled order in the period; retention = |active(P) ∩ active(P-1)| / |active(P-1)|; churn = 1 - retention',
                          'retained', retained, 'churned', base - retained)
FROM pairs CROSS JOIN (VALUES ('customer_retention'), ('customer_churn')) m(metric_id);

-- Cohort retention: cohort = month of the first non-canceled order;
-- segment age:NN = months since the cohort month (NN ≥ 2 digits). Value =
-- logo retention; revenue retention (revenue in c+k / revenue in c) in
-- details. Cells exist only up to the as_of month.
INSERT INTO ns_values (metric_id, period_start, grain, segment, period_end, value, numerator, denominator, n, details)
WITH cohort AS (
    SELECT customer_id, date_trunc('month', first_active_at AT TIME ZONE p.tz)::date AS cohort
    FROM ns_customers CROSS JOIN ns_param p WHERE first_active_at IS NOT NULL
), size AS (
    SELECT cohort, count(*) AS customers FROM cohort GROUP BY cohort
), cells AS (
    SELECT s.cohort, s.customers, k, (s.cohort + make_interval(months => k))::date AS month
    FROM size s CROSS JOIN ns_param p
    CROSS JOIN LATERAL generate_series(0, ((extract(year FROM p.as_of) - extract(year FROM s.cohort)) * 12
                                          + extract(month FROM p.as_of) - extract(month FROM s.cohort))::int) k
), act AS (
    SELECT ch.cohort, a.period_start AS month, count(*) AS active, coalesce(sum(a.revenue), 0) AS revenue
    FROM ns_active a JOIN cohort ch USING (customer_id)
    WHERE a.grain = 'month' AND a.segment = 'all'
    GROUP BY 1, 2
), base AS (
    SELECT cohort, revenue FROM act WHERE month = cohort
)
SELECT 'cohort_retention', c.cohort, 'cohort', 'age:' || lpad(c.k::text, greatest(2, length(c.k::text)), '0'),
       (c.month + interval '1 month')::date,
       100.0 * coalesce(a.active, 0) / c.customers, coalesce(a.active, 0), c.customers, c.customers,
       jsonb_build_object('age_months', c.k, 'activity_month', c.month,
                          'revenue', coalesce(a.revenue, 0), 'cohort_revenue_month0', b.revenue,
                          'revenue_retention_pct', 100.0 * coalesce(a.revenue, 0) / nullif(b.revenue, 0))
FROM cells c
LEFT JOIN act a ON a.cohort = c.cohort AND a.month = c.month
LEFT JOIN base b ON b.cohort = c.cohort;

-- Historical CLV: per acquisition cohort (month of A_i), mean of margin ×
-- Σ order revenue in [A_i, A_i + 12 months), over customers whose 12-month
-- window has ended by cutoff; median, incomplete count and the to-date mean
-- of every cohort member in details.
INSERT INTO ns_values (metric_id, period_start, grain, segment, period_end, value, numerator, denominator, n, details)
WITH cust AS (
    SELECT c.customer_id, c.segment, date_trunc('month', c.acquired_at AT TIME ZONE p.tz)::date AS cohort,
           c.acquired_at + interval '12 months' <= p.cutoff AS complete,
           p.margin * coalesce((SELECT sum(o.amount) FROM ns_orders o
                                WHERE o.customer_id = c.customer_id AND NOT o.canceled
                                  AND o.ordered_at >= c.acquired_at AND o.ordered_at < c.acquired_at + interval '12 months'), 0) AS value
    FROM ns_customers c CROSS JOIN ns_param p WHERE c.acquired_at IS NOT NULL
), sliced AS (
    SELECT cust.*, s.segment AS slice FROM cust
    CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || cust.segment WHERE cust.segment IS NOT NULL) s(segment)
)
SELECT 'historical_clv', cohort, 'cohort', slice, (cohort + interval '1 month')::date,
       avg(value) FILTER (WHERE complete), coalesce(sum(value) FILTER (WHERE complete), 0),
       count(*) FILTER (WHERE complete), count(*) FILTER (WHERE complete),
       jsonb_build_object('median', percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE complete),
                          'window_months', 12, 'margin', (SELECT margin FROM ns_param),
                          'incomplete', count(*) FILTER (WHERE NOT complete),
                          'mean_to_date_all', avg(value), 'cohort_customers', count(*))
FROM sliced GROUP BY cohort, slice;
