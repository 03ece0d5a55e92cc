-- +goose Up
-- Executive report views: one view per question the executive report
-- answers, built directly on metrics.* (values written by every metric
-- refresh), core.customers and ops.* (sync health). Views run with the
-- rights of their owner, so the read-only role northstar_reader (created
-- below) reads them without any access to the raw, core, ops or metrics
-- tables.
--
-- BI access: northstar_reader is a NOLOGIN group role. Give a BI tool its
-- own login in that group, e.g.
--   CREATE ROLE bi LOGIN PASSWORD 'change-me' IN ROLE northstar_reader;
-- (roles are cluster-wide; the grants below are per database).

-- NPS / CSAT / CES --------------------------------------------------------
CREATE VIEW report.survey_trend AS
SELECT v.grain,
       v.period_start,
       max(v.period_end) AS period_end,
       v.segment,
       max(v.value) FILTER (WHERE v.metric_id = 'nps')          AS nps,
       max(v.n)     FILTER (WHERE v.metric_id = 'nps')          AS nps_responses,
       max(v.value) FILTER (WHERE v.metric_id = 'csat')         AS csat_pct,
       max(v.n)     FILTER (WHERE v.metric_id = 'csat')         AS csat_responses,
       max(v.value) FILTER (WHERE v.metric_id = 'csat_mean')    AS csat_mean,
       max(v.value) FILTER (WHERE v.metric_id = 'ces')          AS ces,
       max(v.value) FILTER (WHERE v.metric_id = 'ces_easy_pct') AS ces_easy_pct,
       max(v.n)     FILTER (WHERE v.metric_id = 'ces')          AS ces_responses,
       max(v.as_of) AS as_of
FROM metrics."values" v
WHERE v.metric_id IN ('nps', 'csat', 'csat_mean', 'ces', 'ces_easy_pct')
  AND v.grain IN ('month', 'quarter', 'year')
GROUP BY v.grain, v.period_start, v.segment;

COMMENT ON VIEW report.survey_trend IS 'How do customers rate us over time? NPS, CSAT (top-2-box and mean) and CES 2.0 per period (month, quarter, year) and slice (all, segment:<x>, touchpoint:<x>, source:<x>), one row per period and slice, from metrics.values. NULL = no responses (never 0).';
COMMENT ON COLUMN report.survey_trend.grain IS 'month, quarter or year.';
COMMENT ON COLUMN report.survey_trend.period_start IS 'First day of the period (reporting time zone).';
COMMENT ON COLUMN report.survey_trend.period_end IS 'First day after the period.';
COMMENT ON COLUMN report.survey_trend.segment IS 'Slice: all, segment:<customer segment>, touchpoint:<touchpoint>, source:<connector>.';
COMMENT ON COLUMN report.survey_trend.nps IS 'Net Promoter Score, -100..100: 100 x (promoters 9-10 - detractors 0-6) / responses.';
COMMENT ON COLUMN report.survey_trend.nps_responses IS 'NPS responses behind the score.';
COMMENT ON COLUMN report.survey_trend.csat_pct IS 'CSAT top-2-box percent (score 4-5 on 1-5).';
COMMENT ON COLUMN report.survey_trend.csat_responses IS 'CSAT responses behind the percentage.';
COMMENT ON COLUMN report.survey_trend.csat_mean IS 'Mean CSAT score.';
COMMENT ON COLUMN report.survey_trend.ces IS 'Customer Effort Score 2.0: mean agreement on 1-7, higher is better.';
COMMENT ON COLUMN report.survey_trend.ces_easy_pct IS 'Percent of CES responses 5-7 (easy).';
COMMENT ON COLUMN report.survey_trend.ces_responses IS 'CES responses behind the score.';
COMMENT ON COLUMN report.survey_trend.as_of IS 'As-of date of the metric refresh.';

