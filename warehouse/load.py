"""Write rows into the warehouse, a unit at a time, exactly once.

A unit (one shard of personas, or the shared filler pool) is written in one transaction together with
its ``stage_progress`` marker: after a crash either all of a unit's rows are there and marked, or none
are, so a rerun skips marked units and redoes only the unfinished one. Rows go through polars and
Arrow into ``INSERT ... BY NAME``, so column order never matters.
"""

from __future__ import annotations

import threading

import duckdb
import polars as pl

_WRITE_LOCK = threading.Lock()


def unit_done(con: duckdb.DuckDBPyConnection, version_id: str, unit: str) -> bool:
    row = con.execute("SELECT 1 FROM stage_progress WHERE version_id = ? AND unit = ?", [version_id, unit]).fetchone()
    return row is not None


def done_units(con: duckdb.DuckDBPyConnection, version_id: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT unit FROM stage_progress WHERE version_id = ?", [version_id]).fetchall()}


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], version_id: str | None = None) -> int:
    """Insert ``rows`` (dicts keyed by column) into ``table``; adds ``version_id`` when given."""
    if not rows:
        return 0
    frame = pl.DataFrame(rows, infer_schema_length=None)
    if version_id is not None:
        frame = frame.with_columns(pl.lit(version_id).alias("version_id"))
    con.register("_tacit_rows", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _tacit_rows")
    finally:
        con.unregister("_tacit_rows")
    return frame.height


def write_unit(
    con: duckdb.DuckDBPyConnection, version_id: str, unit: str, tables: dict[str, list[dict]], run_id: str | None = None
) -> int:
    """Write every table's rows of one unit plus its marker, atomically. Returns rows written (0 if the
    unit was already complete)."""
    with _WRITE_LOCK:
        cur = con  # one connection: a second one on a DuckLake SQLite catalog would lock it
        cur.execute("BEGIN TRANSACTION")
        try:
            if unit_done(cur, version_id, unit):
                cur.execute("ROLLBACK")
                return 0
            written = sum(insert_rows(cur, table, rows, version_id) for table, rows in tables.items())
            cur.execute("INSERT INTO stage_progress VALUES (?, ?, ?, ?, now())", [version_id, unit, written, run_id])
            cur.execute("COMMIT")
            return written
        except Exception:
            cur.execute("ROLLBACK")
            raise
