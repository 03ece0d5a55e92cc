-- +goose Up
-- synced_at defaults to the transaction's timestamp on the tables the
-- first-load path COPYs into, so that it no longer sends (and PostgreSQL
-- no longer parses) the same timestamp on every row. Metadata only.
ALTER TABLE raw.records ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.fx_rates ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.contacts ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.orders ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.order_lines ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.contracts ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.survey_responses ALTER COLUMN synced_at SET DEFAULT now();
ALTER TABLE core.support_cases ALTER COLUMN synced_at SET DEFAULT now();

-- +goose Down
ALTER TABLE raw.records ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.fx_rates ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.contacts ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.orders ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.order_lines ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.contracts ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.survey_responses ALTER COLUMN synced_at DROP DEFAULT;
ALTER TABLE core.support_cases ALTER COLUMN synced_at DROP DEFAULT;
