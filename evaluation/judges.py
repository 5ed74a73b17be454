"""Open-ended judges: score a response against the preference and its rubric, from 0 to 1.

Three cases, each with its own rule (``JudgeCase.case``):

- ``self``: the response should follow the user's preference;
- ``other``: the preference belongs to someone the user knows; applying it to the user is wrong;
- ``forget``: the user asked to forget it; using the forgotten fact is wrong.

Judges:
- ``lexical`` (offline): coverage of the preference's content words by the response, inverted for the
  ``other`` and ``forget`` cases; ``strict`` (offline): the same, pass/fail at 0.75;
- any other name is a model behind the LLM backend, prompted with ``prompts/open_judge.jinja`` and
  answering ``{"score": x, "reason": "..."}``; an unparseable verdict is recorded with ``score=None``.

Several judges (``--judges lexical,strict,gpt-4o-mini``) are compared in the report by Cohen's kappa on
pass/fail (score >= 0.5) and Spearman on scores (``evaluation.metrics``).
"""

from __future__ import annotations

import json
import re
from typing import Literal, Protocol

from pydantic import ValidationError

from evaluation.lexical import content_words
from evaluation.records import Judgement
from llm.prompts import RenderedPrompt, render
from schemas.base import Record

OFFLINE_JUDGES = ("lexical", "strict")
JUDGE_PROMPT = "open_judge.jinja"
PASS_AT = 0.5
_NOISE = frozenset({"wants", "prefers", "likes", "loves", "needs", "would", "rather", "user", "partner"})
_CASE = re.compile(r"^Case: (self|other|forget)$", re.M)
_JSON = re.compile(r"\{.*\}", re.S)


class JudgeCase(Record):
    """What a judge sees: the response, the preference statement, the rubric and the case."""

    response: str
    statement: str
    rubric: str = ""
    case: Literal["self", "other", "forget"] = "self"

    @classmethod
    def of(cls, response: str, statement: str, rubric: str | None, *, who: str, forget: bool) -> JudgeCase:
        case = "forget" if forget else ("other" if who == "other" else "self")
        return cls(response=response, statement=statement, rubric=rubric or "", case=case)


def rule_score(case: JudgeCase) -> float:
    """The lexical rule: share of the statement's content words the response uses (inverted if wrong to)."""
    wanted = content_words(case.statement) - _NOISE
    if not wanted:
        return 0.0
    coverage = len(wanted & content_words(case.response)) / len(wanted)
    return round(coverage if case.case == "self" else 1.0 - coverage, 4)


def lexical_judge(response: str, preference: str, rubric: str, forget: bool, who: str = "self") -> float:
    """Offline judge score in [0, 1] for one response (see ``rule_score``)."""
    return rule_score(JudgeCase.of(response, preference, rubric, who=who, forget=forget))


def render_judge_prompt(case: JudgeCase) -> RenderedPrompt:
    return render(JUDGE_PROMPT, case)


def parse_judge_prompt(messages: list[dict[str, str]]) -> JudgeCase | None:
    """The case a prompt from ``render_judge_prompt`` carries; None if it is not a judge prompt."""
    user = messages[-1]["content"] if messages else ""
    found = _CASE.search(user)
    if not found or "<response>" not in user:
        return None

    def tag(name: str) -> str:
        return user.split(f"<{name}>", 1)[1].rsplit(f"</{name}>", 1)[0]

    return JudgeCase(response=tag("response"), statement=tag("fact"), rubric=tag("rubric"), case=found.group(1))


def parse_verdict(judge: str, text: str) -> Judgement:
    """A judge model's reply as a Judgement; unparseable replies keep ``score=None`` and say why."""
    found = _JSON.search(text or "")
    try:
        data = json.loads(found.group(0)) if found else None
        score = float(data["score"]) if isinstance(data, dict) else None
        if score is None or not 0.0 <= score <= 1.0:
            raise ValueError(f"score missing or outside [0, 1]: {text[:80]!r}")
        return Judgement(judge=judge, score=score, reason=str(data.get("reason", ""))[:500])
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        return Judgement(judge=judge, score=None, reason=f"unparseable verdict: {str(exc)[:200]}")


class ChatModel(Protocol):
    def complete(self, requests: list[list[dict[str, str]]], max_new_tokens: int = 256) -> list[str]: ...


class Judge:
    """One named judge: an offline rule or a chat model prompted with ``open_judge.jinja``."""

    def __init__(self, name: str, model: ChatModel | None = None) -> None:
        if name not in OFFLINE_JUDGES and model is None:
            raise ValueError(f"judge {name!r} is a model and needs a backend (offline judges: {OFFLINE_JUDGES})")
        self.name, self.model = name, model

    def score(self, cases: list[JudgeCase]) -> list[Judgement]:
        if self.name == "lexical":
            return [Judgement(judge=self.name, score=rule_score(c), reason="lexical rule") for c in cases]
        if self.name == "strict":
            return [
                Judgement(judge=self.name, score=float(rule_score(c) >= 0.75), reason="lexical rule, pass at 0.75")
                for c in cases
            ]
        prompts = [render_judge_prompt(c).messages for c in cases]
        replies = self.model.complete(prompts, max_new_tokens=200) if prompts else []
        return [parse_verdict(self.name, r) for r in replies]
