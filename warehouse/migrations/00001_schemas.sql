-- +goose Up
-- The warehouse of northstar: raw (payloads as received), core (the unified
-- customer model), ops (runs, cursors, rejects, manifests), metrics (values,
-- definitions, model fits) and report (views for executives and BI tools).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS metrics;
CREATE SCHEMA IF NOT EXISTS report;

-- ops ----------------------------------------------------------------------
CREATE TABLE ops.sync_runs (
    run_id       bigserial PRIMARY KEY,
    connector    text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    full_sync    boolean     NOT NULL DEFAULT false,
    trigger      text        NOT NULL DEFAULT 'manual',
    host         text,
    pid          integer,
    -- per-stream counts: {"orders": {"read": 10, "inserted": 7, ...}, ...}
    counts       jsonb       NOT NULL DEFAULT '{}',
    records_read      bigint NOT NULL DEFAULT 0,
    records_inserted  bigint NOT NULL DEFAULT 0,
    records_updated   bigint NOT NULL DEFAULT 0,
    records_unchanged bigint NOT NULL DEFAULT 0,
    records_deleted   bigint NOT NULL DEFAULT 0,
    records_rejected  bigint NOT NULL DEFAULT 0,
    error        text
);
CREATE INDEX sync_runs_connector_idx ON ops.sync_runs (connector, started_at DESC);
COMMENT ON TABLE ops.sync_runs IS 'One row per sync run of a connector: status, per-stream counts (read = inserted + updated + unchanged + rejected) and error.';

CREATE TABLE ops.cursors (
    connector   text        NOT NULL,
    stream      text        NOT NULL,
    modified_at timestamptz,
    cursor_id   text        NOT NULL DEFAULT '',
    state       jsonb,
    run_id      bigint,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, stream)
);
COMMENT ON TABLE ops.cursors IS 'High-water mark per connector stream, advanced only in the transaction that stored the data it covers.';

CREATE TABLE ops.rejected_records (
    id         bigserial PRIMARY KEY,
    run_id     bigint      NOT NULL,
    connector  text        NOT NULL,
    stream     text        NOT NULL,
    source_id  text,
    origin     text,
    reason     text        NOT NULL,
    payload    jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejected_records_run_idx ON ops.rejected_records (run_id);
CREATE INDEX rejected_records_connector_idx ON ops.rejected_records (connector, stream, created_at DESC);
COMMENT ON TABLE ops.rejected_records IS 'Records that could not be loaded, with the reason and the payload as received: nothing is dropped silently.';

CREATE TABLE ops.file_manifest (
    connector text        NOT NULL,
    stream    text        NOT NULL,
    path      text        NOT NULL,
    size      bigint      NOT NULL,
    mod_time  timestamptz NOT NULL,
    sha256    text        NOT NULL,
    run_id    bigint,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, stream, path)
);
COMMENT ON TABLE ops.file_manifest IS 'Files loaded by file connectors: an unchanged file (size, mtime, hash) is skipped.';

CREATE TABLE ops.fx_rates (
    day      date    NOT NULL,
    currency text    NOT NULL,
    rate     numeric NOT NULL CHECK (rate > 0),
    source   text    NOT NULL DEFAULT 'config',
    PRIMARY KEY (day, currency)
);
COMMENT ON TABLE ops.fx_rates IS 'Daily FX rates: 1 unit of currency = rate units of the reporting currency.';

-- raw ----------------------------------------------------------------------
CREATE TABLE raw.records (
    source       text        NOT NULL,
    stream       text        NOT NULL,
    source_id    text        NOT NULL,
    payload      jsonb       NOT NULL,
    payload_hash bigint      NOT NULL,
    modified_at  timestamptz,
    deleted_at   timestamptz,
    run_id       bigint      NOT NULL,
    synced_at    timestamptz NOT NULL,
    PRIMARY KEY (source, stream, source_id)
);
COMMENT ON TABLE raw.records IS 'Every source record as received (jsonb), keyed by (source, stream, source_id).';