-- Retention and churn -----------------------------------------------------
CREATE VIEW report.retention_churn AS
SELECT v.grain,
       v.period_start,
       max(v.period_end) AS period_end,
       v.segment,
       max(v.value)       FILTER (WHERE v.metric_id = 'active_customers')     AS active_customers,
       max(v.value)       FILTER (WHERE v.metric_id = 'customer_retention')   AS customer_retention_pct,
       max(v.value)       FILTER (WHERE v.metric_id = 'customer_churn')       AS customer_churn_pct,
       max(v.numerator)   FILTER (WHERE v.metric_id = 'customer_retention')   AS retained_customers,
       max(v.denominator) FILTER (WHERE v.metric_id = 'customer_retention')   AS active_previous_period,
       max(v.value)       FILTER (WHERE v.metric_id = 'repeat_purchase_rate') AS repeat_purchase_rate_pct,
       max(v.value)       FILTER (WHERE v.metric_id = 'logo_retention')       AS logo_retention_pct,
       max(v.as_of) AS as_of
FROM metrics."values" v
WHERE v.metric_id IN ('active_customers', 'customer_retention', 'customer_churn',
                      'repeat_purchase_rate', 'logo_retention')
  AND v.grain IN ('month', 'quarter', 'year')
GROUP BY v.grain, v.period_start, v.segment;

COMMENT ON VIEW report.retention_churn IS 'Are we keeping our customers? Per period and slice: active customers, period-over-period retention and churn of ordering customers (non-contractual: active = at least one order), repeat-purchase rate and contractual logo retention (ChartMogul; segment convention:yoy holds the year-over-year variant).';
COMMENT ON COLUMN report.retention_churn.grain IS 'month, quarter or year.';
COMMENT ON COLUMN report.retention_churn.period_start IS 'First day of the period.';
COMMENT ON COLUMN report.retention_churn.period_end IS 'First day after the period.';
COMMENT ON COLUMN report.retention_churn.segment IS 'Slice: all, segment:<customer segment>, convention:yoy (logo retention only).';
COMMENT ON COLUMN report.retention_churn.active_customers IS 'Customers with at least one non-canceled order in the period.';
COMMENT ON COLUMN report.retention_churn.customer_retention_pct IS 'Percent of the previous period''s active customers active again in this period.';
COMMENT ON COLUMN report.retention_churn.customer_churn_pct IS '100 - customer_retention_pct.';
COMMENT ON COLUMN report.retention_churn.retained_customers IS 'Numerator of retention: active in both periods.';
COMMENT ON COLUMN report.retention_churn.active_previous_period IS 'Denominator of retention: active in the previous period.';
COMMENT ON COLUMN report.retention_churn.repeat_purchase_rate_pct IS 'Percent of ordering customers with two or more purchase occasions (customer-days) in the period.';
COMMENT ON COLUMN report.retention_churn.logo_retention_pct IS 'Contractual logo retention: 100 x (1 - churned / customers at start), churn when all contracts ended.';
COMMENT ON COLUMN report.retention_churn.as_of IS 'As-of date of the metric refresh.';

-- Cohort retention matrix ---------------------------------------------------
CREATE VIEW report.cohort_retention AS
SELECT v.period_start AS cohort_month,
       substr(v.segment, 5)::int AS age_months,
       v.value AS retention_pct,
       v.numerator AS active_customers,
       v.denominator AS cohort_customers,
       (v.details ->> 'revenue_retention_pct')::numeric AS revenue_retention_pct,
       v.as_of
FROM metrics."values" v
WHERE v.metric_id = 'cohort_retention' AND v.grain = 'cohort' AND v.segment ~ '^age:[0-9]+$';

COMMENT ON VIEW report.cohort_retention IS 'Do newer customers stay as long as older ones? The logo retention matrix: one row per (acquisition cohort month, age in months) cell, value = percent of the cohort active (ordering) in month cohort + age. Cells that are not yet observable are absent (not 0).';
COMMENT ON COLUMN report.cohort_retention.cohort_month IS 'Acquisition cohort: month of the first non-canceled order.';
COMMENT ON COLUMN report.cohort_retention.age_months IS 'Months since the cohort month (0 = acquisition month, always 100 %).';
COMMENT ON COLUMN report.cohort_retention.retention_pct IS 'Percent of cohort customers active in month cohort_month + age_months.';
COMMENT ON COLUMN report.cohort_retention.active_customers IS 'Cohort customers active in that month (numerator).';
COMMENT ON COLUMN report.cohort_retention.cohort_customers IS 'Customers in the cohort (denominator).';
COMMENT ON COLUMN report.cohort_retention.revenue_retention_pct IS 'Revenue of the cohort in that month as percent of its acquisition-month revenue (can exceed 100).';
COMMENT ON COLUMN report.cohort_retention.as_of IS 'As-of date of the metric refresh.';

