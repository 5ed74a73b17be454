"""Training on a work pool, as a user runs it: a real `prefect server start` on a free loopback port,
`prefect deploy --all` from the repository's prefect.yaml, a real `prefect worker start --pool gpu`
process (this CPU machine stands in for the GPU host), and `prefect deployment run train_sft/default`,
then `train_memory/default`, then `train_sft/default` again with `resume=last`, all against one shared
DuckLake warehouse. The runs, their checkpoints and lineage land in that warehouse, written by the
worker's flow-run processes; the retriggered run resumes from the first run's checkpoint and is recorded
as a new run (README, "Scaling out")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.local_prefect import _free_port, answers
from warehouse import connect

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict, timeout: float = 300, cwd: Path = REPO) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_training_deployments_run_on_a_gpu_pool_worker_into_a_shared_lake(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect_home"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # pick a run up within a second (default 10)
        "TACIT_HOME": str(REPO),  # prefect.yaml's pull step: where the flow code lives on the worker's host
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    server_log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=server_env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        deadline = time.monotonic() + 180
        while not answers(api):
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the Prefect server did not answer in time"
            time.sleep(1)
        for pool in ("cpu", "gpu"):
            _run([str(BIN / "prefect"), "work-pool", "create", pool, "--type", "process"], env, timeout=120)
        deployed = _run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env, timeout=300)
        assert "train_sft/default" in deployed and "train_memory/default" in deployed

        db = f"ducklake:{tmp_path / 'lake'}"  # the shared warehouse every process writes
        _run([str(BIN / "tacit"), "synth", "--preset", "tiny", "--db", db], env, timeout=300)

        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "gpu"],
            env=env,
            cwd=tmp_path,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        sft_out, mem_out = tmp_path / "runs" / "sft", tmp_path / "runs" / "memory"
        sft_config = tmp_path / "sft-checkpointed.yaml"  # the bundled tiny config saves no checkpoint to resume
        bundled = (REPO / "training" / "configs" / "tiny-sft.yaml").read_text()
        sft_config.write_text(bundled.replace('save_strategy: "no"', "save_strategy: steps\n  save_steps: 1"))

        def deployment_run(name: str, *params: str) -> str:
            args = [str(BIN / "prefect"), "deployment", "run", name, "--watch", "--param", f"db={db}"]
            for p in params:
                args += ["--param", p]
            out = _run(args, env, timeout=420)
            assert "Completed" in out, out[-2000:] + (tmp_path / "worker.log").read_text()[-3000:]
            return out

        deployment_run("train_sft/default", "max_steps=1", f"out={sft_out}", f"config={sft_config}")
        deployment_run("train_memory/default", "max_steps=1", f"out={mem_out}")
        deployment_run("train_sft/default", "max_steps=2", f"out={sft_out}", f"config={sft_config}", "resume=last")

        with connect(db, read_only=True) as con:
            runs = con.execute(  # each run with the step of its final checkpoint
                "SELECT r.run_id, r.kind, r.status, r.owner_pid, max(c.step) FILTER (WHERE c.final) "
                "FROM training_runs r LEFT JOIN checkpoints c USING (run_id) GROUP BY ALL ORDER BY min(r.started_at)"
            ).fetchall()
            finals = dict(
                con.execute("SELECT run_id, count(*) FROM checkpoints WHERE final GROUP BY run_id").fetchall()
            )
            parents = {
                (child, parent)
                for child, parent in con.execute(
                    "SELECT child_id, parent_id FROM lineage_edges WHERE child_id LIKE 'ckpt:%'"
                ).fetchall()
            }
            vid = con.execute("SELECT version_id FROM dataset_versions WHERE complete").fetchone()[0]
        assert [(kind, status) for _, kind, status, _, _ in runs] == [
            ("sft", "completed"),
            ("memory", "completed"),
            ("sft", "completed"),
        ]
        assert [step for *_, step in runs] == [1, 1, 2]  # the retrigger resumed at step 1 and went on to 2
        assert len({run_id for run_id, *_ in runs}) == 3  # a retriggered run is a new run
        assert all(pid not in (None, os.getpid()) for *_, pid, _ in runs)  # written by the worker's processes
        assert all(finals.get(run_id) == 1 for run_id, *_ in runs)
        assert {p for _, p in parents} >= {f"queries@{vid}", f"splits@{vid}"}
        assert "train_sft" in (tmp_path / "worker.log").read_text()
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)
        server_log.close()
