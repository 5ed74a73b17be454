"""One chat-completions request, sent the way every remote call of Tacit is sent.

Shared by the structured synth backend (``llm.openai_backend``) and the free-text chat client of
evaluation (``llm.chat``), so both behave the same under load:

- a slot in the adaptive window (halves on 429, grows back on success) and the RPM/TPM limiter, which
  also reads the server's ``x-ratelimit-*`` headers;
- a caller's check just before sending (cost cap, error-rate stop);
- jittered exponential retries (tenacity) on 429, 5xx, timeouts and connection errors, honouring
  Retry-After; a caller may turn a 400 into an immediate retry (``RetryNow``), e.g. to fall back from
  json_schema to JSON mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import openai
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from llm.ratelimit import AdaptiveWindow, RateLimiter


class RetryNow(Exception):
    """Retry this request at once (the caller changed what it will send)."""


RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    RetryNow,
)


DEFAULT_BASE_URL = "https://api.openai.com/v1"


def endpoint(base_url: str | None) -> str:
    """The server a request goes to, normalised (the SDK's default when none is given, no trailing slash):
    part of every cache key and model fingerprint, so two servers never share an answer."""
    return (base_url or DEFAULT_BASE_URL).rstrip("/")


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a response's Retry-After header, if it has a numeric one."""
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


async def send(
    client: openai.AsyncOpenAI,
    window: AdaptiveWindow,
    limiter: RateLimiter,
    body: Callable[[], dict],
    estimate: int,
    *,
    max_attempts: int,
    before_send: Callable[[int], None] = lambda in_flight: None,
    on_bad_request: Callable[[dict, openai.BadRequestError], None] | None = None,
):
    """The parsed ``ChatCompletion`` for ``body()`` (rebuilt per attempt), retried as described above."""
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(max_attempts),
        reraise=True,
        retry=retry_if_exception_type(RETRYABLE),
        wait=wait_random_exponential(multiplier=0.2, max=20),
    ):
        with attempt:
            async with window:
                await limiter.acquire(estimate)
                before_send(window.in_flight)
                request = body()
                try:
                    raw = await client.chat.completions.with_raw_response.create(**request)
                except openai.RateLimitError as exc:
                    limiter.observe(exc.response.headers, estimate)
                    await window.throttled()
                    delay = retry_after(exc)
                    if delay:
                        await asyncio.sleep(min(delay, 60))
                    raise
                except openai.BadRequestError as exc:
                    if on_bad_request is not None:
                        on_bad_request(request, exc)  # may raise RetryNow
                    raise
                limiter.observe(raw.headers, estimate)
                resp = raw.parse()
            await window.succeeded()
    return resp
