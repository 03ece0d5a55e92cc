-- Base facts as of ns_param.as_of. ns_param (as_of, tz, cutoff, csat_satisfied,
-- ttv_threshold, margin) is created by Refresh before this file runs; cutoff
-- is the first instant after as_of in the reporting time zone. Nothing at or
-- after cutoff is visible: rows created later are dropped and later
-- timestamps (fulfilment, payment, cancellation, end, go-live) read as
-- "not yet happened". Deleted rows (deleted_at set) are excluded everywhere.

CREATE TEMP TABLE ns_values (
    metric_id    text    NOT NULL,
    period_start date    NOT NULL,
    grain        text    NOT NULL,
    segment      text    NOT NULL,
    period_end   date,
    value        numeric,
    numerator    numeric,
    denominator  numeric,
    n            bigint,
    details      jsonb
) ON COMMIT DROP;

-- Orders: canceled = canceled_at before cutoff, or status canceled without a
-- cancellation timestamp. Amounts are amount_reporting only (no fallback to
-- the source currency amount; NULL amounts are left out of money sums and
-- counted in details).
CREATE TEMP TABLE ns_orders ON COMMIT DROP AS
SELECT o.source, o.source_id, o.customer_id, o.ordered_at,
       CASE WHEN o.fulfilled_at < p.cutoff THEN o.fulfilled_at END AS fulfilled_at,
       CASE WHEN o.invoiced_at  < p.cutoff THEN o.invoiced_at  END AS invoiced_at,
       CASE WHEN o.paid_at      < p.cutoff THEN o.paid_at      END AS paid_at,
       CASE WHEN o.canceled_at  < p.cutoff THEN o.canceled_at  END AS canceled_at,
       (coalesce(o.canceled_at < p.cutoff, false) OR (o.canceled_at IS NULL AND coalesce(o.status = 'canceled', false))) AS canceled,
       coalesce(nullif(o.order_type, ''), 'unknown') AS order_type,
       o.amount_reporting AS amount,
       (o.ordered_at AT TIME ZONE p.tz) AS local_ts,
       (o.ordered_at AT TIME ZONE p.tz)::date AS local_day
FROM core.orders o CROSS JOIN ns_param p
WHERE o.deleted_at IS NULL AND o.ordered_at < p.cutoff;
CREATE INDEX ON ns_orders (customer_id, ordered_at);
ANALYZE ns_orders;

-- Customers: acquired_at (A_i) = the earlier of customers.first_order_at
-- and the first non-deleted order; first_active_at = first non-canceled
-- order (cohort of the retention matrix). segment is the value in force at
-- the end of as_of from core.customer_history: the interval containing the
-- cutoff; before a customer's first recorded interval (history starts when
-- northstar first saw the customer) its earliest known value; in a gap
-- (the segment was cleared) none; the current value when the customer has
-- no history at all.
CREATE TEMP TABLE ns_customers ON COMMIT DROP AS
WITH o AS (
    SELECT customer_id, min(ordered_at) AS first_any,
           min(ordered_at) FILTER (WHERE NOT canceled) AS first_active
    FROM ns_orders WHERE customer_id IS NOT NULL GROUP BY customer_id
), hs AS (
    SELECT DISTINCT ON (h.customer_id) h.customer_id,
           CASE WHEN h.valid_from < p.cutoff AND (h.valid_to IS NULL OR h.valid_to >= p.cutoff) THEN h.value
                WHEN h.valid_from >= p.cutoff THEN h.value END AS segment
    FROM core.customer_history h CROSS JOIN ns_param p
    WHERE h.attribute = 'segment'
    ORDER BY h.customer_id, (h.valid_from < p.cutoff AND (h.valid_to IS NULL OR h.valid_to >= p.cutoff)) DESC, h.valid_from
)
SELECT coalesce(c.customer_id, o.customer_id) AS customer_id,
       nullif(CASE WHEN hs.customer_id IS NOT NULL THEN hs.segment ELSE c.segment END, '') AS segment,
       coalesce(c.referrer_customer_id IS NOT NULL OR lower(c.acquisition_channel) = 'referral', false) AS referred,
       LEAST(CASE WHEN c.first_order_at < p.cutoff THEN c.first_order_at END, o.first_any) AS acquired_at,
       o.first_active AS first_active_at
FROM (SELECT * FROM core.customers WHERE deleted_at IS NULL) c
FULL JOIN o ON o.customer_id = c.customer_id
LEFT JOIN hs ON hs.customer_id = c.customer_id
CROSS JOIN ns_param p;
CREATE INDEX ON ns_customers (customer_id);
ANALYZE ns_customers;

