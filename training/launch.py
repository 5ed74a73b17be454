"""Multi-GPU training: the same trainers under ``accelerate launch``, one process per GPU.

    accelerate launch --config_file training/configs/accelerate/ddp-8gpu.yaml \
        -m training.launch memory --version V --base-model runs/sft/final --config qwen3-4b-8gpu-memory \
        --out runs/mem8 [--db data/tacit.duckdb] [--max-steps N] [--resume last]

The Prefect flows run one training process (one GPU, or CPU); a node with several GPUs needs one process
per GPU, which ``accelerate launch`` starts. Only the main process touches the warehouse: it records the
run, builds the dataset and saves it under ``OUT/dataset`` while the other ranks wait; every rank then
loads that copy and trains; the main process records checkpoints, metrics and lineage at the end, as the
flows do. Also runs as a single process (``python -m training.launch ...``), e.g. on CPU, and as several
CPU processes (gloo) under ``python -m torch.distributed.run --nproc_per_node 2 -m training.launch ...``
(``accelerate launch --cpu --num_processes 2`` starts one process in accelerate 1.15).
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

DEFAULT_DB = "data/tacit.duckdb"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m training.launch", description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["sft", "grpo", "memory"], help="which trainer")
    p.add_argument("--version", default=None, help="dataset version (default: newest complete)")
    p.add_argument("--base-model", default="tiny", help="'tiny', a checkpoint directory or a hub id")
    p.add_argument("--config", required=True, help="YAML file or bundled name from training/configs")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--db", default=DEFAULT_DB, help="warehouse file")
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps")
    p.add_argument("--resume", default=None, help="TRL checkpoint directory, or 'last'")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    import torch
    from accelerate import PartialState
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    from training.config import load_config
    from training.trainers import fit, make_trainer, prepare_training, tiny_dir_for
    from warehouse import connect
    from warehouse.history import resolve_version
    from warehouse.training import finish_training_run, start_training_run

    args = parse_args(argv)
    cfg = load_config(args.config, args.kind)
    # on a machine without a GPU, or with ``use_cpu``, the process group must be CPU's (gloo): a plain
    # PartialState() there sees no distributed setup, every rank calls itself the main one, and all of
    # them open the warehouse (the second fails on DuckDB's lock)
    state = PartialState(cpu=bool(cfg.trl.get("use_cpu")) or not torch.cuda.is_available())
    run_id = f"launch-{uuid.uuid4().hex}"
    data_dir = args.out / "dataset"
    with state.main_process_first():
        if state.is_main_process:
            with connect(args.db) as con:
                vid = resolve_version(con, args.version)
                start_training_run(con, args.kind, vid, args.base_model, cfg.canonical_json(), str(args.out), run_id)
                model_path, _, dataset = prepare_training(
                    args.kind, con, vid, args.base_model, cfg, tiny_dir_for(args.db)
                )
            args.out.mkdir(parents=True, exist_ok=True)
            dataset.save_to_disk(str(data_dir))
            (args.out / "launch.txt").write_text(f"{run_id}\n{vid}\n{model_path}\n")
    run_id, vid, model_path = (args.out / "launch.txt").read_text().split("\n")[:3]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dataset = load_from_disk(str(data_dir))
    trainer = make_trainer(args.kind, model_path, tokenizer, dataset, cfg, args.out, args.max_steps)
    try:
        result = fit(trainer, args.kind, tokenizer, len(dataset), args.out, args.resume, data=cfg.data)
    except BaseException as exc:
        if state.is_main_process:
            with connect(args.db) as con:
                finish_training_run(con, run_id, "failed", message=f"{type(exc).__name__}: {exc}")
        raise
    try:
        if state.is_main_process:
            _record(args, run_id, vid, cfg, result)
    finally:
        # every rank waits for the record, then leaves the process group before exiting: a rank that exits
        # with gloo's threads still running aborts ("terminate called without an active exception")
        state.wait_for_everyone()
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if state.num_processes > 1:
        # a rank of a finished run leaves here, before its trainer is freed: freeing DDP's reducer joins gloo's
        # worker thread while holding the GIL, and that thread needed the GIL to drop a pending allgather's
        # tensor, so one rank of a two-process CPU run deadlocked about one run in seven (py-spy: the main
        # thread in ~ProcessGroupGloo's join, the worker in gil_scoped_acquire). Everything is written by now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _record(args: argparse.Namespace, run_id: str, vid: str, cfg, result) -> None:
    """The main process's record of a finished run: checkpoints, metrics and lineage."""
    from warehouse import connect
    from warehouse.training import record_result

    with connect(args.db) as con:
        record_result(con, run_id, vid, args.base_model, cfg.canonical_json(), result.checkpoints,
                      str(result.final_dir), result.n_examples, result.metrics())  # fmt: skip
    print(f"{args.kind} run {run_id}: {result.global_step} steps; final checkpoint {result.final_dir}")


if __name__ == "__main__":
    main()
