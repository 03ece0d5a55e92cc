-- +goose Up
-- Report views over the metrics schema, readable by BI tools. Values are
-- replaced as a whole by every metric refresh (package metrics); these
-- views only join and label them.

CREATE VIEW report.metric_values AS
SELECT v.metric_id,
       d.name        AS metric_name,
       d.unit,
       v.period_start,
       v.period_end,
       v.grain,
       v.segment,
       v.value,
       v.numerator,
       v.denominator,
       v.n,
       v.details,
       v.version,
       v.as_of,
       v.computed_at,
       d.formula,
       d.basis
FROM metrics."values" v
LEFT JOIN metrics.definitions d ON d.metric_id = v.metric_id AND d.version = v.version;

COMMENT ON VIEW report.metric_values IS 'Every computed metric value with its definition: what each metric was, per period, grain and segment, as of the last refresh.';
COMMENT ON COLUMN report.metric_values.metric_id IS 'Metric id of the contract (nps, csat, ndr, ...); see metrics.definitions.';
COMMENT ON COLUMN report.metric_values.metric_name IS 'Human-readable metric name.';
COMMENT ON COLUMN report.metric_values.unit IS 'percent (0-100), score, count, money (reporting currency), days, ratio or per_period.';
COMMENT ON COLUMN report.metric_values.period_start IS 'First day of the period (reporting time zone); for grain cohort the cohort month, for grain as_of the as-of date, for convention:yoy the base month.';
COMMENT ON COLUMN report.metric_values.period_end IS 'First day after the period (half-open [period_start, period_end)).';
COMMENT ON COLUMN report.metric_values.grain IS 'month, quarter, year, cohort or as_of.';
COMMENT ON COLUMN report.metric_values.segment IS 'Slice: all, segment:<customer segment>, touchpoint:<x>, source:<connector>, type:<order type>, age:NN (cohort age in months), convention:yoy|movement.';
COMMENT ON COLUMN report.metric_values.value IS 'The metric value; NULL when undefined (empty denominator), never 0 in its place.';
COMMENT ON COLUMN report.metric_values.numerator IS 'Numerator of a ratio (sum for means); re-aggregate by summing numerators and denominators, never by averaging values.';
COMMENT ON COLUMN report.metric_values.denominator IS 'Denominator of a ratio (count for means); NULL for plain counts.';
COMMENT ON COLUMN report.metric_values.n IS 'Number of observations (responses, orders, customers, days) behind the value.';
COMMENT ON COLUMN report.metric_values.details IS 'Breakdown (e.g. promoters/passives/detractors, churn/contraction/expansion, p85) and the definition used.';
COMMENT ON COLUMN report.metric_values.version IS 'Version of the metric definition used.';
COMMENT ON COLUMN report.metric_values.as_of IS 'Date the metrics were computed as of: later data was ignored.';
COMMENT ON COLUMN report.metric_values.computed_at IS 'When the refresh ran.';
COMMENT ON COLUMN report.metric_values.formula IS 'Formula of the metric definition version.';
COMMENT ON COLUMN report.metric_values.basis IS 'Revenue basis or data the metric is computed from.';

CREATE VIEW report.kpi_overview AS
WITH headline (metric_id, segment, grain, sort_order) AS (
    VALUES ('nps', 'all', 'month', 1), ('csat', 'all', 'month', 2), ('ces', 'all', 'month', 3),
           ('aov', 'all', 'month', 4), ('active_customers', 'all', 'month', 5),
           ('repeat_purchase_rate', 'all', 'month', 6), ('customer_retention', 'all', 'month', 7),
           ('customer_churn', 'all', 'month', 8), ('logo_retention', 'all', 'month', 9),
           ('ndr', 'convention:yoy', 'month', 10), ('grr', 'convention:yoy', 'month', 11),
           ('retention_value', 'all', 'month', 12), ('ramp_up_value', 'all', 'month', 13),
           ('referral_value', 'all', 'month', 14), ('other_new_value', 'all', 'month', 15),
           ('flow_velocity', 'all', 'month', 16), ('flow_time_days', 'all', 'month', 17),
           ('flow_load', 'all', 'month', 18), ('flow_efficiency', 'all', 'month', 19),
           ('case_resolution_days', 'all', 'month', 20),
           ('predicted_clv', 'all', 'as_of', 21), ('expected_active_customers', 'all', 'as_of', 22)
), ranked AS (
    SELECT v.*, h.sort_order,
           row_number() OVER (PARTITION BY v.metric_id ORDER BY v.period_start DESC) AS rn
    FROM metrics."values" v
    JOIN headline h ON h.metric_id = v.metric_id AND h.segment = v.segment AND h.grain = v.grain
    WHERE v.grain = 'as_of' OR v.period_end <= v.as_of + 1
)
SELECT c.sort_order,
       c.metric_id,
       d.name AS metric_name,
       d.unit,
       c.segment,
       c.grain,
       c.period_start,
       c.period_end,
       c.value,
       c.numerator,
       c.denominator,
       c.n,
       p.period_start AS previous_period_start,
       p.value        AS previous_value,
       c.value - p.value AS change,
       100 * (c.value - p.value) / nullif(abs(p.value), 0) AS change_pct,
       c.details,
       c.version,
       c.as_of
