"""Dataset versions: content-addressed ids, registration, completion, and the runs that made them.

``version_id = "v" + sha256(the config's version JSON, generator version, seed)[:16]``. The version JSON
is the canonical config without its execution settings (``schemas.config.EXECUTION_ONLY``: the preset
label and ``shard_size``, which never change a row); the generator version hashes exactly the files of
``ROW_SOURCES``, the code and data that decide the rows. So a change to any of them yields a new
version, a change to anything else (the CLI, the reports, the evaluator, a stray file) keeps it, and an
identical rerun finds its version complete and writes nothing. ``OTHER_SOURCES`` lists every other
source file of the row-writing packages; a test fails when a file is in neither list, so adding a module
means deciding whether it shapes rows.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import cache
from pathlib import Path

import duckdb

from llm.redact import redact
from schemas.config import SynthConfig
from warehouse.ducklake import retry_locked
from warehouse.liveness import owner, sweep_interrupted
from warehouse.load import verify_version_unique

ROOT = Path(__file__).resolve().parent.parent
ROW_SOURCES = (
    "schemas/*.py",  # the records, their validation and the config
    "taxonomy/*.py",
    "taxonomy/*.yaml",
    "taxonomy/scenarios/*.yaml",  # every sentence, option and answer
    "prompts/*.jinja",  # what the openai backend is asked
    "prompts/*.py",
    "llm/base.py",
    "llm/callsites.py",
    "llm/offline.py",
    "llm/offline_signal.py",
    "llm/offline_tasks.py",
    "llm/offline_asks.py",  # what the user says around a task's text
    "llm/notes.py",  # notes in their writer's shorthand
    "llm/offline_products.py",
    "llm/offline_letters.py",
    "llm/offline_side.py",  # side questions beside a task
    "llm/reported.py",
    "llm/rewrite.py",
    "llm/world.py",
    "llm/naming.py",
    "llm/timing.py",  # which sentences fit a session's date
    "llm/timing_signs.py",  # the season signs it reads
    "llm/life.py",  # which sentences and people fit a persona's life
    "llm/life_words.py",  # the words of each kind of life detail
    "llm/life_labels.py",  # the life details readers gave sentences
    "llm/people.py",  # what a text may say of the person it is for or by
    "llm/voice.py",
    "llm/wording.py",
    "llm/seeding.py",
    "llm/tokens.py",  # token counts are columns
    "llm/leakage.py",  # rejects leaking sessions
    "llm/prompts.py",
    "llm/openai_backend.py",  # parses and repairs model output
    "llm/calls.py",  # which calls count as failed
    "llm/call_records.py",  # split from the backend: what is cached
    "llm/semantics.py",  # which answers are accepted
    "flows/stages/*.py",
    "flows/synth.py",  # sharding and the version-wide rows
    "flows/fanout.py",  # a shard's stages and its rows on a Dask worker
    "flows/gates.py",
    "warehouse/rows.py",
    "warehouse/checks.py",
    "warehouse/gate_inputs.py",
    "warehouse/sql/*.sql",  # the tables' columns
)
"""Globs (relative to the repository root) of every file that shapes a dataset version's rows."""
OTHER_SOURCES = (
    "llm/__init__.py",  # exports only
    "llm/batch.py",  # Batch API transport: the same requests, the same answers
    "llm/chat.py",  # free-text chat for evaluation
    "llm/client_settings.py",  # timeouts and attempts, not content
    "llm/forecast.py",  # dry-run cost forecast
    "llm/loopback.py",  # the test server
    "llm/loopback_batch.py",
    "llm/prices.yaml",
    "llm/pricing.py",
    "llm/ratelimit.py",  # pacing, not content
    "llm/redact.py",  # what is masked in messages
    "llm/request_channel.py",  # how the loopback server learns a request
    "llm/transport.py",  # retries, not content
    "flows/__init__.py",
    "flows/cli.py",
    "flows/cli_common.py",
    "flows/fanout_check.py",  # whether a --workers setting can run
    "flows/cli_eval.py",
    "flows/cli_export.py",
    "flows/cli_inspect.py",
    "flows/cli_train.py",
    "flows/cli_view.py",
    "flows/evaluate.py",
    "flows/export_card.py",  # exports read rows, never write them
    "flows/export_hf.py",
    "flows/export_personamem.py",
    "flows/import_personamem.py",
    "flows/import_personamem_rows.py",
    "flows/cli_import.py",
    "flows/forecast.py",
    "flows/lineage.py",
    "flows/local_prefect.py",  # where runs are recorded, not what they write
    "flows/live_progress.py",  # how progress is drawn
    "flows/progress.py",
    "flows/reports.py",
    "flows/serve.py",
    "flows/synth_summary.py",  # reads a summary, writes nothing
    "flows/train.py",
    "flows/view_detail.py",  # tacit view reads rows, never writes them
    "flows/view_pages.py",
    "flows/view_server.py",
    "flows/warm_start.py",  # fills caches and imports before a run: the same rows
    "warehouse/__init__.py",
    "warehouse/call_writer.py",  # when calls are written, not what
    "warehouse/connection.py",
    "warehouse/ducklake.py",
    "warehouse/eval_store.py",
    "warehouse/export.py",
    "warehouse/history.py",
    "warehouse/lineage.py",
    "warehouse/liveness.py",  # marks dead runs interrupted
    "warehouse/llm_cost.py",
    "warehouse/llm_store.py",
    "warehouse/load.py",  # writes rows as given
    "warehouse/training.py",
    "warehouse/versions.py",
    "schemas/json/*.json",  # exported from schemas/*.py
)
"""Source files of the same packages that never change a row (each with why, where it is not plain)."""


