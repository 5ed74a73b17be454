"""`synth` on the openai backend against the loopback server: the same rows as the offline backend,
every call recorded in `llm_calls`, and a crashed run resumes without repeating a single request."""

from __future__ import annotations

import duckdb
import pytest

from llm.loopback import FakeOpenAI
from tests.flows.test_synth import _content_hashes

pytestmark = pytest.mark.slow


def test_openai_backend_matches_offline_and_resumes_without_repeats(tiny_run, prefect_harness, tmp_path, monkeypatch):
    import flows.synth as synth_mod

    offline_db, offline = tiny_run
    db = tmp_path / "openai.duckdb"
    with FakeOpenAI() as server:
        real = synth_mod.STAGE_FUNCTIONS["queries"]
        calls = {"n": 0}

        def crash_once(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] <= 2:  # the task and its one retry
                raise RuntimeError("simulated crash")
            return real(*args, **kwargs)

        monkeypatch.setattr(synth_mod.queries_task, "fn", crash_once)
        with pytest.raises(RuntimeError, match="simulated crash"):
            synth_mod.synth(preset="tiny", backend="openai", model="loopback", base_url=server.base_url, db=str(db))
        first_requests = server.requests
        assert first_requests > 0
        monkeypatch.undo()

        summary = synth_mod.synth(
            preset="tiny", backend="openai", model="loopback", base_url=server.base_url, db=str(db), rpm=100_000
        )
        assert summary.state == "resumed"
        con = duckdb.connect(str(db), read_only=True)
        n_calls, statuses = con.execute("SELECT count(*), list(DISTINCT status) FROM llm_calls").fetchone()
        assert statuses == ["ok"] and server.requests == n_calls  # no request was ever sent twice
        con.close()
    assert summary.version_id != offline.version_id  # backend and model are part of the version
    assert _content_hashes(db, summary.version_id) == _content_hashes(offline_db, offline.version_id)


def test_sigkilled_run_resumes_with_no_repeated_request(tiny_run, tmp_path):
    """A `tacit synth --backend openai` process is SIGKILLed mid-run (while requests are in flight); the
    rerun completes, the server never answers the same prompt twice, and the rows equal an offline run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    offline_db, offline = tiny_run
    db = tmp_path / "killed.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / ".prefect"), "COLUMNS": "200"}
    with FakeOpenAI() as server:
        server.hold_after = 60  # answer 60 calls, then keep the next ones waiting: the kill lands mid-run
        cmd = [
            sys.executable,
            "-m",
            "flows.cli",
            "synth",
            "--preset",
            "tiny",
            "--backend",
            "openai",
            "--model",
            "loopback",
            "--base-url",
            server.base_url,
            "--db",
            str(db),
        ]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        while server.held == 0:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run never reached the held requests"
            time.sleep(0.2)
        time.sleep(1.0)  # let the client record the answers it already has
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        server.release.set()
        server.hold_after = None
        rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "resumed version" in rerun.stdout
        assert max(server.answered.values()) == 1  # no prompt was answered twice
    con = duckdb.connect(str(db), read_only=True)
    vid = con.execute("SELECT version_id FROM dataset_versions WHERE complete").fetchone()[0]
    con.close()
    assert _content_hashes(db, vid) == _content_hashes(offline_db, offline.version_id)
