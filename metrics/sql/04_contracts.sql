-- Contractual metrics (metrics.md §3.1, §3.4, §5): ndr, grr, logo_retention,
-- ttl_days, ttv_days.
--
-- MRR of month M for customer i, m_i(M) = Σ MRR of the rows in force at
-- the end of M: start_at < end(M) ≤ end_at (end_at NULL = open), each row
-- at the MRR it had then (ns_contract_mrr pieces). Month-end snapshots
-- chain (the start of P is the end of P−1), so a row starting in
-- [start(P), end(P)) is a movement of P and a row whose end_at falls in
-- [start(P), end(P)) ends in P: churn is recognised at the end of the
-- service period. Only complete months (end ≤ cutoff) have snapshots.
--
-- Constant FX (metrics.md §0): two months are compared at one rate. With
-- retention_fx = base_period (default) both are converted at the base
-- month's rate — the latest daily rate (ops.fx_rates) on or before the
-- base month's last day — so FX moves never show as expansion or
-- contraction; a currency without a daily rate by then, and every
-- currency with retention_fx = contract, uses each contract row's own
-- rate (fixed when the row was priced).

-- Per customer, month and currency: MRR in the source currency (NULL when
-- a row's is unknown) and at the rows' own rates.
CREATE TEMP TABLE ns_mrr_cur ON COMMIT DROP AS
SELECT c.period_start AS month, k.customer_id, k.currency,
       CASE WHEN bool_and(k.mrr_src IS NOT NULL) THEN sum(k.mrr_src) END AS mrr_src, sum(k.cmrr) AS cmrr
FROM ns_cal c
CROSS JOIN ns_param p
JOIN ns_contract_mrr k ON k.started AND k.start_at < (c.period_end::timestamp AT TIME ZONE p.tz)
                    AND (k.end_at IS NULL OR k.end_at >= (c.period_end::timestamp AT TIME ZONE p.tz))
WHERE c.grain = 'month' AND c.period_end <= p.as_of + 1
GROUP BY 1, 2, 3;

-- Customers with MRR > 0 at the end of each complete month (at own rates:
-- positivity does not depend on the rate).
CREATE TEMP TABLE ns_mrr ON COMMIT DROP AS
SELECT month, customer_id, sum(cmrr) AS mrr FROM ns_mrr_cur
GROUP BY 1, 2
HAVING sum(cmrr) > 0;
CREATE INDEX ON ns_mrr (customer_id, month);
ANALYZE ns_mrr;
DELETE FROM ns_mrr_cur m WHERE NOT EXISTS (SELECT 1 FROM ns_mrr x WHERE x.month = m.month AND x.customer_id = m.customer_id);

-- Base-month rates per currency (empty with retention_fx = contract).
CREATE TEMP TABLE ns_fx_base ON COMMIT DROP AS
SELECT c.period_start AS month, cur.currency, r.rate, r.day
FROM ns_cal c
CROSS JOIN ns_param p
CROSS JOIN (SELECT DISTINCT currency FROM ns_mrr_cur WHERE currency IS NOT NULL) cur
CROSS JOIN LATERAL (SELECT f.rate, f.day FROM ops.fx_rates f
                    WHERE f.currency = cur.currency AND f.day <= c.period_end - 1
                    ORDER BY f.day DESC LIMIT 1) r
WHERE c.grain = 'month' AND c.period_end <= p.as_of + 1 AND p.retention_fx = 'base_period';

-- m_i(M) at the rate of base month B, for the pairs the conventions
-- compare: (M, B = M) and (M, B = M − 1) for movements, (M, B = M − 12)
-- for year over year.
CREATE TEMP TABLE ns_mrr_at ON COMMIT DROP AS
SELECT m.month, b.base, m.customer_id, sum(coalesce(m.mrr_src * fb.rate, m.cmrr)) AS mrr
FROM ns_mrr_cur m
CROSS JOIN LATERAL (VALUES (m.month), ((m.month - interval '1 month')::date), ((m.month - interval '12 months')::date)) b(base)
LEFT JOIN ns_fx_base fb ON fb.currency = m.currency AND fb.month = b.base
GROUP BY 1, 2, 3;
CREATE INDEX ON ns_mrr_at (customer_id, month, base);
ANALYZE ns_mrr_at;

-- The complete months after the first month with MRR.
CREATE TEMP TABLE ns_mov_months ON COMMIT DROP AS
SELECT c.period_start AS month FROM ns_cal c CROSS JOIN ns_param p
WHERE c.grain = 'month' AND c.period_end <= p.as_of + 1
  AND c.period_start > (SELECT min(month) FROM ns_mrr);

-- Movements of each complete month P between m(P−1) and m(P).
CREATE TEMP TABLE ns_movements ON COMMIT DROP AS
WITH pairs AS (
    -- start = m(P−1) and end = m(P), both at the rate of base month P−1
    SELECT x.month, x.customer_id, sum(x.s) AS s, sum(x.e) AS e
    FROM (SELECT (month + interval '1 month')::date AS month, customer_id, mrr AS s, 0 AS e FROM ns_mrr_at WHERE base = month
          UNION ALL
          SELECT month, customer_id, 0, mrr FROM ns_mrr_at WHERE base = (month - interval '1 month')::date) x
    JOIN ns_mov_months mm ON mm.month = x.month
    GROUP BY 1, 2
)
SELECT pr.month, pr.customer_id, cu.segment, pr.s, pr.e,
       CASE WHEN pr.s > 0 AND pr.e = 0 THEN pr.s ELSE 0 END AS churn,
       CASE WHEN pr.s > 0 AND pr.e > 0 AND pr.e < pr.s THEN pr.s - pr.e ELSE 0 END AS contraction,
       CASE WHEN pr.s > 0 AND pr.e > pr.s THEN pr.e - pr.s ELSE 0 END AS expansion,
       CASE WHEN pr.s = 0 AND pr.e > 0 AND EXISTS (
                SELECT 1 FROM ns_mrr h WHERE h.customer_id = pr.customer_id AND h.month < pr.month)
            THEN pr.e ELSE 0 END AS reactivation,
       CASE WHEN pr.s = 0 AND pr.e > 0 AND NOT EXISTS (
                SELECT 1 FROM ns_mrr h WHERE h.customer_id = pr.customer_id AND h.month < pr.month)
            THEN pr.e ELSE 0 END AS new_business
FROM pairs pr LEFT JOIN ns_customers cu ON cu.customer_id = pr.customer_id;

-- NDR / GRR, movement convention (ChartMogul): new business never counts.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH agg AS (
    SELECT mm.month, coalesce(sum(v.s), 0) AS start_mrr, coalesce(sum(v.churn), 0) AS churn,
           coalesce(sum(v.contraction), 0) AS contraction, coalesce(sum(v.expansion), 0) AS expansion,
           coalesce(sum(v.reactivation), 0) AS reactivation, coalesce(sum(v.new_business), 0) AS new_business,
           count(*) FILTER (WHERE v.s > 0) AS start_customers
    FROM ns_mov_months mm LEFT JOIN ns_movements v ON v.month = mm.month
    GROUP BY mm.month
)
SELECT m.metric_id, month, 'month', 'convention:movement',
       100.0 * m.num / nullif(start_mrr, 0), m.num, start_mrr, start_customers,
       jsonb_build_object('convention', 'movement (ChartMogul): 1 - (churn + contraction - expansion - reactivation) / MRR_start for NDR, 1 - (churn + contraction) / MRR_start for GRR; month-end snapshots; new business excluded',
                          'fx', (SELECT CASE WHEN retention_fx = 'base_period' THEN 'constant FX: both months at the daily rate of the base month P-1 (each contract row''s own rate where no daily rate exists)' ELSE 'constant FX: each contract row at its own rate' END FROM ns_param),
                          'start_mrr', start_mrr, 'churn', churn, 'contraction', contraction,
                          'expansion', expansion, 'reactivation', reactivation, 'new_business_excluded', new_business)
FROM agg CROSS JOIN LATERAL (VALUES
    ('ndr', start_mrr - churn - contraction + expansion + reactivation),
    ('grr', start_mrr - churn - contraction)) m(metric_id, num);

-- Logo retention, monthly (ChartMogul): customers at the start of P =
-- m(P−1) > 0; churned = those with m(P) = 0 (all rows ended). Customers who
-- joined and churned inside P are never at the start, so they are excluded.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH sliced AS (
    SELECT v.*, s.segment AS slice FROM ns_movements v
    CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || v.segment WHERE v.segment IS NOT NULL) s(segment)
    WHERE v.s > 0
), joined_churned AS (
    -- customers whose rows all started and ended inside P (for details only)
    SELECT mm.month, count(DISTINCT k.customer_id) AS n
    FROM ns_mov_months mm CROSS JOIN ns_param p
    JOIN ns_contracts k ON k.started
         AND k.start_at >= (mm.month::timestamp AT TIME ZONE p.tz)
         AND k.end_at < ((mm.month + interval '1 month')::timestamp AT TIME ZONE p.tz)
    WHERE NOT EXISTS (SELECT 1 FROM ns_mrr h WHERE h.customer_id = k.customer_id AND h.month IN (mm.month, (mm.month - interval '1 month')::date))
    GROUP BY mm.month
), agg AS (
    SELECT mm.month, coalesce(s.slice, 'all') AS slice, count(s.customer_id) AS start_customers,
           count(s.customer_id) FILTER (WHERE s.e = 0) AS churned
    FROM ns_mov_months mm LEFT JOIN sliced s ON s.month = mm.month
    GROUP BY 1, 2
)
SELECT 'logo_retention', a.month, 'month', a.slice,
       100.0 * (a.start_customers - a.churned) / nullif(a.start_customers, 0),
       a.start_customers - a.churned, a.start_customers, a.start_customers,
       jsonb_build_object('churned', a.churned, 'start_customers', a.start_customers, 'rule', 'end_of_service',
                          'churn_pct', 100.0 * a.churned / nullif(a.start_customers, 0),
                          'joined_and_churned_excluded', coalesce(j.n, 0))
