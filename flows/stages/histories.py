"""Stage 5, histories: assemble each persona's chat history for each token budget.

How:
1. the persona's own sessions (signal, update, forget) in time order; they must fit in the budget;
2. filler is drawn (the persona's own tasks first, in the order they were written, so a short history
   holds the first ones, which carry its topical sentences; then the shared pool in a seeded random
   order) while it fits, scanning the whole candidate list so small sessions close the last gap, and
   skipping any that would repeat a sentence of six or more words or a whole answer already in the
   history (only when the distinct filler runs out are repeats let in, and the history repeat gate
   counts them); it ends with
   ``min_fill * budget <= n_tokens <= budget`` or the stage raises;
3. the chosen filler is shuffled (own tasks and shared filler spread alike); persona sessions are spread
   over the whole history: session i lands at a stratified random fraction (i + u) / n of the filler
   stream, so signals sit near the start, middle and end alike;
4. filler between two dated sessions gets evenly spaced times between them: the history is
   chronological, and updates (later ``stated_at``) come after their originals;
5. an undated session whose months or seasons do not fit the date of its place ("in July I ..." on 1
   April, ``llm.timing``), or that falls on a weekday it names ("I ordered new glasses on Saturday" on a
   Saturday), trades places with the nearest undated session for which both then fit (an undated place's
   time depends only on its position, so every time stays as it was).
6. two replies to one person are kept a week apart the same way, by trading undated sessions that both fit
   their new dates (``flows.stages.reply_spacing``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from flows.stages.reply_spacing import spread_replies
from llm.seeding import rng_for
from llm.timing import ALL_MONTHS, session_months, session_weekdays
from llm.tokens import tokenizer_name
from schemas.config import SynthConfig, budget_label
from schemas.core import History, HistoryItem, Persona, Session


class HistoryBudgetError(ValueError):
    """A history that cannot meet its budget; the message says which and why."""


def history_id(persona_id: str, budget: int) -> str:
    """``p00007.h32k``; unique per (persona, budget) by construction (``schemas.config.budget_label``)."""
    return f"{persona_id}.{budget_label(budget)}"


_SENTENCE_END = re.compile(r"([.!?])[\"')\]]*\s+")
"""A sentence ends at ``.``, ``!`` or ``?`` (closing quotes or brackets dropped) before whitespace; a line ends
one too. Split on it (the end mark is kept, as its group), then on newlines: the pieces of the history repeat
gate's rule, without a Python call per sentence end."""


def _fingerprint(session: Session) -> frozenset[str]:
    """What must not recur inside one history: sentences of six or more words (lowercased, spaces
    collapsed; the split rule of the history repeat gate) and whole assistant answers."""
    return _prints_of(tuple((t.role == "assistant", t.content) for t in session.turns))


@lru_cache(maxsize=1 << 16)
def _prints_of(turns: tuple[tuple[bool, str], ...]) -> frozenset[str]:
    """``_fingerprint`` of a session's (is an answer, text) turns. Cached: the filler stage fills each
    persona's largest history as it writes (``Filling``), and the history stage then reads the same sessions
    (``build_histories`` empties the cache when its shard is done)."""
    out = set()
    for answer, content in turns:
        if answer:
            out.add("\x00" + content)
        parts = _SENTENCE_END.split(content.lower())
        for piece, end in zip(parts[::2], [*parts[1::2], ""], strict=True):
            for sentence in (piece + end).split("\n"):
                words = sentence.split()
                if len(words) >= 6:
                    out.add(" ".join(words))
    return frozenset(out)


class Filling:
    """Filler taken for one history, in candidate order: a session is taken while it fits the tokens still
    ``need``ed and repeats no sentence or answer already ``seen`` in the history (``_fingerprint``).
    ``flows.stages.filler`` keeps one per persona for its largest history as it writes own tasks, so it
    stops writing once that history is full instead of writing tasks no history takes."""

    def __init__(self, need: int, seen: set[str], prints: dict | None = None) -> None:
        self.need, self.seen, self.prints = need, seen, prints or {}
        self.chosen: list[Session] = []
        self.total = 0

    def offer(self, s: Session) -> bool:
        """Take ``s`` if it fits and repeats nothing; whether it was taken."""
        if self.total + s.n_tokens > self.need:
            return False
        marks = self.prints.get(s.session_id) or _fingerprint(s)
        if marks & self.seen:
            return False
        self.seen |= marks
        self.chosen.append(s)
        self.total += s.n_tokens
        return True

    @property
    def gap(self) -> int:
        """Tokens still free."""
        return self.need - self.total


def _pick_filler(candidates: list[Session], need: int, seen: set[str], prints: dict) -> list[Session]:
    """Fill ``need`` tokens in candidate order, skipping any session that would repeat a sentence or an
    answer already in the history (``seen`` is updated)."""
    filling = Filling(need, seen, prints)
    for s in candidates:
        if filling.offer(s) and filling.gap == 0:
            break
    return filling.chosen


