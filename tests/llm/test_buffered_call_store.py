"""The warehouse call store's buffered writer (``warehouse.llm_store``): finished calls are written in
batches by a background thread, never inside the event loop; a queued call still answers a lookup; a
close, a garbage collection and a normal exit write what is queued; a failed write is raised by the next
put, flush or close and loses no row; a catalog lock is retried; and a SIGKILLed run sends again at most
the calls of the last flush window. Real DuckDB files and lakes, the loopback server, no network."""

from __future__ import annotations

import asyncio
import gc
import math
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from flows.stages.personas import sample_seed
from llm.callsites import PERSONA_PROFILE
from llm.loopback import FakeOpenAI
from llm.openai_backend import OpenAIGenerator
from schemas.config import load_preset
from warehouse import connect
from warehouse.llm_store import FLUSH_S, CallWriteError, CallWriter, WarehouseCallStore

ROOT = Path(__file__).resolve().parents[2]


def _call(key: str, parsed: str = '{"a": 1}') -> dict:
    return dict(
        cache_key=key, call_site="persona_profile", model="m", status="ok", parsed=parsed, tokens_in=10,
        tokens_out=5, cost_usd=0.01, run_id="r1",
    )  # fmt: skip


def _failure(key: str) -> dict:
    return dict(cache_key=key, call_site="persona_profile", error="bad", attempts=2, run_id="r1")


def _count(con, table: str = "llm_calls") -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _wait_for(condition, timeout: float = 10.0) -> float:
    """Seconds until ``condition()`` held (polled); fails after ``timeout``."""
    t0 = time.monotonic()
    while not condition():
        assert time.monotonic() - t0 < timeout, "condition never held"
        time.sleep(0.01)
    return time.monotonic() - t0


class Faults:
    """Statements starting with ``prefix`` raise ``error``, ``times`` times (a failed COMMIT ends its
    transaction first, as a failed DuckLake commit does)."""

    def __init__(self, prefix: str, error: Exception, times: float = math.inf) -> None:
        self.prefix, self.error, self.times, self.raised = prefix, error, times, 0
        self.hit = threading.Event()

    def check(self, inner, sql: str) -> None:
        if sql.strip().upper().startswith(self.prefix) and self.raised < self.times:
            self.raised += 1
            if self.prefix == "COMMIT":
                inner.execute("ROLLBACK")
            self.hit.set()
            raise self.error


class Faulty:
    """A connection, and the cursors made from it, whose statements go through ``faults`` first."""

    def __init__(self, inner, faults: Faults) -> None:
        self.inner, self.faults = inner, faults

    def execute(self, sql, *args):
        self.faults.check(self.inner, sql)
        return self.inner.execute(sql, *args)

    def cursor(self):
        return Faulty(self.inner.cursor(), self.faults)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    yield con
    con.close()


def test_a_queued_call_answers_lookups_and_the_thread_writes_it_within_the_window(con):
    store = WarehouseCallStore(con)
    store.buffer()
    t0 = time.monotonic()
    store.put(_call("k1", '{"a": 1}'))
    store.put(_call("k2"))
    store.put(_call("k1", '{"a": 2}'))  # a call put again replaces the queued one, as it replaces a row
    store.put_failure(_failure("k3"))
    assert _count(con) == 0  # queued, not written by the caller
    assert store.get("k1") == '{"a": 2}' and store.get("k3") is None  # a failure never answers a lookup
    _wait_for(lambda: _count(con) == 2 and _count(con, "raw_failed_calls") == 1)
    assert time.monotonic() - t0 < 10 * FLUSH_S  # written by the thread, no flush asked
    store.put(_call("k1", '{"a": 3}'))  # replaces the written row: DELETE of the batch's keys, then INSERT
    store.flush()
    assert con.execute("SELECT cache_key, parsed FROM llm_calls ORDER BY cache_key").fetchall() == [
        ("k1", '{"a": 3}'),
        ("k2", '{"a": 1}'),
    ]
    store.close()
    store.put(_call("k4"))  # closed: the store writes at once again
    assert _count(con) == 3


