"""The generation call sites: each is a triple (prompt template, input model, output model).

Stages name a call site and hand a backend a list of inputs; the backend returns validated outputs in
the same order or raises. The ``openai`` backend renders ``prompts/<prompt>`` with the input; the
``offline`` backend maps each call site to a procedural writer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas.generation import (
    FillerRequest,
    LeakageRequest,
    LeakageVerdict,
    PersonaProfile,
    PersonaSeed,
    QueryDraft,
    QueryRequest,
    SessionDraft,
    SignalRequest,
)


@dataclass(frozen=True)
class CallSite:
    name: str
    prompt: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]


PERSONA_PROFILE = CallSite("persona_profile", "persona_profile.jinja", PersonaSeed, PersonaProfile)
SIGNAL_SESSION = CallSite("signal_session", "signal_session.jinja", SignalRequest, SessionDraft)
FILLER_SESSION = CallSite("filler_session", "filler_session.jinja", FillerRequest, SessionDraft)
QUERY_OPTIONS = CallSite("query_options", "query_options.jinja", QueryRequest, QueryDraft)

LEAKAGE_JUDGE = CallSite("leakage_judge", "leakage_judge.jinja", LeakageRequest, LeakageVerdict)

CALL_SITES = {c.name: c for c in (PERSONA_PROFILE, SIGNAL_SESSION, FILLER_SESSION, QUERY_OPTIONS, LEAKAGE_JUDGE)}
