"""Training flows: ``train_sft``, ``train_grpo``, ``train_memory`` (deployments ``<flow>/default``, gpu pool).

    tacit train memory --version V --base-model tiny --config tiny-memory --out runs/m1   # in-process
    prefect deployment run train_memory/default --param version=V --param config=qwen3-4b-h100-memory

Inputs: a dataset version (default: the newest complete one), a base model (a path or hub id, or ``tiny``
for the offline model beside the warehouse), a config (a YAML path or a bundled name from
``training/configs``). Outputs: checkpoints under ``out`` (default ``runs/<kind>-<run>``), a
``training_runs`` row, one ``checkpoints`` row per saved checkpoint (the final model included), lineage
rows from each checkpoint to the version's data, the split and the config, the final checkpoint as a
Prefect asset (``file://...``, upstream: the version's tables and the config) and Prefect artifacts
(metrics table, summary with lineage). The warehouse is opened to read the data and to record results, not while
training (DuckDB has one writer), so synth can write in between.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.assets import Asset, AssetProperties, add_asset_metadata, materialize
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows import progress
from schemas.base import Record
from warehouse import DEFAULT_DB, connect
from warehouse.history import resolve_version
from warehouse.lineage import table_uri
from warehouse.training import config_hash, finish_training_run, record_result, start_training_run

METRIC_KEYS = ("loss", "reward", "reward_std", "rewards/mcq_reward/mean", "rewards/judge_reward/mean", "entropy")


class TrainingSummary(Record):
    """What a training flow did; the CLI prints it and tests assert on it."""

    run_id: str
    kind: str
    version_id: str
    base_model: str
    out_dir: str
    final_dir: str
    global_step: int
    n_examples: int
    seconds: float
    metrics: dict[str, float]


@task(cache_policy=NO_CACHE)
def prepare(kind: str, db: str, version: str | None, base_model: str, config: str, out: str | None, run_id: str):
    """Resolve version and config, record the run as running, and read the training data."""
    from training.config import load_config
    from training.trainers import prepare_training, tiny_dir_for

    cfg = load_config(config, kind)
    with connect(db) as con:
        vid = resolve_version(con, version)
        out_dir = Path(out or f"runs/{kind}-{run_id[:8]}")
        start_training_run(con, kind, vid, base_model, cfg.canonical_json(), str(out_dir), run_id)
        try:
            model_path, tokenizer, dataset = prepare_training(kind, con, vid, base_model, cfg, tiny_dir_for(db))
        except Exception as exc:
            finish_training_run(con, run_id, "failed", message=f"{type(exc).__name__}: {exc}")
            raise
    return vid, cfg, out_dir, model_path, tokenizer, dataset


@task(cache_policy=NO_CACHE)
def train(kind: str, model_path: str, tokenizer, dataset, cfg, out_dir: Path, max_steps, resume, db: str, run_id: str):
    """Build the TRL trainer and train; each saved checkpoint is recorded as it appears."""
    from training.trainers import checkpoint_recorder, fit, make_trainer

    out_dir.mkdir(parents=True, exist_ok=True)
    recorder = checkpoint_recorder(db, run_id)
    reporter = step_reporter(f"train {kind}")
    trainer = make_trainer(
        kind, model_path, tokenizer, dataset, cfg, out_dir, max_steps, callbacks=[recorder, reporter]
    )
    if progress.watched():  # the CLI's line replaces the trainer's own bar or printed log dicts
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        trainer.remove_callback(ProgressCallback)
        trainer.remove_callback(PrinterCallback)
    return fit(trainer, kind, tokenizer, len(dataset), out_dir, resume, data=cfg.data)


def step_reporter(stage: str):
    """A trainer callback that reports each optimizer step to ``flows.progress`` (done/total, and the last
    logged loss or reward as detail), so ``tacit train`` shows a live line and an ETA per step."""
    from transformers import TrainerCallback

    class StepReporter(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                progress.sink().start(stage, state.max_steps)
                progress.sink().advance(stage, state.global_step)  # a resumed run starts where it stopped

        def on_step_end(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                progress.sink().advance(stage)

        def on_log(self, args, state, control, logs=None, **kwargs):
            shown = {k: v for k, v in (logs or {}).items() if k in ("loss", "reward") and isinstance(v, int | float)}
            if state.is_world_process_zero and shown:
                progress.sink().detail(stage, "  ".join(f"{k} {v:.4g}" for k, v in shown.items()))

    return StepReporter()


@task(cache_policy=NO_CACHE)
def record(db: str, run_id: str, vid: str, base_model: str, cfg, result) -> int:
    """Checkpoint rows, the finished run row and lineage, in one connection."""
    with connect(db) as con:
        return record_result(
            con, run_id, vid, base_model, cfg.canonical_json(), result.checkpoints, str(result.final_dir),
            result.n_examples, result.metrics(),
        )  # fmt: skip


def publish(summary: TrainingSummary, log_history: list[dict], config_json: str) -> None:
    key = f"train-{summary.kind}-{summary.run_id[:12].lower()}"
    rows = [{"step": e.get("step")} | {k: e[k] for k in METRIC_KEYS if k in e} for e in log_history if "step" in e]
    if rows:
        create_table_artifact(rows, key=f"{key}-metrics", description=f"{summary.kind} metrics by step")
    create_markdown_artifact(
        "\n".join(
            [
                f"# {summary.kind} run `{summary.run_id}`",
                "",
                f"- dataset version `{summary.version_id}`, base model `{summary.base_model}`",
                f"- {summary.global_step} steps on {summary.n_examples} examples in {summary.seconds:.1f} s",
                f"- final checkpoint `{summary.final_dir}`",
                "",
                "Built from:",
                "",
                f"- queries, histories and splits of `{summary.version_id}`",
                "- the train config below",
                f"- base model `{summary.base_model}`",
                "",
                f"Config: `{config_json}`",
                "",
                "Ancestors: `tacit lineage ckpt:<run>:<step>`.",
            ]
        ),
        key=f"{key}-summary",
        description=f"{summary.kind} training run",
    )


def emit_checkpoint_asset(db: str, summary: TrainingSummary, config_hash: str) -> None:
    """The final checkpoint as a Prefect asset built from the version's tables, the split and the config."""
    path = Path(summary.final_dir).resolve().as_posix().lstrip("/")
    asset = Asset(key=f"file://{path}", properties=AssetProperties(name=f"{summary.kind} checkpoint"))
    upstream = [Asset(key=table_uri(db, t)) for t in ("queries", "histories", "splits")]
    upstream.append(Asset(key=f"tacit://train-config/{config_hash}"))

    @materialize(asset, asset_deps=upstream, name=f"materialize_{summary.kind}_checkpoint", cache_policy=NO_CACHE)
    def _materialized() -> None:
        add_asset_metadata(asset, {"run_id": summary.run_id, "version_id": summary.version_id,
                                   "step": summary.global_step, "base_model": summary.base_model})  # fmt: skip

    _materialized()


