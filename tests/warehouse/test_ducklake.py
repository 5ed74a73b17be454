"""Shared mode: the same flow into a DuckLake catalog (SQLite catalog + Parquet), readers alongside a
writer, snapshots with time travel. Offline: the extensions come from pip packages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse import connect
from warehouse.ducklake import adapt_ddl

pytestmark = pytest.mark.slow


def test_adapt_ddl_drops_unsupported_constraints():
    sql = (
        "CREATE TABLE t (a VARCHAR NOT NULL, kind VARCHAR CHECK (kind IN ('x', 'y')), b INT PRIMARY KEY,\n"
        "    PRIMARY KEY (a, b));"
    )
    out = adapt_ddl(sql)
    assert "PRIMARY KEY" not in out and "CHECK" not in out
    assert "kind VARCHAR," in out and "a VARCHAR NOT NULL" in out and out.rstrip().endswith(");")


def test_synth_into_ducklake_with_reader_and_time_travel(prefect_harness, tmp_path):
    from flows.synth import synth

    lake = f"ducklake:{tmp_path / 'lake'}"
    empty = connect(lake)  # migrations only: remember this snapshot
    before = empty.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('tacit')").fetchone()[0]
    empty.close()
    first = synth(preset="tiny", db=lake)
    assert first.state == "new" and first.counts["personas"] == 3
    assert "referential_integrity" not in first.failed_checks
    assert (tmp_path / "lake" / "catalog.sqlite").exists() and any((tmp_path / "lake" / "data").rglob("*.parquet"))
    again = synth(preset="tiny", db=lake)
    assert again.state == "complete" and again.rows_written == 0

    writer = connect(lake)  # a writer holds the lake open; another process still reads it
    try:
        code = (
            "import sys; sys.path.insert(0, '.'); from warehouse import connect; "
            f"c = connect({lake!r}, read_only=True); print(c.execute('SELECT count(*) FROM personas').fetchone()[0])"
        )
        reader = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert reader.returncode == 0, reader.stderr[-2000:]
        assert reader.stdout.strip() == "3"
        latest = writer.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('tacit')").fetchone()[0]
        assert latest > before
        assert writer.execute(f"SELECT count(*) FROM personas AT (VERSION => {before})").fetchone() == (0,)
        assert writer.execute(f"SELECT count(*) FROM personas AT (VERSION => {latest})").fetchone() == (3,)
        from warehouse.history import _by_view, assemble_history

        hid = writer.execute("SELECT min(history_id) FROM histories").fetchone()[0]
        chat = assemble_history(writer, hid, first.version_id)  # a lake has no row ids: the same path must work
        assert chat.sessions == _by_view(writer, first.version_id, hid) and len(chat.sessions) > 1
    finally:
        writer.close()
