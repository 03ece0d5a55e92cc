-- +goose Up
-- Scheduled slots claimed by northstar daemons (package daemon). Every
-- replica fires the same cron slot; the first INSERT of (kind, connector,
-- scheduled_at) wins and the others see the key taken and skip, so a slot
-- runs once across all replicas. The per-connector advisory lock (see
-- ops.sync_runs) still guarantees a connector never runs twice at a time.
CREATE TABLE ops.schedule_slots (
    kind         text        NOT NULL CHECK (kind IN ('sync', 'refresh')),
    connector    text        NOT NULL,  -- '' for the metric refresh
    scheduled_at timestamptz NOT NULL,
    claimed_by   text        NOT NULL,  -- host/pid/replica of the daemon that claimed it
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    run_id       bigint,                -- ops.sync_runs.run_id of the run it started, if any
    outcome      text,                  -- succeeded, partial, failed, busy, error; NULL while in flight
    finished_at  timestamptz,
    PRIMARY KEY (kind, connector, scheduled_at)
);
CREATE INDEX schedule_slots_scheduled_at_idx ON ops.schedule_slots (scheduled_at);
COMMENT ON TABLE ops.schedule_slots IS 'One row per scheduled slot (sync of a connector, or metric refresh) claimed by a daemon replica; the primary key makes each slot run once across replicas. Rows older than 7 days are pruned by the daemon.';

-- +goose Down
DROP TABLE ops.schedule_slots;
