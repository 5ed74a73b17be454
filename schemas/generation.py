"""Inputs and outputs of the generation call sites (llm/ backends fill these in).

A stage decides structure (which scenario, which option, when, which task type, the ids); a backend
writes text for it. Each call site is a triple (prompt template, input model here, output model here);
see ``llm.callsites``. Every request carries ``key``: a stable id from which the offline backend derives
its seed and the openai backend its cache entry.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from schemas.base import Record
from schemas.core import OptionRole, Role, SessionKind, SpeakingStyle


class PersonaSeed(Record):
    """Sampled demographics to expand into a profile."""

    key: str
    demographics: dict[str, str]
    age: int
    city: str
    languages: list[str]


class PersonaProfile(Record):
    name: str
    personality: list[str] = Field(min_length=1)
    hobbies: list[str] = Field(min_length=1)
    values: list[str] = Field(min_length=1)
    style_id: str


class TurnDraft(Record):
    role: Role
    content: str = Field(min_length=1)


class SessionDraft(Record):
    """A generated conversation; ``signal_turn_index`` is the turn carrying the cue (None for filler) and
    ``evidence`` the cue's words exactly as they stand in that turn (None when there is no cue), and
    ``cue_sentence`` the same written out in full where the turn has it as a line of shorthand notes."""

    turns: list[TurnDraft] = Field(min_length=1)
    signal_turn_index: int | None = None
    evidence: str | None = Field(None, description="the cue sentence, verbatim as it appears in the signal turn")
    cue_sentence: str | None = Field(
        None,
        description="the cue written out as a whole sentence, when the turn gives it in shorthand (a line of "
        "notes); null when the evidence is that sentence",
    )


class Contact(Record):
    """Someone in the persona's world: the person a message goes to, or whose text the user helps with."""

    name: str = Field(min_length=1)
    relation: str = Field(min_length=1, description="how the user knows them: 'my sister', 'my coworker', ...")
    pronoun: Literal["she", "he", "they"] = "they"


class SideQuestion(Record):
    """An unrelated general-knowledge question the user asks after the task (``flows.stages.side_questions``)."""

    topic: str = Field(description="a topic of taxonomy/filler.yaml explain_topics")
    variant: int = Field(0, ge=0, description="earlier side questions of this persona: the ask is dealt in turn")
    turn: int = Field(0, ge=0, le=1, description="asked at the end of the session's first (0) or second (1) user turn")


class SignalRequest(Record):
    """Write a task session in which ``option``'s preference shows only through an implicit cue."""

    key: str
    kind: SessionKind
    style: SpeakingStyle
    task_type: str
    scenario_id: str
    option_id: str
    relation: str | None = None
    previous_option_id: str | None = None
    hobbies: list[str] = Field(default_factory=list)
    user_name: str | None = Field(
        None, description="what a draft of the user's own is signed with: the first name, or Mum or Dad to a child"
    )
    contact: Contact | None = Field(None, description="who the task is for (or, for who=other, whose text it is)")
    earlier_cue: str | None = Field(
        None, description="forget sessions: what the user (or the other person) actually said earlier"
    )
    news: list[str] = Field(
        default_factory=list, description="ordinary sentences of the user's life to carry around the cue"
    )
    extra_turns: int = Field(0, ge=0, le=1)
    added_later: bool = Field(
        False,
        description="the user gives the text's last half in a second turn (the stage drew it with "
        "llm.offline_signal.text_shape and took one sentence more)",
    )
    variant: int = Field(
        0, ge=0, description="earlier sessions of this persona with this task type; vary wording by it"
    )
    scenario_repeat: int = Field(0, ge=0, description="earlier sessions of this persona in this scenario (A->B->A)")
    followup_variant: int = Field(0, ge=0, description="earlier follow-ups of this persona with this task type")
    session_date: date | None = Field(
        None, description="the day the session is dated; its calendar words must fit it (llm.timing)"
    )
    previous_date: date | None = Field(
        None, description="updates: the day of the step this one follows; a change cue claims no longer since"
    )
    unfit_life: list[str] = Field(
        default_factory=list, description="kinds of life detail the persona cannot have (llm.life.LIFE_WORDS)"
    )
    avoid_cues: list[str] = Field(
        default_factory=list, description="cue sentences earlier sessions of this persona's scenario used: not again"
    )
    side_questions: list[SideQuestion] = Field(default_factory=list, description="asked beside the task, if any")


class FillerRequest(Record):
    """Write an off-topic session: persona small talk (``style`` set) or a generic task."""

    key: str
    filler_kind: Literal["chat", "math", "explain", "code", "task"]
    style: SpeakingStyle | None = None
    hobbies: list[str] = Field(default_factory=list)
    user_name: str | None = Field(
        None, description="what a draft of the user's own is signed with: the first name, or Mum or Dad to a child"
    )
    task_type: str | None = Field(None, description="filler_kind 'task': the persona's own task, of a signal task type")
    domain: str | None = Field(None, description="filler_kind 'task': a preference domain it touches without a cue")
    contact: Contact | None = None
    for_other: bool = Field(False, description="filler_kind 'task': the text belongs to the contact, not the user")
    news: list[str] = Field(
        default_factory=list,
        description="filler_kind 'task': the sentences of the text; the first is its focus "
        "(it stands where a cue text has its cue)",
    )
    extra_turns: int = Field(0, ge=0, le=1)
    added_later: bool = Field(
        False,
        description="the user gives the text's last half in a second turn (the stage drew it with "
        "llm.offline_signal.text_shape and took one sentence more)",
    )
    variant: int = Field(0, ge=0, description="earlier filler sessions of this persona; vary wording by it")
    side_questions: list[SideQuestion] = Field(
        default_factory=list, description="filler_kind 'task': asked beside the task, if any"
    )


class RoleOption(Record):
    """A taxonomy option used as a query option, with the role it plays there."""

    role: OptionRole
    option_id: str


class QueryRequest(Record):
    """Write the query text, the option texts by role, and the open-ended rubric for one preference."""

    key: str
    scenario_id: str
    gold_option_id: str | None = Field(description="None when the generic answer is gold (other, forget)")
    case: Literal["self", "other", "updated", "forget"]
    relation: str | None = None
    distractors: list[RoleOption] = Field(
        default_factory=list, description="option-backed distractors: stereotype / other_preference / outdated"
    )
    cue_sentences: list[str] = Field(
        default_factory=list,
        description="the sentences of this persona's sessions that showed the fact (signals' evidence), so the "
        "options can avoid their words; empty: the taxonomy's cues stand in",
    )


class RoleText(Record):
    role: OptionRole
    text: str = Field(min_length=1)


class QueryDraft(Record):
    text: str = Field(min_length=5)
    options: list[RoleText] = Field(min_length=4, max_length=4, description="gold first, then distractors")
    rubric: str = Field(min_length=10)


class LeakageRequest(Record):
    """Does a signal session's user side state the preference outright (instead of implying it)?"""

    key: str
    statement: str = Field(description="the preference, e.g. 'drinks tea rather than coffee'")
    key_terms: list[str] = Field(default_factory=list, description="words that name the preferred option")
    user_turns: list[str] = Field(min_length=1)


class LeakageVerdict(Record):
    leaks: bool
    quote: str | None = Field(None, description="the user words that state the preference, when it leaks")
    reason: str = Field(min_length=1)
