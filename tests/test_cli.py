"""The `tacit` command line as a user runs it: a real subprocess, a real warehouse file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import writer_holding

ROOT = Path(__file__).resolve().parents[1]


def tacit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "PREFECT_HOME": str(cwd / ".prefect")}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_synth_then_sql_history_and_rerun(tmp_path):
    run = tacit("synth", "--preset", "tiny", "--db", str(tmp_path / "t.duckdb"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    for stage in ("personas", "preferences", "conversations", "histories", "queries", "quality", "load"):
        assert stage in out
    assert "dataset version v" in out and "history tokens" in out and "new version" in out
    version = next(w for w in out.split() if w.startswith("v") and len(w) == 17)

    sql = tacit("sql", "SELECT count(*) AS n FROM latest_personas", "--db", str(tmp_path / "t.duckdb"), cwd=tmp_path)
    assert sql.returncode == 0 and " 3 " in sql.stdout and "1 row" in sql.stdout

    hist = tacit("history", "p00000.h8k", "--db", str(tmp_path / "t.duckdb"), cwd=tmp_path)
    assert hist.returncode == 0, hist.stderr
    assert "user:" in hist.stdout and "assistant:" in hist.stdout and version in hist.stdout

    again = tacit("synth", "--preset", "tiny", "--db", str(tmp_path / "t.duckdb"), cwd=tmp_path)
    assert again.returncode == 0 and "0 rows added" in again.stdout and version in again.stdout
    assert "starting local Prefect" not in again.stdout  # a complete version is answered from the warehouse
    assert "form_detector_auc" in again.stdout  # with its gates, like a run that wrote it
    probe = (  # nor imports Prefect (a second of a rerun): the options are checked without it
        "import sys\nfrom flows.cli import main\n"
        f"sys.argv = ['tacit', 'synth', '--preset', 'tiny', '--db', {str(tmp_path / 't.duckdb')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('prefect imported:', 'prefect' in sys.modules)"
    )
    probed = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "0 rows added" in probed.stdout and "prefect imported: False" in probed.stdout, probed.stderr[-2000:]

    listed = tacit("versions", "--db", str(tmp_path / "t.duckdb"), cwd=tmp_path)
    assert listed.returncode == 0 and version in listed.stdout and "True" in listed.stdout


def test_errors_are_one_clear_line(tmp_path):
    bad_preset = tacit("synth", "--preset", "huge", "--db", str(tmp_path / "x.duckdb"), cwd=ROOT)
    assert bad_preset.returncode == 2 and "unknown preset 'huge'" in bad_preset.stderr
    missing = tacit("sql", "SELECT 1", "--db", str(tmp_path / "missing.duckdb"), cwd=ROOT)
    assert missing.returncode == 2 and "missing.duckdb" in missing.stderr
    assert not (tmp_path / "missing.duckdb").exists()


def test_sql_error_names_the_table(tmp_path):
    from warehouse import connect

    connect(tmp_path / "w.duckdb").close()
    res = tacit("sql", "SELECT * FROM no_such_table", "--db", str(tmp_path / "w.duckdb"), cwd=ROOT)
    assert res.returncode == 2 and "no_such_table" in res.stderr


def test_schemas_check_passes_on_committed_files():
    res = tacit("schemas", "check", cwd=ROOT)
    assert res.returncode == 0, res.stderr


def test_schemas_validate_names_line_and_field(tmp_path):
    good = '{"turn_index": 0, "role": "user", "content": "hi"}'
    bad = '{"turn_index": 1, "role": "robot", "content": "hi"}'
    path = tmp_path / "turns.jsonl"
    path.write_text(good + "\n" + bad + "\n")
    res = tacit("schemas", "validate", str(path), "--model", "Turn", cwd=ROOT)
    assert res.returncode == 2 and "turns.jsonl:2: field 'role'" in res.stderr
    path.write_text(good + "\n")
    ok = tacit("schemas", "validate", str(path), "--model", "Turn", cwd=ROOT)
    assert ok.returncode == 0 and "1 Turn record valid" in ok.stdout


@pytest.mark.slow
def test_second_writer_fails_fast_and_nothing_is_lost(tmp_path):
    db = tmp_path / "shared.duckdb"
    assert tacit("synth", "--preset", "tiny", "--db", str(db), cwd=tmp_path).returncode == 0
    # another process (a writer mid-run) holds the warehouse open for writing
    with writer_holding(db):
        started = time.monotonic()
        second = tacit("synth", "--preset", "tiny", "--seed", "5", "--db", str(db), cwd=tmp_path)
        assert second.returncode == 2 and "another process is writing" in second.stderr
        assert str(db) in second.stderr
        assert time.monotonic() - started < 60  # fails at once, does not wait for the holder
    check = tacit("sql", "SELECT count(*) FILTER (WHERE complete) FROM dataset_versions", "--db", str(db), cwd=tmp_path)
    assert check.returncode == 0 and " 1 " in check.stdout
    again = tacit("synth", "--preset", "tiny", "--seed", "5", "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0 and "new version" in again.stdout


@pytest.mark.slow
def test_lineage_and_report_commands(tmp_path):
    db = tmp_path / "l.duckdb"
    assert tacit("synth", "--preset", "tiny", "--db", str(db), cwd=tmp_path).returncode == 0
    lin = tacit("lineage", "options", "--db", str(db), cwd=tmp_path)
    assert lin.returncode == 0 and "queries" in lin.stdout and "config" in lin.stdout
    missing = tacit("lineage", "nonsense", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 2 and "no artifact named 'nonsense'" in missing.stderr
    report = tacit("report", "quality", "--db", str(db), cwd=tmp_path)
    assert "question_only_accuracy" in report.stdout and "signal sessions by position" in report.stdout


def test_openai_backend_without_model_fails_before_writing(tmp_path):
    db = tmp_path / "o.duckdb"
    res = tacit("synth", "--preset", "tiny", "--backend", "openai", "--db", str(db), cwd=tmp_path)
    assert res.returncode == 2 and "openai backend needs a model" in res.stderr
    assert "starting local Prefect" not in res.stdout and not db.exists()  # refused before anything started


def test_dry_run_forecasts_without_calling_or_writing(tmp_path):
    db = tmp_path / "never.duckdb"
    res = tacit("synth", "--preset", "tiny", "--dry-run", "--model", "m", "--db", str(db), cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    for site in ("persona_profile", "signal_session", "filler_session", "query_options"):
        assert site in res.stdout
    assert "estimated cost $" in res.stdout
    assert not db.exists()


def test_stored_text_is_printed_as_text_not_markup(tiny_run, tmp_path):
    """A turn holding "[fillvalue=None]" or "[/bold]" prints as written (Rich markup would eat or crash on it);
    a missing history's hint is SQL one can copy (no repr backslashes)."""
    import shutil

    import duckdb

    db = tmp_path / "t.duckdb"
    shutil.copy(tiny_run[0], db)
    con = duckdb.connect(str(db))
    session_id = con.execute(
        "SELECT i.session_id FROM history_items i WHERE i.history_id = 'p00000.h8k' ORDER BY i.position LIMIT 1"
    ).fetchone()[0]
    text = "zip_longest(a, b, [fillvalue=None]) ends [/bold] here [red]x[/red]"
    con.execute("UPDATE turns SET content = ? WHERE session_id = ? AND turn_index = 0", [text, session_id])
    con.close()
    hist = tacit("history", "p00000.h8k", "--sessions", "1", "--db", str(db), cwd=tmp_path)
    assert hist.returncode == 0, hist.stderr
    assert text in hist.stdout
    cell = tacit(
        "sql",
        "SELECT content FROM turns WHERE session_id = ? AND turn_index = 0".replace("?", f"'{session_id}'"),
        "--db",
        str(db),
        cwd=tmp_path,
    )
    assert cell.returncode == 0 and "[fillvalue=None]" in cell.stdout and "[/bold]" in cell.stdout
    missing = tacit("history", "nope", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 2 and "\\'" not in missing.stderr and "version_id = 'v" in missing.stderr


def test_an_unknown_version_is_an_error_not_an_empty_report(tiny_run, tmp_path):
    for args in (("report", "quality"), ("history", "p00000.h8k")):
        run = tacit(*args, "--version", "vNOPE", "--db", str(tiny_run[0]), cwd=tmp_path)
        assert run.returncode == 2 and "no dataset version 'vNOPE'" in run.stderr, run.stdout + run.stderr
        assert "ok" not in run.stdout


def test_config_file_seed_and_backend_are_used_and_bad_fields_fail_before_prefect(tmp_path):
    """`seed:` and `backend:` in --config used to be overwritten by the options' defaults (a wrong dataset)."""
    import duckdb

    cfg = tmp_path / "c.yaml"
    cfg.write_text("seed: 5\nbackend: offline\n")
    db = tmp_path / "t.duckdb"
    run = tacit("synth", "--preset", "tiny", "--config", str(cfg), "--db", str(db), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "seed=5 backend=offline" in run.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT seed FROM dataset_versions").fetchall() == [(5,)]
    con.close()

    cfg.write_text("budgets: [0]\n")
    t0 = time.monotonic()
    bad = tacit("synth", "--preset", "tiny", "--config", str(cfg), "--db", str(tmp_path / "b.duckdb"), cwd=tmp_path)
    assert bad.returncode == 2 and "budgets" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    assert "starting local Prefect" not in bad.stdout and not (tmp_path / "b.duckdb").exists()
    assert time.monotonic() - t0 < 30


def test_base_model_that_is_a_run_folder_is_named_with_its_final_checkpoint(tmp_path):
    from flows.cli_train import base_model_problem

    run = tmp_path / "runs" / "sft"
    (run / "final").mkdir(parents=True)
    (run / "final" / "config.json").write_text("{}")
    assert base_model_problem(str(run / "final")) is None
    assert base_model_problem("tiny") is None and base_model_problem("Qwen/Qwen3-0.6B") is None
    problem = base_model_problem(str(run))
    assert problem and "no config.json" in problem and str(run / "final") in problem
    (tmp_path / "weights.bin").write_text("x")
    assert "a file" in base_model_problem(str(tmp_path / "weights.bin"))


def test_sql_and_versions_print_csv_and_json_for_programs(tiny_run, tmp_path):
    import csv
    import io
    import json

    db = str(tiny_run[0])
    out = tacit(
        "sql",
        "SELECT persona_id, version_id FROM latest_personas ORDER BY 1",
        "--db",
        db,
        "--format",
        "csv",
        cwd=tmp_path,
    )
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.returncode == 0 and len(rows) == 3 and rows[0]["persona_id"] == "p00000"
    assert rows[0]["version_id"] == tiny_run[1].version_id  # whole, never cut with an ellipsis
    listed = tacit("versions", "--db", db, "--format", "json", cwd=tmp_path)
    versions = [json.loads(line) for line in listed.stdout.splitlines()]
    assert versions[0]["version_id"] == tiny_run[1].version_id and versions[0]["complete"] is True
    bad = tacit("versions", "--db", db, "--format", "xml", cwd=tmp_path)
    assert bad.returncode == 2 and "--format" in bad.stderr


def _invoke_capturing(monkeypatch, module: str, flow: str, args: list[str]) -> tuple[object, dict]:
    """Run ``tacit ARGS`` in-process with the flow ``module.flow`` replaced by one that records its
    parameters and stops (no Prefect server, no request): the CLI's result and the flow's parameters."""
    import contextlib
    import importlib

    from typer.testing import CliRunner

    from flows.cli import app
    from llm import GenerationError

    seen: dict = {}

    def record(**params):
        seen.update(params)
        raise GenerationError("stopped by the test")

    monkeypatch.setattr(importlib.import_module(module), flow, record)
    monkeypatch.setattr("flows.local_prefect.local_prefect", lambda note=None, spawned=None: contextlib.nullcontext())
    monkeypatch.setattr("flows.local_prefect.spawn_early", lambda: None)
    return CliRunner().invoke(app, args), seen


def test_concurrency_option_reaches_the_synth_and_eval_flows(monkeypatch, tmp_path):
    url, db = "http://127.0.0.1:9/v1", str(tmp_path / "c.duckdb")
    synth = ["synth", "--preset", "tiny", "--backend", "openai", "--model", "m", "--base-url", url, "--db", db]
    res, seen = _invoke_capturing(monkeypatch, "flows.synth", "synth", [*synth, "--concurrency", "3"])
    assert "stopped by the test" in res.output and seen["concurrency"] == 3
    res, seen = _invoke_capturing(monkeypatch, "flows.synth", "synth", synth)
    assert seen["concurrency"] == 16  # the default: sensible for hosted APIs
    evaluate = ["eval", "--backend", "openai", "--model", "m", "--base-url", url, "--db", db]
    res, seen = _invoke_capturing(monkeypatch, "flows.evaluate", "evaluate", [*evaluate, "--concurrency", "64"])
    assert "stopped by the test" in res.output and seen["concurrency"] == 64


def test_concurrency_below_one_is_one_clear_error(monkeypatch, tmp_path):
    db = str(tmp_path / "c.duckdb")
    for args in (["synth", "--preset", "tiny"], ["eval"]):
        res, seen = _invoke_capturing(monkeypatch, "flows.synth", "synth", [*args, "--concurrency", "0", "--db", db])
        assert res.exit_code == 2 and "--concurrency: must be at least 1 (got 0)" in res.output and not seen
    assert not (tmp_path / "c.duckdb").exists()


def test_eval_concurrency_reaches_the_model_and_its_judges(monkeypatch, tmp_path):
    """The evaluate flow's ``concurrency`` builds the answering model and every model judge with it."""
    import logging

    import flows.evaluate as ev
    from evaluation.records import EvalSettings
    from warehouse import connect

    settings = EvalSettings(
        version_id="v", methods=["rag"], backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
        judges=["lexical", "judge-model"],
    )  # fmt: skip
    con = connect(tmp_path / "e.duckdb")
    try:
        model = ev.make_model(settings, con, concurrency=5)
        judges = ev.make_judges(settings, con, concurrency=5)
        captured: dict = {}
        monkeypatch.setattr(ev, "make_model", lambda *a, **kw: captured.setdefault("model", kw))
        monkeypatch.setattr(ev, "make_judges", lambda *a, **kw: captured.setdefault("judges", kw) and [])
        ev._run_shards(con, settings, [], logging.getLogger("test"), None, None, 7)
    finally:
        con.close()
    assert model.concurrency == 5 and [j.model.concurrency for j in judges if j.model is not None] == [5]
    assert captured["model"]["concurrency"] == 7 and captured["judges"]["concurrency"] == 7
