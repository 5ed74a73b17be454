"""Open the warehouse and bring its schema up to date.

Migrations are the numbered ``.sql`` files in ``warehouse/sql``; each is applied once, in order, in a
transaction, and recorded in ``schema_migrations``. DuckDB allows one read-write process per file:
a second writer gets ``WarehouseBusyError`` at once, with the file named, instead of waiting or
corrupting anything.

A file (or lake) that already holds tables but no record of Tacit's migrations is someone else's
database: ``connect`` refuses it with one error naming it, before writing anything, so it is left exactly
as it was. On a DuckLake several processes may open a fresh lake at once: each migration is retried on
a catalog lock or commit conflict and skipped when another process has applied it meanwhile.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from warehouse.ducklake import (
    adapt_ddl,
    attach,
    is_ducklake,
    is_lock_error,
    retry_locked,
    rollback_quietly,
    without_password,
)

DEFAULT_DB = Path("data/tacit.duckdb")
SQL_DIR = Path(__file__).resolve().parent / "sql"


class WarehouseError(RuntimeError):
    """A warehouse problem, with the file named."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse file for writing."""


def migrations() -> list[Path]:
    files = sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    numbers = [f.name[:3] for f in files]
    if len(numbers) != len(set(numbers)):
        raise WarehouseError(f"{SQL_DIR}: two migrations share a number: {numbers}")
    return files


def apply_migrations(con: duckdb.DuckDBPyConnection, *, lake: bool = False, where: str = "warehouse") -> list[str]:
    """Apply pending migrations; returns the names applied now. ``lake``: adapt DDL for DuckLake, where
    another process may be applying the same migrations (each is retried on a lock and skipped once
    recorded). ``where`` names the file or lake in errors."""
    ddl = "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)"
    retry_locked(lambda: con.execute(adapt_ddl(ddl) if lake else ddl))
    applied = []
    for path in migrations():
        sql = path.read_text()
        if retry_locked(lambda sql=sql, path=path: _apply_one(con, path.name, adapt_ddl(sql) if lake else sql, where)):
            applied.append(path.name)
    return applied


def _apply_one(con: duckdb.DuckDBPyConnection, name: str, sql: str, where: str) -> bool:
    """One migration in one transaction, unless already recorded; True when applied now. A lock error
    propagates (for ``retry_locked``); any other error becomes a ``WarehouseError`` naming the
    migration and ``where``. A failed ROLLBACK never replaces the original error."""
    con.execute("BEGIN TRANSACTION")
    try:
        if con.execute("SELECT 1 FROM schema_migrations WHERE name = ?", [name]).fetchone():
            con.execute("ROLLBACK")
            return False
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
        con.execute("COMMIT")
        return True
    except duckdb.Error as exc:
        rollback_quietly(con)
        if is_lock_error(exc):
            raise
        raise WarehouseError(f"{where}: migration {name} failed: {exc}") from exc
    except BaseException:
        rollback_quietly(con)
        raise


def refuse_foreign(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Raise ``WarehouseError`` when the open database has tables or views but no record of Tacit's first
    migration: it is someone else's database, and migrating it would add tables to it (and then fail on
    its own same-named tables). Reads only; an empty database is a new warehouse."""
    names = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() UNION "
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }
    others = sorted(names - {"schema_migrations"})
    if not others:
        return
    if "schema_migrations" in names:
        try:
            if con.execute("SELECT 1 FROM schema_migrations WHERE name = ?", [migrations()[0].name]).fetchone():
                return
        except duckdb.Error:
            pass  # a schema_migrations table of another shape: not ours
    shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    raise WarehouseError(
        f"{where}: not a Tacit warehouse (it has tables {shown} but no Tacit schema_migrations record); "
        "nothing was written to it: pass another --db"
    )


@cache
def primary_keys() -> dict[str, tuple[str, ...]]:
    """Each table's primary key columns as the migrations declare them, read from an in-memory DuckDB
    with every migration applied. DuckLake drops the constraints, so its writes check these instead."""
    con = duckdb.connect()
    try:
        apply_migrations(con, where="in-memory schema")
        rows = con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND database_name = current_database()"
        ).fetchall()
    finally:
        con.close()
    return {table: tuple(cols) for table, cols in rows}


def connect(path: Path | str = DEFAULT_DB, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` with every migration applied.

    ``path`` is a DuckDB file, or ``ducklake:DIR`` / ``ducklake:postgres:CONNINFO`` for the shared DuckLake
    form (``warehouse.ducklake``). Errors never quote a ``password=`` of the connection string.
    """
    if is_ducklake(path):
        where = without_password(str(path))
        try:
            con = attach(path, read_only=read_only)
        except (FileNotFoundError, ValueError, ImportError, duckdb.Error) as exc:
            message = f"{where}: cannot open DuckLake warehouse: {exc}"
            clean = without_password(message)  # libpq errors quote the whole connection string
            raise WarehouseError(clean) from (exc if clean == message else None)
        if not read_only:
            _prepare(con, where, lake=True)
        return con
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here (run `tacit synth` first or pass --db)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusyError(
                f"{path}: another process is writing this warehouse; wait for it to finish or use another --db ({exc})"
            ) from exc
        raise WarehouseError(f"{path}: cannot open warehouse: {exc}") from exc
    if not read_only:
        _prepare(con, str(path))
    return con


def _prepare(con: duckdb.DuckDBPyConnection, where: str, *, lake: bool = False) -> None:
    """Refuse a foreign database, then migrate; the connection is closed when either fails."""
    try:
        refuse_foreign(con, where)
        apply_migrations(con, lake=lake, where=where)
    except BaseException:
        con.close()
        raise
