-- +goose Up
-- Identity resolution (package identity): golden customers that survive
-- re-runs, merges and splits recorded as events, manual overrides,
-- attribute lineage and validity intervals, and the CRM/ERP reconciliation.

ALTER TABLE core.customers
    ADD COLUMN merged_into       bigint REFERENCES core.customers (customer_id),
    ADD COLUMN attribute_sources jsonb NOT NULL DEFAULT '{}';
CREATE INDEX customers_merged_into_idx ON core.customers (merged_into) WHERE merged_into IS NOT NULL;
COMMENT ON COLUMN core.customers.merged_into IS 'Set (with deleted_at) when identity resolution merged this golden customer into another: the survivor. Nothing links to a merged row.';
COMMENT ON COLUMN core.customers.attribute_sources IS 'Lineage of each golden attribute: {"name": {"source": "erp", "source_id": "1000123", "rule": "authority"|"recent"}}.';

CREATE TABLE ops.identity_events (
    event_id          bigserial   PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    kind              text        NOT NULL CHECK (kind IN ('merge', 'split', 'link', 'unlink')),
    customer_id       bigint      NOT NULL,
    other_customer_id bigint,
    source            text,
    source_id         text,
    rule              text,
    score             numeric,
    run_id            bigint
);
CREATE INDEX identity_events_customer_idx ON ops.identity_events (customer_id, at);
CREATE INDEX identity_events_other_idx ON ops.identity_events (other_customer_id) WHERE other_customer_id IS NOT NULL;
CREATE INDEX identity_events_source_idx ON ops.identity_events (source, source_id) WHERE source IS NOT NULL;
COMMENT ON TABLE ops.identity_events IS 'Changes identity resolution made: merge (other_customer_id merged into customer_id), split (customer_id gave records to other_customer_id), link/unlink (a source record moved to customer_id from other_customer_id, by rule and score).';

CREATE TABLE ops.identity_overrides (
    override_id bigserial   PRIMARY KEY,
    source_a    text        NOT NULL,
    source_id_a text        NOT NULL,
    source_b    text        NOT NULL,
    source_id_b text        NOT NULL,
    action      text        NOT NULL CHECK (action IN ('link', 'unlink')),
    reason      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user
);
CREATE INDEX identity_overrides_pair_idx ON ops.identity_overrides (source_a, source_id_a, source_b, source_id_b, created_at DESC);
COMMENT ON TABLE ops.identity_overrides IS 'Manual identity decisions on a pair of source customers (in either order); the latest row of a pair wins over every matching rule on every re-run.';

CREATE TABLE ops.identity_state (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    fingerprint text        NOT NULL,
    resolved_at timestamptz NOT NULL DEFAULT now(),
    run_id      bigint,
    stats       jsonb
);
COMMENT ON TABLE ops.identity_state IS 'The last identity resolution: a fingerprint of its inputs (rules, survivorship, source customers'' count and latest synced_at, latest override); a run with the same fingerprint has nothing to do and is skipped.';

CREATE TABLE core.customer_history (
    customer_id bigint      NOT NULL,
    attribute   text        NOT NULL,
    value       text,
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz,
    source      text,
    run_id      bigint,
    PRIMARY KEY (customer_id, attribute, valid_from)
);
CREATE UNIQUE INDEX customer_history_open_idx ON core.customer_history (customer_id, attribute) WHERE valid_to IS NULL;
COMMENT ON TABLE core.customer_history IS 'Validity intervals [valid_from, valid_to) of golden customers'' segment, owner and status (valid_to NULL = current), with the source that supplied the value.';

CREATE TABLE ops.source_roles (
    source     text        PRIMARY KEY,
    role       text        NOT NULL CHECK (role IN ('crm', 'erp')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ops.source_roles IS 'Which connectors are CRM and which ERP systems, as last given to northstar reconcile; the report.* reconciliation views read it.';

CREATE VIEW report.golden_attribute_lineage AS
SELECT c.customer_id, a.key AS attribute, to_jsonb(c) ->> a.key AS value,
       a.value ->> 'source' AS source, a.value ->> 'source_id' AS source_id,
       a.value ->> 'rule' AS survivorship_rule, cs.matched_by, cs.match_score,
       to_jsonb(sc) ->> a.key AS source_value, sc.modified_at AS source_modified_at
FROM core.customers c
CROSS JOIN LATERAL jsonb_each(c.attribute_sources) a
LEFT JOIN core.customer_sources cs ON cs.source = a.value ->> 'source' AND cs.source_id = a.value ->> 'source_id'
LEFT JOIN core.source_customers sc ON sc.source = cs.source AND sc.source_id = cs.source_id
WHERE c.merged_into IS NULL;
COMMENT ON VIEW report.golden_attribute_lineage IS 'Where does each golden customer attribute come from? One row per customer and attribute: the value, the source record that supplied it, the survivorship rule (authority or most recent) and the identity rule and score that linked that record.';

CREATE VIEW report.crm_without_erp AS
SELECT cs.customer_id, sc.source, sc.source_id, sc.name, sc.country, cs.matched_by
FROM core.source_customers sc
JOIN ops.source_roles r ON r.source = sc.source AND r.role = 'crm'
JOIN core.customer_sources cs ON cs.source = sc.source AND cs.source_id = sc.source_id
WHERE sc.deleted_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM core.customer_sources o
    JOIN ops.source_roles ro ON ro.source = o.source AND ro.role = 'erp'
    JOIN core.source_customers so ON so.source = o.source AND so.source_id = o.source_id AND so.deleted_at IS NULL
    WHERE o.customer_id = cs.customer_id);
COMMENT ON VIEW report.crm_without_erp IS 'Which CRM accounts have no customer in any ERP? Live CRM source customers whose golden customer has no live ERP record (roles in ops.source_roles).';

CREATE VIEW report.erp_without_crm AS
SELECT cs.customer_id, sc.source, sc.source_id, sc.name, sc.country, cs.matched_by
FROM core.source_customers sc
JOIN ops.source_roles r ON r.source = sc.source AND r.role = 'erp'
JOIN core.customer_sources cs ON cs.source = sc.source AND cs.source_id = sc.source_id
WHERE sc.deleted_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM core.customer_sources o
    JOIN ops.source_roles ro ON ro.source = o.source AND ro.role = 'crm'
    JOIN core.source_customers so ON so.source = o.source AND so.source_id = o.source_id AND so.deleted_at IS NULL
    WHERE o.customer_id = cs.customer_id);
