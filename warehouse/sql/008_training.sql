-- Training: the persona split every run of a version uses, training runs and their checkpoints.
-- ARCHITECTURE §4 names training_runs and checkpoints; columns there are kept, more are added.
CREATE TABLE IF NOT EXISTS splits (
    version_id VARCHAR NOT NULL, persona_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL CHECK (split IN ('train', 'val', 'test')),
    seed BIGINT NOT NULL, created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (version_id, persona_id));

CREATE TABLE IF NOT EXISTS training_runs (
    run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL CHECK (kind IN ('sft', 'grpo', 'memory')),
    version_id VARCHAR, base_model VARCHAR NOT NULL, config_json JSON NOT NULL, config_hash VARCHAR,
    status VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, out_dir VARCHAR,
    n_examples BIGINT, metrics_json JSON, message VARCHAR);

CREATE TABLE IF NOT EXISTS checkpoints (
    checkpoint_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, path VARCHAR NOT NULL, step BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL, final BOOLEAN NOT NULL DEFAULT false, metrics_json JSON);
