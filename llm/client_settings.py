"""How long and how often remote requests are tried, and the run's overall deadline.

What: ``ClientSettings`` holds the per-request timeout, the attempts per request (the first try and
its retries), an overall deadline in seconds, and the userinfo of endpoints whose URL carried
credentials (``https://user:pass@host/v1``). ``OpenAIGenerator`` and ``OpenAIChat`` read them when
they are built, unless given explicitly.

Why process-wide: ``tacit synth`` and ``tacit eval`` run their flow in this process, and the CLI sets
these once around it (``applied``), as it installs the progress display (``flows.progress``); the flow
parameters stay serializable and never carry a password into Prefect's database. The ``synth`` and
``evaluate`` flows also take ``timeout_s``, ``max_attempts`` and ``deadline_s`` (``applied_if_set``), so a
served deployment's run is bounded the same way (``prefect deployment run synth/full -p deadline_s=3600``).

How the deadline works: ``applied(deadline_s=...)`` fixes the moment the run must stop; after it no
request is sent (``DeadlineExceeded``), a request in flight is cut at it, and everything already
answered stays in the call store.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from pydantic import BaseModel, ConfigDict, Field

from llm.redact import register_secret, split_userinfo


class ClientSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    timeout: float | None = Field(None, gt=0, description="seconds one request may take (None: the client's default)")
    max_attempts: int | None = Field(None, ge=1, description="tries per request, retries included (None: default)")
    deadline_at: float | None = Field(None, description="time.monotonic() after which no request is sent")
    userinfo: dict[str, str] = Field(default_factory=dict, description="endpoint -> 'user:password' for its URL")


_current = ClientSettings()


def current() -> ClientSettings:
    return _current


@contextmanager
def applied(
    *, timeout: float | None = None, max_attempts: int | None = None, deadline_s: float | None = None
) -> Iterator[ClientSettings]:
    """Use these settings for every client built inside the block; the deadline counts from now."""
    global _current
    deadline_at = time.monotonic() + deadline_s if deadline_s is not None else None
    old = _current
    _current = ClientSettings(
        timeout=timeout, max_attempts=max_attempts, deadline_at=deadline_at, userinfo=dict(old.userinfo)
    )
    try:
        yield _current
    finally:
        _current = old


def applied_if_set(
    timeout_s: float | None, max_attempts: int | None, deadline_s: float | None
) -> AbstractContextManager[ClientSettings | None]:
    """``applied`` for a flow's own parameters (a served deployment's run has no CLI around it), or nothing
    when none is set, so the settings of a surrounding ``applied`` (the CLI's) stay."""
    if timeout_s is None and max_attempts is None and deadline_s is None:
        return nullcontext()
    return applied(timeout=timeout_s, max_attempts=max_attempts, deadline_s=deadline_s)


def strip_credentials(url: str | None) -> str | None:
    """``url`` without its userinfo; the userinfo is kept here (and redacted from every text) so clients
    built for the stripped URL still send it. Use the returned URL anywhere it may be stored."""
    global _current
    bare, userinfo = split_userinfo(url)
    if userinfo:
        for part in userinfo.split(":", 1):
            register_secret(part)
        _current = _current.model_copy(update={"userinfo": {**_current.userinfo, bare.rstrip("/"): userinfo}})
    return bare


def with_credentials(url: str | None) -> str | None:
    """The URL a client connects to: ``url`` with the userinfo ``strip_credentials`` kept for it."""
    if not url:
        return url
    userinfo = _current.userinfo.get(url.rstrip("/"))
    if not userinfo or "@" in url.split("/")[2]:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


def remaining(deadline_at: float | None) -> float | None:
    """Seconds left before ``deadline_at`` (None: no deadline); never negative."""
    return None if deadline_at is None else max(0.0, deadline_at - time.monotonic())
