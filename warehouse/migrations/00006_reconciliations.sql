-- +goose Up
-- When each connector stream last had its key set reconciled (deletes
-- inferred for systems without tombstones), so scheduled reconciliations
-- know when they are due.
CREATE TABLE ops.reconciliations (
    connector      text        NOT NULL,
    stream         text        NOT NULL,
    reconciled_at  timestamptz NOT NULL,
    keys           bigint      NOT NULL,
    inferred       bigint      NOT NULL,
    run_id         bigint,
    PRIMARY KEY (connector, stream)
);
COMMENT ON TABLE ops.reconciliations IS 'Last key-set reconciliation per connector stream: keys listed upstream and deletes inferred.';

-- +goose Down
DROP TABLE ops.reconciliations;
