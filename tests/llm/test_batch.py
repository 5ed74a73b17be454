"""Batch API mode against the loopback server's Files and Batches endpoints: the same outputs as the
live path, faults (failed lines, an expired batch) resubmitted, and a restarted generator collecting
the open batch instead of submitting it again."""

from __future__ import annotations

import pytest

from flows.stages.personas import sample_seed
from llm.batch import BatchGenerator, BatchPending
from llm.callsites import PERSONA_PROFILE
from llm.loopback import FakeOpenAI
from llm.offline import OfflineGenerator
from llm.openai_backend import MemoryStore, OpenAIGenerator
from schemas.config import load_preset


@pytest.fixture
def seeds(tax):
    config = load_preset("small")
    return [sample_seed(config, i, tax) for i in range(8)]


def _batch_gen(server, tax, store, **kw) -> BatchGenerator:
    inner = OpenAIGenerator(
        "gpt-4o-mini", base_url=server.base_url, taxonomy=tax, store=store, timeout=2.0, run_id="r1"
    )
    return BatchGenerator(inner, poll_s=0.01, **kw)


def test_batch_answers_every_request_without_live_calls(tax, seeds):
    with FakeOpenAI() as server:
        store = MemoryStore()
        gen = _batch_gen(server, tax, store)
        got = gen.generate(PERSONA_PROFILE, seeds)
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 1 and server.batch.uploads == 1
        assert server.requests == 0  # no chat-completions request: every answer came from the batch
        assert len(store.rows) == len(seeds) and all(r["status"] == "ok" for r in store.rows.values())
        # batch price: half of gpt-4o-mini's list price (100 in + 50 out tokens a call)
        assert gen.ledger.cost_usd == pytest.approx(len(seeds) * (100 * 0.15 + 50 * 0.60) / 1e6 * 0.5)
        again = _batch_gen(server, tax, store).generate(PERSONA_PROFILE, seeds)
        assert again == got and server.batch.created == 1  # all cached: nothing submitted


@pytest.mark.parametrize("fault", ["fail_lines", "expired"])
def test_failed_or_expired_lines_are_resubmitted(tax, seeds, fault):
    with FakeOpenAI() as server:
        server.batch.faults = [fault]
        gen = _batch_gen(server, tax, MemoryStore())
        got = gen.generate(PERSONA_PROFILE, seeds)
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 2 and server.requests == 0  # the second batch held the lost lines
        assert max(server.batch.lines_answered.values()) == 1  # no line answered twice


def test_restarted_run_collects_the_open_batch_instead_of_resubmitting(tax, seeds):
    with FakeOpenAI() as server:
        store = MemoryStore()
        server.batch.hold = True  # the batch stays in_progress: the first run gives up waiting
        with pytest.raises(BatchPending, match="rerun"):
            _batch_gen(server, tax, store, wait_s=0.1).generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 1 and len(store.open_batches({*store.batch_keys[next(iter(store.batches))]}))
        server.batch.hold = False
        restarted = _batch_gen(server, tax, store)
        got = restarted.generate(PERSONA_PROFILE, seeds)
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 1 and restarted.submitted == [] and len(restarted.collected) == 1
        assert server.requests == 0 and store.open_batches(set(store.rows)) == {}


def test_poisoned_prompt_fails_after_batch_rounds_and_live_repair(tax, seeds):
    with FakeOpenAI() as server:
        server.poison = {seeds[0].key}
        store = MemoryStore()
        with pytest.raises(Exception, match="1 of 8 calls failed"):
            _batch_gen(server, tax, store).generate(PERSONA_PROFILE, seeds)
        assert len(store.rows) == len(seeds) - 1  # every other answer is cached
        # two batch rounds and the live answer + repair are all recorded with their reason
        assert [f["attempts"] for f in store.failures] == [1, 1, 2]
        assert {f["request_key"] for f in store.failures} == {seeds[0].key}


def test_max_cost_caps_what_a_batch_holds_and_what_is_spent(tax, seeds):
    from llm.calls import BudgetExceeded

    with FakeOpenAI() as server:
        probe = _batch_gen(server, tax, MemoryStore()).inner
        prompt = probe.render(PERSONA_PROFILE, seeds[0])
        tokens_in = probe.worst_prompt_tokens(PERSONA_PROFILE, prompt.messages)
        worst = probe.ledger.cost(probe.model, tokens_in, probe.max_output_tokens, batch=True)
        cap = worst * 3.5  # room for three requests' worst case, not four
        gen = _batch_gen(server, tax, MemoryStore(), max_rounds=1)
        gen.inner.max_cost = cap
        with pytest.raises(BudgetExceeded, match="max cost"):
            gen.generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 1 and sum(server.batch.lines_answered.values()) == 3
        assert gen.ledger.cost_usd <= cap and gen.ledger.reserved_usd == 0.0  # the batch's hold ended
        assert server.requests <= 1  # the live path reserved first: at most one more request fitted

        broke = _batch_gen(server, tax, MemoryStore())
        broke.inner.max_cost = worst / 2  # not even one request fits: nothing is submitted
        with pytest.raises(BudgetExceeded):
            broke.generate(PERSONA_PROFILE, seeds)
        assert server.batch.created == 1
