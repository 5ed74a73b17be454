"""benchmarks/gpu_smoke.py: the settings it trains with, and its refusals (the run itself needs a GPU)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_smoke.py"


@pytest.fixture(scope="module")
def smoke():
    spec = importlib.util.spec_from_file_location("gpu_smoke", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_memory_step_keeps_vllm_colocate_when_vllm_is_used(smoke):
    trl = smoke.settings("gpu-smoke-memory", "memory", use_vllm=True, cpu=False).trl
    assert trl["use_vllm"] and trl["vllm_mode"] == "colocate" and trl["vllm_enable_sleep_mode"]
    assert trl["bf16"] and trl["gradient_checkpointing"]


def test_memory_step_without_vllm_drops_every_vllm_setting(smoke):
    trl = smoke.settings("gpu-smoke-memory", "memory", use_vllm=False, cpu=False).trl
    assert trl["use_vllm"] is False
    assert not [k for k in trl if k.startswith("vllm_")]
    assert trl["num_generations"] == 4 and trl["beta"] == 0.001  # the rest is the config's


def test_cpu_check_turns_off_gpu_only_settings(smoke):
    cfg = smoke.settings("gpu-smoke-sft", "sft", use_vllm=False, cpu=True)
    assert cfg.trl["use_cpu"] and not cfg.trl["bf16"] and cfg.trl["optim"] == "adamw_torch"
    assert "gradient_checkpointing" not in cfg.trl
    assert cfg.data.chunk_tokens == 1500  # data settings untouched: the rows are the GPU run's


def test_train_refuses_an_unprepared_folder_by_name(smoke, tmp_path):
    with pytest.raises(SystemExit, match=f"{tmp_path}: not prepared"):
        smoke.main(["train", "--work", str(tmp_path), "--cpu"])


def test_train_without_a_gpu_says_so(smoke, tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    (tmp_path / "data" / "memory").mkdir(parents=True)
    with pytest.raises(SystemExit, match="no CUDA device"):
        smoke.main(["train", "--work", str(tmp_path)])
