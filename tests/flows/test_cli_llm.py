"""The LLM parts of the `tacit` command line as a user runs them (real subprocesses, the loopback server):
per-stage cost at the end of `tacit synth`, `tacit report cost`, a price file, the exit status and
message of a run with failed calls, and `--batch`."""

from __future__ import annotations

import re

import pytest

from llm.loopback import FakeOpenAI
from tests.test_cli import tacit

pytestmark = pytest.mark.slow


def test_synth_prints_cost_per_stage_and_report_cost_repeats_it(tmp_path):
    db = str(tmp_path / "c.duckdb")
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  loopback: {input: 1.0, output: 2.0}\n")  # $0.0002 a call (100 in, 50 out)
    with FakeOpenAI() as server:
        base = ("--preset", "tiny", "--backend", "openai", "--model", "loopback", "--base-url", server.base_url)
        run = tacit("synth", *base, "--prices", str(prices), "--db", db, cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-3000:]
        calls = server.completions
    assert "LLM cost of run" in run.stdout
    # a live line per call site, drawn once at the end in a pipe: every call of its last batch, tokens, dollars
    line = re.search(r"^llm signal_session +━+ (\d+)/(\d+) .*?([\d,]+) tokens +\$(\d+\.\d\d)", run.stdout, re.M)
    assert line and line[1] == line[2] and int(line[3].replace(",", "")) > 0, run.stdout[-2000:]
    for stage, site in (
        ("personas", "persona_profile"),
        ("conversations", "signal_session"),
        ("queries", "query_options"),
    ):
        assert stage in run.stdout and site in run.stdout
    total = f"{calls * 0.0002:.4f}"
    assert total in run.stdout
    report = tacit("report", "cost", "--db", db, cwd=tmp_path)
    assert report.returncode == 0 and total in report.stdout and "filler_session" in report.stdout
    missing = tacit("report", "cost", "--run", "nope", "--db", db, cwd=tmp_path)
    assert missing.returncode == 2 and "no LLM calls recorded for run nope" in missing.stderr


def test_failed_calls_exit_1_with_a_summary_and_batch_rerun_completes(tmp_path):
    db = str(tmp_path / "f.duckdb")
    with FakeOpenAI() as server:
        server.poison = {"p00002.s001"}
        base = ("--preset", "tiny", "--backend", "openai", "--model", "loopback", "--base-url", server.base_url)
        run = tacit("synth", *base, "--db", db, cwd=tmp_path)
        assert run.returncode == 1, run.stderr[-3000:]
        assert "1 LLM calls failed" in run.stderr and "shard:0000" in run.stderr and "Rerun" in run.stderr
        assert "LLM cost of run" in run.stdout  # what the incomplete run paid is still shown
        server.poison = set()
        rerun = tacit("synth", *base, "--batch", "--batch-poll", "0.05", "--db", db, cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "resumed version" in rerun.stdout and server.batch.created >= 1
