"""Do the trainers learn? A wiring check on CPU, in minutes: the tiny offline model on a handful of items.

    python benchmarks/learning.py [--part sft|grpo|memory|all] [--preset small] [--items 8] [--steps 400]
                                  [--lr 3e-3] [--warm-steps 100] [--rl-steps 120] [--rl-lr 3e-4] [--seed 0]
                                  [--memory-reward gold|brevity|both]

What: builds the ``--preset`` version (``small``) and its tiny offline model in a temporary folder, takes ``--items``
answer demonstrations (final memory + MCQ -> ``\\boxed{X}``) and the memory-writing demonstrations of the
same histories from the train split, trains SFT on them alone for ``--steps`` steps, then answers each
prompt greedily and prints: the loss at the start and the end, the share of the handful whose gold answer
(and whose demonstrated memory, token for token) the model reproduces, and its accuracy on held-out answer
items. A control run trains the same way on the handful with its answer letters shuffled: it memorises
the shuffled letters too, and neither run does better than chance (0.25) on held-out items.

Why: it proves the wiring (chat template, assistant-only loss mask, labels, checkpoint) that a real run
relies on, not the science: a 2-layer model of hidden size 64 learns nothing that generalises here, and
the control shows that reproducing the handful is memorisation.

``--part grpo`` and ``--part memory`` (``benchmarks/learning_rl.py``): after a format warm-up, GRPO and
memory GRPO on the gold-letter reward, and the same runs with the reward's sign flipped; learning shows
as a rising reward with the gold sign and a falling one flipped. ``--memory-reward`` adds (default
``both``) or picks memory GRPO's ``brevity`` reward, which only the memory-turn rows can move and whose
flipped run cannot fall by collapsing. Figures per seed are in the README ("Does SFT learn?").
``--seed`` changes the trainers' seed (sampling and shuffling), not the items, so repeated runs show how
much of a curve is luck.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from learning_rl import history_of  # beside this script


def _generate(model, tok, messages: list[dict], max_new_tokens: int) -> str:
    import torch

    ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True).strip()


def _train(rows: list[dict], model_path: str, tok, steps: int, lr: float, out: Path, seed: int = 0):
    from datasets import Dataset

    from training.config import TrainConfig
    from training.trainers import fit, make_trainer

    trl = dict(learning_rate=lr, logging_steps=10, save_strategy="no", use_cpu=True, report_to="none",
               per_device_train_batch_size=4, max_length=2048, lr_scheduler_type="constant", seed=seed)  # fmt: skip
    cfg = TrainConfig(trl=trl)
    trainer = make_trainer("sft", model_path, tok, Dataset.from_list(rows), cfg, out, max_steps=steps)
    result = fit(trainer, "sft", tok, len(rows), out)
    losses = [e["loss"] for e in result.log_history if "loss" in e]
    return trainer.model.eval(), losses


def _score(model, tok, rows: list[dict]) -> str:
    if not rows:
        return "n/a (no items)"
    hits = 0
    for row in rows:
        want = row["messages"][-1]["content"]
        got = _generate(model, tok, row["messages"][:-1], max_new_tokens=len(tok(want)["input_ids"]) + 2)
        hits += got == want.strip()
    return f"{hits / len(rows):.2f} ({hits}/{len(rows)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="small", help="the version to learn from (default small)")
    parser.add_argument("--items", type=int, default=8, help="answer items in the handful")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--held-out", type=int, default=40, help="answer items scored but never trained on")
    parser.add_argument("--part", choices=["sft", "grpo", "memory", "all"], default="all")
    parser.add_argument("--warm-steps", type=int, default=100, help="SFT steps teaching GRPO the answer format")
    parser.add_argument("--rl-steps", type=int, default=120, help="GRPO steps per run (gold and flipped sign)")
    parser.add_argument("--rl-lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0, help="trainers' seed; items stay fixed")
    parser.add_argument("--memory-reward", choices=["gold", "brevity", "both"], default="both",
                        help="memory GRPO's reward: the gold letter, the memory's brevity (moved only by the "
                        "memory-turn rows), or both, each with its sign flipped too")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> None:
    from transformers import AutoTokenizer

    from training.data import DataConfig, sft_rows
    from training.tiny import TinyModelConfig, make_tiny_model
    from warehouse import connect

    db = tmp / "tacit.duckdb"
    subprocess.run([sys.executable, "-m", "flows.cli", "synth", "--preset", args.preset, "--db", str(db), "-q"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    with connect(db) as con:
        vid = con.execute("SELECT max_by(version_id, created_at) FROM dataset_versions WHERE complete").fetchone()[0]
        model_dir = make_tiny_model(con, vid, tmp / "tiny", TinyModelConfig())
        from warehouse.training import ensure_splits

        ensure_splits(con, vid)
        rows = sft_rows(con, vid, "train", DataConfig(chunk_tokens=600, max_chunks=1, memory_cap_tokens=64))
    tok = AutoTokenizer.from_pretrained(model_dir)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if args.part in ("grpo", "memory", "all"):
        from learning_rl import run_rl

        with connect(db) as con:
            for kind in ("grpo", "memory") if args.part == "all" else (args.part,):
                run_rl(kind, con, vid, model_dir, tok, args, tmp)
    if args.part not in ("sft", "all"):
        return
    answers = [r for r in rows if r["example_kind"] == "answer"]
    random.Random(0).shuffle(answers)
    handful, held_out = answers[: args.items], answers[args.items : args.items + args.held_out]
    chosen = {history_of(r["query_id"]) for r in handful}
    memories = [r for r in rows if r["example_kind"] == "memory" and history_of(r["query_id"]) in chosen]
    print(f"version {vid}: {len(handful)} answer items + {len(memories)} memory demonstrations, "
          f"{len(held_out)} held-out answer items, {args.steps} steps at lr {args.lr}")  # fmt: skip

    letters = [r["messages"][-1]["content"] for r in handful]
    shuffled = letters[1:] + letters[:1]  # every item gets another item's answer (a derangement when distinct)
    control = [dict(r, messages=[*r["messages"][:-1], {"role": "assistant", "content": s}])
               for r, s in zip(handful, shuffled, strict=True)]  # fmt: skip
    for name, train_rows in (("gold labels", handful), ("shuffled labels", control)):
        t0 = time.perf_counter()
        model, losses = _train(train_rows + memories, str(model_dir), tok, args.steps, args.lr, tmp / name, args.seed)
        print(f"{name}: loss {losses[0]:.3f} -> {losses[-1]:.3f} ({time.perf_counter() - t0:.0f} s); "
              f"reproduces its trained answers {_score(model, tok, train_rows)}, memories "
              f"{_score(model, tok, memories)}; held-out accuracy {_score(model, tok, held_out)} "
              f"(chance 0.25)")  # fmt: skip


if __name__ == "__main__":
    main()
