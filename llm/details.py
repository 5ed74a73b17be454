"""Persona-unique details (names, a street, a project name) that make signal-session sentences unique.

What: every persona gets a small cast of people, a contact per task type (the friend a personal email
goes to, the teammate a coding question is for, ...) plus a confidant who vouches for its cues, a street
and a project name. ``Details`` holds them for one session; the offline writer fills the template slots
``{name}``, ``{first}``, ``{street}``, ``{repo}`` and ``{confidant}`` from it.

Why: no two signal sessions may share a sentence outside short greetings, across the whole dataset.
Shards are generated independently (possibly in parallel), so uniqueness cannot come from a global
look-up at generation time; it comes by construction instead:
1. every template sentence of more than five words carries ``{name}``, ``{street}``, ``{repo}`` or
   ``{confidant}`` (tested), and each of those is *injective in the persona*: two personas never share one;
2. one persona's sessions of a task type walk the template banks from a per-persona offset, so within a
   *round* of ``L`` sessions (``L`` = the smallest bank of the task type) no template repeats;
3. a persona's next round of that task type gets new details (another contact, street and project), so
   a template reused in a later round still renders a different sentence.
Hence no sentence of more than five words occurs in two sessions; ``warehouse.checks`` verifies it.

How: each kind of detail is an index into a product of word lists (first x last names, last name x
street suffix, last name x repo suffix). An index built from (persona, task type, round) is mapped
through an affine bijection ``i -> (A * i + B) mod M`` with ``gcd(A, M) = 1`` (B from the seed), so
distinct inputs land on distinct entries while neighbouring personas look unrelated. The guarantee holds
for persona indices below ``persona_capacity()`` and up to ``ROUNDS`` rounds per task type.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

import yaml
from pydantic import Field

from llm.seeding import derive_seed
from schemas.base import Record
from taxonomy import TAXONOMY_DIR

TASK_SLOTS = 15
"""Task types a persona can have distinct contacts for."""
ROUNDS = 4
"""Rounds per task type with distinct details (a round is as many sessions as the task's smallest bank)."""
ROLES = TASK_SLOTS * ROUNDS + 1
"""Contact slots per persona: one per (task type, round), and the confidant (the last slot)."""
CONFIDANT = ROLES - 1
_MULTIPLIER = 1_000_003  # a prime; coprime with every list-size product used here (checked at load)


class DetailBanks(Record):
    """``taxonomy/details.yaml``: the word lists details are drawn from, and the leads placed before cues."""

    first_names: list[str] = Field(min_length=100)
    last_names: list[str] = Field(min_length=100)
    street_suffixes: list[str] = Field(min_length=2)
    repo_suffixes: list[str] = Field(min_length=2)
    cue_leads: list[str] = Field(min_length=2)
    update_leads: list[str] = Field(min_length=2)
    relation_leads: list[str] = Field(min_length=2)


@dataclass(frozen=True)
class Details:
    """The persona-unique details one session's templates may use."""

    name: str  # full name of the session's contact (persona-unique per task type)
    first: str  # that contact's first name (not unique on its own)
    confidant: str  # full name of the persona's confidant (persona-unique)
    street: str  # the persona's street, e.g. "Moreno Lane" (persona-unique)
    repo: str  # the persona's project, e.g. "moreno-tools" (persona-unique)

    def slots(self) -> dict[str, str]:
        return {
            "name": self.name,
            "first": self.first,
            "confidant": self.confidant,
            "street": self.street,
            "repo": self.repo,
        }


@cache
def load_details() -> DetailBanks:
    banks = DetailBanks.model_validate(yaml.safe_load((TAXONOMY_DIR / "details.yaml").read_text(encoding="utf-8")))
    for size in _sizes(banks):
        if math.gcd(_MULTIPLIER, size) != 1:
            raise ValueError(f"details.yaml: list product {size} shares a factor with {_MULTIPLIER}")
    return banks


def _sizes(b: DetailBanks) -> tuple[int, int, int]:
    n_last = len(b.last_names)
    return len(b.first_names) * n_last, n_last * len(b.street_suffixes), n_last * len(b.repo_suffixes)


def persona_capacity(banks: DetailBanks | None = None) -> int:
    """How many personas (indices 0..n-1) are guaranteed distinct details."""
    names, streets, repos = _sizes(banks or load_details())
    return min(names // ROLES, streets // ROUNDS, repos // ROUNDS)


def persona_index(key: str) -> int:
    """The persona number of a request key ('p00123.s004' -> 123); other keys (tests) hash to one."""
    match = re.match(r"p(\d+)", key)
    return int(match.group(1)) if match else derive_seed(key.split(".")[0]) % 10_000


def _bijection(i: int, size: int, seed: int, kind: str) -> int:
    return (_MULTIPLIER * i + derive_seed(seed, "details", kind)) % size


def details_for(seed: int, key: str, task: int, round_: int = 0) -> Details:
    """Details of session ``key``: its task type's position ``task`` and the persona's ``round_`` of that
    task type pick the contact; the round also picks the street and project (rounds wrap at ROUNDS)."""
    if not 0 <= task < TASK_SLOTS:
        raise ValueError(f"task slot {task} outside 0..{TASK_SLOTS - 1}")
    round_ %= ROUNDS
    b = load_details()
    p = persona_index(key)
    n_names, n_streets, n_repos = _sizes(b)
    n_last = len(b.last_names)

    def person(slot: int) -> tuple[str, str]:
        k = _bijection(p * ROLES + slot, n_names, seed, "name")
        return b.first_names[k // n_last], b.last_names[k % n_last]

    first, last = person(task * ROUNDS + round_)
    c_first, c_last = person(CONFIDANT)
    s = _bijection(p * ROUNDS + round_, n_streets, seed, "street")
    r = _bijection(p * ROUNDS + round_, n_repos, seed, "repo")
    return Details(
        name=f"{first} {last}",
        first=first,
        confidant=f"{c_first} {c_last}",
        street=f"{b.last_names[s % n_last]} {b.street_suffixes[s // n_last]}",
        repo=f"{b.last_names[r % n_last].lower()}-{b.repo_suffixes[r // n_last]}",
    )


SHORT_SENTENCE_WORDS = 5
"""Sentences of at most this many words (greetings, sign-offs, "Hi Ana,", "Talk soon.") may recur."""
_BREAK = re.compile(r"([.!?][\"')\]]*)\s+")


def split_sentences(text: str) -> list[str]:
    """The gate's sentences of ``text``: lines, each split after ., ! or ? (and closing quotes or
    brackets) followed by whitespace; lowercased, whitespace collapsed. ``warehouse.checks`` applies the
    same rule in SQL."""
    out = []
    for line in _BREAK.sub("\\1\n", text.lower()).split("\n"):
        sentence = " ".join(line.split())
        if sentence:
            out.append(sentence)
    return out


def long_sentences(text: str) -> list[str]:
    """Sentences of ``text`` that the uniqueness gate counts (more than ``SHORT_SENTENCE_WORDS`` words)."""
    return [s for s in split_sentences(text) if len(s.split()) > SHORT_SENTENCE_WORDS]
