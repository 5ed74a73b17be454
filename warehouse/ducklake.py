"""Shared mode: the same tables in a DuckLake catalog (``--db ducklake:DIR``).

``DIR/catalog.sqlite`` holds the catalog (SQLite, so several processes can attach it at once: people
query while a flow writes) and ``DIR/data/`` the Parquet files. Every commit is a snapshot, so older
states stay queryable: ``SELECT count(*) FROM personas AT (VERSION => 3)``. The extensions come from
pip packages (``duckdb-extension-ducklake``, ``duckdb-extension-sqlite-scanner``): nothing is downloaded
at run time.

For shared use, put the catalog in Postgres and the data in object storage, e.g.
``ATTACH 'ducklake:postgres:dbname=tacit host=db' AS tacit (DATA_PATH 's3://bucket/tacit/')`` with the
``postgres`` and ``httpfs`` extensions; the DDL is the same.

DuckLake has no PRIMARY KEY or CHECK constraints: the migrations are applied with those clauses
removed. Uniqueness is checked instead: ``warehouse.load.write_unit`` writes each unit once under its
completion marker and, on a lake, verifies before COMMIT that no key it wrote is now held twice.

Paths become SQL string literals through ``sql_string`` (quotes doubled), never by pasting: a directory
named ``bob's lake`` works and a crafted ``--db`` value stays a path. The SQLite catalog takes one writer
at a time and briefly blocks on readers, so a catalog lock ("database is locked", a DuckLake transaction
conflict) is transient: ``retry_locked`` retries it with jittered exponential backoff, bounded in time.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

PREFIX = "ducklake:"
_PK_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_PK_INLINE = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)
_CHECK = re.compile(r"\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
_LOCK_MARKERS = ("database is locked", "database table is locked", "transaction conflict", "sqlite_busy")
LOCK_WAIT_S = 60.0
"""Longest a write keeps retrying a locked catalog before the lock error is raised."""
T = TypeVar("T")


def is_ducklake(target: str | Path) -> bool:
    return str(target).startswith(PREFIX)


def lake_dir(target: str | Path) -> Path:
    return Path(str(target)[len(PREFIX) :])


def adapt_ddl(sql: str) -> str:
    """Drop the constraints DuckLake does not support."""
    return _CHECK.sub("", _PK_INLINE.sub("", _PK_CLAUSE.sub("", sql)))


def _extension(package: str, name: str) -> Path:
    module = __import__(package)
    found = sorted(Path(module.__path__[0]).rglob(f"{name}.duckdb_extension"))
    if not found:
        raise FileNotFoundError(f"{package} does not contain {name}.duckdb_extension")
    return found[-1]


def sql_string(value: str | Path) -> str:
    """``value`` as a DuckDB string literal: quoted, inner single quotes doubled. For the statements that
    take no parameters (ATTACH, LOAD), so a path is always data, never SQL."""
    text = value.as_posix() if isinstance(value, Path) else str(value)
    if "\x00" in text:
        raise ValueError(f"{text!r}: a path cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"


def is_lock_error(exc: BaseException) -> bool:
    """A transient catalog lock or DuckLake commit conflict: worth retrying the whole transaction."""
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in _LOCK_MARKERS)


def retry_locked(fn: Callable[[], T], *, wait_s: float | None = None) -> T:
    """``fn()``, run again while it fails with a lock error, for at most ``wait_s`` seconds (default
    ``LOCK_WAIT_S``) with jittered exponential backoff; then the last lock error itself is raised. Any
    other error is raised at once. ``fn`` must be a whole transaction (safe to repeat)."""
    retrying = Retrying(
        retry=retry_if_exception(is_lock_error),
        stop=stop_after_delay(LOCK_WAIT_S if wait_s is None else wait_s),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        reraise=True,
    )
    return retrying(fn)


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """End a failed transaction without hiding why it failed: a ROLLBACK that finds no transaction (a
    failed COMMIT already ended it) or fails itself is ignored, so the caller re-raises the original."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _open(root: Path, catalog: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_ducklake', 'ducklake'))}")
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_sqlite_scanner', 'sqlite_scanner'))}")
        options = f"DATA_PATH {sql_string((root / 'data').as_posix() + '/')}" + (", READ_ONLY" if read_only else "")
        con.execute(f"ATTACH {sql_string('ducklake:sqlite:' + catalog.as_posix())} AS tacit ({options})")
        con.execute("USE tacit")
    except BaseException:
        con.close()
        raise
    return con


def attach(target: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the lake at ``target`` attached and selected. A catalog locked by
    another process (a writer committing, or creating a fresh lake) is waited for (``retry_locked``)."""
    root = lake_dir(target)
    catalog = root / "catalog.sqlite"
    if read_only and not catalog.exists():
        raise FileNotFoundError(f"{catalog}: no DuckLake catalog here")
    (root / "data").mkdir(parents=True, exist_ok=True)
    return retry_locked(lambda: _open(root, catalog, read_only))
