#!/usr/bin/env bash
# GPU smoke run: SFT then memory-agent GRPO of a random Qwen3 (Qwen3-0.6B's depth and width) on one GPU,
# offline, in a few minutes; prints steps/s and peak GPU memory per step (benchmarks/gpu_smoke.py says more).
#
#   bash benchmarks/gpu_smoke.sh [WORK] [train options, e.g. --vllm off --json figures.json]
#
# WORK (default runs/gpu-smoke) is prepared first if it holds no datasets yet (needs the synth install);
# a WORK prepared on another machine (`python benchmarks/gpu_smoke.py prepare --work WORK`) can be copied.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-runs/gpu-smoke}"
shift || true
python="${PYTHON:-python}"
if [ ! -d "$work/data/memory" ]; then
    "$python" benchmarks/gpu_smoke.py prepare --work "$work"
fi
exec "$python" benchmarks/gpu_smoke.py train --work "$work" "$@"
