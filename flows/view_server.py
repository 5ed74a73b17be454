"""``tacit view``: a local web page to browse the warehouse, served on 127.0.0.1 only.

    tacit view [--port 8765] [--db data/tacit.duckdb]      # then open http://127.0.0.1:8765/

What: a threaded HTTP server answering GET with the pages of ``flows.view_detail.render`` from one
read-only DuckDB connection (so synth, eval and train may write meanwhile on a DuckLake catalog; a plain
DuckDB file admits no writer while the page is served). Why: reading a persona's chain (preference ->
cue turns -> question -> answers) in a browser is what a researcher does first with new data. How:
``http.server`` from the standard library, no dependency and no script in the page; loopback only,
because the pages show everything the warehouse holds.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flows.view_detail import render


def make_server(con, port: int = 8765, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server (not yet serving) answering from ``con``; ``port=0`` picks a free port
    (``server.server_address``)."""
    lock = threading.Lock()  # one DuckDB connection, one query at a time

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/favicon.ico":
                self.send_response(204)
                self.end_headers()
                return
            with lock:
                try:
                    status, page = render(con, self.path)
                except Exception as exc:  # a broken warehouse: say so in the page, keep serving
                    status, page = 500, f"<!doctype html><p>error: {type(exc).__name__}: {exc}</p>"
            body = page.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # quiet: the command prints the address once

    return ThreadingHTTPServer((host, port), Handler)
