"""Inputs of the version-wide gates that are judged in Python (``flows.stages.form_gates`` and
``flows.stages.item_gates``), fetched with SQL as polars frames.

Only what a gate needs leaves DuckDB: user turns once per distinct turn (a shared filler session is
fetched once, however many histories hold it), the detector's population as weights per (half, turn),
and small per-MCQ and per-option tables. ``flows.gates`` wires them to the gates.
"""

from __future__ import annotations

import duckdb
import polars as pl

PERSONAS = "SELECT DISTINCT persona_id FROM histories WHERE version_id = $v ORDER BY persona_id"
HISTORIES = "SELECT history_id FROM histories WHERE version_id = $v ORDER BY history_id"

# Every user turn of every session placed in some history, once, with its session's length and its label
# (a cue turn is a row of `signals`).
USER_TURNS = """
WITH placed AS (SELECT DISTINCT session_id FROM history_items WHERE version_id = $v),
cues AS (SELECT DISTINCT session_id, turn_index FROM signals WHERE version_id = $v)
SELECT t.session_id, t.turn_index, t.content, s.n_turns,
       (c.session_id IS NOT NULL) AS cue
FROM turns t SEMI JOIN placed USING (session_id)
JOIN sessions s ON s.version_id = t.version_id AND s.session_id = t.session_id
LEFT JOIN cues c ON c.session_id = t.session_id AND c.turn_index = t.turn_index
WHERE t.version_id = $v AND t.role = 'user'
ORDER BY t.session_id, t.turn_index
"""

# The detector's population, deduplicated per persona: a (persona, turn) pair counts once however many of
# that persona's histories hold the turn; weight = personas of that half whose histories hold it.
POPULATION = """
WITH per_persona AS (
    SELECT DISTINCT h.persona_id, t.session_id, t.turn_index
    FROM history_items i
    JOIN histories h ON h.version_id = i.version_id AND h.history_id = i.history_id
    JOIN turns t ON t.version_id = i.version_id AND t.session_id = i.session_id
    WHERE i.version_id = $v AND t.role = 'user')
SELECT g.half, p.session_id, p.turn_index, count(*)::DOUBLE AS weight
FROM per_persona p JOIN _tacit_halves g USING (persona_id)
GROUP BY ALL ORDER BY ALL
"""

HISTORY_USER_TURNS = """
WITH cues AS (SELECT DISTINCT session_id, turn_index FROM signals WHERE version_id = $v)
SELECT i.history_id, t.session_id, t.turn_index, t.content, (c.session_id IS NOT NULL) AS cue
FROM history_items i JOIN _tacit_histories USING (history_id)
JOIN turns t ON t.version_id = i.version_id AND t.session_id = i.session_id
LEFT JOIN cues c ON c.session_id = t.session_id AND c.turn_index = t.turn_index
WHERE i.version_id = $v AND t.role = 'user'
ORDER BY i.history_id, i.position, t.turn_index
"""

# Each MCQ with its options (label order) and the user turns that carry its preference's cues.
MCQS = """
WITH opts AS (
    SELECT query_id, list(label ORDER BY label) AS labels, list(text ORDER BY label) AS texts
    FROM options WHERE version_id = $v GROUP BY query_id),
cue_text AS (
    SELECT s.preference_id, list(DISTINCT t.content) AS cues
    FROM signals s JOIN turns t USING (version_id, session_id, turn_index)
    WHERE s.version_id = $v GROUP BY s.preference_id)
SELECT q.query_id, q.history_id, q.gold_label, o.labels, o.texts, coalesce(c.cues, []::VARCHAR[]) AS cues
FROM queries q JOIN opts o USING (query_id)
LEFT JOIN cue_text c ON c.preference_id = q.preference_id
WHERE q.version_id = $v AND q.kind = 'mcq'
ORDER BY q.history_id, q.query_id
"""

