"""Hardening of the openai backend against the loopback server: a cost cap that holds from the first
request, semantic rules validated (repaired, then failed, never cached), timeouts recorded as failed
calls, an overall deadline, a refused key stopping at once, no placeholder key sent to the public
endpoint, and credentials redacted from everything written."""

from __future__ import annotations

import json

import pytest

from flows.stages.personas import sample_seed
from llm.base import GenerationError
from llm.callsites import PERSONA_PROFILE
from llm.chat import OpenAIChat
from llm.loopback import FakeOpenAI
from llm.openai_backend import (
    AuthenticationFailed,
    BudgetExceeded,
    CallsFailed,
    DeadlineExceeded,
    MemoryStore,
    OpenAIGenerator,
)
from llm.redact import redact
from llm.semantics import response_schema
from schemas.config import load_preset


@pytest.fixture
def seeds(tax):
    config = load_preset("small")
    return [sample_seed(config, i, tax) for i in range(8)]


def _gen(server, tax, **kw) -> OpenAIGenerator:
    return OpenAIGenerator("loopback-model", base_url=server.base_url, taxonomy=tax, **{"timeout": 2.0, **kw})


def test_tiny_cost_cap_is_never_exceeded_and_printed_with_its_digits(tax, seeds):
    with FakeOpenAI() as server:
        gen = _gen(server, tax, max_cost=0.0001, prices={"loopback-model": (2.5, 10.0)})
        with pytest.raises(BudgetExceeded, match=r"max cost \$0\.0001") as info:
            gen.generate(PERSONA_PROFILE, seeds)
        assert "$0.00:" not in str(info.value)
        assert gen.ledger.cost_usd <= 0.0001 and server.requests == 0  # the worst case of one call is over it


def test_cost_cap_reserves_the_worst_case_of_every_request_in_flight(tax, seeds):
    with FakeOpenAI(latency=0.05) as server:
        store = MemoryStore()
        # a call costs (100 * 1 + 50 * 2000) / 1e6 = $0.1001; its worst case (prompt bytes + 50 out) a bit more
        gen = _gen(server, tax, store=store, concurrency=8, max_cost=0.35, max_output_tokens=50,
                   prices={"loopback-model": (1.0, 2000.0)})  # fmt: skip
        with pytest.raises(BudgetExceeded):
            gen.generate(PERSONA_PROFILE, seeds)
        assert gen.ledger.cost_usd <= 0.35 and len(store.rows) == 3 and gen.ledger.reserved_usd == 0


def test_schema_carries_known_style_ids_as_an_enum(tax):
    gen = OpenAIGenerator("m", base_url="http://127.0.0.1:9/v1", taxonomy=tax)
    body = gen.body(PERSONA_PROFILE, [{"role": "user", "content": "x"}])
    enum = body["response_format"]["json_schema"]["schema"]["properties"]["style_id"]["enum"]
    assert enum == [s.id for s in tax.attributes.styles] and body["max_tokens"] == gen.max_output_tokens


def test_the_wire_body_is_the_request_built_and_its_schema_is_built_once(tax, seeds):
    """Messages and the response format travel as the SDK's extra_body (skipping its per-request walk of
    every message and of the JSON Schema); what the server receives is still exactly the body built."""
    with FakeOpenAI() as server:
        gen = _gen(server, tax)
        gen.generate(PERSONA_PROFILE, seeds[:1])
        received = server.last_body
    built = gen.body(PERSONA_PROFILE, received["messages"])
    assert received["messages"] and received["messages"][0]["role"] in ("system", "user")
    assert received["response_format"] == built["response_format"] and received["model"] == built["model"]
    assert gen.body(PERSONA_PROFILE, [])["response_format"] is not None
    assert response_schema(PERSONA_PROFILE, tax) is response_schema(PERSONA_PROFILE, tax)


def test_semantic_error_is_repaired_then_failed_and_never_cached(tax, seeds):
    bad, fixed_on_repair = seeds[1].key, seeds[2].key
    asked: dict[str, int] = {}

    def wrong_style(site, key, answer):
        asked[key] = asked.get(key, 0) + 1
        if key == bad or (key == fixed_on_repair and asked[key] == 1):
            answer["style_id"] = "no-such-style"
        return answer

    with FakeOpenAI() as server:
        server.rewrite = wrong_style
        store = MemoryStore()
        with pytest.raises(CallsFailed) as info:
            _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds[:4])
        assert len(info.value.failures) == 1 and server.requests == 4 + 2  # two repair requests
        (failure,) = store.failures
        assert failure["request_key"] == bad and failure["attempts"] == 2 and "style_id" in failure["error"]
        assert sorted(r["request_key"] for r in store.rows.values()) == sorted(s.key for s in seeds[:4] if s.key != bad)
        # an invalid answer cached before the rule existed is asked again, not returned
        key = next(k for k, r in store.rows.items() if r["request_key"] == seeds[0].key)
        store.rows[key]["parsed"] = json.dumps(json.loads(store.rows[key]["parsed"]) | {"style_id": "gone"})
        server.rewrite, sent = None, server.requests
        got = _gen(server, tax, store=store).generate(PERSONA_PROFILE, seeds[:1])
        assert server.requests == sent + 1 and got[0].style_id in {s.id for s in tax.attributes.styles}