FROM agg a LEFT JOIN joined_churned j ON j.month = a.month;

-- Point-in-time year-over-year (SaaS Capital): base month B = period_start,
-- cohort = customers with m(B) > 0, compared with m(B+12). Logo retention
-- YoY = share of the cohort with m(B+12) > 0.
INSERT INTO ns_values (metric_id, period_start, grain, segment, period_end, value, numerator, denominator, n, details)
WITH agg AS (
    -- m(B) and m(B+12), both at the rate of base month B
    SELECT b.month, count(*) AS customers, sum(b.mrr) AS base,
           coalesce(sum(l.mrr), 0) AS later, sum(least(coalesce(l.mrr, 0), b.mrr)) AS capped,
           count(l.customer_id) AS retained
    FROM ns_mrr_at b
    LEFT JOIN ns_mrr_at l ON l.customer_id = b.customer_id AND l.month = (b.month + interval '12 months')::date
                         AND l.base = b.month
    WHERE EXISTS (SELECT 1 FROM ns_cal c CROSS JOIN ns_param p WHERE c.grain = 'month'
                  AND c.period_start = (b.month + interval '12 months')::date AND c.period_end <= p.as_of + 1)
      AND b.base = b.month
    GROUP BY b.month
)
SELECT m.metric_id, month, 'month', 'convention:yoy', (month + interval '13 months')::date,
       100.0 * m.num / nullif(m.den, 0), m.num, m.den, customers,
       jsonb_build_object('convention', 'point-in-time year-over-year (SaaS Capital): cohort = customers with MRR > 0 at base month B; NDR = Σ MRR(B+12) / Σ MRR(B); GRR = Σ min(MRR(B+12), MRR(B)) / Σ MRR(B); month-end MRR; customers not in the cohort excluded',
                          'fx', (SELECT CASE WHEN retention_fx = 'base_period' THEN 'constant FX: both months at the daily rate of the base month B (each contract row''s own rate where no daily rate exists)' ELSE 'constant FX: each contract row at its own rate' END FROM ns_param),
                          'base_month', month, 'comparison_month', (month + interval '12 months')::date,
                          'base_mrr', base, 'comparison_mrr', later, 'capped_mrr', capped,
                          'customers', customers, 'retained_customers', retained)
