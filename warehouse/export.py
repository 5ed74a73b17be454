"""Export one dataset version's core tables as files, and read what a dataset card says about it.

    from warehouse.export import export_tables, version_facts
    export_tables(con, "v...", Path("out"), "parquet", note=print)   # out/personas.parquet, ...

Why: outside tools (pandas, polars, Spark, a data catalog) read Parquet or JSON lines, not a DuckDB file,
and a shared dataset needs one file per table that equals the warehouse row for row.

How: every table of ``CORE_TABLES`` goes through DuckDB's own ``COPY (SELECT ...) TO`` (no rows pass
through Python, and COPY works on a read-only connection), filtered to the version and ordered by the
table's primary key as the migrations declare it (``checks`` has none: it is ordered by check name and
subject), so two exports of one version are the same rows in the same order. Nothing here writes to the
warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.connection import primary_keys
from warehouse.versions import CORE_TABLES, table_counts

TABLE_FORMATS = {"parquet": ("parquet", "(FORMAT parquet)"), "jsonl": ("jsonl", "(FORMAT json)")}
"""Format -> (file extension, COPY options)."""
FALLBACK_ORDER = {"checks": ("check_name", "subject_id")}


@dataclass
class VersionFacts:
    """What a dataset card states about a version: config, lineage, row counts and its validity gates."""

    version_id: str
    config_json: str
    generator_version: str
    seed: int
    preset: str | None
    created_at: str
    complete: bool
    run_ids: list[str]
    counts: dict[str, int]
    gates: list[tuple[str, float | None, bool, str]] = field(default_factory=list)


def order_by(table: str) -> str:
    """The ORDER BY list of a table: its primary key, or a stable fallback."""
    cols = primary_keys().get(table) or FALLBACK_ORDER.get(table) or ("version_id",)
    return ", ".join(f'"{c}"' for c in cols)


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_tables(
    con: duckdb.DuckDBPyConnection,
    version_id: str,
    out: Path,
    fmt: str,
    note: Callable[[str], None] = lambda _m: None,
) -> dict[str, Path]:
    """Write every core table of the version to ``out/<table>.<ext>``; returns table -> file.

    ``note`` receives one line per file written (its name and row count)."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; choose one of {', '.join(TABLE_FORMATS)}")
    ext, options = TABLE_FORMATS[fmt]
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table in CORE_TABLES:
        path = out / f"{table}.{ext}"
        sql = f"SELECT * FROM {table} WHERE version_id = $v ORDER BY {order_by(table)}"
        n = con.execute(f"COPY ({sql}) TO {_quote_path(path)} {options}", {"v": version_id}).fetchone()
        note(f"wrote {path.name}: {(n[0] if n else 0):,} rows")
        written[table] = path
    return written


def version_facts(con: duckdb.DuckDBPyConnection, version_id: str) -> VersionFacts:
    """Read a version's config, lineage, counts and version-wide gates; ``KeyError`` for an unknown id."""
    row = con.execute(
        "SELECT config_json, generator_version, seed, preset, created_at, complete FROM dataset_versions "
        "WHERE version_id = ?",
        [version_id],
    ).fetchone()
    if row is None:
        raise KeyError(f"--version: no dataset version {version_id!r} in this warehouse (list them: tacit versions)")
    config_json, generator, seed, preset, created, complete = row
    runs = [
        r[0]
        for r in con.execute(
            "SELECT run_id FROM runs WHERE version_id = ? AND flow = 'synth' ORDER BY started_at, run_id", [version_id]
        ).fetchall()
    ]
    gates = con.execute(
        "SELECT check_name, value, passed, coalesce(detail, '') FROM checks WHERE version_id = ? AND subject_id = ? "
        "ORDER BY check_name",
        [version_id, f"version:{version_id}"],
    ).fetchall()
    config = json.dumps(json.loads(config_json), indent=2, sort_keys=True) if config_json else "{}"
    return VersionFacts(
        version_id=version_id,
        config_json=config,
        generator_version=generator,
        seed=seed,
        preset=preset,
        created_at=f"{created:%Y-%m-%d %H:%M:%S}" if created else "",
        complete=bool(complete),
        run_ids=runs,
        counts=table_counts(con, version_id),
        gates=[tuple(g) for g in gates],
    )
