"""Agentic-memory GRPO: a ``GRPOTrainer`` that rolls out memory trajectories and trains every turn.

Why a subclass (STYLE §8): TRL scores one completion per prompt, while a memory trajectory has T memory
turns and a final answer, and every turn must be trained as its own row carrying the trajectory's
advantage (the MemAgent recipe the PersonaMem-v2 paper trains with). ``rollout_func`` cannot do this: it
must return exactly one row per rollout. So this trainer

1. runs the memory turns itself, turn t for every trajectory of the batch at once, through TRL's own
   generation path (``_tokenize_prompts`` / ``_generate_single_turn``: transformers on CPU, vLLM colocate
   or server on GPU, with its weight sync); each prompt is the evaluator's ``memory_messages(chunk,
   memory)``, which never sees the query; each new memory is cut to the cap with the evaluator's
   ``cap_memory`` (same tokens and rule as evaluation), and the row trains on the tokens of the memory that
   is passed on: the sampled tokens when nothing was cut, else the capped text re-encoded (a cut row is a
   prefix of what was sampled, up to a token boundary at the cut);
2. hands the final-answer prompts (``answer_messages(memory, query)``) to the parent, which generates,
   scores with the reward functions and computes the group advantages;
3. appends one row per memory turn with its trajectory's advantage (and, where the parent computes them,
   old-policy and reference log-probabilities for those rows), padding the row count to a multiple of
   ``steps_per_generation`` with zero-weight copies so the parent's split keeps every row.

vLLM's importance-sampling correction (TRL's ``vllm_importance_sampling_correction``, on by default) covers
the memory rows too: each turn's sampling log-probabilities are kept, and the ratio to the training model's
log-probabilities is computed with the parent's mode and clipping. A row whose memory was cut to the cap
and re-encoded was not sampled as written, so it has no sampling log-probabilities (NaN, ratio 1: left out
of the correction, and counted in ``memory/is_excluded_rows``).
Losses that normalise by ``num_items_in_batch`` (``dapo``, the default) see the
memory tokens counted in it. Sizing: a generation batch of B trajectories becomes up to B x (T + 1) rows,
split over ``steps_per_generation`` micro-steps (default: ``gradient_accumulation_steps``); each micro-step's
loss runs in slices of ``per_device_train_batch_size`` rows, each trimmed of its all-padding columns
(``training.bounded_loss``), so activations are held for that many rows at a time. Not yet bounded: the
generation-time log-prob passes over the appended rows (batched by the same size, without gradients).
"""

from __future__ import annotations

import math

import torch
from trl import GRPOTrainer
from trl.trainer.utils import pad

from evaluation.memory import answer_messages, cap_memory, memory_messages
from llm.tokens import count_tokens
from training.bounded_loss import bounded_loss, can_slice


