"""``tacit export``: every format from the shared tiny version, read back and compared with the warehouse.

The warehouse is opened read-only by the command; each export checks that the file's bytes did not change.
Nothing here touches the network: ``--push-to-hub`` is only checked to refuse.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.export_personamem import COLUMNS, PER_SIZE
from warehouse.export import order_by
from warehouse.versions import CORE_TABLES


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(db: Path, *args: str):
    """Run ``tacit export`` in-process; the warehouse file must be byte-for-byte unchanged afterwards."""
    before = _digest(db)
    result = CliRunner().invoke(app, ["export", "--db", str(db), *args])
    assert _digest(db) == before, "export changed the warehouse file"
    return result


@pytest.fixture(scope="module")
def tiny(tiny_run):
    db, summary = tiny_run
    return db, summary.version_id


@pytest.fixture
def con(tiny):
    c = duckdb.connect(str(tiny[0]), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_tables_round_trip(tiny, con, tmp_path, fmt):
    db, vid = tiny
    out = tmp_path / "out"
    result = export(db, "--version", vid, "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    for table in CORE_TABLES:
        path = out / f"{table}.{fmt}"
        sql = f"SELECT * FROM {table} WHERE version_id = ? ORDER BY {order_by(table)}"
        n = con.execute(f"SELECT count(*) FROM {table} WHERE version_id = ?", [vid]).fetchone()[0]
        assert f"{path.name}: {n:,} rows" in result.output
        if fmt == "parquet":
            assert con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall() == con.execute(sql, [vid]).fetchall()
        else:
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            want = con.execute(f"SELECT to_json(t)::VARCHAR FROM ({sql}) t", [vid]).fetchall()
            assert lines == [json.loads(w[0]) for w in want], table
        assert n > 0 or table == "rejected_queries"
    card = (out / "README.md").read_text()
    gates = con.execute("SELECT check_name FROM checks WHERE subject_id = ?", [f"version:{vid}"]).fetchall()
    assert gates and all(f"| {g[0]} |" in card for g in gates)
    assert "| gate | value | passed |" in card and "| turns | " in card and vid in card
    assert "CC-BY-4.0" in card and "synthetic" in card and '"n_personas"' in card


def test_hf_splits_are_persona_disjoint(tiny, con, tmp_path):
    import datasets

    from warehouse.training import ensure_splits, read_splits

    db, vid = tiny
    out = tmp_path / "hf"
    result = export(db, "--version", vid, "--format", "hf", "--out", str(out))
    assert result.exit_code == 0, result.output
    dd = datasets.load_from_disk(str(out))
    n_queries = con.execute("SELECT count(*) FROM queries WHERE version_id = ?", [vid]).fetchone()[0]
    assert set(dd) == {"train", "val", "test"} and sum(len(dd[s]) for s in dd) == n_queries
    personas = {s: set(dd[s]["persona_id"]) for s in dd}
    assert not (
        personas["train"] & personas["val"]
        or personas["train"] & personas["test"]
        or personas["val"] & personas["test"]
    )
    copy = tmp_path / "w.duckdb"  # a writer would store this split: the export must agree with it
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as w:
        assert read_splits(con, vid) == ensure_splits(w, vid)
    assert all(s == read_splits(con, vid)[p] for s in dd for p in personas[s])
    hist = datasets.load_from_disk(str(out / "histories"))
    hids = {h for s in hist for h in hist[s]["history_id"]}
    row = next(r for r in dd["train"] if r["kind"] == "mcq")
    assert (
        row["history_id"] in hids and row["gold_text"] == row["options"][row["option_labels"].index(row["gold_label"])]
    )
    assert hist["train"][0]["messages"][0]["role"] == "system"
    assert "| queries/train |" in (out / "README.md").read_text()


def test_personamem_layout(tiny, con, tmp_path):
    db, vid = tiny
    out = tmp_path / "pm"
    result = export(db, "--version", vid, "--format", "personamem-v2", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = []
    for name in ("benchmark", "train", "val"):
        with (out / "benchmark" / "text" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == COLUMNS + [c.format(s="8k") for c in PER_SIZE]  # tiny's budget is 8k
            rows += list(reader)
    assert (
        len(rows)
        == con.execute("SELECT count(*) FROM queries WHERE version_id = ? AND kind = 'mcq'", [vid]).fetchone()[0]
    )
    mcqs: dict[tuple, dict] = {}  # (persona, question) -> {query_id: (gold text, other texts in label order)}
    for qid, pid, qtext, label, text, gold in con.execute(
        "SELECT q.query_id, h.persona_id, q.text, o.label, o.text, q.gold_label FROM queries q "
        "JOIN histories h USING (version_id, history_id) JOIN options o USING (version_id, query_id) "
        "WHERE q.version_id = ? ORDER BY q.query_id, o.label",
        [vid],
    ).fetchall():
        gold_text, others = mcqs.setdefault((pid, qtext), {}).setdefault(qid, ([], []))
        (gold_text if label == gold else others).append(text)
    for row in rows:
        query = json.loads(row["user_query"])
        assert query["role"] == "user"
        candidates = mcqs[(row["persona_id"], query["content"])].values()
        assert ([row["correct_answer"]], json.loads(row["incorrect_answers"])) in [tuple(c) for c in candidates]
        assert row["chat_history_32k_link"] == "" and row["who"] in ("self", "others")
        assert int(row["distance_from_related_snippet_to_query_8k"]) <= int(row["total_tokens_in_chat_history_8k"])
        assert json.loads(row["related_conversation_snippet"])[0]["role"] in ("user", "system", "assistant")
        body = json.loads((out / row["chat_history_8k_link"]).read_text(encoding="utf-8"))
        assert set(body) == {"metadata", "chat_history"}
        meta, chat = body["metadata"], body["chat_history"]
        assert meta["total_messages"] == len(chat) and meta["persona_id"] == row["persona_id"]
        assert chat[0]["role"] == "system" and json.loads(chat[0]["content"])["persona_id"] == row["persona_id"]
        assert all(set(m) == {"role", "content"} for m in chat)
        assert meta["final_token_count"] == int(row["total_tokens_in_chat_history_8k"])
    card = (out / "README.md").read_text()
    assert "raw_persona_file" in card and "| benchmark/text/train.csv |" in card


def _one_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())  # rich wraps at the test console's width; the message is one line
    assert text.startswith("error:") and text.count("error:") == 1, result.output
    assert all(w in text for w in words), text


def test_errors_name_the_option(tiny, tmp_path, monkeypatch):
    db, vid = tiny
    out = tmp_path / "o"
    _one_error(export(db, "--version", "v0000", "--format", "jsonl", "--out", str(out)), "--version", "v0000")
    _one_error(export(db, "--version", vid, "--format", "xml", "--out", str(out)), "--format", "xml")
    assert not out.exists()
    (out / "mine.txt").parent.mkdir()
    (out / "mine.txt").write_text("keep")
    _one_error(export(db, "--version", vid, "--format", "jsonl", "--out", str(out)), "--out", "--overwrite")
    _one_error(export(db, "--version", vid, "--format", "jsonl", "--out", str(out), "--overwrite"), "--out")
    assert (out / "mine.txt").read_text() == "keep"  # --overwrite never clears a folder that is not an export
    (out / "mine.txt").unlink()
    assert export(db, "--version", vid, "--format", "jsonl", "--out", str(out)).exit_code == 0
    again = export(db, "--version", vid, "--format", "parquet", "--out", str(out), "--overwrite")
    assert again.exit_code == 0 and not list(out.glob("*.jsonl")) and (out / "turns.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".o.")]  # no temporary folder left behind
    _one_error(export(db, "--version", vid, "--format", "jsonl", "--out", str(tmp_path / "p"), "--push-to-hub", "a/b"),
               "--push-to-hub", "--format hf")  # fmt: skip
    import huggingface_hub.constants

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    _one_error(export(db, "--version", vid, "--format", "hf", "--out", str(tmp_path / "h"), "--push-to-hub", "a/b"),
               "--push-to-hub", "HF_TOKEN")  # fmt: skip
    assert not (tmp_path / "h").exists()
    monkeypatch.setitem(sys.modules, "datasets", None)  # as if the train extra were not installed
    _one_error(export(db, "--version", vid, "--format", "hf", "--out", str(tmp_path / "h")), "--format hf", ".[train]")
