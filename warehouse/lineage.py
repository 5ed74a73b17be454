"""Lineage in the warehouse: artifacts (a table of one dataset version, a config, a file) and the edges
to what each was built from. ``tacit lineage <table-or-artifact>`` walks the edges upwards.

The synth graph (ARCHITECTURE §5): config -> scenarios, personas -> preferences -> sessions/turns/signals
-> histories/history_items -> queries/options -> checks/rejected_queries.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.ducklake import is_ducklake, lake_uri, transaction
from warehouse.load import _WRITE_LOCK, insert_rows

SYNTH_LINEAGE: dict[str, list[str]] = {
    "scenarios": ["config"],
    "personas": ["config"],
    "preferences": ["personas", "scenarios"],
    "sessions": ["preferences", "personas"],
    "turns": ["sessions"],
    "signals": ["sessions", "preferences"],
    "histories": ["sessions", "turns"],
    "history_items": ["histories"],
    "queries": ["preferences", "histories"],
    "options": ["queries"],
    "checks": ["queries", "histories", "sessions"],
    "rejected_queries": ["queries"],
}
ANCESTORS = """
WITH RECURSIVE up(artifact_id, depth) AS (
    SELECT ?, 0
    UNION
    SELECT e.parent_id, up.depth + 1 FROM lineage_edges e JOIN up ON e.child_id = up.artifact_id WHERE up.depth < 20)
SELECT d.depth, a.artifact_id, a.kind, a.name, a.version_id, a.run_id, a.n_rows, a.content_hash, a.created_at
FROM (SELECT artifact_id, min(depth) AS depth FROM up GROUP BY artifact_id) d JOIN artifacts a USING (artifact_id)
ORDER BY d.depth, a.artifact_id
"""


def artifact_id(name: str, version_id: str) -> str:
    return f"{name}@{version_id}"


def table_uri(db: str | Path, table: str) -> str:
    """Asset key of a warehouse table: duckdb://<absolute file path>/<table> (ducklake://<dir>/<table>,
    ducklake+postgres://<host>:<port>/<dbname>/<table>: never a credential)."""
    if is_ducklake(db):
        return f"{lake_uri(db)}/{table}"
    return f"duckdb://{Path(db).resolve().as_posix().lstrip('/')}/{table}"


def config_uri(version_id: str) -> str:
    return f"tacit://config/{version_id}"


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str, version_id: str) -> tuple[int, str]:
    """(rows, order-independent content hash) of one table's rows of one version."""
    n, digest = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash(t::VARCHAR)), 0) FROM (SELECT * EXCLUDE (version_id) FROM {table} "
        "WHERE version_id = ?) t",
        [version_id],
    ).fetchone()
    return int(n), hashlib.sha256(str(digest).encode()).hexdigest()[:16]


def artifact_rows(
    con: duckdb.DuckDBPyConnection, db: str | Path, version_id: str, run_id: str, config_json: str
) -> dict[str, list[dict]]:
    """Rows for ``artifacts`` and ``lineage_edges`` describing one synth version."""
    now = datetime.now(UTC).replace(tzinfo=None)
    artifacts = [
        dict(
            artifact_id=artifact_id("config", version_id),
            kind="config",
            name="config",
            uri=config_uri(version_id),
            version_id=version_id,
            run_id=run_id,
            content_hash=hashlib.sha256(config_json.encode()).hexdigest()[:16],
            n_rows=1,
            created_at=now,
        )
    ]
    edges = []
    for table, parents in SYNTH_LINEAGE.items():
        n, digest = table_fingerprint(con, table, version_id)
        artifacts.append(
            dict(
                artifact_id=artifact_id(table, version_id),
                kind="table",
                name=table,
                uri=table_uri(db, table),
                version_id=version_id,
                run_id=run_id,
                content_hash=digest,
                n_rows=n,
                created_at=now,
            )
        )
        edges += [
            dict(
                child_id=artifact_id(table, version_id),
                parent_id=artifact_id(p, version_id),
                run_id=run_id,
                version_id=version_id,
            )
            for p in parents
        ]
    return {"artifacts": artifacts, "lineage_edges": edges}


def ancestors(con: duckdb.DuckDBPyConnection, name_or_id: str) -> list[tuple]:
    """The artifact and every ancestor, nearest first. A bare table name means its newest version."""
    target = name_or_id
    if "@" not in target:
        row = con.execute(
            "SELECT artifact_id FROM artifacts WHERE name = ? ORDER BY created_at DESC LIMIT 1", [target]
        ).fetchone()
        if row is None:
            raise KeyError(
                f"no artifact named {name_or_id!r} (try a table name such as 'queries', or 'queries@<version>')"
            )
        target = row[0]
    rows = con.execute(ANCESTORS, [target]).fetchall()
    if not rows:
        raise KeyError(f"no artifact {name_or_id!r}")
    return rows


def add_lineage(
    con: duckdb.DuckDBPyConnection, artifacts: list[dict], edges: list[dict], *, replace: bool = False
) -> int:
    """Insert artifact and edge rows outside a synth version (evaluation runs, training checkpoints).

    ``replace=False`` keeps rows whose ids are already there; ``replace=True`` rewrites those artifacts
    and the edges of their children. Plain deletes and inserts (no ON CONFLICT), so it works on DuckLake
    too; all in one transaction, run again on a catalog lock, so a failure leaves the old rows and
    surfaces its own error (never the ROLLBACK's).
    """
    with _WRITE_LOCK:
        return transaction(con, lambda: _write_lineage(con, artifacts, edges, replace))


def _write_lineage(con: duckdb.DuckDBPyConnection, artifacts: list[dict], edges: list[dict], replace: bool) -> int:
    """One attempt of ``add_lineage``, inside its transaction."""
    ids = [a["artifact_id"] for a in artifacts]
    children = sorted({e["child_id"] for e in edges})
    if replace:
        if ids:
            con.execute("DELETE FROM artifacts WHERE artifact_id IN (SELECT unnest($ids))", {"ids": ids})
        if children:
            con.execute("DELETE FROM lineage_edges WHERE child_id IN (SELECT unnest($ids))", {"ids": children})
    else:
        have = {
            r[0]
            for r in con.execute(
                "SELECT artifact_id FROM artifacts WHERE artifact_id IN (SELECT unnest($ids))", {"ids": ids or [""]}
            ).fetchall()
        }
        pairs = {
            (c, p)
            for c, p in con.execute(
                "SELECT child_id, parent_id FROM lineage_edges WHERE child_id IN (SELECT unnest($ids))",
                {"ids": children or [""]},
            ).fetchall()
        }
        artifacts = [a for a in artifacts if a["artifact_id"] not in have]
        edges = [e for e in edges if (e["child_id"], e["parent_id"]) not in pairs]
    return insert_rows(con, "artifacts", artifacts) + insert_rows(con, "lineage_edges", edges)
