-- +goose Up
-- Contracts' MRR keeps validity intervals so metrics can be restated as of
-- any past date (metrics refresh --as-of). A trigger keeps the history, so
-- every writer (the loader's merge, bulk COPY, manual fixes) is covered.
CREATE TABLE core.contract_history (
    source     text        NOT NULL,
    source_id  text        NOT NULL,
    mrr        numeric,
    currency   text,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz,
    run_id     bigint,
    PRIMARY KEY (source, source_id, valid_from)
);
CREATE UNIQUE INDEX contract_history_open_idx ON core.contract_history (source, source_id) WHERE valid_to IS NULL;
COMMENT ON TABLE core.contract_history IS 'Validity intervals [valid_from, valid_to) of each contract row''s MRR and currency (valid_to NULL = current). The first value of a contract holds from -infinity (since its start_at); a later change takes effect at the row''s modified_at from the source (the sync time when the source gives none).';

-- +goose StatementBegin
CREATE FUNCTION core.contract_history_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    open_from timestamptz;
    t         timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.mrr IS NOT DISTINCT FROM OLD.mrr AND NEW.currency IS NOT DISTINCT FROM OLD.currency THEN
        RETURN NULL;
    END IF;
    SELECT valid_from INTO open_from FROM core.contract_history
    WHERE source = NEW.source AND source_id = NEW.source_id AND valid_to IS NULL;
    IF open_from IS NULL THEN
        t := '-infinity';
    ELSE
        t := greatest(coalesce(NEW.modified_at, now()), open_from + interval '1 microsecond');
        UPDATE core.contract_history SET valid_to = t
        WHERE source = NEW.source AND source_id = NEW.source_id AND valid_to IS NULL;
    END IF;
    INSERT INTO core.contract_history (source, source_id, mrr, currency, valid_from, run_id)
    VALUES (NEW.source, NEW.source_id, NEW.mrr, NEW.currency, t, NEW.run_id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER contract_history_track AFTER INSERT OR UPDATE OF mrr, currency ON core.contracts
    FOR EACH ROW EXECUTE FUNCTION core.contract_history_track();

INSERT INTO core.contract_history (source, source_id, mrr, currency, valid_from, run_id)
SELECT source, source_id, mrr, currency, '-infinity', run_id FROM core.contracts;

-- The value-stream stage mapping is configurable (metrics.flow.stages):
-- describe the columns by flow state, with the default in brackets.
COMMENT ON VIEW report.value_stream IS 'How fast does an order turn into cash? Flow metrics of the order value stream per period (Flow Framework), under the stage mapping of metrics.flow.stages (default: ordered → active, fulfilled → waiting, invoiced → waiting, paid → done; each value''s details.mapping names the one used): orders completed, median/p85/mean flow time, mean work in progress, pooled flow efficiency (active time / flow time), the mix of completed order types, and support case resolution time.';
COMMENT ON COLUMN report.value_stream.flow_velocity IS 'Orders done (default: paid) in the period.';
COMMENT ON COLUMN report.value_stream.flow_time_median_days IS 'Median days from entering flow (first active or waiting stage; default ordered) to done (default paid) over orders done in the period.';
COMMENT ON COLUMN report.value_stream.flow_load IS 'Mean number of orders in flow (entered, not yet done or canceled) over the days of the period.';
COMMENT ON COLUMN report.value_stream.flow_efficiency_pct IS 'Pooled flow efficiency: sum of time in active stages (default ordered to fulfilled) / sum of flow time, percent.';

-- +goose Down
COMMENT ON VIEW report.value_stream IS 'How fast does an order turn into cash? Flow metrics of the order-to-cash value stream per period (Flow Framework): orders completed (paid), median/p85/mean order-to-payment time, mean work in progress, pooled flow efficiency (fulfilment time / flow time), the mix of completed order types, and support case resolution time.';
COMMENT ON COLUMN report.value_stream.flow_velocity IS 'Orders paid (done) in the period.';
COMMENT ON COLUMN report.value_stream.flow_time_median_days IS 'Median days from ordered to paid over orders paid in the period.';
COMMENT ON COLUMN report.value_stream.flow_load IS 'Mean number of orders in progress (ordered, not yet paid or canceled) over the days of the period.';
COMMENT ON COLUMN report.value_stream.flow_efficiency_pct IS 'Pooled flow efficiency: sum of active (ordered to fulfilled) time / sum of flow time, percent.';
DROP TRIGGER contract_history_track ON core.contracts;
DROP FUNCTION core.contract_history_track();
DROP TABLE core.contract_history;
