"""Export a dataset version in PersonaMem-v2's released layout, so code written for that benchmark runs on
Tacit data unchanged (``/work/shared/reference/personamem-v2-facts.md``, "Released layout").

    DIR/benchmark/text/{benchmark,train,val}.csv             one row per MCQ query
    DIR/data/chat_history_32k/chat_history_<ts>_persona<N>.json
    DIR/data/chat_history_128k/...

How Tacit maps onto it (the card repeats this):
- CSV files follow the persona split (``warehouse.training.read_splits``): test -> ``benchmark.csv``,
  train -> ``train.csv``, val -> ``val.csv``, so no persona is in two files. Only MCQ queries are rows
  (PersonaMem's rows are MCQs); open queries are in the ``hf`` export.
- A 32,000-token history fills the ``*_32k`` columns, a 128,000-token one the ``*_128k`` columns. Any
  other budget B (``tiny``'s 8k) goes to ``data/chat_history_<B>/`` and adds the same five columns with
  its label (``chat_history_8k_link``, ...) after the standard ones; standard columns without a history
  stay empty. A question asked of several of a persona's histories with the same options is one row
  that fills the columns of each (PersonaMem's rows link both sizes); otherwise a row per query.
- A chat history is the persona JSON as a system turn, then every turn of every session in order. Tacit's
  session boundaries and dates, absent from the layout, are kept in ``metadata.sessions``.
- Token counts are Tacit's (``cl100k_base``, 4 framing tokens per message); PersonaMem used gpt-4o's.
  Distance is ``history_items.tokens_to_end`` of the latest signal session of the query's preference;
  persona-relevant tokens are the persona JSON and the persona's own sessions, irrelevant ones the shared
  generic-task pool.
- ``raw_persona_file`` stays empty (Tacit has no per-persona source file); ``short_persona`` is composed
  from the persona's fields; ``who`` is ``self`` / ``others`` as in PersonaMem.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from llm.tokens import count_message_tokens
from warehouse.history import assemble_history
from warehouse.training import read_splits

SIZES = {32000: "32k", 128000: "128k"}
PER_SIZE = (
    "chat_history_{s}_link",
    "total_tokens_in_chat_history_{s}",
    "distance_from_related_snippet_to_query_{s}",
    "num_persona_relevant_tokens_{s}",
    "num_persona_irrelevant_tokens_{s}",
)
COLUMNS = [
    "persona_id",
    "chat_history_32k_link",
    "chat_history_128k_link",
    "raw_persona_file",
    "short_persona",
    "expanded_persona",
    "user_query",
    "correct_answer",
    "incorrect_answers",
    "topic_query",
    "preference",
    "topic_preference",
    "conversation_scenario",
    "pref_type",
    "related_conversation_snippet",
    "who",
    "updated",
    "prev_pref",
    "sensitive_info",
    "total_tokens_in_chat_history_32k",
    "total_tokens_in_chat_history_128k",
    "distance_from_related_snippet_to_query_32k",
    "distance_from_related_snippet_to_query_128k",
    "num_persona_relevant_tokens_32k",
    "num_persona_irrelevant_tokens_32k",
    "num_persona_relevant_tokens_128k",
    "num_persona_irrelevant_tokens_128k",
]
FILES = {"test": "benchmark", "train": "train", "val": "val"}
QUERIES = """
SELECT q.query_id, q.history_id, q.text, q.gold_label, h.persona_id, h.budget_tokens, p.preference_id, p.statement,
       p.kind, p.who, prev.statement, sc.domain, sc.name, sc.sensitive
