-- A prompt longer than the model's context: never truncated, recorded per result (scored wrong).
-- No default (DuckLake cannot add one); rows written before it read NULL, i.e. no overflow.
ALTER TABLE eval_results ADD COLUMN IF NOT EXISTS overflow BOOLEAN;