-- NDR / GRR -----------------------------------------------------------------
CREATE VIEW report.ndr_grr_trend AS
SELECT v.period_start,
       max(v.period_end) AS period_end,
       substr(v.segment, 12) AS convention,
       CASE v.segment
           WHEN 'convention:yoy' THEN 'point-in-time year-over-year (SaaS Capital): base month B vs B+12'
           ELSE 'movement-based, one month (ChartMogul): 1 - (churn + contraction - expansion - reactivation) / MRR at start'
       END AS convention_label,
       max(v.value)       FILTER (WHERE v.metric_id = 'ndr') AS ndr_pct,
       max(v.value)       FILTER (WHERE v.metric_id = 'grr') AS grr_pct,
       max(v.denominator) FILTER (WHERE v.metric_id = 'ndr') AS starting_mrr,
       max(v.numerator)   FILTER (WHERE v.metric_id = 'ndr') AS ndr_numerator,
       max(v.numerator)   FILTER (WHERE v.metric_id = 'grr') AS grr_numerator,
       max(v.as_of) AS as_of
FROM metrics."values" v
WHERE v.metric_id IN ('ndr', 'grr') AND v.grain = 'month'
  AND v.segment IN ('convention:yoy', 'convention:movement')
GROUP BY v.period_start, v.segment;

COMMENT ON VIEW report.ndr_grr_trend IS 'Does our existing revenue grow or shrink? Net dollar retention and gross revenue retention of contracted MRR (constant FX) in both conventions, labelled: yoy = point-in-time year over year (SaaS Capital; period_start is the base month B), movement = one month of MRR movements (ChartMogul). Never compare the two conventions with each other.';
COMMENT ON COLUMN report.ndr_grr_trend.period_start IS 'yoy: base month B; movement: the month.';
COMMENT ON COLUMN report.ndr_grr_trend.period_end IS 'yoy: end of B+12; movement: first day after the month.';
COMMENT ON COLUMN report.ndr_grr_trend.convention IS 'yoy or movement.';
COMMENT ON COLUMN report.ndr_grr_trend.convention_label IS 'Plain-language definition of the convention, to print next to the number.';
COMMENT ON COLUMN report.ndr_grr_trend.ndr_pct IS 'Net dollar retention in percent (can exceed 100: includes expansion).';
COMMENT ON COLUMN report.ndr_grr_trend.grr_pct IS 'Gross revenue retention in percent (at most 100: expansion excluded).';
COMMENT ON COLUMN report.ndr_grr_trend.starting_mrr IS 'MRR of the base cohort (denominator of both ratios), reporting currency.';
COMMENT ON COLUMN report.ndr_grr_trend.ndr_numerator IS 'Numerator of NDR.';
COMMENT ON COLUMN report.ndr_grr_trend.grr_numerator IS 'Numerator of GRR.';
COMMENT ON COLUMN report.ndr_grr_trend.as_of IS 'As-of date of the metric refresh.';

-- Customer capital ------------------------------------------------------------
CREATE VIEW report.customer_capital AS
SELECT v.grain,
       v.period_start,
       max(v.period_end) AS period_end,
       v.segment,
       max(v.value) FILTER (WHERE v.metric_id = 'retention_value') AS retention_value,
       max(v.value) FILTER (WHERE v.metric_id = 'ramp_up_value')   AS ramp_up_value,
       max(v.value) FILTER (WHERE v.metric_id = 'referral_value')  AS referral_value,
       max(v.value) FILTER (WHERE v.metric_id = 'other_new_value') AS other_new_value,
       sum(v.value) AS total_revenue,
       max(v.as_of) AS as_of
