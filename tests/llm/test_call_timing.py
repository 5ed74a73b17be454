"""A recorded call's time, split: ``latency_ms`` is the server's time (send to response), ``queue_ms`` the
wait for a concurrency slot (``llm.call_records.RequestClock``). Against the loopback server with a fixed
latency and one request in flight, every call's latency stays the server's while the queue grows by
about one latency per call ahead of it."""

from __future__ import annotations

import itertools

from flows.stages.personas import sample_seed
from llm.calls import MemoryStore
from llm.callsites import PERSONA_PROFILE
from llm.chat import OpenAIChat
from llm.loopback import FakeOpenAI
from llm.openai_backend import OpenAIGenerator
from schemas.config import load_preset

LATENCY_MS = 100


def _check(rows: list[dict]) -> None:
    latencies = [r["latency_ms"] for r in rows]
    assert all(0.9 * LATENCY_MS <= ms < 2 * LATENCY_MS for ms in latencies), latencies
    queued = sorted(r["queue_ms"] for r in rows)
    assert queued[0] < LATENCY_MS / 2  # the first call waited for nothing
    steps = [b - a for a, b in itertools.pairwise(queued)]
    assert all(step >= 0.5 * LATENCY_MS for step in steps), queued  # each waited for the ones before it
    assert queued[-1] >= 0.9 * LATENCY_MS * (len(rows) - 1)


def test_generator_records_server_latency_and_queue_wait_apart(tax):
    config = load_preset("small")
    seeds = [sample_seed(config, i, tax) for i in range(5)]
    store = MemoryStore()
    with FakeOpenAI(latency=LATENCY_MS / 1000) as server:
        gen = OpenAIGenerator(
            "loopback-model", base_url=server.base_url, taxonomy=tax, timeout=5.0, store=store, concurrency=1
        )
        gen.generate(PERSONA_PROFILE, seeds)
    _check(list(store.rows.values()))


def test_chat_records_server_latency_and_queue_wait_apart():
    chats = [[{"role": "user", "content": f"question {i}"}] for i in range(5)]
    store = MemoryStore()
    with FakeOpenAI(latency=LATENCY_MS / 1000, chat_model=lambda m: "ok") as server:
        OpenAIChat("m", base_url=server.base_url, store=store, timeout=5.0, concurrency=1).complete(chats)
    _check(list(store.rows.values()))


def test_queue_ms_reaches_the_warehouse(tmp_path):
    from warehouse import connect
    from warehouse.llm_store import WarehouseCallStore

    con = connect(tmp_path / "w.duckdb")
    try:
        with FakeOpenAI(chat_model=lambda m: "ok") as server:
            chat = OpenAIChat("m", base_url=server.base_url, store=WarehouseCallStore(con), concurrency=1)
            chat.complete([[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]])
        rows = con.execute("SELECT latency_ms, queue_ms FROM llm_calls").fetchall()
    finally:
        con.close()
    assert len(rows) == 2 and all(latency is not None and queue is not None for latency, queue in rows)
