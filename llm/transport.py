"""One chat-completions request, sent the way every remote call of Tacit is sent.

Shared by the structured synth backend (``llm.openai_backend``) and the free-text chat client of
evaluation (``llm.chat``), so both behave the same under load:

- a slot in the adaptive window (halves on 429, grows back on success) and the RPM/TPM limiter, which
  also reads the server's ``x-ratelimit-*`` headers;
- a caller's check just before sending (cost cap, error-rate stop);
- jittered exponential retries (tenacity) on 429, 5xx, timeouts and connection errors, honouring
  Retry-After; a caller may turn a 400 into an immediate retry (``RetryNow``), e.g. to fall back from
  json_schema to JSON mode;
- a worst-case cost reservation per attempt (``reserve`` / ``settle``), so a cost cap holds even for
  the first requests and for every request in flight;
- errors that leave Tacit redacted (``llm.redact``) and typed: a 401/403 is ``AuthenticationFailed``
  at once (one line naming the endpoint; the caller stops sending), a request still failing after its
  attempts is ``RequestFailed`` (the caller records it as a failed call), any other refusal is
  ``RequestRefused``. The key itself comes from ``api_key``, which refuses to send a placeholder to
  the public endpoint.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import openai
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from llm.base import GenerationError
from llm.calls import AuthenticationFailed
from llm.client_settings import with_credentials
from llm.ratelimit import AdaptiveWindow, RateLimiter
from llm.redact import redact, register_secret, split_userinfo


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


class RequestFailed(GenerationError):
    """A request still failed (timeout, 5xx, 429, connection) after its attempts; the message is redacted."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class RequestRefused(GenerationError):
    """The server refused a request for good (a 4xx other than 401/403/429); the message is redacted."""

    def __init__(self, message: str, status: int | None, code: str | None) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def api_key(base_url: str | None) -> str:
    """The key to send: ``OPENAI_API_KEY``; without it a placeholder for a server that needs none, but
    never for OpenAI's public endpoint, where it could only fail (GenerationError before any request)."""
    key = os.environ.get("OPENAI_API_KEY")
    if key:
        register_secret(key)
        return key
    if endpoint(base_url) == DEFAULT_BASE_URL:
        raise GenerationError(
            f"no API key for {DEFAULT_BASE_URL}: set OPENAI_API_KEY, or pass --base-url for a local "
            "OpenAI-compatible server"
        )
    return "not-needed"


def client(base_url: str | None, timeout: float) -> openai.AsyncOpenAI:
    """The async SDK client of one batch: no SDK retries (``send`` retries), credentials of the URL kept."""
    url = with_credentials(base_url)
    userinfo = split_userinfo(url)[1]
    for part in (userinfo or "").split(":", 1):
        register_secret(part)
    return openai.AsyncOpenAI(base_url=url, api_key=api_key(base_url), max_retries=0, timeout=timeout)


def endpoint(base_url: str | None) -> str:
    """The server a request goes to, normalised (the SDK's default when none is given, no trailing slash,
    no credentials): part of every cache key and model fingerprint, so two servers never share an answer."""
    return split_userinfo(base_url or DEFAULT_BASE_URL)[0].rstrip("/")


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
    reserve: Callable[[], float] = lambda: 0.0,
    settle: Callable[[float, object | None], None] = lambda held, resp: None,
    timeout: Callable[[], float | None] = lambda: None,
):
    """The parsed ``ChatCompletion`` for ``body()`` (rebuilt per attempt), retried as described above.

    Per attempt: ``before_send`` (may raise to stop), ``reserve()`` (the worst-case cost held, may raise
    ``BudgetExceeded``), the request (cut after ``timeout()`` seconds when it returns a number), then
    ``settle(held, response)`` at once, with no await in between, so spending is never under-counted
    (``response`` is None when the attempt failed)."""
    where = endpoint(str(client.base_url))
    attempts = 0
    try:
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
                    held = reserve()
                    request, attempts = body(), attempts + 1
                    cut = timeout()
                    # messages and response format go as extra_body, which the SDK sends as it is: as named
                    # arguments it walks every message and the whole JSON Schema against its TypedDicts per
                    # request (a sixth of the client's CPU at 64 in flight); the body on the wire is the same
                    raw_keys = ("messages", "response_format")
                    sent = {k: v for k, v in request.items() if k not in raw_keys}
                    sent["messages"] = []  # required by the signature; extra_body's list replaces it
                    sent["extra_body"] = {k: request[k] for k in raw_keys if k in request}
                    try:
                        raw = await client.chat.completions.with_raw_response.create(
                            **sent, **({"timeout": cut} if cut is not None else {})
                        )
                        resp = raw.parse()
                    except openai.RateLimitError as exc:
                        settle(held, None)
                        limiter.observe(exc.response.headers, estimate)
                        await window.throttled()
                        delay = retry_after(exc)
                        if delay:
                            await asyncio.sleep(min(delay, 60))
                        raise
                    except openai.BadRequestError as exc:
                        settle(held, None)
                        if on_bad_request is not None:
                            on_bad_request(request, exc)  # may raise RetryNow
                        raise
                    except BaseException:
                        settle(held, None)
                        raise
                    settle(held, resp)
                    limiter.observe(raw.headers, estimate)
                await window.succeeded()
    except (openai.AuthenticationError, openai.PermissionDeniedError, *RETRYABLE, openai.APIStatusError) as exc:
        error = _translate(exc, where, attempts)
    else:
        return resp
    raise error  # outside the except block: the SDK's error (and the text it quotes) is not chained


def _translate(exc: BaseException, where: str, attempts: int) -> GenerationError:
    """Tacit's error for an SDK error, its text redacted."""
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthenticationFailed(
            f"{where} refused the API key (HTTP {exc.status_code}): {redact(_message(exc))}; check OPENAI_API_KEY "
            "(or --base-url); nothing more is sent"
        )
    if isinstance(exc, RETRYABLE):
        kind = "timed out" if isinstance(exc, openai.APITimeoutError) else f"failed ({type(exc).__name__})"
        return RequestFailed(f"{where}: request {kind} after {attempts} attempts: {redact(_message(exc))}", attempts)
    status = getattr(exc, "status_code", None)
    return RequestRefused(
        f"{where} refused the request (HTTP {status}): {redact(_message(exc))}", status, getattr(exc, "code", None)
    )


def _message(exc: BaseException) -> str:
    """The server's own error message when it sent one, else the exception's text (first 500 characters)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:500]
    return str(exc)[:500]