FROM metrics."values" v
WHERE v.metric_id IN ('retention_value', 'ramp_up_value', 'referral_value', 'other_new_value')
  AND v.grain IN ('month', 'quarter', 'year')
GROUP BY v.grain, v.period_start, v.segment;

COMMENT ON VIEW report.customer_capital IS 'Where does revenue come from? Period revenue split into four disjoint components that add up to the total: retention (existing customers, known categories), ramp-up (existing customers, new categories), referral (new referred customers) and other new customers; reporting currency.';
COMMENT ON COLUMN report.customer_capital.grain IS 'month, quarter or year.';
COMMENT ON COLUMN report.customer_capital.period_start IS 'First day of the period.';
COMMENT ON COLUMN report.customer_capital.period_end IS 'First day after the period.';
COMMENT ON COLUMN report.customer_capital.segment IS 'Slice: all or segment:<customer segment>.';
COMMENT ON COLUMN report.customer_capital.retention_value IS 'Revenue from customers acquired before the period on categories they had bought before.';
COMMENT ON COLUMN report.customer_capital.ramp_up_value IS 'Revenue from customers acquired before the period on categories new to them.';
COMMENT ON COLUMN report.customer_capital.referral_value IS 'Revenue from customers acquired in the period who were referred.';
COMMENT ON COLUMN report.customer_capital.other_new_value IS 'Revenue from customers acquired in the period, not referred.';
COMMENT ON COLUMN report.customer_capital.total_revenue IS 'Sum of the four components (NULL only when all are missing).';
COMMENT ON COLUMN report.customer_capital.as_of IS 'As-of date of the metric refresh.';

-- CLV distribution --------------------------------------------------------------
CREATE VIEW report.clv_distribution AS
WITH latest AS (
    SELECT max(as_of) AS as_of FROM metrics.customer_scores
), ladder AS (
    -- 1-2-5 bucket edges from 0.01 to 5e12 in the reporting currency
    SELECT edge, lead(edge) OVER (ORDER BY edge) AS edge_to
    FROM (SELECT trim_scale(m * power(10::numeric, k)) AS edge
          FROM generate_series(-2, 12) k CROSS JOIN (VALUES (1), (2), (5)) mm(m)) x
), b AS (
    SELECT c.as_of, c.predicted_clv, c.p_alive, l.edge, l.edge_to,
           CASE WHEN c.predicted_clv IS NULL THEN -2 WHEN l.edge IS NULL THEN -1 ELSE 0 END AS bucket_kind
    FROM metrics.customer_scores c
    JOIN latest ON latest.as_of = c.as_of
    LEFT JOIN ladder l ON c.predicted_clv >= l.edge AND c.predicted_clv < l.edge_to
)
SELECT max(as_of) AS as_of,
       bucket_kind,
       edge AS bucket_from,
       edge_to AS bucket_to,
       CASE bucket_kind WHEN -2 THEN 'not scored' WHEN -1 THEN 'under 0.01'
            ELSE edge::text || ' to < ' || edge_to::text END AS bucket_label,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS customers_pct,
       sum(predicted_clv) AS predicted_clv_total,
       avg(p_alive) AS mean_p_alive
FROM b
GROUP BY bucket_kind, edge, edge_to;

COMMENT ON VIEW report.clv_distribution IS 'How is predicted customer value spread? Customers at the latest model as-of date (metrics.customer_scores) bucketed by predicted CLV on a 1-2-5 ladder ([1,2), [2,5), [5,10), [10,20) ... in the reporting currency), plus a bucket for values under 0.01 (including 0 and negative) and one for customers without a score. Order by bucket_kind, bucket_from.';
COMMENT ON COLUMN report.clv_distribution.as_of IS 'Calibration end of the CLV models.';
COMMENT ON COLUMN report.clv_distribution.bucket_kind IS '-2 not scored, -1 under 0.01 (zero or negative included), 0 a value bucket.';
COMMENT ON COLUMN report.clv_distribution.bucket_from IS 'Lower bound of the bucket (inclusive); NULL for the special buckets.';
COMMENT ON COLUMN report.clv_distribution.bucket_to IS 'Upper bound of the bucket (exclusive).';
COMMENT ON COLUMN report.clv_distribution.bucket_label IS 'Readable bucket, e.g. "100 to < 200".';
COMMENT ON COLUMN report.clv_distribution.customers IS 'Customers in the bucket.';
COMMENT ON COLUMN report.clv_distribution.customers_pct IS 'Share of all scored and unscored customers, percent.';
COMMENT ON COLUMN report.clv_distribution.predicted_clv_total IS 'Sum of predicted CLV in the bucket.';
COMMENT ON COLUMN report.clv_distribution.mean_p_alive IS 'Mean P(alive) of the bucket''s customers.';

