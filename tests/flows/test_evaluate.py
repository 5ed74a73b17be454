"""The evaluate flow end to end on `tiny`: every method offline, resume, the report, the memory rules,
and full_context + memory_agent through the openai backend against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from evaluation.memory import MEMORY_SYSTEM
from evaluation.offline_model import OfflineModel
from evaluation.records import METHODS
from flows.evaluate import evaluate
from llm.loopback import FakeOpenAI
from llm.tokens import count_tokens
from tests.browser import browse, dom


@pytest.fixture(scope="module")
def offline_eval(tiny_run):
    db, _ = tiny_run
    return db, evaluate(methods=list(METHODS), judges=["lexical", "strict"], db=str(db), memory_cap_tokens=300)


def _con(db):
    return duckdb.connect(str(db), read_only=True)


def test_every_method_runs_offline_and_rows_are_complete(offline_eval):
    db, summary = offline_eval
    con = _con(db)
    n_mcq, n_open = con.execute(
        "SELECT count(*) FILTER (kind = 'mcq'), count(*) FILTER (kind = 'open') FROM latest_queries"
    ).fetchone()
    run_id = summary["run"]["run_id"]
    per_method = dict(
        con.execute("SELECT method, count(*) FROM eval_results WHERE run_id = ? GROUP BY 1", [run_id]).fetchall()
    )
    assert per_method == {m: n_mcq + (0 if m == "length_only" else n_open) for m in METHODS}
    status, finished = con.execute("SELECT status, finished_at FROM eval_runs WHERE run_id = ?", [run_id]).fetchone()
    assert status == "complete" and finished is not None
    # every open response was scored by both judges; MCQ answers all parsed (the offline model boxes a letter)
    assert (
        con.execute("SELECT count(*) FROM eval_judgements WHERE run_id = ?", [run_id]).fetchone()[0] == 2 * 5 * n_open
    )
    assert summary["unparsed"] == 0
    # token accounting: no_context reads the least, full_context the whole history
    tokens = {r["method"]: r["input_tokens"] for r in summary["mcq"]}
    assert tokens["length_only"] == 0 < tokens["no_context"] < tokens["oracle"] < tokens["full_context"]
    assert tokens["memory_agent"] < tokens["full_context"]
    history_tokens = con.execute("SELECT avg(n_tokens) FROM latest_histories").fetchone()[0]
    assert tokens["full_context"] > history_tokens
    assert {a["judges"] for a in summary["agreement"]} == {"lexical vs strict"}
    report = summary["report"]
    assert report.endswith(f"reports/{run_id}.html") and "<svg" in Path(report).read_text()
    # lineage: the results point at the version's queries and the model
    parents = {
        r[0]
        for r in con.execute(
            "SELECT parent_id FROM lineage_edges WHERE child_id = ?", [f"eval_results@{run_id}"]
        ).fetchall()
    }
    assert parents == {
        f"queries@{summary['run']['version_id']}",
        f"options@{summary['run']['version_id']}",
        "model:offline:lexical",
    }
    con.close()


def test_length_only_picks_the_longest_shown_option(offline_eval):
    db, summary = offline_eval
    con = _con(db)
    rows = con.execute(
        "SELECT r.query_id, r.answer FROM eval_results r WHERE run_id = ? AND method = 'length_only'",
        [summary["run"]["run_id"]],
    ).fetchall()
    from evaluation.render import query_seed, render_mcq

    for qid, answer in rows:
        options = dict(con.execute("SELECT label, text FROM latest_options WHERE query_id = ?", [qid]).fetchall())
        text = con.execute("SELECT text FROM latest_queries WHERE query_id = ?", [qid]).fetchone()[0]
        shown = render_mcq(text, options, query_seed(qid)).options
        assert len(shown[answer]) == max(len(t) for t in shown.values())
    con.close()


def test_memory_is_capped_and_built_once_per_history(offline_eval):
    db, summary = offline_eval
    con = _con(db)
    rows = con.execute(
        "SELECT history_id, memory, n_chunks, max_memory_tokens FROM eval_memories WHERE run_id = ?",
        [summary["run"]["run_id"]],
    ).fetchall()
    assert len(rows) == con.execute("SELECT count(*) FROM latest_histories").fetchone()[0]
    for _, memory, n_chunks, peak in rows:
        assert n_chunks >= 2 and 0 < peak <= 300 and count_tokens([memory])[0] <= 300
    con.close()


def test_rerun_resumes_and_a_lost_shard_is_redone(offline_eval, tiny_run):
    db, summary = offline_eval
    run_id = summary["run"]["run_id"]
    again = evaluate(methods=list(METHODS), judges=["lexical", "strict"], db=str(db), memory_cap_tokens=300)
    assert again["state"] == "complete" and again["mcq"] == summary["mcq"]
    con = duckdb.connect(str(db))
    before = con.execute("SELECT count(*) FROM eval_results WHERE run_id = ?", [run_id]).fetchone()[0]
    for table in ("eval_results", "eval_judgements", "eval_memories", "eval_progress"):
        con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])  # as if the run died before its shard
    con.execute("UPDATE eval_runs SET status = 'failed' WHERE run_id = ?", [run_id])
    con.close()
    resumed = evaluate(methods=list(METHODS), judges=["lexical", "strict"], db=str(db), memory_cap_tokens=300)
    assert resumed["state"] == "resumed" and resumed["mcq"] == summary["mcq"]
    con = _con(db)
    assert con.execute("SELECT count(*) FROM eval_results WHERE run_id = ?", [run_id]).fetchone()[0] == before
    con.close()


def test_report_eval_writes_html_with_plots(offline_eval, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    db, summary = offline_eval
    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(app, ["report", "eval", summary["run"]["run_id"], "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") >= 8 and "Accuracy vs tokens read" in page and "memory_agent" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    n_bars = page.count("<rect x=") - page.count('width="11" height="11"')  # bars, not legend keys
    assert n_bars > 0 and page.count(" n=") >= n_bars  # every bar says how many answers it rests on
    assert "n anti-stereotypical" in page and "Answers, one by one" in page and "<details>" in page
    shot = tmp_path / "report.png"
    done = browse(out.resolve().as_uri(), f"--screenshot={shot}", "--window-size=1100,2400")
    assert done.returncode == 0 and shot.stat().st_size > 20_000, done.stderr[-2000:]
    shown = dom(out.resolve().as_uri())
    assert "Answers, one by one" in shown and shown.count("<tr>") > 50
    missing = CliRunner().invoke(app, ["report", "eval", "eval-nope", "--db", str(db)])
    assert missing.exit_code == 2 and "eval-nope" in missing.output


def test_cli_refuses_bad_methods_and_budgets(tiny_run):
    from typer.testing import CliRunner

    from flows.cli import app

    db, _ = tiny_run
    bad = CliRunner().invoke(app, ["eval", "--methods", "rag,psychic", "--db", str(db)])
    assert bad.exit_code == 2 and "psychic" in bad.output
    none = CliRunner().invoke(app, ["eval", "--budget", "128k", "--methods", "rag", "--db", str(db)])
    assert none.exit_code == 2 and "128000" in none.output and "8000" in none.output


def test_openai_backend_matches_offline_and_memory_never_sees_the_query(offline_eval, tiny_run):
    db, offline = offline_eval
    model = OfflineModel()
    with FakeOpenAI(chat_model=model.reply) as server:
        remote = evaluate(
            methods=["full_context", "memory_agent"], backend="openai", model="loopback", base_url=server.base_url,
            judges=["lexical", "loopback-judge"], db=str(db), memory_cap_tokens=300,
        )  # fmt: skip
        sent = [json.loads(key) for key in server.answered]
    by_method = {r["method"]: r["accuracy"] for r in remote["mcq"]}
    expected = {r["method"]: r["accuracy"] for r in offline["mcq"]}
    assert by_method == {m: expected[m] for m in ("full_context", "memory_agent")}
    con = _con(db)
    queries = [q for (q,) in con.execute("SELECT text FROM latest_queries").fetchall()]
    memory_prompts = [m for m in sent if m[0]["content"].startswith(MEMORY_SYSTEM[:40])]
    assert memory_prompts, "the memory agent sent no memory prompt"
    for prompt in memory_prompts:
        text = json.dumps(prompt)
        assert not any(q[:60] in text for q in queries)  # no query text ever reaches the memory writer
    # the judge model answered, and agrees with the lexical rule it implements
    pair = next(a for a in remote["agreement"] if a["judges"] == "lexical vs loopback-judge")
    assert pair["kappa"] == 1.0
    calls = con.execute("SELECT count(*) FROM llm_calls WHERE call_site IN ('eval_answer', 'eval_judge')").fetchone()[0]
    assert calls == len(sent)  # every remote call is cached in the warehouse
    con.close()


def test_prompts_over_a_servers_context_are_recorded_per_item_and_the_run_completes(tiny_run, tmp_path):
    import shutil

    db = tmp_path / "overflow.duckdb"
    shutil.copy(tiny_run[0], db)
    with FakeOpenAI(chat_model=OfflineModel().reply) as server:
        server.context_limit = 2000  # an 8k history does not fit; a question alone does
        summary = evaluate(
            methods=["full_context", "no_context"], backend="openai", model="small-context", base_url=server.base_url,
            db=str(db),
        )  # fmt: skip
    assert summary["run"]["status"] == "complete"
    con = _con(db)
    rows = con.execute(
        "SELECT method, overflow, correct, response FROM eval_results WHERE run_id = ?", [summary["run"]["run_id"]]
    ).fetchall()
    con.close()
    full = [r for r in rows if r[0] == "full_context"]
    assert full and all(r[1] and not r[2] and "context" in r[3] for r in full)
    assert not any(r[1] for r in rows if r[0] == "no_context")
    assert summary["overflow"] == len(full)


def test_the_memory_agents_writing_is_counted_in_its_output_tokens(offline_eval):
    from llm.tokens import count_tokens

    db, summary = offline_eval
    con = _con(db)
    run_id = summary["run"]["run_id"]
    memories = dict(
        con.execute("SELECT history_id, output_tokens FROM eval_memories WHERE run_id = ?", [run_id]).fetchall()
    )
    rows = con.execute(
        "SELECT history_id, response, output_tokens FROM eval_results WHERE run_id = ? AND method = 'memory_agent'",
        [run_id],
    ).fetchall()
    con.close()
    assert memories and all(v > 0 for v in memories.values())
    for hid, written in memories.items():
        mine = [(resp, out) for h, resp, out in rows if h == hid]
        spread = sum(out for _, out in mine) - sum(count_tokens([r])[0] if r else 0 for r, _ in mine)
        assert abs(spread - written) <= len(mine)  # the memory's writing, spread over the history's queries
    assert summary["memory"]["written_tokens_per_history"] > 0
