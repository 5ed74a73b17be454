"""`tacit serve` end to end: a real Prefect server on a free loopback port, every deployment served,
`prefect deployment run synth/tiny --watch` from another process, then a clean SIGTERM shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_serve_run_deployment_and_stop(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect_home"), "PREFECT_LOGGING_LEVEL": "INFO"}
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [str(BIN / "tacit"), "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while "being served" not in (tmp_path / "serve.log").read_text():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "deployments were not served in time"
            time.sleep(1)
        client_env = {**env, "PREFECT_API_URL": api}
        db = tmp_path / "served.duckdb"
        run = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "synth/tiny", "--param", f"db={db}", "--watch"],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "Completed" in run.stdout
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM dataset_versions WHERE complete").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM personas").fetchone() == (3,)
        con.close()

        bad = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "synth/tiny", "--param", "preset=huge"],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "preset" in bad.stdout + bad.stderr and "huge" in bad.stdout + bad.stderr

        stub = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "evaluate/default", "--watch"],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Failed" in stub.stdout
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            if serve.poll() is None:
                serve.kill()
            log.close()
    assert "Prefect server stopped" in (tmp_path / "serve.log").read_text()
    assert not _answers(f"{api}/health")


def test_stub_flows_fail_with_a_clear_message(prefect_harness):
    from flows.stubs import STUBS, NotAvailableYet

    for stub in STUBS:
        with pytest.raises(NotAvailableYet, match="not available in this version"):
            stub()