FROM queries q JOIN histories h USING (version_id, history_id) JOIN preferences p USING (version_id, preference_id)
JOIN scenarios sc ON sc.version_id = p.version_id AND sc.scenario_id = p.scenario_id
LEFT JOIN preferences prev ON prev.version_id = p.version_id AND prev.preference_id = p.previous_preference_id
WHERE q.version_id = ? AND q.kind = 'mcq' ORDER BY q.query_id
"""


def size_label(budget: int) -> str:
    return SIZES.get(budget) or (f"{budget // 1000}k" if budget % 1000 == 0 else str(budget))


def short_persona(p: dict) -> str:
    """One line from the persona's own fields (Tacit has no seed sentence to copy)."""
    hobbies = ", ".join(p.get("hobbies") or [])
    return (f"{p.get('name')}, {p.get('age')}, {p.get('occupation')} living in {p.get('city')}, "
            f"{p.get('country')}; {p.get('household')}; enjoys {hobbies}.")  # fmt: skip


def _persona_number(persona_id: str) -> str:
    digits = persona_id.lstrip("p")
    return str(int(digits)) if digits.isdigit() else persona_id


class HistoryFile:
    """One exported chat history: its link, token facts per session, and its signal sessions' messages."""

    def __init__(self, con: duckdb.DuckDBPyConnection, vid: str, history_id: str, stamp: str, persona: dict) -> None:
        self.history_id = history_id
        chat = assemble_history(con, history_id, vid)
        items = con.execute(
            "SELECT hi.session_id, hi.position, hi.n_tokens, hi.tokens_to_end, hi.started_at, s.persona_id IS NULL "
            "FROM history_items hi JOIN sessions s USING (version_id, session_id) "
            "WHERE hi.version_id = ? AND hi.history_id = ? ORDER BY hi.position",
            [vid, history_id],
        ).fetchall()
        budget, n_tokens, tokenizer = con.execute(
            "SELECT budget_tokens, n_tokens, tokenizer FROM histories WHERE version_id = ? AND history_id = ?",
            [vid, history_id],
        ).fetchone()
        self.label = size_label(budget)
        persona_msg = json.dumps(persona, ensure_ascii=False)
        self.persona_tokens = count_message_tokens([persona_msg])[0]
        self.total = self.persona_tokens + n_tokens
        shared = sum(n for _, _, n, _, _, is_shared in items if is_shared)
        self.irrelevant, self.relevant = shared, self.total - shared
        self.to_end = {sid: end for sid, _, _, end, _, _ in items}
        self.turns = {s.session_id: [{"role": r, "content": c} for r, c in s.turns] for s in chat.sessions}
        messages = [{"role": "system", "content": persona_msg}]
        sessions = []
        for s in chat.sessions:
            sessions.append({"session_id": s.session_id, "started_at": f"{s.started_at:%Y-%m-%dT%H:%M:%S}",
                             "first_message": len(messages)})  # fmt: skip
            messages += self.turns[s.session_id]
        number = _persona_number(str(persona.get("persona_id", "")))
        self.link = f"data/chat_history_{self.label}/chat_history_{stamp}_persona{number}.json"
        self.body = {
            "metadata": {
                "total_messages": len(messages),
                "final_token_count": self.total,
                "persona_id": persona.get("persona_id"),
                "input_filename": None,
                "history_id": history_id,
                "version_id": vid,
                "budget_tokens": budget,
                "tokenizer": tokenizer,
                "sessions": sessions,
            },
            "chat_history": messages,
        }

    def write(self, out: Path) -> None:
        path = out / self.link
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.body, ensure_ascii=False, indent=1), encoding="utf-8")


