"""Replies to one person kept apart in a history: nobody asks "how are things?" twice in a few days.

What: ``spread_replies(order, times, can_swap)`` returns a history's sessions (``order``, at ``times``) with
undated ones traded so that two replies to the same person are at least ``REPLY_GAP_DAYS`` apart, where
the history allows. Why: a reply answers the other person's "how are things?" (``task_types.yaml``), and a
shuffle put them anywhere: in `full`'s 128k histories, 29% of replies came within a week of the last reply
to the same person (941 of 6,598 in 50 histories within three days), and a reader met four replies to one
friend in a week. How: the history stage calls it last, once every place has its time; a trade moves two
undated sessions between places whose times stay as they were, and only where ``can_swap`` allows it (both
fit their new dates). Deterministic (no random draw); dated sessions never move, and a reply whose greeting
names nobody is free to stand anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from schemas.core import Session

REPLY_GAP_DAYS = 7
"""The fewest days between two replies to the same person (where the history has room for it)."""

_GREETING = re.compile(r"^Hi ([A-Z][\w'-]+)[,!]", re.MULTILINE)


def replied_to(session: Session) -> str | None:
    """The first name a reply session answers ("Hi Tess," in its first answer), or None for any other
    session or a reply that greets nobody by name."""
    if session.task_type != "reply":
        return None
    answer = next((t.content for t in session.turns if t.role == "assistant"), "")
    match = _GREETING.search(answer)
    return match[1] if match else None


def spread_replies(
    order: list[Session], times: list[datetime], can_swap: Callable[[Session, int, Session, int], bool]
) -> list[Session]:
    """``order`` with replies to one person ``REPLY_GAP_DAYS`` apart. Greedy, front to back: a reply too
    soon after the last one to the same person, or too soon before a dated one (which never moves), trades
    places with the first later session that may stand there (``can_swap(a, i, b, j)`` for ``a`` at ``i``
    and ``b`` at ``j``: both undated, each fits the other's date) and is no such reply itself; with none
    (the end of a crowded history), it stays."""
    order = list(order)
    gap = timedelta(days=REPLY_GAP_DAYS)
    names = [replied_to(s) for s in order]
    last: dict[str, datetime] = {}
    fixed: dict[str, list[datetime]] = {}
    for s, name, t in zip(order, names, times, strict=True):
        if name is not None and s.started_at is not None:
            fixed.setdefault(name, []).append(t)

    def fits(name: str | None, at: int) -> bool:
        if name is None:
            return True
        after = name not in last or times[at] - last[name] >= gap
        return after and not any(timedelta(0) < t - times[at] < gap for t in fixed.get(name, ()))

    for i in range(len(order)):
        if order[i].started_at is None and not fits(names[i], i):
            later = range(i + 1, len(order))
            j = next((j for j in later if fits(names[j], i) and can_swap(order[i], i, order[j], j)), None)
            if j is not None:
                order[i], order[j] = order[j], order[i]
                names[i], names[j] = names[j], names[i]
        if names[i] is not None:
            last[names[i]] = times[i]
    return order
