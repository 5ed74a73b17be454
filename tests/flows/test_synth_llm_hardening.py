"""`synth` and `evaluate` on the openai backend when answers break a rule, requests hang, the deadline
passes or the key is refused:
- a persona answer with an unknown style_id is repaired once, then recorded as a failed call; its shard
  is skipped, nothing invalid is cached, and a rerun completes;
- past --deadline no request is sent: the run stops with a clear message and keeps its finished calls;
- after a 401 that quotes the key and a base URL carrying a password, no text in the warehouse holds
  either (run messages, call rows, eval config and message)."""

from __future__ import annotations

import base64
import contextlib

import duckdb
import pytest

from llm.client_settings import applied
from llm.loopback import FakeOpenAI
from llm.openai_backend import AuthenticationFailed, DeadlineExceeded

pytestmark = pytest.mark.slow


def _openai(server, db, base_url=None, **kw):
    from flows.synth import synth

    url = base_url or server.base_url
    return synth(preset="tiny", backend="openai", model="loopback", base_url=url, db=str(db), **kw)


def test_unknown_style_id_skips_its_shard_and_is_never_cached(prefect_harness, tmp_path):
    db = tmp_path / "style.duckdb"
    three_shards = tmp_path / "three_shards.yaml"
    three_shards.write_text("shard_size: 1\n")

    def wrong_style(site, key, answer):
        return answer | {"style_id": "no-such-style"} if key == "p00001" else answer

    with FakeOpenAI() as server:
        server.rewrite = wrong_style
        first = _openai(server, db, config_file=str(three_shards))
        assert first.failed_calls == 1 and first.skipped_units == ["shard:0001"]
        con = duckdb.connect(str(db), read_only=True)
        (failure,) = con.execute("SELECT request_key, attempts, error FROM raw_failed_calls").fetchall()
        assert failure[:2] == ("p00001", 2) and "style_id" in failure[2]
        cached = con.execute("SELECT count(*) FROM llm_calls WHERE request_key = 'p00001'").fetchone()[0]
        con.close()
        assert cached == 0
        server.rewrite = None
        second = _openai(server, db, config_file=str(three_shards))
        assert second.failed_calls == 0 and second.counts["personas"] == 3


@pytest.mark.parametrize("given_as", ["cli", "flow parameters"])
def test_deadline_stops_sending_and_keeps_finished_calls(prefect_harness, tmp_path, given_as):
    """The CLI applies its options around the flow; a served deployment's run gets them as parameters."""
    db = tmp_path / "deadline.duckdb"
    limits = dict(deadline_s=3.0, timeout=5, max_attempts=2)
    around = applied(**limits) if given_as == "cli" else contextlib.nullcontext()
    params = {} if given_as == "cli" else dict(deadline_s=3.0, timeout_s=5, max_attempts=2)
    # the filler pool alone is 200 answers of 0.3 s, at most 16 at a time: more than 3 s
    with FakeOpenAI(latency=0.3) as server, around:
        with pytest.raises(DeadlineExceeded, match="deadline reached"):
            _openai(server, db, **params)
        sent = server.requests
    con = duckdb.connect(str(db), read_only=True)
    status, message = con.execute("SELECT status, message FROM runs").fetchone()
    kept, failed = con.execute(
        "SELECT (SELECT count(*) FROM llm_calls), (SELECT count(*) FROM raw_failed_calls)"
    ).fetchone()
    con.close()
    assert status == "failed" and "deadline reached" in message and "not sent" in message
    assert 0 < kept <= sent < 300 and failed == 0


def _texts(db) -> list[str]:
    """Every text value of every table in the warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE data_type IN ('VARCHAR', 'JSON')"
    ).fetchall()
    texts = []
    for table, column in columns:
        rows = con.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
        texts += [str(v) for (v,) in rows]
    con.close()
    return texts


def test_no_key_or_password_is_stored_after_a_401_that_echoes_them(tiny_run, tmp_path, monkeypatch):
    import shutil

    from flows.evaluate import evaluate

    key, password = "sk-leaky-0123456789abcdef", "hunter2-pass-9876"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    offline_db, offline = tiny_run
    db = tmp_path / "secrets.duckdb"
    shutil.copy(offline_db, db)
    with FakeOpenAI(chat_model=lambda messages: "A") as server:
        server.api_key = "the-right-key"
        url = server.base_url.replace("http://", f"http://user:{password}@")
        with pytest.raises(AuthenticationFailed, match="refused the API key"):
            _openai(server, db, base_url=url)
        with pytest.raises(AuthenticationFailed):
            evaluate(version=offline.version_id, methods=["no_context"], backend="openai", model="m",
                     base_url=url, limit=4, db=str(db))  # fmt: skip
        assert server.requests <= 8 + 8  # each run stopped at its first answers
    texts = _texts(db)
    assert any("refused the API key" in t for t in texts)  # the error is there, what it quoted is not
    assert any("127.0.0.1" in t for t in texts)  # the endpoint is named
    basic = base64.b64encode(f"user:{password}".encode()).decode()  # what the URL's userinfo is sent as
    leaks = [t for t in texts if key in t or password in t or "0123456789abcdef" in t or basic[:12] in t]
    assert not leaks, leaks[:3]
