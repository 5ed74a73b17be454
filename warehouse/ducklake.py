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
removed. Uniqueness still holds because rows are only written through ``warehouse.load.write_unit``,
which writes each unit once under its completion marker.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

PREFIX = "ducklake:"
_PK_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_PK_INLINE = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)
_CHECK = re.compile(r"\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)


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


def attach(target: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the lake at ``target`` attached and selected."""
    root = lake_dir(target)
    catalog = root / "catalog.sqlite"
    if read_only and not catalog.exists():
        raise FileNotFoundError(f"{catalog}: no DuckLake catalog here")
    (root / "data").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"LOAD '{_extension('duckdb_extension_ducklake', 'ducklake')}'")
    con.execute(f"LOAD '{_extension('duckdb_extension_sqlite_scanner', 'sqlite_scanner')}'")
    options = f"DATA_PATH '{(root / 'data').as_posix()}/'" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH 'ducklake:sqlite:{catalog.as_posix()}' AS tacit ({options})")
    con.execute("USE tacit")
    return con