def run_flow(kind, version, base_model, config, out, max_steps, resume, db) -> TrainingSummary:
    started = time.perf_counter()
    from training.trainers import resume_problem

    if problem := resume_problem(resume, out):  # before anything is prepared or recorded
        raise ValueError(problem)
    run_id = flow_run.get_id() or f"local-{time.time_ns()}"
    vid, cfg, out_dir, model_path, tokenizer, dataset = prepare(kind, db, version, base_model, config, out, run_id)
    try:
        result = train(kind, model_path, quote(tokenizer), quote(dataset), cfg, out_dir, max_steps, resume, db, run_id)
    except BaseException as exc:
        with connect(db) as con:
            finish_training_run(con, run_id, "failed", message=f"{type(exc).__name__}: {exc}")
        raise
    record(db, run_id, vid, base_model, cfg, quote(result))
    metrics = {k: float(v) for k, v in result.metrics().items()}
    summary = TrainingSummary(
        run_id=run_id,
        kind=kind,
        version_id=vid,
        base_model=base_model,
        out_dir=str(out_dir),
        final_dir=str(result.final_dir),
        global_step=result.global_step,
        n_examples=result.n_examples,
        seconds=time.perf_counter() - started,
        metrics=metrics,
    )
    publish(summary, result.log_history, cfg.canonical_json())
    emit_checkpoint_asset(db, summary, config_hash(cfg.canonical_json()))
    get_run_logger().info(
        "%s run %s: %d steps, final checkpoint %s", kind, run_id, result.global_step, result.final_dir
    )
    return summary


@flow(name="train_sft")
def train_sft(
    version: str | None = None,
    base_model: str = "tiny",
    config: str = "tiny-sft",
    out: str | None = None,
    max_steps: int | None = None,
    resume: str | None = None,
    db: str = str(DEFAULT_DB),
) -> TrainingSummary:
    """Cold-start SFT on memory-writing and answering demonstrations (TRL SFTTrainer, assistant-only loss)."""
    return run_flow("sft", version, base_model, config, out, max_steps, resume, db)


@flow(name="train_grpo")
def train_grpo(
    version: str | None = None,
    base_model: str = "tiny",
    config: str = "tiny-grpo",
    out: str | None = None,
    max_steps: int | None = None,
    resume: str | None = None,
    db: str = str(DEFAULT_DB),
) -> TrainingSummary:
    """Long-context GRPO (TRL GRPOTrainer; 80% MCQ letter, 20% judge reward by default)."""
    return run_flow("grpo", version, base_model, config, out, max_steps, resume, db)


@flow(name="train_memory")
def train_memory(
    version: str | None = None,
    base_model: str = "tiny",
    config: str = "tiny-memory",
    out: str | None = None,
    max_steps: int | None = None,
    resume: str | None = None,
    db: str = str(DEFAULT_DB),
) -> TrainingSummary:
    """Agentic-memory GRPO: memory turns over history chunks, then an answer from memory alone."""
    return run_flow("memory", version, base_model, config, out, max_steps, resume, db)


TRAIN_FLOWS = (train_sft, train_grpo, train_memory)
