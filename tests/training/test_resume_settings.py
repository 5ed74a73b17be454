"""``--resume`` is refused before any work when it cannot resume, with a line saying why."""

from __future__ import annotations

from training.trainers import resume_problem


def test_last_needs_an_out_folder_holding_a_checkpoint(tmp_path):
    assert resume_problem(None, None) is None
    assert "out folder" in resume_problem("last", None)
    problem = resume_problem("last", tmp_path)
    assert "no checkpoint-*" in problem and str(tmp_path) in problem and "save_strategy" in problem
    (tmp_path / "final").mkdir()  # a final model is not a checkpoint TRL can resume from
    assert resume_problem("last", tmp_path) is not None
    (tmp_path / "checkpoint-3").mkdir()
    assert resume_problem("last", tmp_path) is None
    assert resume_problem(True, tmp_path) is None


def test_a_named_checkpoint_must_exist(tmp_path):
    assert "no such checkpoint directory" in resume_problem(str(tmp_path / "checkpoint-9"), tmp_path)
    (tmp_path / "checkpoint-9").mkdir()
    assert resume_problem(str(tmp_path / "checkpoint-9"), None) is None
