"""``tacit import personamem-v2``: a round trip through PersonaMem-v2's layout, a foreign folder written by
hand in that layout, and the errors that name what is wrong without writing anything."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.evaluate import evaluate
from flows.import_personamem import import_personamem
from warehouse import connect

METHODS = ["full_context", "rag", "memory_agent", "no_context", "length_only"]


def _accuracy(db: Path, run_id: str) -> dict[str, float]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT method, avg(CASE WHEN correct THEN 1.0 ELSE 0.0 END), count(*) FROM eval_results "
            "WHERE run_id = ? AND kind = 'mcq' GROUP BY method",
            [run_id],
        ).fetchall()
    finally:
        con.close()
    return {m: (round(a, 6), n) for m, a, n in rows}


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    db, summary = tiny_run
    out = tmp_path_factory.mktemp("pm") / "layout"
    result = CliRunner().invoke(app, ["export", "--db", str(db), "--format", "personamem-v2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return db, summary.version_id, out


def test_round_trip_gives_the_same_evaluation(exported, tmp_path):
    """Export the tiny version, import it, and every offline method scores every MCQ the same."""
    db, vid, out = exported
    target = tmp_path / "imported.duckdb"
    result = CliRunner().invoke(app, ["import", "personamem-v2", str(out), "--db", str(target)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(target), read_only=True)
    new, preset, complete = con.execute("SELECT version_id, preset, complete FROM dataset_versions").fetchone()
    src = duckdb.connect(str(db), read_only=True)
    n_src = src.execute("SELECT count(*) FROM queries WHERE version_id = ? AND kind = 'mcq'", [vid]).fetchone()[0]
    turns_src = src.execute(
        "SELECT count(*) FROM turns WHERE version_id = ? AND session_id IN "
        "(SELECT session_id FROM history_items WHERE version_id = ?)",
        [vid, vid],
    ).fetchone()[0]
    src.close()
    assert preset == "imported" and complete and new.startswith("i")
    assert con.execute("SELECT count(*) FROM queries").fetchone()[0] == n_src
    assert con.execute("SELECT count(*) FROM turns").fetchone()[0] == turns_src  # sessions kept whole
    assert con.execute("SELECT count(*) FROM signals").fetchone()[0] > 0
    con.close()
    original = evaluate(version=vid, methods=METHODS, db=str(db), memory_cap_tokens=300)
    imported = evaluate(version=new, methods=METHODS, db=str(target), memory_cap_tokens=300)
    assert _accuracy(db, original["run"]["run_id"]) == _accuracy(target, imported["run"]["run_id"])
    again = CliRunner().invoke(app, ["import", "personamem-v2", str(out), "--db", str(target)])
    assert again.exit_code == 0 and "already imported" in again.output


def _foreign(root: Path) -> None:
    """Two questions of one persona in PersonaMem-v2's own shape: a persona system turn, no session marks."""
    history = [
        {"role": "system", "content": json.dumps({"name": "Rui", "age": 41, "occupation": "nurse"})},
        {"role": "user", "content": "Can you help me plan meals? I never eat meat, not even fish."},
        {"role": "assistant", "content": "Here is a week of vegetarian dinners."},
        {"role": "user", "content": "Add a dessert?"},
        {"role": "assistant", "content": "A baked apple with oats."},
        {"role": "user", "content": "Translate 'good morning' into Portuguese."},
        {"role": "assistant", "content": "Bom dia."},
    ]
    link = "data/chat_history_32k/chat_history_20250101_persona7.json"
    (root / "data" / "chat_history_32k").mkdir(parents=True)
    (root / link).write_text(json.dumps({"metadata": {"persona_id": 7}, "chat_history": history}))
    (root / "benchmark" / "text").mkdir(parents=True)
    rows = [
        {"persona_id": "7", "chat_history_32k_link": link, "user_query": json.dumps({"role": "user",
         "content": "What should I cook for friends on Saturday?"}), "correct_answer": "A mushroom risotto.",
         "incorrect_answers": json.dumps(["Roast chicken.", "Grilled salmon.", "Beef stew."]),
         "preference": "does not eat meat or fish", "topic_preference": "Food", "who": "self",
         "related_conversation_snippet": json.dumps(history[1:3]), "updated": "False"},
        {"persona_id": "7", "chat_history_32k_link": link, "user_query": "Which phrase should I learn next?",
         "correct_answer": "Obrigado.", "incorrect_answers": json.dumps(["Merci.", "Danke.", "Grazie."]),
         "preference": "is learning Portuguese", "topic_preference": "Languages", "who": "self"},
        {"persona_id": "7", "chat_history_32k_link": link, "user_query": "Which phrase do I use to say goodbye?",
         "correct_answer": "Tchau.", "incorrect_answers": json.dumps(["Ciao.", "Adieu.", "Tschüss."]),
         "preference": "is learning Portuguese", "topic_preference": "Languages", "who": "self"},
    ]  # fmt: skip
    columns = sorted({k for r in rows for k in r})
    with (root / "benchmark" / "text" / "benchmark.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def test_a_foreign_folder_is_split_into_sessions_and_its_snippet_found(tmp_path):
    _foreign(tmp_path / "pm")
    con = connect(tmp_path / "w.duckdb")
    vid, state, counts = import_personamem(con, tmp_path / "pm")
    # two questions about one preference are two queries of it
    assert state == "new" and counts["queries"] == 3 and counts["preferences"] == 2 and counts["personas"] == 1
    sessions = con.execute(
        "SELECT session_id, kind, n_turns FROM sessions WHERE version_id = ? ORDER BY session_id", [vid]
    ).fetchall()
    # without session marks every exchange is a session (the persona's system turn is none); the snippet's
    # first user message finds its cue session
    assert [(k, n) for _, k, n in sessions] == [("signal", 2), ("filler", 2), ("filler", 2)]
    assert con.execute("SELECT name, age FROM personas WHERE version_id = ?", [vid]).fetchone() == ("Rui", 41)
    for qid, gold in con.execute("SELECT query_id, gold_label FROM queries WHERE version_id = ?", [vid]).fetchall():
        labels = con.execute("SELECT label, role FROM options WHERE query_id = ? ORDER BY label", [qid]).fetchall()
        assert [label for label, _ in labels] == ["A", "B", "C", "D"] and dict(labels)[gold] == "gold"
    assert con.execute("SELECT split FROM splits WHERE version_id = ?", [vid]).fetchone() == ("test",)
    con.close()


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        (lambda root: (root / "benchmark").rename(root / "elsewhere"), "benchmark/text"),
        (lambda root: (root / "data" / "chat_history_32k" / "chat_history_20250101_persona7.json").unlink(),
         "benchmark.csv line 2: chat history data/chat_history_32k/chat_history_20250101_persona7.json"),
        (lambda root: _drop_column(root / "benchmark" / "text" / "benchmark.csv", "correct_answer"),
         "benchmark.csv: missing column(s) correct_answer"),
        (lambda root: (root / "data" / "chat_history_32k" / "chat_history_20250101_persona7.json").write_text("{"),
         "chat_history_20250101_persona7.json: not JSON"),
    ],
)  # fmt: skip
def test_a_broken_folder_is_named_and_nothing_is_written(tmp_path, breakage, named):
    _foreign(tmp_path / "pm")
    breakage(tmp_path / "pm")
    result = CliRunner().invoke(app, ["import", "personamem-v2", str(tmp_path / "pm"), "--db", str(tmp_path / "w.db")])
    # the message is wrapped to the terminal, sometimes inside a long path: compare without whitespace
    assert result.exit_code != 0 and "".join(named.split()) in "".join(result.output.split()), result.output
    if (tmp_path / "w.db").exists():
        con = duckdb.connect(str(tmp_path / "w.db"), read_only=True)
        assert con.execute("SELECT count(*) FROM dataset_versions").fetchone()[0] == 0
        con.close()


def _drop_column(path: Path, column: str) -> None:
    rows = list(csv.DictReader(path.open()))
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[c for c in rows[0] if c != column])
        writer.writeheader()
        writer.writerows([{k: v for k, v in r.items() if k != column} for r in rows])


def test_an_interrupted_import_leaves_nothing(tmp_path, monkeypatch):
    import flows.import_personamem as importer

    _foreign(tmp_path / "pm")
    con = connect(tmp_path / "w.duckdb")
    real = importer.insert_rows

    def failing(con, table, rows, vid):
        if table == "queries":
            raise KeyboardInterrupt
        return real(con, table, rows, vid)

    monkeypatch.setattr(importer, "insert_rows", failing)
    with pytest.raises(KeyboardInterrupt):
        import_personamem(con, tmp_path / "pm")
    for table in ("dataset_versions", "personas", "sessions", "turns", "histories"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    monkeypatch.setattr(importer, "insert_rows", real)
    assert import_personamem(con, tmp_path / "pm")[1] == "new"  # and the next try imports it whole
    con.close()
