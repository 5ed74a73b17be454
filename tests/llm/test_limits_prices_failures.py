"""Flow control, prices and failure handling of the openai backend: rate-limit headers pause the
limiter, the adaptive window shrinks on 429 and grows back, the price table is data, persistent
malformed output is recorded and the rest of a batch completes, and a high error rate stops early."""

from __future__ import annotations

import asyncio
import time

import pytest

from flows.stages.personas import sample_seed
from llm.base import GenerationError
from llm.callsites import LEAKAGE_JUDGE, PERSONA_PROFILE
from llm.loopback import FakeOpenAI
from llm.offline import OfflineGenerator
from llm.openai_backend import AdaptiveWindow, CallsFailed, ErrorRateExceeded, MemoryStore, OpenAIGenerator
from llm.pricing import load_prices
from llm.ratelimit import RateLimiter, parse_reset
from schemas.config import load_preset
from schemas.generation import LeakageRequest


@pytest.fixture
def seeds(tax):
    config = load_preset("small")
    return [sample_seed(config, i, tax) for i in range(30)]


def _gen(server, tax, **kw) -> OpenAIGenerator:
    return OpenAIGenerator("loopback-model", base_url=server.base_url, taxonomy=tax, timeout=2.0, **kw)


@pytest.mark.parametrize(
    ("text", "seconds"), [("6m0s", 360.0), ("1s", 1.0), ("120ms", 0.12), ("1h2m3.5s", 3723.5), ("2", 2.0), ("x", None)]
)
def test_parse_reset_reads_openai_durations(text, seconds):
    assert parse_reset(text) == seconds


def test_rate_limit_headers_pause_the_limiter(tax, seeds):
    with FakeOpenAI() as server:
        server.rate_headers = {
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "250ms",
            "x-ratelimit-remaining-tokens": "90000",
            "x-ratelimit-reset-tokens": "6m0s",
        }
        gen = _gen(server, tax, concurrency=1)
        t0 = time.monotonic()
        gen.generate(PERSONA_PROFILE, seeds[:3])
        assert time.monotonic() - t0 >= 0.5  # each answer said "no requests left for 250 ms"
        assert gen.limiter.pauses == 3
        server.rate_headers = {"x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "200ms"}
        limiter = RateLimiter(None, None)
        assert limiter.observe(server.rate_headers, next_tokens=500) == pytest.approx(0.2)  # tokens used up
        assert limiter.observe({"x-ratelimit-remaining-requests": "5"}) == 0.0  # room left: no pause


def test_window_halves_on_429_and_grows_back():
    async def run() -> list[int]:
        window = AdaptiveWindow(start=8, ceiling=8)
        seen = []
        await window.throttled()
        seen.append(window.limit)
        await window.throttled()
        seen.append(window.limit)
        for _ in range(10):
            await window.succeeded()
        seen.append(window.limit)
        return seen

    assert asyncio.run(run()) == [4, 2, 8]  # halves twice, then grows back to the ceiling and no further


def test_429_storm_shrinks_concurrency_and_recovers(tax, seeds):
    with FakeOpenAI(latency=0.02) as server:
        server.faults = ["429"] * 6
        gen = _gen(server, tax, concurrency=8)
        assert gen.generate(PERSONA_PROFILE, seeds) == OfflineGenerator(seed=0, taxonomy=tax).generate(
            PERSONA_PROFILE, seeds
        )
        assert server.completions == len(seeds)


def test_price_table_is_data_with_prefixes_and_overrides(tmp_path):
    table = load_prices()
    assert table.price("gpt-4o-mini-2024-07-18") == (0.15, 0.60)  # a dated snapshot: its family's price
    assert table.price("my-local-model") == (0.0, 0.0)
    assert table.with_override("gpt-4o-mini", None, 1.0).price("gpt-4o-mini") == (0.15, 1.0)
    custom = tmp_path / "prices.yaml"
    custom.write_text("batch_discount: 0.4\nmodels:\n  m: {input: 1, output: 2}\n")
    assert load_prices(custom).price("m") == (1.0, 2.0) and load_prices(custom).batch_discount == 0.4
    custom.write_text("models:\n  m: {input: -1, output: 2}\n")
    with pytest.raises(GenerationError, match=r"models\.m\.input"):
        load_prices(custom)


def test_persistent_malformed_output_fails_those_calls_only(tax, seeds):
    with FakeOpenAI() as server:
        server.poison = {seeds[3].key, seeds[7].key}
        store = MemoryStore()
        gen = _gen(server, tax, store=store, prices={"loopback-model": (1.0, 1.0)})
        with pytest.raises(CallsFailed) as info:
            gen.generate(PERSONA_PROFILE, seeds[:10])
        assert len(info.value.failures) == 2 and "2 of 10 calls failed" in str(info.value)
        assert len(store.rows) == 8  # every other call completed and is cached
        assert sorted(f["request_key"] for f in store.failures) == sorted([seeds[3].key, seeds[7].key])
        assert all(f["attempts"] == 2 and f["cost_usd"] > 0 and f["error"] for f in store.failures)
        assert gen.ledger.sites["persona_profile"].failed == 2
        server.poison = set()
        sent = server.requests
        assert len(_gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds[:10])) == 10
        assert server.requests - sent == 2  # a rerun retries only the failed calls


def test_error_rate_above_threshold_stops_early(tax, seeds):
    with FakeOpenAI() as server:
        server.poison = {s.key for s in seeds[::3]}  # a third of the prompts always come back malformed
        store = MemoryStore()
        gen = _gen(server, tax, store=store, concurrency=1, max_error_rate=0.05, min_calls=6)
        with pytest.raises(ErrorRateExceeded, match="max-error-rate"):
            gen.generate(PERSONA_PROFILE, seeds)
        assert server.requests < 2 * len(seeds)  # stopped well before sending everything
        assert len(store.rows) + len(store.failures) == gen.ledger.calls  # nothing completed was lost


def test_leakage_judge_call_site_served_by_loopback(tax):
    requests = [
        LeakageRequest(key="a", statement="drinks tea", key_terms=["tea"], user_turns=["Hi. I really love tea, ok?"]),
        LeakageRequest(key="b", statement="drinks tea", key_terms=["tea"], user_turns=["Steeping a pot now. Help?"]),
    ]
    with FakeOpenAI() as server:
        verdicts = _gen(server, tax).generate(LEAKAGE_JUDGE, requests)
    assert [v.leaks for v in verdicts] == [True, False]
    assert verdicts[0].quote == "I really love tea, ok?" and verdicts[1].quote is None