# Distinct cue surface forms per scenario option: the stored evidence sentence, or the signal turn's
# content for rows written before `signals.evidence` existed.
SURFACE_FORMS = """
SELECT p.scenario_id, p.option_id,
       count(DISTINCT coalesce(s.evidence, t.content)) AS n_forms, count(*) AS n_signals
FROM signals s
JOIN preferences p ON p.version_id = s.version_id AND p.preference_id = s.preference_id
JOIN turns t ON t.version_id = s.version_id AND t.session_id = s.session_id AND t.turn_index = s.turn_index
WHERE s.version_id = $v
GROUP BY ALL ORDER BY ALL
"""


CALENDAR_TURNS = """
SELECT i.history_id, i.session_id, i.started_at, t.content
FROM history_items i JOIN turns t ON t.version_id = i.version_id AND t.session_id = i.session_id
WHERE i.version_id = $v AND t.role = 'user' AND regexp_matches(t.content, $pattern)
"""


def calendar_turns(con: duckdb.DuckDBPyConnection, vid: str, pattern: str) -> tuple[pl.DataFrame, int]:
    """(history_id, session_id, started_at, content of the user turns matching ``pattern``; the number
    of (history, session) placements in all)."""
    placed = con.execute("SELECT count(*) FROM history_items WHERE version_id = $v", {"v": vid}).fetchone()[0]
    return con.execute(CALENDAR_TURNS, {"v": vid, "pattern": pattern}).pl(), placed


def persona_ids(con: duckdb.DuckDBPyConnection, vid: str) -> list[str]:
    return [r[0] for r in con.execute(PERSONAS, {"v": vid}).fetchall()]


def history_ids(con: duckdb.DuckDBPyConnection, vid: str) -> list[str]:
    return [r[0] for r in con.execute(HISTORIES, {"v": vid}).fetchall()]


def user_turns(con: duckdb.DuckDBPyConnection, vid: str) -> pl.DataFrame:
    """session_id, turn_index, content, n_turns, cue: every distinct user turn placed in a history."""
    return con.execute(USER_TURNS, {"v": vid}).pl()


def population(con: duckdb.DuckDBPyConnection, vid: str, halves: dict[str, int]) -> pl.DataFrame:
    """half, session_id, turn_index, weight: the detector's (persona, user turn) pairs counted per half.
    ``halves`` maps each persona id to 0 (train) or 1 (test)."""
    frame = pl.DataFrame(
        {"persona_id": list(halves), "half": list(halves.values())}, schema_overrides={"half": pl.Int8}
    )
    con.register("_tacit_halves", frame.to_arrow())
    try:
        return con.execute(POPULATION, {"v": vid}).pl()
    finally:
        con.unregister("_tacit_halves")


def history_user_turns(con: duckdb.DuckDBPyConnection, vid: str, histories: list[str]) -> pl.DataFrame:
    """history_id, session_id, turn_index, content, cue: the user turns of the given histories, in order."""
    con.register(
        "_tacit_histories", pl.DataFrame({"history_id": histories}, schema={"history_id": pl.String}).to_arrow()
    )
    try:
        return con.execute(HISTORY_USER_TURNS, {"v": vid}).pl()
    finally:
        con.unregister("_tacit_histories")


def mcqs(con: duckdb.DuckDBPyConnection, vid: str) -> pl.DataFrame:
    """query_id, history_id, gold_label, labels, texts, cues (user-turn texts of its preference's signals)."""
    return con.execute(MCQS, {"v": vid}).pl()


def surface_forms(con: duckdb.DuckDBPyConnection, vid: str) -> pl.DataFrame:
    """scenario_id, option_id, n_forms, n_signals. A warehouse opened read-only before migration 010 has no
    ``signals.evidence``: the signal turns stand in."""
    columns = [d[0] for d in con.execute("SELECT * FROM signals LIMIT 0").description]
    sql = SURFACE_FORMS if "evidence" in columns else SURFACE_FORMS.replace("s.evidence", "NULL::VARCHAR")
    return con.execute(sql, {"v": vid}).pl()
