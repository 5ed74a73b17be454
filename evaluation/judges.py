"""Open-ended judges: score a response against the preference and its rubric, from 0 to 1.

Three cases, each with its own rule (``JudgeCase.case``):

- ``self``: the response should follow the user's preference;
- ``other``: the preference belongs to someone the user knows; applying it to the user is wrong;
- ``forget``: the user asked to forget it; using the forgotten fact is wrong.

Judges:
- ``lexical`` (offline): ``rule_score`` below; ``strict`` (offline): the same, pass/fail at 0.75;
- any other name is a model behind the LLM backend, prompted with ``prompts/open_judge.jinja`` and
  answering ``{"score": x, "reason": "..."}``; an unparseable verdict is recorded with ``score=None``.

Why the lexical rule looks the way it does: it is also 20% of the GRPO reward (``training.rewards``), so
it must not pay for silence, boilerplate, echoing the fact, repeating the question or listing every
option. How (words are ``evaluation.lexical.stems``; the fact's words are the statement's, or the fact
the rubric names in parentheses, minus verbs such as "prefers" and filler such as "take"):

- substance (free text only): an answer is a real one when it is English (``english_share`` >= 0.15),
  shares a content word with the request when the request is known (on topic; for self the fact's words
  count too), and says >= 4 content words of its own (not the request's, not the fact's, not filler such
  as "help" or "suggestion"); fewer own words scale it down, none gives 0;
- use (recall): share of the fact's words in the response, full at half of them (answers paraphrase);
- self: F-beta (beta 0.5, precision-weighted) of use and precision, the share of the response's words
  that are the fact's, full at 0.15, so padding or listing every alternative dilutes it; times
  substance; an answer that restates the statement with its verb ("you prefer a traditional
  barbershop": announcing the preference, which the rubric rules out) is capped below a pass;
- other and forget: (1 - use) times substance: a real, on-topic answer that does not apply the fact;
- any free text: beyond 60 content words the score shrinks in proportion (much longer than needed);
- ``chosen_option``: the text is the MCQ option a reply chose (dataset text, not the model's words): only
  the self F-beta or ``1 - use`` applies.

The request is known when the caller passes it (the evaluation runner passes the query text;
``training.rewards`` reads it from the prompt); the judge prompt carries it in ``<request>``, and a case
read back without one skips the topic test.

Several judges (``--judges lexical,strict,gpt-4o-mini``) are compared in the report by Cohen's kappa on
pass/fail (score >= 0.5) and Spearman on scores (``evaluation.metrics``).
"""

from __future__ import annotations

import json
import re
from typing import Literal, Protocol

from pydantic import ValidationError

from evaluation.lexical import english_share, stems
from evaluation.records import Judgement
from llm.prompts import RenderedPrompt, render
from schemas.base import Record

OFFLINE_JUDGES = ("lexical", "strict")
JUDGE_PROMPT = "open_judge.jinja"
PASS_AT = 0.5
MIN_ENGLISH = 0.15  # share of English function words below which a text is not an English answer
MIN_OWN_WORDS = 4  # content words of its own a free-text answer needs for full substance
FULL_USE = 0.5  # share of the fact's words that counts as using it fully
FULL_PRECISION = 0.15  # share of the fact's words among the response's that counts as fully precise
BETA = 0.5  # F-beta weight: precision counts more than recall, so padding and listing do not pay
LONG_WORDS = 60  # content words beyond which a free-text answer is longer than needed
ANNOUNCED_CAP = 0.4  # the most a self answer that restates the statement ("you prefer ...") can score
_NOISE = frozenset(stems("wants prefers likes loves needs would rather user partner"))
_FILLER = frozenset(
    stems(
        """help happy glad sure certainly course great question answer answers suggestion suggestions suggest
        general generally work works people everyone most depends depend personal preference preferences taste
        option options choice choices thing things idea ideas good best better fine okay ok yes no thanks thank
        hope let know think really well maybe might may try consider feel free recommend recommendation
        important remember always everything something anything one way lot much many get make go see look
        use find here here's there's whatever matter different various individual own situation
        circumstances case tip tips advice assist assistant information sorry cannot can't unable provide
        specific detail details kind hi hello nice take"""
    )
)
_FACT_IN_RUBRIC = re.compile(r"\((?:the user|who) ([^)]*)\)")
_CASE = re.compile(r"^Case: (self|other|forget)$", re.M)
_JSON = re.compile(r"\{.*\}", re.S)


