"""How the openai backend records its calls: a valid answer in the call store (the cache), a failed call
in ``raw_failed_calls``, both in the token and cost ledger; and the error-rate stop.

A mixin of ``OpenAIGenerator`` (``llm.openai_backend``), also used by the Batch API path (``llm.batch``),
which records the answers it collects the same way. It expects ``model``, ``params``, ``run_id``,
``store``, ``ledger``, ``min_calls``, ``max_error_rate`` and ``_stop`` on the instance.

Why a live answer is counted but not spent here: its tokens were spent (and its cost reservation
released) the moment its response arrived (``llm.transport.send``), so the cap is never under-counted
between the response and this record; a Batch API answer arrives with its usage and is spent here.

How a call's time is recorded (``RequestClock``): ``latency_ms`` is the server's time, from just before
each HTTP send to its response (summed over a call's requests: retries, a repair), and ``queue_ms`` the
time the call was ready but not yet sent: waiting for a slot in the concurrency window, for the RPM/TPM
limiter, or between retries. One number for both hid the server's speed behind the client's queue (a
200 ms server read as 3 s at 16 in flight).
"""

from __future__ import annotations

import json
import time
from typing import Any

from llm.base import GenerationError
from llm.calls import CallStore, ErrorRateExceeded, Ledger
from llm.callsites import CallSite


class RequestClock:
    """Where one call's time went: ``server`` (send to response) and ``queue`` (ready to send, not sent),
    in seconds. ``sent`` is called just before a request goes out, ``answered`` as its response (or
    error) arrives; time after the last answer (parsing, validation) is in neither."""

    def __init__(self) -> None:
        self.server = self.queue = 0.0
        self._ready = time.perf_counter()
        self._sent: float | None = None

    def sent(self) -> None:
        now = time.perf_counter()
        self.queue += now - self._ready
        self._sent = now

    def answered(self) -> None:
        now = time.perf_counter()
        if self._sent is not None:
            self.server += now - self._sent
        self._ready, self._sent = now, None

    def columns(self) -> dict[str, int]:
        """``latency_ms`` and ``queue_ms`` of the call's row."""
        return {"latency_ms": round(self.server * 1000), "queue_ms": round(self.queue * 1000)}


class CallRecords:
    model: str
    params: dict[str, Any]
    run_id: str | None
    store: CallStore
    ledger: Ledger
    min_calls: int
    max_error_rate: float
    _stop: GenerationError | None

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

    def accept(
        self, site, req, key, prompt, text, out, used, clock: RequestClock | None, fingerprint, *, batch: bool = False
    ) -> None:
        """Record a valid answer in the store (the cache) and the ledger (a live answer's tokens were spent
        as they arrived; a Batch API answer's are spent here). ``clock``: the call's server and queue time
        (None for a Batch API answer: both columns NULL)."""
        cost = self._settle_call(site, used, batch)
        row = self.call_row(site, req, key, prompt, text, used, cost)
        timing = clock.columns() if clock is not None else {"latency_ms": None, "queue_ms": None}
        row |= dict(parsed=out.model_dump_json(), status="ok", error="", system_fingerprint=fingerprint) | timing
        self.store.put(row)

    def fail(self, site, req, key, prompt, text, used, error, attempts, *, batch: bool = False) -> None:
        """Record a call that stayed invalid in ``raw_failed_calls``; stop the run when too many failed."""
        cost = self._settle_call(site, used, batch)
        self.ledger.fail(site.name)
        self.store.put_failure(
            self.call_row(site, req, key, prompt, text, used, cost) | dict(error=error, attempts=attempts)
        )
        # the run's rate, and the call site's: a site that fails throughout (a broken prompt, a schema the
        # model cannot meet) stops the run even when many calls of other sites went through
        mine = self.ledger.sites[site.name]
        for failed, sent, where in (
            (self.ledger.failed, self.ledger.calls, "calls"),
            (mine.failed, mine.calls, f"{site.name} calls"),
        ):
            rate = failed / sent if sent else 0.0
            if sent >= self.min_calls and rate > self.max_error_rate and self._stop is None:
                self._stop = ErrorRateExceeded(
                    f"error rate {rate:.1%} ({failed} of {sent} {where} failed) is above --max-error-rate "
                    f"{self.max_error_rate:.1%}: stopping early; completed calls are kept, failures are in "
                    "raw_failed_calls"
                )

    def _settle_call(self, site: CallSite, used, batch: bool) -> float:
        """Count one finished call; its cost (spent now for a Batch API answer, already for a live one)."""
        if batch:
            return self.ledger.charge(self.model, site.name, *used, batch=True)
        self.ledger.count(site.name)
        return self.ledger.cost(self.model, *used)

    def check_error_rate(self) -> None:
        """Raise the stop (error rate, refused key, deadline) if the run was stopped (callers outside a batch)."""
        if self._stop is not None:  # a fresh copy per request: a shared instance would gather every traceback
            raise type(self._stop)(*self._stop.args)
