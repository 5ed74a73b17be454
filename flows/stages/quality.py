"""Stage 7, quality: the validity gates of ARCHITECTURE §7 that can be judged per shard.

Each check is a small pure function over one item returning ``None`` (pass) or a reason (fail). The
stage runs every check, keeps a ``Check`` row per failure plus one summary row per check and persona
(``value`` = pass rate; per persona, not per shard, so ``shard_size`` never changes a row), and moves
queries that fail (or whose preference's sessions leak it) to ``rejected`` with the reason. Nothing is
dropped silently. Version-wide gates (letter balance, gold uniquely longest, form and item gates) run
once every shard is written (``flows.gates``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from llm.base import Generator
from llm.callsites import LEAKAGE_JUDGE
from llm.leakage import PREFERENCE_VERBS, states_explicitly
from schemas.core import Check, History, MCQQuery, OpenQuery, Persona, Preference, Session
from schemas.generation import LeakageRequest
from taxonomy import Taxonomy

__all__ = ["PREFERENCE_VERBS", "check_shard", "judge_sessions", "states_explicitly"]


@dataclass
class ShardContext:
    personas: dict[str, Persona]
    preferences: dict[str, Preference]
    sessions: dict[str, Session]
    tax: Taxonomy
    min_fill: float


def check_history_budget(h: History, ctx: ShardContext) -> str | None:
    if not (ctx.min_fill * h.budget_tokens <= h.n_tokens <= h.budget_tokens):
        return f"{h.n_tokens} tokens outside [{ctx.min_fill:.0%}, 100%] of budget {h.budget_tokens}"
    return None


def check_history_no_repeats(h: History, ctx: ShardContext) -> str | None:
    ids = [i.session_id for i in h.items]
    if len(ids) != len(set(ids)):
        return "a session appears twice"
    return None


def check_history_has_signals(h: History, ctx: ShardContext) -> str | None:
    placed = {i.session_id for i in h.items}
    missing = [
        s.session_id
        for s in ctx.sessions.values()
        if s.persona_id == h.persona_id and s.kind != "filler" and s.session_id not in placed
    ]
    return f"persona sessions missing: {missing[:3]}" if missing else None


def check_session_no_demographics_in_system(s: Session, ctx: ShardContext) -> str | None:
    persona = ctx.personas.get(s.persona_id or "")
    for t in s.turns:
        if t.role == "system" and persona is not None:
            hits = [v for v in persona.demographics().values() if v.lower() in t.content.lower()]
            if hits or str(persona.age) in t.content:
                return f"system turn {t.turn_index} names demographics {hits or [persona.age]}"
    return None


def check_session_implicit(s: Session, ctx: ShardContext) -> str | None:
    if s.kind not in ("signal", "update"):
        return None
    for sig in s.signals:
        pref = ctx.preferences[sig.preference_id]
        option = ctx.tax.option(pref.scenario_id, pref.option_id)
        text = " ".join(t.content for t in s.turns if t.role == "user")
        if pref.statement.lower() in text.lower() or states_explicitly(text, option.key_terms):
            return f"states preference {pref.preference_id} explicitly"
    return None


def check_query_no_leak(q: MCQQuery | OpenQuery, ctx: ShardContext) -> str | None:
    pref = ctx.preferences[q.preference_id]
    scenario = ctx.tax.scenarios[pref.scenario_id]
    low = q.text.lower()
    named = [
        t
        for o in scenario.options
        for t in o.key_terms
        if t.lower() in low and re.search(rf"\b{re.escape(t.lower())}\b", low)  # the cheap test first
    ]
    if named or pref.statement.lower() in low:
        return f"query names the preference ({named or pref.statement})"
    return None


def check_mcq_options_distinct(q: MCQQuery | OpenQuery, ctx: ShardContext) -> str | None:
    if isinstance(q, MCQQuery) and len({o.text for o in q.options}) != 4:
        return "two options share a text"
    return None


HISTORY_CHECKS: list[Callable] = [check_history_budget, check_history_no_repeats, check_history_has_signals]
SESSION_CHECKS: list[Callable] = [check_session_no_demographics_in_system, check_session_implicit]
QUERY_CHECKS: list[Callable] = [check_query_no_leak, check_mcq_options_distinct]


def _verdict_check(judged: dict[str, str]) -> Callable:
    def check_session_implicit_judge(s: Session, ctx: ShardContext) -> str | None:
        return judged.get(s.session_id)

    return check_session_implicit_judge


@dataclass
class QualityResult:
    checks: list[Check] = field(default_factory=list)
    kept: list[MCQQuery | OpenQuery] = field(default_factory=list)
    rejected: list[tuple[MCQQuery | OpenQuery | None, str, str, str, str]] = field(default_factory=list)
    """(query or None for a skip, query_id, preference_id, check_name, reason)"""


def _run(
    fns: list[Callable], items: list, id_of: Callable, ctx: ShardContext, owner_of: Callable, result: QualityResult
) -> dict[str, list[str]]:
    """Run each check over ``items``: one failed ``Check`` per failing item, and one summary per persona
    (subject ``persona:<id>``, value = share passed), so the rows never depend on how personas are sharded."""
    failed: dict[str, list[str]] = {}
    for fn in fns:
        name = fn.__name__.removeprefix("check_")
        counts: dict[str, list[int]] = {}
        for item in items:
            reason = fn(item, ctx)
            tally = counts.setdefault(owner_of(item), [0, 0])
            tally[1] += 1
            if reason:
                tally[0] += 1
                result.checks.append(Check(check_name=name, subject_id=id_of(item), passed=False, detail=reason))
                failed.setdefault(id_of(item), []).append(f"{name}: {reason}")
        for owner, (n_fail, n) in sorted(counts.items()):
            result.checks.append(
                Check(
                    check_name=name,
                    subject_id=f"persona:{owner}",
                    passed=n_fail == 0,
                    value=1 - n_fail / n,
                    detail=f"{n_fail} of {n} failed",
                )
            )
    return failed


def judge_sessions(sessions: list[Session], ctx: ShardContext, judge: Generator) -> dict[str, str]:
    """The LLM leakage check (``--judge-leakage``): ask the backend's ``leakage_judge`` call site about
    every signal and update session; returns session id -> reason for those it says leak."""
    requests, ids = [], []
    for s in sessions:
        if s.kind not in ("signal", "update"):
            continue
        for sig in s.signals:
            pref = ctx.preferences[sig.preference_id]
            option = ctx.tax.option(pref.scenario_id, pref.option_id)
            user = [t.content for t in s.turns if t.role == "user"]
            requests.append(
                LeakageRequest(
                    key=f"{s.session_id}:{pref.preference_id}",
                    statement=pref.statement,
                    key_terms=list(option.key_terms),
                    user_turns=user,
                )
            )
            ids.append(s.session_id)
    verdicts = judge.generate(LEAKAGE_JUDGE, requests) if requests else []
    return {
        sid: f"judge says it states the preference: {v.quote!r} ({v.reason})"
        for sid, v in zip(ids, verdicts, strict=True)
        if v.leaks
    }


def check_shard(
    shard: int,
    personas: list[Persona],
    preferences: list[Preference],
    sessions: list[Session],
    histories: list[History],
    queries: list[MCQQuery | OpenQuery],
    skips: list[tuple[str, ...]],
    tax: Taxonomy,
    min_fill: float,
    judge: Generator | None = None,
) -> QualityResult:
    """Run every per-shard gate; split queries into kept and rejected (with reasons). ``shard`` names the
    unit in logs only: no row depends on it. With ``judge`` (a
    backend), signal sessions also go through the LLM leakage check (``session_implicit_judge``)."""
    ctx = ShardContext(
        {p.persona_id: p for p in personas},
        {p.preference_id: p for p in preferences},
        {s.session_id: s for s in sessions},
        tax,
        min_fill,
    )
    result = QualityResult()
    _run(HISTORY_CHECKS, histories, lambda h: h.history_id, ctx, lambda h: h.persona_id, result)
    session_id, session_owner = (lambda s: s.session_id), (lambda s: s.persona_id or "pool")
    bad_sessions = _run(SESSION_CHECKS, sessions, session_id, ctx, session_owner, result)
    if judge is not None:
        judged = judge_sessions(sessions, ctx, judge)
        _run([_verdict_check(judged)], sessions, session_id, ctx, session_owner, result)
        for sid, reason in judged.items():
            bad_sessions.setdefault(sid, []).append(f"session_implicit_judge: {reason}")
    bad_queries = _run(
        QUERY_CHECKS, queries, lambda q: q.query_id, ctx, lambda q: ctx.preferences[q.preference_id].persona_id, result
    )
    leaked = {
        sig.preference_id: f"{s.session_id} {bad_sessions[s.session_id][0]}"
        for s in sessions
        if s.session_id in bad_sessions
        for sig in s.signals
    }
    for q in queries:
        reasons = bad_queries.get(q.query_id, [])
        if q.preference_id in leaked:
            session_id, reason = leaked[q.preference_id].split(" ", 1)
            check, _, why = reason.partition(": ")
            reasons = [*reasons, f"{check}: session {session_id} {why}"]
        if reasons:
            name = reasons[0].split(":", 1)[0]
            result.rejected.append((q, q.query_id, q.preference_id, name, "; ".join(reasons)))
        else:
            result.kept.append(q)
    for qid, pref_id, reason, *named in skips:  # (query, preference, reason[, check name])
        name = named[0] if named else "query_buildable"
        result.rejected.append((None, qid, pref_id, name, reason))
        if name == "query_buildable":  # a deliberate leave-out (a balance cap) is recorded, not a failure
            result.checks.append(Check(check_name=name, subject_id=qid, passed=False, detail=reason))
    return result
