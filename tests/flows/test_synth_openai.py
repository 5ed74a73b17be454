"""`synth` on the openai backend against the loopback server: the same rows as the offline backend,
every call recorded in `llm_calls`, and a crashed run resumes without repeating a single request."""

from __future__ import annotations

import duckdb
import pytest

from llm.loopback import FakeOpenAI
from tests.flows.test_synth import _content_hashes

pytestmark = pytest.mark.slow


def test_openai_backend_matches_offline_and_resumes_without_repeats(tiny_run, prefect_harness, tmp_path, monkeypatch):
    import flows.synth as synth_mod

    offline_db, offline = tiny_run
    db = tmp_path / "openai.duckdb"
    with FakeOpenAI() as server:
        real = synth_mod.generate_queries
        calls = {"n": 0}

        def crash_once(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] <= 2:  # the task and its one retry
                raise RuntimeError("simulated crash")
            return real(*args, **kwargs)

        monkeypatch.setattr(synth_mod.queries_task, "fn", crash_once)
        with pytest.raises(RuntimeError, match="simulated crash"):
            synth_mod.synth(preset="tiny", backend="openai", model="loopback", base_url=server.base_url, db=str(db))
        first_requests = server.requests
        assert first_requests > 0
        monkeypatch.undo()

        summary = synth_mod.synth(
            preset="tiny", backend="openai", model="loopback", base_url=server.base_url, db=str(db)
        )
        assert summary.state == "resumed"
        con = duckdb.connect(str(db), read_only=True)
        n_calls, statuses = con.execute("SELECT count(*), list(DISTINCT status) FROM llm_calls").fetchone()
        assert statuses == ["ok"] and server.requests == n_calls  # no request was ever sent twice
        con.close()
    assert summary.version_id != offline.version_id  # backend and model are part of the version
    assert _content_hashes(db, summary.version_id) == _content_hashes(offline_db, offline.version_id)
