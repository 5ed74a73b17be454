"""Serve every deployment from one process, with a local Prefect server on loopback.

    tacit serve [--port 4200]              # terminal 1
    prefect deployment run synth/small     # terminal 2 (PREFECT_API_URL=http://127.0.0.1:4200/api)

If ``PREFECT_API_URL`` is already set, that server is used and none is started. Otherwise a Prefect
server (SQLite under ``PREFECT_HOME``, telemetry off) is started on 127.0.0.1, its UI pointed at that
port's API, and stopped again when this process gets Ctrl-C or SIGTERM. Runs are picked up about once a
second (``PREFECT_RUNNER_POLL_FREQUENCY``, default 1 here).

Nothing listens beyond loopback unless asked: the runner's own web server has no authentication (it
answers ``POST /shutdown``), so a non-loopback ``PREFECT_RUNNER_SERVER_HOST`` is refused unless
``allow_remote`` (``tacit serve --allow-remote``) says so, and then a warning is printed.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import flows  # noqa: F401  (Prefect environment defaults)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

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


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1); False for 0.0.0.0, names, LAN IPs."""
    if host.strip("[]") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def remote_binds() -> list[str]:
    """Settings that would make this process listen beyond loopback, as ``NAME=value``."""
    from prefect.settings import Settings

    host = Settings().runner.server.host  # read afresh: environment, then the active profile
    return [] if is_loopback(host) else [f"PREFECT_RUNNER_SERVER_HOST={host}"]


def check_binds(allow_remote: bool) -> None:
    """Refuse non-loopback binds unless ``allow_remote``; with it, warn on stderr."""
    binds = remote_binds()
    if binds and not allow_remote:
        raise ServerStartError(
            f"{', '.join(binds)} would expose the runner (no authentication; it accepts POST /shutdown) beyond "
            "this machine; unset it, or pass --allow-remote if that is what you want"
        )
    for bind in binds:
        print(f"warning: {bind}: the runner's web server is reachable from other machines", file=sys.stderr)


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
    env = {**os.environ, "PREFECT_UI_API_URL": api_url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen(  # the UI asks this port's API, not 4200's
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
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


def serve_all(port: int = 4200, limit: int = 2, allow_remote: bool = False) -> None:
    """Start (or reuse) a server and serve every deployment until interrupted."""
    check_binds(allow_remote)
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
