"""Serve every deployment from one process, with a local Prefect server on loopback.

    tacit serve [--port 4200]              # terminal 1
    prefect deployment run synth/small     # terminal 2 (PREFECT_API_URL=http://127.0.0.1:4200/api)

If ``PREFECT_API_URL`` is already set, that server is used and none is started. Otherwise a Prefect
server (SQLite under ``PREFECT_HOME``, telemetry off) is started on 127.0.0.1, and stopped again when
this process gets Ctrl-C or SIGTERM. Runs are picked up about once a second
(``PREFECT_RUNNER_POLL_FREQUENCY``, default 1 here).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import flows  # noqa: F401  (Prefect environment defaults)

SYNTH_PRESETS = ("full", "small", "tiny")


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up."""


def deployments() -> list:
    """synth/full, synth/small, synth/tiny, evaluate/default and the training flows' ``default`` deployments
    (gpu work pool when run by workers; parameterised by version, base_model, config, ...)."""
    from flows.synth import synth
    from flows.train import TRAIN_FLOWS

    out = [
        synth.to_deployment(
            name=p,
            parameters={"preset": p},
            tags=["synth", p],
            description=f"Generate the {p} preset into the warehouse",
        )
        for p in SYNTH_PRESETS
    ]
    from flows.evaluate import evaluate

    out.append(
        evaluate.to_deployment(
            name="default", tags=["evaluate"], description="Evaluate a dataset version (parameters as `tacit eval`)"
        )
    )
    out += [
        f.to_deployment(name="default", description=f.__doc__, tags=["train", "gpu"], parameters={"base_model": "tiny"})
        for f in TRAIN_FLOWS
    ]
    return out


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def start_server(port: int, timeout: float = 120.0) -> subprocess.Popen:
    """Start ``prefect server start`` on 127.0.0.1:port and wait until it answers."""
    prefect = Path(sys.executable).parent / "prefect"
    api_url = f"http://127.0.0.1:{port}/api"
    if _healthy(api_url):
        raise ServerStartError(
            f"port {port} already has a Prefect server; use it with PREFECT_API_URL={api_url} or choose another --port"
        )
    proc = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(
                f"prefect server exited with {proc.returncode}: {proc.stderr.read().decode(errors='replace')[-2000:]}"
            )
        if _healthy(api_url):
            return proc
        time.sleep(0.5)
    stop_server(proc)
    raise ServerStartError(f"prefect server did not answer on {api_url} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def serve_all(port: int = 4200, limit: int = 2) -> None:
    """Start (or reuse) a server and serve every deployment until interrupted."""
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "1")
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_server(port)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        print(f"Prefect server on http://127.0.0.1:{port} (UI), API {os.environ['PREFECT_API_URL']}", flush=True)

    def _term(signum, frame):  # SIGTERM behaves like Ctrl-C: the runner shuts down, then the server
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    try:
        from prefect import serve

        serve(*deployments(), limit=limit)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            stop_server(server)
            print("Prefect server stopped", flush=True)
