"""Import data in PersonaMem-v2's released layout into the warehouse, as a version marked imported.

    tacit import personamem-v2 DIR [--db DB]

What: reads ``DIR/benchmark/text/{benchmark,train,val}.csv`` and the chat histories their rows link
(``data/chat_history_<size>/*.json``, the layout ``flows.export_personamem`` writes and
``/work/shared/reference/personamem-v2-facts.md`` describes) and writes one dataset version: personas,
preferences, sessions and turns, histories, signals, MCQ queries with options, and the persona split
(benchmark -> test, train, val). Why: ``tacit eval`` and ``tacit report quality`` then run on
PersonaMem-v2's own data unchanged, the reference evaluator its users asked for. How: the version id is
a hash of the files' bytes (the same folder imports to the same version; a complete one is not imported
twice); everything is written in one transaction, so an interrupted import leaves nothing behind.

Mapping (the README repeats it):
- Sessions: a Tacit export keeps its boundaries and dates in ``metadata.sessions``; a history without them
  is split where a user message follows an assistant one, and dated an hour apart from 2025-01-01. A
  leading system message (the persona JSON) is not a session: Tacit histories carry no persona text.
- Options: the correct answer and the incorrect ones, shuffled per query with a seed from the persona and
  the question, labelled A-D. Roles other than gold are unknown (stored as ``other_preference``).
- A preference is a distinct (persona, preference, who) of the rows; its signal is the session holding the
  first user message of ``related_conversation_snippet`` (none when the snippet is not in the history).
- Personas: ``expanded_persona`` (else the history's opening system message) when it is a JSON object
  (its name, age, ... where present), the id alone otherwise. Scenarios: one per ``topic_preference``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from flows.import_personamem_rows import ImportLayoutError, history_rows, persona_row, question_rows
from warehouse.load import insert_rows

FILES = {"benchmark": "test", "train": "train", "val": "val"}
REQUIRED = ("persona_id", "user_query", "correct_answer", "incorrect_answers", "preference")
SOURCE = "personamem-v2"
_LINK = re.compile(r"^chat_history_(\d+)k_link$")


@dataclass
class Layout:
    """What the folder holds: CSV rows (with their split) and the chat histories they link."""

    root: Path
    rows: list[tuple[str, int, dict]] = field(default_factory=list)  # (file name, line, row)
    histories: dict[str, dict] = field(default_factory=dict)  # link -> parsed JSON
    digest: str = ""


def read_layout(root: Path) -> Layout:
    """Parse and check every file the import will use; raises ``ImportLayoutError`` naming what is wrong."""
    text_dir = root / "benchmark" / "text"
    if not text_dir.is_dir():
        raise ImportLayoutError(f"{text_dir}: no such folder (expected PersonaMem-v2's benchmark/text/*.csv)")
    layout, digest = Layout(root), hashlib.sha256()
    for name in FILES:
        path = text_dir / f"{name}.csv"
        if not path.exists():
            continue
        digest.update(f"{name}.csv".encode() + path.read_bytes())
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportLayoutError(f"{path}: missing column(s) {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                layout.rows.append((name, line, row))
    if not layout.rows:
        raise ImportLayoutError(f"{text_dir}: no rows in benchmark.csv, train.csv or val.csv")
    for name, line, row in layout.rows:
        for link in links_of(row).values():
            if link in layout.histories:
                continue
            path = root / link
            if not path.is_file():
                raise ImportLayoutError(f"{name}.csv line {line}: chat history {link} not found under {root}")
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ImportLayoutError(f"{path}: not JSON ({exc})") from exc
            if not isinstance(body, dict) or not isinstance(body.get("chat_history"), list):
                raise ImportLayoutError(f"{path}: no 'chat_history' list")
            digest.update(link.encode() + path.read_bytes())
            layout.histories[link] = body
    layout.digest = digest.hexdigest()
    return layout


def links_of(row: dict) -> dict[int, str]:
    """budget in tokens -> linked history file, for every ``chat_history_<N>k_link`` column that is set."""
    return {int(m.group(1)) * 1000: v for k, v in row.items() if (m := _LINK.match(k or "")) and v}


def version_of(layout: Layout) -> str:
    return "i" + hashlib.sha256(f"{SOURCE}:{layout.digest}".encode()).hexdigest()[:16]


def import_personamem(con: duckdb.DuckDBPyConnection, root: Path, note=lambda _m: None) -> tuple[str, str, dict]:
    """Import ``root``; returns (version id, 'new' or 'complete', rows written per table)."""
    layout = read_layout(Path(root))
    vid = version_of(layout)
    row = con.execute("SELECT complete FROM dataset_versions WHERE version_id = ?", [vid]).fetchone()
    if row is not None and row[0]:
        return vid, "complete", {}
    tables = build_tables(layout)
    config = {"source": SOURCE, "path": str(Path(root).resolve()), "rows": len(layout.rows),
              "histories": len(layout.histories)}  # fmt: skip
    con.execute("BEGIN TRANSACTION")  # all or nothing: an interrupted import leaves no row to clean up
    try:
        for table, rows in tables.items():
            insert_rows(con, table, rows, vid)
            note(f"{table}: {len(rows):,} rows")
        con.execute(
            "INSERT INTO dataset_versions (version_id, config_hash, seed, generator_version, preset, config_json, "
            "created_at, complete, completed_at) VALUES (?, ?, 0, ?, 'imported', ?, now(), true, now())",
            [vid, layout.digest[:16], f"import:{SOURCE}", json.dumps(config, sort_keys=True)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return vid, "new", {t: len(r) for t, r in tables.items()}


def build_tables(layout: Layout) -> dict[str, list[dict]]:
    """Every table's rows (without version_id) from a parsed layout; pure, no warehouse needed."""
    start = datetime(2025, 1, 1, 9)
    personas: dict[str, dict] = {}
    histories: dict[str, dict] = {}  # history_id -> parsed rows (history_rows)
    splits: dict[str, str] = {}
    for name, _line, row in layout.rows:
        pid = row["persona_id"].strip()
        if pid not in personas:  # the row's expanded persona, else the history's opening system message
            opening = [layout.histories[link]["chat_history"][:1] for link in links_of(row).values()]
            system = next((m[0].get("content", "") for m in opening if m and m[0].get("role") == "system"), "")
            personas[pid] = persona_row(pid, row.get("expanded_persona") or system)
        splits.setdefault(pid, FILES[name])
        for budget, link in links_of(row).items():
            hid = f"{pid}.h{budget // 1000}k"
            if hid not in histories:
                histories[hid] = history_rows(hid, pid, budget, layout.histories[link], start)
    tables = question_rows(layout.rows, histories, links_of)
    sessions: dict[str, dict] = {}
    turns: dict[tuple, dict] = {}
    for h in histories.values():
        for s in h["sessions"]:
            sessions.setdefault(s["session_id"], s)
        for t in h["turns"]:
            turns.setdefault((t["session_id"], t["turn_index"]), t)
    for sig in tables["signals"]:  # a session holding a cue is a signal (or update) session
        sessions[sig["session_id"]]["kind"] = sig.pop("session_kind")
    now = datetime(2025, 1, 1)
    return {
        "personas": list(personas.values()),
        "scenarios": tables["scenarios"],
        "preferences": tables["preferences"],
        "sessions": list(sessions.values()),
        "turns": list(turns.values()),
        "signals": tables["signals"],
        "histories": [h["history"] for h in histories.values()],
        "history_items": [i for h in histories.values() for i in h["items"]],
        "queries": tables["queries"],
        "options": tables["options"],
        "splits": [{"persona_id": p, "split": s, "seed": 0, "created_at": now} for p, s in sorted(splits.items())],
    }
