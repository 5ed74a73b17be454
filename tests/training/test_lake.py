"""Training into a DuckLake warehouse (no keys there, so no ON CONFLICT): the split, the run, its
checkpoints and lineage are written once, and the run records the process that owns it."""

from __future__ import annotations

import os

import pytest

from warehouse import connect

pytestmark = pytest.mark.slow


def test_sft_on_a_lake_records_split_run_checkpoints_and_lineage(prefect_harness, tiny_model, tmp_path):
    from flows.synth import synth
    from flows.train import train_sft

    db = f"ducklake:{tmp_path / 'lake'}"
    vid = synth(preset="tiny", db=db).version_id
    run = train_sft(version=vid, base_model=str(tiny_model), out=str(tmp_path / "sft"), max_steps=1, db=db)
    assert run.global_step == 1
    with connect(db, read_only=True) as con:
        status, owner_pid = con.execute(
            "SELECT status, owner_pid FROM training_runs WHERE run_id = ?", [run.run_id]
        ).fetchone()
        splits = con.execute("SELECT count(*), count(DISTINCT persona_id) FROM splits").fetchone()
        personas = con.execute("SELECT count(*) FROM personas").fetchone()[0]
        finals = con.execute("SELECT count(*) FROM checkpoints WHERE run_id = ? AND final", [run.run_id]).fetchone()
        parents = {
            p for (p,) in con.execute("SELECT parent_id FROM lineage_edges WHERE child_id LIKE 'ckpt:%'").fetchall()
        }
    assert status == "completed" and owner_pid == os.getpid()
    assert splits == (personas, personas) and finals == (1,)
    assert {f"queries@{vid}", f"splits@{vid}"} <= parents
