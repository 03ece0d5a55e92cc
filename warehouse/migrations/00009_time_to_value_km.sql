-- +goose Up
-- Kaplan–Meier medians of TTL and TTV (metrics details.km_median), which
-- use the right-censored contracts instead of leaving them out.
CREATE OR REPLACE VIEW report.time_to_value AS
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
       max(v.as_of) AS as_of,
       max((v.details ->> 'km_median')::numeric) FILTER (WHERE v.metric_id = 'ttl_days') AS ttl_km_median_days,
       max((v.details ->> 'km_median')::numeric) FILTER (WHERE v.metric_id = 'ttv_days') AS ttv_km_median_days
FROM metrics."values" v
WHERE v.metric_id IN ('ttl_days', 'ttv_days') AND v.grain = 'cohort'
GROUP BY v.period_start, v.segment;
COMMENT ON COLUMN report.time_to_value.ttl_km_median_days IS 'Kaplan–Meier median days to go-live, counting not-yet-live contracts as censored at as_of; empty until half the cohort is live.';
COMMENT ON COLUMN report.time_to_value.ttv_km_median_days IS 'Kaplan–Meier median days to value, counting not-yet-reached contracts as censored at as_of; empty until half the cohort got there.';

-- +goose Down
DROP VIEW report.time_to_value;
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
GRANT SELECT ON report.time_to_value TO northstar_reader;
