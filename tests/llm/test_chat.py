"""The free-text chat client against the loopback server: replies in order, cached per request (a
repeat sends nothing), 429s retried, and the cost cap stops before spending past it."""

from __future__ import annotations

import pytest

from llm.calls import BudgetExceeded, MemoryStore
from llm.chat import OpenAIChat
from llm.loopback import FakeOpenAI
from llm.pricing import PriceTable


def _echo(messages):
    return "re: " + messages[-1]["content"]


def test_replies_in_order_cached_and_retried_after_429():
    chats = [[{"role": "user", "content": f"question {i}"}] for i in range(5)]
    with FakeOpenAI(chat_model=_echo) as server:
        server.faults = ["429", "500"]
        store = MemoryStore()
        chat = OpenAIChat("m", base_url=server.base_url, store=store, timeout=2)
        assert chat.complete(chats, max_new_tokens=16) == [f"re: question {i}" for i in range(5)]
        sent = server.requests
        assert sent == 7  # five answers, one 429 and one 500 retried
        again = OpenAIChat("m", base_url=server.base_url, store=store).complete(chats, max_new_tokens=16)
        assert again == [f"re: question {i}" for i in range(5)] and server.requests == sent
        other = OpenAIChat("m", base_url=server.base_url, store=store).complete(chats[:1], max_new_tokens=32)
        assert other == ["re: question 0"] and server.requests == sent + 1  # other params, other cache key


def test_cost_cap_stops_before_exceeding():
    prices = PriceTable.model_validate({"models": {"m": {"input": 1000.0, "output": 1000.0}}})
    chats = [[{"role": "user", "content": f"question {i}"}] for i in range(10)]
    with FakeOpenAI(chat_model=_echo) as server:
        chat = OpenAIChat("m", base_url=server.base_url, prices=prices, max_cost=0.5, concurrency=1)
        with pytest.raises(BudgetExceeded, match="max cost"):
            chat.complete(chats)
        assert 1 <= chat.ledger.calls < 10 and chat.ledger.cost_usd <= 0.5


def test_each_finished_chat_is_reported_with_the_site_tokens_so_far():
    """``on_progress`` drives the CLI's live line: one report per chat, counting up to the batch size,
    the ledger already holding the finished chat's tokens; cache hits are reported too."""
    from flows import progress

    chats = [[{"role": "user", "content": f"question {i}"}] for i in range(6)]
    reports, store = [], MemoryStore()
    with FakeOpenAI(chat_model=_echo) as server:
        for _ in range(2):  # the second time every chat is a cache hit
            chat = OpenAIChat("m", base_url=server.base_url, store=store, concurrency=3, call_site="eval")
            chat.on_progress = lambda site, done, total, ledger: reports.append(
                (site, done, total, ledger.sites[site].tokens_in + ledger.sites[site].cache_hits)
            )
            chat.complete(chats, max_new_tokens=16)
    assert [r[1] for r in reports] == [1, 2, 3, 4, 5, 6] * 2 and {r[:1] + r[2:3] for r in reports} == {("eval", 6)}
    assert all(r[3] > 0 for r in reports)  # tokens (or hits) counted before the report
    lines = []

    class Sink:
        def start(self, stage, total):
            lines.append(("start", stage, total))

        def advance(self, stage, n=1):
            lines.append(("advance", stage, n))

        def detail(self, stage, text):
            lines.append(("detail", stage, text))

        def note(self, message):
            pass

    with progress.reporting(Sink()), FakeOpenAI(chat_model=_echo) as server:
        chat = OpenAIChat("m", base_url=server.base_url, call_site="judge")
        chat.on_progress = progress.llm_reporter()
        chat.complete(chats[:2], max_new_tokens=16)
    assert lines[0] == ("start", "llm judge", 2) and sum(e[2] for e in lines if e[0] == "advance") == 2
    assert "tokens" in lines[-1][2] and "$0.00" in lines[-1][2]
