"""The ``openai`` backend: any OpenAI-compatible server (OpenAI, ``vllm serve``, llama.cpp, Ollama).

How a batch of requests runs:
1. each request is rendered from its call site's prompt (``llm.prompts``) and keyed by
   sha256(model, messages, params, output schema, prompt sha);
2. a key found in the call store (the warehouse's ``llm_calls``) is answered from it: no request is sent,
   so a killed run resumes without repeating a completed call;
3. the rest go out concurrently through the async SDK, under an adaptive window that halves on 429 and
   grows back by one per success, an RPM/TPM limiter, and pauses read from the server's
   ``x-ratelimit-*`` headers (``llm.ratelimit``); 429/5xx/timeouts are retried with jittered exponential
   backoff, and a server's Retry-After is honoured;
4. output is requested as JSON Schema structured output (JSON mode for servers without it), validated
   with the call site's pydantic model; invalid or truncated output gets one repair request, then the
   call is recorded in ``raw_failed_calls`` (the store's ``put_failure``) and the other calls of the
   batch finish; ``generate`` then raises ``CallsFailed`` naming every failed call, so the caller can
   skip the unit that needed them. Once more than ``max_error_rate`` of at least ``min_calls`` calls
   failed, no new request is sent and ``ErrorRateExceeded`` stops the run;
5. tokens and cost go to a ledger per call site (prices: ``llm.pricing``); ``max_cost`` stops before a
   call that could exceed it.

Prompts carry only what a model needs. The loopback test server learns the request it must answer from
two headers instead (``llm.request_channel``), sent only to a loopback address unless
``request_headers`` says otherwise.

The API key comes from ``OPENAI_API_KEY`` (never logged or stored).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Sequence
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from llm.base import check_inputs
from llm.calls import (
    BudgetExceeded,
    CallFailed,
    CallsFailed,
    CallStore,
    ErrorRateExceeded,
    Ledger,
    MemoryStore,
    as_price_table,
)
from llm.callsites import CallSite
from llm.pricing import PriceTable
from llm.prompts import RenderedPrompt, render
from llm.ratelimit import AdaptiveWindow, RateLimiter
from llm.request_channel import encode, is_loopback
from llm.transport import RetryNow, endpoint, send
from taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "AdaptiveWindow",
    "BudgetExceeded",
    "CallFailed",
    "CallStore",
    "CallsFailed",
    "ErrorRateExceeded",
    "MemoryStore",
    "OpenAIGenerator",
    "RateLimiter",
]


class _RetryInJsonMode(RetryNow):
    """The server refused a json_schema response format: retry at once in JSON mode."""


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
        prices: PriceTable | dict[str, tuple[float, float]] | None = None,
        timeout: float = 60.0,
        max_attempts: int = 6,
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
        self.concurrency, self.max_cost, self.timeout = concurrency, max_cost, timeout
        self.max_attempts, self.params = max_attempts, {"temperature": temperature}
        self.ledger = Ledger(prices=as_price_table(prices))
        self.json_schema_supported = True
        self.rpm, self.tpm = rpm, tpm
        self.max_error_rate, self.min_calls = max_error_rate, min_calls
        self.limiter: RateLimiter | None = None  # one per batch (its lock belongs to that event loop)
        self._stopped: str | None = None

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
            site.output_model.model_json_schema(),
            prompt.prompt_sha,
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def body(self, site: CallSite, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The chat-completions request body for ``messages`` (also a Batch API line's body)."""
        fmt = (
            {
                "type": "json_schema",
                "json_schema": {"name": site.output_model.__name__, "schema": site.output_model.model_json_schema()},
            }
            if self.json_schema_supported
            else {"type": "json_object"}
        )
        return {"model": self.model, "messages": messages, "response_format": fmt, **self.params}

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
        previous, self.limiter = self.limiter, RateLimiter(self.rpm, self.tpm)
        if previous is not None:  # a header pause outlives the batch that read it
            self.limiter.resume_at, self.limiter.pauses = previous.resume_at, previous.pauses
        try:
            results = await asyncio.gather(
                *(self._one(client, window, site, r) for r in requests), return_exceptions=True
            )
        finally:
            await client.close()
        stops = [r for r in results if isinstance(r, BaseException) and not isinstance(r, CallFailed)]
        if stops:
            raise stops[0]
        failures = [r for r in results if isinstance(r, CallFailed)]
        if failures:
            raise CallsFailed(site.name, failures, len(requests))
        return list(results)

    async def _one(self, client, window: AdaptiveWindow, site: CallSite, req: BaseModel) -> BaseModel:
        prompt = self.render(site, req)
        key = self.cache_key(site, prompt)
        cached = self.store.get(key)
        if cached is not None:
            self.ledger.hit(site.name)
            return site.output_model.model_validate_json(cached)
        messages, headers = list(prompt.messages), self.side_channel(site, req)
        text, used, fingerprint, started = "", [0, 0], None, time.perf_counter()
        for attempt in range(1, 3):  # the answer, then at most one repair
            text, usage, fingerprint = await self._complete(client, window, site, messages, headers)
            used = [used[0] + usage[0], used[1] + usage[1]]
            try:
                out = site.output_model.model_validate_json(text)
            except ValidationError as exc:
                error = "; ".join(str(exc).splitlines()[0:3])
                if attempt == 1:
                    messages = [*messages, *repair_messages(text, error)]
                    continue
                self.fail(site, req, key, prompt, text, used, error, attempt)
                raise CallFailed(f"{site.name} {req.key}: invalid output after one repair: {error}") from exc
            self.accept(site, req, key, prompt, text, out, used, started, fingerprint)
            return out
        raise AssertionError("unreachable")

    async def _complete(
        self, client, window: AdaptiveWindow, site: CallSite, messages, headers: dict[str, str] | None = None
    ) -> tuple[str, tuple, str | None]:
        def refused_schema(body: dict, exc: openai.BadRequestError) -> None:
            if body["response_format"]["type"] == "json_schema" and "response_format" in str(exc):
                self.json_schema_supported = False  # JSON mode + validation from now on
                raise _RetryInJsonMode(str(exc)) from exc

        resp = await send(
            client, window, self.limiter,
            lambda: self.body(site, messages) | ({"extra_headers": headers} if headers else {}),
            sum(len(m["content"]) for m in messages) // 4 + 1000,
            max_attempts=self.max_attempts, before_send=self._check_stop, on_bad_request=refused_schema,
        )  # fmt: skip
        usage = (resp.usage.prompt_tokens, resp.usage.completion_tokens) if resp.usage else (0, 0)
        return resp.choices[0].message.content or "", usage, getattr(resp, "system_fingerprint", None)

    def _check_stop(self, in_flight: int) -> None:
        """Refuse to send once the error rate stopped the run, or before a call that, at the average cost
        so far, would take the run past ``max_cost``."""
        if self._stopped:
            raise ErrorRateExceeded(self._stopped)
        self.ledger.check_budget(self.max_cost, in_flight)

    # -- recording -------------------------------------------------------------------------------
    def call_row(self, site, req, key, prompt, text, used, cost) -> dict[str, Any]:
        return dict(
            cache_key=key,
            call_site=site.name,
            request_key=req.key,
            prompt_id=prompt.prompt_id,
            prompt_sha=prompt.prompt_sha,
            model=self.model,
            messages=json.dumps(prompt.messages),
            params=json.dumps(self.params),
            response_text=text,
            tokens_in=used[0],
            tokens_out=used[1],
            cost_usd=cost,
            run_id=self.run_id,
        )

    def accept(self, site, req, key, prompt, text, out, used, started, fingerprint, *, batch: bool = False) -> None:
        """Record a valid answer in the store (the cache) and the ledger."""
        cost = self.ledger.charge(self.model, site.name, *used, batch=batch)
        row = self.call_row(site, req, key, prompt, text, used, cost)
        latency = int((time.perf_counter() - started) * 1000) if started is not None else None
        row |= dict(
            parsed=out.model_dump_json(), latency_ms=latency, status="ok", error="", system_fingerprint=fingerprint
        )
        self.store.put(row)

    def fail(self, site, req, key, prompt, text, used, error, attempts, *, batch: bool = False) -> None:
        """Record a call that stayed invalid in ``raw_failed_calls``; stop the run when too many failed."""
        cost = self.ledger.charge(self.model, site.name, *used, batch=batch)
        self.ledger.fail(site.name)
        self.store.put_failure(
            self.call_row(site, req, key, prompt, text, used, cost) | dict(error=error, attempts=attempts)
        )
        sent = self.ledger.calls
        rate = self.ledger.failed / sent if sent else 0.0
        if sent >= self.min_calls and rate > self.max_error_rate and not self._stopped:
            self._stopped = (
                f"error rate {rate:.1%} ({self.ledger.failed} of {sent} calls failed) is above --max-error-rate "
                f"{self.max_error_rate:.1%}: stopping early; completed calls are kept, failures are in raw_failed_calls"
            )

    def check_error_rate(self) -> None:
        """Raise ``ErrorRateExceeded`` if failures stopped the run (callers outside a batch use this)."""
        if self._stopped:
            raise ErrorRateExceeded(self._stopped)


def repair_messages(text: str, error: str) -> list[dict[str, str]]:
    """The follow-up that asks a model to fix its invalid answer (one repair request)."""
    return [
        {"role": "assistant", "content": text},
        {
            "role": "user",
            "content": f"That is not valid for the schema ({error}). Reply with only the corrected JSON object.",
        },
    ]
