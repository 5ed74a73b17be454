"""Read a stored evaluation run back: its results with the labels breakdowns need, and a summary.

    con = warehouse.connect("data/tacit.duckdb", read_only=True)
    summary = summarize(con, "eval-1a2b3c4d5e6f")

``summarize`` is what the CLI prints, the flow publishes as a Prefect artifact and the HTML report draws.
"""

from __future__ import annotations

import duckdb

from evaluation.items import load_items
from evaluation.metrics import BREAKDOWNS, accuracy_table, judge_agreement, stereotype_gap
from warehouse.eval_store import eval_run

RESULTS = """
SELECT query_id, method, history_id, kind, response, answer, gold, correct, score, input_tokens, output_tokens, parsed,
       overflow
FROM eval_results WHERE run_id = ? ORDER BY history_id, query_id, method
"""


def result_rows(con: duckdb.DuckDBPyConnection, run: dict) -> list[dict]:
    """The run's results, each with its item's labels (pref_kind, who, updated, forget, distance_bin, ...)."""
    cur = con.execute(RESULTS, [run["run_id"]])
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    labels = {
        i.query_id: {
            "pref_kind": i.pref_kind,
            "who": i.who,
            "updated": i.updated,
            "forget": i.forget,
            "distance_bin": i.distance_bin,
            "domain": i.domain,
            "task_type": i.task_type or "none",
            "persona_id": i.persona_id,
        }
        for i in load_items(con, run["version_id"])
    }
    return [r | labels.get(r["query_id"], dict.fromkeys(BREAKDOWNS, "unknown")) for r in rows]


def judgement_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    cur = con.execute("SELECT query_id, method, judge, score, reason FROM eval_judgements WHERE run_id = ?", [run_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def memory_stats(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """The memory agent's cost per history, not spread over queries: tokens read and written to build it."""
    row = con.execute(
        "SELECT count(*), avg(input_tokens), avg(output_tokens), max(max_memory_tokens), avg(n_chunks) "
        "FROM eval_memories WHERE run_id = ?",
        [run_id],
    ).fetchone()
    return {
        "histories": row[0],
        "read_tokens_per_history": row[1],
        "written_tokens_per_history": row[2],
        "max_memory_tokens": row[3],
        "chunks": row[4],
    }


DRILLDOWN_ROWS = 400
"""Answers the report lists one by one (the first queries in id order; all are in ``eval_results``)."""


def drilldown(con: duckdb.DuckDBPyConnection, run_id: str, limit: int = DRILLDOWN_ROWS) -> list[dict]:
    """Per query and method: the response, the parsed answer and gold, the score, the judges' reasons and,
    for the memory agent, the memory it ended the history with; the first ``limit`` rows in query order."""
    cur = con.execute(
        "SELECT r.query_id, r.method, r.kind, r.gold, r.answer, r.correct, r.score, r.response, "
        "(SELECT string_agg(j.judge || ' ' || printf('%.2f', j.score) || ': ' || j.reason, ' | ' ORDER BY j.judge) "
        " FROM eval_judgements j WHERE j.run_id = r.run_id AND j.query_id = r.query_id AND j.method = r.method) "
        "AS judges, CASE WHEN r.method = 'memory_agent' THEN m.memory END AS memory "
        "FROM eval_results r LEFT JOIN eval_memories m ON m.run_id = r.run_id AND m.history_id = r.history_id "
        "WHERE r.run_id = ? ORDER BY r.query_id, r.method LIMIT ?",
        [run_id, limit],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def summarize(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict:
    """Everything the report shows, as plain data."""
    run = eval_run(con, run_id)
    rows = result_rows(con, run)
    return {
        "run": run,
        "mcq": accuracy_table(rows),
        "open": accuracy_table(rows, kind="open"),
        "breakdowns": {key: accuracy_table(rows, key) for key in BREAKDOWNS},
        "stereotype_gap": stereotype_gap(rows),
        "agreement": judge_agreement(judgement_rows(con, run["run_id"])),
        "memory": memory_stats(con, run["run_id"]),
        "unparsed": sum(1 for r in rows if r["kind"] == "mcq" and not r["parsed"] and not r.get("overflow")),
        "overflow": sum(1 for r in rows if r.get("overflow")),
        "n_results": len(rows),
        "drilldown": drilldown(con, run["run_id"]),
    }


def markdown_summary(summary: dict) -> str:
    """A short markdown table per method (the Prefect artifact of an evaluate run)."""
    run = summary["run"]
    lines = [
        f"# Evaluation `{run['run_id']}`",
        "",
        f"Dataset version `{run['version_id']}`, backend `{run['backend']}`, model `{run['model']}`, "
        f"judges {', '.join(run['judges'] or [])}.",
        "",
        "| method | MCQ n | accuracy | 95% CI | open score | input tokens / query |",
        "|---|---|---|---|---|---|",
    ]
    open_by = {r["method"]: r for r in summary["open"]}
    for r in summary["mcq"]:
        o = open_by.get(r["method"])
        lines.append(
            f"| {r['method']} | {r['n']} | {r['accuracy']:.3f} | {r['ci_low']:.3f}-{r['ci_high']:.3f} | "
            f"{o['mean_score']:.3f} | {r['input_tokens']:,.0f} |"
            if o
            else f"| {r['method']} | {r['n']} | {r['accuracy']:.3f} | {r['ci_low']:.3f}-{r['ci_high']:.3f} | - | "
            f"{r['input_tokens']:,.0f} |"
        )
    lines += ["", f"Unparseable MCQ answers (scored wrong): {summary['unparsed']}."]
    lines += [f"Prompts over the model's context (not answered, scored wrong, never truncated): {summary['overflow']}."]
    for key, table in summary["breakdowns"].items():
        lines += ["", f"## MCQ accuracy by {key}", "", "| method | group | n | accuracy |", "|---|---|---|---|"]
        lines += [f"| {r['method']} | {r['group']} | {r['n']} | {r['accuracy']:.3f} |" for r in table]
    if summary["agreement"]:
        lines += ["", "## Judge agreement", "", "| judges | n | kappa | spearman |", "|---|---|---|---|"]
        lines += [
            f"| {a['judges']} | {a['n']} | {a['kappa']:.3f} | {a['spearman']:.3f} |" for a in summary["agreement"]
        ]
    return "\n".join(lines)
