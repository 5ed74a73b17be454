"""Assemble a history from its session references with one query (the ``history_chat`` view).

Histories are stored as ordered session references with token offsets; a 128k history is never a blob.
``assemble_history`` returns the chat in order; ``tacit history <id>`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

ASSEMBLE = """
SELECT c.position, c.session_id, c.session_kind, c.started_at, c.token_offset, c.turn_index, c.role, c.content
FROM history_chat c WHERE c.version_id = $v AND c.history_id = $h
ORDER BY c.position, c.turn_index
"""


@dataclass
class ChatSession:
    session_id: str
    kind: str
    started_at: datetime
    token_offset: int
    turns: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Chat:
    version_id: str
    history_id: str
    n_tokens: int
    tokenizer: str
    sessions: list[ChatSession]


def resolve_version(con: duckdb.DuckDBPyConnection, version: str | None) -> str:
    if version:  # a mistyped id must not read as an empty version (a table of zeros marked ok)
        if con.execute("SELECT 1 FROM dataset_versions WHERE version_id = ?", [version]).fetchone() is None:
            raise KeyError(f"no dataset version {version!r} in this warehouse (list them: tacit versions)")
        return version
    row = con.execute("SELECT version_id FROM latest_version").fetchone()
    if row is None:
        raise KeyError("no complete dataset version in this warehouse; run `tacit synth` first")
    return row[0]


def assemble_history(con: duckdb.DuckDBPyConnection, history_id: str, version: str | None = None) -> Chat:
    vid = resolve_version(con, version)
    head = con.execute(
        "SELECT n_tokens, tokenizer FROM histories WHERE version_id = ? AND history_id = ?", [vid, history_id]
    ).fetchone()
    if head is None:
        raise KeyError(
            f'no history {history_id!r} in version {vid} (list them: tacit sql "SELECT history_id '
            f"FROM histories WHERE version_id = '{vid}'\")"
        )
    sessions: list[ChatSession] = []
    last = None
    for pos, sid, kind, started, offset, _turn, role, content in con.execute(
        ASSEMBLE, {"v": vid, "h": history_id}
    ).fetchall():
        if pos != last:
            sessions.append(ChatSession(sid, kind, started, offset))
            last = pos
        sessions[-1].turns.append((role, content))
    return Chat(vid, history_id, head[0], head[1], sessions)