-- Revenue lines of non-canceled orders (category '' when missing).
CREATE TEMP TABLE ns_lines ON COMMIT DROP AS
SELECT l.source, l.source_id, o.customer_id, o.ordered_at, o.local_ts,
       coalesce(l.product_category, '') AS category, l.amount_reporting AS amount
FROM core.order_lines l
JOIN ns_orders o ON o.source = l.source AND o.source_id = l.order_source_id
WHERE l.deleted_at IS NULL AND NOT o.canceled;

-- Contract rows: one MRR level over [start_at, end_at). cmrr is the
-- constant-FX MRR: mrr × the row's own fx_rate (mrr_reporting when either is
-- missing). An end after cutoff is not yet known: open-ended.
CREATE TEMP TABLE ns_contracts ON COMMIT DROP AS
SELECT c.source, c.source_id, c.customer_id, c.signed_at, c.start_at,
       CASE WHEN c.end_at < p.cutoff THEN c.end_at END AS end_at,
       (c.start_at < p.cutoff) AS started,
       CASE WHEN c.go_live_at < p.cutoff THEN c.go_live_at END AS go_live_at,
       CASE WHEN c.adopted_at < p.cutoff THEN c.adopted_at END AS adopted_at,
       c.adoption_ratio, c.mrr, c.currency, c.fx_rate,
       coalesce(c.mrr * c.fx_rate, c.mrr_reporting) AS cmrr
FROM core.contracts c CROSS JOIN ns_param p
WHERE c.deleted_at IS NULL AND c.customer_id IS NOT NULL
  AND coalesce(c.signed_at, c.start_at) < p.cutoff;

-- MRR pieces: each contract row split by the validity intervals of its MRR
-- in core.contract_history, so a change made in place upstream (rather
-- than as a new contract row) shows as a movement at the time it took
-- effect, and changes after the cutoff are not yet known (the piece in
-- force at the cutoff runs to the row's end). The first value holds from
-- the row's start (valid_from -infinity); the trigger of migration 00008
-- gives every contract row its history. cmrr: every piece at the row's own fx_rate; mrr_src and
-- currency: the piece in its source currency (for base-period constant FX).
CREATE TEMP TABLE ns_contract_mrr ON COMMIT DROP AS
SELECT x.* FROM (
    SELECT k.customer_id, k.started,
           CASE WHEN h.valid_from > k.start_at THEN h.valid_from ELSE k.start_at END AS start_at,
           CASE WHEN h.valid_to < p.cutoff AND (k.end_at IS NULL OR h.valid_to < k.end_at) THEN h.valid_to
                ELSE k.end_at END AS end_at,
           coalesce(h.mrr * k.fx_rate, CASE WHEN h.mrr IS NOT DISTINCT FROM k.mrr THEN k.cmrr END) AS cmrr,
           h.mrr AS mrr_src, coalesce(h.currency, k.currency) AS currency
    FROM ns_contracts k CROSS JOIN ns_param p
    JOIN core.contract_history h ON h.source = k.source AND h.source_id = k.source_id AND h.valid_from < p.cutoff
) x
WHERE x.end_at IS NULL OR x.start_at IS NULL OR x.end_at > x.start_at;

-- Calendar of months, quarters and years from the first fact to as_of.
CREATE TEMP TABLE ns_cal ON COMMIT DROP AS
WITH b AS (
    SELECT least(
        (SELECT min(local_day) FROM ns_orders),
        (SELECT min((responded_at AT TIME ZONE p.tz)::date) FROM core.survey_responses WHERE deleted_at IS NULL AND responded_at < p.cutoff),
        (SELECT min((coalesce(start_at, signed_at) AT TIME ZONE p.tz)::date) FROM ns_contracts),
        (SELECT min((signed_at AT TIME ZONE p.tz)::date) FROM ns_contracts),
        (SELECT min((opened_at AT TIME ZONE p.tz)::date) FROM core.support_cases WHERE deleted_at IS NULL AND opened_at < p.cutoff)
    ) AS first_day, p.as_of
    FROM ns_param p
)
SELECT g.grain, s::date AS period_start, (s + g.step)::date AS period_end
FROM b
CROSS JOIN (VALUES ('month', interval '1 month'), ('quarter', interval '3 months'), ('year', interval '1 year')) g(grain, step)
CROSS JOIN LATERAL generate_series(date_trunc(g.grain, b.first_day::timestamp), date_trunc(g.grain, b.as_of::timestamp), g.step) s
WHERE b.first_day IS NOT NULL;