def row_source_files(root: Path = ROOT) -> list[Path]:
    """The files ``ROW_SOURCES`` names, sorted, caches excluded."""
    files = {p for pattern in ROW_SOURCES for p in root.glob(pattern) if p.is_file()}
    return sorted(p for p in files if "__pycache__" not in p.parts)


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
def generator_version(root: Path = ROOT) -> str:
    """Hash of the path and bytes of every file of ``ROW_SOURCES``."""
    digest = hashlib.sha256()
    for path in row_source_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return "gen-" + digest.hexdigest()[:12]


def config_hash(config: SynthConfig) -> str:
    return hashlib.sha256(config.canonical_json().encode()).hexdigest()[:16]


def version_id(config: SynthConfig) -> str:
    payload = json.dumps([config.version_json(), generator_version(), config.seed])
    return "v" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def register_version(con: duckdb.DuckDBPyConnection, config: SynthConfig) -> tuple[str, str]:
    """Ensure a ``dataset_versions`` row exists; returns (version_id, state) with state in
    {'new', 'resumed', 'complete'}."""
    vid = version_id(config)

    def register() -> tuple[str, str]:
        row = con.execute("SELECT complete FROM dataset_versions WHERE version_id = ?", [vid]).fetchone()
        if row is not None:
            return vid, "complete" if row[0] else "resumed"
        con.execute(
            "INSERT INTO dataset_versions (version_id, config_hash, seed, generator_version, preset, "
            "config_json, created_at, complete) VALUES (?, ?, ?, ?, ?, ?, now(), false)",
            [vid, config_hash(config), config.seed, generator_version(), config.preset, config.canonical_json()],
        )
        return vid, "new"

    return retry_locked(register)


def mark_complete(con: duckdb.DuckDBPyConnection, vid: str) -> None:
    """Mark ``vid`` complete, after checking on a DuckLake that no key of it is held twice (DuckLake does
    not enforce keys: a duplicate raises ``warehouse.load.DuplicateKeyError`` and the version stays
    incomplete)."""
    verify_version_unique(con, vid)
    retry_locked(
        lambda: con.execute(
            "UPDATE dataset_versions SET complete = true, completed_at = now() WHERE version_id = ?", [vid]
        )
    )


def start_run(
    con: duckdb.DuckDBPyConnection, flow: str, vid: str | None, config_json: str, run_id: str | None = None
) -> str:
    """Record a ``running`` run owned by this process (``warehouse.liveness``), after marking runs whose
    process is gone ``interrupted``; returns its id."""
    run_id = run_id or uuid.uuid4().hex
    sweep_interrupted(con)

    def start() -> None:
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])  # a retried Prefect flow run keeps its id
        con.execute(
            "INSERT INTO runs (run_id, flow, version_id, config_json, status, started_at, owner_host, owner_pid, "
            "owner_start) VALUES (?, ?, ?, ?, 'running', now(), ?, ?, ?)",
            [run_id, flow, vid, config_json, *owner()],
        )

    retry_locked(start)
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, rows_written: int, message: str = "") -> None:
    """Record how a run ended, its message redacted (``llm.redact``: an error may quote a key). Retried on a
    catalog lock: a run that failed on a lock must still be marked failed, not left 'running'."""
    retry_locked(
        lambda: con.execute(
            "UPDATE runs SET status = ?, finished_at = now(), rows_written = ?, message = ? WHERE run_id = ?",
            [status, rows_written, redact(message), run_id],
        )
    )


def table_counts(con: duckdb.DuckDBPyConnection, vid: str) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t} WHERE version_id = ?", [vid]).fetchone()[0] for t in CORE_TABLES}
