"""Replies to one person stand a week apart in a history (flows.stages.reply_spacing)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.stages.histories import build_history
from flows.stages.reply_spacing import REPLY_GAP_DAYS, replied_to, spread_replies
from schemas.core import Session, Turn

START = datetime(2025, 1, 6, 9, 0)


def _session(i: int, to: str | None = None, task: str = "reply", dated: bool = False, tokens: int = 50) -> Session:
    # every sentence under six words: the history stage skips a session that repeats a longer one
    answer = f"Something like:\n\nHi {to}! All good here. Note {i}." if to else f"Here it is: {i}."
    return Session(
        session_id=f"p00000.f{i:03d}",
        persona_id="p00000",
        kind="filler",
        task_type=task if to else "post",
        started_at=START + timedelta(days=i) if dated else None,
        turns=[
            Turn(turn_index=0, role="user", content=f"Answer {to or 'nobody'}, please.", n_tokens=tokens),
            Turn(turn_index=1, role="assistant", content=answer, n_tokens=tokens),
        ],
    )


def _gaps(order: list[Session], times: list[datetime], before: datetime | None = None) -> list[float]:
    """Days between consecutive replies to the same person (those ending before ``before``, if given)."""
    last, gaps = {}, []
    for s, t in zip(order, times, strict=True):
        if (name := replied_to(s)) is not None:
            if name in last and (before is None or t < before):
                gaps.append((t - last[name]).total_seconds() / 86400)
            last[name] = t
    return gaps


def _anywhere(a, i, b, j) -> bool:
    return a.started_at is None and b.started_at is None


def test_replies_to_one_person_move_a_week_apart_and_nothing_is_lost():
    """Three replies to Tess on days 0-2 among 27 other sessions, one a day: they end a week apart or more,
    every session is still there once, and replies to someone else or other tasks only make room."""
    order = [_session(0, "Tess"), _session(1, "Tess"), _session(2, "Tess"), _session(3, "Omar"), _session(4, "Omar")]
    order += [_session(i) for i in range(5, 30)]
    times = [START + timedelta(days=i) for i in range(len(order))]
    assert min(_gaps(order, times)) < REPLY_GAP_DAYS
    spread = spread_replies(order, times, _anywhere)
    assert sorted(s.session_id for s in spread) == sorted(s.session_id for s in order)
    assert min(_gaps(spread, times)) >= REPLY_GAP_DAYS, [replied_to(s) for s in spread]
    assert replied_to(_session(0, "Tess", task="message")) is None  # a message is no reply


def test_a_dated_reply_stays_and_an_undated_one_before_it_moves():
    """A dated reply (a cue's session, a running story's step) never moves: an undated reply to the same
    person two days before it moves away instead, and nothing moves where trading is not allowed."""
    order = [_session(i) for i in range(20)]
    order[3], order[5] = _session(3, "Tess"), _session(5, "Tess", dated=True)
    times = [START + timedelta(days=i) for i in range(len(order))]
    spread = spread_replies(order, times, _anywhere)
    assert spread[5] is order[5] and min(_gaps(spread, times)) >= REPLY_GAP_DAYS
    assert spread_replies(order, times, lambda a, i, b, j: False) == order


def test_a_built_history_keeps_replies_to_one_person_a_week_apart(tiny_config, tax, gen):
    """Through the history stage: twelve replies to each of two people among other tasks come out a week
    apart (the timeline has room: 120 days), except where the history's last week leaves no later place to
    trade with."""
    from flows.stages.personas import generate_personas

    persona = generate_personas(tiny_config, 0, tax, gen)[0]
    filler = [_session(i, "Tess" if i % 8 == 0 else "Omar" if i % 8 == 1 else None) for i in range(96)]
    budget = sum(s.n_tokens for s in filler)
    config = tiny_config.model_copy(update={"budgets": [budget], "min_fill": 0.9, "timeline_days": 120})
    history = build_history(config, persona, [], filler, [], budget)
    by_id = {s.session_id: s for s in filler}
    order = [by_id[item.session_id] for item in history.items]
    assert len(order) == len(filler)
    times = [item.started_at for item in history.items]
    assert min(_gaps(order, times, before=times[-1] - timedelta(days=REPLY_GAP_DAYS))) >= REPLY_GAP_DAYS
