"""What the user says around a task's text: what the other person's message told, the text as typed
(with a proofread's real errors), and how a part of it sent later is asked for.

What: ``their_news`` (the news a reply answers), ``shown_with_typos`` (a proofread's text with its errors
and the list of fixes), ``first_part_said`` (a text to cut that comes in two turns says so) and
``added_part_ask`` (the second turn's words for the part it adds: more to work in, the rest of a text
being cut, one line in place of another, a line a further cut must keep). Why: each is a reader's
finding (a neighbour's "heavy rain there", "Now the second half" after a paragraph that never looked
partial, "Swap this for the weakest?" answered by two points dropped); keeping the user's side apart from
the session builder (``llm.offline_tasks``) keeps both small. How: deterministic from the caller's index
and rng; the fixed lines are five words or fewer a sentence, as they recur in a history.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from llm.timing import ALL_MONTHS, months_fitting
from llm.voice import CUE, introduce_error
from schemas.taxonomy import TaskTypeSpec

CUTS = frozenset({"shorter", "again"})
"""Follow-ups that ask for the text cut down (``task_types.yaml`` followups)."""

THEIR_NEWS_SHARE = 0.75
"""The share of the user's own replies whose ask says what the other person's message told
(``task_types.yaml`` ``their_news``); the reply reacts to it first."""


def their_news(
    task: TaskTypeSpec,
    slots: dict[str, str],
    owner: str,
    k: int,
    rng: random.Random,
    nearby: bool = False,
    month: int | None = None,
) -> tuple[str, str]:
    """(what the other person's message told, as the ask says it, with a space after; the reply's reaction),
    or two empty strings: for a task without ``their_news``, a text of someone else's (their friend's
    message is not the user's to retell) and a quarter of the rest. A persona's replies walk the list (the
    ``k``-th takes the ``k``-th), so two replies in a row never tell the same. ``nearby``: the person lives
    on the user's street, so nothing happened "there" (a reader met a neighbour's "heavy rain there").
    ``month``: the session's, when it is dated: news of a season it is not ("She went camping." in February,
    met by a reader) is left out; an undated session tells no news of a season at all (it is placed where its
    other sentences fit, and a summer-only one could find no place among them)."""
    if not task.their_news or owner != "self" or rng.random() >= THEIR_NEWS_SHARE:
        return "", ""
    # the k-th of the list, for every session alike, so two replies of a history tell the same only when their
    # k are a whole list apart; an entry this session cannot tell (a season it is not, "there" of a neighbour)
    # gives way to a stand-in of its own (filtering per session, or stepping past such an entry, gave two
    # replies of one history the same news)
    every = task.their_news
    said, reaction = every[k % len(every)]
    if (nearby and _THERE.search(said)) or (
        month not in months_fitting(said) if month is not None else months_fitting(said) != ALL_MONTHS
    ):
        said, reaction = _stand_in(tuple(every), said)
    return said.format(**slots) + " ", reaction


@lru_cache(maxsize=256)
def _stand_in(news: tuple[tuple[str, str], ...], said: str) -> tuple[str, str]:
    """The stand-in for ``said``, an entry of ``news`` a session may be unable to tell: each such entry has
    its own (``_STAND_INS``, in the order of the list), so no two entries give way to the same news."""
    unfit = [n for n, _ in news if months_fitting(n) != ALL_MONTHS or _THERE.search(n)]
    return _STAND_INS[unfit.index(said) % len(_STAND_INS)]


_STAND_INS = (
    ("{They} had a lovely day out.", "Sounds like a good day!"),
    ("{They} tried a new café.", "Was the coffee any good?"),
    ("{They} cleared out a cupboard.", "Very satisfying, I bet."),
    ("{They} finished a good series.", "Which series was it?"),
    ("{They} had a lie-in at last.", "You deserved that lie-in."),
    ("{They} went to a car boot sale.", "Find any bargains?"),
)
"""News of any month and any place that stands in for an entry of ``their_news`` a session cannot tell
("She went camping." in February, "heavy rain there" from a neighbour): one per such entry."""


_THERE = re.compile(r"\bthere\b")
NEARBY = frozenset({"my neighbour"})
"""The people who live close by: their weather is the user's."""


