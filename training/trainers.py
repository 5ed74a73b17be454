"""Run one trainer (SFT, long-context GRPO, memory-agent GRPO) on a dataset version: plain Python.

    result = run_training("memory", con, version_id, "tiny", load_config("tiny-memory"), Path("runs/m1"))

The Prefect flows in ``flows/train.py`` wrap this (run and checkpoint rows, lineage, artifacts); the CLI
(``tacit train sft|grpo|memory``) calls the flows. Heavy imports (torch, transformers, TRL) happen here,
never at import time of anything synth needs.

- ``sft``: TRL ``SFTTrainer`` on conversational rows with ``assistant_only_loss=True`` (only the memory or
  the answer the assistant writes is trained; TRL swaps in a template with generation markers).
- ``grpo``: TRL ``GRPOTrainer`` on long-context prompts; rewards ``[mcq_reward, judge_reward]`` mixed by
  ``reward_weights`` (80/20 by default).
- ``memory``: ``MemoryGRPOTrainer`` (training/memory_agent.py), same rewards on the final answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from training.config import TrainConfig, TrainConfigError, trl_args
from training.data import build_dataset, save_data_settings
from training.rewards import judge_reward, mcq_reward

if TYPE_CHECKING:
    import duckdb

TINY = "tiny"
DEFAULT_TINY_DIR = Path("data/models/tiny")


@dataclass
class TrainResult:
    kind: str
    out_dir: Path
    final_dir: Path
    global_step: int
    n_examples: int
    log_history: list[dict] = field(default_factory=list)
    checkpoints: list[tuple[str, int]] = field(default_factory=list)  # (path, step), final last

    def metrics(self) -> dict:
        """Last logged value of every metric (loss, reward, ...) plus the step count."""
        merged: dict = {}
        for entry in self.log_history:
            merged.update({k: v for k, v in entry.items() if isinstance(v, int | float)})
        return merged | {"global_step": self.global_step, "n_examples": self.n_examples}


def resolve_base_model(con: duckdb.DuckDBPyConnection, version_id: str, base_model: str, tiny_dir: Path) -> str:
    """``tiny`` means the offline tiny model at ``tiny_dir``, built from the warehouse if it is not there."""
    if base_model != TINY:
        return base_model
    if not (tiny_dir / "config.json").exists():
        from training.tiny import TinyModelConfig, make_tiny_model

        make_tiny_model(con, version_id, tiny_dir, TinyModelConfig())
    return str(tiny_dir)


def _peft(cfg: TrainConfig):
    if not cfg.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(task_type="CAUSAL_LM", **cfg.lora)


def _checkpoints(out_dir: Path) -> list[tuple[str, int]]:
    found = [(str(p), int(p.name.split("-")[1])) for p in out_dir.glob("checkpoint-*") if p.name[11:].isdigit()]
    return sorted(found, key=lambda x: x[1])


def resume_problem(resume: str | bool | None, out: str | Path | None) -> str | None:
    """Why ``resume`` cannot resume, or None; checked before any work. ``last`` needs the run's ``out`` (a
    new run's default folder holds nothing yet) with a ``checkpoint-*`` in it; a directory must exist."""
    if resume in (None, False, ""):
        return None
    if resume in (True, "last"):
        if out is None:
            return "resume=last needs the first run's out folder (--out / out=): a new run's default folder is empty"
        if not _checkpoints(Path(out)):
            return (
                f"resume=last: no checkpoint-* under {out}; checkpoints are saved only where the config's "
                'trl.save_strategy saves them (the bundled tiny configs use "no"; set save_strategy: steps and '
                "save_steps)"
            )
        return None
    if not Path(str(resume)).is_dir():
        return f"resume={resume}: no such checkpoint directory"
    return None


def tiny_dir_for(db: str | Path) -> Path:
    """Where ``--base-model tiny`` lives: ``models/tiny`` beside the warehouse (``data/models/tiny``)."""
    from warehouse.ducklake import is_ducklake, lake_home

    return (lake_home(db) if is_ducklake(db) else Path(db).parent) / "models" / TINY


