"""Training in two processes, as ``training.launch`` runs on a node with several GPUs, here on CPU (gloo).

``torchrun`` (``python -m torch.distributed.run``) starts the ranks: ``accelerate launch --cpu
--num_processes 2`` starts one process in accelerate 1.15 (its multi-CPU mode goes through MPI), so it
would test nothing. Each kind runs once in one process and once in two; the two-process run must record
one run (rank 0 only), build the same rows, take the same number of optimizer steps, and cover twice the
data per step (its epoch figure doubles: two ranks each read their own half, which a run that silently
fell back to one process would not)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse import connect

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(prefix: list[str], kind: str, db: Path, out: Path) -> None:
    config = {"sft": "tiny-sft", "memory": "tiny-memory"}[kind]
    cmd = [*prefix, "-m", "training.launch", kind, "--config", config, "--db", str(db), "--out", str(out)]
    done = subprocess.run([*cmd, "--max-steps", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("kind", ["sft", "memory"])
def test_two_processes_record_once_and_match_one(kind, train_db, tiny_model, tmp_path):
    db = tmp_path / "tacit.duckdb"
    shutil.copy(train_db[0], db)
    shutil.copytree(tiny_model, tmp_path / "models" / Path(tiny_model).name)  # --base-model tiny looks here
    with connect(db) as con:
        before = {r[0] for r in con.execute("SELECT run_id FROM training_runs").fetchall()}
    _launch([sys.executable], kind, db, tmp_path / "one")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    _launch([*torchrun, "--master_addr", "127.0.0.1", "--master_port", str(_free_port())], kind, db, tmp_path / "two")
    with connect(db) as con:
        rows = con.execute(
            "SELECT run_id, out_dir, status, n_examples, metrics_json FROM training_runs ORDER BY started_at"
        ).fetchall()
    new = [r for r in rows if r[0] not in before]
    assert [Path(r[1]).name for r in new] == ["one", "two"]  # rank 1 recorded nothing
    assert [r[2] for r in new] == ["completed", "completed"]
    one, two = (json.loads(r[4]) for r in new)
    assert new[0][3] == new[1][3] > 0  # the same rows
    assert one["global_step"] == two["global_step"] == 2
    assert two["epoch"] == pytest.approx(2 * one["epoch"])  # two ranks, each its own share of every step
    assert (tmp_path / "two" / "final" / "config.json").exists()
