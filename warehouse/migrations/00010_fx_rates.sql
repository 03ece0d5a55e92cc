-- +goose Up
-- Daily FX rates (issue #5, "Currencies").
--
-- core.fx_rates holds the rates of the fx_rates stream as each connector
-- delivered them (loaded like every core table: source, source_id,
-- row_hash, run_id, synced_at, tombstones). A rate means 1 unit of
-- currency = rate units of base on day.
--
-- ops.fx_rates, already created empty by 00001, becomes the effective daily
-- table derived from core.fx_rates after every run that loads rates
-- (warehouse.RefreshFXRates): one rate per (day, currency) in the
-- reporting currency. A rate quoted in another base (a cross rate) is
-- multiplied by the base's effective rate of the same day. When several
-- live rows give the same (day, currency) — two connectors, or a direct
-- and a cross rate — the most recently synced wins (synced_at changes only
-- when the row's content changes), ties broken by the smaller
-- (source, source_id): deterministic.
--
-- core.orders, core.order_lines and core.contracts record the rate used:
-- fx_rate (already there), fx_rate_day (the day of the daily rate; NULL
-- for a config rate or the reporting currency) and fx_rate_source (the
-- connector that delivered the daily rate, 'config' for the `fx:` section,
-- NULL for amounts already in the reporting currency).
CREATE TABLE core.fx_rates (
    source      text        NOT NULL,
    source_id   text        NOT NULL,
    day         date,
    currency    text,
    base        text,
    rate        numeric     CHECK (rate > 0),
    modified_at timestamptz,
    deleted_at  timestamptz,
    delete_kind text,
    row_hash    bigint      NOT NULL,
    run_id      bigint      NOT NULL,
    synced_at   timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);
COMMENT ON TABLE core.fx_rates IS 'Daily FX rates as each connector delivered them (stream fx_rates): 1 unit of currency = rate units of base on day. ops.fx_rates is derived from it.';

ALTER TABLE ops.fx_rates ALTER COLUMN source DROP DEFAULT;
ALTER TABLE ops.fx_rates ADD COLUMN source_id   text;
ALTER TABLE ops.fx_rates ADD COLUMN base        text;
ALTER TABLE ops.fx_rates ADD COLUMN quoted_rate numeric;
ALTER TABLE ops.fx_rates ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();
CREATE INDEX fx_rates_currency_day_idx ON ops.fx_rates (currency, day);
COMMENT ON TABLE ops.fx_rates IS 'Effective daily FX rates, derived from core.fx_rates after each run that loads rates: 1 unit of currency = rate units of the reporting currency on day. A fact dated D uses the latest rate of its currency on or before D, else the config rate. Do not edit: load rates through a connector (e.g. a file).';
COMMENT ON COLUMN ops.fx_rates.source IS 'Connector that delivered the winning rate (the most recently synced when several give the same day and currency).';
COMMENT ON COLUMN ops.fx_rates.source_id IS 'Key of the winning row in core.fx_rates.';
COMMENT ON COLUMN ops.fx_rates.base IS 'Currency the rate was quoted in; not the reporting currency for a cross rate.';
COMMENT ON COLUMN ops.fx_rates.quoted_rate IS 'The rate as delivered, in base; rate = quoted_rate × the base''s rate of the same day for a cross rate.';

-- One row: the FX settings (reporting currency, time zone, config rates)
-- the facts were last re-priced with (a change re-prices every fact), the
-- daily rates changed since the last re-pricing (currency → earliest
-- changed day), so a run that dies between deriving rates and re-pricing
-- facts leaves the work to the next run, and a generation counting the
-- changes of ops.fx_rates, so a run can tell whether the rates it priced
-- with are still current.
CREATE TABLE ops.fx_state (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    settings    jsonb       NOT NULL,
    pending     jsonb       NOT NULL DEFAULT '{}',
    generation  bigint      NOT NULL DEFAULT 0,
    repriced_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ops.fx_state IS 'FX settings (reporting currency, time zone, config rates) of the last full re-pricing of core facts, daily rates changed since the last re-pricing (pending: currency → earliest changed day), and the number of changes of ops.fx_rates (generation).';

ALTER TABLE core.orders ADD COLUMN fx_rate_day date;
ALTER TABLE core.orders ADD COLUMN fx_rate_source text;
ALTER TABLE core.order_lines ADD COLUMN fx_rate_day date;
ALTER TABLE core.order_lines ADD COLUMN fx_rate_source text;
ALTER TABLE core.contracts ADD COLUMN fx_rate_day date;
ALTER TABLE core.contracts ADD COLUMN fx_rate_source text;
COMMENT ON COLUMN core.orders.fx_rate IS 'Rate used for amount_reporting: 1 unit of currency = fx_rate units of the reporting currency.';
COMMENT ON COLUMN core.orders.fx_rate_day IS 'Day of the daily rate used (latest on or before the order day); NULL for a config rate or the reporting currency.';
COMMENT ON COLUMN core.orders.fx_rate_source IS 'Connector of the daily rate used, ''config'' for a rate of the fx: section, NULL for the reporting currency.';
COMMENT ON COLUMN core.order_lines.fx_rate_day IS 'Day of the daily rate used (latest on or before the order''s day); NULL for a config rate or the reporting currency.';
COMMENT ON COLUMN core.order_lines.fx_rate_source IS 'Connector of the daily rate used, ''config'' for a rate of the fx: section, NULL for the reporting currency.';
COMMENT ON COLUMN core.contracts.fx_rate_day IS 'Day of the daily rate used (latest on or before the signature, else start, day); NULL for a config rate or the reporting currency.';
COMMENT ON COLUMN core.contracts.fx_rate_source IS 'Connector of the daily rate used, ''config'' for a rate of the fx: section, NULL for the reporting currency.';

-- +goose Down
ALTER TABLE core.contracts DROP COLUMN fx_rate_source;
ALTER TABLE core.contracts DROP COLUMN fx_rate_day;
ALTER TABLE core.order_lines DROP COLUMN fx_rate_source;
ALTER TABLE core.order_lines DROP COLUMN fx_rate_day;
ALTER TABLE core.orders DROP COLUMN fx_rate_source;
ALTER TABLE core.orders DROP COLUMN fx_rate_day;
DROP TABLE ops.fx_state;
DROP INDEX ops.fx_rates_currency_day_idx;
ALTER TABLE ops.fx_rates DROP COLUMN updated_at;
ALTER TABLE ops.fx_rates DROP COLUMN quoted_rate;
ALTER TABLE ops.fx_rates DROP COLUMN base;
ALTER TABLE ops.fx_rates DROP COLUMN source_id;
ALTER TABLE ops.fx_rates ALTER COLUMN source SET DEFAULT 'config';
DELETE FROM ops.fx_rates;
DROP TABLE core.fx_rates;
