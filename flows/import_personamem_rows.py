"""Rows of an imported PersonaMem-v2 folder: personas, histories with their sessions, and the questions.

What: pure functions from parsed files to warehouse rows (without ``version_id``), used by
``flows.import_personamem``; the mapping is described there. Why: kept apart so each piece is tested on
its own and the importer stays a thin reader and writer.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import datetime, timedelta

from llm.tokens import count_message_tokens, count_tokens, tokenizer_name
from warehouse import WarehouseError

ROLES = ("system", "user", "assistant")
KINDS = ("stereotypical", "anti_stereotypical", "neutral")
_TEXT_FIELDS = ("gender", "orientation", "ethnicity", "country", "city", "occupation", "education", "income",
                "household", "age_band", "style_id")  # fmt: skip
_LIST_FIELDS = ("languages", "personality", "hobbies", "values")


class ImportLayoutError(WarehouseError):
    """The folder is not in PersonaMem-v2's layout; the message names the file, row or column."""


def persona_row(persona_id: str, expanded: str) -> dict:
    """A persona from ``expanded_persona``: its fields where the JSON has them, the id alone otherwise."""
    try:
        record = json.loads(expanded) if expanded else {}
    except json.JSONDecodeError:
        record = {"description": expanded}
    if not isinstance(record, dict):
        record = {"description": record}
    age = record.get("age")
    row = {"persona_id": persona_id, "name": str(record.get("name") or persona_id),
           "age": int(age) if isinstance(age, int | float) or str(age).isdigit() else None,
           "record": json.dumps(record, ensure_ascii=False)}  # fmt: skip
    row |= {f: str(record[f]) if record.get(f) is not None else None for f in _TEXT_FIELDS}
    row |= {f: [str(x) for x in record[f]] if isinstance(record.get(f), list) else None for f in _LIST_FIELDS}
    return row


def _bounds(history_id: str, messages: list[dict], meta: dict, start: datetime) -> list[tuple[str, datetime, int, int]]:
    """(session id, start time, first message, end) of each session: the export's own when it kept them,
    else a new session wherever a user message follows an assistant one (leading system messages skipped)."""
    kept = meta.get("sessions")
    if kept:
        firsts = [int(s["first_message"]) for s in kept] + [len(messages)]
        return [(str(s["session_id"]), datetime.fromisoformat(s["started_at"]), firsts[k], firsts[k + 1])
                for k, s in enumerate(kept)]  # fmt: skip
    first = next((i for i, m in enumerate(messages) if m["role"] != "system"), len(messages))
    cuts = [i for i in range(first, len(messages)) if i == first or (
        messages[i]["role"] == "user" and messages[i - 1]["role"] == "assistant")]  # fmt: skip
    ends = [*cuts[1:], len(messages)]
    spans = enumerate(zip(cuts, ends, strict=True))
    return [(f"{history_id}.s{k:04d}", start + timedelta(hours=k), a, b) for k, (a, b) in spans]


def history_rows(history_id: str, persona_id: str, budget: int, body: dict, start: datetime) -> dict:
    """history, items, sessions and turns of one chat-history file, and ``locate``: user message text ->
    (session id, turn index), to find a question's related snippet."""
    messages = body["chat_history"]
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise ImportLayoutError(f"{history_id}: message {i} needs a role in {ROLES} and a string content")
    meta = body.get("metadata") or {}
    tokens = count_message_tokens([m["content"] for m in messages])
    out: dict = {"sessions": [], "turns": [], "items": [], "locate": {}}
    offset = 0
    for position, (sid, started, a, b) in enumerate(_bounds(history_id, messages, meta, start)):
        n = sum(tokens[a:b])
        out["sessions"].append({"session_id": sid, "persona_id": persona_id, "kind": "filler", "n_tokens": n,
                                "task_type": "imported", "started_at": started, "n_turns": b - a})  # fmt: skip
        for k in range(a, b):
            out["turns"].append({"session_id": sid, "turn_index": k - a, "role": messages[k]["role"],
                                 "content": messages[k]["content"], "n_tokens": tokens[k]})  # fmt: skip
            if messages[k]["role"] == "user":
                out["locate"].setdefault(messages[k]["content"], (sid, k - a, started))
        out["items"].append({"history_id": history_id, "position": position, "session_id": sid,
                             "token_offset": offset, "n_tokens": n, "started_at": started})  # fmt: skip
        offset += n
    for item in out["items"]:
        item["tokens_to_end"] = offset - item["token_offset"]
    out["history"] = {"history_id": history_id, "persona_id": persona_id, "budget_tokens": budget,
                      "n_tokens": offset, "tokenizer": meta.get("tokenizer") or tokenizer_name(),
                      "n_sessions": len(out["sessions"])}  # fmt: skip
    return out


