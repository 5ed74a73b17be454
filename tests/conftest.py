"""Shared fixtures: the real taxonomy, a tiny config, and one tiny synth run per session.

Flow tests run against Prefect's test harness (a temporary local server, loopback only), started
once per session; nothing here touches the network.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_SQLALCHEMY_LEVEL", "CRITICAL")


@pytest.fixture(scope="session")
def tax():
    from taxonomy import load_taxonomy

    return load_taxonomy()


@pytest.fixture(scope="session")
def tiny_config():
    from schemas.config import load_preset

    return load_preset("tiny")


@pytest.fixture(scope="session")
def gen(tiny_config, tax):
    from llm.offline import OfflineGenerator

    return OfflineGenerator(seed=tiny_config.seed, taxonomy=tax)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect_home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def tiny_run(prefect_harness, tmp_path_factory):
    """One tiny synth run shared by the read-only flow and warehouse tests: (db path, summary)."""
    from flows.synth import synth

    db = Path(tmp_path_factory.mktemp("tiny")) / "tacit.duckdb"
    return db, synth(preset="tiny", db=str(db))


@contextlib.contextmanager
def writer_holding(db):
    """Another process that holds ``db`` open for writing (as a running flow would) until the block ends."""
    code = f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        holder.kill()
        holder.wait()


_PREFECT_SERVER_MARKS = ("prefect.server.api.server:create_app", "prefect server start")


def _prefect_servers() -> set[int]:
    """PIDs of Prefect API servers on this machine that are orphans (parent gone: re-parented to PID 1)
    or children of this test process (Linux /proc; a concurrent run's live servers are not ours)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if any(mark in cmd for mark in _PREFECT_SERVER_MARKS) and ppid in (1, os.getpid()):
                found.add(int(entry.name))
    return found


_SERVERS_BEFORE: set[int] = set()


def pytest_sessionstart(session):
    _SERVERS_BEFORE.update(_prefect_servers())


def pytest_sessionfinish(session, exitstatus):
    """No Prefect server started by the suite may outlive it (a killed command's server included)."""
    import time

    deadline = time.monotonic() + 15  # SIGTERM'd servers take a moment to exit
    while (left := _prefect_servers() - _SERVERS_BEFORE) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        print(f"\nPrefect servers left running by the test suite: {sorted(left)}", file=sys.stderr)
        session.exitstatus = 1