-- Valuable customers at risk ------------------------------------------------------
CREATE VIEW report.valuable_customers_at_risk AS
WITH latest AS (
    SELECT max(as_of) AS as_of FROM metrics.customer_scores
)
SELECT row_number() OVER (ORDER BY s.predicted_clv DESC, s.customer_id) AS value_rank,
       s.customer_id,
       c.name,
       c.segment,
       c.country,
       c.acquisition_channel,
       s.predicted_clv,
       s.historical_clv,
       s.p_alive,
       s.frequency,
       s.t - s.recency AS time_since_last_purchase,
       s.expected_purchases,
       s.as_of
FROM metrics.customer_scores s
JOIN latest l ON l.as_of = s.as_of
LEFT JOIN core.customers c ON c.customer_id = s.customer_id
WHERE s.p_alive < 0.5 AND s.predicted_clv IS NOT NULL;

COMMENT ON VIEW report.valuable_customers_at_risk IS 'Which valuable customers are we about to lose? Customers whose BG/NBD probability of still being active is below 0.5, ranked by predicted CLV (highest first) at the latest model as-of date. Take the top N with WHERE value_rank <= N.';
COMMENT ON COLUMN report.valuable_customers_at_risk.value_rank IS '1 = highest predicted CLV among the at-risk customers.';
COMMENT ON COLUMN report.valuable_customers_at_risk.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.valuable_customers_at_risk.name IS 'Customer name (core.customers).';
COMMENT ON COLUMN report.valuable_customers_at_risk.segment IS 'Customer segment.';
COMMENT ON COLUMN report.valuable_customers_at_risk.country IS 'Customer country.';
COMMENT ON COLUMN report.valuable_customers_at_risk.acquisition_channel IS 'Acquisition channel.';
COMMENT ON COLUMN report.valuable_customers_at_risk.predicted_clv IS 'Discounted predicted CLV over the model horizon, reporting currency.';
COMMENT ON COLUMN report.valuable_customers_at_risk.historical_clv IS 'Margin x revenue to date.';
COMMENT ON COLUMN report.valuable_customers_at_risk.p_alive IS 'P(alive) from BG/NBD; 1 - p_alive is the churn risk.';
COMMENT ON COLUMN report.valuable_customers_at_risk.frequency IS 'Repeat purchase occasions.';
COMMENT ON COLUMN report.valuable_customers_at_risk.time_since_last_purchase IS 'T - t_x: time since the last purchase, in the model time unit (weeks by default).';
COMMENT ON COLUMN report.valuable_customers_at_risk.expected_purchases IS 'Expected purchase occasions over the horizon.';
COMMENT ON COLUMN report.valuable_customers_at_risk.as_of IS 'Calibration end of the models.';

-- Value stream ------------------------------------------------------------------------
CREATE VIEW report.value_stream AS
WITH dist AS (
    SELECT grain, period_start, jsonb_object_agg(substr(segment, 6), value ORDER BY segment) AS distribution
    FROM metrics."values"
    WHERE metric_id = 'flow_distribution' AND segment LIKE 'type:%'
    GROUP BY grain, period_start
)
SELECT v.grain,
       v.period_start,
       max(v.period_end) AS period_end,
       v.segment,
       max(v.value) FILTER (WHERE v.metric_id = 'flow_velocity') AS flow_velocity,
       max(v.value) FILTER (WHERE v.metric_id = 'flow_time_days') AS flow_time_median_days,
       max((v.details ->> 'p85')::numeric)  FILTER (WHERE v.metric_id = 'flow_time_days') AS flow_time_p85_days,
       max((v.details ->> 'mean')::numeric) FILTER (WHERE v.metric_id = 'flow_time_days') AS flow_time_mean_days,
       max(v.value) FILTER (WHERE v.metric_id = 'flow_load') AS flow_load,
       max(v.value) FILTER (WHERE v.metric_id = 'flow_efficiency') AS flow_efficiency_pct,
       max(v.value) FILTER (WHERE v.metric_id = 'case_resolution_days') AS case_resolution_median_days,
       max(d.distribution::text)::jsonb AS distribution_pct,
       max(v.as_of) AS as_of
