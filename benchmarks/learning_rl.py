"""Do GRPO and memory GRPO learn? The reward-side half of ``benchmarks/learning.py`` (run it from there).

What: on a handful of MCQ items of the train split (the learnable task: each prompt has one gold letter
to find), the tiny offline model is first taught the answer format by SFT with every letter equally
often per prompt (so it answers ``\\boxed{X}`` with X spread over A-D: a mean reward near chance), then
trained with TRL's GRPO (``grpo``: the long-context prompt; ``memory``: ``MemoryGRPOTrainer``, which
reads the chunks, writes the memory and answers from it) on the gold-letter reward. The same run with the
reward's sign flipped is the control. Printed: the mean gold reward (1 for the gold letter, else 0) over
the first and the last sixth of the steps, for both runs.

Why: a rising reward with the true sign and a falling one with the flipped sign would show that
rewards, group advantages, completion masks and (for the memory trainer) the trajectory's rows reach the
loss with the right sign. At lr 1e-3 a gold-sign run can collapse (the answers stop being
``\\boxed{X}``); at the defaults of ``benchmarks/learning.py`` (lr 3e-4, 120 steps) one run of each
trainer rose; read several runs before concluding anything. Even passing,
they prove wiring, not science: the tiny model learns which letter each prompt wants, not to read a
history.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

LETTERS = "ABCD"


def format_rows(prompts: list[list[dict]]) -> list[dict]:
    """SFT rows teaching the answer format: each prompt once with every letter (no letter favoured)."""
    from training.data import answer_text

    return [{"messages": [*p, {"role": "assistant", "content": answer_text(L)}]} for p in prompts for L in LETTERS]


def _sft(rows: list[dict], model_path: str, tok, steps: int, lr: float, out: Path, seed: int = 0) -> str:
    from datasets import Dataset

    from training.config import TrainConfig
    from training.trainers import fit, make_trainer

    trl = dict(learning_rate=lr, logging_steps=10, save_strategy="no", use_cpu=True, report_to="none",
               per_device_train_batch_size=8, max_length=2048, lr_scheduler_type="constant", seed=seed)  # fmt: skip
    trainer = make_trainer("sft", model_path, tok, Dataset.from_list(rows), TrainConfig(trl=trl), out, max_steps=steps)
    return str(fit(trainer, "sft", tok, len(rows), out).final_dir)


def reward_curve(kind: str, model_path: str, tok, rows: list[dict], sign: float, steps: int, lr: float, out: Path,
                 memory_cap_tokens: int = 16, seed: int = 0) -> list[float]:  # fmt: skip
    """Train ``kind`` (grpo or memory) on ``rows`` with ``sign`` x the gold-letter reward; returns the true
    (unsigned) mean reward of every generation batch, in order. ``seed``: the trainer's (sampling, shuffling)."""
    from datasets import Dataset

    from training.config import TrainConfig
    from training.rewards import mcq_reward
    from training.trainers import make_trainer

    seen: list[float] = []

    def gold_reward(completions, answer, options, **kwargs):
        scores = mcq_reward(completions, answer, options)
        seen.append(statistics.mean(scores))
        return [sign * s for s in scores]

    trl = dict(learning_rate=lr, logging_steps=1, save_strategy="no", use_cpu=True, report_to="none",
               per_device_train_batch_size=8, num_generations=8, max_completion_length=8 if kind == "grpo" else 16,
               beta=0.0, temperature=1.0, lr_scheduler_type="constant", seed=seed)  # fmt: skip
    cfg = TrainConfig(trl=trl, data={"memory_cap_tokens": memory_cap_tokens})
    trainer = make_trainer(kind, model_path, tok, Dataset.from_list(rows), cfg, out, steps, [gold_reward])
    trainer.train()
    return seen


def _span(curve: list[float]) -> str:
    k = max(1, len(curve) // 6)
    first, last = statistics.mean(curve[:k]), statistics.mean(curve[-k:])
    return f"{first:.2f} -> {last:.2f} ({last - first:+.2f})"


def run_rl(kind: str, con, version_id: str, model_dir: Path, tok, args, tmp: Path) -> None:
    """Build the handful for ``kind``, warm the format up, and print the reward curves of both signs."""
    import random

    from evaluation.memory import answer_messages
    from training.data import DataConfig, grpo_rows, memory_rows, sft_rows

    data = DataConfig(chunk_tokens=100, max_chunks=1 if kind == "grpo" else 2, memory_cap_tokens=16)
    rows = (grpo_rows if kind == "grpo" else memory_rows)(con, version_id, "train", data)
    rows = [r for r in rows if r["answer"]]
    random.Random(0).shuffle(rows)
    handful = rows[: args.items]
    if kind == "grpo":
        warm = format_rows([r["prompt"] for r in handful])
    else:  # the answer format from the reference memory, and memory writing from the demonstrations
        ids = {r["query_id"] for r in handful}
        demos = [r for r in sft_rows(con, version_id, "train", data) if r["example_kind"] == "memory"]
        warm = format_rows([answer_messages(r["reference_memory"], r["tail"]) for r in handful])
        warm += [{"messages": r["messages"]} for r in demos if r["query_id"] in ids]
    t0 = time.perf_counter()
    start = _sft(warm, str(model_dir), tok, args.warm_steps, 3e-3, tmp / f"{kind}-format", args.seed)
    print(f"{kind} (seed {args.seed}): {len(handful)} MCQ items, format warm-up {args.warm_steps} SFT steps "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    for name, sign in (("gold reward", 1.0), ("sign flipped", -1.0)):
        t0 = time.perf_counter()
        curve = reward_curve(
            kind, start, tok, handful, sign, args.rl_steps, args.rl_lr, tmp / f"{kind}{sign:+}", seed=args.seed
        )
        print(f"{kind} {name}: mean gold reward, first -> last sixth of {args.rl_steps} steps: {_span(curve)} "
              f"({time.perf_counter() - t0:.0f} s; chance 0.25)", flush=True)  # fmt: skip
