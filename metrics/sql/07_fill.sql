-- Empty periods: every month, quarter and year of the calendar from a
-- metric's first value to as_of gets an 'all' row, so gaps are explicit.
-- Counts and money sums are 0 there; ratios, means and medians are NULL
-- (empty denominator, never 0).
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT f.metric_id, c.period_start, c.grain, 'all',
       CASE WHEN f.zero THEN 0 END, 0, CASE WHEN NOT f.zero THEN 0 END, 0,
       jsonb_build_object('empty', true)
FROM (VALUES ('nps', false), ('csat', false), ('csat_mean', false), ('ces', false), ('ces_easy_pct', false),
             ('aov', false), ('repeat_purchase_rate', false), ('active_customers', true),
             ('customer_retention', false), ('customer_churn', false),
             ('retention_value', true), ('ramp_up_value', true), ('referral_value', true), ('other_new_value', true),
             ('flow_velocity', true), ('flow_time_days', false), ('flow_efficiency', false),
             ('case_resolution_days', false)) f(metric_id, zero)
JOIN (SELECT metric_id, grain, min(period_start) AS first FROM ns_values
      WHERE segment = 'all' AND grain IN ('month', 'quarter', 'year') GROUP BY 1, 2) m ON m.metric_id = f.metric_id
JOIN ns_cal c ON c.grain = m.grain AND c.period_start >= m.first
WHERE NOT EXISTS (SELECT 1 FROM ns_values v WHERE v.metric_id = f.metric_id AND v.grain = c.grain
                  AND v.period_start = c.period_start AND v.segment = 'all');
