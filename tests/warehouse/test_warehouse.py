"""Migrations apply once; a second writer gets a clear error; histories assemble with one query."""

from __future__ import annotations

import pytest

from tests.conftest import writer_holding
from warehouse import WarehouseBusyError, WarehouseError, connect
from warehouse.connection import migrations
from warehouse.history import assemble_history
from warehouse.load import write_unit


def test_migrations_apply_once(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    applied = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert applied == [p.name for p in migrations()]
    con.close()
    con = connect(db)
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(applied),)
    con.close()


def test_minimum_columns_exist(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    need = {
        "personas": ["version_id", "persona_id", "name"],
        "scenarios": ["version_id", "scenario_id", "domain", "name"],
        "preferences": [
            "version_id",
            "preference_id",
            "persona_id",
            "scenario_id",
            "statement",
            "kind",
            "who",
            "previous_preference_id",
            "forget",
        ],
        "sessions": ["version_id", "session_id", "persona_id", "kind", "task_type", "started_at"],
        "turns": ["version_id", "session_id", "turn_index", "role", "content", "n_tokens"],
        "signals": ["version_id", "preference_id", "session_id", "turn_index"],
        "histories": ["version_id", "history_id", "persona_id", "budget_tokens", "n_tokens", "tokenizer"],
        "history_items": ["version_id", "history_id", "position", "session_id", "token_offset"],
        "queries": ["version_id", "query_id", "preference_id", "history_id", "kind", "text", "gold_label", "rubric"],
        "options": ["version_id", "query_id", "label", "text", "role", "n_tokens"],
        "checks": ["version_id", "check_name", "subject_id", "passed", "value", "detail"],
        "runs": ["run_id", "flow", "version_id", "config_json", "status", "started_at", "finished_at"],
        "dataset_versions": ["version_id", "config_hash", "seed", "generator_version", "created_at", "complete"],
    }
    for table, cols in need.items():
        have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        assert set(cols) <= have, (table, set(cols) - have)
    con.close()


def test_second_writer_gets_a_clear_error(tmp_path):
    db = tmp_path / "busy.duckdb"
    connect(db).close()
    with writer_holding(db), pytest.raises(WarehouseBusyError, match="another process is writing"):
        connect(db)
    connect(db).close()  # intact and usable afterwards


def test_read_only_on_missing_file_names_it(tmp_path):
    with pytest.raises(WarehouseError, match=r"nope\.duckdb"):
        connect(tmp_path / "nope.duckdb", read_only=True)


def test_write_unit_is_atomic_and_once(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    rows = {"scenarios": [dict(scenario_id="a.b", domain="a", name="B", sensitive=False, n_options=3)]}
    assert write_unit(con, "v1", "scenarios", rows) == 1
    assert write_unit(con, "v1", "scenarios", rows) == 0
    bad = {
        "scenarios": [dict(scenario_id="a.c", domain="a", name="C")],
        "options": [dict(query_id="q", label="A", text="t", role="not-a-role", n_tokens=1)],
    }
    with pytest.raises(Exception, match=r"(?i)constraint"):
        write_unit(con, "v1", "broken", bad)
    assert con.execute("SELECT count(*) FROM scenarios").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM stage_progress WHERE unit = 'broken'").fetchone() == (0,)
    con.close()


@pytest.mark.slow
def test_history_assembles_in_order(tiny_run):
    import duckdb

    db, summary = tiny_run
    con = duckdb.connect(str(db), read_only=True)
    hid = con.execute(
        "SELECT history_id FROM histories WHERE version_id = ? ORDER BY 1 LIMIT 1", [summary.version_id]
    ).fetchone()[0]
    chat = assemble_history(con, hid, summary.version_id)
    items = con.execute(
        "SELECT session_id, n_tokens FROM history_items WHERE version_id = ? AND history_id = ? ORDER BY position",
        [summary.version_id, hid],
    ).fetchall()
    assert [s.session_id for s in chat.sessions] == [r[0] for r in items]
    assert chat.n_tokens == sum(r[1] for r in items)
    times = [s.started_at for s in chat.sessions]
    assert times == sorted(times)
    with pytest.raises(KeyError, match=r"no history"):
        assemble_history(con, "nope", summary.version_id)
    from warehouse.history import _by_semi_join, _by_view

    for (history_id,) in con.execute(
        "SELECT history_id FROM histories WHERE version_id = ?", [summary.version_id]
    ).fetchall():
        fast, plain = _by_semi_join(con, summary.version_id, history_id), _by_view(con, summary.version_id, history_id)
        assert fast == plain and sum(len(s.turns) for s in fast) > len(fast)  # the same chat, turn for turn
    con.close()


def test_a_retried_run_id_is_recorded_once(tmp_path):
    from warehouse.versions import finish_run, start_run

    con = connect(tmp_path / "w.duckdb")
    start_run(con, "synth", "v1", "{}", run_id="r1")
    finish_run(con, "r1", "failed", 0, "boom")
    start_run(con, "synth", "v1", "{}", run_id="r1")
    assert con.execute("SELECT run_id, status FROM runs").fetchall() == [("r1", "running")]
    con.close()


def test_a_run_message_never_stores_a_key(tmp_path, monkeypatch):
    from warehouse.versions import finish_run, start_run

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-abcdefghijklmnop")
    con = connect(tmp_path / "w.duckdb")
    start_run(con, "synth", "v1", "{}", run_id="r1")
    finish_run(con, "r1", "failed", 0, "401 for key sk-test-abcdefghijklmnop at https://u:hunter2@host/v1")
    (message,) = con.execute("SELECT message FROM runs").fetchone()
    con.close()
    assert "abcdefghijklmnop" not in message and "hunter2" not in message and "host/v1" in message


def test_gold_longest_bound_allows_sampling_noise_only_on_few_mcqs():
    from warehouse.checks import longest_bound

    assert longest_bound(240) == pytest.approx(0.25 + 2 * (0.1875 / 240) ** 0.5)  # ~0.306
    assert longest_bound(24_000) == 0.27  # full: the plain target
    assert longest_bound(240) < 0.40  # a real length tell (PersonaMem-v2's 0.447) still fails


def test_session_ids_are_grouped_by_prefix_without_losing_one():
    """Each prefix becomes one semi-join; an id left out of every group would silently drop a session."""
    from warehouse.history import _by_prefix

    ids = ["p00042.s039", "abc", "pool.00001", "abc.1", "p00042.f001", "7.h32k.s0000"]
    groups = _by_prefix(ids)
    assert sorted(sid for g in groups.values() for sid in g) == sorted(ids)
    assert groups == {
        "7": ["7.h32k.s0000"],
        "abc": ["abc", "abc.1"],
        "p00042": ["p00042.f001", "p00042.s039"],
        "pool": ["pool.00001"],
    }


@pytest.mark.slow
def test_a_history_whose_session_lost_its_turns_fails_loudly(tiny_run, tmp_path):
    """A reference without turns must not assemble into a chat one session short."""
    import shutil

    import duckdb

    source, summary = tiny_run
    db = shutil.copy(source, tmp_path / "copy.duckdb")
    con = duckdb.connect(str(db))
    hid, sid = con.execute(
        "SELECT history_id, session_id FROM history_items WHERE version_id = ? ORDER BY 1, position LIMIT 1",
        [summary.version_id],
    ).fetchone()
    assert len(assemble_history(con, hid, summary.version_id).sessions) > 1
    con.execute("DELETE FROM turns WHERE version_id = ? AND session_id = ?", [summary.version_id, sid])
    with pytest.raises(KeyError, match=rf"no turns: \['{sid}'\]"):
        assemble_history(con, hid, summary.version_id)
    con.close()
