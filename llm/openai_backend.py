"""The ``openai`` backend: any OpenAI-compatible server (OpenAI, ``vllm serve``, llama.cpp, Ollama).

How a batch of requests runs:
1. each request is rendered from its call site's prompt (``llm.prompts``) and keyed by
   sha256(model, messages, params, output schema, prompt sha);
2. a key found in the call store (the warehouse's ``llm_calls``) is answered from it: no request is sent,
   so a killed run resumes without repeating a completed call;
3. the rest go out concurrently through the async SDK, under an adaptive window that halves on 429 and
   grows back by one per success; 429/5xx/timeouts are retried with jittered exponential backoff, and a
   server's Retry-After is honoured;
4. output is requested as JSON Schema structured output (JSON mode for servers without it), validated
   with the call site's pydantic model; invalid output gets one repair request, then fails with the
   reason recorded;
5. tokens and cost go to a ledger; ``max_cost`` stops before a call that could exceed it.

The API key comes from ``OPENAI_API_KEY`` (never logged or stored).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from llm.base import GenerationError, check_inputs
from llm.callsites import CallSite
from llm.prompts import RenderedPrompt, render
from taxonomy import Taxonomy, load_taxonomy


class _RetryInJsonMode(Exception):
    """The server refused a json_schema response format: retry at once in JSON mode."""


RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    _RetryInJsonMode,
)


class BudgetExceeded(GenerationError):
    """The next call could exceed ``max_cost``; every completed call is kept."""


class CallStore(Protocol):
    """Where calls are cached and recorded (the warehouse's ``llm_calls``; a dict in tests)."""

    def get(self, cache_key: str) -> str | None: ...
    def put(self, row: dict[str, Any]) -> None: ...


@dataclass
class MemoryStore:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, cache_key: str) -> str | None:
        row = self.rows.get(cache_key)
        return row["parsed"] if row and row["status"] == "ok" else None

    def put(self, row: dict[str, Any]) -> None:
        self.rows[row["cache_key"]] = row


@dataclass
class Ledger:
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)  # model -> USD per 1M in / out tokens
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    cache_hits: int = 0

    def charge(self, model: str, tokens_in: int, tokens_out: int) -> float:
        price_in, price_out = self.prices.get(model, (0.0, 0.0))
        cost = (tokens_in * price_in + tokens_out * price_out) / 1e6
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.cost_usd += cost
        self.calls += 1
        return cost


class RateLimiter:
    """Requests-per-minute and tokens-per-minute caps over a sliding 60 s window (None: no cap).

    Token use is charged with an estimate (prompt characters / 4 + a reply allowance) when a request
    starts, which keeps bursts under a provider's TPM limit before its 429s would say so.
    """

    def __init__(self, rpm: int | None, tpm: int | None, window: float = 60.0) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self.events: list[tuple[float, int]] = []
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        if self.rpm is None and self.tpm is None:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                self.events = [(t, n) for t, n in self.events if now - t < self.window]
                used = sum(n for _, n in self.events)
                if (self.rpm is None or len(self.events) < self.rpm) and (
                    self.tpm is None or not self.events or used + tokens <= self.tpm
                ):
                    self.events.append((now, tokens))
                    return
                await asyncio.sleep(self.events[0][0] + self.window - now + 0.001)


