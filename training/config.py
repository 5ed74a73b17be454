"""One typed config per training run, loaded from YAML (``training/configs/*.yaml``) and stored with the run.

    kind: memory                  # sft | grpo | memory
    split: train
    data: {chunk_tokens: 5000, memory_cap_tokens: 2000}
    reward: {mcq_weight: 0.8, judge_weight: 0.2}
    lora: {r: 16, lora_alpha: 32, target_modules: all-linear}   # optional: PEFT adapter instead of full
    trl: {learning_rate: 1.0e-6, num_generations: 8, use_vllm: true, vllm_mode: colocate, ...}

``trl`` holds fields of TRL's ``SFTConfig`` / ``GRPOConfig`` as they are named there (their help strings
document them); a field TRL does not know is refused with its name and the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from training.data import DataConfig

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class TrainConfigError(ValueError):
    """A training config that cannot be used, with the file and field named."""


class RewardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mcq_weight: float = Field(0.8, ge=0, description="weight of mcq_reward (ARCHITECTURE §6: 80%)")
    judge_weight: float = Field(0.2, ge=0, description="weight of judge_reward (ARCHITECTURE §6: 20%)")

    @model_validator(mode="after")
    def _not_both_zero(self) -> RewardConfig:
        if self.mcq_weight + self.judge_weight <= 0:
            raise ValueError("mcq_weight + judge_weight must be > 0")
        return self


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["sft", "grpo", "memory"] | None = Field(None, description="the trainer this file is for")
    split: Literal["train", "val", "test"] = Field("train", description="persona split to train on")
    data: DataConfig = Field(default_factory=DataConfig)
    reward: RewardConfig = Field(default_factory=RewardConfig)
    lora: dict[str, Any] | None = Field(None, description="peft.LoraConfig fields; None trains every weight")
    trl: dict[str, Any] = Field(default_factory=dict, description="SFTConfig / GRPOConfig fields")

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:16]


def resolve_config_path(name_or_path: str | Path) -> Path:
    """A path, or the name of a bundled config (``tiny-memory`` -> training/configs/tiny-memory.yaml)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = CONFIG_DIR / f"{path.stem}.yaml"
    if bundled.exists():
        return bundled
    names = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
    raise TrainConfigError(f"{name_or_path}: no such file or bundled config (bundled: {names})")


def load_config(name_or_path: str | Path, kind: str | None = None) -> TrainConfig:
    path = resolve_config_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        cfg = TrainConfig.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise TrainConfigError(f"{path}: {exc}") from exc
    if kind and cfg.kind and cfg.kind != kind:
        raise TrainConfigError(f"{path}: kind is {cfg.kind!r} but this is `tacit train {kind}`")
    if (kind or cfg.kind) == "memory":
        from training.memory_safety import check_memory_settings

        check_memory_settings(cfg.trl, str(path))  # settings it would get wrong, refused before loading
    return cfg


def trl_args(cfg: TrainConfig, cls, out_dir: Path, max_steps: int | None, **forced):
    """Build TRL's config dataclass; unknown fields are reported by name."""
    fields = {**cfg.trl, **{k: v for k, v in forced.items() if v is not None}, "output_dir": str(out_dir)}
    if max_steps is not None:
        fields["max_steps"] = max_steps
    fields.setdefault("report_to", "none")
    fields.setdefault("seed", 0)
    try:
        return cls(**fields)
    except TypeError as exc:
        raise TrainConfigError(f"trl: {exc} (fields of {cls.__name__})") from exc
