"""The command line when the key is wrong or missing (real subprocesses, the loopback server): a refused
key stops `tacit synth` at the first answers with one red line naming the endpoint and no traceback,
and neither the key nor a password in --base-url reaches Prefect's files; `tacit eval --backend openai`
without a key or --base-url refuses before starting anything; bad request settings name their option."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llm.loopback import FakeOpenAI
from tests.test_cli import tacit

pytestmark = pytest.mark.slow

KEY, PASSWORD = "sk-cli-leak-0123456789", "cli-pass-4321zyx"


def _files_holding(folder: Path, *secrets: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {s}" for s in secrets if s.encode() in data]
    return found


def test_refused_key_is_one_line_naming_the_endpoint_and_nothing_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeOpenAI() as server:
        server.api_key = "the-right-key"
        url = server.base_url.replace("http://", f"http://user:{PASSWORD}@")
        run = tacit("synth", "--preset", "tiny", "--backend", "openai", "--model", "m", "--base-url", url,
                    "--timeout", "5", "--max-attempts", "2", "--deadline", "600", "--db", str(tmp_path / "k.duckdb"),
                    cwd=tmp_path)  # fmt: skip
        sent = server.requests
    assert run.returncode == 2, run.stderr[-3000:]
    message = " ".join(run.stderr.split())  # one message (the console wraps it at its width)
    assert message.startswith("error:") and message.count("error") == 1 and "refused the API key" in message
    assert server.base_url.removesuffix("/v1") in message and "Traceback" not in run.stdout + run.stderr
    assert sent <= 8  # the first window of requests; nothing after the first 401
    assert KEY not in run.stdout + run.stderr and PASSWORD not in run.stdout + run.stderr
    assert not _files_holding(tmp_path, KEY, PASSWORD, "0123456789")  # Prefect's database and logs included


def test_eval_without_key_or_base_url_refuses_before_any_request(tmp_path):
    env_key = os.environ.pop("OPENAI_API_KEY", None)
    try:
        run = tacit("eval", "--backend", "openai", "--model", "gpt-4o-mini", "--db", str(tmp_path / "e.duckdb"),
                    cwd=tmp_path)  # fmt: skip
    finally:
        if env_key is not None:
            os.environ["OPENAI_API_KEY"] = env_key
    assert run.returncode == 2 and "set OPENAI_API_KEY, or pass --base-url" in run.stderr
    assert "starting local Prefect" not in run.stdout and not (tmp_path / "e.duckdb").exists()


def test_bad_request_settings_name_their_option(tmp_path):
    url = "http://127.0.0.1:9/v1"
    run = tacit("synth", "--preset", "tiny", "--backend", "openai", "--model", "m", "--base-url", url,
                "--timeout", "0", "--db", str(tmp_path / "b.duckdb"), cwd=tmp_path)  # fmt: skip
    assert run.returncode == 2 and "--timeout: must be above 0" in run.stderr