def test_timed_out_calls_are_recorded_failures(tax, seeds):
    with FakeOpenAI() as server:
        server.faults = ["timeout", "timeout"]
        store = MemoryStore()
        gen = _gen(server, tax, store=store, timeout=0.3, max_attempts=2, concurrency=1)
        with pytest.raises(CallsFailed, match="timed out after 2 attempts"):
            gen.generate(PERSONA_PROFILE, seeds[:1])
        (failure,) = store.failures
        assert failure["attempts"] == 2 and "timed out" in failure["error"] and not store.rows
        assert gen.ledger.failed == 1 and gen.ledger.calls == 1  # counted by the error-rate stop
        assert len(gen.generate(PERSONA_PROFILE, seeds[:2])) == 2  # the endpoint answers again: a rerun completes


def test_deadline_stops_sending_and_keeps_finished_work(tax, seeds):
    with FakeOpenAI(latency=0.2) as server:
        store = MemoryStore()
        gen = _gen(server, tax, store=store, concurrency=1, deadline=1.0)
        with pytest.raises(DeadlineExceeded, match="deadline"):
            gen.generate(PERSONA_PROFILE, seeds)  # 8 answers of 0.2 s each do not fit in 1 s
        assert 1 <= len(store.rows) < len(seeds) and server.requests <= 7 and not store.failures


def test_refused_key_stops_at_the_first_answer_and_is_redacted(tax, seeds, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-0123456789")
    with FakeOpenAI() as server:
        server.api_key = "the-right-key"
        gen = _gen(server, tax, concurrency=1)
        with pytest.raises(AuthenticationFailed) as info:
            gen.generate(PERSONA_PROFILE, seeds)
        assert server.requests == 1 and server.base_url.removesuffix("/v1") in str(info.value)
        assert "sk-wrong-key" not in str(info.value) and info.value.__cause__ is None
        assert "0123456789" not in str(info.value.__context__ or "")  # nothing chained carries it either


def test_no_key_for_the_public_endpoint_is_refused_before_any_request(tax, seeds, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(GenerationError, match="set OPENAI_API_KEY, or pass --base-url"):
        OpenAIChat("gpt-4o-mini").complete([[{"role": "user", "content": "hi"}]])
    with pytest.raises(GenerationError, match="OPENAI_API_KEY"):
        OpenAIGenerator("gpt-4o-mini", taxonomy=tax).generate(PERSONA_PROFILE, seeds[:1])


def test_redact_removes_keys_and_url_credentials(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "custom-key-value-42")
    text = (
        "Incorrect API key provided: custom-key-value-42 at https://bob:hunter2pass@api.example/v1 "
        "(also sk-proj-AbCdEf123456, Authorization: Bearer abcdef123456, Basic Ym9iOmh1bnRlcjI=)"
    )
    out = redact(text)
    for secret in ("custom-key-value-42", "hunter2pass", "bob:", "sk-proj-AbCdEf", "abcdef123456", "Ym9iOmh1"):
        assert secret not in out
    assert "https://***@api.example/v1" in out


def test_chat_timeouts_are_recorded_failures_and_deadline_stops(monkeypatch):
    from llm.calls import CallFailed

    chats = [[{"role": "user", "content": f"question {i}"}] for i in range(6)]
    with FakeOpenAI(chat_model=lambda messages: "A") as server:
        server.faults = ["timeout", "timeout"]
        store = MemoryStore()
        chat = OpenAIChat("m", base_url=server.base_url, store=store, timeout=0.3, max_attempts=2, concurrency=1)
        with pytest.raises(CallFailed, match="timed out after 2 attempts"):
            chat.complete(chats[:1])
        (failure,) = store.failures
        assert failure["attempts"] == 2 and "timed out" in failure["error"] and not store.rows
        server.latency = 0.2
        late = OpenAIChat("m", base_url=server.base_url, store=store, concurrency=1, deadline=0.5)
        with pytest.raises(DeadlineExceeded, match="deadline"):
            late.complete(chats)
        assert 1 <= len(store.rows) < len(chats)
