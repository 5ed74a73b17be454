-- Where an LLM call's time went: latency_ms is now the server's time (from just before each HTTP send to
-- its response) and queue_ms the time the call was ready but not sent (a slot in the concurrency window,
-- the RPM/TPM limiter, retry backoff; llm/call_records.py RequestClock). Rows written before hold the
-- whole wait in latency_ms and read NULL here.
-- Why the table is rebuilt, not altered: DuckDB (1.5) cannot replay an ALTER TABLE on a table with a
-- non-constant default (created_at's current_timestamp) from its WAL, so a process killed before its next
-- checkpoint would leave a warehouse no process can open (duckdb/duckdb#18259, #20543). Same columns,
-- queue_ms last, as ADD COLUMN would put it; nullable, and no default (DuckLake cannot add one).
CREATE TABLE llm_calls_before_014 AS SELECT * FROM llm_calls;
DROP TABLE llm_calls;
CREATE TABLE llm_calls (
    cache_key VARCHAR PRIMARY KEY, call_site VARCHAR NOT NULL, request_key VARCHAR, prompt_id VARCHAR,
    prompt_sha VARCHAR, model VARCHAR NOT NULL, messages JSON, params JSON, response_text VARCHAR, parsed JSON,
    tokens_in INTEGER, tokens_out INTEGER, latency_ms INTEGER, cost_usd DOUBLE, status VARCHAR NOT NULL,
    error VARCHAR, system_fingerprint VARCHAR, run_id VARCHAR, created_at TIMESTAMP DEFAULT current_timestamp,
    queue_ms INTEGER);
INSERT INTO llm_calls SELECT *, NULL AS queue_ms FROM llm_calls_before_014;
DROP TABLE llm_calls_before_014;
