"""benchmarks/learning_rl.py: the memory warm-up teaches memory writing for the items it trains on (the
RL runs themselves take minutes and live in the benchmark)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def rl():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("learning_rl", BENCHMARKS / "learning_rl.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_every_item_finds_the_memory_demonstrations_of_its_history(rl, con, train_db):
    """Demonstrations carry their history's first query only: matched by query, most items found none,
    the warm-up taught no memory writing and the policy wrote ``\\boxed{X}`` as its memory."""
    from training.data import DataConfig, memory_rows, sft_rows
    from warehouse.training import ensure_splits

    _, vid = train_db
    ensure_splits(con, vid)
    data = DataConfig(chunk_tokens=100, max_chunks=2, memory_cap_tokens=16)
    items = memory_rows(con, vid, "train", data)
    demos = [r for r in sft_rows(con, vid, "train", data) if r["example_kind"] == "memory"]
    assert len(items) > len({rl.history_of(r["query_id"]) for r in items})  # several items per history
    found = {rl.history_of(r["query_id"]) for r in demos}
    assert items and all(rl.history_of(r["query_id"]) in found for r in items)
    by_query = {r["query_id"] for r in demos}
    assert sum(r["query_id"] in by_query for r in items) < len(items)  # what matching by query would find


def test_length_warm_up_shows_each_memory_at_several_lengths_and_nothing_else(rl):
    prompt = [{"role": "system", "content": "s"}, {"role": "user", "content": "chunk"}]
    text = "On Saturday I walked the dog along the canal to the lock and back before the rain came"
    rows = rl.length_rows([(prompt, text)])
    memories = [r["messages"][-1]["content"] for r in rows]
    assert [len(m.split()) for m in memories] == [1, 3, 6, 12] and all(text.startswith(m) for m in memories)
    assert all(r["messages"][:-1] == prompt and r["messages"][-1]["role"] == "assistant" for r in rows)
