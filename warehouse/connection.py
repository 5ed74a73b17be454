"""Open the warehouse and bring its schema up to date.

Migrations are the numbered ``.sql`` files in ``warehouse/sql``; each is applied once, in order, in a
transaction, and recorded in ``schema_migrations``. DuckDB allows one read-write process per file:
a second writer gets ``WarehouseBusyError`` at once, with the file named, instead of waiting or
corrupting anything.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.ducklake import adapt_ddl, attach, is_ducklake

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


def apply_migrations(con: duckdb.DuckDBPyConnection, *, lake: bool = False) -> list[str]:
    """Apply pending migrations; returns the names applied now. ``lake``: adapt DDL for DuckLake."""
    ddl = "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)"
    con.execute(adapt_ddl(ddl) if lake else ddl)
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for path in migrations():
        if path.name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            sql = path.read_text()
            con.execute(adapt_ddl(sql) if lake else sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [path.name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {path.name} failed: {exc}") from exc
        applied.append(path.name)
    return applied


def connect(path: Path | str = DEFAULT_DB, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` with every migration applied.

    ``path`` is a DuckDB file, or ``ducklake:DIR`` for the shared DuckLake form (``warehouse.ducklake``).
    """
    if is_ducklake(path):
        try:
            con = attach(path, read_only=read_only)
        except (FileNotFoundError, duckdb.Error) as exc:
            raise WarehouseError(f"{path}: cannot open DuckLake warehouse: {exc}") from exc
        if not read_only:
            apply_migrations(con, lake=True)
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
        apply_migrations(con)
    return con