def export_personamem(
    con: duckdb.DuckDBPyConnection, vid: str, out: Path, stamp: str, note: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    """Write the CSVs and chat histories; returns rows (or files) written per output file."""
    splits = read_splits(con, vid)
    records = con.execute("SELECT persona_id, record FROM personas WHERE version_id = ? ORDER BY persona_id", [vid])
    personas = {pid: json.loads(rec) for pid, rec in records.fetchall()}
    options: dict[str, list[tuple[str, str]]] = {}
    for qid, label, text in con.execute(
        "SELECT query_id, label, text FROM options WHERE version_id = ? ORDER BY query_id, label", [vid]
    ).fetchall():
        options.setdefault(qid, []).append((label, text))
    signals: dict[str, list[str]] = {}
    for pid, sid in con.execute("SELECT preference_id, session_id FROM signals WHERE version_id = ?", [vid]).fetchall():
        signals.setdefault(pid, []).append(sid)
    histories: dict[str, HistoryFile] = {}
    counts: dict[str, int] = {}
    for hid, pid in con.execute(
        "SELECT history_id, persona_id FROM histories WHERE version_id = ? ORDER BY history_id", [vid]
    ).fetchall():
        histories[hid] = h = HistoryFile(con, vid, hid, stamp, personas[pid])
        h.write(out)
        note(f"wrote {h.link}: {h.body['metadata']['total_messages']:,} messages")
        key = f"data/chat_history_{h.label}/"
        counts[key] = counts.get(key, 0) + 1
    extra = sorted({h.label for h in histories.values()} - set(SIZES.values()))
    columns = COLUMNS + [c.format(s=label) for label in extra for c in PER_SIZE]
    rows: dict[str, list[dict]] = {name: [] for name in FILES.values()}
    merged: dict[tuple, dict] = {}  # one row per question asked at several budgets with the same options
    for qid, hid, text, gold, persona_id, _b, pref_id, statement, kind, who, prev, domain, _n, sensitive in con.execute(
        QUERIES, [vid]
    ).fetchall():
        h = histories[hid]
        opts = options.get(qid, [])
        related = [s for s in signals.get(pref_id, []) if s in h.to_end]
        latest = min(related, key=lambda s: h.to_end[s]) if related else None
        row = dict.fromkeys(columns, "")
        row |= {
            "persona_id": persona_id,
            "short_persona": short_persona(personas[persona_id]),
            "expanded_persona": json.dumps(personas[persona_id], ensure_ascii=False),
            "user_query": json.dumps({"role": "user", "content": text}, ensure_ascii=False),
            "correct_answer": next((t for label, t in opts if label == gold), ""),
            "incorrect_answers": json.dumps([t for label, t in opts if label != gold], ensure_ascii=False),
            "topic_query": domain,
            "preference": statement,
            "topic_preference": domain,
            "conversation_scenario": _task_type(con, vid, latest),
            "pref_type": kind,
            "related_conversation_snippet": json.dumps(h.turns.get(latest, []), ensure_ascii=False),
            "who": "others" if who == "other" else "self",
            "updated": prev is not None,
            "prev_pref": prev or "",
            "sensitive_info": bool(sensitive),
        }
        s = h.label
        per_size = {
            f"chat_history_{s}_link": h.link,
            f"total_tokens_in_chat_history_{s}": h.total,
            f"distance_from_related_snippet_to_query_{s}": h.to_end[latest] if latest else "",
            f"num_persona_relevant_tokens_{s}": h.relevant,
            f"num_persona_irrelevant_tokens_{s}": h.irrelevant,
        }
        key = (persona_id, pref_id, text, row["correct_answer"], *sorted(t for label, t in opts if label != gold))
        if key in merged and not merged[key][f"chat_history_{s}_link"]:
            merged[key] |= per_size
            continue
        merged[key] = row | per_size
        rows[FILES[splits[persona_id]]].append(merged[key])
    text_dir = out / "benchmark" / "text"
    text_dir.mkdir(parents=True, exist_ok=True)
    for name, file_rows in rows.items():
        path = text_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(file_rows)
        note(f"wrote benchmark/text/{name}.csv: {len(file_rows):,} rows")
        counts[f"benchmark/text/{name}.csv"] = len(file_rows)
    return counts


def _task_type(con: duckdb.DuckDBPyConnection, vid: str, session_id: str | None) -> str:
    if session_id is None:
        return ""
    row = con.execute("SELECT task_type FROM sessions WHERE version_id = ? AND session_id = ?", [vid, session_id])
    found = row.fetchone()
    return found[0] if found else ""
