-- Survey metrics (metrics.md §1): nps, csat, csat_mean, ces, ces_easy_pct.
-- Slices: month, quarter, year × all, segment:<customer segment>,
-- touchpoint:<touchpoint>, source:<connector>. Invalid scores (outside the
-- scale, not whole numbers, NPS not on 0–10, CES not on 1–7) are never
-- clamped: they are left out and counted in details.invalid.

CREATE TEMP TABLE ns_resp ON COMMIT DROP AS
SELECT g.grain, g.period_start, s.segment, r.*
FROM (
    SELECT r.source, r.source_id, r.customer_id, r.instrument, r.score, r.scale_min, r.scale_max,
           r.responded_at, (r.responded_at AT TIME ZONE p.tz) AS local_ts, c.segment AS cust_segment,
           nullif(r.touchpoint, '') AS touchpoint,
           (r.score = trunc(r.score) AND r.score BETWEEN r.scale_min AND r.scale_max
            AND CASE r.instrument WHEN 'nps' THEN r.scale_min = 0 AND r.scale_max = 10
                                  WHEN 'ces' THEN r.scale_min = 1 AND r.scale_max = 7 AND r.higher_is_better
                                  ELSE r.scale_max > r.scale_min END) AS valid
    FROM core.survey_responses r
    CROSS JOIN ns_param p
    LEFT JOIN ns_customers c ON c.customer_id = r.customer_id
    WHERE r.deleted_at IS NULL AND r.responded_at < p.cutoff
) r
CROSS JOIN LATERAL (VALUES ('month',   date_trunc('month',   r.local_ts)::date),
                           ('quarter', date_trunc('quarter', r.local_ts)::date),
                           ('year',    date_trunc('year',    r.local_ts)::date)) g(grain, period_start)
CROSS JOIN LATERAL (
    SELECT 'all' UNION ALL
    SELECT 'segment:' || r.cust_segment WHERE r.cust_segment IS NOT NULL UNION ALL
    SELECT 'touchpoint:' || r.touchpoint WHERE r.touchpoint IS NOT NULL UNION ALL
    SELECT 'source:' || r.source
) s(segment);

-- NPS: latest valid response per customer per period and slice; responses
-- without a customer each count.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
WITH ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY grain, period_start, segment, coalesce(customer_id::text, 'response:' || source || ':' || source_id)
        ORDER BY responded_at DESC, source DESC, source_id DESC) AS rn
    FROM ns_resp WHERE instrument = 'nps' AND valid
), agg AS (
    SELECT grain, period_start, segment,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (WHERE score <= 6) AS detractors,
           count(*) AS responses
    FROM ranked WHERE rn = 1 GROUP BY 1, 2, 3
), raw AS (
    SELECT grain, period_start, segment, count(*) FILTER (WHERE valid) AS raw_valid, count(*) FILTER (WHERE NOT valid) AS invalid
    FROM ns_resp WHERE instrument = 'nps' GROUP BY 1, 2, 3
)
SELECT 'nps', r.period_start, r.grain, r.segment,
       100.0 * (a.promoters - a.detractors) / nullif(a.responses, 0),
       coalesce(a.promoters - a.detractors, 0), coalesce(a.responses, 0), coalesce(a.responses, 0),
       jsonb_build_object('promoters', coalesce(a.promoters, 0), 'passives', coalesce(a.passives, 0),
                          'detractors', coalesce(a.detractors, 0), 'invalid', r.invalid,
                          'superseded', r.raw_valid - coalesce(a.responses, 0),
                          'dedup', 'latest response per customer per period and slice')
FROM raw r LEFT JOIN agg a USING (grain, period_start, segment);

-- CSAT top-2-box: the configured satisfied set on 1–5, the top two values of
-- any other scale.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'csat', period_start, grain, segment,
       100.0 * count(*) FILTER (WHERE valid AND sat) / nullif(count(*) FILTER (WHERE valid), 0),
       count(*) FILTER (WHERE valid AND sat), count(*) FILTER (WHERE valid), count(*) FILTER (WHERE valid),
       jsonb_build_object('invalid', count(*) FILTER (WHERE NOT valid),
                          'satisfied_set_1_5', (SELECT to_jsonb(csat_satisfied) FROM ns_param))
FROM (
    SELECT r.*, CASE WHEN r.scale_min = 1 AND r.scale_max = 5 THEN r.score::int = ANY (p.csat_satisfied)
                     ELSE r.score >= r.scale_max - 1 END AS sat
    FROM ns_resp r CROSS JOIN ns_param p WHERE r.instrument = 'csat'
) x
GROUP BY 1, 2, 3, 4;

-- CSAT mean: 1–5 responses only (scales are never averaged together).
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT 'csat_mean', period_start, grain, segment,
       avg(score) FILTER (WHERE ok), coalesce(sum(score) FILTER (WHERE ok), 0), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE ok),
       jsonb_build_object('scale', '1-5', 'other_scales', count(*) FILTER (WHERE valid AND NOT ok),
                          'invalid', count(*) FILTER (WHERE NOT valid))
FROM (SELECT *, valid AND scale_min = 1 AND scale_max = 5 AS ok FROM ns_resp WHERE instrument = 'csat') x
GROUP BY 1, 2, 3, 4;

-- CES 2.0 on 1–7 (higher is better): mean, easy share (5–7), difficult
-- share (1–3) in details.
INSERT INTO ns_values (metric_id, period_start, grain, segment, value, numerator, denominator, n, details)
SELECT m.metric_id, period_start, grain, segment,
       CASE m.metric_id WHEN 'ces' THEN avg(score) FILTER (WHERE valid)
            ELSE 100.0 * count(*) FILTER (WHERE valid AND score >= 5) / nullif(count(*) FILTER (WHERE valid), 0) END,
       CASE m.metric_id WHEN 'ces' THEN coalesce(sum(score) FILTER (WHERE valid), 0)
            ELSE count(*) FILTER (WHERE valid AND score >= 5) END,
       count(*) FILTER (WHERE valid), count(*) FILTER (WHERE valid),
       jsonb_build_object('invalid', count(*) FILTER (WHERE NOT valid),
                          'easy', count(*) FILTER (WHERE valid AND score >= 5),
                          'difficult', count(*) FILTER (WHERE valid AND score <= 3),
                          'easy_pct', 100.0 * count(*) FILTER (WHERE valid AND score >= 5) / nullif(count(*) FILTER (WHERE valid), 0),
                          'difficult_pct', 100.0 * count(*) FILTER (WHERE valid AND score <= 3) / nullif(count(*) FILTER (WHERE valid), 0),
                          'net_easy', 100.0 * (count(*) FILTER (WHERE valid AND score >= 5) - count(*) FILTER (WHERE valid AND score <= 3))
                                      / nullif(count(*) FILTER (WHERE valid), 0))
FROM ns_resp CROSS JOIN (VALUES ('ces'), ('ces_easy_pct')) m(metric_id)
WHERE instrument = 'ces'
GROUP BY m.metric_id, period_start, grain, segment;
