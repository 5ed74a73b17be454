"""The openai backend against a loopback OpenAI-compatible server: real HTTP through the SDK, the
per-request cache, retries on 429/5xx/timeouts, repair of malformed output, JSON-mode fallback, and
the cost cap. The server's model is the offline generator, so outputs must equal offline outputs."""

from __future__ import annotations

import pytest

from flows.stages.personas import sample_seed
from llm import GenerationError
from llm.callsites import PERSONA_PROFILE, SIGNAL_SESSION
from llm.loopback import FakeOpenAI
from llm.offline import OfflineGenerator
from llm.openai_backend import BudgetExceeded, MemoryStore, OpenAIGenerator
from schemas.config import load_preset


@pytest.fixture
def seeds(tax):
    config = load_preset("small")
    return [sample_seed(config, i, tax) for i in range(6)]


def _gen(server: FakeOpenAI, tax, **kw) -> OpenAIGenerator:
    return OpenAIGenerator("loopback-model", base_url=server.base_url, taxonomy=tax, timeout=1.0, **kw)


def test_outputs_match_offline_and_cache_hits_send_nothing(tax, seeds):
    with FakeOpenAI() as server:
        store = MemoryStore()
        gen = _gen(server, tax, store=store)
        got = gen.generate(PERSONA_PROFILE, seeds)
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
        assert server.requests == len(seeds) and len(store.rows) == len(seeds)
        row = next(iter(store.rows.values()))
        assert row["status"] == "ok" and row["system_fingerprint"] == "fp_loopback"
        assert row["prompt_id"] == "persona_profile.jinja" and len(row["prompt_sha"]) == 64
        again = _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds)
        assert again == got and server.requests == len(seeds)  # every call answered from the cache


def test_signal_sessions_render_and_validate(tax, gen):
    from tests.llm.test_offline_and_tokens import _signal

    req, _ = _signal(tax)
    with FakeOpenAI() as server:
        assert _gen(server, tax).generate(SIGNAL_SESSION, [req]) == gen.generate(SIGNAL_SESSION, [req])


def test_retries_429_500_and_timeouts(tax, seeds):
    with FakeOpenAI() as server:
        server.faults = ["429", "500", "timeout", "429"]
        gen = _gen(server, tax, concurrency=4)
        got = gen.generate(PERSONA_PROFILE, seeds)
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
        assert server.completions == len(seeds) and server.requests == len(seeds) + 4


def test_malformed_output_is_repaired_once_then_recorded_as_failure(tax, seeds):
    with FakeOpenAI() as server:
        server.faults = ["malformed"]
        store = MemoryStore()
        assert len(_gen(server, tax, store=store, concurrency=1).generate(PERSONA_PROFILE, seeds[:1])) == 1
        assert server.requests == 2  # the answer and one repair
        server.faults = ["malformed", "malformed"]
        with pytest.raises(GenerationError, match="invalid output after one repair"):
            _gen(server, tax, store=store, concurrency=1).generate(PERSONA_PROFILE, seeds[1:2])
        assert [r["status"] for r in store.rows.values()] == ["ok"]  # a failure is never cached
        (failure,) = store.failures  # ... but recorded, with what the model said and how often it was asked
        assert failure["attempts"] == 2 and failure["response_text"] == "{not json"
        assert failure["call_site"] == "persona_profile" and failure["request_key"] == seeds[1].key


def test_falls_back_to_json_mode(tax, seeds):
    with FakeOpenAI() as server:
        server.no_schema = True
        gen = _gen(server, tax)
        assert len(gen.generate(PERSONA_PROFILE, seeds[:2])) == 2
        assert gen.json_schema_supported is False


def test_cost_cap_stops_and_keeps_completed_calls(tax, seeds):
    with FakeOpenAI() as server:
        store = MemoryStore()
        # 100 in + 50 out tokens per call at $1 / $4,000 per 1M tokens = $0.2001 per call; before a call its
        # worst case (a token per prompt byte, 50 out) is reserved: a third call could pass $0.5
        gen = _gen(server, tax, store=store, concurrency=1, max_cost=0.5, max_output_tokens=50,
                   prices={"loopback-model": (1, 4000)})  # fmt: skip
        with pytest.raises(BudgetExceeded, match="max cost"):
            gen.generate(PERSONA_PROFILE, seeds)
        assert len(store.rows) == 2 and gen.ledger.cost_usd == pytest.approx(0.4002)
        resumed = _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds)
        assert len(resumed) == len(seeds) and server.requests == len(seeds)  # nothing asked twice


def test_rate_limiter_holds_the_rpm_cap():
    import asyncio
    import time

    from llm.openai_backend import RateLimiter

    async def six_requests() -> float:
        limiter = RateLimiter(rpm=3, tpm=None, window=0.3)
        t0 = time.monotonic()
        for _ in range(6):
            await limiter.acquire(10)
        return time.monotonic() - t0

    assert asyncio.run(six_requests()) >= 0.3  # the fourth request waits for the first to leave the window


def test_truncated_output_is_repaired(tax, seeds):
    with FakeOpenAI() as server:
        server.faults = ["truncated"]
        got = _gen(server, tax, concurrency=1).generate(PERSONA_PROFILE, seeds[:1])
        assert got == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds[:1])
        assert server.requests == 2


def test_forecast_counts_every_call_of_a_stage(tax, seeds):
    from llm.forecast import ForecastGenerator

    gen = ForecastGenerator(model="m")
    out = gen.generate(PERSONA_PROFILE, seeds)
    assert out == OfflineGenerator(seed=0, taxonomy=tax).generate(PERSONA_PROFILE, seeds)
    stats = gen.sites["persona_profile"]
    assert stats.calls == len(seeds) and stats.tokens_in > 100 * len(seeds) and stats.tokens_out > 0
    assert gen.cost(1e6, 0) == stats.tokens_in  # $1 per input token


def test_a_batch_looks_its_calls_up_in_the_cache_at_once(tax, seeds):
    """One cache lookup per batch, not one per call on the event loop (a tenth of a call's CPU on a
    warehouse store); a second run is still answered from the cache."""

    class Counting(MemoryStore):
        def __init__(self) -> None:
            super().__init__()
            self.lookups = 0

        def get(self, cache_key):
            self.lookups += 1
            return super().get(cache_key)

        def get_many(self, cache_keys):
            self.lookups -= len(cache_keys) - 1  # its per-key gets count as one lookup
            return super().get_many(cache_keys)

    with FakeOpenAI() as server:
        store = Counting()
        _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds)
        assert store.lookups == 1
        _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds)
        assert store.lookups == 2 and server.requests == len(seeds)
