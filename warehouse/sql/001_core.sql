-- Core layer: one dataset version's content. Every row carries version_id (ARCHITECTURE §4).
-- Column names here are relied on by evaluation, training and outside SQL: add, never rename.
CREATE TABLE IF NOT EXISTS personas (
    version_id VARCHAR NOT NULL, persona_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    age INTEGER, age_band VARCHAR, gender VARCHAR, orientation VARCHAR, ethnicity VARCHAR,
    country VARCHAR, city VARCHAR, occupation VARCHAR, education VARCHAR, income VARCHAR, household VARCHAR,
    languages VARCHAR[], personality VARCHAR[], hobbies VARCHAR[], "values" VARCHAR[],
    style_id VARCHAR, record JSON,
    PRIMARY KEY (version_id, persona_id));

CREATE TABLE IF NOT EXISTS scenarios (
    version_id VARCHAR NOT NULL, scenario_id VARCHAR NOT NULL, domain VARCHAR NOT NULL, name VARCHAR NOT NULL,
    sensitive BOOLEAN, n_options INTEGER,
    PRIMARY KEY (version_id, scenario_id));

CREATE TABLE IF NOT EXISTS preferences (
    version_id VARCHAR NOT NULL, preference_id VARCHAR NOT NULL, persona_id VARCHAR NOT NULL,
    scenario_id VARCHAR NOT NULL, option_id VARCHAR NOT NULL, statement VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('stereotypical', 'anti_stereotypical', 'neutral')),
    who VARCHAR NOT NULL CHECK (who IN ('self', 'other')), relation VARCHAR,
    previous_preference_id VARCHAR, superseded BOOLEAN NOT NULL, forget BOOLEAN NOT NULL,
    stated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (version_id, preference_id));

CREATE TABLE IF NOT EXISTS sessions (
    version_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, persona_id VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('signal', 'update', 'forget', 'filler')),
    task_type VARCHAR NOT NULL, started_at TIMESTAMP, n_turns INTEGER NOT NULL, n_tokens INTEGER NOT NULL,
    PRIMARY KEY (version_id, session_id));

CREATE TABLE IF NOT EXISTS turns (
    version_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, turn_index INTEGER NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('system', 'user', 'assistant')), content VARCHAR NOT NULL,
    n_tokens INTEGER NOT NULL,
    PRIMARY KEY (version_id, session_id, turn_index));

CREATE TABLE IF NOT EXISTS signals (
    version_id VARCHAR NOT NULL, preference_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL,
    turn_index INTEGER NOT NULL,
    PRIMARY KEY (version_id, preference_id, session_id));

CREATE TABLE IF NOT EXISTS histories (
    version_id VARCHAR NOT NULL, history_id VARCHAR NOT NULL, persona_id VARCHAR NOT NULL,
    budget_tokens INTEGER NOT NULL, n_tokens INTEGER NOT NULL, tokenizer VARCHAR NOT NULL,
    n_sessions INTEGER NOT NULL,
    PRIMARY KEY (version_id, history_id));

CREATE TABLE IF NOT EXISTS history_items (
    version_id VARCHAR NOT NULL, history_id VARCHAR NOT NULL, position INTEGER NOT NULL,
    session_id VARCHAR NOT NULL, token_offset INTEGER NOT NULL, n_tokens INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL, tokens_to_end INTEGER NOT NULL,
    PRIMARY KEY (version_id, history_id, position));

CREATE TABLE IF NOT EXISTS queries (
    version_id VARCHAR NOT NULL, query_id VARCHAR NOT NULL, preference_id VARCHAR NOT NULL,
    history_id VARCHAR NOT NULL, kind VARCHAR NOT NULL CHECK (kind IN ('mcq', 'open')),
    text VARCHAR NOT NULL, gold_label VARCHAR, rubric VARCHAR,
    PRIMARY KEY (version_id, query_id));

CREATE TABLE IF NOT EXISTS options (
    version_id VARCHAR NOT NULL, query_id VARCHAR NOT NULL, label VARCHAR NOT NULL, text VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('gold', 'stereotype', 'other_preference', 'outdated', 'generic')),
    n_tokens INTEGER NOT NULL,
    PRIMARY KEY (version_id, query_id, label));