def test_without_buffer_each_call_is_written_at_once(con):
    store = WarehouseCallStore(con)
    store.put(_call("k1"))
    store.put_failure(_failure("k2"))
    assert _count(con) == 1 and _count(con, "raw_failed_calls") == 1


def test_generate_writes_off_the_event_loop_and_leaves_every_call_in_the_warehouse(con, tax, monkeypatch):
    writes = []  # (thread name, inside a running event loop, rows)
    original = CallWriter._write_rows

    def spy(self, calls, failures, on_owner):
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        writes.append((threading.current_thread().name, in_loop, len(calls)))
        return original(self, calls, failures, on_owner)

    monkeypatch.setattr(CallWriter, "_write_rows", spy)
    seeds = [sample_seed(load_preset("small"), i, tax) for i in range(24)]
    store = WarehouseCallStore(con)
    with FakeOpenAI(latency=0.1) as server:
        gen = OpenAIGenerator("loopback-model", base_url=server.base_url, store=store, taxonomy=tax, concurrency=4)
        gen.generate(PERSONA_PROFILE, seeds)
        assert _count(con) == len(seeds)  # every call of the batch is written when generate returns
        assert not any(in_loop for _, in_loop, _ in writes)  # never written inside the event loop
        assert any(name == "tacit-call-writer" for name, _, _ in writes)  # the thread wrote during the batch
        assert sum(n for *_, n in writes) == len(seeds) and len(writes) < len(seeds)  # in batches
        gen.generate(PERSONA_PROFILE, seeds)
        assert server.requests == len(seeds)  # the second batch came from the cache
    gen.close()


def test_close_collection_and_exit_write_what_is_queued(con, tmp_path):
    store = WarehouseCallStore(con, flush_s=60)
    store.buffer()
    store.put(_call("k1"))
    assert _count(con) == 0
    store.close()
    assert _count(con) == 1

    store = WarehouseCallStore(con, flush_s=60)
    store.buffer()
    store.put(_call("k2"))
    del store
    gc.collect()
    assert _count(con) == 2

    db = tmp_path / "exit.duckdb"
    code = (
        "from warehouse import connect\nfrom warehouse.llm_store import WarehouseCallStore\n"
        f"store = WarehouseCallStore(connect({str(db)!r}), flush_s=60)\nstore.buffer()\n"
        f"store.put({_call('k3')!r})\n"
    )  # the process ends with the call queued and the store never closed
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    other = duckdb.connect(str(db), read_only=True)
    assert other.execute("SELECT cache_key FROM llm_calls").fetchall() == [("k3",)]
    other.close()


def test_a_failed_write_is_raised_by_the_next_put_flush_and_close_and_loses_no_row(con):
    faults = Faults("INSERT INTO LLM_CALLS", duckdb.IOException("IO Error: No space left on device"))
    store = WarehouseCallStore(Faulty(con, faults))
    store.buffer()
    store.put(_call("k1"))
    assert faults.hit.wait(10)  # the thread tried
    _wait_for(lambda: store.writer.error is not None)  # ... and failed
    with pytest.raises(CallWriteError, match=r"llm_calls failed \(IOException: .*No space left"):
        store.put(_call("k2"))
    with pytest.raises(CallWriteError, match="2 rows to llm_calls"):
        store.flush()
    with pytest.raises(CallWriteError, match="llm_calls"):
        store.close()
    assert store.get("k2") == '{"a": 1}' and _count(con) == 0  # still queued, still a hit
    faults.times = 0  # the disk has room again
    store.flush()
    assert sorted(con.execute("SELECT cache_key FROM llm_calls").fetchall()) == [("k1",), ("k2",)]
    store.put(_call("k5"))  # and the store works on
    assert _count(con) == 3