FROM agg CROSS JOIN LATERAL (VALUES ('ndr', later, base), ('grr', capped, base),
                                    ('logo_retention', retained::numeric, customers::numeric)) m(metric_id, num, den);

-- TTL and TTV per signing cohort month, per contract row with a signed_at:
-- calendar days in the reporting zone. Not reached by cutoff = right-censored,
-- counted in details, never dropped silently nor imputed. Negative values
-- (go-live or adoption before signature) are flagged and excluded. Beside
-- the median over reached contracts, details.km_median is the Kaplan–Meier
-- median, which uses the censored contracts (censored at as_of − signing
-- day): the smallest t with S(t) ≤ 0.5, S(t) = Π_{t_i ≤ t} (1 − d_i / n_i),
-- n_i = contracts still at risk at t_i (censored at t_i count as at risk);
-- NULL while fewer than half have got there (the median is not yet
-- estimable). TTV contracts that reached the threshold without an
-- adoption date are left out of the estimate and counted.
INSERT INTO ns_values (metric_id, period_start, grain, segment, period_end, value, numerator, denominator, n, details)
WITH k AS (
    SELECT c.customer_id, cu.segment,
           date_trunc('month', c.signed_at AT TIME ZONE p.tz)::date AS cohort,
           (c.go_live_at AT TIME ZONE p.tz)::date - (c.signed_at AT TIME ZONE p.tz)::date AS ttl,
           (c.adopted_at AT TIME ZONE p.tz)::date - (c.signed_at AT TIME ZONE p.tz)::date AS ttv,
           p.as_of - (c.signed_at AT TIME ZONE p.tz)::date AS censor_days,
           c.adopted_at IS NULL AND c.adoption_ratio >= p.ttv_threshold AS reached_undated
    FROM ns_contracts c CROSS JOIN ns_param p LEFT JOIN ns_customers cu ON cu.customer_id = c.customer_id
    WHERE c.signed_at IS NOT NULL
), x AS (
    SELECT m.metric_id, k.cohort, s.segment, m.days, k.censor_days,
           k.reached_undated AND m.metric_id = 'ttv_days' AS reached_undated
    FROM k
    CROSS JOIN LATERAL (VALUES ('ttl_days', k.ttl), ('ttv_days', k.ttv)) m(metric_id, days)
    CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || k.segment WHERE k.segment IS NOT NULL) s(segment)
), km_t AS (
    SELECT metric_id, cohort, segment, coalesce(days, censor_days) AS t,
           count(*) FILTER (WHERE days IS NOT NULL) AS d, count(*) AS c
    FROM x
    WHERE (days >= 0 OR days IS NULL) AND NOT (days IS NULL AND reached_undated)
    GROUP BY 1, 2, 3, 4
), km_r AS (
    SELECT *, sum(c) OVER (PARTITION BY metric_id, cohort, segment ORDER BY t DESC) AS at_risk
    FROM km_t
), km_s AS (
    SELECT metric_id, cohort, segment, t, d,
           count(*) FILTER (WHERE d = at_risk) OVER w AS zero_factors,
           sum(CASE WHEN d < at_risk THEN ln(1 - d::float8 / at_risk) ELSE 0 END) OVER w AS log_s
    FROM km_r
    WINDOW w AS (PARTITION BY metric_id, cohort, segment ORDER BY t)
), km AS (
    SELECT metric_id, cohort, segment, min(t) AS km_median
    FROM km_s
    WHERE d > 0 AND (zero_factors > 0 OR exp(log_s) <= 0.5 + 1e-12)
    GROUP BY 1, 2, 3
), agg AS (
    SELECT metric_id, cohort, segment,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE days >= 0) AS median,
           percentile_cont(0.85) WITHIN GROUP (ORDER BY days) FILTER (WHERE days >= 0) AS p85,
           sum(days) FILTER (WHERE days >= 0) AS total,
           count(*) FILTER (WHERE days >= 0) AS reached,
           count(*) FILTER (WHERE days IS NULL) AS not_yet,
           count(*) FILTER (WHERE days < 0) AS negative,
           count(*) AS contracts,
           count(*) FILTER (WHERE reached_undated AND days IS NULL) AS undated
    FROM x GROUP BY 1, 2, 3
)
SELECT a.metric_id, a.cohort, 'cohort', a.segment, (a.cohort + interval '1 month')::date,
       a.median, a.total, a.reached, a.reached,
       jsonb_build_object('median', a.median,
                          'p85', a.p85,
                          'reached', a.reached,
                          'not_yet_reached', a.not_yet,
                          'negative_excluded', a.negative,
                          'contracts', a.contracts,
                          'km_median', km.km_median,
                          'censoring', 'right-censored at as_of: not-yet-reached contracts are counted, not imputed; the median is over reached contracts; km_median is the Kaplan-Meier median using the censored contracts (null until half have got there)',
                          'threshold', CASE WHEN a.metric_id = 'ttv_days' THEN (SELECT ttv_threshold FROM ns_param) END,
                          'reached_undated', CASE WHEN a.metric_id = 'ttv_days' THEN a.undated END)
FROM agg a LEFT JOIN km USING (metric_id, cohort, segment);
