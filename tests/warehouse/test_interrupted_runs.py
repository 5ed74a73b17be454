"""Runs whose process is gone are marked ``interrupted`` when the next run starts.

A DuckDB file has one writing process, so a synth or evaluation row still ``running`` when a writer opens
it is dead; training closes the warehouse while it trains, so its rows (and every row on a DuckLake, where
several processes write) are judged by their recorded owner: host, pid and process start time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import connect
from warehouse.eval_store import start_eval_run
from warehouse.liveness import owner, process_start
from warehouse.training import start_training_run
from warehouse.versions import CORE_TABLES, start_run

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("runs", "eval_runs", "training_runs")
INSERT = {
    "runs": "INSERT INTO runs (run_id, flow, status, started_at, owner_host, owner_pid, owner_start) "
    "VALUES (?, 'synth', 'running', now(), ?, ?, ?)",
    "eval_runs": "INSERT INTO eval_runs (run_id, version_id, backend, model, methods, config_json, status, "
    "started_at, owner_host, owner_pid, owner_start) VALUES (?, 'v', 'offline', 'm', ['rag'], '{}', 'running', "
    "now(), ?, ?, ?)",
    "training_runs": "INSERT INTO training_runs (run_id, kind, base_model, config_json, status, started_at, "
    "owner_host, owner_pid, owner_start) VALUES (?, 'sft', 'b', '{}', 'running', now(), ?, ?, ?)",
}


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def sleeper():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield child
    child.kill()
    child.wait()


def _rows(sleeper) -> dict[str, tuple]:
    """Owner columns of the runs every test inserts, by run id."""
    host, me, my_start = owner()
    return {
        "dead_here": (host, _dead_pid(), None),
        "alive_here": (host, sleeper.pid, process_start(sleeper.pid)),
        "reused_pid": (host, sleeper.pid, my_start.rsplit(":", 1)[0] + ":1"),  # same pid, another process
        "other_container": (host, _dead_pid(), "boot:4026500000:1"),  # same hostname, other pid namespace
        "dead_elsewhere": ("some-other-host", _dead_pid(), None),
        "no_owner": (None, None, None),
        "this_process": (host, me, my_start),
    }


def _seed(con, sleeper) -> None:
    for table in TABLES:
        for run_id, (host, pid, start) in _rows(sleeper).items():
            con.execute(INSERT[table], [run_id, host, pid, start])


def _status(con, table: str) -> dict[str, str]:
    return dict(con.execute(f"SELECT run_id, status FROM {table}").fetchall())


def test_on_a_lake_only_runs_whose_owner_here_is_gone_are_interrupted(tmp_path, sleeper):
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        _seed(con, sleeper)
        new = start_run(con, "synth", None, "{}")
        for table in TABLES:
            status = _status(con, table)
            assert status.pop(new, "running") == "running"
            assert status == {
                "dead_here": "interrupted",
                "alive_here": "running",
                "reused_pid": "interrupted",
                "dead_elsewhere": "running",
                "other_container": "running",
                "no_owner": "running",
                "this_process": "running",
            }, table
        message, finished = con.execute(
            "SELECT message, finished_at FROM training_runs WHERE run_id = 'dead_here'"
        ).fetchone()
        assert "interrupted" in message and "is gone" in message and finished is not None
        assert con.execute("SELECT owner_host, owner_pid FROM runs WHERE run_id = ?", [new]).fetchone() == (
            socket.gethostname(),
            os.getpid(),
        )
    finally:
        con.close()


def test_in_a_duckdb_file_every_other_synth_and_eval_row_running_is_dead(tmp_path, sleeper):
    con = connect(tmp_path / "w.duckdb")
    try:
        _seed(con, sleeper)
        start_eval_run(
            con, run_id="e-new", version_id="v", backend="offline", model="m", methods=["rag"], judges=[],
            config_json="{}", n_queries=1,
        )  # fmt: skip
        expected = dict.fromkeys(_rows(sleeper), "interrupted") | {"this_process": "running"}
        assert _status(con, "runs") == expected
        assert _status(con, "eval_runs") == expected | {"e-new": "running"}
        assert _status(con, "training_runs") == {  # training closes the file while it trains: owners decide
            "dead_here": "interrupted",
            "alive_here": "running",
            "reused_pid": "interrupted",
            "dead_elsewhere": "running",
            "other_container": "running",
            "no_owner": "running",
            "this_process": "running",
        }
        message = con.execute("SELECT message FROM runs WHERE run_id = 'no_owner'").fetchone()[0]
        assert "interrupted" in message
    finally:
        con.close()


def test_a_training_start_sweeps_too_and_records_its_owner(tmp_path, sleeper):
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        _seed(con, sleeper)
        run_id = start_training_run(con, "sft", None, "base", "{}", str(tmp_path / "out"))
        assert _status(con, "eval_runs")["dead_here"] == "interrupted"
        assert con.execute(
            "SELECT owner_pid, owner_start FROM training_runs WHERE run_id = ?", [run_id]
        ).fetchone() == (
            os.getpid(),
            process_start(os.getpid()),
        )
    finally:
        con.close()


KILLABLE_SYNTH = """
    import sys, time
    from pathlib import Path
    import flows.synth as synth_mod

    marker = Path(sys.argv[2])

    def hang(*args, **kwargs):  # runs after the run row, the scenarios and the filler pool are written
        marker.write_text("running")
        time.sleep(600)

    synth_mod.personas_task.fn = hang
    synth_mod.synth(preset="tiny", db=sys.argv[1])
"""


def _fingerprints(db: Path, vid: str) -> dict:
    from warehouse.lineage import table_fingerprint

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: table_fingerprint(con, t, vid) for t in CORE_TABLES}
    finally:
        con.close()


@pytest.mark.slow
def test_a_killed_synth_is_interrupted_and_the_rerun_completes_the_same_version(tiny_run, tmp_path):
    """SIGKILL a synth mid-run: the rerun marks its row interrupted and completes the same data."""
    from prefect.settings import PREFECT_API_URL

    from flows.synth import synth

    db, uninterrupted = tiny_run
    killed_db, marker = tmp_path / "killed.duckdb", tmp_path / "running"
    env = os.environ | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLABLE_SYNTH), str(killed_db), str(marker)], cwd=ROOT, env=env
    )
    try:
        deadline = time.time() + 240
        while not marker.exists() and child.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert marker.exists(), f"the synth subprocess never reached its first shard (exit {child.poll()})"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    con = duckdb.connect(str(killed_db), read_only=True)
    assert con.execute("SELECT run_id, status FROM runs").fetchall()[0][1] == "running"
    (killed_run,) = con.execute("SELECT run_id FROM runs").fetchone()
    con.close()

    resumed = synth(preset="tiny", db=str(killed_db))
    assert resumed.state == "resumed" and resumed.version_id == uninterrupted.version_id
    con = duckdb.connect(str(killed_db), read_only=True)
    status = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    message = con.execute("SELECT message FROM runs WHERE run_id = ?", [killed_run]).fetchone()[0]
    assert con.execute("SELECT complete FROM dataset_versions").fetchone() == (True,)
    con.close()
    assert status == {killed_run: "interrupted", resumed.run_id: "completed"}
    assert "interrupted" in message
    assert _fingerprints(killed_db, resumed.version_id) == _fingerprints(db, uninterrupted.version_id)
