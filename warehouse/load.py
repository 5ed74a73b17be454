"""Write rows into the warehouse, a unit at a time, exactly once.

A unit (one shard of personas, or the shared filler pool) is written in one transaction together with
its ``stage_progress`` marker: after a crash either all of a unit's rows are there and marked, or none
are, so a rerun skips marked units and redoes only the unfinished one. Rows go through polars and
Arrow into ``INSERT ... BY NAME``, so column order never matters.

On a DuckLake (no PRIMARY KEY enforcement) each unit checks, before COMMIT, that none of the keys it
wrote is held twice (``check_unique``): a duplicate rolls the unit back with an error naming the table,
its key columns and the key, instead of completing a corrupt version. A transaction that fails on a
catalog lock is retried whole (``warehouse.ducklake.retry_locked``); any other failure rolls back and
re-raises the original error, never the ROLLBACK's.
"""

from __future__ import annotations

import threading

import duckdb
import polars as pl

from warehouse.connection import WarehouseError, primary_keys
from warehouse.ducklake import retry_locked, rollback_quietly

_WRITE_LOCK = threading.Lock()


def unit_done(con: duckdb.DuckDBPyConnection, version_id: str, unit: str) -> bool:
    row = con.execute("SELECT 1 FROM stage_progress WHERE version_id = ? AND unit = ?", [version_id, unit]).fetchone()
    return row is not None


def done_units(con: duckdb.DuckDBPyConnection, version_id: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT unit FROM stage_progress WHERE version_id = ?", [version_id]).fetchall()}


Rows = list[dict] | pl.DataFrame
"""A table's rows: dicts keyed by column, or the polars frame ``as_frame`` makes of them (a Dask worker
builds it, so the one writer process only hands Arrow buffers to DuckDB)."""


def as_frame(rows: Rows) -> pl.DataFrame:
    """``rows`` as a polars frame, every row read to infer the column types (the same frame wherever it is
    built: a worker or the writer)."""
    return rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, infer_schema_length=None)


