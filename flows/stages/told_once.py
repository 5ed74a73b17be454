"""What a persona tells once: a ``once`` event (``taxonomy/world.yaml``: a grandmother turning ninety, the
smoke alarm chirping at night) and a story the banks tell in several sentences (``taxonomy/retellings.yaml``:
the keys posted through the user's own letterbox, a wasp sting at the bus stop).

What: ``keep_told_once`` thins a persona's banks so each event and each story stands in at most one
sentence, and only in the half (cue sessions or own tasks) it is dealt to. Why: a reader of one history
met such things told twice, in other words or of another person. How: a stable draw per persona and
event deals it to a half in the proportion of the sentences each half gets; ``flows.stages.news`` calls
this once per supply, so both supplies of a persona agree without talking to each other.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from taxonomy import Taxonomy


def keep_told_once(
    banks: list[list[str]], persona_id: str, half: int, share: int, tax: Taxonomy, cues: tuple[str, ...] = ()
) -> list[list[str]]:
    """``banks`` (each popped from its end, so its last sentence is told first) with every sentence left
    out that tells an event or story already kept, or one dealt to the other half (half 0 gets one event
    in ``share``), or one that a cue the persona may be given tells (``cues``: a reader met "my student
    loan is finally paid off" in a bank sentence and the student loan paperwork in a cue)."""
    seen: set[str] = {e for cue in cues for e in told(cue, tax)}
    out = []
    for bank in banks:
        kept = []
        for x in reversed(bank):
            events = told(x, tax)
            if events and (events & seen or any(_half_of(persona_id, e, share) != half for e in events)):
                continue
            seen |= events
            kept.append(x)
        out.append(kept[::-1])
    return out


def told(text: str, tax: Taxonomy) -> frozenset[str]:
    """The ``once`` events ``text`` tells, and its retold story ("story N") if it is one."""
    events = once_events(text, tax)
    story = tax.story.get(text)
    return events if story is None else events | {f"story {story}"}


def once_events(text: str, tax: Taxonomy) -> frozenset[str]:
    """The ``once`` events of ``tax.world`` that ``text`` tells (cached per text and taxonomy). The patterns
    are compiled once per taxonomy (by its content hash): hashing the event list and looking each pattern up
    in ``re``'s cache on every call was a tenth of ``small``'s generation."""
    if tax.content_hash not in _COMPILED:
        _COMPILED[tax.content_hash] = tuple((name, re.compile(rx, re.I)) for name, rx in tax.world.once.items())
    return _once_events(text, tax.content_hash)


_COMPILED: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}


@lru_cache(maxsize=1 << 16)
def _once_events(text: str, content_hash: str) -> frozenset[str]:
    return frozenset(name for name, rx in _COMPILED[content_hash] if rx.search(text))


def _half_of(persona_id: str, event: str, share: int) -> int:
    """The half (0: cue sessions, 1: own tasks) whose texts may tell ``event`` for this persona."""
    return 0 if zlib.crc32(f"{persona_id}:{event}".encode()) % share == 0 else 1