def prepare_training(
    kind: str, con: duckdb.DuckDBPyConnection, version_id: str, base_model: str, cfg: TrainConfig, tiny_dir: Path
):
    """Read everything training needs from the warehouse: (model path, tokenizer, HF dataset).

    Done before training starts, so the warehouse is not held open (DuckDB allows one writer) while a
    long run trains."""
    from transformers import AutoTokenizer

    model_path = resolve_base_model(con, version_id, base_model, tiny_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model_path, tokenizer, build_dataset(con, version_id, cfg.split, kind, cfg.data)


def make_trainer(kind: str, model_path: str, tokenizer, dataset, cfg: TrainConfig, out_dir: Path, max_steps=None,
                 reward_funcs: list | None = None, callbacks: list | None = None):  # fmt: skip
    """The TRL trainer for ``kind``; ``reward_funcs`` replaces ``[mcq_reward, judge_reward]`` (tests)."""
    if kind == "sft":
        from trl import SFTConfig, SFTTrainer

        args = trl_args(cfg, SFTConfig, out_dir, max_steps, assistant_only_loss=True)
        check_sft_lengths(dataset, tokenizer, args.max_length)
        return SFTTrainer(
            model=model_path,
            args=args,
            train_dataset=dataset.select_columns(["messages"]),
            processing_class=tokenizer,
            peft_config=_peft(cfg),
            callbacks=callbacks,
        )
    if kind not in ("grpo", "memory"):
        raise ValueError(f"unknown trainer {kind!r}; choose sft, grpo or memory")
    from trl import GRPOConfig, GRPOTrainer

    funcs = reward_funcs or [mcq_reward, judge_reward]
    weights = [cfg.reward.mcq_weight, cfg.reward.judge_weight] if reward_funcs is None else None
    args = trl_args(cfg, GRPOConfig, out_dir, max_steps, reward_weights=weights)
    common = dict(
        model=model_path,
        reward_funcs=funcs,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=_peft(cfg),
        callbacks=callbacks,
    )
    if kind == "grpo":
        return GRPOTrainer(**common)
    from training.memory_agent import MemoryGRPOTrainer

    return MemoryGRPOTrainer(memory_cap_tokens=cfg.data.memory_cap_tokens, **common)


def check_sft_lengths(dataset, tokenizer, max_length: int | None) -> None:
    """Refuse SFT rows longer than ``max_length`` tokens: TRL cuts a row's end, which is the assistant text
    being taught (the memory or the answer), so such a row trains on a demonstration it never finishes
    (``benchmarks/learning.py`` reproduced 5 of 7 memories at 1,024 tokens, 7 of 7 at 2,048)."""
    if max_length is None:
        return
    sizes = [len(tokenizer.apply_chat_template(m, tokenize=True, return_dict=True)["input_ids"])
             for m in dataset["messages"]]  # fmt: skip
    over = [n for n in sizes if n > max_length]
    if over:
        raise TrainConfigError(
            f"trl.max_length={max_length}: {len(over)} of {len(sizes)} SFT rows are longer (longest {max(over):,} "
            "tokens) and would lose the end of their assistant text; raise trl.max_length or lower "
            "data.chunk_tokens / data.memory_cap_tokens (chunks are counted with cl100k_base, the model's own "
            "tokenizer may need more)"
        )


def checkpoint_recorder(db: str, run_id: str):
    """A callback that records each checkpoint in the warehouse as soon as it is saved (main process), so a
    run killed later still lists what it saved; a busy warehouse is skipped (the end of the run records
    every checkpoint again)."""
    from transformers import TrainerCallback

    from warehouse import WarehouseBusyError, connect
    from warehouse.training import record_checkpoint

    class CheckpointRecorder(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            path = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if state.is_world_process_zero and path.exists():
                try:
                    with connect(db) as con:
                        record_checkpoint(con, run_id, str(path.resolve()), state.global_step)
                except WarehouseBusyError:
                    pass

    return CheckpointRecorder()


def fit(
    trainer, kind: str, tokenizer, n_examples: int, out_dir: Path, resume: str | bool | None = None, data=None
) -> TrainResult:
    """Train (resuming from a TRL checkpoint when asked: a directory, or ``last``/True for the newest under
    ``out_dir``), save ``out_dir/final``; returns what happened. ``data`` (the run's ``DataConfig``) is
    saved beside the run and its final checkpoint, so evaluation reads histories as training did."""
    if data is not None:
        save_data_settings(data, out_dir)
    trainer.train(resume_from_checkpoint=True if resume in (True, "last") else (resume or None))
    final = out_dir / "final"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    if data is not None:
        save_data_settings(data, final)
    step = trainer.state.global_step
    return TrainResult(
        kind=kind,
        out_dir=out_dir,
        final_dir=final,
        global_step=step,
        n_examples=n_examples,
        log_history=list(trainer.state.log_history),
        checkpoints=[*_checkpoints(out_dir), (str(final), step)],
    )


def run_training(
    kind: str,
    con: duckdb.DuckDBPyConnection,
    version_id: str,
    base_model: str,
    cfg: TrainConfig,
    out_dir: Path,
    max_steps: int | None = None,
    resume: str | bool | None = None,
    tiny_dir: Path = DEFAULT_TINY_DIR,
    reward_funcs: list | None = None,
) -> TrainResult:
    """prepare_training + make_trainer + fit, in one call."""
    model_path, tokenizer, dataset = prepare_training(kind, con, version_id, base_model, cfg, tiny_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    trainer = make_trainer(kind, model_path, tokenizer, dataset, cfg, out_dir, max_steps, reward_funcs)
    return fit(trainer, kind, tokenizer, len(dataset), out_dir, resume)
