"""Free-text chat completions through the ``openai`` backend's machinery (evaluation's remote models).

Synth call sites want JSON for a pydantic model (``llm.openai_backend``); an evaluated model or a judge
answers in free text. ``OpenAIChat`` sends a list of chats concurrently with the same guarantees:
a per-request cache in the call store (``llm_calls``, key = hash(endpoint, model, messages, params)), so a rerun
or a second method reading the same prompt never calls the server twice; an adaptive window that halves
on 429; RPM/TPM caps and the server's x-ratelimit-* headers; Retry-After; jittered retries (tenacity);
a token and cost ledger (prices: ``llm/prices.yaml``) with a cap that reserves each request's worst case
before sending it; each call's server time (``latency_ms``) recorded apart from its wait for a slot
(``queue_ms``, ``llm.call_records.RequestClock``). A prompt the server rejects as longer than its context
comes back as ``Overflowed`` (that item only; nothing is truncated, the batch goes on). A request that
still times out or fails after its attempts is recorded in ``raw_failed_calls`` and stops the batch
(``CallFailed``); a refused key (401/403) stops it at the first answer; past the deadline
(``llm.client_settings``) nothing is sent.

    chat = OpenAIChat("gpt-4o-mini", base_url="http://127.0.0.1:8000/v1", store=WarehouseCallStore(con))
    replies = chat.complete([[{"role": "user", "content": "Hi"}]], max_new_tokens=64)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable

from llm import client_settings
from llm.base import GenerationError
from llm.call_records import RequestClock
from llm.calls import AuthenticationFailed, CallFailed, CallStore, DeadlineExceeded, Ledger, MemoryStore, as_price_table
from llm.pricing import PriceTable
from llm.ratelimit import AdaptiveWindow, RateLimiter
from llm.transport import RequestFailed, RequestRefused, api_key, client, endpoint, send


class Overflowed(str):
    """A reply that was never generated: the prompt did not fit the model's context. Its text says why.
    Callers record it as an overflow (scored wrong), never as an answer."""


_CONTEXT_ERROR = re.compile(
    r"context[ _-]?length|maximum context|context window|too many tokens|prompt is too long", re.I
)


def is_context_error(exc: Exception) -> bool:
    """Whether a 400 from an OpenAI-compatible server says the prompt exceeds the context (OpenAI, vLLM)."""
    code = getattr(exc, "code", None)
    return code == "context_length_exceeded" or bool(_CONTEXT_ERROR.search(str(exc)))


class OpenAIChat:
    """Chat completions in free text; ``complete`` returns one reply per chat, in order."""

    name = "openai"
    on_progress: Callable[[str, int, int, Ledger], None] | None = None
    """Called after each chat of a batch finishes, as ``OpenAIGenerator.on_progress`` (a live line in the CLI)."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        store: CallStore | None = None,
        call_site: str = "eval",
        concurrency: int = 16,
        max_cost: float | None = None,
        prices: PriceTable | dict[str, tuple[float, float]] | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        deadline: float | None = None,
        temperature: float = 0.0,
        seed: int = 0,
        rpm: int | None = None,
        tpm: int | None = None,
        run_id: str | None = None,
    ) -> None:
        self.model, self.base_url, self.call_site, self.run_id = model, base_url, call_site, run_id
        self.store = store if store is not None else MemoryStore()
        settings = client_settings.current()  # what the CLI set, else defaults
        self.timeout = timeout or settings.timeout or 120.0
        self.max_attempts = max_attempts or settings.max_attempts or 6
        self.deadline_at = time.monotonic() + deadline if deadline is not None else settings.deadline_at
        self.concurrency, self.max_cost = concurrency, max_cost
        self._stop: GenerationError | None = None
        self.params = {"temperature": temperature, "seed": seed}
        self.ledger = Ledger(prices=as_price_table(prices))  # default: llm/prices.yaml
        self.rpm, self.tpm = rpm, tpm
        self.requests_sent = 0

    def cache_key(self, messages: list[dict[str, str]], max_new_tokens: int) -> str:
        payload = [endpoint(self.base_url), self.model, messages, {**self.params, "max_tokens": max_new_tokens}, "text"]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def complete(self, requests: list[list[dict[str, str]]], max_new_tokens: int = 256) -> list[str]:
        if not requests:
            return []
        return asyncio.run(self._complete_all(requests, max_new_tokens))

    async def _complete_all(self, requests, max_new_tokens: int) -> list[str]:
        api_key(self.base_url)  # no placeholder key for the public endpoint: refused before any request
        http = client(self.base_url, self.timeout)
        window = AdaptiveWindow(start=max(1, self.concurrency // 2), ceiling=self.concurrency)
        limiter = RateLimiter(self.rpm, self.tpm)
        done = 0

        async def counted(messages) -> str:
            nonlocal done
            try:
                return await self._one(http, window, limiter, messages, max_new_tokens)
            finally:
                done += 1
                if self.on_progress is not None:
                    self.on_progress(self.call_site, done, len(requests), self.ledger)

        try:
            return list(await asyncio.gather(*(counted(m) for m in requests)))
        finally:
            await http.close()

    async def _one(self, http, window: AdaptiveWindow, limiter: RateLimiter, messages, max_new_tokens: int) -> str:
        key = self.cache_key(messages, max_new_tokens)
        cached = self.store.get(key)
        if cached is not None:
            self.ledger.hit(self.call_site)
            return json.loads(cached)
        clock = RequestClock()  # server time (latency_ms) apart from the wait for a slot (queue_ms)

        def body() -> dict:  # built just before the HTTP send
            clock.sent()
            self.requests_sent += 1
            return {"model": self.model, "messages": messages, "max_tokens": max_new_tokens, **self.params}

        estimate = sum(len(m["content"]) for m in messages) // 4 + max_new_tokens
        worst_in = len(json.dumps(messages).encode())  # a token per prompt byte at most

        def settle(held: float, resp) -> None:  # called as the response (or error) arrives
            clock.answered()
            if resp is not None and resp.usage:
                self.ledger.spend(self.model, self.call_site, resp.usage.prompt_tokens, resp.usage.completion_tokens)
            self.ledger.release(held)

        try:
            resp = await send(
                http, window, limiter, body, estimate, max_attempts=self.max_attempts, before_send=self._check_stop,
                reserve=lambda: self.ledger.reserve(self.model, worst_in, max_new_tokens, self.max_cost),
                settle=settle, timeout=self._time_left,
            )  # fmt: skip
        except RequestRefused as exc:
            if exc.status == 400 and is_context_error(exc):  # this item only: an overflow, the shard goes on
                return Overflowed(f"context overflow: {exc}"[:500])
            raise
        except AuthenticationFailed as exc:
            self._stop = self._stop or exc
            raise
        except RequestFailed as exc:  # timed out or kept failing: recorded, and the batch stops
            self.ledger.fail(self.call_site)
            self.store.put_failure(
                dict(cache_key=key, call_site=self.call_site, model=self.model, messages=json.dumps(messages),
                     params=json.dumps(self.params), response_text="", error=str(exc), attempts=exc.attempts,
                     tokens_in=0, tokens_out=0, cost_usd=0.0, run_id=self.run_id)
            )  # fmt: skip
            raise CallFailed(f"{self.call_site}: {exc}") from None
        text = resp.choices[0].message.content or ""
        usage = (resp.usage.prompt_tokens, resp.usage.completion_tokens) if resp.usage else (0, 0)
        self.ledger.count(self.call_site)
        cost = self.ledger.cost(self.model, *usage)
        self.store.put(
            dict(
                cache_key=key, call_site=self.call_site, request_key=None, prompt_id=None, prompt_sha=None,
                model=self.model, messages=json.dumps(messages), params=json.dumps(self.params), response_text=text,
                parsed=json.dumps(text), tokens_in=usage[0], tokens_out=usage[1],
                cost_usd=cost, status="ok", error="", system_fingerprint=getattr(resp, "system_fingerprint", None),
                run_id=self.run_id,
            ) | clock.columns()
        )  # fmt: skip
        return text

    def _time_left(self) -> float | None:
        left = client_settings.remaining(self.deadline_at)
        return None if left is None else min(self.timeout, max(left, 0.01))

    def _check_stop(self, in_flight: int) -> None:
        """Refuse to send once a refused key stopped the batch or the deadline passed."""
        if self._stop is not None:  # a fresh copy per request: a shared instance would gather every traceback
            raise type(self._stop)(*self._stop.args)
        if client_settings.remaining(self.deadline_at) == 0.0:
            self._stop = DeadlineExceeded(
                f"deadline reached: {self.ledger.calls} {self.call_site} calls finished and are kept (cached); the "
                "remaining requests were not sent; rerun the same command (with a later --deadline) to resume"
            )
            raise self._stop
        self.ledger.check_budget(self.max_cost)