def own_seen(own: list[Session], prints: dict | None = None) -> set[str]:
    """What the persona's own sessions (signal, update, forget) put in every history: no filler may repeat it."""
    prints = prints or {}
    return set().union(*(prints.get(x.session_id) or _fingerprint(x) for x in own))


def _interleave(
    own: list[Session], filler: list[Session], rng: random.Random, start: datetime, end: datetime
) -> list[Session]:
    """``own`` (dated, in time order) placed among ``filler`` where their dates fall in the timeline, so
    the undated sessions between two dated ones are as many as the days between them allow: placed
    evenly by count, a dated pair one day apart held fifteen sessions between them and a month-long gap
    none (a reader saw the bursts)."""
    filler_total = sum(s.n_tokens for s in filler) or 1
    span = (end - start).total_seconds() or 1.0
    targets = [
        min(1.0, max(0.0, (s.started_at - start).total_seconds() / span + (rng.random() - 0.5) / 100)) * filler_total
        for s in own
    ]
    n = len(own)
    order, cum, i = [], 0, 0
    for s in filler:
        while i < n and cum >= targets[i]:
            order.append(own[i])
            i += 1
        order.append(s)
        cum += s.n_tokens
    order.extend(own[i:])
    return order


def _times(order: list[Session], start: datetime, end: datetime, rng: random.Random | None = None) -> list[datetime]:
    """Dated sessions keep their time; undated ones fall between their dated neighbours in order, each at
    a random point of its own slot (with ``rng``; evenly spaced without). Evenly spaced, eight sessions sat
    exactly 68 minutes apart and a week of them 12 minutes later each day, a rhythm only the dated (cue)
    sessions broke: a reader noticed it."""
    times: list[datetime | None] = [s.started_at for s in order]
    anchors = [(-1, start)] + [(i, t) for i, t in enumerate(times) if t is not None] + [(len(order), end)]
    for (i0, t0), (i1, t1) in pairwise(anchors):
        gap = i1 - i0
        for k in range(i0 + 1, i1):
            where = k - i0 - 0.5 + rng.random() if rng is not None else k - i0  # in (k-1/2, k+1/2) of gap steps
            times[k] = t0 + (t1 - t0) * where / gap
    # people write in their waking hours: an undated session's hour is squeezed into 07:00-23:00, order
    # kept (the squeeze is linear within a day); on a day holding dated sessions, the stretch before the
    # first of them is squeezed into 07:00 .. it and the stretch after the last into it .. 23:00
    dated: dict = {}
    for s in order:
        if s.started_at is not None:
            dated.setdefault(s.started_at.date(), []).append(s.started_at)
    for k, s in enumerate(order):
        t = times[k]
        if s.started_at is not None or t is None:
            continue
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        wake, sleep = midnight + timedelta(hours=7), midnight + timedelta(hours=23)
        if t.date() not in dated:
            times[k] = wake + (t - midnight) * (16 / 24)
            continue
        first, last = min(dated[t.date()]), max(dated[t.date()])
        if t < first and first > wake:
            times[k] = wake + (t - midnight) * ((first - wake) / (first - midnight))
        elif t > last and last < sleep:
            times[k] = last + (t - last) * ((sleep - last) / (midnight + timedelta(days=1) - last))
    return times  # type: ignore[return-value]


def _fits_date(
    months: dict[str, frozenset[int]], weekdays: dict[str, frozenset[int]]
) -> Callable[[Session, datetime], bool]:
    """Whether a session may stand at a time: in a month its calendar words allow, on no weekday it names."""

    def fits(s: Session, t: datetime) -> bool:
        return t.month in months.get(s.session_id, ALL_MONTHS) and t.weekday() not in weekdays.get(s.session_id, ())

    return fits


def _tradable(
    times: list[datetime], fits: Callable[[Session, datetime], bool]
) -> Callable[[Session, int, Session, int], bool]:
    """Whether session ``a`` at ``i`` and ``b`` at ``j`` may trade places: both undated, each fits the other's date."""

    def can(a: Session, i: int, b: Session, j: int) -> bool:
        return a.started_at is None and b.started_at is None and fits(a, times[j]) and fits(b, times[i])

    return can


def _fit_dates(order: list[Session], times: list[datetime], fits: Callable[[Session, datetime], bool]) -> list[Session]:
    """``order`` with each undated session whose calendar words contradict its date swapped with the
    nearest undated one where both fit (see step 5 of the module docstring); a misfit with no partner
    stays, and the ``date_contradictions`` gate counts it."""
    order = list(order)
    undated = [i for i, s in enumerate(order) if s.started_at is None]
    can_trade = _tradable(times, fits)
    for i in undated:
        if fits(order[i], times[i]):
            continue
        for j in sorted(undated, key=lambda j: (abs(j - i), j)):
            if j != i and can_trade(order[i], i, order[j], j):
                order[i], order[j] = order[j], order[i]
                break
    return order


