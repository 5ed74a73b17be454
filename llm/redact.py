"""Redaction of credentials from every text Tacit writes: run messages, call rows, config JSON, errors.

Why: a server's error text is stored verbatim, and some servers echo what they were sent (a 401 that
quotes the API key), while an endpoint URL may carry credentials (``https://user:pass@host/v1``).
Anything written to the warehouse, printed, or raised into Prefect (whose database keeps exception
text and logs) goes through ``redact`` first.

What is removed:
- the configured key: the value of ``OPENAI_API_KEY`` and any value passed to ``register_secret``
  (a key given another way), wherever it appears;
- common key shapes: ``sk-...`` (OpenAI, including ``sk-proj-...``), ``Bearer <token>``, ``Basic <userinfo>``;
- URL userinfo: ``scheme://user:pass@host`` becomes ``scheme://***@host``;
- a libpq ``password=...`` (a Postgres catalog's connection string quoted in an error).
Each is replaced by ``***`` (a URL keeps its scheme and host, so a message still names the endpoint).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_KEY_SHAPES = re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}|(?<=Bearer )[A-Za-z0-9._~+/=\-]{6,}|(?<=Basic )[A-Za-z0-9+/=]{6,}")
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<userinfo>[^/\s@]+)@", re.I)
_PG_PASSWORD = re.compile(r"\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|[^\s'\"]+)", re.I)
_extra: set[str] = set()


def register_secret(value: str | None) -> None:
    """Redact ``value`` from now on, wherever it appears (short values are ignored: too likely to be words)."""
    if value and len(value) >= 6:
        _extra.add(value)


def _secrets() -> list[str]:
    values = set(_extra)
    key = os.environ.get("OPENAI_API_KEY")
    if key and len(key) >= 6:
        values.add(key)
    return sorted(values, key=len, reverse=True)  # a longer secret first: it may contain a shorter one


def redact(text: str | None) -> str | None:
    """``text`` with every credential replaced by ``***`` (None stays None)."""
    if not text:
        return text
    for secret in _secrets():
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _PG_PASSWORD.sub(f"password={MASK}", text)
    return _KEY_SHAPES.sub(MASK, text)


def redact_value(value: Any) -> Any:
    """``redact`` applied to a string, or to every string inside a list or dict; anything else as is."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def split_userinfo(url: str | None) -> tuple[str | None, str | None]:
    """(``url`` without its userinfo, the userinfo or None): the URL that may be stored, and the part that may not."""
    if not url:
        return url, None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=host)), userinfo
