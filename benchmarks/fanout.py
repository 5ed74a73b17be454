"""Synth with its shards on Dask: `tacit synth --workers N` against `--workers 1`, same config, one run.

    python benchmarks/fanout.py                           # full preset cut to 200 personas, 1 vs 2 workers
    python benchmarks/fanout.py --personas 1000 --workers 1 2 4
    python benchmarks/fanout.py --personas 1000 --repeat 3  # 1, 2, 1, 2, 1, 2: medians, for a noisy machine

Each setting runs as its own `tacit synth` process into a fresh temporary warehouse (whole-process wall
time, Prefect start-up included). From the warehouse's own markers it then splits the run into phases:
"generation" (from the filler pool's marker to the last shard's marker: every stage of every shard, and
their writes) and "after" (version-wide gates and lineage, one process whatever the worker count). It
prints each phase's seconds and the speed-up over the first setting, and checks that every setting wrote
the same dataset version id. With ``--repeat N`` the settings run in turn N times (so a machine whose speed
drifts during the run weighs on every setting alike) and the last lines give each setting's median. The
target (README "Scaling out"): >= 1.6x on generation with 2 workers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def run(workers: int, config: Path, db: Path) -> float:
    tacit = shutil.which("tacit") or str(Path(sys.executable).parent / "tacit")
    t0 = time.perf_counter()
    cmd = [tacit, "synth", "--preset", "full", "--config", str(config), "--db", str(db), "--quiet"]
    subprocess.run([*cmd, "--workers", str(workers)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def phases(db: Path) -> tuple[str, float, float]:
    """(version id, generation seconds, after seconds) from the stage markers and the run's end."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        vid, finished = con.execute("SELECT version_id, finished_at FROM runs WHERE flow = 'synth'").fetchone()
        marks = dict(con.execute("SELECT unit, finished_at FROM stage_progress WHERE version_id = ?", [vid]).fetchall())
    finally:
        con.close()
    last_shard = max(t for unit, t in marks.items() if unit.startswith("shard:"))
    return vid, (last_shard - marks["filler_pool"]).total_seconds(), (finished - last_shard).total_seconds()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--personas", type=int, default=200, help="n_personas of the full preset (default 200)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="run the settings in turn this many times (medians)")
    args = ap.parse_args()
    header = f"{'workers':>8}{'wall s':>9}{'generation s':>14}{'after s':>9}{'gen speed-up':>14}{'wall speed-up':>15}"
    runs: dict[int, list[tuple[float, float, float]]] = {w: [] for w in args.workers}
    versions = set()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(f"n_personas: {args.personas}\n")
        print(f"full preset, {args.personas} personas")
        print(header)
        for round_ in range(args.repeat):
            for workers in args.workers:
                db = Path(tmp) / f"w{workers}-{round_}.duckdb"
                wall = run(workers, config, db)
                vid, gen, after = phases(db)
                db.unlink()
                versions.add(vid)
                runs[workers].append((wall, gen, after))
                base = runs[args.workers[0]][round_]
                print(_row(workers, (wall, gen, after), base))
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs each")
        medians = {w: tuple(statistics.median(r[i] for r in runs[w]) for i in range(3)) for w in args.workers}
        for workers in args.workers:
            print(_row(workers, medians[workers], medians[args.workers[0]]))
    print(f"dataset version ids: {', '.join(sorted(versions))} ({'same' if len(versions) == 1 else 'DIFFERENT'})")


def _row(workers: int, figures: tuple[float, float, float], base: tuple[float, float, float]) -> str:
    """One printed line: (wall, generation, after) seconds and the speed-ups over ``base``."""
    wall, gen, after = figures
    return f"{workers:>8}{wall:>9.1f}{gen:>14.1f}{after:>9.1f}{base[1] / gen:>13.2f}x{base[0] / wall:>14.2f}x"


if __name__ == "__main__":
    main()