def test_a_catalog_lock_is_retried(con):
    locked = duckdb.TransactionException("TransactionContext Error: Failed to commit: database is locked")
    faults = Faults("COMMIT", locked, times=2)
    store = WarehouseCallStore(Faulty(con, faults))
    store.buffer()  # the thread's write
    store.put(_call("k1"))
    _wait_for(lambda: _count(con) == 1)
    store.flush()  # no error was kept
    assert faults.raised == 2
    store.close()
    faults.raised = 0  # a write at once, on the owner's connection
    store.put(_call("k2"))
    assert faults.raised == 2 and _count(con) == 2


def test_buffered_writes_on_a_lake(tmp_path):
    lake = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        store = WarehouseCallStore(lake)
        store.buffer()
        lake.execute("SELECT count(*) FROM llm_calls").fetchone()  # a read the owner left open
        for i in range(20):
            assert store.get(f"k{i}") is None
            store.put(_call(f"k{i}"))
        store.put_failure(_failure("f"))

        def written() -> bool:  # on a lake a read fails while another connection commits: the owner's reads
            with store.lock:  # take the store's lock while its thread may write (as ``get`` does)
                return _count(lake) == 20 and _count(lake, "raw_failed_calls") == 1

        _wait_for(written)
        store.put(_call("k0", '{"a": 2}'))
        store.close()
        assert lake.execute("SELECT count(*), max(parsed) FROM llm_calls WHERE cache_key = 'k0'").fetchall() == [
            (1, '{"a": 2}')
        ]
    finally:
        lake.close()


CHILD = """
import sys

from flows.stages.personas import sample_seed
from llm.callsites import PERSONA_PROFILE
from llm.openai_backend import OpenAIGenerator
from schemas.config import load_preset
from taxonomy import load_taxonomy
from warehouse import connect
from warehouse.llm_store import WarehouseCallStore

base_url, db, n, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tax = load_taxonomy()
seeds = [sample_seed(load_preset("full"), i, tax) for i in range(n)]
con = connect(db)
gen = OpenAIGenerator(
    "loopback-model", base_url=base_url, store=WarehouseCallStore(con), taxonomy=tax, concurrency=concurrency,
    timeout=10.0,
)
gen.generate(PERSONA_PROFILE, seeds)
gen.close()
con.close()
"""


@pytest.mark.slow
def test_a_sigkill_sends_again_at_most_the_calls_of_the_last_flush_window(tmp_path):
    n, concurrency, latency = 300, 8, 0.1
    db = tmp_path / "killed.duckdb"
    with FakeOpenAI(latency=latency) as server:
        cmd = [sys.executable, "-c", CHILD, server.base_url, str(db), str(n), str(concurrency)]
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while server.completions < n // 2:
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the child never got half its answers"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
        killed = connect(db)
        written = _count(killed)
        killed.close()
        assert 0 < written < n  # the run was cut mid-way, and its calls were written as it went
        rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        twice = sum(1 for times in server.answered.values() if times > 1)
        assert max(server.answered.values()) <= 2 and server.completions == n + twice
    # A call is sent again only if the kill lost it: answered by the server, but not committed. A call
    # answered at time a is committed by the first write starting after it, at most FLUSH_S later, and that
    # write takes far less than FLUSH_S; requests still in flight at the kill are answered up to `latency`
    # after it. So every lost call was answered in the last 2 * FLUSH_S + latency seconds, and with
    # `concurrency` requests in flight, each taking at least `latency`, at most
    # concurrency * ((2 * FLUSH_S + latency) / latency + 1) calls are answered in that time.
    bound = concurrency * math.ceil((2 * FLUSH_S + latency) / latency + 1)
    assert twice <= bound < n // 2  # (a writer that never flushed mid-run would repeat every answer before the kill)
    done = duckdb.connect(str(db), read_only=True)
    try:
        rows = done.execute("SELECT count(*), count(DISTINCT cache_key), count(DISTINCT request_key) FROM llm_calls")
        assert rows.fetchall() == [(n, n, n)]  # every call exactly once
    finally:
        done.close()
