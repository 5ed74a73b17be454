"""Pydantic models at the evaluator's boundaries: what it reads, how it is set up, what it writes.

``EvalItem`` is one query with everything the breakdowns need (read by ``evaluation.items``);
``EvalSettings`` is the whole setup of a run (its hash is the run id, so the same command resumes the
same run, and another model, prompt version, evaluation code or judge endpoint is another run);
``EvalResult`` is one row of ``eval_results`` (query x method); ``Judgement`` one judge's score of one
open-ended response; ``MemoryTrace`` the memory an agent built for one history.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import Field, field_validator, model_validator

from schemas.base import Record

METHODS = ("full_context", "memory_agent", "rag", "no_context", "length_only", "oracle")
Method = Literal["full_context", "memory_agent", "rag", "no_context", "length_only", "oracle"]
Backend = Literal["offline", "openai", "hf"]


class EvalItem(Record):
    """One query of a dataset version, with its preference's labels and where its signal sits."""

    query_id: str
    kind: Literal["mcq", "open"]
    text: str
    history_id: str
    persona_id: str
    preference_id: str
    statement: str
    pref_kind: str
    who: str
    updated: bool
    forget: bool
    domain: str
    task_type: str | None
    rubric: str | None = None
    gold_label: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    option_roles: dict[str, str] = Field(default_factory=dict)
    gold_session_ids: list[str] = Field(default_factory=list)
    distance_tokens: int | None = None
    history_tokens: int
    budget_tokens: int

    @property
    def distance_bin(self) -> str:
        """Where the nearest signal sits, as a fifth of the history counted from its end."""
        if self.distance_tokens is None:
            return "none"
        fifth = min(4, int(5 * self.distance_tokens / max(self.history_tokens, 1)))
        return f"{20 * fifth}-{20 * fifth + 20}% from end"


class EvalSettings(Record):
    """Everything that decides an evaluation's results; ``run_id`` is its hash."""

    version_id: str
    methods: list[Method] = Field(min_length=1)
    backend: Backend = "offline"
    model: str = "lexical"
    base_url: str | None = None
    judges: list[str] = Field(default_factory=lambda: ["lexical"])
    budget_tokens: int | None = None
    limit: int | None = Field(None, gt=0)
    chunk_tokens: int = Field(5000, gt=0)
    memory_cap_tokens: int = Field(2000, gt=0)
    rag_top_k: int = Field(5, gt=0)
    max_new_tokens: int = Field(256, gt=0)
    seed: int = 0
    judge_base_url: str | None = Field(None, description="endpoint of model judges (default: base_url)")
    prompt_version: str = Field("", description="evaluation.render.PROMPT_VERSION (filled in)")
    code: str = Field("", description="evaluation.identity.code_fingerprint() (filled in)")
    model_fingerprint: str = Field("", description="evaluation.identity.model_fingerprint() (filled in)")

    @field_validator("methods")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"methods repeat: {v}")
        return v

    @model_validator(mode="before")
    @classmethod
    def _identity(cls, data: dict) -> dict:
        """Fill in what the run id must cover besides the settings: prompts, code and the model itself."""
        from evaluation.identity import code_fingerprint, model_fingerprint
        from evaluation.render import PROMPT_VERSION

        if not isinstance(data, dict):
            return data
        data = dict(data)
        data.setdefault("prompt_version", PROMPT_VERSION)
        data.setdefault("code", code_fingerprint())
        if not data.get("model_fingerprint"):
            backend, model = data.get("backend", "offline"), data.get("model", "lexical")
            data["model_fingerprint"] = model_fingerprint(backend, model, data.get("base_url"))
        return data

    @property
    def run_id(self) -> str:
        """A hash of every field, methods and judges taken as sets (their order changes nothing)."""
        canonical = self.model_dump() | {"methods": sorted(self.methods), "judges": sorted(self.judges)}
        digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
        return f"eval-{digest[:12]}"

    def config_json(self) -> str:
        return json.dumps(self.model_dump(), sort_keys=True)


class Judgement(Record):
    judge: str
    score: float | None = Field(None, ge=0, le=1)
    reason: str = ""


class EvalResult(Record):
    """One row of ``eval_results``: one query answered by one method."""

    query_id: str
    method: Method
    history_id: str
    kind: Literal["mcq", "open"]
    response: str
    answer: str | None = None
    gold: str | None = None
    correct: bool
    score: float | None = None
    input_tokens: int
    output_tokens: int = 0
    overflow: bool = Field(False, description="the prompt exceeded the model's context: not answered, scored wrong")
    judgements: list[Judgement] = Field(default_factory=list)


class MemoryTrace(Record):
    """The memory one history's agent ended with, and what building it read."""

    history_id: str
    memory: str
    n_chunks: int
    input_tokens: int
    max_memory_tokens: int
    output_tokens: int = Field(0, description="tokens the model wrote while building the memory (every update)")
