"""Read a dataset version's queries from the warehouse as ``EvalItem`` models, one SQL statement each.

Only published queries are read (rejected ones live in ``rejected_queries``). Each item carries what the
breakdowns need: the preference's kind, who, updated, forget, its scenario's domain, the task type of its
latest signal session, that session's distance to the end of the history in tokens, and the signal
sessions themselves (the ``oracle`` method's context).

    con = warehouse.connect("data/tacit.duckdb")
    items = load_items(con, version_id, budget_tokens=32_000, limit=100)
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from evaluation.records import EvalItem

ITEMS = """
WITH sig AS (
    SELECT s.preference_id, hi.history_id,
           list(s.session_id ORDER BY hi.position) AS sessions,
           min(hi.tokens_to_end) AS distance,
           arg_max(se.task_type, hi.position) AS task_type
    FROM signals s
    JOIN history_items hi ON hi.version_id = s.version_id AND hi.session_id = s.session_id
    JOIN sessions se ON se.version_id = s.version_id AND se.session_id = s.session_id
    WHERE s.version_id = $v
    GROUP BY ALL
)
SELECT q.query_id, q.kind, q.text, q.history_id, p.persona_id, q.preference_id, p.statement,
       p.kind AS pref_kind, p.who, p.previous_preference_id IS NOT NULL AS updated, p.forget, sc.domain,
       sig.task_type, q.rubric, q.gold_label, coalesce(sig.sessions, []) AS sessions, sig.distance,
       h.n_tokens, h.budget_tokens
FROM queries q
JOIN preferences p ON p.version_id = q.version_id AND p.preference_id = q.preference_id
JOIN scenarios sc ON sc.version_id = p.version_id AND sc.scenario_id = p.scenario_id
JOIN histories h ON h.version_id = q.version_id AND h.history_id = q.history_id
LEFT JOIN sig ON sig.preference_id = q.preference_id AND sig.history_id = q.history_id
WHERE q.version_id = $v AND ($b IS NULL OR h.budget_tokens = $b)
ORDER BY q.history_id, q.query_id
"""

OPTIONS = "SELECT query_id, label, text, role FROM options WHERE version_id = $v ORDER BY query_id, label"


class NoItemsError(LookupError):
    """The version has no queries matching the selection."""


def load_items(
    con: duckdb.DuckDBPyConnection, version_id: str, *, budget_tokens: int | None = None, limit: int | None = None
) -> list[EvalItem]:
    """The version's queries in (history, query) order; at most ``limit`` of them."""
    rows = con.execute(ITEMS, {"v": version_id, "b": budget_tokens}).fetchall()
    if not rows:
        budgets = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT budget_tokens FROM histories WHERE version_id = ? ORDER BY 1", [version_id]
            ).fetchall()
        ]
        raise NoItemsError(
            f"version {version_id} has no queries"
            + (f" in histories of {budget_tokens} tokens (budgets there: {budgets})" if budget_tokens else "")
        )
    if limit is not None:
        rows = rows[:limit]
    options: dict[str, dict[str, str]] = defaultdict(dict)
    roles: dict[str, dict[str, str]] = defaultdict(dict)
    for qid, label, text, role in con.execute(OPTIONS, {"v": version_id}).fetchall():
        options[qid][label] = text
        roles[qid][label] = role
    items = []
    for r in rows:
        (qid, kind, text, hid, persona, pid, statement, pkind, who, updated, forget, domain, task, rubric, gold) = r[
            :15
        ]
        sessions, distance, n_tokens, budget = r[15:]
        items.append(
            EvalItem(
                query_id=qid, kind=kind, text=text, history_id=hid, persona_id=persona, preference_id=pid,
                statement=statement, pref_kind=pkind, who=who, updated=updated, forget=forget, domain=domain,
                task_type=task, rubric=rubric, gold_label=gold, options=options.get(qid, {}),
                option_roles=roles.get(qid, {}), gold_session_ids=list(sessions), distance_tokens=distance,
                history_tokens=n_tokens, budget_tokens=budget,
            )
        )  # fmt: skip
    return items


def parse_budget(text: str | None) -> int | None:
    """``32k`` -> 32000, ``128k`` -> 128000, ``8000`` -> 8000, None/``all`` -> None."""
    if text is None or text.lower() in ("", "all"):
        return None
    t = text.lower().strip()
    try:
        return int(float(t[:-1]) * 1000) if t.endswith("k") else int(t)
    except ValueError:
        raise ValueError(f"--budget: expected e.g. 32k, 128k or a token count, got {text!r}") from None