FROM metrics."values" v
LEFT JOIN dist d ON d.grain = v.grain AND d.period_start = v.period_start AND v.segment = 'all'
WHERE v.metric_id IN ('flow_velocity', 'flow_time_days', 'flow_load', 'flow_efficiency', 'case_resolution_days')
  AND v.grain IN ('month', 'quarter', 'year')
GROUP BY v.grain, v.period_start, v.segment;

COMMENT ON VIEW report.value_stream IS 'How fast does an order turn into cash? Flow metrics of the order-to-cash value stream per period (Flow Framework): orders completed (paid), median/p85/mean order-to-payment time, mean work in progress, pooled flow efficiency (fulfilment time / flow time), the mix of completed order types, and support case resolution time.';
COMMENT ON COLUMN report.value_stream.grain IS 'month, quarter or year.';
COMMENT ON COLUMN report.value_stream.period_start IS 'First day of the period.';
COMMENT ON COLUMN report.value_stream.period_end IS 'First day after the period.';
COMMENT ON COLUMN report.value_stream.segment IS 'Slice: all or segment:<customer segment> (flow_load and distribution only for all).';
COMMENT ON COLUMN report.value_stream.flow_velocity IS 'Orders paid (done) in the period.';
COMMENT ON COLUMN report.value_stream.flow_time_median_days IS 'Median days from ordered to paid over orders paid in the period.';
COMMENT ON COLUMN report.value_stream.flow_time_p85_days IS '85th percentile of the flow time, days.';
COMMENT ON COLUMN report.value_stream.flow_time_mean_days IS 'Mean flow time, days.';
COMMENT ON COLUMN report.value_stream.flow_load IS 'Mean number of orders in progress (ordered, not yet paid or canceled) over the days of the period.';
COMMENT ON COLUMN report.value_stream.flow_efficiency_pct IS 'Pooled flow efficiency: sum of active (ordered to fulfilled) time / sum of flow time, percent.';
COMMENT ON COLUMN report.value_stream.case_resolution_median_days IS 'Median days to close support cases closed in the period.';
COMMENT ON COLUMN report.value_stream.distribution_pct IS 'Share of completed orders per order type, percent: {"<order_type>": pct, ...}.';
COMMENT ON COLUMN report.value_stream.as_of IS 'As-of date of the metric refresh.';

-- Time to live / time to value -------------------------------------------------------------
CREATE VIEW report.time_to_value AS
SELECT v.period_start AS signing_cohort,
       v.segment,
       max(v.value) FILTER (WHERE v.metric_id = 'ttl_days') AS ttl_median_days,
       max((v.details ->> 'p85')::numeric) FILTER (WHERE v.metric_id = 'ttl_days') AS ttl_p85_days,
       max((v.details ->> 'reached')::bigint) FILTER (WHERE v.metric_id = 'ttl_days') AS live_contracts,
       max((v.details ->> 'not_yet_reached')::bigint) FILTER (WHERE v.metric_id = 'ttl_days') AS not_yet_live,
       max(v.value) FILTER (WHERE v.metric_id = 'ttv_days') AS ttv_median_days,
       max((v.details ->> 'p85')::numeric) FILTER (WHERE v.metric_id = 'ttv_days') AS ttv_p85_days,
       max((v.details ->> 'reached')::bigint) FILTER (WHERE v.metric_id = 'ttv_days') AS value_reached_contracts,
       max((v.details ->> 'not_yet_reached')::bigint) FILTER (WHERE v.metric_id = 'ttv_days') AS value_not_yet_reached,
       max((v.details ->> 'contracts')::bigint) AS contracts,
       max(v.as_of) AS as_of
