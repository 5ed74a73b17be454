-- Operational tables: runs, versions and the per-shard completion markers that make reruns resume.
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, flow VARCHAR NOT NULL, version_id VARCHAR, config_json JSON,
    status VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, rows_written BIGINT,
    message VARCHAR);

CREATE TABLE IF NOT EXISTS dataset_versions (
    version_id VARCHAR PRIMARY KEY, config_hash VARCHAR NOT NULL, seed BIGINT NOT NULL,
    generator_version VARCHAR NOT NULL, preset VARCHAR, config_json JSON NOT NULL,
    created_at TIMESTAMP NOT NULL, completed_at TIMESTAMP, complete BOOLEAN NOT NULL DEFAULT false);

-- A row here means: every row of that unit (a shard of personas, or the shared filler pool) is in
-- the warehouse. Written in the same transaction as the rows themselves.
CREATE TABLE IF NOT EXISTS stage_progress (
    version_id VARCHAR NOT NULL, unit VARCHAR NOT NULL, rows_written BIGINT NOT NULL, run_id VARCHAR,
    finished_at TIMESTAMP NOT NULL,
    PRIMARY KEY (version_id, unit));
