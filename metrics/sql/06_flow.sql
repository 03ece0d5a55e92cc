-- Value-stream flow metrics on orders (metrics.md §7) and support case
-- resolution. Refresh creates ns_flow_items (entered_at, done_at,
-- active_days, out_of_order per order) and ns_flow_param (the mapping text)
-- from the configured stage→state mapping (metrics/flow.go) before this
-- file runs; the default maps ordered_at → Active, fulfilled_at and
-- invoiced_at → Waiting, paid_at → Done. Canceled orders leave Load at
-- canceled_at and never count in Velocity, Time, Efficiency or
-- Distribution. Calendar time; source timestamps (not ingestion time), so
-- items already in progress when ingestion started keep their real age.
-- Slices: month, quarter, year × all and segment:<customer segment>
-- (distribution: type:<order_type>; load: all only).

CREATE TEMP TABLE ns_done ON COMMIT DROP AS
SELECT g.grain, g.period_start, s.segment, o.*
FROM (
    SELECT i.source, i.source_id, i.order_type, cu.segment AS cust_segment,
           (i.done_at AT TIME ZONE p.tz) AS done_local,
           -- greatest/least ignore NULLs: keep unknown times unknown explicitly.
           extract(epoch FROM i.done_at - i.entered_at) / 86400.0 AS raw_days,
           CASE WHEN i.entered_at IS NOT NULL
                THEN greatest(extract(epoch FROM i.done_at - i.entered_at) / 86400.0, 0) END AS flow_days,
           CASE WHEN i.entered_at IS NOT NULL AND i.active_days IS NOT NULL
                THEN least(i.active_days, greatest(extract(epoch FROM i.done_at - i.entered_at) / 86400.0, 0)) END AS active_days,
           i.out_of_order
    FROM ns_flow_items i CROSS JOIN ns_param p LEFT JOIN ns_customers cu ON cu.customer_id = i.customer_id
    WHERE NOT i.canceled AND i.done_at IS NOT NULL
) o
CROSS JOIN LATERAL (VALUES ('month',   date_trunc('month',   o.done_local)::date),
                           ('quarter', date_trunc('quarter', o.done_local)::date),
                           ('year',    date_trunc('year',    o.done_local)::date)) g(grain, period_start)
CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || o.cust_segment WHERE o.cust_segment IS NOT NULL) s(segment);

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'flow_velocity', period_start, grain, segment, count(*), count(*), NULL, count(*),
       jsonb_build_object('done', (SELECT done_stage FROM ns_flow_param), 'mapping', (SELECT mapping FROM ns_flow_param))
FROM ns_done GROUP BY 1, 2, 3, 4;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'flow_time_days', period_start, grain, segment,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY flow_days), sum(flow_days), count(flow_days), count(flow_days),
       jsonb_build_object('median', percentile_cont(0.5) WITHIN GROUP (ORDER BY flow_days),
                          'p85', percentile_cont(0.85) WITHIN GROUP (ORDER BY flow_days),
                          'mean', avg(flow_days),
                          'done_before_entered', count(*) FILTER (WHERE raw_days < 0),
                          'entry_missing', count(*) FILTER (WHERE flow_days IS NULL),
                          'mapping', (SELECT mapping FROM ns_flow_param),
                          'definition', 'done - entry (first active or waiting stage) in calendar days over items done in the period; negative times clipped at 0 and counted')
FROM ns_done GROUP BY 1, 2, 3, 4;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'flow_efficiency', period_start, grain, segment,
       100.0 * sum(active_days) / nullif(sum(flow_days) FILTER (WHERE active_days IS NOT NULL), 0),
       coalesce(sum(active_days), 0), coalesce(sum(flow_days) FILTER (WHERE active_days IS NOT NULL), 0),
       count(active_days),
       jsonb_build_object('pooled', true,
                          'active', 'time in active stages, each segment clipped at 0, total clipped to the flow time',
                          'mapping', (SELECT mapping FROM ns_flow_param),
                          'out_of_order', count(*) FILTER (WHERE out_of_order),
                          'missing_stage_excluded', count(*) FILTER (WHERE active_days IS NULL))
FROM ns_done GROUP BY 1, 2, 3, 4;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH t AS (
    SELECT grain, period_start, order_type, count(*) AS k FROM ns_done WHERE segment = 'all' GROUP BY 1, 2, 3
)
SELECT 'flow_distribution', period_start, grain, 'type:' || order_type,
       100.0 * k / sum(k) OVER w, k, sum(k) OVER w, k,
       jsonb_build_object('velocity', sum(k) OVER w)
FROM t WINDOW w AS (PARTITION BY grain, period_start);

