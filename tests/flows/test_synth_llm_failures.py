"""`synth` on the openai backend when calls fail, go through the Batch API, or are judged by the LLM:
- persistently malformed answers: the shard that needed them is skipped (no rows), the run ends
  `incomplete` with the failures recorded, and a rerun sends only the failed calls;
- an error rate above --max-error-rate stops the run early with a clear message;
- --batch gives the same rows as the offline run; a run that gave up waiting on an open batch is
  resumed by a rerun that collects it instead of resubmitting (counted at the server);
- --judge-leakage asks the leakage_judge call site about every signal session."""

from __future__ import annotations

import json

import duckdb
import pytest

from llm.loopback import FakeOpenAI
from llm.openai_backend import ErrorRateExceeded
from tests.flows.test_synth import _content_hashes

pytestmark = pytest.mark.slow


def _openai(server, db, **kw):
    from flows.synth import synth

    return synth(preset="tiny", backend="openai", model="loopback", base_url=server.base_url, db=str(db), **kw)


def test_failed_calls_skip_their_shard_and_a_rerun_sends_only_them(prefect_harness, tmp_path):
    db = tmp_path / "fail.duckdb"
    three_shards = tmp_path / "three_shards.yaml"
    three_shards.write_text("shard_size: 1\n")
    with FakeOpenAI() as server:
        server.poison = {"p00001.s002"}  # persona 1's third signal session always comes back malformed
        first = _openai(server, db, config_file=str(three_shards))
        assert first.failed_calls == 1 and first.skipped_units == ["shard:0001"]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT list(persona_id ORDER BY 1) FROM personas").fetchone()[0] == ["p00000", "p00002"]
        status, message = con.execute("SELECT status, message FROM runs WHERE run_id = ?", [first.run_id]).fetchone()
        assert status == "incomplete" and "1 LLM calls failed" in message and "shard:0001" in message
        assert con.execute("SELECT complete FROM dataset_versions").fetchone()[0] is False
        failure = con.execute("SELECT call_site, request_key, attempts, error, run_id FROM raw_failed_calls").fetchall()
        assert failure == [("signal_session", "p00001.s002", 2, failure[0][3], first.run_id)] and failure[0][3]
        con.close()
        answered_before = dict(server.answered)
        server.poison = set()
        second = _openai(server, db, config_file=str(three_shards))
        assert second.failed_calls == 0 and second.state == "resumed" and second.counts["personas"] == 3
        # the rerun asked again only for the failed prompt and for calls the skipped shard never reached
        repeated = [k for k, n in server.answered.items() if n > answered_before.get(k, 0) and k in answered_before]
        assert len(repeated) == 1 and "p00001.s002" in repeated[0]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT bool_and(complete) FROM dataset_versions").fetchone()[0] is True
        con.close()


def test_error_rate_above_threshold_stops_the_run(prefect_harness, tmp_path):
    db = tmp_path / "rate.duckdb"
    with FakeOpenAI() as server:
        server.poison = {f"p0000{i}.s{k:03d}" for i in range(3) for k in range(40)}  # every signal session
        with pytest.raises(ErrorRateExceeded, match="max-error-rate"):
            _openai(server, db, max_error_rate=0.05)
    con = duckdb.connect(str(db), read_only=True)
    status, message = con.execute("SELECT status, message FROM runs").fetchone()
    assert status == "failed" and "error rate" in message
    ok, failed = con.execute(
        "SELECT (SELECT count(*) FROM llm_calls), (SELECT count(*) FROM raw_failed_calls)"
    ).fetchone()
    assert ok >= 200 and failed >= 1  # the filler pool and personas are kept; failures are recorded
    con.close()


def test_batch_mode_matches_offline_and_resumes_open_batches(tiny_run, tmp_path):
    from llm.batch import BatchPending

    offline_db, offline = tiny_run
    db = tmp_path / "batch.duckdb"
    with FakeOpenAI() as server:
        server.batch.hold = True  # the first batch stays in progress: the run gives up waiting on it
        with pytest.raises(BatchPending, match="rerun"):
            _openai(server, db, batch=True, batch_poll_s=0.01, batch_wait_s=0.3)
        assert server.batch.created == 1
        server.batch.hold = False
        summary = _openai(server, db, batch=True, batch_poll_s=0.01)
        # the pool's batch was collected, not resubmitted; one more batch per generate call of the one shard
        # (personas, signal sessions, updates told the cues those used, the forget sessions that quote
        # them, persona tasks, queries)
        assert server.batch.created == 7 and max(server.batch.lines_answered.values()) == 1
        assert server.requests == 0  # every answer came through the Batch API
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), bool_and(collected) FROM llm_batches").fetchone() == (7, True)
    con.close()
    assert _content_hashes(db, summary.version_id) == _content_hashes(offline_db, offline.version_id)


def test_judge_leakage_asks_the_llm_about_every_signal_session(tiny_run, tmp_path):
    _, offline = tiny_run
    db = tmp_path / "judge.duckdb"
    with FakeOpenAI() as server:
        summary = _openai(server, db, judge_leakage=True)
    con = duckdb.connect(str(db), read_only=True)
    judged = con.execute("SELECT count(*) FROM llm_calls WHERE call_site = 'leakage_judge'").fetchone()[0]
    n_signal = con.execute(
        "SELECT count(*) FROM signals s JOIN sessions USING (version_id, session_id) WHERE kind IN ('signal', 'update')"
    ).fetchone()[0]
    check = con.execute(  # one summary per persona: every persona's signal sessions judged, none leaking
        "SELECT bool_and(passed), max(detail) FROM checks "
        "WHERE check_name = 'session_implicit_judge' AND subject_id LIKE 'persona:%'"
    ).fetchone()
    verdict = json.loads(
        con.execute("SELECT parsed FROM llm_calls WHERE call_site = 'leakage_judge' LIMIT 1").fetchone()[0]
    )
    con.close()
    assert judged == n_signal > 0 and check[0] is True and check[1].startswith("0 of ")
    assert set(verdict) == {"leaks", "quote", "reason"}
    assert summary.counts["queries"] == offline.counts["queries"]  # the offline data leaks nothing either way


def test_sigkilled_batch_run_collects_its_open_batch_on_rerun(tiny_run, tmp_path):
    """`tacit synth --batch` is SIGKILLed while its first batch is open at the server; the rerun collects
    that batch (no resubmission, counted at the server) and ends with the offline rows."""
    import os
    import signal
    import subprocess
    import sys
    import time

    offline_db, offline = tiny_run
    db = tmp_path / "killed_batch.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / ".prefect"), "COLUMNS": "200"}
    with FakeOpenAI() as server:
        server.batch.hold = True
        cmd = [sys.executable, "-m", "flows.cli", "synth", "--preset", "tiny", "--backend", "openai"]
        cmd += [
            "--model",
            "loopback",
            "--base-url",
            server.base_url,
            "--db",
            str(db),
            "--batch",
            "--batch-poll",
            "0.05",
        ]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        while server.batch.created == 0:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run never submitted a batch"
            time.sleep(0.1)
        time.sleep(1.0)  # the batch is recorded right after it is created; the run now polls it
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        server.batch.hold = False
        rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert server.batch.created == 7 and max(server.batch.lines_answered.values()) == 1
        assert server.requests == 0
    con = duckdb.connect(str(db), read_only=True)
    vid = con.execute("SELECT version_id FROM dataset_versions WHERE complete").fetchone()[0]
    con.close()
    assert _content_hashes(db, vid) == _content_hashes(offline_db, offline.version_id)
