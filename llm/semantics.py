"""The rules an LLM answer must keep beyond its JSON Schema, and the schema that states what it can.

Why: a schema-valid answer can still be unusable: a persona with a ``style_id`` the taxonomy does not
know, a session whose signal turn is not one of its user turns, an MCQ draft with no gold option or
two. Such an answer must never reach a stage (where it would crash the shard) nor the cache (where it
would crash every rerun), so the openai backend checks it exactly like a schema error: one repair
request, then ``raw_failed_calls`` and the shard skipped.

How:
- ``response_schema`` is the output model's JSON Schema with the known sets written in as enums
  (style ids), so a server with structured output cannot answer outside them at all;
- ``check`` raises ``SemanticError`` naming the field and the rule; the backend runs it after pydantic
  validation, on fresh answers and on cached ones (an answer cached before a rule existed is asked again).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from llm.callsites import CallSite
from taxonomy import Taxonomy


class SemanticError(ValueError):
    """A schema-valid answer that breaks a rule of its call site; the message names the field."""


_SCHEMAS: dict[tuple, dict[str, Any]] = {}


def response_schema(site: CallSite, tax: Taxonomy) -> dict[str, Any]:
    """The JSON Schema sent as the response format: the output model's, with the taxonomy's sets as enums.
    Built once per (site, model, taxonomy) and shared: callers only serialise it (it was rebuilt twice per
    request, a visible share of the client's CPU per call)."""
    key = (site.name, site.output_model, tuple(s.id for s in tax.attributes.styles))  # all the schema uses of tax
    if key not in _SCHEMAS:
        schema = copy.deepcopy(site.output_model.model_json_schema())
        if site.name == "persona_profile":
            schema["properties"]["style_id"]["enum"] = [s.id for s in tax.attributes.styles]
        _SCHEMAS[key] = schema
    return _SCHEMAS[key]


def _persona_profile(req: BaseModel, out: BaseModel, tax: Taxonomy) -> list[str]:
    known = [s.id for s in tax.attributes.styles]
    if out.style_id not in known:
        return [f"style_id: {out.style_id!r} is not one of {', '.join(known)}"]
    return []


def _session(req: BaseModel, out: BaseModel, tax: Taxonomy) -> list[str]:
    index = out.signal_turn_index
    if index is None:
        return [] if out.evidence is None else ["evidence: given without a signal_turn_index"]
    if not 0 <= index < len(out.turns):
        return [f"signal_turn_index: {index} is not a turn (the session has {len(out.turns)})"]
    if out.turns[index].role != "user":
        return [f"signal_turn_index: turn {index} is a {out.turns[index].role} turn, not a user turn"]
    return []


def _query_options(req: BaseModel, out: BaseModel, tax: Taxonomy) -> list[str]:
    golds = sum(o.role == "gold" for o in out.options)
    return [] if golds == 1 else [f"options: {golds} options have role 'gold' (exactly one must)"]


_RULES: dict[str, Callable[[BaseModel, BaseModel, Taxonomy], list[str]]] = {
    "persona_profile": _persona_profile,
    "signal_session": _session,
    "filler_session": _session,
    "query_options": _query_options,
}


def check(site: CallSite, req: BaseModel, out: BaseModel, tax: Taxonomy) -> None:
    """Raise ``SemanticError`` when ``out`` breaks a rule of ``site`` (every broken rule named)."""
    rule = _RULES.get(site.name)
    errors = rule(req, out, tax) if rule is not None else []
    if errors:
        raise SemanticError(f"{site.output_model.__name__}: " + "; ".join(errors))
