"""GPU smoke run: SFT, then memory-agent GRPO, of a random Qwen3 on one GPU, offline, in a few minutes.

    bash benchmarks/gpu_smoke.sh [WORK]                     # both steps below, on the GPU host
    python benchmarks/gpu_smoke.py prepare --work WORK      # any machine with the synth install
    python benchmarks/gpu_smoke.py train --work WORK [--vllm auto|on|off] [--layers 28] [--hidden 1024]
                                         [--json FILE] [--cpu]

What: ``prepare`` synthesises the ``small`` preset with the offline backend into ``WORK/tacit.duckdb``,
trains a 16k-token byte-level BPE tokenizer on its text (as ``tacit train tiny-model`` does, larger), and
saves the datasets that the ``gpu-smoke-sft`` and ``gpu-smoke-memory`` configs build from the train split
(``WORK/data/sft``, ``WORK/data/memory``). ``train`` builds a random Qwen3 of Qwen3-0.6B's depth and width
(28 layers, hidden 1,024, 16 heads, 8 KV heads, MLP 3,072) from that tokenizer, runs SFT from it and memory
GRPO from the SFT result, and prints for each: optimizer steps, wall seconds, steps/s, and the peak GPU
memory that torch allocated and reserved. With vLLM installed (``pip install -e '.[train,gpu]'``) memory GRPO
generates with vLLM colocated, as ``qwen3-4b-h100-memory`` does; without it (``--vllm auto`` finds none, or
``--vllm off``) transformers generates, and the output says which.

Why: the README's GPU figures should come from a run, not from arithmetic. A random model proves that the
trainers run on CUDA with the real configs' settings (bf16, sdpa, gradient checkpointing, fused AdamW, KL
against a reference model, memory rows from several turns), not that they learn (``benchmarks/learning.py``
is the learning check). Nothing is downloaded. ``train`` reads only ``WORK`` (no warehouse: neither DuckDB
nor polars is imported), so ``WORK`` can be prepared on another machine and copied to the GPU host.
``--cpu`` with a small ``--layers``/``--hidden`` runs the same path on a CPU, to check the script itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STEPS = (("sft", "gpu-smoke-sft"), ("memory", "gpu-smoke-memory"))
VOCAB = 16384


def prepare(work: Path, preset: str) -> None:
    """Synthesise, train the tokenizer and save both datasets under ``work`` (CPU; needs the synth install)."""
    from training.config import load_config
    from training.data import build_dataset
    from training.tiny import train_tokenizer, warehouse_texts
    from warehouse import connect
    from warehouse.history import resolve_version

    work.mkdir(parents=True, exist_ok=True)
    db = work / "tacit.duckdb"
    cmd = [sys.executable, "-m", "flows.cli", "synth", "--preset", preset, "--backend", "offline", "--db", str(db)]
    subprocess.run([*cmd, "-q"], check=True, stdout=subprocess.DEVNULL)
    with connect(db) as con:
        vid = resolve_version(con, None)
        tokenizer = train_tokenizer(warehouse_texts(con, vid), VOCAB)
        tokenizer.save_pretrained(work / "tokenizer")
        for kind, name in STEPS:
            cfg = load_config(name, kind)
            dataset = build_dataset(con, vid, cfg.split, kind, cfg.data)
            dataset.save_to_disk(str(work / "data" / kind))
            print(f"{kind}: {len(dataset)} rows from version {vid}")
    print(f"prepared {work} (tokenizer: {len(tokenizer)} tokens)")


def vllm_available() -> bool:
    """Installed, without importing it (vLLM's import initialises CUDA and takes seconds)."""
    return importlib.util.find_spec("vllm") is not None


def settings(name: str, kind: str, use_vllm: bool, cpu: bool):
    """The bundled config, with vLLM off when it is not used and CPU-safe settings under ``--cpu``."""
    from training.config import load_config

    cfg = load_config(name, kind)
    trl = dict(cfg.trl)
    if kind == "memory" and not use_vllm:
        trl = {k: v for k, v in trl.items() if not k.startswith("vllm_")} | {"use_vllm": False}
    if cpu:
        trl |= {"use_cpu": True, "bf16": False, "model_init_kwargs": {"dtype": "float32"}, "optim": "adamw_torch"}
        trl.pop("gradient_checkpointing", None)
    return cfg.model_copy(update={"trl": trl})


def build_model(work: Path, args) -> Path:
    """A random Qwen3 from the prepared tokenizer, saved in bf16 under ``work/model``."""
    import torch
    from transformers import AutoTokenizer

    from training.tiny import TinyModelConfig, build_tiny_model

    tokenizer = AutoTokenizer.from_pretrained(work / "tokenizer")
    shape = TinyModelConfig(hidden_size=args.hidden, intermediate_size=3 * args.hidden,
                            num_hidden_layers=args.layers, num_attention_heads=args.heads,
                            num_key_value_heads=args.heads // 2)  # fmt: skip
    model = build_tiny_model(tokenizer, shape)
    size = f"{model.num_parameters() / 1e6:.0f}M parameters"
    print(f"model: random Qwen3, {args.layers} layers, hidden {args.hidden}, {size}")
    out = work / "model"
    model.to(torch.float32 if args.cpu else torch.bfloat16).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def run_step(kind: str, cfg, model_path: Path, work: Path, runs: Path) -> dict:
    """One trainer from the saved dataset; returns its figures."""
    import torch
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    from training.trainers import fit, make_trainer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    dataset = load_from_disk(str(work / "data" / kind))
    cuda = torch.cuda.is_available() and not cfg.trl.get("use_cpu")
    trainer = make_trainer(kind, str(model_path), tokenizer, dataset, cfg, runs / kind)
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    result = fit(trainer, kind, tokenizer, len(dataset), runs / kind, data=cfg.data)
    if cuda:
        torch.cuda.synchronize()
    wall = time.perf_counter() - start
    logs = [e for e in result.log_history if "loss" in e]
    figures = {
        "step": kind,
        "steps": result.global_step,
        "wall_s": round(wall, 1),
        "steps_per_s": round(result.global_step / wall, 3),
        "rows": len(dataset),
        "peak_allocated_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / 2**30, 2) if cuda else None,
        "loss_first": logs[0]["loss"] if logs else None,
        "loss_last": logs[-1]["loss"] if logs else None,
    }
    rewards = [e["reward"] for e in result.log_history if "reward" in e]
    if rewards:
        figures["reward_first"], figures["reward_last"] = rewards[0], rewards[-1]
    print(json.dumps(figures))
    del trainer
    if cuda:
        torch.cuda.empty_cache()
    return figures | {"final": str(result.final_dir)}


def train(args) -> None:
    import torch

    work = args.work
    if not (work / "data" / "memory").exists():
        sys.exit(f"{work}: not prepared (run `python benchmarks/gpu_smoke.py prepare --work {work}` first)")
    if not args.cpu and not torch.cuda.is_available():
        sys.exit("no CUDA device: this is the GPU smoke run (--cpu with a small --layers/--hidden checks it on CPU)")
    use_vllm = {"on": True, "off": False, "auto": vllm_available() and not args.cpu}[args.vllm]
    device = "cpu" if args.cpu else torch.cuda.get_device_name(0)
    print(f"device: {device}; torch {torch.__version__}; memory GRPO generates with "
          f"{'vLLM (colocate)' if use_vllm else 'transformers (vLLM not used)'}")  # fmt: skip
    model_path = build_model(work, args)
    runs = work / "runs"
    results = []
    for kind, name in STEPS:
        cfg = settings(name, kind, use_vllm, args.cpu)
        figures = run_step(kind, cfg, model_path, work, runs)
        results.append(figures)
        model_path = Path(figures["final"])
    print("\n| step | steps | wall s | steps/s | peak allocated GiB | peak reserved GiB |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['step']} | {r['steps']} | {r['wall_s']} | {r['steps_per_s']} | "
              f"{r['peak_allocated_gib']} | {r['peak_reserved_gib']} |")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"device": device, "vllm": use_vllm, "results": results}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="synthesise and save the datasets and tokenizer (CPU)")
    prep.add_argument("--work", type=Path, required=True)
    prep.add_argument("--preset", default="small")
    tr = sub.add_parser("train", help="SFT then memory GRPO on the GPU, from a prepared WORK")
    tr.add_argument("--work", type=Path, required=True)
    tr.add_argument("--vllm", choices=["auto", "on", "off"], default="auto")
    tr.add_argument("--layers", type=int, default=28)
    tr.add_argument("--hidden", type=int, default=1024)
    tr.add_argument("--heads", type=int, default=16)
    tr.add_argument("--json", type=Path, default=None, help="also write the figures here")
    tr.add_argument("--cpu", action="store_true", help="run on CPU in float32 (to check the script)")
    args = p.parse_args(argv)
    if args.command == "prepare":
        prepare(args.work, args.preset)
    else:
        train(args)


if __name__ == "__main__":
    main()
