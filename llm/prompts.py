"""Prompt templates: one Jinja file per call site under ``prompts/``, rendered with StrictUndefined.

A template has ``[system]`` and ``[user]`` sections; ``render`` returns chat messages plus the prompt id
and the SHA-256 of the template text, which every generated row and cache key carries (a prompt edit is
a new cache key and a new dataset version). Templates see ``request`` (the call site's input model)
and call-site context such as the scenario from the taxonomy.

A prompt holds only what the model needs (it is billed per token): never the request's JSON. Each
names its request key in a short last line, so two requests never render the same messages and share
a cache entry. The loopback server gets the request itself from headers (``llm.request_channel``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from pydantic import BaseModel

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class RenderedPrompt:
    prompt_id: str
    prompt_sha: str
    messages: list[dict[str, str]]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


@cache
def prompt_sha(name: str) -> str:
    return hashlib.sha256((PROMPTS_DIR / name).read_bytes()).hexdigest()


def _sections(text: str) -> list[dict[str, str]]:
    messages, role, lines = [], None, []
    for line in text.splitlines():
        if line.strip() in ("[system]", "[user]"):
            if role:
                messages.append({"role": role, "content": "\n".join(lines).strip()})
            role, lines = line.strip()[1:-1], []
        else:
            lines.append(line)
    if role:
        messages.append({"role": role, "content": "\n".join(lines).strip()})
    return messages


def render(name: str, request: BaseModel, **context) -> RenderedPrompt:
    """Render ``prompts/<name>`` for one request; raises jinja2.UndefinedError on a missing variable."""
    text = _environment().get_template(name).render(request=request, **context)
    messages = _sections(text)
    if [m["role"] for m in messages] != ["system", "user"]:
        raise ValueError(f"prompts/{name}: needs a [system] then a [user] section")
    return RenderedPrompt(prompt_id=name, prompt_sha=prompt_sha(name), messages=messages)
