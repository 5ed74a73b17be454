-- Who runs a run: its host, pid and process start (boot id and start time from /proc, so a reused pid is
-- not taken for the owner). A 'running' row whose process is gone is marked 'interrupted' when the next
-- run starts (warehouse/liveness.py). Nullable, no default: rows written before read NULL (owner unknown).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner_host VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner_pid BIGINT;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner_start VARCHAR;
ALTER TABLE eval_runs ADD COLUMN IF NOT EXISTS owner_host VARCHAR;
ALTER TABLE eval_runs ADD COLUMN IF NOT EXISTS owner_pid BIGINT;
ALTER TABLE eval_runs ADD COLUMN IF NOT EXISTS owner_start VARCHAR;
ALTER TABLE training_runs ADD COLUMN IF NOT EXISTS owner_host VARCHAR;
ALTER TABLE training_runs ADD COLUMN IF NOT EXISTS owner_pid BIGINT;
ALTER TABLE training_runs ADD COLUMN IF NOT EXISTS owner_start VARCHAR;
