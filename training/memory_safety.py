"""Settings the agentic-memory trainer cannot run correctly, refused before anything loads.

What: ``memory_refusal(trl, environ)`` names the first setting of a memory run (its config's ``trl``
section, and the environment ``accelerate launch`` sets) that ``training.memory_agent`` would get wrong,
in one line, or returns None. ``check_memory_settings`` raises it as a ``TrainConfigError``. Why: each
rank of the memory trainer loops over its own trajectories' memory turns, so ranks may run different
numbers of generation forwards, and each trajectory's turns depend on its own memory:
- vLLM in server mode: TRL sends one prompt per group and samples every generation of the group from it,
  so all trajectories would continue from trajectory 0's memory (colocate mode samples each prompt);
- vLLM tensor parallelism > 1, FSDP and DeepSpeed ZeRO-3: every forward is a collective across ranks,
  and ranks with different turn counts wait for each other forever.
Plain DDP (``training/configs/accelerate/ddp-8gpu.yaml``) and colocated vLLM with one GPU per engine are
what the bundled 8-GPU config uses and are allowed. How: read the settings; nothing is imported from
TRL or torch. ``load_config`` calls it for ``kind: memory``; ``training.launch`` checks the environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_WHY_COLLECTIVE = "ranks run different numbers of memory turns and would wait for each other forever"


def _zero_stage(deepspeed: Any) -> int | None:
    """The ZeRO stage of a ``deepspeed`` setting (a dict, or a JSON file's path), if it names one."""
    if isinstance(deepspeed, str | Path) and Path(deepspeed).is_file():
        try:
            deepspeed = json.loads(Path(deepspeed).read_text())
        except (OSError, ValueError):
            return None
    if isinstance(deepspeed, Mapping):
        stage = (deepspeed.get("zero_optimization") or {}).get("stage")
        return int(stage) if isinstance(stage, int | str) and str(stage).isdigit() else None
    return None


def memory_refusal(trl: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str | None:
    """Why a memory run with these TRL fields (and this environment) cannot be trusted, or None."""
    env = os.environ if environ is None else environ
    if trl.get("use_vllm") and trl.get("vllm_mode", "colocate") == "server":
        return (
            "trl.vllm_mode: server is not supported for the memory trainer (TRL samples a group from one prompt, "
            "so every trajectory would continue from trajectory 0's memory); use vllm_mode: colocate"
        )
    tp = trl.get("vllm_tensor_parallel_size", 1) or 1
    if int(tp) > 1:
        return f"trl.vllm_tensor_parallel_size: {tp} is not supported for the memory trainer ({_WHY_COLLECTIVE}); use 1"
    if trl.get("fsdp") or trl.get("fsdp_config") or str(env.get("ACCELERATE_USE_FSDP", "")).lower() in ("1", "true"):
        return f"FSDP is not supported for the memory trainer ({_WHY_COLLECTIVE}); use DDP (accelerate/ddp-8gpu.yaml)"
    stage = _zero_stage(trl.get("deepspeed"))
    env_stage = env.get("ACCELERATE_DEEPSPEED_ZERO_STAGE")
    if stage == 3 or (env_stage or "").strip() == "3":
        return f"DeepSpeed ZeRO-3 is not supported for the memory trainer ({_WHY_COLLECTIVE}); use ZeRO-2 or DDP"
    return None


def check_memory_settings(trl: Mapping[str, Any], where: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise ``TrainConfigError`` ("WHERE: why") for a setting the memory trainer cannot run."""
    from training.config import TrainConfigError

    if why := memory_refusal(trl, environ):
        raise TrainConfigError(f"{where}: {why}")
