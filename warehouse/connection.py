"""Open the warehouse and bring its schema up to date.

Migrations are the numbered ``.sql`` files in ``warehouse/sql``; each is applied once, in order, in a
transaction, and recorded in ``schema_migrations``. DuckDB allows one read-write process per file:
a second writer gets ``WarehouseBusyError`` at once, with the file named, instead of waiting or
corrupting anything.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

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


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for path in migrations():
        if path.name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [path.name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {path.name} failed: {exc}") from exc
        applied.append(path.name)
    return applied


def connect(path: Path | str = DEFAULT_DB, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` with every migration applied."""
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
