"""``tacit train``: build the offline tiny model, and run the SFT, GRPO and memory-agent trainers in-process.

    tacit train tiny-model [--out data/models/tiny] [--db PATH] [--version V]
    tacit train sft    --version V --base-model tiny --config tiny-sft    --out runs/sft    [--max-steps N]
    tacit train grpo   --version V --base-model PATH --config FILE.yaml   --out runs/grpo   [--resume last]
    tacit train memory --version V --base-model runs/sft/final --config tiny-memory --out runs/memory

``--base-model tiny`` is the offline tiny model beside the warehouse (``data/models/tiny``; built on first
use); any other value is a local checkpoint directory or a hub id. ``--config`` is a YAML file or the name
of a bundled one in ``training/configs``. Each command runs its Prefect flow (``train_sft``, ``train_grpo``,
``train_memory``) with an ephemeral Prefect, records the run and its checkpoints in the warehouse and
prints a summary.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import DbOption, QuietOption, console, fail
from warehouse import DEFAULT_DB, WarehouseError

train_app = typer.Typer(no_args_is_help=True, help="Train models on a dataset version (needs the `train` extra).")

VersionOption = Annotated[str | None, typer.Option(help="dataset version (default: newest complete)")]
BaseOption = Annotated[str, typer.Option("--base-model", help="'tiny', a checkpoint directory or a hub id")]
OutOption = Annotated[Path | None, typer.Option(help="output directory (default runs/<kind>-<run id>)")]
StepsOption = Annotated[int | None, typer.Option(help="stop after N optimizer steps (overrides the config)")]
ResumeOption = Annotated[
    str | None, typer.Option(help="resume from a TRL checkpoint directory, or 'last' for the newest under --out")
]
ConfigOption = Annotated[
    str | None, typer.Option(help="YAML file, or a bundled name from training/configs (default tiny-<command>)")
]
VerboseOption = Annotated[bool, typer.Option(help="show Prefect's and the trainer's logs")]


def _run(kind: str, version, base_model, config, out, max_steps, resume, db, verbose, quiet=False) -> None:
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_SQLALCHEMY_LEVEL", "CRITICAL")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import torch  # noqa: F401
    except ImportError:
        fail("training needs the `train` extra: pip install -e '.[train]'")
    if not verbose:  # the live step line is the progress; library bars (weights, dataset maps) only clutter
        import datasets
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        datasets.disable_progress_bars()
    from flows import progress
    from flows import train as train_flows
    from flows.live_progress import RichSink, progress_bars
    from flows.local_prefect import LocalPrefectError, local_prefect
    from training.config import TrainConfigError, load_config
    from training.trainers import resume_problem

    try:
        load_config(config or f"tiny-{kind}", kind)  # refuse a bad config before Prefect starts
    except TrainConfigError as exc:
        fail(str(exc))
    if problem := base_model_problem(base_model):
        fail(problem)
    if problem := resume_problem(resume, out):
        fail(problem)

    flow = {"sft": train_flows.train_sft, "grpo": train_flows.train_grpo, "memory": train_flows.train_memory}[kind]
    console.print(f"[bold]tacit train {kind}[/] base_model={base_model} config={config} db={db}")
    try:
        bars = progress_bars(console, quiet=quiet)
        with local_prefect(note=console.print), bars, progress.reporting(RichSink(bars)):
            summary = flow(
                version=version,
                base_model=base_model,
                config=str(config or f"tiny-{kind}"),
                out=str(out) if out else None,
                max_steps=max_steps,
                resume=resume,
                db=str(db),
            )
    except (TrainConfigError, WarehouseError, KeyError, ValueError, LocalPrefectError) as exc:
        fail(str(exc))
    shown = {k: summary.metrics[k] for k in ("train_loss", "loss", "reward") if k in summary.metrics}
    console.print(
        f"{kind} run {summary.run_id}: {summary.global_step} steps on {summary.n_examples} examples "
        f"in {summary.seconds:.1f} s; " + ", ".join(f"{k}={v:.4g}" for k, v in shown.items())
    )
    console.print(f"final checkpoint: {summary.final_dir}   (dataset version {summary.version_id})")


def base_model_problem(base_model: str) -> str | None:
    """Why ``--base-model`` names no model, or None. A local directory must hold a model (``config.json``);
    a training run's folder gets pointed at its ``final`` checkpoint. Hub ids (``org/name``) that are not
    local directories pass: they are looked up when the model loads."""
    path = Path(base_model)
    if base_model == "tiny" or not path.exists():
        return None
    if not path.is_dir():
        return f"--base-model {base_model}: a file, not a model directory"
    if (path / "config.json").exists():
        return None
    inner = [p for p in (path / "final", *sorted(path.glob("checkpoint-*"))) if (p / "config.json").exists()]
    hint = f"; did you mean {inner[0]}?" if inner else ""
    return f"--base-model {base_model}: no model here (no config.json){hint}"


def _command(kind: str, doc: str):
    def command(
        version: VersionOption = None,
        base_model: BaseOption = "tiny",
        config: ConfigOption = None,
        out: OutOption = None,
        max_steps: StepsOption = None,
        resume: ResumeOption = None,
        db: DbOption = DEFAULT_DB,
        verbose: VerboseOption = False,
        quiet: QuietOption = False,
    ) -> None:
        _run(kind, version, base_model, config, out, max_steps, resume, db, verbose, quiet)

    command.__doc__ = doc
    train_app.command(name=kind)(command)


_command("sft", "Cold-start SFT: memory-writing and answering demonstrations (assistant-only loss).")
_command("grpo", "Long-context GRPO: the history as context, reward 80% MCQ letter + 20% judge.")
_command("memory", "Agentic-memory GRPO: memory turns over chunks, every turn trained with its trajectory's advantage.")


@train_app.command("tiny-model")
def tiny_model(
    out: Annotated[Path | None, typer.Option(help="directory (default: models/tiny beside the warehouse)")] = None,
    version: VersionOption = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Train a tokenizer on warehouse text and build a tiny random Qwen3 (no hub, no download)."""
    try:
        from training.tiny import TinyModelConfig, make_tiny_model
    except ImportError as exc:
        fail(f"training needs the `train` extra ({exc}): pip install -e '.[train]'")
    from training.trainers import tiny_dir_for
    from warehouse import connect
    from warehouse.history import resolve_version

    target = out or tiny_dir_for(db)
    try:
        with connect(db, read_only=True) as con:
            vid = resolve_version(con, version)
            make_tiny_model(con, vid, target, TinyModelConfig())
    except (WarehouseError, KeyError, ValueError) as exc:
        fail(str(exc))
    console.print(f"tiny model (tokenizer trained on version {vid}) saved to {target}")
