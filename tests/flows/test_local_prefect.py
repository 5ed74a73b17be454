"""The Prefect API a `tacit` command starts for itself: it says so, it answers, and it never outlives the
command, even one killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from flows.local_prefect import LocalPrefectError, local_prefect, startup_timeout

CHILD = """
import os, sys, time
os.environ["PREFECT_HOME"] = sys.argv[1]
from flows.local_prefect import local_prefect
with local_prefect(note=lambda m: print(m, flush=True)) as url:
    print(url, flush=True)
    time.sleep(120)
"""


def _answers(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_a_killed_command_leaves_no_server_behind(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "home")], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "starting local Prefect ..."
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and _answers(url)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while _answers(url):
        assert time.monotonic() < deadline, f"the server at {url} outlived its killed parent"
        time.sleep(0.5)


def test_a_set_api_url_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    notes = []
    with local_prefect(note=notes.append) as url:
        assert url is None and os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
    assert notes == []


def test_startup_timeout_is_read_and_checked(monkeypatch):
    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    assert startup_timeout() == 120
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "soon")
    with pytest.raises(LocalPrefectError, match="PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"):
        startup_timeout()


def test_a_server_spawned_early_is_the_one_used_and_stopped(monkeypatch, tmp_path):
    """`tacit synth` starts the server before its heavy imports and hands it to the block; a server spawned
    when PREFECT_API_URL turns out to be set is stopped, not leaked."""
    from flows.local_prefect import spawn_api, spawn_early

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    spawned = spawn_early()
    assert spawned is not None and spawned[1].startswith("http://127.0.0.1:")
    with local_prefect(note=lambda _m: None, spawned=spawned) as url:
        assert url == spawned[1] and _answers(url)
        from prefect.settings import get_current_settings

        assert get_current_settings().flows.heartbeat_frequency is None  # nobody reads them after the block
    assert spawned[0].poll() is not None  # stopped with the block
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert spawn_early() is None
    unused = spawn_api()
    with local_prefect(note=lambda _m: None, spawned=unused) as url:
        assert url is None
        assert get_current_settings().flows.heartbeat_frequency  # a lasting server keeps its heartbeats
    assert unused[0].poll() is not None
