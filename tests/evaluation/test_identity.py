"""An evaluation run id changes exactly when its results could: settings, prompts, code, model, endpoints."""

from __future__ import annotations

import shutil

import pytest

import evaluation.identity as identity
import evaluation.render as render
from evaluation.records import EvalSettings

BASE = dict(version_id="v1", methods=["full_context", "rag"], backend="offline", model="lexical")


def _id(**kw) -> str:
    return EvalSettings(**(BASE | kw)).run_id


def test_method_and_judge_order_change_nothing():
    assert _id(methods=["rag", "full_context"]) == _id()
    assert _id(judges=["strict", "lexical"]) == _id(judges=["lexical", "strict"])


def test_model_endpoint_and_judge_endpoint_are_part_of_the_id():
    served = dict(backend="openai", model="m")
    assert _id(**served, base_url="http://a/v1") != _id(**served, base_url="http://b/v1")
    assert _id(backend="openai", model="m2") != _id(**served)
    assert _id(judge_base_url="http://judge-a/v1") != _id(judge_base_url="http://judge-b/v1")


def test_prompt_version_is_part_of_the_id(monkeypatch):
    before = _id()
    monkeypatch.setattr(render, "PROMPT_VERSION", "eval-prompts-test")
    assert _id() != before


def test_retrained_weights_in_the_same_folder_are_another_run(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "qwen3"}')
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)
    first = _id(backend="hf", model=str(tmp_path))
    assert _id(backend="hf", model=str(tmp_path)) == first  # same weights: resumes
    (tmp_path / "model.safetensors").write_bytes(b"\x01" * 64)  # retrained into runs/.../final
    assert _id(backend="hf", model=str(tmp_path)) != first


def test_every_evaluation_module_is_fingerprinted_and_an_edit_changes_the_id(tmp_path, monkeypatch):
    modules = {p.name for p in (identity.ROOT / "evaluation").glob("*.py")}
    assert modules <= {rel.rsplit("/", 1)[-1] for rel in identity.CODE_FILES if rel.startswith("evaluation/")}
    for rel in identity.CODE_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(identity.ROOT / rel, tmp_path / rel)
    monkeypatch.setattr(identity, "ROOT", tmp_path)
    identity.code_fingerprint.cache_clear()
    before = _id()
    with (tmp_path / "evaluation" / "judges.py").open("a") as fh:
        fh.write("\n# a change to the judging rule\n")
    identity.code_fingerprint.cache_clear()
    assert _id() != before
    identity.code_fingerprint.cache_clear()


@pytest.mark.parametrize("field", ["limit", "chunk_tokens", "memory_cap_tokens", "seed"])
def test_settings_change_the_id(field):
    assert _id(**{field: 7}) != _id()
