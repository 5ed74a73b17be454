"""Every bundled training config loads, names its trainer, and uses only fields TRL's configs have."""

from __future__ import annotations

import dataclasses

import pytest

from training.config import CONFIG_DIR, TrainConfigError, load_config


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_configs_use_real_trl_fields(path):
    from trl import GRPOConfig, SFTConfig

    cfg = load_config(path)
    assert cfg.kind in ("sft", "grpo", "memory") and path.stem.endswith(cfg.kind)
    known = {f.name for f in dataclasses.fields(SFTConfig if cfg.kind == "sft" else GRPOConfig)}
    assert set(cfg.trl) <= known, set(cfg.trl) - known
    if cfg.kind != "sft":
        assert (cfg.reward.mcq_weight, cfg.reward.judge_weight) == (0.8, 0.2)


def test_gpu_configs_use_vllm_colocate():
    for name in ("qwen3-4b-h100-grpo", "qwen3-4b-h100-memory", "qwen3-4b-8gpu-grpo", "qwen3-4b-8gpu-memory"):
        trl = load_config(name).trl
        assert trl["use_vllm"] and trl["vllm_mode"] == "colocate"


def test_bad_configs_are_refused_by_name(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: sft\ndata: {chunk_tokens: -1}\n")
    with pytest.raises(TrainConfigError, match="chunk_tokens"):
        load_config(bad)
    with pytest.raises(TrainConfigError, match="tiny-sft"):
        load_config("no-such-config")
    with pytest.raises(TrainConfigError, match="tacit train grpo"):
        load_config("tiny-sft", kind="grpo")
