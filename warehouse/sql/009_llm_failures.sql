-- LLM calls that stayed invalid after their repair request (llm/openai_backend.py), and the Batch API
-- jobs of `tacit synth --batch` (llm/batch.py). A failure row is one failed call in one run: a rerun
-- retries it (failures are never cached) and, if it succeeds, llm_calls holds the answer.
CREATE TABLE IF NOT EXISTS raw_failed_calls (
    cache_key VARCHAR NOT NULL, call_site VARCHAR NOT NULL, request_key VARCHAR, prompt_id VARCHAR,
    prompt_sha VARCHAR, model VARCHAR, messages JSON, params JSON, response_text VARCHAR, error VARCHAR,
    attempts INTEGER, tokens_in INTEGER, tokens_out INTEGER, cost_usd DOUBLE, run_id VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp);

-- One submitted batch: open until collected. A restarted run finds open batches by their requests'
-- cache keys and collects them instead of submitting the same requests again.
CREATE TABLE IF NOT EXISTS llm_batches (
    batch_id VARCHAR PRIMARY KEY, run_id VARCHAR, call_site VARCHAR NOT NULL, model VARCHAR NOT NULL,
    input_file_id VARCHAR, output_file_id VARCHAR, error_file_id VARCHAR, status VARCHAR NOT NULL,
    n_requests INTEGER NOT NULL, n_ok INTEGER, n_failed INTEGER, collected BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMP DEFAULT current_timestamp, collected_at TIMESTAMP);

CREATE TABLE IF NOT EXISTS llm_batch_requests (
    batch_id VARCHAR NOT NULL, cache_key VARCHAR NOT NULL, call_site VARCHAR NOT NULL, request_key VARCHAR,
    PRIMARY KEY (batch_id, cache_key));
