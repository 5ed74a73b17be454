"""Evaluation, LLM-call, lineage and training writes on DuckLake: no ON CONFLICT (DuckLake has no keys),
a failed transaction surfaces its own error (never the ROLLBACK's), and a catalog lock is waited out.
Real DuckLake (extensions from pip packages), no network."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from warehouse import connect
from warehouse.eval_store import write_eval_unit
from warehouse.lineage import add_lineage
from warehouse.llm_store import WarehouseCallStore
from warehouse.training import ensure_splits


class FailingCommit:
    """A connection whose COMMIT ends the transaction and then fails (as a failed DuckLake commit does),
    ``failures`` times, with ``error``; everything else goes to the real connection."""

    def __init__(self, inner, failures: int, error: Exception):
        self.inner, self.failures, self.error = inner, failures, error

    def execute(self, sql, *args):
        if sql.strip().upper() == "COMMIT" and self.failures:
            self.failures -= 1
            self.inner.execute("ROLLBACK")
            raise self.error
        return self.inner.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _result(qid: str) -> dict:
    return dict(
        query_id=qid, method="rag", history_id="h", kind="mcq", response="A", answer="A", gold="A", correct=True,
        score=1.0, input_tokens=10, output_tokens=1, parsed=True,
    )  # fmt: skip


@pytest.fixture
def lake(tmp_path):
    con = connect(f"ducklake:{tmp_path / 'lake'}")
    yield con
    con.close()


def test_eval_unit_whose_commit_fails_raises_that_error_and_writes_nothing(lake):
    failing = FailingCommit(lake, 1, RuntimeError("forced commit failure"))
    with pytest.raises(RuntimeError, match="forced commit failure"):
        write_eval_unit(failing, "r1", "shard:0000", {"eval_results": [_result("q1")]})
    assert lake.execute("SELECT count(*) FROM eval_results").fetchone() == (0,)
    assert lake.execute("SELECT count(*) FROM eval_progress").fetchone() == (0,)


def test_eval_unit_is_written_again_after_a_catalog_lock(lake):
    locked = FailingCommit(lake, 2, duckdb.TransactionException("Failed to commit: database is locked"))
    assert write_eval_unit(locked, "r1", "shard:0000", {"eval_results": [_result("q1")]}) == 1
    assert lake.execute("SELECT count(*) FROM eval_results").fetchone() == (1,)
    assert write_eval_unit(lake, "r1", "shard:0000", {"eval_results": [_result("q1")]}) == 0  # already stored


def test_batch_record_whose_commit_fails_raises_that_error(lake):
    store = WarehouseCallStore(FailingCommit(lake, 1, RuntimeError("forced commit failure")))
    batch = dict(batch_id="b1", run_id="r", call_site="persona", model="m", input_file_id="f", status="submitted")
    with pytest.raises(RuntimeError, match="forced commit failure"):
        store.add_batch(batch, [("k1", "persona", "p1")])
    assert lake.execute("SELECT count(*) FROM llm_batches").fetchone() == (0,)
    store = WarehouseCallStore(FailingCommit(lake, 1, duckdb.TransactionException("database is locked")))
    store.add_batch(batch, [("k1", "persona", "p1")])
    assert lake.execute("SELECT count(*) FROM llm_batch_requests").fetchone() == (1,)


def test_replacing_lineage_is_atomic(lake):
    art = dict(artifact_id="a", kind="eval", name="n", uri="u", version_id=None, run_id="r", content_hash=None,
               n_rows=1, created_at=None)  # fmt: skip
    edge = dict(child_id="a", parent_id="p", run_id="r", version_id=None)
    add_lineage(lake, [art | {"created_at": datetime(2026, 1, 1)}], [edge])
    failing = FailingCommit(lake, 1, RuntimeError("forced commit failure"))
    with pytest.raises(RuntimeError, match="forced commit failure"):
        add_lineage(failing, [art | {"created_at": datetime(2026, 2, 2), "n_rows": 2}], [], replace=True)
    assert lake.execute("SELECT n_rows FROM artifacts").fetchall() == [(1,)]
    assert lake.execute("SELECT count(*) FROM lineage_edges").fetchone() == (1,)


def test_splits_are_stored_once_on_a_lake(lake):
    lake.execute(
        "INSERT INTO personas (version_id, persona_id, name) SELECT 'v1', 'p' || lpad(i::VARCHAR, 5, '0'), 'x' "
        "FROM range(12) t(i)"
    )
    first = ensure_splits(lake, "v1")
    assert set(first.values()) <= {"train", "val", "test"} and len(first) == 12
    assert ensure_splits(lake, "v1") == first
    assert lake.execute("SELECT count(*) FROM splits").fetchone() == (12,)


@pytest.mark.slow
def test_offline_evaluation_on_a_lake_completes(prefect_harness, tmp_path):
    from flows.evaluate import evaluate
    from flows.synth import synth

    db = f"ducklake:{tmp_path / 'lake'}"
    synth(preset="tiny", db=db)
    summary = evaluate(methods=["no_context", "length_only", "rag"], db=db)
    assert summary["state"] == "new"
    con = connect(db, read_only=True)
    try:
        status, owner_pid, n_queries = con.execute("SELECT status, owner_pid, n_queries FROM eval_runs").fetchone()
        methods = {m for (m,) in con.execute("SELECT DISTINCT method FROM eval_results").fetchall()}
        n_results = con.execute("SELECT count(*) FROM eval_results").fetchone()[0]
        n_marked = con.execute("SELECT sum(n_results) FROM eval_progress").fetchone()[0]
    finally:
        con.close()
    assert status == "complete" and owner_pid is not None
    assert methods == {"no_context", "length_only", "rag"} and n_queries > 0 and n_results == n_marked > 0
    assert evaluate(methods=["no_context", "length_only", "rag"], db=db)["state"] == "complete"