def shown_with_typos(
    task_id: str, sentences: list[str], rng: random.Random, at_least_one: bool = True
) -> tuple[list[str], list[tuple[str, str]]]:
    """The sentences as the user types them: for a proofread, with real errors (at least one per first
    turn) and the list of (wrong, right) fixes; otherwise unchanged."""
    shown, fixes = list(sentences), []
    if task_id != "proofread":
        return shown, fixes
    for i, s in enumerate(sentences):
        if rng.random() < 0.7 or (at_least_one and i == len(sentences) - 1 and not fixes):
            shown[i], fix = _dated_alike(s, *introduce_error(s, rng))
            if fix:
                fixes.append(fix)
    for i, s in enumerate(sentences):  # the last sentence had no word to get wrong: an earlier one has
        if at_least_one and not fixes and shown[i] == s:
            shown[i], fix = _dated_alike(s, *introduce_error(s, rng))
            fixes += [fix] if fix else []
    return shown, fixes


def _dated_alike(right: str, wrong: str, fix: tuple[str, str] | None) -> tuple[str, tuple[str, str] | None]:
    """The sentence with its typo, unless the typo changes the months it can be told in: "are haivng a baby
    in the autumn" reads as past to ``llm.timing`` (no "-ing" verb), so a May session telling it broke the
    calendar check while the clean sentence the session was dated by fits May."""
    return (wrong, fix) if fix is None or months_fitting(wrong) == months_fitting(right) else (right, None)


def first_part_said(ask: str, task_id: str, held: int, k: int) -> str:
    """``ask`` (a template with ``{text}``) saying the text comes in two parts, for a text to cut whose rest
    (``held`` sentences, two or more) the user sends in a second turn: a reader met "Now the second half,
    please" after a paragraph that never looked partial."""
    if task_id != "shorten" or held < 2 or "\n{text}" not in ask:
        return ask
    return ask.replace("\n{text}", f" {_FIRST_PART[k % len(_FIRST_PART)]}\n{{text}}", 1)


def added_part_ask(task: TaskTypeSpec, kind: str | None, owner: str, held: int, first: str, k: int) -> str:
    """The second user turn's words for the ``held`` sentences it adds (``CUE`` stands for them), before any
    follow-up: for a text being cut, its rest cut the same way, or one line in place of the weakest kept, or
    with "Shorter still?" a line the further cut must keep; otherwise more to work in. Someone else's text
    (``owner`` "other") names them by ``first``: a blind reader took a bare "Mention this as well." in a
    father's reply for the user's own news."""
    if task.id == "shorten" and kind in CUTS:  # cut further, with this in it: no swap of one for one
        bank = _THEIRS_MUST if owner == "other" else _MUST_INCLUDE
    elif owner == "other":
        bank = (_THEIRS_SWAP if held == 1 else _THEIRS_REST) if task.id == "shorten" else _THEIRS_ADDED
    else:
        bank = task.swaps if task.id == "shorten" and held == 1 else task.adds
        return bank[k % len(bank)].format(sentence=CUE)
    return bank[k % len(bank)].format(first=first) + f"\n{CUE}"


_THEIRS_ADDED = ("{first} wants this in too.", "More from {first}:", "{first} wrote this too.", "{first} missed a bit.")
"""How the user adds a part of someone else's text: by their name. A blind reader took a bare "Mention
this as well." in a father's reply for the user's own news, and the cue in it for the user's preference.
Five words or fewer: they may recur."""

_FIRST_PART = ("First half below.", "Here's part one.", "Two bits; first one here.", "Part one of two.")
"""What the user says of a text to cut that comes in two turns: a reader met "Now the second half, please"
after a paragraph that never looked partial (five words or fewer a sentence: they may recur)."""
_MUST_INCLUDE = ("It has to include this.", "This must go in, though.", "Fit this in somewhere.")
_THEIRS_MUST = ("{first} wants this in.", "{first} insists on this bit.", "Keep {first}'s line in.")
"""With "Shorter still?": the text cut further and one sentence in it (a reader met "Swap this for the
weakest?" there answered by two points dropped, no swap)."""
_THEIRS_REST = (
    "{first} sent the rest. Same again?",
    "More from {first}. Cut that too?",
    "{first}'s second half. Same again?",
)
_THEIRS_SWAP = (
    "{first} wants this kept. Swap it in?",
    "{first} insists on this one. Drop another?",
    "{first} would rather keep this. Swap?",
)
"""The same for someone else's text being cut: the rest of it, cut the same way, or one sentence of theirs in
place of the weakest one kept (five words or fewer a sentence: they may recur)."""
