"""Core records of a dataset version: who the users are, what they prefer, what they said, and what
we ask them. Each model maps to one warehouse table of the same (plural) name; see ARCHITECTURE §4.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.base import Record

PreferenceKind = Literal["stereotypical", "anti_stereotypical", "neutral"]
Who = Literal["self", "other"]
SessionKind = Literal["signal", "update", "forget", "filler"]
Role = Literal["system", "user", "assistant"]
OptionRole = Literal["gold", "stereotype", "other_preference", "outdated", "generic"]
Label = Literal["A", "B", "C", "D"]


class SpeakingStyle(Record):
    """How a persona writes to the assistant; it shapes every user turn the persona produces."""

    style_id: str
    formality: str
    verbosity: str
    greeting: list[str]
    closing: list[str]
    emoji: list[str] = Field(default_factory=list)
    typo_rate: float = Field(ge=0, le=0.2, default=0.0)
    lowercase: bool = False
    asides: list[str] = Field(default_factory=list)


class Persona(Record):
    """A synthetic user. Demographics are sampled from weighted tables (taxonomy/persona_attributes.yaml);
    they never appear in a system turn."""

    persona_id: str
    name: str
    age: int = Field(ge=18, le=100)
    age_band: str
    gender: str
    orientation: str
    ethnicity: str
    country: str
    city: str
    occupation: str
    education: str
    income: str
    household: str
    languages: list[str] = Field(min_length=1)
    personality: list[str]
    hobbies: list[str]
    values: list[str]
    style: SpeakingStyle

    def demographics(self) -> dict[str, str]:
        """The fields a population stereotype can key on (matches taxonomy stereotype keys)."""
        return {
            k: getattr(self, k)
            for k in (
                "age_band",
                "gender",
                "orientation",
                "ethnicity",
                "country",
                "occupation",
                "education",
                "income",
                "household",
            )
        }


class Scenario(Record):
    """A situation in which a preference matters (a taxonomy scenario, stored per version)."""

    scenario_id: str
    domain: str
    name: str


class Preference(Record):
    """One preference of one persona, in one scenario. ``who=other`` is about someone the user knows.

    An update is a new Preference whose ``previous_preference_id`` names the one it replaces (same
    scenario, other option, later ``stated_at``); ``superseded`` marks the replaced one. ``forget``: the
    user later asks the assistant to forget it.
    """

    preference_id: str
    persona_id: str
    scenario_id: str
    option_id: str
    statement: str
    kind: PreferenceKind
    who: Who = "self"
    relation: str | None = None
    previous_preference_id: str | None = None
    superseded: bool = False
    forget: bool = False
    stated_at: datetime

    @model_validator(mode="after")
    def _relation_iff_other(self) -> Preference:
        if (self.who == "other") != (self.relation is not None):
            raise ValueError("relation must be set exactly when who='other'")
        return self


class Turn(Record):
    """One message. ``n_tokens`` counts the content plus the per-message framing (see llm.tokens)."""

    turn_index: int = Field(ge=0)
    role: Role
    content: str = Field(min_length=1)
    n_tokens: int = Field(ge=0, default=0)


class Signal(Record):
    """Where a preference shows: the session and turn that carry its implicit cue."""

    preference_id: str
    session_id: str
    turn_index: int = Field(ge=0)
    evidence: str | None = Field(None, description="the cue sentence, verbatim as it stands in that turn")


class Session(Record):
    """One conversation. Persona sessions carry a timestamp; shared filler has ``persona_id=None`` and
    gets its time from the history that places it."""

    session_id: str
    persona_id: str | None
    kind: SessionKind
    task_type: str
    started_at: datetime | None = None
    turns: list[Turn] = Field(min_length=1)
    signals: list[Signal] = Field(default_factory=list)

    @cached_property
    def n_tokens(self) -> int:
        """Tokens of the whole session (its turns' counts; computed once, the record is frozen)."""
        return sum(t.n_tokens for t in self.turns)

    @model_validator(mode="after")
    def _consistent(self) -> Session:
        if [t.turn_index for t in self.turns] != list(range(len(self.turns))):
            raise ValueError(f"session {self.session_id}: turn_index must run 0..n-1")
        for s in self.signals:
            if s.session_id != self.session_id or s.turn_index >= len(self.turns):
                raise ValueError(f"session {self.session_id}: signal points outside the session")
        if self.kind == "filler" and self.signals:
            raise ValueError(f"session {self.session_id}: filler sessions carry no signal")
        return self


class HistoryItem(Record):
    """A session placed in a history, at a token offset and a time."""

    position: int = Field(ge=0)
    session_id: str
    token_offset: int = Field(ge=0)
    n_tokens: int = Field(ge=0)
    started_at: datetime


class History(Record):
    """A persona's chat history: an ordered list of session references within a token budget."""

    history_id: str
    persona_id: str
    budget_tokens: int = Field(gt=0)
    n_tokens: int = Field(ge=0)
    tokenizer: str
    items: list[HistoryItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _within_budget_and_ordered(self) -> History:
        if self.n_tokens > self.budget_tokens:
            raise ValueError(f"history {self.history_id}: {self.n_tokens} tokens > budget {self.budget_tokens}")
        if self.n_tokens != sum(i.n_tokens for i in self.items):
            raise ValueError(f"history {self.history_id}: n_tokens is not the sum of its items")
        times = [i.started_at for i in self.items]
        if times != sorted(times):
            raise ValueError(f"history {self.history_id}: items are not chronological")
        return self


class Option(Record):
    """One MCQ option; ``role`` says why it is there (gold or which kind of distractor)."""

    label: Label
    text: str = Field(min_length=1)
    role: OptionRole
    n_tokens: int = Field(ge=0, default=0)


class _QueryBase(Record):
    query_id: str
    preference_id: str
    history_id: str
    text: str = Field(min_length=5)


class MCQQuery(_QueryBase):
    """Multiple choice: four options, exactly one gold."""

    kind: Literal["mcq"] = "mcq"
    options: list[Option] = Field(min_length=4, max_length=4)
    gold_label: Label

    @model_validator(mode="after")
    def _one_gold(self) -> MCQQuery:
        golds = [o.label for o in self.options if o.role == "gold"]
        if golds != [self.gold_label]:
            raise ValueError(f"query {self.query_id}: gold options {golds} != gold_label {self.gold_label}")
        if sorted(o.label for o in self.options) != ["A", "B", "C", "D"]:
            raise ValueError(f"query {self.query_id}: labels must be A-D once each")
        return self


class OpenQuery(_QueryBase):
    """Open-ended: judged against the preference with a rubric."""

    kind: Literal["open"] = "open"
    rubric: str = Field(min_length=10)


Query = Annotated[MCQQuery | OpenQuery, Field(discriminator="kind")]


class Check(Record):
    """One validity-gate result (ARCHITECTURE §7) about one subject (a row id, a shard or the version)."""

    check_name: str
    subject_id: str
    passed: bool
    value: float | None = None
    detail: str = ""
