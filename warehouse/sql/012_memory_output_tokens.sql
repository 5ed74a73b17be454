-- Tokens the memory agent wrote while building a history's memory (its reading cost is input_tokens).
ALTER TABLE eval_memories ADD COLUMN IF NOT EXISTS output_tokens BIGINT;
