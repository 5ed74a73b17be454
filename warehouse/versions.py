"""Dataset versions: content-addressed ids, registration, completion, and the runs that made them.

``version_id = "v" + sha256(canonical config JSON, generator version, seed)[:16]``. The generator
version hashes the code and data that decide the rows (schemas, taxonomy, llm, flows/stages, prompts),
so any change to them yields a new version while an identical rerun finds its version complete and
writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import cache
from pathlib import Path

import duckdb

from schemas.config import SynthConfig

ROOT = Path(__file__).resolve().parent.parent
GENERATION_SOURCES = ("schemas", "taxonomy", "llm", "flows/stages", "prompts")
CORE_TABLES = (
    "personas",
    "scenarios",
    "preferences",
    "sessions",
    "turns",
    "signals",
    "histories",
    "history_items",
    "queries",
    "options",
    "checks",
    "rejected_queries",
)


@cache
def generator_version() -> str:
    """Hash of every file under GENERATION_SOURCES (sources and data, not caches)."""
    digest = hashlib.sha256()
    for folder in GENERATION_SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if (
                path.is_file()
                and path.suffix in {".py", ".yaml", ".jinja", ".json"}
                and "__pycache__" not in path.parts
            ):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return "gen-" + digest.hexdigest()[:12]


def config_hash(config: SynthConfig) -> str:
    return hashlib.sha256(config.canonical_json().encode()).hexdigest()[:16]


def version_id(config: SynthConfig) -> str:
    payload = json.dumps([config.canonical_json(), generator_version(), config.seed])
    return "v" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def register_version(con: duckdb.DuckDBPyConnection, config: SynthConfig) -> tuple[str, str]:
    """Ensure a ``dataset_versions`` row exists; returns (version_id, state) with state in
    {'new', 'resumed', 'complete'}."""
    vid = version_id(config)
    row = con.execute("SELECT complete FROM dataset_versions WHERE version_id = ?", [vid]).fetchone()
    if row is not None:
        return vid, "complete" if row[0] else "resumed"
    con.execute(
        "INSERT INTO dataset_versions (version_id, config_hash, seed, generator_version, preset, "
        "config_json, created_at, complete) VALUES (?, ?, ?, ?, ?, ?, now(), false)",
        [vid, config_hash(config), config.seed, generator_version(), config.preset, config.canonical_json()],
    )
    return vid, "new"


def mark_complete(con: duckdb.DuckDBPyConnection, vid: str) -> None:
    con.execute("UPDATE dataset_versions SET complete = true, completed_at = now() WHERE version_id = ?", [vid])


def start_run(
    con: duckdb.DuckDBPyConnection, flow: str, vid: str | None, config_json: str, run_id: str | None = None
) -> str:
    run_id = run_id or uuid.uuid4().hex
    con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])  # a retried Prefect flow run keeps its id
    con.execute(
        "INSERT INTO runs (run_id, flow, version_id, config_json, status, started_at) "
        "VALUES (?, ?, ?, ?, 'running', now())",
        [run_id, flow, vid, config_json],
    )
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, rows_written: int, message: str = "") -> None:
    con.execute(
        "UPDATE runs SET status = ?, finished_at = now(), rows_written = ?, message = ? WHERE run_id = ?",
        [status, rows_written, message, run_id],
    )


def table_counts(con: duckdb.DuckDBPyConnection, vid: str) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t} WHERE version_id = ?", [vid]).fetchone()[0] for t in CORE_TABLES}