COMMENT ON VIEW report.erp_without_crm IS 'Which ERP customers have no CRM account? Live ERP source customers whose golden customer has no live CRM record (roles in ops.source_roles).';

-- +goose StatementBegin
CREATE FUNCTION report.won_opportunities_without_order(p_window interval, p_tolerance numeric)
RETURNS TABLE (source text, source_id text, customer_id bigint, ordered_at timestamptz,
               currency text, amount numeric, amount_reporting numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT o.source, o.source_id, o.customer_id, o.ordered_at, o.currency, o.amount, o.amount_reporting
    FROM core.orders o
    JOIN ops.source_roles r ON r.source = o.source AND r.role = 'crm'
    WHERE o.deleted_at IS NULL AND o.canceled_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM core.orders e
        JOIN ops.source_roles re ON re.source = e.source AND re.role = 'erp'
        WHERE e.customer_id = o.customer_id AND e.deleted_at IS NULL
          AND e.ordered_at >= o.ordered_at - p_window AND e.ordered_at <= o.ordered_at + p_window
          AND CASE WHEN e.amount_reporting IS NOT NULL AND o.amount_reporting IS NOT NULL
                   THEN abs(e.amount_reporting - o.amount_reporting) <= p_tolerance * abs(o.amount_reporting)
                   WHEN e.currency IS NOT DISTINCT FROM o.currency
                   THEN abs(e.amount - o.amount) <= p_tolerance * abs(o.amount)
                   ELSE false END)
$$;
-- +goose StatementEnd
COMMENT ON FUNCTION report.won_opportunities_without_order(interval, numeric) IS 'Won CRM opportunities (orders of a CRM source) with no ERP order of the same golden customer within ±p_window whose amount (reporting currency, else same currency) is within p_tolerance (a fraction, 0.01 = 1 %). SECURITY DEFINER (fixed, read-only query) so that report readers can use it like the views.';

CREATE VIEW report.won_opportunities_without_order AS
SELECT * FROM report.won_opportunities_without_order(interval '30 days', 0.01);
COMMENT ON VIEW report.won_opportunities_without_order IS 'Which won deals never became an ERP order? CRM orders with no ERP order of the same golden customer within 30 days and 1 % of the amount (northstar reconcile takes other limits).';

CREATE VIEW report.orders_unknown_customer AS
SELECT o.source, o.source_id, o.customer_id, o.customer_source_id, o.ordered_at, o.currency, o.amount, o.amount_reporting,
       CASE WHEN o.customer_id IS NULL THEN 'no_customer' ELSE 'no_crm_account' END AS reason
FROM core.orders o
JOIN ops.source_roles r ON r.source = o.source AND r.role = 'erp'
WHERE o.deleted_at IS NULL
  AND (o.customer_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM core.customer_sources cs
    JOIN ops.source_roles rc ON rc.source = cs.source AND rc.role = 'crm'
    JOIN core.source_customers sc ON sc.source = cs.source AND sc.source_id = cs.source_id AND sc.deleted_at IS NULL
    WHERE cs.customer_id = o.customer_id));
COMMENT ON VIEW report.orders_unknown_customer IS 'Which ERP orders belong to no customer the CRM knows? Live ERP orders without a golden customer (no_customer) or whose golden customer has no live CRM account (no_crm_account).';

CREATE VIEW report.reconciliation AS
SELECT 'crm_without_erp' AS check_name, count(*) AS n FROM report.crm_without_erp
UNION ALL SELECT 'erp_without_crm', count(*) FROM report.erp_without_crm
UNION ALL SELECT 'won_opportunities_without_order', count(*) FROM report.won_opportunities_without_order
UNION ALL SELECT 'orders_unknown_customer', count(*) FROM report.orders_unknown_customer;
COMMENT ON VIEW report.reconciliation IS 'Do CRM and ERP agree? One row per reconciliation check with the number of gaps; the report.* view of the same name lists them.';

