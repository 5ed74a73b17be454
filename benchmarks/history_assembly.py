"""Time to assemble one history from its session references (``warehouse.history.assemble_history``).

    python benchmarks/history_assembly.py --db data/tacit.duckdb              # every budget, 30 histories each
    python benchmarks/history_assembly.py --db data/tacit.duckdb --budget 128k --n 100

Opens the warehouse read-only, assembles ``--n`` histories of the newest complete version (per budget,
in id order) and prints the first call (cold caches), the median and the slowest, in milliseconds, for
the per-prefix semi-join Tacit uses and for the one-join view (``history_chat``). Target: a median of at
most 20 ms and a first call of at most 100 ms for a 128k history of ``full`` on a calm 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import duckdb

from warehouse.history import _by_semi_join, _by_view, assemble_history


def _time(fn, ids: list[str]) -> list[float]:
    out = []
    for hid in ids:
        t = time.perf_counter()
        fn(hid)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--budget", default=None, help="32k, 128k, ... (default: every budget)")
    ap.add_argument("--n", type=int, default=30)
    args = ap.parse_args()
    con = duckdb.connect(args.db, read_only=True)
    vid = con.execute("SELECT version_id FROM latest_version").fetchone()[0]
    suffixes = (
        [args.budget]
        if args.budget
        else [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT split_part(history_id, '.', 2) FROM histories WHERE version_id = ? ORDER BY 1", [vid]
            ).fetchall()
        ]
    )
    print(f"version {vid}")
    for suffix in suffixes:
        suffix = suffix if suffix.startswith("h") else f"h{suffix}"
        ids = [
            r[0]
            for r in con.execute(
                "SELECT history_id FROM histories WHERE version_id = ? AND history_id LIKE ? ORDER BY 1 LIMIT ?",
                [vid, f"%.{suffix}", args.n],
            ).fetchall()
        ]
        for name, fn in [
            ("assemble_history", lambda h: assemble_history(con, h, vid)),
            ("semi-join", lambda h: _by_semi_join(con, vid, h)),
            ("one-join view", lambda h: _by_view(con, vid, h)),
        ]:
            ms = _time(fn, ids)
            print(
                f"{suffix:>6} {name:<17} n={len(ids):<4} first {ms[0]:7.1f} ms  median {statistics.median(ms):7.1f} ms"
                f"  max {max(ms):7.1f} ms"
            )


if __name__ == "__main__":
    main()
