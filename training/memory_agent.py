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

vLLM's importance-sampling correction is switched off here (``vllm_importance_sampling_correction=False``):
the parent computes it only for the rows it generated, and a ratio for the memory rows would need their
sampling log-probabilities carried turn by turn; with the correction off every row, answer or memory, is
weighted the same way. Losses that normalise by ``num_items_in_batch`` (``dapo``, the default) see the
memory tokens counted in it. Sizing: a generation batch of B trajectories becomes up to B x (T + 1) rows,
split over ``steps_per_generation`` micro-steps (default: ``gradient_accumulation_steps``), so long
histories want ``per_device_train_batch_size: 1`` and a large ``gradient_accumulation_steps``.
"""

from __future__ import annotations

import logging

import torch
from trl import GRPOTrainer
from trl.trainer.utils import pad

from evaluation.memory import answer_messages, cap_memory, memory_messages
from llm.tokens import count_tokens

logger = logging.getLogger(__name__)
IS_OFF_REASON = (
    "memory-agent GRPO trains memory-turn rows the parent did not generate; vLLM's importance-sampling "
    "correction is computed only for the parent's rows, so it is switched off for all rows"
)


class MemoryGRPOTrainer(GRPOTrainer):
    """GRPO over memory trajectories; dataset rows need ``chunks`` (list of str) and ``tail`` (messages)."""

    def __init__(self, *args, memory_cap_tokens: int = 2000, **kwargs):
        cfg = kwargs.get("args")
        if cfg is not None and getattr(cfg, "vllm_importance_sampling_correction", False):
            cfg.vllm_importance_sampling_correction = False
            if cfg.use_vllm:
                logger.warning("vllm_importance_sampling_correction=False: %s", IS_OFF_REASON)
        super().__init__(*args, **kwargs)
        if self.beta != 0.0 and self.ref_model is None:
            raise ValueError("memory-agent GRPO with a KL term needs a full reference model (no PEFT with beta > 0)")
        self.memory_cap_tokens = memory_cap_tokens
        self.last_memories: list[list[str]] = []  # per trajectory, per turn (for logs and tests)
        self.last_row_trajectory: torch.Tensor | None = None  # trajectory index of every row, -1 for padding

    def count_tokens(self, text: str) -> int:
        """Tokens as the memory cap counts them (the evaluator's counter)."""
        return count_tokens([text])[0]

    def _memory_turns(self, inputs: list[dict]) -> tuple[list[str], list[tuple[int, list[int], list[int]]]]:
        """Run every trajectory's memory turns; returns final memories and (trajectory, prompt, completion)."""
        memories = [""] * len(inputs)
        self.last_memories = [[] for _ in inputs]
        rows = []
        for t in range(max(len(x["chunks"]) for x in inputs)):
            active = [i for i, x in enumerate(inputs) if t < len(x["chunks"])]
            prompts = [memory_messages(inputs[i]["chunks"][t], memories[i], self.memory_cap_tokens) for i in active]
            prompt_ids, _, _ = self._tokenize_prompts(prompts)
            completion_ids, _ = self._generate_single_turn(prompt_ids, None, {}, num_generations=1)
            for i, p_ids, c_ids in zip(active, prompt_ids, completion_ids, strict=True):
                text = self._tokenizer.decode(c_ids, skip_special_tokens=True)
                memories[i] = cap_memory(text, self.memory_cap_tokens, count_tokens)
                if memories[i] != text.strip():
                    c_ids = [
                        *self._tokenizer(memories[i], add_special_tokens=False)["input_ids"],
                        *self.eos_token_ids[:1],
                    ]
                self.last_memories[i].append(memories[i])
                rows.append((i, list(p_ids), list(c_ids) or self.eos_token_ids[:1]))
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
        rows += [(-1, p, c) for _, p, c in (rows * multiple)[:padding]]
        return self._append_memory_rows(out, rows, n_answers)

    def _append_memory_rows(self, out: dict, rows: list, n_answers: int) -> dict:
        device = out["prompt_ids"].device
        pad_id = self._tokenizer.pad_token_id
        traj = torch.tensor([i for i, _, _ in rows], device=device)
        p_ids = pad([torch.tensor(p) for _, p, _ in rows], padding_value=pad_id, padding_side="left").to(device)
        c_ids = pad([torch.tensor(c) for _, _, c in rows], padding_value=pad_id, padding_side="right").to(device)
        p_mask = pad([torch.ones(len(p), dtype=torch.long) for _, p, _ in rows], 0, padding_side="left").to(device)
        c_mask = pad([torch.ones(len(c), dtype=torch.long) for _, _, c in rows], 0, padding_side="right").to(device)
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
        for key, model in (("old_per_token_logps", self.model), ("ref_per_token_logps", self.ref_model)):
            if key in out:
                with torch.no_grad():
                    logps, _, _ = self._get_per_token_logps_and_entropies(
                        model, ids, mask, c_ids.size(1), batch_size=self.args.per_device_train_batch_size
                    )
                new[key] = _cat(out[key], logps, 0.0, left=False)
        if "sampling_per_token_logps" in out:  # read only by the off-policy mask: memory rows count as on-policy
            own = new["old_per_token_logps"][n_answers:] if "old_per_token_logps" in new else c_ids.float() * 0
            new["sampling_per_token_logps"] = _cat(out["sampling_per_token_logps"], own, 0.0, left=False)
        items = self.accelerator.gather(c_mask.sum()).sum()
        new["num_items_in_batch"] = out["num_items_in_batch"] + items
        self.last_row_trajectory = torch.cat([torch.arange(n_answers, device=device), traj])
        self._metrics["train"]["memory/turn_rows"].append(float((traj >= 0).sum().item()))
        return {**out, **new}


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
