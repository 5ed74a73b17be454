"""Peak memory of one memory-GRPO loss step on CPU: TRL's single forward against Tacit's sliced loss.

    python benchmarks/memory_loss_peak.py --db data/tacit.duckdb              # defaults below
    python benchmarks/memory_loss_peak.py --db data/tacit.duckdb --rows 48 --prompt 1024 --hidden 256 --layers 4

A micro-step of the memory trainer holds the answer rows and every memory-turn row of its trajectories
(``--rows``, e.g. 4 trajectories x 11 turns plus answers), padded to the widest prompt of the generation
batch. This builds a scaled-down Qwen3 (``--hidden``, ``--layers``; random weights, tokenizer trained on
the warehouse, no download), fills such a micro-step with random tokens (prompts of 25-100% of
``--prompt`` tokens, left-padded; completions of ``--completion``), and runs loss + backward once per mode,
each in a fresh process: ``whole`` (TRL's ``_compute_loss`` over all rows) and ``sliced``
(``training.bounded_loss``: slices of ``--batch`` rows, trimmed). It prints the growth of the process's
peak resident memory during the step and its time. CPU figures; on a GPU the same rows bound activations.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _one(args: argparse.Namespace) -> dict:
    import torch
    from trl import GRPOTrainer

    from training.config import TrainConfig
    from training.data import DataConfig
    from training.tiny import TinyModelConfig, make_tiny_model
    from training.trainers import make_trainer, prepare_training
    from warehouse import connect
    from warehouse.history import resolve_version

    with connect(args.db, read_only=True) as con:
        vid = resolve_version(con, None)
        shape = TinyModelConfig(
            vocab_size=4096, hidden_size=args.hidden, intermediate_size=2 * args.hidden,
            num_hidden_layers=args.layers, num_attention_heads=8, num_key_value_heads=4,
        )  # fmt: skip
        model_dir = make_tiny_model(con, vid, Path(args.work) / "model", shape)
        trl = dict(learning_rate=1e-3, per_device_train_batch_size=args.batch, num_generations=args.batch,
                   max_completion_length=args.completion, beta=0.0, use_cpu=True, report_to="none",
                   save_strategy="no", logging_steps=1)  # fmt: skip
        cfg = TrainConfig(data=DataConfig(chunk_tokens=200, max_chunks=2, max_queries=4, memory_cap_tokens=16), trl=trl)
        model_path, tok, ds = prepare_training("memory", con, vid, str(model_dir), cfg, model_dir)
    trainer = make_trainer("memory", model_path, tok, ds, cfg, Path(args.work) / "out", max_steps=1,
                           reward_funcs=[lambda completions, **kw: [0.0] * len(completions)])  # fmt: skip
    model = trainer.model
    model.train()
    trainer.current_gradient_accumulation_steps = 1
    gen = torch.Generator().manual_seed(0)
    rows, width, c_len = args.rows, args.prompt, args.completion
    used = torch.randint(width // 4, width + 1, (rows,), generator=gen)
    p_mask = (torch.arange(width) >= width - used[:, None]).long()
    c_mask = torch.ones(rows, c_len, dtype=torch.long)
    vocab = model.config.vocab_size
    inputs = {
        "prompt_ids": torch.randint(3, vocab, (rows, width), generator=gen) * p_mask,
        "prompt_mask": p_mask,
        "completion_ids": torch.randint(3, vocab, (rows, c_len), generator=gen),
        "completion_mask": c_mask,
        "advantages": torch.randn(rows, generator=gen),
        "num_items_in_batch": c_mask.sum(),
    }
    before = _peak_mb()
    start = time.perf_counter()
    if args.mode == "whole":
        loss = GRPOTrainer._compute_loss(trainer, model, inputs)
    else:
        loss = trainer.compute_loss(model, inputs, num_items_in_batch=inputs["num_items_in_batch"])
    loss.backward()
    return {"mode": args.mode, "peak_growth_mb": round(_peak_mb() - before, 1),
            "seconds": round(time.perf_counter() - start, 2), "loss": float(loss)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="a warehouse with a complete version (tokenizer and dataset)")
    ap.add_argument("--rows", type=int, default=32, help="rows in the micro-step (answers + memory turns)")
    ap.add_argument("--batch", type=int, default=4, help="per_device_train_batch_size: rows per slice")
    ap.add_argument("--prompt", type=int, default=512, help="padded prompt width (the widest memory prompt)")
    ap.add_argument("--completion", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--mode", choices=["whole", "sliced"], help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode:
        print(json.dumps(_one(args)))
        return
    print(f"micro-step: {args.rows} rows, prompt width {args.prompt}, completion {args.completion}; "
          f"model hidden {args.hidden} x {args.layers} layers; slices of {args.batch} rows")  # fmt: skip
    for mode in ("whole", "sliced"):
        with tempfile.TemporaryDirectory() as work:
            argv = [*sys.argv[1:], "--mode", mode, "--work", work]
            done = subprocess.run([sys.executable, __file__, *argv], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{mode} run failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{mode:>6}: peak grew {result['peak_growth_mb']:8.1f} MB in {result['seconds']:6.2f} s"
                  f"  (loss {result['loss']:.6f})")  # fmt: skip


if __name__ == "__main__":
    main()