def shuffled_options(persona_id: str, question: str, correct: str, incorrect: list[str]) -> tuple[list[str], str]:
    """The options in a per-query seeded order, and the gold label: A-D as PersonaMem-v2 labels them."""
    texts = [correct, *incorrect]
    seed = int(hashlib.sha256(f"{persona_id}\n{question}".encode()).hexdigest()[:12], 16)
    random.Random(seed).shuffle(texts)
    return texts, "ABCDEFGH"[texts.index(correct)]


def _json(value: str, where: str, default):
    try:
        return json.loads(value) if value else default
    except json.JSONDecodeError as exc:
        raise ImportLayoutError(f"{where}: not JSON ({exc})") from exc


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "imported"


def question_rows(rows: list[tuple[str, int, dict]], histories: dict[str, dict], links_of) -> dict[str, list[dict]]:
    """scenarios, preferences, signals (with the session's kind), queries and options of the CSV rows."""
    scenarios: dict[str, dict] = {}
    prefs: dict[tuple, dict] = {}
    signals: dict[tuple, dict] = {}
    queries, options = [], []
    taken: set[str] = set()
    per_persona: dict[str, int] = {}
    for name, line, row in rows:
        where = f"{name}.csv line {line}"
        pid = row["persona_id"].strip()
        topic = row.get("topic_preference") or row.get("topic_query") or "imported"
        sc = scenarios.setdefault(_slug(topic), {"scenario_id": _slug(topic), "domain": topic, "name": topic,
                                                 "sensitive": str(row.get("sensitive_info")).lower() == "true",
                                                 "n_options": 0})  # fmt: skip
        who = "other" if (row.get("who") or "self").strip() == "others" else "self"
        key = (pid, row["preference"], who)
        if key not in prefs:
            per_persona[pid] = per_persona.get(pid, 0) + 1
            kind = row.get("pref_type") if row.get("pref_type") in KINDS else "neutral"
            prefs[key] = {"preference_id": f"{pid}.r{per_persona[pid]:03d}", "persona_id": pid,
                          "scenario_id": sc["scenario_id"],
                          "option_id": "o" + hashlib.sha256(row["preference"].encode()).hexdigest()[:10],
                          "statement": row["preference"], "kind": kind, "who": who, "relation": None,
                          "previous_preference_id": None, "superseded": False, "forget": False,
                          "stated_at": datetime(2025, 1, 1)}  # fmt: skip
        pref = prefs[key]
        raw = row["user_query"].strip()  # a JSON message as released; plain text is taken as it is
        query = _json(raw, f"{where}, user_query", "") if raw.startswith("{") else raw
        question = query.get("content", "") if isinstance(query, dict) else str(query)
        incorrect = _json(row["incorrect_answers"], f"{where}, incorrect_answers", [])
        texts, gold = shuffled_options(pid, question, row["correct_answer"], [str(t) for t in incorrect])
        counts = count_tokens(texts)  # once per row, whatever the number of histories it links
        sc["n_options"] = max(sc["n_options"], len(texts))
        snippet = _json(row.get("related_conversation_snippet", ""), f"{where}, related_conversation_snippet", [])
        first_user = next((m.get("content") for m in snippet if isinstance(m, dict) and m.get("role") == "user"), None)
        updated = str(row.get("updated")).lower() in ("true", "1")
        for budget in sorted(links_of(row)):
            hid = f"{pid}.h{budget // 1000}k"
            found = histories[hid]["locate"].get(first_user) if first_user else None
            if found:
                sid, turn, started = found
                signals.setdefault((pref["preference_id"], sid), {"preference_id": pref["preference_id"],
                                   "session_id": sid, "turn_index": turn,
                                   "session_kind": "update" if updated else "signal"})  # fmt: skip
                pref["stated_at"] = max(pref["stated_at"], started)
            qid, k = f"{pref['preference_id']}.h{budget // 1000}k.mcq", 1
            while qid in taken:  # another question about the same preference and history
                k += 1
                qid = f"{pref['preference_id']}.h{budget // 1000}k.q{k}.mcq"
            taken.add(qid)
            queries.append({"query_id": qid, "preference_id": pref["preference_id"], "history_id": hid,
                            "kind": "mcq", "text": question, "gold_label": gold, "rubric": None})  # fmt: skip
            options += [{"query_id": qid, "label": "ABCDEFGH"[k], "text": t, "n_tokens": counts[k],
                         "role": "gold" if "ABCDEFGH"[k] == gold else "other_preference"}
                        for k, t in enumerate(texts)]  # fmt: skip
    return {"scenarios": list(scenarios.values()), "preferences": list(prefs.values()),
            "signals": list(signals.values()), "queries": queries, "options": options}  # fmt: skip