class AdaptiveWindow:
    """At most ``limit`` requests in flight; halves on a 429, grows back by one per success."""

    def __init__(self, start: int, ceiling: int) -> None:
        self.limit, self.ceiling, self.in_flight = start, ceiling, 0
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> AdaptiveWindow:
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
        return self

    async def __aexit__(self, *exc) -> None:
        async with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()

    async def throttled(self) -> None:
        async with self._cond:
            self.limit = max(1, self.limit // 2)

    async def succeeded(self) -> None:
        async with self._cond:
            self.limit = min(self.ceiling, self.limit + 1)
            self._cond.notify_all()


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class OpenAIGenerator:
    """``Generator`` over an OpenAI-compatible chat-completions endpoint."""

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        store: CallStore | None = None,
        taxonomy: Taxonomy | None = None,
        concurrency: int = 16,
        max_cost: float | None = None,
        prices: dict[str, tuple[float, float]] | None = None,
        timeout: float = 60.0,
        max_attempts: int = 6,
        temperature: float = 0.7,
        run_id: str | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
    ) -> None:
        self.model, self.base_url, self.run_id = model, base_url, run_id
        self.version = f"openai:{model}"
        self.store = store if store is not None else MemoryStore()
        self.tax = taxonomy or load_taxonomy()
        self.concurrency, self.max_cost, self.timeout = concurrency, max_cost, timeout
        self.max_attempts, self.params = max_attempts, {"temperature": temperature}
        self.ledger = Ledger(prices=prices or {})
        self.json_schema_supported = True
        self.rpm, self.tpm = rpm, tpm

    # -- prompt context per call site -----------------------------------------------------------
    def _context(self, site: CallSite, req: BaseModel) -> dict[str, Any]:
        if site.name == "persona_profile":
            return {"style_ids": [s.id for s in self.tax.attributes.styles]}
        if site.name == "filler_session":
            return {}
        scenario = self.tax.scenarios[req.scenario_id]
        statements = {o.id: o.statement for o in scenario.options}
        if site.name == "signal_session":
            return {"scenario": scenario, "option": next(o for o in scenario.options if o.id == req.option_id)}
        return {"scenario": scenario, "option_statement": statements.__getitem__}

    def render(self, site: CallSite, req: BaseModel) -> RenderedPrompt:
        """The exact prompt this backend sends for one request."""
        return render(site.prompt, req, **self._context(site, req))

    def cache_key(self, site: CallSite, prompt: RenderedPrompt) -> str:
        payload = [self.model, prompt.messages, self.params, site.output_model.model_json_schema(), prompt.prompt_sha]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    # -- the batch -------------------------------------------------------------------------------
    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        check_inputs(site, requests)
        return asyncio.run(self._generate(site, list(requests)))

    async def _generate(self, site: CallSite, requests: list[BaseModel]) -> list[BaseModel]:
        client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=os.environ.get("OPENAI_API_KEY", "not-needed"),
            max_retries=0,
            timeout=self.timeout,
        )
        window = AdaptiveWindow(start=max(1, self.concurrency // 2), ceiling=self.concurrency)
        self._limiter = RateLimiter(self.rpm, self.tpm)
        try:
            return list(await asyncio.gather(*(self._one(client, window, site, r) for r in requests)))
        finally:
            await client.close()

    async def _one(self, client, window: AdaptiveWindow, site: CallSite, req: BaseModel) -> BaseModel:
        prompt = self.render(site, req)
        key = self.cache_key(site, prompt)
        cached = self.store.get(key)
        if cached is not None:
            self.ledger.cache_hits += 1
            return site.output_model.model_validate_json(cached)
        messages = list(prompt.messages)
        text, usage, fingerprint, started = "", (0, 0), None, time.perf_counter()
        for attempt in range(2):  # the answer, then at most one repair
            text, usage, fingerprint = await self._complete(client, window, site, messages)
            try:
                out = site.output_model.model_validate_json(text)
            except ValidationError as exc:
                error = str(exc).splitlines()[0:3]
                messages = [
                    *messages,
                    {"role": "assistant", "content": text},
                    {
                        "role": "user",
                        "content": f"That is not valid for the schema ({'; '.join(error)}). "
                        "Reply with only the corrected JSON object.",
                    },
                ]
                if attempt == 0:
                    continue
                self._record(
                    site, req, key, prompt, text, None, usage, started, fingerprint, "failed", "; ".join(error)
                )
                raise GenerationError(f"{site.name} {req.key}: invalid output after one repair: {error[0]}") from exc
            self._record(site, req, key, prompt, text, out.model_dump_json(), usage, started, fingerprint, "ok", "")
            return out
        raise AssertionError("unreachable")

    async def _complete(
        self, client, window: AdaptiveWindow, site: CallSite, messages
    ) -> tuple[str, tuple, str | None]:
        schema = site.output_model.model_json_schema()
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            reraise=True,
            retry=retry_if_exception_type(RETRYABLE),
            wait=wait_random_exponential(multiplier=0.2, max=20),
        ):
            with attempt:
                async with window:
                    await self._limiter.acquire(sum(len(m["content"]) for m in messages) // 4 + 1000)
                    self._check_budget(window.in_flight)
                    try:
                        fmt = (
                            {
                                "type": "json_schema",
                                "json_schema": {"name": site.output_model.__name__, "schema": schema},
                            }
                            if self.json_schema_supported
                            else {"type": "json_object"}
                        )
                        resp = await client.chat.completions.create(
                            model=self.model, messages=messages, response_format=fmt, **self.params
                        )
                    except openai.RateLimitError as exc:
                        await window.throttled()
                        delay = _retry_after(exc)
                        if delay:
                            await asyncio.sleep(min(delay, 60))
                        raise
                    except openai.BadRequestError as exc:
                        if fmt["type"] == "json_schema" and "response_format" in str(exc):
                            self.json_schema_supported = False  # JSON mode + validation from now on
                            raise _RetryInJsonMode(str(exc)) from exc
                        raise
                await window.succeeded()
        usage = (resp.usage.prompt_tokens, resp.usage.completion_tokens) if resp.usage else (0, 0)
        return resp.choices[0].message.content or "", usage, getattr(resp, "system_fingerprint", None)

    def _check_budget(self, in_flight: int) -> None:
        """Stop before a call that, at the average cost so far, would take the run past ``max_cost``."""
        if self.max_cost is None:
            return
        average = self.ledger.cost_usd / self.ledger.calls if self.ledger.calls else 0.0
        if self.ledger.cost_usd + average * in_flight > self.max_cost:
            raise BudgetExceeded(
                f"max cost ${self.max_cost:.2f}: {self.ledger.calls} calls cost ${self.ledger.cost_usd:.4f} and the "
                "next would exceed it; completed calls are kept, rerun with a higher max cost to resume"
            )

    def _record(self, site, req, key, prompt, text, parsed, usage, started, fingerprint, status, error) -> None:
        cost = self.ledger.charge(self.model, *usage)
        self.store.put(
            dict(
                cache_key=key,
                call_site=site.name,
                request_key=req.key,
                prompt_id=prompt.prompt_id,
                prompt_sha=prompt.prompt_sha,
                model=self.model,
                messages=json.dumps(prompt.messages),
                params=json.dumps(self.params),
                response_text=text,
                parsed=parsed,
                tokens_in=usage[0],
                tokens_out=usage[1],
                latency_ms=int((time.perf_counter() - started) * 1000),
                cost_usd=cost,
                status=status,
                error=error,
                system_fingerprint=fingerprint,
                run_id=self.run_id,
            )
        )
