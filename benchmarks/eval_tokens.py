"""Input tokens per query for every evaluation method, and full_context / memory_agent.

    python benchmarks/eval_tokens.py                 # synth `small` into a temp warehouse, then evaluate
    python benchmarks/eval_tokens.py --db data/tacit.duckdb --budget 128k --chunk-tokens 5000 --memory-cap 2000
    python benchmarks/eval_tokens.py --db data/tacit.duckdb --budget 128k --limit 240   # a few histories of full

Runs `tacit synth` and `tacit eval` (offline backend: every method, lexical model) as processes and
reads `eval_results` back. Tokens are counted with Tacit's named tokenizer (tiktoken cl100k_base, +4
per message), the same way for every method; a memory agent's reading cost (every chunk plus the
memory it rewrites) is spread over the queries of its history, and also reported unspread (one query
per history) together with the tokens it wrote. The paper reports about 16x fewer input
tokens for its agentic memory than for full context on 128k histories with 5k-token chunks and a
2k-token memory; the ratio grows with history length and the number of queries per history.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

METHODS = "full_context,memory_agent,rag,oracle,no_context,length_only"


def _tacit() -> str:
    return shutil.which("tacit") or str(Path(sys.executable).parent / "tacit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="evaluate this warehouse's latest version (default: synth small)")
    parser.add_argument("--preset", default="small", help="preset to synthesise when --db is not given")
    parser.add_argument("--budget", help="only histories of this budget (32k, 128k)")
    parser.add_argument("--limit", type=int, help="at most N queries (for a quick figure on a large version)")
    parser.add_argument("--chunk-tokens", type=int, default=5000)
    parser.add_argument("--memory-cap", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / f"{args.preset}.duckdb"
        if args.db is None:
            subprocess.run(
                [_tacit(), "synth", "--preset", args.preset, "--db", str(db)], check=True, stdout=subprocess.DEVNULL
            )
        cmd = [_tacit(), "eval", "--methods", METHODS, "--db", str(db), "--chunk-tokens", str(args.chunk_tokens)]
        cmd += ["--memory-cap", str(args.memory_cap)] + (["--budget", args.budget] if args.budget else [])
        cmd += ["--limit", str(args.limit)] if args.limit else []
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        con = duckdb.connect(str(db), read_only=True)
        run_id = con.execute("SELECT run_id FROM eval_runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        rows = con.execute(
            "SELECT method, count(*), avg(input_tokens), sum(input_tokens) FROM eval_results "
            "WHERE run_id = ? AND kind = 'mcq' GROUP BY 1 ORDER BY 3 DESC",
            [run_id],
        ).fetchall()
        histories, per_history, written = con.execute(
            "SELECT count(*), avg(input_tokens), avg(output_tokens) FROM eval_memories WHERE run_id = ?", [run_id]
        ).fetchone()
        queries_per_history = con.execute(
            "SELECT count(*) / count(DISTINCT history_id) FROM eval_results "
            "WHERE run_id = ? AND method = 'full_context'",
            [run_id],
        ).fetchone()[0]
        con.close()
    print(f"{'method':<14}{'MCQs':>7}{'tokens/query':>15}{'total':>14}")
    for method, n, mean, total in rows:
        print(f"{method:<14}{n:>7}{mean:>15,.0f}{total:>14,.0f}")
    by = {m: mean for m, _, mean, _ in rows}
    if by.get("memory_agent"):
        print(
            f"full_context / memory_agent, reading cost spread over {queries_per_history:.0f} queries per history: "
            f"{by['full_context'] / by['memory_agent']:.1f}x"
        )
    if histories:
        answer_only = by["memory_agent"] - per_history / queries_per_history  # the memory and the question
        one_query = per_history + answer_only  # a history asked a single question: nothing to spread over
        ratio = by["full_context"] / one_query
        print(f"full_context / memory_agent for one query per history (unspread): {ratio:.1f}x")
        print(
            f"memory agent: {histories} histories, {per_history:,.0f} tokens read and {written or 0:,.0f} written "
            "to build each memory"
        )
    print(f"tacit eval wall time (offline, all methods): {wall:.1f} s")


if __name__ == "__main__":
    main()
