"""The request side channel: how the loopback server learns which request a prompt was rendered from.

What: two HTTP headers on a chat-completions request, ``X-Tacit-Call-Site`` (the call site's name) and
``X-Tacit-Request`` (the request's canonical JSON, zlib-compressed, URL-safe base64). A Batch API line
has no headers of its own, so a batch line carries the same two as a ``headers`` object next to its
``custom_id`` (``llm.batch``), and the loopback's batch runner reads them from there.

Why: the loopback server (``llm.loopback``) answers with the offline generator's output, so it must
rebuild the request. Prompts used to end with a ``REQUEST_JSON: {...}`` dump for that, which a real API
bills as input tokens on every call. Headers are not tokens: the prompt a model reads (and the cache
key, hashed from the messages) carries only what the model needs.

When: only when ``OpenAIGenerator(request_headers=...)`` says so; the default (None) turns it on for a
loopback address (127.0.0.1, localhost, ::1), which is where ``llm.loopback`` serves, and off for every
other host. OpenAI-compatible servers ignore unknown headers, so a local vLLM or llama.cpp is unaffected
(the header is a few hundred bytes, well under the 8 KB per-header limit of common servers), while a
remote provider never receives the request's structure (it has no use for it) and a batch file sent to
one never holds a non-standard field.
"""

from __future__ import annotations

import base64
import ipaddress
import zlib
from collections.abc import Mapping
from urllib.parse import urlparse

from pydantic import BaseModel

SITE_HEADER = "X-Tacit-Call-Site"
REQUEST_HEADER = "X-Tacit-Request"


def encode(site_name: str, request: BaseModel) -> dict[str, str]:
    """The two headers that carry ``request`` (canonical JSON: ``model_dump_json``)."""
    packed = base64.urlsafe_b64encode(zlib.compress(request.model_dump_json().encode(), 9)).decode()
    return {SITE_HEADER: site_name, REQUEST_HEADER: packed}


def decode(headers: Mapping[str, str] | None) -> tuple[str, str] | None:
    """(call site name, request JSON) from request headers (any letter case), or None when absent."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    site, packed = lower.get(SITE_HEADER.lower()), lower.get(REQUEST_HEADER.lower())
    if not site or not packed:
        return None
    return site, zlib.decompress(base64.urlsafe_b64decode(packed.encode())).decode()


def is_loopback(base_url: str | None) -> bool:
    """True when ``base_url`` points at this machine's loopback interface."""
    host = urlparse(base_url).hostname if base_url else None
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
