"""`tacit serve` listens on loopback only unless told otherwise: an unauthenticated runner web server
(it accepts POST /shutdown) must not be exposed by an environment variable alone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.serve import ServerStartError, check_binds, is_loopback

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.org", ""])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


def test_remote_runner_host_is_refused_then_warned(monkeypatch, capsys):
    monkeypatch.setenv("PREFECT_RUNNER_SERVER_HOST", "0.0.0.0")
    with pytest.raises(ServerStartError, match=r"PREFECT_RUNNER_SERVER_HOST=0\.0\.0\.0.*--allow-remote"):
        check_binds(allow_remote=False)
    check_binds(allow_remote=True)
    assert "warning: PREFECT_RUNNER_SERVER_HOST=0.0.0.0" in capsys.readouterr().err
    monkeypatch.setenv("PREFECT_RUNNER_SERVER_HOST", "127.0.0.1")
    check_binds(allow_remote=False)  # loopback: nothing to say


def test_tacit_serve_refuses_before_starting_anything(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(tmp_path / "home"), "PREFECT_RUNNER_SERVER_HOST": "0.0.0.0"}
    run = subprocess.run(
        [str(BIN / "tacit"), "serve", "--port", str(port)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "PREFECT_RUNNER_SERVER_HOST=0.0.0.0" in run.stderr and "Traceback" not in run.stderr
    with socket.socket() as s:  # no server was started on the port
        assert s.connect_ex(("127.0.0.1", port)) != 0
