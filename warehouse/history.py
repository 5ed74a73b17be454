"""Assemble a history from its session references (the ``history_chat`` view holds the same rows).

Histories are stored as ordered session references with token offsets; a 128k history is never a blob.
``assemble_history`` returns the chat in order (two queries: the references, then their turns); ``tacit
history <id>`` prints it; ``python benchmarks/history_assembly.py --db FILE`` times it.
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
    sessions = _by_semi_join(con, vid, history_id)
    return Chat(vid, history_id, head[0], head[1], sessions)


def _by_view(con: duckdb.DuckDBPyConnection, vid: str, history_id: str) -> list[ChatSession]:
    sessions: list[ChatSession] = []
    last = None
    for pos, sid, kind, started, offset, _turn, role, content in con.execute(
        ASSEMBLE, {"v": vid, "h": history_id}
    ).fetchall():
        if pos != last:
            sessions.append(ChatSession(sid, kind, started, offset))
            last = pos
        sessions[-1].turns.append((role, content))
    return sessions


def _by_prefix(ids: list[str]) -> dict[str, list[str]]:
    """Session ids grouped by their prefix before the first dot (``p00042``, ``pool``): a persona's sessions
    are written together, so one prefix's rows sit in one or two row groups."""
    groups: dict[str, list[str]] = {}
    for sid in sorted(ids):
        groups.setdefault(sid.split(".", 1)[0], []).append(sid)
    return groups


def _by_semi_join(con: duckdb.DuckDBPyConnection, vid: str, history_id: str) -> list[ChatSession]:
    """The same chat in two queries: the history's items, then their turns and kinds with one semi-join per
    id prefix. DuckDB pushes the min and max of a join's build side into the scan, so each part reads only
    the row groups of its prefix; one join over all ids (a persona's and the shared pool's) spans every
    persona in between and reads the whole table. On ``full`` a 128k history takes about a third of the
    time of the row-id path it replaces (``benchmarks/history_assembly.py``); it needs no row ids, so
    DuckLake takes it too."""
    items = con.execute(
        "SELECT position, session_id, started_at, token_offset FROM history_items "
        "WHERE version_id = ? AND history_id = ? ORDER BY position",
        [vid, history_id],
    ).fetchall()
    groups = _by_prefix([sid for _, sid, _, _ in items])
    part = (
        "SELECT t.session_id, s.kind, t.turn_index, t.role, t.content FROM turns t "
        "JOIN sessions s ON s.version_id = t.version_id AND s.session_id = t.session_id "
        "WHERE t.version_id = $v AND t.session_id IN (SELECT unnest($ids{k}::VARCHAR[])) "
        "AND s.session_id IN (SELECT unnest($ids{k}::VARCHAR[]))"
    )
    sql = " UNION ALL ".join(part.format(k=k) for k in range(len(groups))) or "SELECT NULL WHERE false"
    params = {"v": vid, **{f"ids{k}": ids for k, ids in enumerate(groups.values())}}
    kinds: dict[str, str] = {}
    turns: dict[str, list[tuple[int, str, str]]] = {}
    for sid, kind, idx, role, content in con.execute(sql, params).fetchall():
        kinds[sid] = kind
        turns.setdefault(sid, []).append((idx, role, content))
    missing = [sid for _, sid, _, _ in items if sid not in kinds]
    if missing:  # a reference without turns: the chat would silently lose a session
        raise KeyError(f"history {history_id!r} of {vid} refers to sessions with no turns: {missing[:5]}")
    return [
        ChatSession(sid, kinds[sid], started, offset, [(r, c) for _, r, c in sorted(turns[sid])])
        for _, sid, started, offset in items
    ]
