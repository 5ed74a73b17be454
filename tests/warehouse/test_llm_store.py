"""The warehouse side of the openai backend: failures are recorded but never answer a lookup, batch
bookkeeping finds open batches by their requests' keys, and the cost ledger sums a run per call site."""

from __future__ import annotations

from warehouse import connect
from warehouse.llm_cost import cost_by_site, latest_llm_run
from warehouse.llm_store import WarehouseCallStore


def _call(key: str, site: str, run: str, cost: float) -> dict:
    return dict(
        cache_key=key, call_site=site, model="m", parsed='{"a": 1}', status="ok", tokens_in=10, tokens_out=5,
        cost_usd=cost, run_id=run,
    )  # fmt: skip


def test_failures_batches_and_cost_per_site(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    store = WarehouseCallStore(con)
    con.execute("INSERT INTO runs (run_id, flow, status, started_at) VALUES ('r1', 'synth', 'done', now())")
    store.put(_call("k1", "persona_profile", "r1", 0.5))
    store.put(_call("k2", "signal_session", "r1", 0.25))
    store.put_failure(
        dict(cache_key="k3", call_site="signal_session", error="bad", attempts=2, cost_usd=0.1, run_id="r1")
    )
    assert store.get("k1") == '{"a": 1}' and store.get("k3") is None  # a failure never answers a lookup

    store.add_batch(
        dict(
            batch_id="b1", run_id="r1", call_site="signal_session", model="m", input_file_id="f1", status="validating"
        ),
        [("k3", "signal_session", "p0.s0"), ("k4", "signal_session", "p0.s1")],
    )
    assert store.open_batches({"k4", "zz"}) == {"b1": {"k3", "k4"}} and store.open_batches({"zz"}) == {}
    store.close_batch("b1", "completed", "out", None, 2, 0)
    assert store.open_batches({"k4"}) == {}

    assert latest_llm_run(con) == "r1"
    rows = {r.call_site: r for r in cost_by_site(con, "r1")}
    assert [r.stage for r in cost_by_site(con, "r1")] == ["personas", "conversations"]
    assert rows["signal_session"].calls == 1 and rows["signal_session"].failed == 1
    assert rows["signal_session"].cost_usd == 0.35 and rows["persona_profile"].tokens_in == 10
    con.close()


def test_a_batch_lookup_answers_as_one_lookup_per_key_does(tmp_path):
    """``get_many`` (one query for a batch's keys) gives what ``get`` gives key by key: written and queued
    answers, never a failure or a missing key."""
    con = connect(tmp_path / "w.duckdb")
    store = WarehouseCallStore(con)
    con.execute("INSERT INTO runs (run_id, flow, status, started_at) VALUES ('r1', 'synth', 'done', now())")
    store.put(_call("written", "persona_profile", "r1", 0.1))
    store.put_failure(dict(cache_key="failed", call_site="persona_profile", error="bad", attempts=2, run_id="r1"))
    store.buffer()  # from now on a put waits in the writer's queue
    store.put(_call("queued", "persona_profile", "r1", 0.1))
    keys = ["written", "queued", "failed", "missing"]
    assert store.get_many(keys) == {k: v for k in keys if (v := store.get(k)) is not None}
    assert set(store.get_many(keys)) == {"written", "queued"}
    store.close()
    con.close()
