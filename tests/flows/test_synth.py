"""The synth flow end to end on `tiny`: counts, budgets, referential integrity, idempotent rerun,
a second seed beside the first, resume after a crash, and determinism across fresh warehouses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from flows.gates import TARGETS
from warehouse.versions import CORE_TABLES

pytestmark = pytest.mark.slow


def _content_hashes(db: Path, vid: str) -> dict[str, str]:
    """Order-independent hash of every core table's rows of one version (run metadata excluded; the
    version id inside version-wide check subjects is masked so two versions' rows can be compared)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in CORE_TABLES:
            mask = " REPLACE (replace(subject_id, ?, 'V') AS subject_id)" if table == "checks" else ""
            params = [vid, vid] if mask else [vid]
            rows = con.execute(
                f"SELECT * EXCLUDE (version_id){mask} FROM {table} WHERE version_id = ? ORDER BY ALL", params
            ).fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def test_tiny_counts_budgets_and_integrity(tiny_run, tiny_config):
    db, summary = tiny_run
    assert summary.state == "new"
    # structural gates must hold at any size; content gates (length, balance) are judged on `small`
    assert "referential_integrity" not in summary.failed_checks
    assert "history_sentence_repeats" not in summary.failed_checks
    assert "history_answer_repeats" not in summary.failed_checks
    assert set(summary.checks) >= set(TARGETS)  # every version gate, form and item gates included
    assert summary.counts["personas"] == 3 and summary.counts["histories"] == 3
    con = duckdb.connect(str(db), read_only=True)
    v = summary.version_id
    q = lambda sql: con.execute(sql, [v]).fetchall()  # noqa: E731
    assert q("SELECT complete FROM dataset_versions WHERE version_id = ?") == [(True,)]
    for budget, n, tok in q("SELECT budget_tokens, n_tokens, tokenizer FROM histories WHERE version_id = ?"):
        assert 0.98 * budget <= n <= budget and tok == "tiktoken/cl100k_base"
    # every signal's session is in that persona's history
    assert q("""SELECT count(*) FROM signals s JOIN sessions se USING (version_id, session_id)
                JOIN histories h ON h.version_id = s.version_id AND h.persona_id = se.persona_id
                WHERE s.version_id = ? AND NOT EXISTS (SELECT 1 FROM history_items i WHERE i.version_id = h.version_id
                  AND i.history_id = h.history_id AND i.session_id = s.session_id)""") == [(0,)]
    # every query points at a preference and a history
    assert q("""SELECT count(*) FROM queries x WHERE x.version_id = ? AND (
                x.preference_id NOT IN (SELECT preference_id FROM preferences WHERE version_id = x.version_id)
                OR x.history_id NOT IN (SELECT history_id FROM histories WHERE version_id = x.version_id))""") == [(0,)]
    # every MCQ has exactly one gold among four options, and its gold_label is that option
    assert q("""SELECT count(*) FROM queries x WHERE x.version_id = ? AND x.kind = 'mcq' AND (
                (SELECT count(*) FROM options o WHERE o.version_id = x.version_id AND o.query_id = x.query_id) != 4 OR
                (SELECT list(label) FROM options o WHERE o.version_id = x.version_id AND o.query_id = x.query_id
                   AND role = 'gold') != [x.gold_label])""") == [(0,)]
    # history token sums equal the referenced sessions' tokens
    assert q("""SELECT count(*) FROM histories h WHERE h.version_id = ? AND h.n_tokens != (SELECT sum(s.n_tokens)
                FROM history_items i JOIN sessions s USING (version_id, session_id)
                WHERE i.version_id = h.version_id AND i.history_id = h.history_id)""") == [(0,)]
    con.close()


def test_rerun_writes_nothing(tiny_run):
    from flows.synth import synth

    db, first = tiny_run
    again = synth(preset="tiny", db=str(db))
    assert again.state == "complete" and again.rows_written == 0
    assert again.version_id == first.version_id and again.counts == first.counts


def test_other_seed_is_a_second_version(prefect_harness, tmp_path):
    from flows.synth import synth

    db = tmp_path / "two.duckdb"
    a = synth(preset="tiny", seed=0, db=str(db))
    b = synth(preset="tiny", seed=1, db=str(db))
    assert a.version_id != b.version_id and b.state == "new"
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT version_id, complete FROM dataset_versions ORDER BY version_id").fetchall()
    assert sorted(rows) == sorted([(a.version_id, True), (b.version_id, True)])
    assert con.execute("SELECT count(DISTINCT version_id) FROM personas").fetchone() == (2,)
    con.close()


