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
