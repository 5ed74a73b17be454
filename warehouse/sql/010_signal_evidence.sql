-- The cue sentence, verbatim as it stands in the signal turn (null for rows written before it existed).
ALTER TABLE signals ADD COLUMN IF NOT EXISTS evidence VARCHAR;