def test_determinism_across_fresh_warehouses(tiny_run, prefect_harness, tmp_path):
    from flows.synth import synth

    db, first = tiny_run
    fresh = synth(preset="tiny", db=str(tmp_path / "fresh.duckdb"))
    assert fresh.version_id == first.version_id
    assert _content_hashes(tmp_path / "fresh.duckdb", fresh.version_id) == _content_hashes(db, first.version_id)


def test_shard_size_changes_no_row(tiny_run, prefect_harness, tmp_path):
    from flows.synth import synth

    db, first = tiny_run
    one_per_shard = tmp_path / "shard1.yaml"
    one_per_shard.write_text("shard_size: 1\n")
    other = synth(preset="tiny", db=str(tmp_path / "shard1.duckdb"), config_file=str(one_per_shard))
    assert other.version_id == first.version_id
    assert _content_hashes(tmp_path / "shard1.duckdb", other.version_id) == _content_hashes(db, first.version_id)


def test_killed_run_resumes_without_repeating_finished_shards(prefect_harness, tmp_path, monkeypatch):
    import flows.synth as synth_mod

    db = tmp_path / "resume.duckdb"
    overrides = tmp_path / "two_shards.yaml"
    overrides.write_text("shard_size: 2\n")  # tiny: 3 personas -> shards of 2 and 1
    real = synth_mod.STAGE_FUNCTIONS["queries"]
    calls = {"n": 0}

    def crash_on_second_shard(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= 2:  # the second shard, and its retry
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(synth_mod.queries_task, "fn", crash_on_second_shard)
    with pytest.raises(RuntimeError, match="simulated crash"):
        synth_mod.synth(preset="tiny", db=str(db), config_file=str(overrides))
    con = duckdb.connect(str(db))
    vid, complete = con.execute("SELECT version_id, complete FROM dataset_versions").fetchone()
    assert not complete
    assert [r[0] for r in con.execute("SELECT unit FROM stage_progress ORDER BY unit").fetchall()] == [
        "filler_pool",
        "scenarios",
        "shard:0000",
    ]
    shard0_marker = con.execute("SELECT finished_at FROM stage_progress WHERE unit = 'shard:0000'").fetchone()
    assert con.execute("SELECT status FROM runs").fetchone() == ("failed",)
    con.close()

    monkeypatch.undo()
    resumed = synth_mod.synth(preset="tiny", db=str(db))  # another shard size: the first run's is kept
    assert resumed.state == "resumed" and resumed.version_id == vid
    assert "referential_integrity" not in resumed.failed_checks
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT finished_at FROM stage_progress WHERE unit = 'shard:0000'").fetchone() == shard0_marker
    assert con.execute("SELECT count(*) FROM personas").fetchone() == (3,)
    assert con.execute("SELECT complete FROM dataset_versions").fetchone() == (True,)
    con.close()


def test_bad_config_names_the_field(prefect_harness, tmp_path):
    from flows.synth import synth
    from schemas.config import ConfigError

    bad = tmp_path / "bad.yaml"
    bad.write_text("n_personas: -4\n")
    with pytest.raises(ConfigError, match=r"bad.yaml.*n_personas"):
        synth(preset="tiny", db=str(tmp_path / "x.duckdb"), config_file=str(bad))


def test_lineage_rows_and_ancestors(tiny_run):
    from warehouse.lineage import SYNTH_LINEAGE, ancestors

    db, summary = tiny_run
    con = duckdb.connect(str(db), read_only=True)
    v = summary.version_id
    names = {
        r[0]
        for r in con.execute(
            "SELECT name FROM artifacts WHERE version_id = ? AND kind IN ('table', 'config')", [v]
        ).fetchall()
    }
    assert names == set(SYNTH_LINEAGE) | {"config"}
    rows = dict(con.execute("SELECT name, n_rows FROM artifacts WHERE version_id = ?", [v]).fetchall())
    assert rows["personas"] == summary.counts["personas"] and rows["queries"] == summary.counts["queries"]
    found = ancestors(con, "queries")
    assert len(found) == len({r[1] for r in found}), "each ancestor once, at its nearest depth"
    up = {r[1].split("@")[0]: r[0] for r in found}
    assert up["queries"] == 0 and up["preferences"] == 1 and up["histories"] == 1
    assert {"personas", "sessions", "config"} <= set(up)
    with pytest.raises(KeyError, match="no artifact"):
        ancestors(con, "nonsense")
    con.close()
