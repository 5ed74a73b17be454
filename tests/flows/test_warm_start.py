"""Work done while Prefect's server starts (``flows.warm_start``, ``flows.stages.banks.cache_warmers``)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from pathlib import Path

from flows.stages.banks import cache_warmers
from flows.warm_start import warm_while_starting
from llm import life
from llm.naming import scenario_namer
from taxonomy.cross_refs import bank_sentences

ROOT = Path(__file__).resolve().parents[2]


def test_warming_reads_what_the_banks_ask_of_every_bank_sentence(tax):
    """After the warmers, a shard asks no bank sentence's life tags or scenario names anew."""
    life._tags_of.cache_clear()
    warmers = cache_warmers(chunk=1000)
    sentences = bank_sentences(tax)
    assert len(warmers) == -(-len(sentences) // 1000)
    for warm in warmers:
        warm()
    misses = life._tags_of.cache_info().misses
    assert misses >= len(sentences)
    named = scenario_namer(tax)
    for sentence in sentences:
        life.life_tags(sentence)
        named(sentence)
    assert life._tags_of.cache_info().misses == misses


def test_warming_stops_once_the_server_answers(tmp_path):
    """Pieces run while nothing answers at the API's address; none runs once it does."""
    ran: list[int] = []
    pieces = [lambda i=i: ran.append(i) for i in range(3)]

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    url = f"http://127.0.0.1:{server.server_port}/api"
    server.server_close()  # the port is free: nothing answers yet
    assert warm_while_starting(url, pieces) == 3 and ran == [0, 1, 2]
    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api"
        assert warm_while_starting(url, pieces) == 0 and ran == [0, 1, 2]
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_piece_ends_the_warming_quietly(tmp_path):
    """Warming is optional: a piece that raises (a warehouse module that cannot import, say) stops it, and the
    command goes on to meet the error where it is reported."""
    url = "http://127.0.0.1:9/api"  # nothing answers on the discard port
    ran: list[str] = []

    def broken() -> None:
        raise ImportError("no module named pyarrow")

    assert warm_while_starting(url, [lambda: ran.append("a"), broken, lambda: ran.append("c")]) == 1
    assert ran == ["a"]


def test_the_writer_piece_imports_what_a_first_write_imports():
    """``warm_writer`` leaves the process with the modules a first write would import (Arrow's dataset module,
    asked for by DuckDB when a frame is registered), in a fresh interpreter that had none of them."""
    probe = (
        "import sys; from warehouse.load import warm_writer; before = 'pyarrow.dataset' in sys.modules; "
        "warm_writer(); print(before, 'pyarrow.dataset' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "True"]