def _empty(rows: Rows) -> bool:
    return rows.height == 0 if isinstance(rows, pl.DataFrame) else not rows


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Rows, version_id: str | None = None) -> int:
    """Insert ``rows`` (dicts keyed by column, or their frame) into ``table``; adds ``version_id`` when given."""
    if _empty(rows):
        return 0
    frame = as_frame(rows)
    if version_id is not None:
        frame = frame.with_columns(pl.lit(version_id).alias("version_id"))
    con.register("_tacit_rows", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _tacit_rows")
    finally:
        con.unregister("_tacit_rows")
    return frame.height


def warm_writer() -> None:
    """Import what a process's first warehouse write imports on the way (DuckDB binding a parameter imports
    pandas where it is installed, about 0.3-0.5 s; registering an Arrow table imports ``pyarrow.dataset``),
    by one such write to an in-memory database: a caller can pay it while it waits for something else
    (``tacit synth``, for Prefect's server: ``flows.warm_start``)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE warm (a INTEGER)")
        insert_rows(con, "warm", [{"a": 1}])
        con.execute("SELECT a FROM warm WHERE a = ?", [1]).fetchone()
    finally:
        con.close()


class DuplicateKeyError(WarehouseError):
    """A write would leave one primary key on two rows (possible only where keys are not enforced)."""


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` writes to a DuckLake catalog (where PRIMARY KEYs are not enforced)."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row is not None and row[0] == "ducklake"


def check_unique(con: duckdb.DuckDBPyConnection, table: str, rows: Rows, version_id: str | None = None) -> None:
    """Raise ``DuplicateKeyError`` if a primary key of ``rows`` (just inserted into ``table``) is now held
    by more than one row of ``table``: duplicates within ``rows`` and with rows already there (earlier
    units of the version) alike. Run inside the writing transaction, so a failure writes nothing."""
    key = primary_keys().get(table)
    if not key or _empty(rows):
        return
    given = [c for c in key if c != "version_id" or version_id is None]
    if isinstance(rows, pl.DataFrame):
        frame = rows.select(given)
    else:
        frame = pl.DataFrame([{c: r.get(c) for c in given} for r in rows], infer_schema_length=None)
    if version_id is not None and "version_id" in key:
        frame = frame.with_columns(pl.lit(version_id).alias("version_id"))
    cols = _columns(key)
    con.register("_tacit_keys", frame.select(list(key)).unique().to_arrow())
    try:
        dupes = con.execute(
            f"SELECT {cols}, count(*) FROM {table} SEMI JOIN _tacit_keys USING ({cols}) "
            "GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 3"
        ).fetchall()
    finally:
        con.unregister("_tacit_keys")
    _raise_if_duplicates(table, key, dupes, "in this write, not committed")


def verify_version_unique(con: duckdb.DuckDBPyConnection, version_id: str) -> None:
    """Raise ``DuplicateKeyError`` if any table keyed by ``version_id`` holds one primary key of this
    version twice. A no-op on DuckDB (its constraints already hold); on a DuckLake it catches what
    per-unit checks cannot see, such as two processes writing the same unit at once."""
    if not is_lake(con):
        return
    for table, key in sorted(primary_keys().items()):
        if "version_id" not in key or table == "dataset_versions":
            continue
        dupes = con.execute(
            f"SELECT {_columns(key)}, count(*) FROM {table} WHERE version_id = ? "
            "GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 3",
            [version_id],
        ).fetchall()
        _raise_if_duplicates(table, key, dupes, f"in version {version_id}, which is therefore not complete")


def _columns(key: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in key)


def _raise_if_duplicates(table: str, key: tuple[str, ...], dupes: list[tuple], where: str) -> None:
    if dupes:
        shown = "; ".join(
            ", ".join(f"{c}={v}" for c, v in zip(key, d, strict=False)) + f" ({d[-1]} rows)" for d in dupes
        )
        raise DuplicateKeyError(f"{table}: duplicate primary key ({', '.join(key)}) {where}: {shown}")


def write_unit(
    con: duckdb.DuckDBPyConnection,
    version_id: str,
    unit: str,
    tables: dict[str, Rows],
    run_id: str | None = None,
    *,
    lock_wait_s: float | None = None,
) -> int:
    """Write every table's rows of one unit plus its marker, atomically. Returns rows written (0 if the
    unit was already complete). On a DuckLake the unit's keys are checked unique before COMMIT, and a
    catalog lock makes the whole transaction run again (for at most ``lock_wait_s``; default
    ``warehouse.ducklake.LOCK_WAIT_S``)."""
    with _WRITE_LOCK:  # one connection: a second one on a DuckLake SQLite catalog would lock it
        lake = is_lake(con)
        return retry_locked(lambda: _write_once(con, version_id, unit, tables, run_id, lake), wait_s=lock_wait_s)


def _write_once(
    con: duckdb.DuckDBPyConnection,
    version_id: str,
    unit: str,
    tables: dict[str, Rows],
    run_id: str | None,
    lake: bool,
) -> int:
    """One attempt of ``write_unit``: a single transaction, safe to repeat (a unit already marked is
    skipped). Any failure rolls back quietly and re-raises the original error."""
    con.execute("BEGIN TRANSACTION")
    try:
        if unit_done(con, version_id, unit):
            con.execute("ROLLBACK")
            return 0
        written = 0
        for table, rows in tables.items():
            written += insert_rows(con, table, rows, version_id)
            if lake:
                check_unique(con, table, rows, version_id)
        con.execute("INSERT INTO stage_progress VALUES (?, ?, ?, ?, now())", [version_id, unit, written, run_id])
        con.execute("COMMIT")
        return written
    except BaseException:
        rollback_quietly(con)  # a failed COMMIT has already ended the transaction: keep its error
        raise
