-- The per-request cache and record of LLM calls (llm/openai_backend.py). A row with status 'ok' answers
-- any later request with the same cache_key without calling the server.
CREATE TABLE IF NOT EXISTS llm_calls (
    cache_key VARCHAR PRIMARY KEY, call_site VARCHAR NOT NULL, request_key VARCHAR, prompt_id VARCHAR,
    prompt_sha VARCHAR, model VARCHAR NOT NULL, messages JSON, params JSON, response_text VARCHAR, parsed JSON,
    tokens_in INTEGER, tokens_out INTEGER, latency_ms INTEGER, cost_usd DOUBLE, status VARCHAR NOT NULL,
    error VARCHAR, system_fingerprint VARCHAR, run_id VARCHAR, created_at TIMESTAMP DEFAULT current_timestamp);