class MemoryGRPOTrainer(GRPOTrainer):
    """GRPO over memory trajectories; dataset rows need ``chunks`` (list of str) and ``tail`` (messages)."""

    def __init__(self, *args, memory_cap_tokens: int = 2000, **kwargs):
        super().__init__(*args, **kwargs)
        if self.beta != 0.0 and self.ref_model is None:
            raise ValueError("memory-agent GRPO with a KL term needs a full reference model (no PEFT with beta > 0)")
        self.memory_cap_tokens = memory_cap_tokens
        self.last_memories: list[list[str]] = []  # per trajectory, per turn (for logs and tests)
        self.last_row_trajectory: torch.Tensor | None = None  # trajectory index of every row, -1 for padding

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """TRL's loss, in slices of ``per_device_train_batch_size`` rows (``training.bounded_loss``) while
        training, for the loss types, and outside DeepSpeed and DataParallel, where that is exact."""
        from accelerate.utils import DistributedType

        sliced = (
            model.training
            and can_slice(self.loss_type)
            and self.accelerator.distributed_type != DistributedType.DEEPSPEED
            and self.args.n_gpu <= 1
        )
        if return_outputs or not sliced:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        divided = (not self.model_accepts_loss_kwargs or num_items_in_batch is None) and self.compute_loss_func is None
        scale = 1.0 / self.current_gradient_accumulation_steps if divided else 1.0  # as Trainer.training_step
        return bounded_loss(self, model, inputs, self.args.per_device_train_batch_size, scale)

    def base_compute_loss(self, model, inputs):
        """TRL's loss for one slice of rows."""
        return GRPOTrainer._compute_loss(self, model, inputs)

    def count_tokens(self, text: str) -> int:
        """Tokens as the memory cap counts them (the evaluator's counter)."""
        return count_tokens([text])[0]

    def _memory_turns(self, inputs: list[dict]) -> tuple[list[str], list[tuple]]:
        """Run every trajectory's memory turns; returns the final memories and one row per turn:
        (trajectory, prompt ids, completion ids, sampling log-probs or None)."""
        memories = [""] * len(inputs)
        self.last_memories = [[] for _ in inputs]
        rows = []
        for t in range(max(len(x["chunks"]) for x in inputs)):
            active = [i for i, x in enumerate(inputs) if t < len(x["chunks"])]
            prompts = [memory_messages(inputs[i]["chunks"][t], memories[i], self.memory_cap_tokens) for i in active]
            prompt_ids, _, _ = self._tokenize_prompts(prompts)
            completion_ids, logprobs = self._generate_single_turn(prompt_ids, None, {}, num_generations=1)
            logprobs = logprobs or [None] * len(active)  # transformers generation gives none
            for i, p_ids, c_ids, logps in zip(active, prompt_ids, completion_ids, logprobs, strict=True):
                text = self._tokenizer.decode(c_ids, skip_special_tokens=True)
                memories[i] = cap_memory(text, self.memory_cap_tokens, count_tokens)
                if memories[i] != text.strip():  # cut and re-encoded: not what was sampled
                    c_ids = [
                        *self._tokenizer(memories[i], add_special_tokens=False)["input_ids"],
                        *self.eos_token_ids[:1],
                    ]
                    logps = None
                self.last_memories[i].append(memories[i])
                if not c_ids:
                    c_ids, logps = self.eos_token_ids[:1], None
                rows.append((i, list(p_ids), list(c_ids), list(logps) if logps is not None else None))
        return memories, rows

    def _generate_and_score_completions(self, inputs):
        memories, rows = self._memory_turns(inputs)
        answer_inputs = [{**x, "prompt": answer_messages(m, x["tail"])} for x, m in zip(inputs, memories, strict=True)]
        out = super()._generate_and_score_completions(answer_inputs)
        n_answers = out["prompt_ids"].size(0)
        if not rows:  # no chunk to read (an empty history): the answers alone
            self.last_row_trajectory = torch.arange(n_answers, device=out["prompt_ids"].device)
            return out
        multiple = self.args.steps_per_generation if self.model.training else 1
        padding = (-(n_answers + len(rows))) % multiple
        rows += [(-1, p, c, None) for _, p, c, _ in (rows * multiple)[:padding]]
        return self._append_memory_rows(out, rows, n_answers)

    def _append_memory_rows(self, out: dict, rows: list, n_answers: int) -> dict:
        device = out["prompt_ids"].device
        pad_id = self._tokenizer.pad_token_id
        traj = torch.tensor([r[0] for r in rows], device=device)
        p_ids = pad([torch.tensor(r[1]) for r in rows], padding_value=pad_id, padding_side="left").to(device)
        c_ids = pad([torch.tensor(r[2]) for r in rows], padding_value=pad_id, padding_side="right").to(device)
        p_mask = pad([torch.ones(len(r[1]), dtype=torch.long) for r in rows], 0, padding_side="left").to(device)
        c_mask = pad([torch.ones(len(r[2]), dtype=torch.long) for r in rows], 0, padding_side="right").to(device)
        c_mask = c_mask * (traj >= 0).long().unsqueeze(1)  # padding copies weigh nothing
        adv = torch.where(traj >= 0, out["advantages"][traj.clamp(min=0)], torch.zeros_like(traj, dtype=torch.float))
        new = {
            "prompt_ids": _cat(out["prompt_ids"], p_ids, pad_id, left=True),
            "prompt_mask": _cat(out["prompt_mask"], p_mask, 0, left=True),
            "completion_ids": _cat(out["completion_ids"], c_ids, pad_id, left=False),
            "completion_mask": _cat(out["completion_mask"], c_mask, 0, left=False),
            "advantages": torch.cat([out["advantages"], adv.to(out["advantages"].dtype)]),
        }
        ids = torch.cat([p_ids, c_ids], dim=1)
        mask = torch.cat([p_mask, c_mask], dim=1)  # the attention mask compute_loss will use for these rows
        own: dict[str, torch.Tensor] = {}  # the memory rows' own log-probs, at their own width
        for key, model in (("old_per_token_logps", self.model), ("ref_per_token_logps", self.ref_model)):
            if key in out:
                with torch.no_grad():
                    own[key], _, _ = self._get_per_token_logps_and_entropies(
                        model, ids, mask, c_ids.size(1), batch_size=self.args.per_device_train_batch_size
                    )
                new[key] = _cat(out[key], own[key], 0.0, left=False)
        sampled = _sampling_logps(rows, c_ids.size(1), device)  # NaN where a row has none
        old = own.get("old_per_token_logps", c_ids.float() * 0)
        if "sampling_per_token_logps" in out:
            mine = torch.where(torch.isnan(sampled), old, sampled)  # none: counts as on-policy (off-policy mask)
            new["sampling_per_token_logps"] = _cat(out["sampling_per_token_logps"], mine, 0.0, left=False)
        if "importance_sampling_ratio" in out:
            ratio = self._memory_is_ratio(old, sampled, c_mask)
            new["importance_sampling_ratio"] = _cat(out["importance_sampling_ratio"], ratio, 1.0, left=False)
            excluded = sum(r[0] >= 0 and r[3] is None for r in rows)
            self._metrics["train"]["memory/is_excluded_rows"].append(float(excluded))
        items = self.accelerator.gather(c_mask.sum()).sum()
        new["num_items_in_batch"] = out["num_items_in_batch"] + items
        self.last_row_trajectory = torch.cat([torch.arange(n_answers, device=device), traj])
        self._metrics["train"]["memory/turn_rows"].append(float((traj >= 0).sum().item()))
        return {**out, **new}

    def _memory_is_ratio(self, old: torch.Tensor, sampled: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The importance-sampling ratio of memory rows, in the parent's mode: per token or per sequence,
        clipped (``*_truncate``) or zeroed outside the bounds (``*_mask``); NaN sampling log-probs (a row
        not sampled as written) give a log-ratio of 0, so ratio 1."""
        diff = torch.nan_to_num((old - sampled) * mask, nan=0.0)
        mode = self.vllm_importance_sampling_mode
        if mode.startswith("sequence"):
            diff = diff.sum(dim=-1, keepdim=True)
        ratio = torch.exp(diff)
        lo, hi = self.vllm_importance_sampling_clip_min, self.vllm_importance_sampling_clip_max
        if mode.endswith("truncate"):
            return torch.clamp(ratio, min=lo, max=hi)
        lo = -math.inf if lo is None else lo
        hi = math.inf if hi is None else hi
        return ratio.masked_fill((ratio < lo) | (ratio > hi), 0.0)


def _sampling_logps(rows: list[tuple], width: int, device) -> torch.Tensor:
    """(rows, width) sampling log-probs of each row's completion tokens; NaN for a row without them."""
    out = torch.full((len(rows), width), float("nan"), device=device)
    for k, row in enumerate(rows):
        if row[3] is not None:
            logps = torch.tensor([float("nan") if x is None else x for x in row[3]], device=device)
            out[k, : logps.numel()] = logps[:width]
    return out


def _cat(a: torch.Tensor, b: torch.Tensor, value, *, left: bool) -> torch.Tensor:
    """Stack two (B, L) tensors of different widths, padding the narrower on the left or right."""
    width = max(a.size(1), b.size(1))

    def widen(x):
        extra = width - x.size(1)
        if extra == 0:
            return x
        fill = torch.full((x.size(0), extra), value, dtype=x.dtype, device=x.device)
        return torch.cat([fill, x] if left else [x, fill], dim=1)

    return torch.cat([widen(a), widen(b)], dim=0)
