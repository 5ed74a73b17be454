"""Prompt rendering for evaluation: the one place that turns a history and a query into chat messages.

Every method and every backend goes through these functions, so the wording, the option order and the
answer format are pinned (a change here is a change of the benchmark; ``PROMPT_VERSION`` names it).

- ``history_messages``: a stored history as chat messages, each session opened by a system line with
  its date, oldest first.
- ``render_mcq``: the question with options shuffled by a per-query seed (``query_seed``), so a model's
  letter bias cannot line up with the stored gold letter; ``letter_of`` maps stored labels to shown ones.
- ``render_open``: the open-ended question.

The offline model (``evaluation.offline_model``) reads these formats back with ``parse_mcq``, so
keep the two in step.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

from evaluation.extraction import LETTERS

PROMPT_VERSION = "eval-prompts-v1"

MCQ_INSTRUCTION = (
    "Please recall what you know about me and my preferences from our past conversations, and choose the "
    "response that suits me best."
)
ANSWER_FORMAT = "Reply with the letter of your choice in the form \\boxed{X}."
OPEN_INSTRUCTION = "Please answer in a few sentences, taking into account what you know about me and my preferences."
SESSION_HEADER = "--- Conversation of {date} ---"

_OPTION_LINE = re.compile(r"^([A-D])\. (.*)$", re.M)


@dataclass(frozen=True)
class RenderedMCQ:
    """An MCQ as shown to a model: the closing message(s), the shown options and the label mapping."""

    messages_tail: list[dict[str, str]]
    options: dict[str, str]
    letter_of: dict[str, str] = field(default_factory=dict)

    def shown(self, stored_label: str) -> str:
        """The letter under which a stored option (e.g. the gold label) is shown."""
        return self.letter_of[stored_label]


def query_seed(query_id: str) -> int:
    """A seed fixed by the query id alone (same shuffle for every method, model and run)."""
    return int.from_bytes(hashlib.sha256(f"{PROMPT_VERSION}:{query_id}".encode()).digest()[:8], "big")


def render_mcq(query_text: str, options: dict[str, str], seed: int) -> RenderedMCQ:
    """Shuffle ``options`` (stored label -> text) by ``seed`` and write the question message."""
    stored = sorted(options)
    order = stored[:]
    random.Random(seed).shuffle(order)
    shown = {LETTERS[i]: options[label] for i, label in enumerate(order)}
    letter_of = {label: LETTERS[i] for i, label in enumerate(order)}
    lines = "\n".join(f"{letter}. {text}" for letter, text in shown.items())
    content = f"{query_text}\n\n{MCQ_INSTRUCTION}\n\n{lines}\n\n{ANSWER_FORMAT}"
    return RenderedMCQ([{"role": "user", "content": content}], shown, letter_of)


def render_open(query_text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"{query_text}\n\n{OPEN_INSTRUCTION}"}]


def parse_mcq(content: str) -> tuple[str, dict[str, str]] | None:
    """Read back (question, options) from a message written by ``render_mcq``; None if it is not one."""
    if ANSWER_FORMAT not in content or MCQ_INSTRUCTION not in content:
        return None
    options = dict(_OPTION_LINE.findall(content))
    if sorted(options) != list(LETTERS):
        return None
    return content.split(f"\n\n{MCQ_INSTRUCTION}")[0], options


def is_open_question(content: str) -> bool:
    return content.endswith(OPEN_INSTRUCTION)


def history_messages(sessions) -> list[dict[str, str]]:
    """Chat messages for a history's sessions (``warehouse.history.ChatSession``), oldest first."""
    out: list[dict[str, str]] = []
    for s in sessions:
        out.append({"role": "system", "content": SESSION_HEADER.format(date=f"{s.started_at:%Y-%m-%d}")})
        out.extend({"role": role, "content": content} for role, content in s.turns)
    return out
