"""The ``openai`` backend: any OpenAI-compatible server (OpenAI, ``vllm serve``, llama.cpp, Ollama).

How a batch of requests runs:
1. each request is rendered from its call site's prompt (``llm.prompts``) and keyed by
   sha256(model, messages, params, output schema, prompt sha);
2. a key found in the call store (the warehouse's ``llm_calls``) is answered from it: no request is sent,
   so a killed run resumes without repeating a completed call but those of the store's last write
   window (the warehouse writes finished calls from a background thread every 250 ms and at the end
   of ``generate``; ``warehouse.llm_store``);
3. the rest go out concurrently through the async SDK, under an adaptive window that halves on 429 and
   grows back by one per success, an RPM/TPM limiter, and pauses read from the server's
   ``x-ratelimit-*`` headers (``llm.ratelimit``); 429/5xx/timeouts are retried with jittered exponential
   backoff, and a server's Retry-After is honoured;
4. output is requested as JSON Schema structured output (JSON mode for servers without it; the
   taxonomy's known sets written in as enums, ``llm.semantics``), validated with the call site's
   pydantic model and its semantic rules; invalid or truncated output gets one repair request, then the
   call is recorded in ``raw_failed_calls`` (the store's ``put_failure``) and the other calls of the
   batch finish; so is a request that still times out or fails after ``max_attempts``.
   ``generate`` then raises ``CallsFailed`` naming every failed call, so the caller can skip the unit
   that needed them. Once more than ``max_error_rate`` of at least ``min_calls`` calls failed, no new
   request is sent and ``ErrorRateExceeded`` stops the run; a 401/403 stops it at the first answer
   (``AuthenticationFailed``), and past ``deadline`` no request is sent (``DeadlineExceeded``);
5. tokens and cost go to a ledger per call site (prices: ``llm.pricing``); before each request its
   worst-case cost (prompt bytes as tokens + ``max_output_tokens``) is reserved, and a request whose
   reservation could take spending past ``max_cost`` is not sent;
6. each recorded call keeps the server's time (``latency_ms``, send to response) apart from its wait to
   be sent (``queue_ms``: a slot among ``concurrency``, the limiter, backoff; ``llm.call_records``).

Prompts carry only what a model needs. The loopback test server learns the request it must answer from
two headers instead (``llm.request_channel``), sent only to a loopback address unless
``request_headers`` says otherwise.

The API key comes from ``OPENAI_API_KEY``; it and any URL credentials are redacted from every text
that is stored or raised (``llm.redact``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from llm import client_settings
from llm.base import GenerationError, check_inputs
from llm.call_records import CallRecords, RequestClock
from llm.calls import (
    AuthenticationFailed,
    BudgetExceeded,
    CallFailed,
    CallsFailed,
    CallStore,
    DeadlineExceeded,
    ErrorRateExceeded,
    Ledger,
    MemoryStore,
    as_price_table,
)
from llm.callsites import CallSite
from llm.pricing import PriceTable
from llm.prompts import RenderedPrompt, render
from llm.ratelimit import AdaptiveWindow, RateLimiter
from llm.redact import redact
from llm.request_channel import encode, is_loopback
from llm.semantics import SemanticError, check, response_schema
from llm.transport import RequestFailed, RetryNow, client, endpoint, send
from taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "AdaptiveWindow",
    "AuthenticationFailed",
    "BudgetExceeded",
    "CallFailed",
    "CallStore",
    "CallsFailed",
    "DeadlineExceeded",
    "ErrorRateExceeded",
    "MemoryStore",
    "OpenAIGenerator",
    "RateLimiter",
]


class _RetryInJsonMode(RetryNow):
    """The server refused a json_schema response format: retry at once in JSON mode."""


class OpenAIGenerator(CallRecords):
    """``Generator`` over an OpenAI-compatible chat-completions endpoint."""

    on_progress: Callable[[str, int, int, Ledger], None] | None = None
    """Called after each call of a batch finishes (cache hit, answer or failure) with the call site, calls
    done, calls in the batch and the ledger (tokens, dollars): ``flows.synth`` draws a live line from it."""

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
        prices: PriceTable | dict[str, tuple[float, float]] | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        deadline: float | None = None,
        max_output_tokens: int = 8192,
        temperature: float = 0.7,
        run_id: str | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        max_error_rate: float = 0.05,
        min_calls: int = 20,
        request_headers: bool | None = None,
    ) -> None:
        self.model, self.base_url, self.run_id = model, base_url, run_id
        # the request side channel for the loopback server; None: on for a loopback base_url only
        self.request_headers = is_loopback(base_url) if request_headers is None else request_headers
        self.version = f"openai:{model}"
        self.store = store if store is not None else MemoryStore()
        self.tax = taxonomy or load_taxonomy()
        settings = client_settings.current()  # what the CLI set (``llm.client_settings``), else defaults
        self.timeout = timeout or settings.timeout or 60.0
        self.max_attempts = max_attempts or settings.max_attempts or 6
        self.deadline_at = time.monotonic() + deadline if deadline is not None else settings.deadline_at
        self.concurrency, self.max_cost, self.max_output_tokens = concurrency, max_cost, max_output_tokens
        self.params = {"temperature": temperature}
        self.ledger = Ledger(prices=as_price_table(prices))
        self.json_schema_supported = True
        self.rpm, self.tpm = rpm, tpm
        self.max_error_rate, self.min_calls = max_error_rate, min_calls
        self.limiter: RateLimiter | None = None  # one per batch (its lock belongs to that event loop)
        self._stop: GenerationError | None = None  # set once the run must send nothing more

    # -- prompt context per call site -----------------------------------------------------------
    def _context(self, site: CallSite, req: BaseModel) -> dict[str, Any]:
        if site.name == "persona_profile":
            return {"style_ids": [s.id for s in self.tax.attributes.styles]}
        if site.name == "leakage_judge":
            return {}
        tasks = {t.id: t for t in self.tax.task_types}
        if site.name == "filler_session":
            return {"task": tasks.get(req.task_type or "")}
        scenario = self.tax.scenarios[req.scenario_id]
        options = {o.id: o for o in scenario.options}
        if site.name == "signal_session":
            return {
                "scenario": scenario,
                "option": options[req.option_id],
                "previous": options.get(req.previous_option_id or ""),
                "others": [o for o in scenario.options if o.id not in (req.option_id, req.previous_option_id)],
                "task": tasks.get(req.task_type),
            }
        return {"scenario": scenario, "option": options.__getitem__}

    def render(self, site: CallSite, req: BaseModel) -> RenderedPrompt:
        """The exact prompt this backend sends for one request."""
        return render(site.prompt, req, **self._context(site, req))

    def side_channel(self, site: CallSite, req: BaseModel) -> dict[str, str]:
        """Headers naming the request for the loopback server (``llm.request_channel``); {} when off."""
        return encode(site.name, req) if self.request_headers else {}

    def cache_key(self, site: CallSite, prompt: RenderedPrompt) -> str:
        """One call's identity: the endpoint and model that answer it, what is asked and how it is parsed
        (two servers serving one model name never share cached answers)."""
        payload = [
            endpoint(self.base_url),
            self.model,
            prompt.messages,
            self.params,
            response_schema(site, self.tax),
            prompt.prompt_sha,
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def body(self, site: CallSite, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The chat-completions request body for ``messages`` (also a Batch API line's body); ``max_tokens``
        bounds the answer, so a request's worst-case cost is known before it is sent (not part of the
        cache key: a truncated answer is never cached)."""
        fmt = (
            {
                "type": "json_schema",
                "json_schema": {"name": site.output_model.__name__, "schema": response_schema(site, self.tax)},
            }
            if self.json_schema_supported
            else {"type": "json_object"}
        )
        return {
            "model": self.model,
            "messages": messages,
            "response_format": fmt,
            "max_tokens": self.max_output_tokens,
            **self.params,
        }

    # -- the batch -------------------------------------------------------------------------------
    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        check_inputs(site, requests)
        buffer = getattr(self.store, "buffer", None)
        if buffer is not None:  # the warehouse writes finished calls from its own thread, off the event loop
            buffer()
        try:
            return asyncio.run(self._generate(site, list(requests)))
        finally:
            self.flush()

    def flush(self) -> None:
        """Write the calls the store still holds (``WarehouseCallStore``: the last window's): every call of a
        batch is in the warehouse when ``generate`` returns or raises."""
        flush = getattr(self.store, "flush", None)
        if flush is not None:
            flush()

    def close(self) -> None:
        """Flush the store and stop its writer thread (also done when the store is collected and at
        interpreter exit); the generator stays usable."""
        close = getattr(self.store, "close", None)
        if close is not None:
            close()

    async def _generate(self, site: CallSite, requests: list[BaseModel]) -> list[BaseModel]:
        prompts = [self.render(site, req) for req in requests]
        keys = [self.cache_key(site, prompt) for prompt in prompts]
        cached = self.store.get_many(keys)  # one lookup for the batch, not one per call
        http = client(self.base_url, self.timeout)
        window = AdaptiveWindow(start=max(1, self.concurrency // 2), ceiling=self.concurrency)
        previous, self.limiter = self.limiter, RateLimiter(self.rpm, self.tpm)
        if previous is not None:  # a header pause outlives the batch that read it
            self.limiter.resume_at, self.limiter.pauses = previous.resume_at, previous.pauses
        done = 0

        async def counted(req: BaseModel, prompt, key: str) -> BaseModel:
            nonlocal done
            try:
                return await self._one(http, window, site, req, prompt, key, cached.get(key))
            finally:
                done += 1
                if self.on_progress is not None:
                    self.on_progress(site.name, done, len(requests), self.ledger)

        try:
            results = await asyncio.gather(
                *(counted(*call) for call in zip(requests, prompts, keys, strict=True)), return_exceptions=True
            )
        finally:
            await http.close()
        stops = [r for r in results if isinstance(r, BaseException) and not isinstance(r, CallFailed)]
        if stops:
            raise stops[0]
        # the batch's last failures crossed the error-rate cap after every request had left: still a stop
        self.check_error_rate()
        failures = [r for r in results if isinstance(r, CallFailed)]
        if failures:
            raise CallsFailed(site.name, failures, len(requests))
        return list(results)

    def validate(self, site: CallSite, req: BaseModel, text: str) -> BaseModel:
        """The answer as the call site's model, its semantic rules checked (``ValidationError`` or
        ``SemanticError`` otherwise)."""
        out = site.output_model.model_validate_json(text)
        check(site, req, out, self.tax)
        return out

    async def _one(
        self, http, window: AdaptiveWindow, site: CallSite, req: BaseModel, prompt, key: str, cached: str | None
    ) -> BaseModel:
        """One call: its cached answer (``cached``, looked up for the batch) when valid, else the server's."""
        if cached is not None:
            try:
                out = self.validate(site, req, cached)
            except (ValidationError, SemanticError):
                pass  # cached before a rule existed: asked again, and the new answer replaces it
            else:
                self.ledger.hit(site.name)
                return out
        messages, headers = list(prompt.messages), self.side_channel(site, req)
        text, used, fingerprint, clock = "", [0, 0], None, RequestClock()
        for attempt in range(1, 3):  # the answer, then at most one repair
            try:
                text, usage, fingerprint = await self._complete(http, window, site, messages, headers, clock)
            except RequestFailed as exc:  # timed out or kept failing: a failed call, like an invalid answer
                self.fail(site, req, key, prompt, text, used, str(exc), exc.attempts)
                raise CallFailed(f"{site.name} {req.key}: {exc}") from None
            except AuthenticationFailed as exc:
                self._stop = self._stop or exc
                raise
            used = [used[0] + usage[0], used[1] + usage[1]]
            try:
                out = self.validate(site, req, text)
            except (ValidationError, SemanticError) as exc:
                error = redact("; ".join(str(exc).splitlines()[0:3]))
                if attempt == 1:
                    messages = [*messages, *repair_messages(text, error)]
                    continue
                self.fail(site, req, key, prompt, text, used, error, attempt)
                raise CallFailed(f"{site.name} {req.key}: invalid output after one repair: {error}") from None
            self.accept(site, req, key, prompt, text, out, used, clock, fingerprint)
            return out
        raise AssertionError("unreachable")

    def worst_prompt_tokens(self, site: CallSite, messages) -> int:
        """An upper bound on a request's prompt tokens: one per byte of its messages and response format
        (a token is never shorter than a byte), so a reservation never under-counts."""
        body = self.body(site, messages)
        return len(json.dumps(body["messages"]).encode()) + len(json.dumps(body["response_format"]))

    async def _complete(
        self,
        http,
        window: AdaptiveWindow,
        site: CallSite,
        messages,
        headers: dict[str, str] | None = None,
        clock: RequestClock | None = None,
    ) -> tuple[str, tuple, str | None]:
        clock = clock or RequestClock()

        def refused_schema(body: dict, exc: openai.BadRequestError) -> None:
            if body["response_format"]["type"] == "json_schema" and "response_format" in str(exc):
                self.json_schema_supported = False  # JSON mode + validation from now on
                raise _RetryInJsonMode(redact(str(exc))) from None

        def reserve() -> float:
            return self.ledger.reserve(self.model, self.worst_prompt_tokens(site, messages), self.max_output_tokens,
                                       self.max_cost)  # fmt: skip

        def body() -> dict[str, Any]:  # built just before the HTTP send: the server's time starts here
            clock.sent()
            return self.body(site, messages) | ({"extra_headers": headers} if headers else {})

        def settle(held: float, resp) -> None:  # called as the response (or error) arrives
            clock.answered()
            if resp is not None and resp.usage:
                self.ledger.spend(self.model, site.name, resp.usage.prompt_tokens, resp.usage.completion_tokens)
            self.ledger.release(held)

        resp = await send(
            http, window, self.limiter, body,
            sum(len(m["content"]) for m in messages) // 4 + 1000,
            max_attempts=self.max_attempts, before_send=self._check_stop, on_bad_request=refused_schema,
            reserve=reserve, settle=settle, timeout=self._time_left,
        )  # fmt: skip
        usage = (resp.usage.prompt_tokens, resp.usage.completion_tokens) if resp.usage else (0, 0)
        return resp.choices[0].message.content or "", usage, getattr(resp, "system_fingerprint", None)

    def _time_left(self) -> float | None:
        """This request's timeout: ``timeout``, cut at the deadline."""
        left = client_settings.remaining(self.deadline_at)
        return None if left is None else min(self.timeout, max(left, 0.01))

    def _check_stop(self, in_flight: int) -> None:
        """Refuse to send once the run was stopped (error rate, refused key) or its deadline passed; the cost
        cap is held by each request's reservation."""
        if self._stop is not None:  # a fresh copy per request: a shared instance would gather every traceback
            raise type(self._stop)(*self._stop.args)
        if client_settings.remaining(self.deadline_at) == 0.0:
            self._stop = DeadlineExceeded(
                f"deadline reached: {self.ledger.calls} calls finished and are kept; the remaining requests were "
                "not sent; rerun the same command (with a later --deadline) to resume"
            )
            raise self._stop
        self.ledger.check_budget(self.max_cost)


def repair_messages(text: str, error: str) -> list[dict[str, str]]:
    """The follow-up that asks a model to fix its invalid answer (one repair request)."""
    return [
        {"role": "assistant", "content": text},
        {
            "role": "user",
            "content": f"That is not valid for the schema ({error}). Reply with only the corrected JSON object.",
        },
    ]