FROM ranked c
LEFT JOIN ranked p ON p.metric_id = c.metric_id AND p.rn = 2
LEFT JOIN metrics.definitions d ON d.metric_id = c.metric_id AND d.version = c.version
WHERE c.rn = 1;

COMMENT ON VIEW report.kpi_overview IS 'Headline KPIs: for each main metric the latest complete month (NDR/GRR: the latest year-over-year base month; CLV: the as-of models) and the month before, with the change.';
COMMENT ON COLUMN report.kpi_overview.sort_order IS 'Display order of the headline KPIs.';
COMMENT ON COLUMN report.kpi_overview.metric_id IS 'Metric id.';
COMMENT ON COLUMN report.kpi_overview.metric_name IS 'Human-readable metric name.';
COMMENT ON COLUMN report.kpi_overview.unit IS 'percent (0-100), score, count, money, days.';
COMMENT ON COLUMN report.kpi_overview.segment IS 'Slice shown: all, or convention:yoy for NDR/GRR.';
COMMENT ON COLUMN report.kpi_overview.grain IS 'month, or as_of for model-based metrics.';
COMMENT ON COLUMN report.kpi_overview.period_start IS 'Start of the latest complete period (period_end on or before the day after as_of).';
COMMENT ON COLUMN report.kpi_overview.period_end IS 'First day after that period.';
COMMENT ON COLUMN report.kpi_overview.value IS 'Value in the latest complete period; NULL when undefined.';
COMMENT ON COLUMN report.kpi_overview.numerator IS 'Numerator of the value.';
COMMENT ON COLUMN report.kpi_overview.denominator IS 'Denominator of the value.';
COMMENT ON COLUMN report.kpi_overview.n IS 'Observations behind the value.';
COMMENT ON COLUMN report.kpi_overview.previous_period_start IS 'Start of the period before.';
COMMENT ON COLUMN report.kpi_overview.previous_value IS 'Value in the period before.';
COMMENT ON COLUMN report.kpi_overview.change IS 'value - previous_value (percentage points for percent metrics).';
COMMENT ON COLUMN report.kpi_overview.change_pct IS 'Relative change in percent of |previous_value|.';
COMMENT ON COLUMN report.kpi_overview.details IS 'Breakdown of the latest value.';
COMMENT ON COLUMN report.kpi_overview.version IS 'Definition version.';
COMMENT ON COLUMN report.kpi_overview.as_of IS 'As-of date of the metrics.';

CREATE VIEW report.customer_scores_current AS
SELECT s.customer_id,
       c.name,
       c.segment,
       c.country,
       c.acquisition_channel,
       s.as_of,
       s.frequency,
       s.recency,
       s.t,
       s.monetary,
       s.p_alive,
       s.expected_purchases,
       s.expected_spend,
       s.predicted_clv,
       s.historical_clv
FROM metrics.customer_scores s
LEFT JOIN core.customers c ON c.customer_id = s.customer_id
WHERE s.as_of = coalesce((SELECT max(as_of) FROM metrics."values"),
                         (SELECT max(as_of) FROM metrics.customer_scores));

COMMENT ON VIEW report.customer_scores_current IS 'Per-customer CLV and churn risk as of the current metrics: which customers are likely still active and what they are expected to be worth.';
COMMENT ON COLUMN report.customer_scores_current.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.customer_scores_current.name IS 'Customer name.';
COMMENT ON COLUMN report.customer_scores_current.segment IS 'Customer segment.';
COMMENT ON COLUMN report.customer_scores_current.country IS 'Customer country.';
COMMENT ON COLUMN report.customer_scores_current.acquisition_channel IS 'Acquisition channel.';
COMMENT ON COLUMN report.customer_scores_current.as_of IS 'Calibration end of the models.';
COMMENT ON COLUMN report.customer_scores_current.frequency IS 'x: repeat purchase occasions (customer-days after the first).';
COMMENT ON COLUMN report.customer_scores_current.recency IS 't_x: time of the last purchase after the first, in the model time unit.';
COMMENT ON COLUMN report.customer_scores_current.t IS 'T: time from the first purchase to as_of, in the model time unit.';
COMMENT ON COLUMN report.customer_scores_current.monetary IS 'm_x: mean value of the repeat occasions (reporting currency; first purchase excluded).';
COMMENT ON COLUMN report.customer_scores_current.p_alive IS 'P(alive) from BG/NBD; NULL when the models were skipped. 1 - p_alive is the churn risk.';
COMMENT ON COLUMN report.customer_scores_current.expected_purchases IS 'Expected purchase occasions over the configured horizon (BG/NBD).';
COMMENT ON COLUMN report.customer_scores_current.expected_spend IS 'Expected value of a future occasion (Gamma-Gamma).';
COMMENT ON COLUMN report.customer_scores_current.predicted_clv IS 'Discounted predicted CLV over the horizon: margin x E[M] x discounted expected purchases.';
COMMENT ON COLUMN report.customer_scores_current.historical_clv IS 'Margin x revenue of non-canceled orders up to as_of.';

-- +goose Down
DROP VIEW IF EXISTS report.customer_scores_current;
DROP VIEW IF EXISTS report.kpi_overview;
DROP VIEW IF EXISTS report.metric_values;
