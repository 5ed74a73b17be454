-- Evaluation (evaluation/, flows/evaluate.py). A run is identified by the hash of its settings, so the
-- same `tacit eval` command resumes the same run; one result row per query x method (ARCHITECTURE §4).
CREATE TABLE IF NOT EXISTS eval_runs (
    run_id VARCHAR PRIMARY KEY, version_id VARCHAR NOT NULL, backend VARCHAR NOT NULL, model VARCHAR NOT NULL,
    methods VARCHAR[] NOT NULL, judges VARCHAR[], config_json JSON NOT NULL, status VARCHAR NOT NULL,
    n_queries INTEGER, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, message VARCHAR);

CREATE TABLE IF NOT EXISTS eval_results (
    run_id VARCHAR NOT NULL, query_id VARCHAR NOT NULL, method VARCHAR NOT NULL, history_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, response VARCHAR NOT NULL, answer VARCHAR, gold VARCHAR, correct BOOLEAN NOT NULL,
    score DOUBLE, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, parsed BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, query_id, method));

-- Every judge's verdict on every open-ended response (several judges: agreement in the report).
CREATE TABLE IF NOT EXISTS eval_judgements (
    run_id VARCHAR NOT NULL, query_id VARCHAR NOT NULL, method VARCHAR NOT NULL, judge VARCHAR NOT NULL,
    score DOUBLE, reason VARCHAR,
    PRIMARY KEY (run_id, query_id, method, judge));

-- The memory each history's agent ended with (built once, shared by all its queries).
CREATE TABLE IF NOT EXISTS eval_memories (
    run_id VARCHAR NOT NULL, history_id VARCHAR NOT NULL, memory VARCHAR NOT NULL, n_chunks INTEGER NOT NULL,
    input_tokens BIGINT NOT NULL, max_memory_tokens INTEGER NOT NULL,
    PRIMARY KEY (run_id, history_id));

-- A row here means every result of that shard of histories is stored (same transaction as the rows).
CREATE TABLE IF NOT EXISTS eval_progress (
    run_id VARCHAR NOT NULL, unit VARCHAR NOT NULL, n_results INTEGER NOT NULL, finished_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, unit));