def build_history(
    config: SynthConfig,
    persona: Persona,
    own_sessions: list[Session],
    persona_filler: list[Session],
    pool: list[Session],
    budget: int,
    prints: dict[str, frozenset[str]] | None = None,
    months: dict[str, frozenset[int]] | None = None,
    weekdays: dict[str, frozenset[int]] | None = None,
) -> History:
    """One history of ``persona`` within ``budget`` tokens."""
    hid = history_id(persona.persona_id, budget)
    rng = rng_for(config.seed, "history", hid)
    own = sorted(own_sessions, key=lambda s: (s.started_at, s.session_id))
    own_tokens = sum(s.n_tokens for s in own)
    if own_tokens > budget:
        raise HistoryBudgetError(
            f"{hid}: the persona's own sessions need {own_tokens} tokens > budget {budget}; "
            f"lower preferences_max or raise the budget"
        )
    # the persona's own tasks are taken in the order they were written, so a short history holds its first
    # ones, which carry the topical sentences of its preferences (``flows.stages.news``); where they sit in
    # the history is shuffled below
    mine, shared = sorted(persona_filler, key=lambda s: s.session_id), list(pool)
    rng.shuffle(shared)
    prints = prints or {}
    seen = own_seen(own, prints)
    # the persona's own tasks first; the shared pool (generic questions in no one's voice) only while the
    # history is short of ``min_fill``: used to top up the last few hundred tokens, it put one foreign
    # session into every 32k history, which a reader singled out
    filler = _pick_filler(mine, budget - own_tokens, seen, prints)
    if (gap := budget - own_tokens - sum(s.n_tokens for s in filler)) > (1 - config.min_fill) * budget:
        filler += _pick_filler(shared, gap, seen, prints)
    short = budget - own_tokens - sum(s.n_tokens for s in filler)
    if short > (1 - config.min_fill) * budget:  # not enough distinct filler: top up, repeats and all (the
        taken = {s.session_id for s in filler}  # history_sentence_repeats gate reports them)
        rest = [s for s in mine + shared if s.session_id not in taken]
        filler += _pick_filler(rest, short, set(), {s.session_id: frozenset() for s in rest})
    total = own_tokens + sum(s.n_tokens for s in filler)
    if total < config.min_fill * budget:
        raise HistoryBudgetError(
            f"{hid}: only {total} of {budget} tokens could be filled "
            f"(need >= {config.min_fill:.0%}); raise filler_pool_size"
        )
    # an own task telling a step of a running story is dated (``flows.stages.storylines``): it is placed by
    # its date, as the persona's sessions are, so the story reads in order; the rest is spread at random
    dated = sorted((s for s in filler if s.started_at is not None), key=lambda s: (s.started_at, s.session_id))
    filler = [s for s in filler if s.started_at is None]
    rng.shuffle(filler)  # own tasks and shared filler alike spread over the whole history
    start = datetime.combine(config.timeline_start, datetime.min.time())
    end = start + timedelta(days=config.timeline_days)
    if dated:
        own = sorted([*own, *dated], key=lambda s: (s.started_at, s.session_id))
    order = _interleave(own, filler, rng, start, end)
    times = _times(order, start, end, rng)
    if months is None:
        months = {s.session_id: session_months(s) for s in order if s.started_at is None}
    if weekdays is None:
        weekdays = {s.session_id: session_weekdays(s) for s in order if s.started_at is None}
    fits = _fits_date(months, weekdays)
    order = _fit_dates(order, times, fits)
    order = spread_replies(order, times, _tradable(times, fits))
    items, offset = [], 0
    for pos, (s, t) in enumerate(zip(order, times, strict=True)):
        items.append(
            HistoryItem(
                position=pos,
                session_id=s.session_id,
                token_offset=offset,
                n_tokens=s.n_tokens,
                # to the minute, as every dated session is: seconds only on the undated ones marked the rest
                started_at=t.replace(second=0, microsecond=0),
            )
        )
        offset += s.n_tokens
    return History(
        history_id=hid,
        persona_id=persona.persona_id,
        budget_tokens=budget,
        n_tokens=offset,
        tokenizer=tokenizer_name(config.tokenizer),
        items=items,
    )


def build_histories(
    config: SynthConfig,
    personas: list[Persona],
    sessions: list[Session],
    persona_filler: list[Session],
    pool: list[Session],
) -> list[History]:
    """Every history of a shard: one per persona per budget."""
    own: dict[str, list[Session]] = {}
    for s in sessions:
        own.setdefault(s.persona_id, []).append(s)
    mine: dict[str, list[Session]] = {}
    for s in persona_filler:
        mine.setdefault(s.persona_id, []).append(s)
    prints = {s.session_id: _fingerprint(s) for s in [*pool, *persona_filler, *sessions]}
    _prints_of.cache_clear()  # this shard's sessions are read: the cache would only hold them in memory
    months = {s.session_id: m for s in [*pool, *persona_filler] if (m := session_months(s)) != ALL_MONTHS}
    weekdays = {s.session_id: w for s in [*pool, *persona_filler] if (w := session_weekdays(s))}
    return [
        build_history(
            config, p, own.get(p.persona_id, []), mine.get(p.persona_id, []), pool, b, prints, months, weekdays
        )
        for p in personas
        for b in config.budgets
    ]