-- core ---------------------------------------------------------------------
CREATE TABLE core.customers (
    customer_id          bigserial PRIMARY KEY,
    name                 text,
    domain               text,
    country              text,
    segment              text,
    industry             text,
    tax_id               text,
    owner                text,
    status               text,
    acquisition_channel  text,
    referrer_customer_id bigint,
    first_order_at       timestamptz,
    created_at           timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    run_id               bigint,
    synced_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE core.customers IS 'Golden customer records: one row per real customer across all sources.';

CREATE TABLE core.source_customers (
    source              text        NOT NULL,
    source_id           text        NOT NULL,
    name                text,
    domain              text,
    website             text,
    email               text,
    country             text,
    segment             text,
    industry            text,
    tax_id              text,
    external_id         text,
    acquisition_channel text,
    referrer_source_id  text,
    owner               text,
    status              text,
    currency            text,
    created_at          timestamptz,
    modified_at         timestamptz,
    deleted_at          timestamptz,
    delete_kind         text,
    row_hash            bigint      NOT NULL,
    run_id              bigint      NOT NULL,
    synced_at           timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);
COMMENT ON TABLE core.source_customers IS 'Customers/accounts/business partners as each source describes them, before identity resolution.';

CREATE TABLE core.customer_sources (
    source      text        NOT NULL,
    source_id   text        NOT NULL,
    customer_id bigint      NOT NULL REFERENCES core.customers (customer_id),
    matched_by  text        NOT NULL,
    match_score numeric     NOT NULL DEFAULT 1,
    run_id      bigint,
    synced_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_id)
);
CREATE INDEX customer_sources_customer_idx ON core.customer_sources (customer_id);
COMMENT ON TABLE core.customer_sources IS 'Link of each source customer to its golden customer_id, with the rule (matched_by) and score that made it.';

