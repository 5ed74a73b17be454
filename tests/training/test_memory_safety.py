"""The memory trainer refuses, in one line naming the file and the field, every setting it would get
wrong (vLLM server mode, vLLM tensor parallelism, FSDP, DeepSpeed ZeRO-3), from its config or from the
environment `accelerate launch` sets; the bundled configs pass."""

from __future__ import annotations

import json

import pytest
import yaml

from training.config import CONFIG_DIR, TrainConfigError, load_config
from training.memory_safety import memory_refusal


@pytest.mark.parametrize(
    ("trl", "environ", "names"),
    [
        ({"use_vllm": True, "vllm_mode": "server"}, {}, "vllm_mode: server"),
        ({"use_vllm": True, "vllm_tensor_parallel_size": 2}, {}, "vllm_tensor_parallel_size: 2"),
        ({"fsdp": "full_shard auto_wrap"}, {}, "FSDP"),
        ({}, {"ACCELERATE_USE_FSDP": "true"}, "FSDP"),
        ({"deepspeed": {"zero_optimization": {"stage": 3}}}, {}, "ZeRO-3"),
        ({}, {"ACCELERATE_DEEPSPEED_ZERO_STAGE": "3"}, "ZeRO-3"),
    ],
)
def test_each_unsafe_setting_is_refused_in_one_line(trl, environ, names):
    why = memory_refusal(trl, environ)
    assert why and names in why and "\n" not in why


def test_safe_settings_pass():
    for trl in ({}, {"use_vllm": True}, {"use_vllm": True, "vllm_mode": "colocate"}, {"use_vllm": False,
                "vllm_mode": "server"}, {"deepspeed": {"zero_optimization": {"stage": 2}}}):  # fmt: skip
        assert memory_refusal(trl, {}) is None, trl
    assert memory_refusal({}, {"ACCELERATE_DEEPSPEED_ZERO_STAGE": "2"}) is None


def test_a_zero3_json_file_is_read(tmp_path):
    ds = tmp_path / "ds.json"
    ds.write_text(json.dumps({"zero_optimization": {"stage": 3}}))
    assert "ZeRO-3" in memory_refusal({"deepspeed": str(ds)}, {})


def test_load_config_refuses_a_memory_config_naming_the_file_but_not_a_grpo_one(tmp_path, monkeypatch):
    monkeypatch.delenv("ACCELERATE_USE_FSDP", raising=False)
    monkeypatch.delenv("ACCELERATE_DEEPSPEED_ZERO_STAGE", raising=False)
    raw = yaml.safe_load((CONFIG_DIR / "qwen3-4b-8gpu-memory.yaml").read_text())
    bad = tmp_path / "server.yaml"
    bad.write_text(yaml.safe_dump(raw | {"trl": raw["trl"] | {"vllm_mode": "server"}}))
    with pytest.raises(TrainConfigError, match=r"server\.yaml: trl\.vllm_mode: server is not supported"):
        load_config(bad, "memory")
    grpo = tmp_path / "grpo.yaml"
    grpo.write_text(yaml.safe_dump(raw | {"kind": "grpo", "trl": raw["trl"] | {"vllm_mode": "server"}}))
    assert load_config(grpo, "grpo").trl["vllm_mode"] == "server"  # plain GRPO samples each prompt itself
    for bundled in sorted(CONFIG_DIR.glob("*memory*.yaml")):
        assert load_config(bundled, "memory").kind == "memory"
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "true")  # what `accelerate launch` sets for an FSDP config
    with pytest.raises(TrainConfigError, match="FSDP is not supported"):
        load_config(CONFIG_DIR / "qwen3-4b-8gpu-memory.yaml", "memory")


def test_tacit_train_memory_stops_at_once_with_the_line(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    raw = yaml.safe_load((CONFIG_DIR / "tiny-memory.yaml").read_text())
    bad = tmp_path / "tp.yaml"
    bad.write_text(yaml.safe_dump(raw | {"trl": raw["trl"] | {"use_vllm": True, "vllm_tensor_parallel_size": 4}}))
    run = CliRunner().invoke(app, ["train", "memory", "--config", str(bad), "--db", str(tmp_path / "none.duckdb")])
    assert run.exit_code == 2 and "vllm_tensor_parallel_size: 4 is not supported" in run.output
    assert not (tmp_path / "none.duckdb").exists()  # refused before anything was opened