COMMENT ON COLUMN report.golden_attribute_lineage.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.golden_attribute_lineage.attribute IS 'Golden attribute (core.customers column).';
COMMENT ON COLUMN report.golden_attribute_lineage.value IS 'Golden value as text.';
COMMENT ON COLUMN report.golden_attribute_lineage.source IS 'Source (connector) of the record that supplied the value.';
COMMENT ON COLUMN report.golden_attribute_lineage.source_id IS 'Id of that record in its source.';
COMMENT ON COLUMN report.golden_attribute_lineage.survivorship_rule IS 'authority (configured authoritative source) or recent (most recently modified record).';
COMMENT ON COLUMN report.golden_attribute_lineage.matched_by IS 'Identity rule that linked the record to the golden customer.';
COMMENT ON COLUMN report.golden_attribute_lineage.match_score IS 'Score of that link (1 exact, Jaro-Winkler for fuzzy names).';
COMMENT ON COLUMN report.golden_attribute_lineage.source_value IS 'The value as the source record holds it (domain may be derived from website or e-mail).';
COMMENT ON COLUMN report.golden_attribute_lineage.source_modified_at IS 'When the source record last changed.';
COMMENT ON COLUMN report.crm_without_erp.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.crm_without_erp.source IS 'CRM source (connector).';
COMMENT ON COLUMN report.crm_without_erp.source_id IS 'Account id in the CRM.';
COMMENT ON COLUMN report.crm_without_erp.name IS 'Account name in the CRM.';
COMMENT ON COLUMN report.crm_without_erp.country IS 'Account country in the CRM.';
COMMENT ON COLUMN report.crm_without_erp.matched_by IS 'Identity rule of the account''s link.';
COMMENT ON COLUMN report.erp_without_crm.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.erp_without_crm.source IS 'ERP source (connector).';
COMMENT ON COLUMN report.erp_without_crm.source_id IS 'Customer (business partner) id in the ERP.';
COMMENT ON COLUMN report.erp_without_crm.name IS 'Customer name in the ERP.';
COMMENT ON COLUMN report.erp_without_crm.country IS 'Customer country in the ERP.';
COMMENT ON COLUMN report.erp_without_crm.matched_by IS 'Identity rule of the customer''s link.';
COMMENT ON COLUMN report.won_opportunities_without_order.source IS 'CRM source (connector).';
COMMENT ON COLUMN report.won_opportunities_without_order.source_id IS 'Opportunity id in the CRM.';
COMMENT ON COLUMN report.won_opportunities_without_order.customer_id IS 'Golden customer id.';
COMMENT ON COLUMN report.won_opportunities_without_order.ordered_at IS 'Close date of the won opportunity.';
COMMENT ON COLUMN report.won_opportunities_without_order.currency IS 'Opportunity currency.';
COMMENT ON COLUMN report.won_opportunities_without_order.amount IS 'Opportunity amount in its currency.';
COMMENT ON COLUMN report.won_opportunities_without_order.amount_reporting IS 'Opportunity amount in the reporting currency.';
COMMENT ON COLUMN report.orders_unknown_customer.source IS 'ERP source (connector).';
COMMENT ON COLUMN report.orders_unknown_customer.source_id IS 'Order id in the ERP.';
COMMENT ON COLUMN report.orders_unknown_customer.customer_id IS 'Golden customer id (NULL: the order''s customer is unknown).';
COMMENT ON COLUMN report.orders_unknown_customer.customer_source_id IS 'Customer id the ERP order names.';
COMMENT ON COLUMN report.orders_unknown_customer.ordered_at IS 'Order date.';
COMMENT ON COLUMN report.orders_unknown_customer.currency IS 'Order currency.';
COMMENT ON COLUMN report.orders_unknown_customer.amount IS 'Order amount in its currency.';
COMMENT ON COLUMN report.orders_unknown_customer.amount_reporting IS 'Order amount in the reporting currency.';
COMMENT ON COLUMN report.orders_unknown_customer.reason IS 'no_customer (not linked to a golden customer) or no_crm_account (golden customer unknown to every CRM).';
COMMENT ON COLUMN report.reconciliation.check_name IS 'Reconciliation check: the report view listing its gaps.';
COMMENT ON COLUMN report.reconciliation.n IS 'Number of gaps found.';

-- +goose Down
DROP VIEW report.reconciliation;
DROP VIEW report.orders_unknown_customer;
DROP VIEW report.won_opportunities_without_order;
DROP FUNCTION report.won_opportunities_without_order(interval, numeric);
DROP VIEW report.erp_without_crm;
DROP VIEW report.crm_without_erp;
DROP VIEW report.golden_attribute_lineage;
DROP TABLE ops.source_roles;
DROP TABLE core.customer_history;
DROP TABLE ops.identity_state;
DROP TABLE ops.identity_overrides;
DROP TABLE ops.identity_events;
ALTER TABLE core.customers DROP COLUMN attribute_sources, DROP COLUMN merged_into;
