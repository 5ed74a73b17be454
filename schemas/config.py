"""The typed configuration of one synth run, its presets, and the canonical form its version hashes.

``tacit synth --preset small`` starts from ``PRESETS["small"]``; ``--config FILE.yaml`` and
``--seed`` override fields. Every field changes the generated data, so every field is part of the
dataset version id (the warehouse path and the display are not config, they are arguments).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from schemas.base import Record

PresetName = Literal["tiny", "small", "full"]


EXECUTION_ONLY = ("preset", "shard_size")
"""Config fields that change how a run is executed or labelled, never a row: not part of the version id."""


def budget_label(budget: int) -> str:
    """The budget part of a history id: ``h32k`` for a whole number of thousands, else the exact ``h8500``.

    One-to-one by construction: a label ending in ``k`` comes only from a multiple of 1000 and names its
    thousands; any other label is the exact number, so two different budgets never share a label (and so
    never share a history id). The short form keeps the ids the documentation uses (``p00007.h32k``).
    """
    return f"h{budget // 1000}k" if budget % 1000 == 0 else f"h{budget}"


class SynthConfig(Record):
    """Everything that decides what ``synth`` generates."""

    preset: str = Field(description="name of the preset this config started from (informative)")
    seed: int = Field(0, ge=0, description="root seed; every other seed is derived from it and an id")
    backend: Literal["offline", "openai"] = Field("offline", description="generation backend (llm/)")
    model: str | None = Field(None, description="model name for the openai backend (part of the version)")
    n_personas: int = Field(gt=0, description="number of synthetic users")
    preferences_min: int = Field(gt=0, description="fewest active preferences per persona")
    preferences_max: int = Field(gt=0, description="most active preferences per persona")
    update_rate: float = Field(0.33, ge=0, le=1, description="share of preferences that replace an older one")
    chain_rate: float = Field(
        0.2, ge=0, le=1, description="share of updates that return to an earlier option (A->B->A)"
    )
    forget_rate: float = Field(
        0.1,
        ge=0,
        le=1,
        description="share of preferences stated once (never updated) that the user later asks to forget",
    )
    other_rate: float = Field(0.2, ge=0, le=1, description="share of preferences about someone the user knows")
    opposite_rate: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of the user's plain preferences (stated once, their own) where someone they know "
        "holds another option of the same scenario (attribution is the test)",
    )
    early_rate: float = Field(
        0.15,
        ge=0,
        le=1,
        description="share of plain preferences stated early, so their only cue is in a history's first fifth",
    )
    budgets: list[int] = Field(min_length=1, description="history token budgets, one history per budget")
    min_fill: float = Field(0.98, gt=0, le=1, description="a history holds at least this share of its budget")
    shard_size: int = Field(gt=0, description="personas per shard: one Prefect task per stage per shard")
    filler_pool_size: int = Field(gt=0, description="shared generic filler sessions, tokenized once")
    persona_filler_sessions: int = Field(
        ge=0,
        description="most own tasks per persona that reveal no preference (same task types and voice as its cue "
        "sessions); fewer when its largest history is full or its sentences run out",
    )
    timeline_start: date = Field(date(2025, 1, 6), description="first day a history may cover")
    timeline_days: int = Field(240, gt=30, description="days a history spans")
    tokenizer: Literal["cl100k_base"] = Field("cl100k_base", description="tiktoken encoding that counts tokens")
    judge_leakage: bool = Field(
        False, description="also ask the openai backend's leakage_judge call site whether a signal session leaks"
    )

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, budgets: list[int]) -> list[int]:
        """Positive, each with its own history id label: checked here, before any work, so two histories
        can never collide on one id in the warehouse."""
        if bad := [b for b in budgets if b <= 0]:
            raise ValueError(f"budgets must be positive token counts (got {bad})")
        seen: dict[str, int] = {}
        for b in budgets:
            label = budget_label(b)
            if label in seen:
                raise ValueError(f"budgets {seen[label]} and {b} would share the history id suffix {label!r}")
            seen[label] = b
        return budgets

    @model_validator(mode="after")
    def _ranges(self) -> SynthConfig:
        if self.preferences_min > self.preferences_max:
            raise ValueError("preferences_min must be <= preferences_max")
        if sorted(set(self.budgets)) != self.budgets:
            raise ValueError("budgets must be distinct and ascending")
        if self.judge_leakage and self.backend != "openai":
            raise ValueError("judge_leakage needs backend 'openai' (the offline backend keeps the lexical check)")
        return self

    def canonical_json(self) -> str:
        """Sorted-key JSON of every field (stored with the version, for lineage)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def version_json(self) -> str:
        """``canonical_json`` without ``EXECUTION_ONLY`` fields: the config part of the dataset version id."""
        return json.dumps(
            self.model_dump(mode="json", exclude=set(EXECUTION_ONLY)), sort_keys=True, separators=(",", ":")
        )

    @property
    def n_shards(self) -> int:
        return -(-self.n_personas // self.shard_size)

    def shard_persona_indices(self, shard: int) -> range:
        start = shard * self.shard_size
        return range(start, min(start + self.shard_size, self.n_personas))


_COMMON = dict(update_rate=0.33, chain_rate=0.2, forget_rate=0.1, other_rate=0.2)
PRESETS: dict[str, dict] = {
    "tiny": dict(
        n_personas=3,
        preferences_min=6,
        preferences_max=8,
        budgets=[8_000],
        shard_size=3,
        filler_pool_size=200,
        persona_filler_sessions=10,
        **_COMMON,
    ),
    "small": dict(
        n_personas=20,
        preferences_min=12,
        preferences_max=16,
        budgets=[32_000],
        shard_size=10,
        filler_pool_size=600,
        persona_filler_sessions=150,
        **_COMMON,
    ),
    "full": dict(
        n_personas=1_000,
        preferences_min=20,
        preferences_max=28,
        budgets=[32_000, 128_000],
        shard_size=50,
        filler_pool_size=2_500,
        persona_filler_sessions=800,  # a 128k history skips ~100 that would repeat a line; the banks give ~780
        **_COMMON,
    ),
}


class ConfigError(ValueError):
    """A config that cannot be used; the message names the field and the source."""


def synth_overrides(seed: int | None, backend: str | None, model: str | None, judge_leakage: bool) -> dict:
    """The command-line fields that were actually given: an unset one leaves the config file's value (a
    ``seed:`` in ``--config`` used to be overwritten by the option's default, silently)."""
    given = {"seed": seed, "backend": backend, "model": model, "judge_leakage": judge_leakage or None}
    return {k: v for k, v in given.items() if v is not None}


def load_preset(name: str, *, overrides: dict | None = None, config_file: Path | None = None) -> SynthConfig:
    """Build a config from a preset, then a YAML file, then explicit overrides (later wins)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    fields: dict = {"preset": name, **PRESETS[name]}
    source = f"preset {name!r}"
    if config_file is not None:
        try:
            loaded = yaml.safe_load(Path(config_file).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{config_file}: cannot read config: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{config_file}: expected a mapping of config fields")
        fields.update(loaded)
        source = str(config_file)
    fields.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return SynthConfig.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{source}: invalid config: {problems}") from exc
