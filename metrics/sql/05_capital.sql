-- Customer capital (metrics.md §4), month grain × all and
-- segment:<customer segment>. Every revenue line of a non-canceled order in
-- P falls in exactly one component, so the four add up to total line
-- revenue (Σ amount_reporting) of P:
--   A_i before start(P): category bought before start(P) → retention_value,
--                        otherwise ramp_up_value (category set frozen at start(P));
--   otherwise (A_i in or after P, unknown, or no customer): referral_value
--                        when referred, otherwise other_new_value.
-- Lines without a category count as category ''. Lines without a reporting
-- amount add nothing and are counted in details.unconverted_lines.

CREATE TEMP TABLE ns_custcat ON COMMIT DROP AS
SELECT customer_id, category, min(ordered_at) AS first_at
FROM ns_lines WHERE customer_id IS NOT NULL GROUP BY 1, 2;

CREATE TEMP TABLE ns_capital ON COMMIT DROP AS
SELECT x.month, x.component, s.segment, x.amount
FROM (
    SELECT date_trunc('month', l.local_ts)::date AS month, cu.segment AS cust_segment, l.amount,
           CASE WHEN cu.acquired_at IS NULL OR cu.acquired_at >= (date_trunc('month', l.local_ts) AT TIME ZONE p.tz)
                THEN CASE WHEN cu.referred THEN 'referral_value' ELSE 'other_new_value' END
                WHEN cc.first_at < (date_trunc('month', l.local_ts) AT TIME ZONE p.tz) THEN 'retention_value'
                ELSE 'ramp_up_value' END AS component
    FROM ns_lines l
    CROSS JOIN ns_param p
    LEFT JOIN ns_customers cu ON cu.customer_id = l.customer_id
    LEFT JOIN ns_custcat cc ON cc.customer_id = l.customer_id AND cc.category = l.category
) x
CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || x.cust_segment WHERE x.cust_segment IS NOT NULL) s(segment);

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH tot AS (
    SELECT month, segment, coalesce(sum(amount), 0) AS total, count(*) FILTER (WHERE amount IS NULL) AS unconverted
    FROM ns_capital GROUP BY 1, 2
), comp AS (
    SELECT t.month, t.segment, t.total, t.unconverted, c.component FROM tot t
    CROSS JOIN (VALUES ('retention_value'), ('ramp_up_value'), ('referral_value'), ('other_new_value')) c(component)
)
SELECT c.component, c.month, 'month', c.segment,
       coalesce(sum(k.amount), 0), coalesce(sum(k.amount), 0), c.total, count(k.amount),
       jsonb_build_object('total_revenue', c.total, 'share_pct', 100.0 * coalesce(sum(k.amount), 0) / nullif(c.total, 0),
                          'lines', count(k.month), 'unconverted_lines', c.unconverted,
                          'basis', 'order-line amount_reporting of non-canceled orders')
FROM comp c
LEFT JOIN ns_capital k ON k.month = c.month AND k.segment = c.segment AND k.component = c.component
GROUP BY c.component, c.month, c.segment, c.total, c.unconverted;