-- Flow load: mean over the days of P (up to as_of) of the orders in
-- progress at the end of each day: entered (first active or waiting stage)
-- and not yet done or canceled. Orders canceled without a timestamp, and
-- orders still New, never enter.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH ev AS (
    SELECT (i.entered_at AT TIME ZONE p.tz)::date AS day, 1 AS delta
    FROM ns_flow_items i CROSS JOIN ns_param p
    WHERE i.entered_at IS NOT NULL AND NOT (i.canceled AND i.canceled_at IS NULL)
    UNION ALL
    SELECT (greatest(least(i.done_at, i.canceled_at), i.entered_at) AT TIME ZONE p.tz)::date, -1
    FROM ns_flow_items i CROSS JOIN ns_param p
    WHERE i.entered_at IS NOT NULL AND NOT (i.canceled AND i.canceled_at IS NULL)
      AND coalesce(i.done_at, i.canceled_at) IS NOT NULL
), daily AS (
    SELECT d::date AS day, coalesce(sum(ev.delta), 0) AS delta
    FROM ns_param p
    CROSS JOIN generate_series((SELECT min(day) FROM ev)::timestamp, p.as_of::timestamp, interval '1 day') d
    LEFT JOIN ev ON ev.day = d::date
    GROUP BY 1
), load AS (
    SELECT day, sum(delta) OVER (ORDER BY day) AS load FROM daily
)
SELECT 'flow_load', g.period_start, g.grain, 'all', avg(load), sum(load), count(*), count(*),
       jsonb_build_object('sampled', 'end of each day in the reporting time zone', 'days', count(*),
                          'max', max(load), 'mapping', (SELECT mapping FROM ns_flow_param))
FROM load
CROSS JOIN LATERAL (VALUES ('month',   date_trunc('month',   load.day)::date),
                           ('quarter', date_trunc('quarter', load.day)::date),
                           ('year',    date_trunc('year',    load.day)::date)) g(grain, period_start)
GROUP BY g.grain, g.period_start;

-- Support case resolution time: closed_at - opened_at in days over cases
-- closed in P; cases still open at the end of P (or at cutoff) in details.
CREATE TEMP TABLE ns_cases ON COMMIT DROP AS
SELECT c.source, c.source_id, c.opened_at,
       CASE WHEN c.closed_at < p.cutoff THEN c.closed_at END AS closed_at,
       cu.segment AS cust_segment
FROM core.support_cases c CROSS JOIN ns_param p LEFT JOIN ns_customers cu ON cu.customer_id = c.customer_id
WHERE c.deleted_at IS NULL AND c.opened_at < p.cutoff;

INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH closed AS (
    SELECT g.grain, g.period_start, s.segment, extract(epoch FROM c.closed_at - c.opened_at) / 86400.0 AS days
    FROM ns_cases c CROSS JOIN ns_param p
    CROSS JOIN LATERAL (VALUES ('month',   date_trunc('month',   c.closed_at AT TIME ZONE p.tz)::date),
                               ('quarter', date_trunc('quarter', c.closed_at AT TIME ZONE p.tz)::date),
                               ('year',    date_trunc('year',    c.closed_at AT TIME ZONE p.tz)::date)) g(grain, period_start)
    CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT 'segment:' || c.cust_segment WHERE c.cust_segment IS NOT NULL) s(segment)
    WHERE c.closed_at IS NOT NULL
), slices AS (
    SELECT DISTINCT c.grain, c.period_start, c.period_end, s.segment
    FROM ns_cal c CROSS JOIN (SELECT 'all' AS segment UNION SELECT DISTINCT 'segment:' || cust_segment FROM ns_cases WHERE cust_segment IS NOT NULL) s
), open AS (
    SELECT sl.grain, sl.period_start, sl.segment, count(c.source_id) AS open_cases
    FROM slices sl CROSS JOIN ns_param p
    LEFT JOIN ns_cases c ON c.opened_at < least((sl.period_end::timestamp AT TIME ZONE p.tz), p.cutoff)
                        AND (c.closed_at IS NULL OR c.closed_at >= least((sl.period_end::timestamp AT TIME ZONE p.tz), p.cutoff))
                        AND (sl.segment = 'all' OR sl.segment = 'segment:' || c.cust_segment)
    GROUP BY 1, 2, 3
), agg AS (
    SELECT grain, period_start, segment,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE days >= 0) AS median,
           percentile_cont(0.85) WITHIN GROUP (ORDER BY days) FILTER (WHERE days >= 0) AS p85,
           avg(days) FILTER (WHERE days >= 0) AS mean, sum(days) FILTER (WHERE days >= 0) AS total,
           count(*) FILTER (WHERE days >= 0) AS k, count(*) FILTER (WHERE days < 0) AS negative
    FROM closed GROUP BY 1, 2, 3
)
SELECT 'case_resolution_days', a.period_start, a.grain, a.segment, a.median, a.total, a.k, a.k,
       jsonb_build_object('median', a.median, 'p85', a.p85, 'mean', a.mean,
                          'negative_excluded', a.negative, 'open_at_period_end', coalesce(o.open_cases, 0))
FROM agg a LEFT JOIN open o USING (grain, period_start, segment);
