"""Flatten contract models into warehouse rows (one dict per row, keyed by column name).

One function per table family; the column names are ARCHITECTURE §4's. Nested records (turns of a
session, items of a history, options of a query) become rows of their own table.
"""

from __future__ import annotations

from schemas.core import History, MCQQuery, OpenQuery, Persona, Preference, Session
from taxonomy import Taxonomy


def persona_rows(personas: list[Persona]) -> list[dict]:
    return [
        p.model_dump(exclude={"style"}) | {"style_id": p.style.style_id, "record": p.model_dump_json()}
        for p in personas
    ]


def scenario_rows(tax: Taxonomy) -> list[dict]:
    return [
        dict(scenario_id=s.id, domain=tax.domain_of[s.id], name=s.name, sensitive=s.sensitive, n_options=len(s.options))
        for s in tax.scenarios.values()
    ]


def preference_rows(preferences: list[Preference]) -> list[dict]:
    return [p.model_dump() for p in preferences]


def session_tables(sessions: list[Session]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"sessions": [], "turns": [], "signals": []}
    for s in sessions:
        out["sessions"].append(
            dict(
                session_id=s.session_id,
                persona_id=s.persona_id,
                kind=s.kind,
                task_type=s.task_type,
                started_at=s.started_at,
                n_turns=len(s.turns),
                n_tokens=s.n_tokens,
            )
        )
        out["turns"] += [dict(session_id=s.session_id, **t.model_dump()) for t in s.turns]
        out["signals"] += [sig.model_dump() for sig in s.signals]
    return out


def history_tables(histories: list[History]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"histories": [], "history_items": []}
    for h in histories:
        out["histories"].append(
            dict(
                history_id=h.history_id,
                persona_id=h.persona_id,
                budget_tokens=h.budget_tokens,
                n_tokens=h.n_tokens,
                tokenizer=h.tokenizer,
                n_sessions=len(h.items),
            )
        )
        out["history_items"] += [
            dict(history_id=h.history_id, tokens_to_end=h.n_tokens - i.token_offset, **i.model_dump()) for i in h.items
        ]
    return out


def query_tables(queries: list[MCQQuery | OpenQuery]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"queries": [], "options": []}
    for q in queries:
        base = dict(
            query_id=q.query_id, preference_id=q.preference_id, history_id=q.history_id, kind=q.kind, text=q.text
        )
        if isinstance(q, MCQQuery):
            out["queries"].append(base | {"gold_label": q.gold_label, "rubric": None})
            out["options"] += [dict(query_id=q.query_id, **o.model_dump()) for o in q.options]
        else:
            out["queries"].append(base | {"gold_label": None, "rubric": q.rubric})
    return out
