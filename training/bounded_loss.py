"""Memory-bounded loss for memory-agent GRPO: each micro-step's rows in slices, each slice trimmed.

What: a memory trajectory of T turns adds T rows to its answer row, so one micro-step of the memory
trainer holds up to ``(T + 1) x`` the rows ``per_device_train_batch_size`` names, all padded to the widest
prompt of the whole generation batch. ``bounded_loss`` computes the micro-step's loss in slices of
``per_device_train_batch_size`` rows, trims from each slice the prompt columns that are padding in every
row of it (left) and the completion columns that are (right), and runs backward on each slice but the
last at once (without a gradient all-reduce), so activations are held for one slice at a time.
Why: peak memory then follows the batch size a user set, not the history length.
How: the slice losses are weighted so their sum is the loss of the whole micro-step for every loss type
whose normaliser is known (per-sequence means: by rows; ``bnpo``: by completion tokens; ``dapo``, ``cispo``,
``vespo``: by the batch-wide ``num_items_in_batch``, so weight 1); other loss types, DeepSpeed and
DataParallel keep TRL's single forward. Trimming all-padding columns changes no masked value; with rotary
positions (Qwen3) shifting every row by the same number of columns changes no logit beyond rounding.
"""

from __future__ import annotations

from typing import Any

import torch

ROW_WEIGHTED = frozenset({"grpo", "sapo", "dr_grpo", "luspo"})
TOKEN_WEIGHTED = frozenset({"bnpo"})
GLOBALLY_NORMALISED = frozenset({"dapo", "cispo", "vespo"})
COMPLETION_KEYS = (
    "completion_ids",
    "completion_mask",
    "old_per_token_logps",
    "ref_per_token_logps",
    "sampling_per_token_logps",
    "importance_sampling_ratio",
    "tool_mask",
    "advantages",
)


def can_slice(loss_type: str) -> bool:
    return loss_type in ROW_WEIGHTED | TOKEN_WEIGHTED | GLOBALLY_NORMALISED


def row_slice(inputs: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    """Rows ``start:stop`` of every per-row tensor (first dimension = the number of rows)."""
    n = inputs["prompt_ids"].size(0)
    return {
        k: v[start:stop] if isinstance(v, torch.Tensor) and v.dim() >= 1 and v.size(0) == n else v
        for k, v in inputs.items()
    }


def trim_padding(inputs: dict[str, Any]) -> dict[str, Any]:
    """Drop prompt columns that are padding in every row (on the left) and completion columns that are
    (on the right); per-token tensors of the completion's width are cut the same way."""
    out = dict(inputs)
    prompt_used = inputs["prompt_mask"].bool().any(dim=0).nonzero()
    first = int(prompt_used[0]) if len(prompt_used) else inputs["prompt_mask"].size(1) - 1
    out["prompt_ids"], out["prompt_mask"] = inputs["prompt_ids"][:, first:], inputs["prompt_mask"][:, first:]
    width = inputs["completion_mask"].size(1)
    used = inputs["completion_mask"].bool().any(dim=0).nonzero()
    keep = int(used[-1]) + 1 if len(used) else 1
    for key in COMPLETION_KEYS:
        value = inputs.get(key)
        if isinstance(value, torch.Tensor) and value.dim() == 2 and value.size(1) == width:
            out[key] = value[:, :keep]
    return out


def slice_weight(loss_type: str, part: dict[str, Any], whole: dict[str, Any]) -> float:
    """What a slice's loss counts for in the whole micro-step's loss (see the module docstring)."""
    if loss_type in ROW_WEIGHTED:
        return part["completion_mask"].size(0) / whole["completion_mask"].size(0)
    if loss_type in TOKEN_WEIGHTED:  # the tokens the loss averages over: completion, minus tool output

        def tokens(x: dict[str, Any]) -> float:
            return float((x["completion_mask"] * x.get("tool_mask", 1)).sum())

        return tokens(part) / max(tokens(whole), 1.0)
    return 1.0


def slice_count(accelerator, n_rows: int, size: int) -> int:
    """How many slices every rank runs: the loss gathers metrics across ranks once per slice, so ranks
    with different row counts (memory turns differ) must still run the same number of slices."""
    count = -(-n_rows // size)
    if accelerator.num_processes > 1:
        count = int(accelerator.gather(torch.tensor([count], device=accelerator.device)).max())
    return count


def bounded_loss(trainer, model, inputs: dict[str, Any], size: int, backward_scale: float) -> torch.Tensor:
    """The micro-step's loss, computed about ``size`` rows at a time (see the module docstring). Every
    slice but the last is backpropagated here, scaled by ``backward_scale`` as the trainer scales the loss
    it is returned; the returned tensor carries the last slice's graph and the whole loss's value. A rank
    with fewer rows than slices runs its first row again with weight 0 (same collectives, no gradient)."""
    n = inputs["prompt_ids"].size(0)
    count = slice_count(trainer.accelerator, n, size)
    bounds = torch.linspace(0, n, count + 1).round().long().tolist()
    done = torch.zeros((), device=inputs["prompt_ids"].device)
    last = None
    for k in range(count):
        start, stop = bounds[k], bounds[k + 1]
        if stop > start:
            part = row_slice(inputs, start, stop)
            weight = slice_weight(trainer.loss_type, part, inputs)
        else:
            part, weight = row_slice(inputs, 0, 1), 0.0
        loss = trainer.base_compute_loss(model, trim_padding(part)) * weight
        if k < count - 1:
            with trainer.accelerator.no_sync(model):
                trainer.accelerator.backward(loss * backward_scale)
            done = done + loss.detach()
        else:
            last = loss
    return last + done
