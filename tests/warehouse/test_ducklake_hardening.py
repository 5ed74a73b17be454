"""DuckLake shared mode under hostile input and concurrency: keys it cannot enforce are checked,
paths are literals (never SQL), lock errors are waited out, and a failed write leaves the run marked
failed with the error that caused it. Real DuckLake (extensions from pip packages), no network."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import WarehouseError, connect
from warehouse.load import as_frame, insert_rows, write_unit
from warehouse.versions import mark_complete

ROOT = Path(__file__).resolve().parents[2]


def _persona(pid: str) -> dict:
    return dict(persona_id=pid, name="Ana", record="{}")


def _history(hid: str) -> dict:
    return dict(
        history_id=hid, persona_id="p00000", budget_tokens=8000, n_tokens=7900, tokenizer="cl100k_base", n_sessions=1
    )


@pytest.mark.parametrize("shape", ["dicts", "frames"])
def test_duplicate_keys_in_one_unit_are_refused_and_nothing_is_written(tmp_path, shape):
    """Rows come as dicts (one process) or as the polars frames a Dask worker builds (``as_frame``)."""
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        tables = {"personas": [_persona("p00000")], "histories": [_history("p00000.h8k"), _history("p00000.h8k")]}
        if shape == "frames":
            tables = {table: as_frame(rows) for table, rows in tables.items()}
        with pytest.raises(WarehouseError, match=r"histories.*history_id.*p00000\.h8k"):
            write_unit(con, "v1", "shard:0000", tables)
        assert con.execute("SELECT count(*) FROM histories").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM personas").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM stage_progress").fetchone() == (0,)
    finally:
        con.close()


def test_duplicate_keys_across_units_of_a_version_are_refused(tmp_path):
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        assert write_unit(con, "v1", "shard:0000", {"histories": [_history("p00000.h8k")]}) == 1
        with pytest.raises(WarehouseError, match="histories"):
            write_unit(con, "v1", "shard:0001", {"histories": [_history("p00000.h8k")]})
        assert write_unit(con, "v2", "shard:0000", {"histories": [_history("p00000.h8k")]}) == 1  # other version
        assert con.execute("SELECT count(*) FROM histories").fetchone() == (2,)
        assert con.execute("SELECT unit FROM stage_progress WHERE version_id = 'v1'").fetchall() == [("shard:0000",)]
    finally:
        con.close()


def test_a_version_with_duplicate_keys_is_never_marked_complete(tmp_path):
    """Rows that reached the lake around ``write_unit`` (two writers racing on one unit, say) are caught
    when the version would be marked complete."""
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    try:
        con.execute(
            "INSERT INTO dataset_versions (version_id, config_hash, seed, generator_version, config_json, "
            "created_at, complete) VALUES ('v1', 'c', 0, 'g', '{}', now(), false)"
        )
        insert_rows(con, "queries", [_query("p00000.r000.h8k.mcq")] * 2, "v1")
        with pytest.raises(WarehouseError, match=r"queries.*query_id.*p00000\.r000\.h8k\.mcq"):
            mark_complete(con, "v1")
        assert con.execute("SELECT complete FROM dataset_versions").fetchone() == (False,)
    finally:
        con.close()


def _query(qid: str) -> dict:
    return dict(query_id=qid, preference_id="p00000.r000", history_id="p00000.h8k", kind="mcq", text="Which?")


def test_lake_directory_with_an_apostrophe_works(tmp_path):
    lake = tmp_path / "bob's lake"
    con = connect(f"ducklake:{lake}")
    write_unit(con, "v1", "u", {"personas": [_persona("p00000")]})
    con.close()
    assert (lake / "catalog.sqlite").exists()
    reader = connect(f"ducklake:{lake}", read_only=True)
    assert reader.execute("SELECT persona_id FROM personas").fetchall() == [("p00000",)]
    reader.close()


@pytest.mark.parametrize(
    "template",
    [
        # closes the ATTACH with a valid lake of its own, then appends a statement that writes a file
        "{tmp}/c.sqlite' AS tacit (DATA_PATH '{tmp}/d/'); COPY (SELECT 1) TO '{pwned}'; --",
        "x'; COPY (SELECT 1) TO '{pwned}'; --",
    ],
)
def test_hostile_lake_value_runs_no_sql(tmp_path, monkeypatch, template):
    monkeypatch.chdir(tmp_path)
    pwned = tmp_path / "pwned.csv"
    hostile = "ducklake:" + template.format(tmp=tmp_path, pwned=pwned)
    for read_only in (False, True, False):  # create, read (as `tacit sql` would), reopen
        with contextlib.suppress(WarehouseError):  # a clear refusal is fine too; running the COPY is not
            connect(hostile, read_only=read_only).close()
        assert not pwned.exists(), "a --db value was executed as SQL"
    con = connect(hostile)  # it is a literal path: the lake lives there and works
    assert write_unit(con, "v1", "u", {"personas": [_persona("p00000")]}) == 1
    con.close()
    assert (Path(hostile.removeprefix("ducklake:")) / "catalog.sqlite").exists()


def test_lock_error_at_commit_is_retried_and_never_masked(tmp_path):
    """A COMMIT that fails with the SQLite catalog locked (the transaction is then gone): the unit is
    written again, not lost, and no 'cannot rollback' error hides what happened."""
    con = connect(f"ducklake:{tmp_path / 'lake'}")

    class LockedCommit:
        def __init__(self, inner, failures):
            self.inner, self.failures = inner, failures

        def execute(self, sql, *args):
            if sql.strip().upper() == "COMMIT" and self.failures:
                self.failures -= 1
                self.inner.execute("ROLLBACK")
                raise duckdb.TransactionException("Failed to commit DuckLake transaction: database is locked")
            return self.inner.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    try:
        flaky = LockedCommit(con, failures=2)
        assert write_unit(flaky, "v1", "shard:0000", {"personas": [_persona("p00000")]}) == 1
        assert con.execute("SELECT count(*) FROM personas").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM stage_progress").fetchone() == (1,)
        failing = LockedCommit(con, failures=10_000)  # never unlocks: the lock error itself comes out
        with pytest.raises(duckdb.Error, match="database is locked"):
            write_unit(failing, "v1", "shard:0001", {"personas": [_persona("p00001")]}, lock_wait_s=1.0)
        assert con.execute("SELECT count(*) FROM personas").fetchone() == (1,)
    finally:
        con.close()


def _spawn(code: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_writers_racing_on_a_fresh_lake_all_open_it(tmp_path):
    lake = f"ducklake:{tmp_path / 'lake'}"
    code = f"""
        from warehouse import connect
        connect({lake!r}).close()
        print("ok")
    """
    writers = [_spawn(code) for _ in range(3)]
    for w in writers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0 and out.strip().endswith("ok"), err[-2000:]
    con = connect(lake, read_only=True)
    counts = con.execute("SELECT name, count(*) FROM schema_migrations GROUP BY name").fetchall()
    con.close()
    assert counts and all(n == 1 for _, n in counts), counts


READER = """
    import time
    from warehouse import connect
    from pathlib import Path
    stop, end, ok, errors = Path({stop!r}), time.time() + 300, 0, []
    while not stop.exists() and time.time() < end:
        try:
            con = connect({lake!r}, read_only=True)
            con.execute("SELECT count(*) FROM personas").fetchone()
            con.execute("SELECT count(*) FROM turns").fetchone()
            con.close()
            ok += 1
        except Exception as exc:
            errors.append(f"{{type(exc).__name__}}: {{exc}}")
        time.sleep(0.05)
    print("RESULT", ok, len(errors))
    print("\\n".join(errors[:3]))
