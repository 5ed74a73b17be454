"""`tacit serve` end to end: a real Prefect server on a free loopback port, every deployment served,
`prefect deployment run synth/tiny --watch` from another process, then a clean SIGTERM shutdown."""

from __future__ import annotations

import json
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

from warehouse.lineage import table_uri

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


def _asset_events(api: str) -> list[dict]:
    body = json.dumps({"filter": {"event": {"prefix": ["prefect.asset.materialization"]}}, "limit": 50}).encode()
    req = urllib.request.Request(f"{api}/events/filter", data=body, headers={"Content-Type": "application/json"})
    deadline = time.monotonic() + 30
    while True:  # events are ingested asynchronously
        with urllib.request.urlopen(req, timeout=10) as resp:
            events = json.loads(resp.read())["events"]
        if any(e["event"].startswith("prefect.asset.materialization") for e in events) or time.monotonic() > deadline:
            return events
        time.sleep(1)


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
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=10) as resp:
            assert json.loads(resp.read())["api_url"] == api  # the UI talks to this port, not 4200
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

        events = _asset_events(api)
        queries_key = table_uri(db, "queries")
        materialized = [
            e
            for e in events
            if e["event"].startswith("prefect.asset.materialization")
            and e["resource"]["prefect.resource.id"] == queries_key
        ]
        assert materialized, sorted({e["event"] for e in events})
        related = {r["prefect.resource.id"] for r in materialized[0]["related"]}
        assert {table_uri(db, "preferences"), table_uri(db, "histories")} <= related

        bad = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", "synth/tiny", "--param", "preset=huge"],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "preset" in bad.stdout + bad.stderr and "huge" in bad.stdout + bad.stderr

        evaluated = subprocess.run(
            [
                *(str(BIN / "prefect"), "deployment", "run", "evaluate/default", "--watch"),
                *("--param", f"db={db}", "--param", 'methods=["no_context", "length_only", "rag"]'),
            ],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert evaluated.returncode == 0, evaluated.stdout[-3000:] + evaluated.stderr[-3000:]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT status, methods FROM eval_runs").fetchall() == [
            ("complete", ["no_context", "length_only", "rag"])
        ]
        assert con.execute("SELECT count(DISTINCT method) FROM eval_results").fetchone() == (3,)
        con.close()

        trained = subprocess.run(  # a training deployment retriggered with parameters, as on the gpu pool
            [
                *(str(BIN / "prefect"), "deployment", "run", "train_memory/default", "--watch"),
                *("--param", f"db={db}", "--param", "max_steps=1", "--param", f"out={tmp_path / 'mem'}"),
            ],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT kind, status FROM training_runs").fetchall() == [("memory", "completed")]
        assert con.execute("SELECT count(*) FROM checkpoints WHERE final").fetchone() == (1,)
        con.close()
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
