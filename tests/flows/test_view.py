"""`tacit view` in a real headless browser (Debian's chromium: ``make test`` installs it when missing):
the pages load from a real warehouse with an offline evaluation, links lead from the versions to a
persona, its history (cue turns highlighted) and a query with each method's answer and memory, unknown
ids are 404 pages, and a screenshot is taken."""

from __future__ import annotations

import re
import shutil
import threading
import urllib.error
import urllib.request

import duckdb
import pytest

from tests.browser import browse, dom

pytestmark = pytest.mark.slow


def _href(page: str, pattern: str) -> str:
    found = re.search(rf'href="([^"]*{pattern}[^"]*)"', page)
    assert found, pattern
    return found.group(1)


@pytest.fixture(scope="module")
def served(tiny_run, tmp_path_factory):
    from flows.evaluate import evaluate
    from flows.view_server import make_server

    db = tmp_path_factory.mktemp("view") / "w.duckdb"
    shutil.copy(tiny_run[0], db)
    evaluate(methods=["memory_agent", "length_only"], judges=["lexical"], db=str(db), memory_cap_tokens=300)
    con = duckdb.connect(str(db), read_only=True)
    server = make_server(con, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    con.close()


def test_a_browser_walks_from_versions_to_a_query_and_its_answers(served, tmp_path):
    home = dom(served + "/")
    version = _href(home, "/v/v")
    personas = dom(served + version)
    persona_page = dom(served + _href(personas, "/p/p"))
    assert "Preferences" in persona_page and "Histories" in persona_page and "Queries" in persona_page
    history = dom(served + _href(persona_page, "/h/"))
    assert re.search(r'class="turn user cue"', history) and "cue of " in history  # the cue turns, marked
    assert history.count("<mark>") >= 3  # and the sentence inside each that carries the cue
    assert history.count('class="turn ') > 20
    query = dom(served + _href(persona_page, r"\.mcq"))
    assert 'class="gold"' in query and "memory_agent" in query and "length_only" in query
    assert re.search(r'<td><div class="turn">[^<]+</div></td>', query)  # the memory the method ended with
    shot = tmp_path / "history.png"
    done = browse(served + _href(persona_page, "/h/"), f"--screenshot={shot}", "--window-size=1280,1600")
    assert done.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]


def test_unknown_pages_are_404_naming_what_is_missing(served):
    for path, missing in (("/v/nope", "no version nope"), ("/v/nope/q/x.mcq", "no query x.mcq"), ("/x", "no page")):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(served + path, timeout=10)
        assert err.value.code == 404 and missing in err.value.read().decode()


def test_every_value_is_escaped(tmp_path):
    from flows.view_detail import render

    db = tmp_path / "x.duckdb"
    from warehouse import connect

    with connect(db) as con:
        con.execute(
            "INSERT INTO dataset_versions (version_id, config_hash, seed, generator_version, preset, config_json, "
            "created_at, complete) VALUES ('v<script>', 'h', 0, 'g', '<b>p</b>', '{}', now(), true)"
        )
        status, page = render(con, "/")
    assert status == 200 and "<script>" not in page and "&lt;script&gt;" in page and "<b>p</b>" not in page
