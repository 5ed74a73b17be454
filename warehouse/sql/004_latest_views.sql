-- latest_* views: the newest complete dataset version, for SQL that does not name one.
CREATE OR REPLACE VIEW latest_version AS
    SELECT version_id FROM dataset_versions WHERE complete ORDER BY completed_at DESC, version_id LIMIT 1;
CREATE OR REPLACE VIEW latest_personas AS SELECT * FROM personas WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_scenarios AS SELECT * FROM scenarios WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_preferences AS SELECT * FROM preferences WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_sessions AS SELECT * FROM sessions WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_turns AS SELECT * FROM turns WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_signals AS SELECT * FROM signals WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_histories AS SELECT * FROM histories WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_history_items AS SELECT * FROM history_items WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_queries AS SELECT * FROM queries WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_options AS SELECT * FROM options WHERE version_id = (SELECT version_id FROM latest_version);
CREATE OR REPLACE VIEW latest_checks AS SELECT * FROM checks WHERE version_id = (SELECT version_id FROM latest_version);

-- A history as a chat, in one query: its items joined to the turns of each referenced session.
CREATE OR REPLACE VIEW history_chat AS
    SELECT hi.version_id, hi.history_id, hi.position, hi.session_id, hi.started_at, s.kind AS session_kind,
           t.turn_index, t.role, t.content, t.n_tokens, hi.token_offset
    FROM history_items hi
    JOIN sessions s USING (version_id, session_id)
    JOIN turns t USING (version_id, session_id);