FROM metrics."values" v
WHERE v.metric_id IN ('ttl_days', 'ttv_days') AND v.grain = 'cohort'
GROUP BY v.period_start, v.segment;

COMMENT ON VIEW report.time_to_value IS 'How long until new customers are live and get value? Per signing cohort month: median and p85 days from contract signature to go-live (TTL) and to reaching the adoption threshold (TTV), over contracts that got there, with the right-censored counts of contracts that have not got there yet (counted, never imputed).';
COMMENT ON COLUMN report.time_to_value.signing_cohort IS 'Month the contracts were signed.';
COMMENT ON COLUMN report.time_to_value.segment IS 'Slice: all or segment:<customer segment>.';
COMMENT ON COLUMN report.time_to_value.ttl_median_days IS 'Median calendar days from signature to go-live over live contracts.';
COMMENT ON COLUMN report.time_to_value.ttl_p85_days IS '85th percentile of TTL, days.';
COMMENT ON COLUMN report.time_to_value.live_contracts IS 'Contracts live by as_of (behind the TTL figures).';
COMMENT ON COLUMN report.time_to_value.not_yet_live IS 'Contracts not live by as_of (right-censored).';
COMMENT ON COLUMN report.time_to_value.ttv_median_days IS 'Median days from signature to reaching the adoption threshold.';
COMMENT ON COLUMN report.time_to_value.ttv_p85_days IS '85th percentile of TTV, days.';
COMMENT ON COLUMN report.time_to_value.value_reached_contracts IS 'Contracts that reached the adoption threshold by as_of.';
COMMENT ON COLUMN report.time_to_value.value_not_yet_reached IS 'Contracts that have not reached it yet (right-censored).';
COMMENT ON COLUMN report.time_to_value.contracts IS 'Contracts signed in the cohort.';
COMMENT ON COLUMN report.time_to_value.as_of IS 'As-of date of the metric refresh.';

-- Data freshness ---------------------------------------------------------------------------------
CREATE VIEW report.data_freshness AS
WITH c AS (
    SELECT DISTINCT connector FROM ops.sync_runs
), last_run AS (
    SELECT DISTINCT ON (connector) connector, run_id, started_at, finished_at, status, error, records_rejected
    FROM ops.sync_runs ORDER BY connector, started_at DESC, run_id DESC
), last_ok AS (
    SELECT connector, max(finished_at) AS finished_at
    FROM ops.sync_runs WHERE status = 'succeeded' GROUP BY connector
), week AS (
    SELECT connector,
           count(*) AS runs_7d,
           count(*) FILTER (WHERE status = 'partial') AS partial_runs_7d,
           count(*) FILTER (WHERE status = 'failed') AS failed_runs_7d
    FROM ops.sync_runs WHERE started_at >= now() - interval '7 days' GROUP BY connector
), rej AS (
    SELECT connector,
           count(*) AS rejected_total,
           count(*) FILTER (WHERE created_at >= now() - interval '7 days') AS rejected_7d
    FROM ops.rejected_records GROUP BY connector
)
SELECT c.connector,
       o.finished_at AS last_success_at,
       extract(epoch FROM now() - o.finished_at) / 3600 AS hours_since_success,
       l.run_id AS last_run_id,
       l.started_at AS last_run_started_at,
       l.finished_at AS last_run_finished_at,
       l.status AS last_run_status,
       l.error AS last_run_error,
       l.records_rejected AS last_run_rejected,
       coalesce(w.runs_7d, 0) AS runs_7d,
       coalesce(w.partial_runs_7d, 0) AS partial_runs_7d,
       coalesce(w.failed_runs_7d, 0) AS failed_runs_7d,
       coalesce(r.rejected_7d, 0) AS rejected_7d,
       coalesce(r.rejected_total, 0) AS rejected_total
