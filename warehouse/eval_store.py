"""Evaluation runs in the warehouse: ``eval_runs``, ``eval_results``, ``eval_judgements``, ``eval_memories``.

A run's id is the hash of its settings, so running the same evaluation again resumes it: each shard of
histories is written with its ``eval_progress`` marker in one transaction, and finished shards are
skipped. Rows arrive as plain dicts (``evaluation.runner.ShardOutput.tables``). The run's config JSON
and message are redacted (``llm.redact``): an endpoint URL may carry credentials, an error may quote a key.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from llm.redact import redact
from warehouse.ducklake import retry_locked, transaction
from warehouse.lineage import add_lineage, artifact_id
from warehouse.liveness import owner, sweep_interrupted
from warehouse.load import _WRITE_LOCK, insert_rows


def start_eval_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    version_id: str,
    backend: str,
    model: str,
    methods: list[str],
    judges: list[str],
    config_json: str,
    n_queries: int,
) -> str:
    """Register the run (or find it), owned by this process, after marking runs whose process is gone
    ``interrupted`` (``warehouse.liveness``); returns 'new', 'resumed' or 'complete'."""
    sweep_interrupted(con)

    def start() -> str:
        row = con.execute("SELECT status FROM eval_runs WHERE run_id = ?", [run_id]).fetchone()
        if row is not None:
            if row[0] == "complete":
                return "complete"
            con.execute(
                "UPDATE eval_runs SET status = 'running', message = NULL, finished_at = NULL, owner_host = ?, "
                "owner_pid = ?, owner_start = ? WHERE run_id = ?",
                [*owner(), run_id],
            )
            return "resumed"
        con.execute(
            "INSERT INTO eval_runs (run_id, version_id, backend, model, methods, judges, config_json, status, "
            "n_queries, started_at, owner_host, owner_pid, owner_start) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, now(), ?, ?, ?)",
            [run_id, version_id, backend, model, methods, judges, redact(config_json), n_queries, *owner()],
        )
        return "new"

    return transaction(con, start)


def done_eval_units(con: duckdb.DuckDBPyConnection, run_id: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT unit FROM eval_progress WHERE run_id = ?", [run_id]).fetchall()}


def write_eval_unit(con: duckdb.DuckDBPyConnection, run_id: str, unit: str, tables: dict[str, list[dict]]) -> int:
    """Write one shard's rows and its marker atomically; 0 if the shard was already stored. One short
    transaction per shard: on a DuckLake the catalog is locked only while it commits, so readers query
    between shards; a lock error runs the shard's transaction again, any other failure rolls it back and
    surfaces itself (never the ROLLBACK's error)."""

    def write() -> int:
        if con.execute("SELECT 1 FROM eval_progress WHERE run_id = ? AND unit = ?", [run_id, unit]).fetchone():
            return 0
        rows = [dict(r, run_id=run_id) for r in tables.get("eval_results", [])]
        written = insert_rows(con, "eval_results", rows)
        for table in ("eval_judgements", "eval_memories"):
            insert_rows(con, table, [dict(r, run_id=run_id) for r in tables.get(table, [])])
        con.execute("INSERT INTO eval_progress VALUES (?, ?, ?, now())", [run_id, unit, written])
        return written

    with _WRITE_LOCK:
        return transaction(con, write)


def finish_eval_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, message: str = "") -> None:
    retry_locked(  # a run that failed on a lock must still be marked failed, not left 'running'
        lambda: con.execute(
            "UPDATE eval_runs SET status = ?, finished_at = now(), message = ? WHERE run_id = ?",
            [status, redact(message), run_id],
        )
    )


def eval_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> dict:
    """The run's row as a dict (the newest run when ``run_id`` is None); KeyError naming what is missing."""
    sql = "SELECT * FROM eval_runs " + ("WHERE run_id = ?" if run_id else "ORDER BY started_at DESC LIMIT 1")
    cur = con.execute(sql, [run_id] if run_id else [])
    row = cur.fetchone()
    if row is None:
        raise KeyError(f"no evaluation run {run_id!r} in this warehouse" if run_id else "no evaluation run yet")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def write_eval_lineage(con: duckdb.DuckDBPyConnection, run_id: str, version_id: str, backend: str, model: str) -> int:
    """Lineage rows: ``eval_results@RUN`` built from the version's queries and options, and the model."""
    me, model_id = f"eval_results@{run_id}", f"model:{backend}:{model}"
    now = datetime.now(UTC).replace(tzinfo=None)
    n = con.execute("SELECT count(*) FROM eval_results WHERE run_id = ?", [run_id]).fetchone()[0]
    artifacts = [
        dict(artifact_id=me, kind="eval", name="eval_results", uri=f"tacit://eval/{run_id}", version_id=version_id,
             run_id=run_id, content_hash=None, n_rows=n, created_at=now),
        dict(artifact_id=model_id, kind="model", name=model, uri=f"tacit://model/{backend}/{model}", version_id=None,
             run_id=run_id, content_hash=None, n_rows=None, created_at=now),
    ]  # fmt: skip
    parents = [artifact_id("queries", version_id), artifact_id("options", version_id), model_id]
    edges = [dict(child_id=me, parent_id=p, run_id=run_id, version_id=version_id) for p in parents]
    return add_lineage(con, artifacts, edges, replace=True)