CREATE TABLE core.contacts (
    source             text        NOT NULL,
    source_id          text        NOT NULL,
    customer_source_id text,
    customer_id        bigint,
    email              text,
    name               text,
    phone              text,
    title              text,
    created_at         timestamptz,
    modified_at        timestamptz,
    deleted_at         timestamptz,
    delete_kind        text,
    row_hash           bigint      NOT NULL,
    run_id             bigint      NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core.orders (
    source             text        NOT NULL,
    source_id          text        NOT NULL,
    customer_source_id text,
    customer_id        bigint,
    ordered_at         timestamptz,
    fulfilled_at       timestamptz,
    invoiced_at        timestamptz,
    paid_at            timestamptz,
    canceled_at        timestamptz,
    status             text,
    order_type         text,
    currency           text,
    amount             numeric,
    amount_reporting   numeric,
    fx_rate            numeric,
    quantity           numeric,
    modified_at        timestamptz,
    deleted_at         timestamptz,
    delete_kind        text,
    row_hash           bigint      NOT NULL,
    run_id             bigint      NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core.order_lines (
    source           text        NOT NULL,
    source_id        text        NOT NULL,
    order_source_id  text,
    product_id       text,
    product_category text,
    quantity         numeric,
    amount           numeric,
    currency         text,
    amount_reporting numeric,
    fx_rate          numeric,
    modified_at      timestamptz,
    deleted_at       timestamptz,
    delete_kind      text,
    row_hash         bigint      NOT NULL,
    run_id           bigint      NOT NULL,
    synced_at        timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core.contracts (
    source             text        NOT NULL,
    source_id          text        NOT NULL,
    customer_source_id text,
    customer_id        bigint,
    signed_at          timestamptz,
    go_live_at         timestamptz,
    start_at           timestamptz,
    end_at             timestamptz,
    mrr                numeric,
    currency           text,
    mrr_reporting      numeric,
    fx_rate            numeric,
    status             text,
    adoption_ratio     numeric,
    adopted_at         timestamptz,
    modified_at        timestamptz,
    deleted_at         timestamptz,
    delete_kind        text,
    row_hash           bigint      NOT NULL,
    run_id             bigint      NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core.survey_responses (
    source             text        NOT NULL,
    source_id          text        NOT NULL,
    customer_source_id text,
    customer_id        bigint,
    instrument         text        NOT NULL CHECK (instrument IN ('nps', 'csat', 'ces')),
    score              numeric     NOT NULL,
    scale_min          integer     NOT NULL,
    scale_max          integer     NOT NULL,
    higher_is_better   boolean     NOT NULL DEFAULT true,
    responded_at       timestamptz,
    touchpoint         text,
    comment            text,
    case_source_id     text,
    order_source_id    text,
    modified_at        timestamptz,
    deleted_at         timestamptz,
    delete_kind        text,
    row_hash           bigint      NOT NULL,
    run_id             bigint      NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE TABLE core.support_cases (
    source             text        NOT NULL,
    source_id          text        NOT NULL,
    customer_source_id text,
    customer_id        bigint,
    opened_at          timestamptz,
    closed_at          timestamptz,
    status             text,
    priority           text,
    channel            text,
    subject            text,
    modified_at        timestamptz,
    deleted_at         timestamptz,
    delete_kind        text,
    row_hash           bigint      NOT NULL,
    run_id             bigint      NOT NULL,
    synced_at          timestamptz NOT NULL,
    PRIMARY KEY (source, source_id)
);

CREATE INDEX contacts_customer_src_idx ON core.contacts (source, customer_source_id);
CREATE INDEX orders_customer_src_idx ON core.orders (source, customer_source_id);
CREATE INDEX orders_customer_idx ON core.orders (customer_id, ordered_at);
CREATE INDEX order_lines_order_idx ON core.order_lines (source, order_source_id);
CREATE INDEX contracts_customer_src_idx ON core.contracts (source, customer_source_id);
CREATE INDEX survey_responses_customer_src_idx ON core.survey_responses (source, customer_source_id);
CREATE INDEX support_cases_customer_src_idx ON core.support_cases (source, customer_source_id);

-- metrics ------------------------------------------------------------------
CREATE TABLE metrics.definitions (
    metric_id  text    NOT NULL,
    version    integer NOT NULL,
    name       text    NOT NULL,
    formula    text    NOT NULL,
    unit       text    NOT NULL,
    grain      text    NOT NULL,
    basis      text,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric_id, version)
);

CREATE TABLE metrics."values" (
    metric_id    text        NOT NULL,
    period_start date        NOT NULL,
    grain        text        NOT NULL,
    segment      text        NOT NULL DEFAULT 'all',
    version      integer     NOT NULL,
    period_end   date,
    value        numeric,
    numerator    numeric,
    denominator  numeric,
    n            bigint,
    details      jsonb,
    as_of        date        NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric_id, period_start, grain, segment)
);

CREATE TABLE metrics.model_fits (
    model          text        NOT NULL,
    as_of          date        NOT NULL,
    params         jsonb       NOT NULL,
    log_likelihood double precision,
    n_customers    bigint      NOT NULL,
    converged      boolean     NOT NULL DEFAULT true,
    time_unit      text,
    fitted_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, as_of)
);

CREATE TABLE metrics.customer_scores (
    customer_id        bigint  NOT NULL,
    as_of              date    NOT NULL,
    frequency          integer,
    recency            double precision,
    t                  double precision,
    monetary           numeric,
    p_alive            double precision,
    expected_purchases double precision,
    expected_spend     numeric,
    predicted_clv      numeric,
    historical_clv     numeric,
    PRIMARY KEY (customer_id, as_of)
);

-- +goose Down
DROP SCHEMA report CASCADE;
DROP SCHEMA metrics CASCADE;
DROP SCHEMA core CASCADE;
DROP SCHEMA raw CASCADE;
DROP SCHEMA ops CASCADE;
