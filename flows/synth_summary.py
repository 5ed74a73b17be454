"""What a synth run did (``SynthSummary``), read from the warehouse without Prefect.

Why a module of its own: ``tacit synth`` on a version that is already complete answers from here before
importing or starting Prefect (``complete_summary``), so a no-op rerun costs a warehouse read, not the
seconds of a Prefect start; the synth flow builds the same summary at its end (``version_summary``).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
from pydantic import Field

from schemas.base import Record
from schemas.config import SynthConfig
from warehouse.versions import table_counts, version_id


class SynthSummary(Record):
    """What a synth run did; the CLI prints it and tests assert on it."""

    version_id: str
    state: str = Field(description="'new', 'resumed' or 'complete' (already there: nothing written)")
    db: str
    rows_written: int
    counts: dict[str, int]
    history_tokens: int
    seconds: float
    checks: dict[str, float] = Field(default_factory=dict, description="version-wide gate values")
    failed_checks: list[str] = Field(default_factory=list)
    run_id: str | None = Field(None, description="the run that wrote this (None when nothing ran)")
    failed_calls: int = Field(0, description="LLM calls that stayed invalid after a repair (raw_failed_calls)")
    skipped_units: list[str] = Field(default_factory=list, description="units not written for failed calls")


def version_summary(
    con: duckdb.DuckDBPyConnection, version_id: str, state: str, db: str, written: int, t0: float
) -> SynthSummary:
    """Counts, history tokens and version-wide gates of ``version_id``; seconds since ``t0``."""
    tokens = con.execute(
        "SELECT coalesce(sum(n_tokens), 0) FROM histories WHERE version_id = ?", [version_id]
    ).fetchone()[0]
    gates = con.execute(
        "SELECT check_name, value, passed FROM checks WHERE version_id = ? AND subject_id LIKE 'version:%'",
        [version_id],
    ).fetchall()
    return SynthSummary(
        version_id=version_id,
        state=state,
        db=str(db),
        rows_written=written,
        counts=table_counts(con, version_id),
        history_tokens=int(tokens),
        seconds=round(time.perf_counter() - t0, 2),
        checks={n: v for n, v, _ in gates},
        failed_checks=[n for n, _, ok in gates if not ok],
    )


def complete_summary(db: str, config: SynthConfig) -> SynthSummary | None:
    """The summary of ``config``'s version when ``db`` already holds it complete, else None (no file, no
    such version, an unfinished one, or a warehouse that cannot be read now: the flow then decides)."""
    from warehouse import WarehouseError, connect
    from warehouse.ducklake import is_ducklake

    t0 = time.perf_counter()
    if not is_ducklake(db) and not Path(db).exists():
        return None
    try:
        con = connect(db, read_only=True)
    except (WarehouseError, duckdb.Error):
        return None
    try:
        vid = version_id(config)
        row = con.execute("SELECT complete FROM dataset_versions WHERE version_id = ?", [vid]).fetchone()
        return version_summary(con, vid, "complete", db, 0, t0) if row and row[0] else None
    except duckdb.Error:
        return None
    finally:
        con.close()
