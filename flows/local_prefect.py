"""A throwaway Prefect API for one ``tacit`` command, that says it is starting and dies with its parent.

What: ``local_prefect()`` is a context manager around a command's flow call. When ``PREFECT_API_URL`` is
set, it does nothing (that server records the runs). Otherwise it prints ``starting local Prefect ...``,
starts Prefect's API (uvicorn on a free 127.0.0.1 port, SQLite under ``PREFECT_HOME``, no UI), waits up to
``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (default 120 here) for it to answer, points this
process at it (with no flow-run heartbeats, which only a lasting server reads), and stops it when the
block ends.

Why: Prefect's own ephemeral server gave up after 20 s under load with a long traceback, said nothing
while the first command waited, and outlived a SIGKILLed parent (about 200 MB and a port each). Here the
child asks Linux to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), so a killed command
leaves no server behind; a normal exit stops it as well.

How: ``with local_prefect(note=print): summary = synth_flow(...)``.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

DEFAULT_STARTUP_TIMEOUT_S = 120
_PR_SET_PDEATHSIG = 1


class LocalPrefectError(RuntimeError):
    """The local Prefect API did not come up; the message says why in one line."""


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the normal-exit path still stops it
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(api_url: str) -> bool:
    """Whether the API at ``api_url`` answers its health check (at once when nothing listens yet)."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def startup_timeout() -> float:
    raw = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "")
    try:
        return float(raw) if raw else DEFAULT_STARTUP_TIMEOUT_S
    except ValueError:
        raise LocalPrefectError(f"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS={raw!r} is not a number") from None


def spawn_api() -> tuple[subprocess.Popen, str]:
    """Start Prefect's API on a free loopback port without waiting for it: (process, API URL). Prefect is
    located, not imported (importing it takes seconds the server's own start-up can overlap)."""
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise LocalPrefectError("prefect is not installed in this environment (run `make setup`)")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent), "--factory"]
    cmd += ["prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "error", "--lifespan", "on"]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
    )
    return proc, api_url


def start_api(timeout: float, spawned: tuple[subprocess.Popen, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start Prefect's API (or take one ``spawn_api`` started earlier); return it once it answers."""
    proc, api_url = spawned or spawn_api()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:] if proc.stderr else []
            raise LocalPrefectError(f"local Prefect exited with {proc.returncode}: {' '.join(tail) or 'no output'}")
        if answers(api_url):
            return proc, api_url
        time.sleep(0.2)
    stop_api(proc)
    raise LocalPrefectError(
        f"local Prefect did not answer within {timeout:.0f} s (a busy machine? raise "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or point PREFECT_API_URL at a running server)"
    )


def stop_api(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn_early() -> tuple[subprocess.Popen, str] | None:
    """``spawn_api`` unless ``PREFECT_API_URL`` names a server: a command calls it before its heavy imports
    and hands the result to ``local_prefect`` (about 2 s of a small run's start-up overlap)."""
    return None if os.environ.get("PREFECT_API_URL") else spawn_api()


@contextlib.contextmanager
def local_prefect(
    note: Callable[[str], None] = print, spawned: tuple[subprocess.Popen, str] | None = None
) -> Iterator[str | None]:
    """Yield the API URL of a server started for this block (or by ``spawn_early``), or None when
    ``PREFECT_API_URL`` is set."""
    if os.environ.get("PREFECT_API_URL"):
        if spawned is not None:
            stop_api(spawned[0])
        yield None
        return
    note("starting local Prefect ...")
    proc, api_url = start_api(startup_timeout(), spawned)
    os.environ["PREFECT_API_URL"] = api_url
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # no flow-run heartbeats: they let a server mark a run crashed once its process stops sending them,
        # and this server stops with the process; a flow's end otherwise waits for the heartbeat thread,
        # which Prefect lets sleep in 1 s steps (0.5 s of every run on average)
        with temporary_settings(updates={PREFECT_API_URL: api_url, "flows.heartbeat_frequency": None}):
            yield api_url
    finally:
        _drain_prefect_workers()
        os.environ.pop("PREFECT_API_URL", None)
        stop_api(proc)


def _drain_prefect_workers(timeout: float = 10) -> None:
    """Send buffered logs and events before the server goes (else: "Error logging to API" at exit)."""
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=timeout)
        EventsWorker.drain_all(timeout=timeout)
    except Exception:
        pass