FROM c
JOIN last_run l ON l.connector = c.connector
LEFT JOIN last_ok o ON o.connector = c.connector
LEFT JOIN week w ON w.connector = c.connector
LEFT JOIN rej r ON r.connector = c.connector;

COMMENT ON VIEW report.data_freshness IS 'Can we trust these numbers? Per connector: when it last synced successfully and how long ago, the status and error of its latest run, partial and failed runs in the last 7 days and records rejected (kept in ops.rejected_records with the reason) in the last 7 days and in total.';
COMMENT ON COLUMN report.data_freshness.connector IS 'Connector name from the configuration.';
COMMENT ON COLUMN report.data_freshness.last_success_at IS 'End of the latest succeeded run; NULL when none succeeded.';
COMMENT ON COLUMN report.data_freshness.hours_since_success IS 'Hours from last_success_at to now.';
COMMENT ON COLUMN report.data_freshness.last_run_id IS 'run_id of the latest run (ops.sync_runs).';
COMMENT ON COLUMN report.data_freshness.last_run_started_at IS 'Start of the latest run.';
COMMENT ON COLUMN report.data_freshness.last_run_finished_at IS 'End of the latest run; NULL while running.';
COMMENT ON COLUMN report.data_freshness.last_run_status IS 'running, succeeded, partial or failed.';
COMMENT ON COLUMN report.data_freshness.last_run_error IS 'Error of the latest run, if any.';
COMMENT ON COLUMN report.data_freshness.last_run_rejected IS 'Records rejected by the latest run.';
COMMENT ON COLUMN report.data_freshness.runs_7d IS 'Runs started in the last 7 days.';
COMMENT ON COLUMN report.data_freshness.partial_runs_7d IS 'Partial runs (stopped early, e.g. API quota) started in the last 7 days.';
COMMENT ON COLUMN report.data_freshness.failed_runs_7d IS 'Failed runs started in the last 7 days.';
COMMENT ON COLUMN report.data_freshness.rejected_7d IS 'Records rejected in the last 7 days.';
COMMENT ON COLUMN report.data_freshness.rejected_total IS 'Records rejected in total.';

-- Read-only role for BI tools -------------------------------------------------------------------------
-- Roles are cluster-wide and many databases (tests) migrate at once: create
-- the role only when missing and tolerate a concurrent creator.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'northstar_reader') THEN
        CREATE ROLE northstar_reader NOLOGIN;
        COMMENT ON ROLE northstar_reader IS 'northstar read-only group role: SELECT on the report views only. Grant it to a login: CREATE ROLE bi LOGIN PASSWORD ''...'' IN ROLE northstar_reader.';
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created concurrently by another database's migration
END
$$;
-- +goose StatementEnd

REVOKE ALL ON ALL TABLES IN SCHEMA raw, core, ops, metrics FROM northstar_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA raw, core, ops, metrics FROM northstar_reader;
REVOKE ALL ON SCHEMA raw, core, ops, metrics FROM northstar_reader;
GRANT USAGE ON SCHEMA report TO northstar_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA report TO northstar_reader;
-- Views added by later migrations (created by the migrating role) are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA report GRANT SELECT ON TABLES TO northstar_reader;

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA report REVOKE SELECT ON TABLES FROM northstar_reader;
REVOKE SELECT ON ALL TABLES IN SCHEMA report FROM northstar_reader;
REVOKE USAGE ON SCHEMA report FROM northstar_reader;
-- The role itself is cluster-wide and may hold grants in other databases:
-- it is left in place (DROP ROLE northstar_reader by hand when unused).
DROP VIEW IF EXISTS report.data_freshness;
DROP VIEW IF EXISTS report.time_to_value;
DROP VIEW IF EXISTS report.value_stream;
DROP VIEW IF EXISTS report.valuable_customers_at_risk;
DROP VIEW IF EXISTS report.clv_distribution;
DROP VIEW IF EXISTS report.customer_capital;
DROP VIEW IF EXISTS report.ndr_grr_trend;
DROP VIEW IF EXISTS report.cohort_retention;
DROP VIEW IF EXISTS report.retention_churn;
DROP VIEW IF EXISTS report.survey_trend;
