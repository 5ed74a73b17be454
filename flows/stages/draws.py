"""How one sentence is taken from a persona's bank for a text (``flows.stages.news``).

What: ``pop`` removes and returns the last sentence of a bank that fits the text: its months, what the
text adds to the persona's life rules, nobody spoken of in the third person to their face, nothing a
sentence already drawn for the text tells of (``particular_words``), and, for a text kept to an area of
life (``taxonomy/areas.yaml``), a sentence of that area first. Why: the rules of one draw in one place,
apart from which bank a draw goes to. How: pure functions of the bank list.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from itertools import chain

from llm.life import fits_life
from llm.people import KIN_WORDS, speaks_of
from llm.timing import MONTH_WORDS, months_fitting
from taxonomy.cross_refs import bank_sentences

THEMED_SHARE = 0.7
"""The chance that a draw for a text keeps to the text's area (``taxonomy/areas.yaml``). A cue text's area
is its scenario's, and readers sorting 600 cues (two per scenario) found 58% about their scenario's area;
with every draw kept to the area, 78% of a cue text's other sentences were, and the cue was twice as
likely as any other sentence to be the one off the subject: the odd one out, found without understanding
it. At 0.7 the other sentences keep to the area about as often as the cue does (60% on ``small``)."""


THEME_WINDOW = 60
"""How far into a source a draw looks for a sentence of the text's area before taking the last one that
fits (with 15 areas, 60 sentences hold several of most). An own text's sources are nine times a cue
text's, so there it looks only as far as the same share (``thin``): neither kind of text is better kept
to one subject than the other (a coherence tell)."""


PARTICULAR_DF = 40
"""A word in at most this many of the ~4,400 bank sentences names a particular thing: a boiler (27), a
bottle (33), a tap (29), the till (21), a roof (20). A more common one names a subject a text may keep to:
the garden (41), the station (49), the kitchen (145). Two sentences of one text that share a particular
thing read as the same story told twice ("My trusty water bottle cracked ... I lost a water bottle", two
boilers, the kitchen tap twice): blind readers met about fifteen in one 32k history once texts kept to one
area of life."""

_PEOPLE = frozenset(key.split()[-1] for key in KIN_WORDS) | {
    *("mother", "father", "parent", "gran", "nan", "grandad", "grandfather", "grandparent", "niece", "nephew"),
    *("aunt", "uncle", "husband", "wife", "kid", "child", "children", "baby", "boss", "flatmate", "colleague"),
    "coworker", "him", "her", "his", "hers", "she", "they", "them", "their", "theirs", "himself", "herself",
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1 << 16)
def _words(sentence: str) -> frozenset[str]:
    """Lowercased words of three letters or more, a plural's ``s`` dropped ("bottles" meets "bottle")."""
    return frozenset({w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in _WORD.findall(sentence.lower()) if len(w) >= 3})  # fmt: skip


_CALENDAR = frozenset(_words(" ".join(MONTH_WORDS)))
_RARE: dict[str, frozenset[str]] = {}


def _rare(tax) -> frozenset[str]:
    """The words of at most ``PARTICULAR_DF`` bank sentences, never a person's relation or a pronoun ("my
    cousin", "him": news of one person is one subject, not a repeat) or a calendar word (a text about
    Christmas). Cached per taxonomy."""
    if tax.content_hash not in _RARE:
        df = Counter(w for s in bank_sentences(tax) for w in _words(s))
        _RARE[tax.content_hash] = frozenset(w for w, n in df.items() if n <= PARTICULAR_DF) - _PEOPLE - _CALENDAR
    return _RARE[tax.content_hash]


def particular_words(tax, text: str) -> frozenset[str]:
    """The words of ``text`` (a bank sentence, a world news template as written, or a cue) that name a
    particular thing (``PARTICULAR_DF``)."""
    return _words(text) & _rare(tax)


Theme = tuple[dict[str, str], str]
"""(the area of life of each sentence, the area a text keeps to): ``taxonomy/areas.yaml``."""


def backwards(items: list[str], theme: Theme | None = None, strict: bool = False, thin: int = 1):
    """Indices of ``items`` from the last: those of the last ``THEME_WINDOW`` (at most a ``thin``-th of the
    list) of the ``theme``'s area first, then (unless ``strict``) all (a rejected one is only checked
    again). A pair, not a predicate: a draw looks at up to ``THEME_WINDOW`` sentences, and a function call
    for each was a tenth of an own task's draw."""
    last = range(len(items) - 1, -1, -1)
    if theme is None:
        return () if strict else last
    area_of, area = theme[0].get, theme[1]
    kept = (i for i in last[: min(THEME_WINDOW, len(items) // thin)] if area_of(items[i]) == area)
    return kept if strict else chain(kept, last)


def pop(
    items: list[str],
    window: frozenset[int] | None,
    unfit: frozenset[str] = frozenset(),
    to: str | None = None,
    theme: Theme | None = None,
    strict: bool = False,
    thin: int = 1,
    repeats=None,
) -> str | None:
    """The last of ``items`` (removed) whose calendar words allow a month of ``window`` (any, without one),
    that says nothing of the kinds ``unfit`` names (the banks already fit the persona's life: this is what
    the text adds, such as someone else's text having no family of the user's) and nothing about
    ``to`` (the relation of the person the text is for or by) in the third person; with ``theme``, one
    it accepts among the last ``THEME_WINDOW`` first (``backwards``); never one ``repeats`` accepts (it tells
    of a particular thing the text already tells of)."""
    for back in backwards(items, theme, strict, thin):
        item = items[back]
        if (
            (window is None or months_fitting(item) & window)
            and fits_life(item, unfit)
            and not speaks_of(item, to)
            and (repeats is None or not repeats(item))
        ):
            return items.pop(back)
    return None
