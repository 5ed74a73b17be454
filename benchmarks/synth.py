"""Synth speed and memory: wall seconds and peak resident memory of `tacit synth` per preset.

    python benchmarks/synth.py            # tiny and small
    python benchmarks/synth.py --full     # also full (1,000 personas, 32k + 128k histories)

Each preset runs as its own process (`tacit synth`) into a fresh temporary warehouse, so the figures
are whole-process figures: interpreter and Prefect start-up included. The first run in a fresh
PREFECT_HOME also creates Prefect's SQLite database; it is reported on its own line ("tiny (cold)")
and the presets after it reuse that home, as a user's second run would. Targets on a 2-core machine
(README): small <= 20 s; full <= 5 min with peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(preset: str, workdir: Path, tag: str = "") -> tuple[float, float]:
    db = workdir / f"{preset}{tag}.duckdb"
    tacit = shutil.which("tacit") or str(Path(sys.executable).parent / "tacit")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(
        [tacit, "synth", "--preset", preset, "--db", str(db)], check=True, cwd=workdir, stdout=subprocess.DEVNULL
    )
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak_kb, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also run the full preset (minutes)")
    args = parser.parse_args()
    presets = ["tiny", "small"] + (["full"] if args.full else [])
    print(f"{'preset':<14}{'wall s':>10}{'peak MB':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        wall, peak = run("tiny", Path(tmp), tag="-cold")
        print(f"{'tiny (cold)':<14}{wall:>10.1f}{peak:>10.0f}", flush=True)
        for preset in presets:
            wall, peak = run(preset, Path(tmp))
            print(f"{preset:<14}{wall:>10.1f}{peak:>10.0f}", flush=True)
    print("peak MB is the largest resident set of any finished child so far (ru_maxrss).")


if __name__ == "__main__":
    main()
