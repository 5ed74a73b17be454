"""Batch API mode of the openai backend (``tacit synth --backend openai --batch``): half the price,
answers within the provider's completion window instead of at once.

How: ``BatchGenerator`` wraps an ``OpenAIGenerator``. A stage hands it a shard's requests for one call
site (one ``generate`` call per stage and shard, so no recording pass is needed). It
1. renders every request and keeps the cache misses (keys not in ``llm_calls``);
2. looks in ``llm_batches`` for uncollected batches that already hold some of those keys (a run that
   was killed or gave up waiting) and collects them instead of submitting the same requests again;
3. submits the other misses as one JSONL file (files API, ``purpose="batch"``) and one batch, and
   records the batch id with its requests' cache keys before polling;
4. polls until the batch is final, validates each answer with the call site's model and writes the
   valid ones to ``llm_calls`` (cost at the table's ``batch_discount``); a failed, expired or invalid
   line is simply still a miss and goes into the next round's batch (``max_rounds`` in all);
5. hands the requests to the wrapped generator: every collected answer is a cache hit, and the few
   misses left go out as ordinary requests, with the repair and failure handling of the live path.
``max_cost`` holds: a batch takes only the misses whose worst-case cost (every prompt byte a token, the
longest answer, at the batch price) fits beside what is spent and held; the hold ends when the batch
is collected and its real usage charged, and the misses left over go into the next round or the live
path, which reserves the same way (``BudgetExceeded``, completed answers kept).
A batch line has no HTTP headers, so when the request side channel is on (a loopback server,
``llm.request_channel``) each line carries its two headers in a ``headers`` object.
``wait_s`` bounds the wait for one batch, and the run's deadline (``llm.client_settings``) the whole
wait; past either, ``BatchPending`` ends the run and a rerun of the same command collects the open
batches. A crash between creating a batch and recording it resubmits it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from llm.base import GenerationError, check_inputs
from llm.calls import BudgetExceeded
from llm.callsites import CallSite
from llm.client_settings import remaining, with_credentials
from llm.openai_backend import OpenAIGenerator
from llm.prompts import RenderedPrompt
from llm.redact import redact
from llm.semantics import SemanticError
from llm.transport import api_key

FINAL = {"completed", "expired", "failed", "cancelled"}


class BatchPending(GenerationError):
    """A batch is still open after ``wait_s``; rerun to collect it (nothing is resubmitted)."""


class BatchGenerator:
    """``Generator`` that answers cache misses through the Batch API, then the stage from the cache."""

    name = "openai-batch"

    def __init__(
        self, inner: OpenAIGenerator, *, poll_s: float = 30.0, max_rounds: int = 2, wait_s: float | None = None
    ) -> None:
        self.inner, self.poll_s, self.max_rounds, self.wait_s = inner, poll_s, max_rounds, wait_s
        self.version = inner.version
        self.submitted: list[str] = []  # batch ids this generator created
        self.collected: list[str] = []
        self._held: dict[str, float] = {}  # batch id -> worst-case cost held for it until it is collected

    @property
    def run_id(self) -> str | None:
        return self.inner.run_id

    @property
    def ledger(self):
        return self.inner.ledger

    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        check_inputs(site, requests)
        self.prefetch(site, list(requests))
        return self.inner.generate(site, requests)

    def close(self) -> None:
        """Flush the call store and stop its writer thread (``OpenAIGenerator.close``)."""
        self.inner.close()

    # -- rounds ----------------------------------------------------------------------------------
    def _misses(self, site: CallSite, requests: list[BaseModel]) -> dict[str, tuple[BaseModel, RenderedPrompt]]:
        misses = {}
        for req in requests:
            prompt = self.inner.render(site, req)
            key = self.inner.cache_key(site, prompt)
            if key not in misses and self.inner.store.get(key) is None:
                misses[key] = (req, prompt)
        return misses

    def prefetch(self, site: CallSite, requests: list[BaseModel]) -> None:
        """Put as many answers as the Batch API gives into the call store."""
        client = openai.OpenAI(
            base_url=with_credentials(self.inner.base_url),
            api_key=api_key(self.inner.base_url),
            timeout=self.inner.timeout,
            max_retries=5,
        )
        try:
            for _ in range(self.max_rounds):
                misses = self._misses(site, requests)
                if not misses:
                    return
                open_batches = self.inner.store.open_batches(set(misses))
                held = set().union(*open_batches.values()) if open_batches else set()
                todo = list(open_batches)
                new = {k: v for k, v in misses.items() if k not in held}
                if new:
                    todo.append(self._submit(client, site, new))
                for batch_id in todo:
                    self._collect(client, site, batch_id, misses)
        finally:
            client.close()

    def _affordable(self, site: CallSite, misses: dict[str, tuple[BaseModel, RenderedPrompt]]) -> tuple[dict, float]:
        """The misses whose worst-case cost (``OpenAIGenerator.worst_prompt_tokens`` and the longest answer,
        at the batch price) fits under ``max_cost`` beside what is spent and held, in order, and the amount
        now held for them; ``BudgetExceeded`` when not even the first fits. The rest stay misses."""
        inner, fits, held = self.inner, {}, 0.0
        for key, (req, prompt) in misses.items():
            tokens_in, max_out = inner.worst_prompt_tokens(site, prompt.messages), inner.max_output_tokens
            try:
                held += inner.ledger.reserve(inner.model, tokens_in, max_out, inner.max_cost, batch=True)
            except BudgetExceeded:
                if not fits:
                    raise
                break
            fits[key] = (req, prompt)
        return fits, held

    def _submit(self, client, site: CallSite, misses: dict[str, tuple[BaseModel, RenderedPrompt]]) -> str:
        misses, held = self._affordable(site, misses)
        try:
            return self._send(client, site, misses, held)
        except BaseException:
            self.inner.ledger.release(held)
            raise

    def _send(self, client, site: CallSite, misses: dict[str, tuple[BaseModel, RenderedPrompt]], held: float) -> str:
        lines = []
        for key, (req, prompt) in misses.items():
            line = {"custom_id": key, "method": "POST", "url": "/v1/chat/completions"}
            line["body"] = self.inner.body(site, prompt.messages)
            headers = self.inner.side_channel(site, req)
            if headers:  # the loopback's request side channel (llm.request_channel); never sent elsewhere
                line["headers"] = headers
            lines.append(line)
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        upload = client.files.create(file=(f"tacit-{site.name}.jsonl", data), purpose="batch")
        batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
        record = dict(
            batch_id=batch.id,
            run_id=self.run_id,
            call_site=site.name,
            model=self.inner.model,
            input_file_id=upload.id,
            status=batch.status,
        )
        self.inner.store.add_batch(record, [(key, site.name, req.key) for key, (req, _) in misses.items()])
        self.submitted.append(batch.id)
        self._held[batch.id] = held
        return batch.id

    def _collect(self, client, site: CallSite, batch_id: str, misses) -> None:
        started = time.monotonic()
        batch = client.batches.retrieve(batch_id)
        while batch.status not in FINAL:
            if remaining(self.inner.deadline_at) == 0.0:
                raise BatchPending(
                    f"deadline reached while batch {batch_id} ({site.name}) is {batch.status}; rerun the same command "
                    "to collect it (nothing will be resubmitted)"
                )
            if self.wait_s is not None and time.monotonic() - started > self.wait_s:
                raise BatchPending(
                    f"batch {batch_id} ({site.name}) is still {batch.status} after {self.wait_s:.0f} s; "
                    "rerun the same command to collect it (nothing will be resubmitted)"
                )
            time.sleep(self.poll_s)
            batch = client.batches.retrieve(batch_id)
        n_ok = n_failed = 0
        if batch.output_file_id:
            for line in client.files.content(batch.output_file_id).text.splitlines():
                if line.strip():
                    ok = self._accept(site, json.loads(line), misses)
                    n_ok, n_failed = n_ok + ok, n_failed + (not ok)
        if batch.error_file_id:
            n_failed += sum(1 for line in client.files.content(batch.error_file_id).text.splitlines() if line.strip())
        self.inner.store.close_batch(batch_id, batch.status, batch.output_file_id, batch.error_file_id, n_ok, n_failed)
        self.inner.ledger.release(self._held.pop(batch_id, 0.0))  # its answers are charged: the hold is over
        self.collected.append(batch_id)

    def _accept(self, site: CallSite, line: dict[str, Any], misses) -> bool:
        """Cache one output line's answer if it is valid; False for an error or invalid answer."""
        key = line.get("custom_id")
        response = line.get("response") or {}
        if key not in misses or response.get("status_code") != 200:
            return False
        req, prompt = misses[key]
        body = response["body"]
        text = body["choices"][0]["message"].get("content") or ""
        usage = body.get("usage") or {}
        used = [usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)]
        try:
            out = self.inner.validate(site, req, text)
        except (ValidationError, SemanticError) as exc:
            error = "batch answer invalid: " + redact("; ".join(str(exc).splitlines()[0:3]))
            cost = self.inner.ledger.charge(self.inner.model, site.name, *used, batch=True)
            row = self.inner.call_row(site, req, key, prompt, text, used, cost)
            self.inner.store.put_failure(row | dict(error=error, attempts=1))
            return False
        self.inner.accept(site, req, key, prompt, text, out, used, None, body.get("system_fingerprint"), batch=True)
        return True
