"""The training flows end to end on the tiny model: run and checkpoint rows, lineage to the dataset version
and config, a failed run recorded as failed, and artifacts; synth never imports training or torch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flows import progress
from training.config import resolve_config_path
from warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class _RecordingSink:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, stage: str, total: int) -> None:
        self.events.append(("start", stage, total))

    def advance(self, stage: str, n: int = 1) -> None:
        self.events.append(("advance", stage, n))

    def detail(self, stage: str, text: str) -> None:
        self.events.append(("detail", stage, text))

    def note(self, message: str) -> None:
        self.events.append(("note", message))


def test_sft_then_memory_flows_record_runs_checkpoints_and_lineage(train_db, tiny_model, tmp_path):
    from flows.train import train_memory, train_sft

    db, vid = train_db
    saving = tmp_path / "sft.yaml"  # tiny-sft, saving a checkpoint every step
    raw = yaml.safe_load(resolve_config_path("tiny-sft").read_text())
    saving.write_text(yaml.safe_dump(raw | {"trl": raw["trl"] | {"save_strategy": "steps", "save_steps": 1}}))
    shown = _RecordingSink()
    with progress.reporting(shown):
        sft = train_sft(version=vid, config=str(saving), out=str(tmp_path / "sft"), max_steps=2, db=str(db))
    assert sft.global_step == 2 and sft.metrics["train_loss"] > 0
    saved = json.loads((Path(sft.final_dir) / "tacit_data.json").read_text())  # evaluation reads it back
    assert saved["chunk_tokens"] == raw["data"]["chunk_tokens"] and saved["max_chunks"] == raw["data"]["max_chunks"]
    assert shown.events[0] == ("start", "train sft", 2)  # a live line per step, with the loss as it is logged
    assert sum(e[2] for e in shown.events if e[0] == "advance") == 2
    assert any(e[0] == "detail" and "loss" in e[2] for e in shown.events)
    mem = train_memory(version=vid, base_model=sft.final_dir, out=str(tmp_path / "mem"), max_steps=1, db=str(db))
    assert mem.global_step == 1 and "memory/turn_rows" in mem.metrics
    from prefect.artifacts import Artifact

    metrics = Artifact.get(f"train-sft-{sft.run_id[:12].lower()}-metrics")
    assert metrics is not None and '"loss"' in metrics.data
    assert Artifact.get(f"train-memory-{mem.run_id[:12].lower()}-summary") is not None
    with connect(db, read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, kind, version_id, base_model, status, config_json FROM training_runs "
            "WHERE run_id IN (?, ?)",
            [sft.run_id, mem.run_id],
        ).fetchall()
        assert {(r[1], r[2], r[4]) for r in runs} == {("sft", vid, "completed"), ("memory", vid, "completed")}
        assert all(json.loads(r[5])["trl"] for r in runs)
        steps = con.execute("SELECT step, final FROM checkpoints WHERE run_id = ? ORDER BY step, final", [sft.run_id])
        assert steps.fetchall() == [(1, False), (2, False), (2, True)]  # each saved checkpoint, then the final
        ckpts = dict(con.execute("SELECT run_id, path FROM checkpoints WHERE final").fetchall())
        assert Path(ckpts[mem.run_id]) == Path(mem.final_dir).resolve()
        parents = {
            p
            for (p,) in con.execute(
                "SELECT parent_id FROM lineage_edges WHERE child_id = ?", [f"ckpt:{mem.run_id}:1:final"]
            ).fetchall()
        }
        assert {f"queries@{vid}", f"histories@{vid}", f"splits@{vid}", f"ckpt:{sft.run_id}:2:final"} <= parents
        assert any(p.startswith("train-config:") for p in parents)


def test_a_failing_run_is_recorded_as_failed(train_db, tiny_model, tmp_path):
    from flows.train import train_sft

    db, vid = train_db
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"kind": "sft", "trl": {"not_a_trl_field": 1, "use_cpu": True}}))
    with pytest.raises(Exception, match="not_a_trl_field"):
        train_sft(version=vid, config=str(bad), out=str(tmp_path / "o"), db=str(db))
    with connect(db, read_only=True) as con:
        status, message = con.execute(
            "SELECT status, message FROM training_runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert status == "failed" and "not_a_trl_field" in message


def test_synth_and_the_cli_do_not_import_training_or_torch():
    code = (
        "import sys, flows.cli, flows.synth, flows.serve\n"
        + "print(sorted({'torch', 'training', 'trl'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_tiny_model_then_sft(prefect_harness, train_db, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from flows.cli import app

    db = tmp_path / "w.duckdb"
    shutil.copy(train_db[0], db)
    made = CliRunner().invoke(app, ["train", "tiny-model", "--db", str(db)])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "models" / "tiny" / "tokenizer.json").exists()
    bad = CliRunner().invoke(app, ["train", "grpo", "--db", str(db), "--config", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.output and "tiny-grpo" in bad.output
    run = CliRunner().invoke(app, ["train", "sft", "--db", str(db), "--out", str(tmp_path / "sft"), "--max-steps", "1"])
    assert run.exit_code == 0, run.output
    assert "1 steps" in run.output and "final checkpoint" in run.output
    assert re.search(r"^train sft +━+ 1/1", run.output, re.M)  # the step line, drawn once when not a terminal
    assert "\r" not in run.output and "\x1b[" not in run.output  # no redraws or colour codes in a pipe
    quiet = CliRunner().invoke(
        app, ["train", "sft", "--db", str(db), "--out", str(tmp_path / "q"), "--max-steps", "1", "--quiet"]
    )
    assert quiet.exit_code == 0 and "final checkpoint" in quiet.output
    assert "━" not in quiet.output and "{'loss'" not in quiet.output
    assert (tmp_path / "sft" / "final" / "model.safetensors").exists()


def test_launch_script_trains_and_records_like_the_flows(train_db, tiny_model, tmp_path):
    import shutil

    from training.launch import main

    db = tmp_path / "w.duckdb"
    shutil.copy(train_db[0], db)
    shutil.copytree(tiny_model, tmp_path / "models" / "tiny")
    main(["sft", "--config", "tiny-sft", "--out", str(tmp_path / "run"), "--db", str(db), "--max-steps", "1"])
    assert (tmp_path / "run" / "final" / "config.json").exists()
    with connect(db, read_only=True) as con:
        rows = con.execute("SELECT run_id, kind, status FROM training_runs WHERE run_id LIKE 'launch-%'").fetchall()
        assert [r[1:] for r in rows] == [("sft", "completed")]
        finals = con.execute("SELECT path FROM checkpoints WHERE final AND run_id = ?", [rows[0][0]]).fetchall()
        assert finals == [(str((tmp_path / "run" / "final").resolve()),)]