class JudgeCase(Record):
    """What a judge sees: the response, the preference statement, the rubric, the case and (when known)
    the request the response answers; ``chosen_option`` marks a response that is an MCQ option's text."""

    response: str
    statement: str
    rubric: str = ""
    case: Literal["self", "other", "forget"] = "self"
    request: str = ""
    chosen_option: bool = False

    @classmethod
    def of(
        cls,
        response: str,
        statement: str,
        rubric: str | None,
        *,
        who: str,
        forget: bool,
        request: str = "",
        chosen_option: bool = False,
    ) -> JudgeCase:
        case = "forget" if forget else ("other" if who == "other" else "self")
        return cls(
            response=response, statement=statement, rubric=rubric or "", case=case, request=request or "",
            chosen_option=chosen_option,
        )  # fmt: skip


def _statement(case: JudgeCase) -> list[str]:
    """The fact's stems in order: the statement's, else the fact the rubric names in parentheses."""
    named = _FACT_IN_RUBRIC.search(case.rubric)
    return stems(case.statement or (named.group(1) if named else ""))


def _fact(case: JudgeCase) -> list[str]:
    """The fact's telling words: the statement's stems minus preference verbs and filler ("take", "own")."""
    return [w for w in _statement(case) if w not in _NOISE and w not in _FILLER]


def substance(case: JudgeCase) -> float:
    """How far the response is a real answer in [0, 1]: English, on the request's topic (when the request
    is known), and saying content words of its own (not the request's, the fact's or filler)."""
    if english_share(case.response) < MIN_ENGLISH:
        return 0.0
    words = set(stems(case.response)) - _FILLER - _NOISE
    topic = set(stems(case.request)) - _FILLER - _NOISE
    fact = set(_fact(case))
    on_topic = topic | fact if case.case == "self" else topic  # following the preference is on topic
    if topic and not words & on_topic:
        return 0.0
    own = words - topic - fact
    return min(1.0, len(own) / MIN_OWN_WORDS)


def _announces(statement: list[str], response: list[str]) -> bool:
    """True when the response restates the preference: the statement's stems, a preference verb among them
    ("prefers", "wants"), appear in the response in a row."""
    n = len(statement)
    if n < 2 or not _NOISE & set(statement):
        return False
    return any(response[i : i + n] == statement for i in range(len(response) - n + 1))


def rule_score(case: JudgeCase) -> float:
    """The lexical rule of the module docstring: the case's fit times substance, for free text."""
    fact, said = _fact(case), stems(case.response)
    words = set(said) - _NOISE
    use = min(1.0, len(words & set(fact)) / len(fact) / FULL_USE) if fact else 0.0
    if case.case == "self":
        on_point = words & set(fact)
        precision = min(1.0, len(on_point) / len(words) / FULL_PRECISION) if words else 0.0
        fit = (1 + BETA**2) * use * precision / (BETA**2 * precision + use) if use + precision else 0.0
    else:
        fit = 1.0 - use
    if case.chosen_option:
        return round(fit, 4)
    score = fit * substance(case) * min(1.0, LONG_WORDS / max(len(words), 1))
    if case.case == "self" and _announces(_statement(case), said):
        score = min(score, ANNOUNCED_CAP)
    return round(score, 4)


def lexical_judge(
    response: str,
    preference: str,
    rubric: str,
    forget: bool,
    who: str = "self",
    *,
    request: str = "",
    chosen_option: bool = False,
) -> float:
    """Offline judge score in [0, 1] for one response (see ``rule_score``)."""
    case = JudgeCase.of(
        response, preference, rubric, who=who, forget=forget, request=request, chosen_option=chosen_option
    )
    return rule_score(case)


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

    request = tag("request") if "<request>" in user else ""
    return JudgeCase(
        response=tag("response"), statement=tag("fact"), rubric=tag("rubric"), case=found.group(1), request=request
    )


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
