"""Do GRPO and memory GRPO learn? The reward-side half of ``benchmarks/learning.py`` (run it from there).

What: on a handful of MCQ items of the train split (the learnable task: each prompt has one gold letter
to find), the tiny offline model is first taught the answer format by SFT with every letter equally
often per prompt (so it answers ``\\boxed{X}`` with X spread over A-D: a mean reward near chance), then
trained with TRL's GRPO (``grpo``: the long-context prompt; ``memory``: ``MemoryGRPOTrainer``, which
reads the chunks, writes the memory and answers from it) on the gold-letter reward. The same run with the
reward's sign flipped is the control. Printed: the mean reward over the first and the last sixth of the
steps, for both runs.

The memory trainer is also trained on a second reward, ``brevity`` (1 minus the final memory's share of
the cap), after a warm-up that shows memories of 1, 3, 6 and 12 words for each chunk. The answer never
changes the memory, so only the memory-turn rows can move this reward; and because a collapsed policy
(an immediate end of sequence) writes an empty memory, which scores 1, a *falling* flipped-sign curve
cannot come from a collapse: the policy must write longer memories. The gold reward alone cannot show
this: its flipped run falls to 0 by breaking the answer format as readily as by learning.

Why: a rising reward with the true sign and a falling one with the flipped sign show that rewards,
group advantages, completion masks and (for the memory trainer) the trajectory's rows reach the loss with
the right sign. At lr 1e-3 a gold-sign run can collapse (the answers stop being ``\\boxed{X}``); read
several runs before concluding anything. Even passing, they prove wiring, not science: the tiny model
learns which letter each prompt wants, or how long a memory to write, not to read a history.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

LETTERS = "ABCD"


def history_of(query_id: str) -> str:
    """p00003.r012.h32k.mcq -> p00003.h32k. A memory demonstration carries the first query of its history
    (``training.data.sft_rows`` writes each history's demonstrations once), so demonstrations are matched
    to items by history, not by query."""
    parts = query_id.split(".")
    return f"{parts[0]}.{parts[2]}"


def format_rows(prompts: list[list[dict]]) -> list[dict]:
    """SFT rows teaching the answer format: each prompt once with every letter (no letter favoured)."""
    from training.data import answer_text

    return [{"messages": [*p, {"role": "assistant", "content": answer_text(L)}]} for p in prompts for L in LETTERS]


def length_rows(pairs: list[tuple[list[dict], str]]) -> list[dict]:
    """SFT rows teaching memory writing at every length: for each (memory prompt, text), the text's first
    1, 3, 6 and 12 words as the memory (no length favoured), so the memory's length varies between
    trajectories and the brevity reward has something to choose between. (The demonstrated memories are
    mostly empty for the first 100-token chunks of a history, which hold no cue: no use here.)"""
    out = []
    for prompt, text in pairs:
        words = text.split()
        for n in (1, 3, 6, 12):
            out.append({"messages": [*prompt, {"role": "assistant", "content": " ".join(words[:n])}]})
    return out


def _sft(rows: list[dict], model_path: str, tok, steps: int, lr: float, out: Path, seed: int = 0) -> str:
    from datasets import Dataset

    from training.config import TrainConfig
    from training.trainers import fit, make_trainer

    trl = dict(learning_rate=lr, logging_steps=10, save_strategy="no", use_cpu=True, report_to="none",
               per_device_train_batch_size=8, max_length=2048, lr_scheduler_type="constant", seed=seed)  # fmt: skip
    trainer = make_trainer("sft", model_path, tok, Dataset.from_list(rows), TrainConfig(trl=trl), out, max_steps=steps)
    return str(fit(trainer, "sft", tok, len(rows), out).final_dir)


def reward_curve(kind: str, model_path: str, tok, rows: list[dict], sign: float, steps: int, lr: float, out: Path,
                 memory_cap_tokens: int = 16, seed: int = 0, reward: str = "gold") -> list[float]:  # fmt: skip
    """Train ``kind`` (grpo or memory) on ``rows`` with ``sign`` x the ``reward``; returns the true
    (unsigned) mean reward of every generation batch, in order. ``seed``: the trainer's (sampling, shuffling).

    ``gold``: 1 for the gold letter, else 0. ``brevity`` (memory only): 1 - the final memory's share of the
    cap, a reward that only the memory-turn rows can move (the answer never changes the memory), so it
    tests that those rows reach the loss with their trajectory's advantage and its sign."""
    from datasets import Dataset

    from training.config import TrainConfig
    from training.rewards import mcq_reward
    from training.trainers import make_trainer

    seen: list[float] = []
    trainer = None

    def gold_reward(completions, answer, options, **kwargs):
        scores = mcq_reward(completions, answer, options)
        seen.append(statistics.mean(scores))
        return [sign * s for s in scores]

    def brevity_reward(completions, **kwargs):
        finals = [turns[-1] if turns else "" for turns in trainer.last_memories]  # this batch's trajectories
        assert len(finals) == len(completions)
        scores = [1.0 - min(trainer.count_tokens(m), memory_cap_tokens) / memory_cap_tokens for m in finals]
        seen.append(statistics.mean(scores))
        return [sign * s for s in scores]

    if reward == "brevity" and kind != "memory":
        raise ValueError("the brevity reward scores the memory: use it with the memory trainer")
    trl = dict(learning_rate=lr, logging_steps=1, save_strategy="no", use_cpu=True, report_to="none",
               per_device_train_batch_size=8, num_generations=8, max_completion_length=8 if kind == "grpo" else 16,
               beta=0.0, temperature=1.0, lr_scheduler_type="constant", seed=seed)  # fmt: skip
    cfg = TrainConfig(trl=trl, data={"memory_cap_tokens": memory_cap_tokens})
    funcs = [brevity_reward if reward == "brevity" else gold_reward]
    trainer = make_trainer(kind, model_path, tok, Dataset.from_list(rows), cfg, out, steps, funcs)
    trainer.train()
    return seen


def _span(curve: list[float]) -> str:
    k = max(1, len(curve) // 6)
    first, last = statistics.mean(curve[:k]), statistics.mean(curve[-k:])
    return f"{first:.2f} -> {last:.2f} ({last - first:+.2f})"


def run_rl(kind: str, con, version_id: str, model_dir: Path, tok, args, tmp: Path) -> None:
    """Build the handful for ``kind``, warm the format up, and print the reward curves of both signs."""
    import random

    from evaluation.memory import answer_messages, memory_messages
    from training.data import DataConfig, grpo_rows, memory_rows, sft_rows

    data = DataConfig(chunk_tokens=100, max_chunks=1 if kind == "grpo" else 2, memory_cap_tokens=16)
    rows = (grpo_rows if kind == "grpo" else memory_rows)(con, version_id, "train", data)
    rows = [r for r in rows if r["answer"]]
    random.Random(0).shuffle(rows)
    handful = rows[: args.items]
    rewards = ["gold"] if kind == "grpo" else [r for r in ("gold", "brevity") if args.memory_reward in (r, "both")]
    for reward in rewards:
        if kind == "grpo":
            warm = format_rows([r["prompt"] for r in handful])
        else:  # the answer format from the reference memory, and memory writing
            warm = format_rows([answer_messages(r["reference_memory"], r["tail"]) for r in handful])
            if reward == "brevity":  # memories of every length, copied from the chunks the items read
                pairs = [(memory_messages(c, "", data.memory_cap_tokens), c) for r in handful for c in r["chunks"]]
                warm += length_rows(pairs)
            else:  # the demonstrations of the items' histories
                histories = {history_of(r["query_id"]) for r in handful}
                demos = [r for r in sft_rows(con, version_id, "train", data) if r["example_kind"] == "memory"]
                warm += [{"messages": r["messages"]} for r in demos if history_of(r["query_id"]) in histories]
        t0 = time.perf_counter()
        start = _sft(warm, str(model_dir), tok, args.warm_steps, 3e-3, tmp / f"{kind}-{reward}-format", args.seed)
        print(f"{kind} (seed {args.seed}): {len(handful)} MCQ items, {reward} reward: format warm-up "
              f"{args.warm_steps} SFT steps ({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
        for name, sign in (("true sign", 1.0), ("sign flipped", -1.0)):
            t0 = time.perf_counter()
            out = tmp / f"{kind}-{reward}{sign:+}"
            curve = reward_curve(kind, start, tok, handful, sign, args.rl_steps, args.rl_lr, out, seed=args.seed,
                                 reward=reward)  # fmt: skip
            base = "chance 0.25" if reward == "gold" else "1 = an empty memory, 0 = one at the cap"
            print(f"{kind} {reward} reward, {name}: mean {reward} reward, first -> last sixth of {args.rl_steps} "
                  f"steps: {_span(curve)} ({time.perf_counter() - t0:.0f} s; {base})", flush=True)  # fmt: skip