"""


@pytest.mark.slow
def test_flow_writes_while_readers_query(prefect_harness, tmp_path):
    """The README's promise: people query a lake while a flow writes it."""
    from flows.synth import synth

    lake = f"ducklake:{tmp_path / 'lake'}"
    connect(lake).close()
    stop = tmp_path / "stop"
    readers = [_spawn(READER.format(stop=str(stop), lake=lake)) for _ in range(2)]
    try:
        time.sleep(2)  # the readers are querying before the flow starts writing
        summary = synth(preset="tiny", db=lake)
    finally:
        stop.touch()
        outputs = [r.communicate(timeout=180) for r in readers]
    assert summary.state == "new" and summary.counts["personas"] == 3
    for reader, (out, err) in zip(readers, outputs, strict=True):
        assert reader.returncode == 0, err[-2000:]
        result = next((line.split() for line in out.splitlines() if line.startswith("RESULT")), None)
        assert result, out[-2000:] + err[-2000:]
        ok, n_errors = int(result[1]), int(result[2])
        assert ok > 0 and n_errors == 0, out
    con = connect(lake, read_only=True)
    assert con.execute("SELECT status FROM runs WHERE run_id = ?", [summary.run_id]).fetchone() == ("completed",)
    con.close()


@pytest.mark.slow
def test_failed_write_marks_the_run_failed_with_the_original_error(prefect_harness, tmp_path, monkeypatch):
    """A write that fails with its transaction already gone (as a failed COMMIT leaves it): the original
    error propagates and is the run's message; the run is not left 'running'."""
    import warehouse.load as load
    from flows.synth import synth

    real = load.insert_rows

    def failing(con, table, rows, version_id=None):
        if table == "histories":
            con.execute("ROLLBACK")
            raise RuntimeError("forced failure while writing histories")
        return real(con, table, rows, version_id)

    monkeypatch.setattr(load, "insert_rows", failing)
    lake = f"ducklake:{tmp_path / 'lake'}"
    with pytest.raises(RuntimeError, match="forced failure while writing histories"):
        synth(preset="tiny", db=lake)
    con = connect(lake, read_only=True)
    status, message = con.execute("SELECT status, message FROM runs").fetchone()
    assert con.execute("SELECT count(*) FROM histories").fetchone() == (0,)
    con.close()
    assert status == "failed"
    assert "forced failure while writing histories" in message
