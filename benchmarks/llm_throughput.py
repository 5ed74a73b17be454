"""Throughput of the openai backend under an RPM cap, against the loopback OpenAI-compatible server.

    python benchmarks/llm_throughput.py [--requests 120] [--rpm 600] [--latency 0.2] [--concurrency 16]
                                        [--store memory|warehouse] [--server process|thread]

Each response takes ``--latency`` seconds; the client may send at most ``--rpm`` requests a minute
(``--rpm 0``: no cap). Prints the fastest possible time for the batch under both caps (whole windows of
``rpm`` requests, and ``concurrency`` requests per ``latency``) divided by the measured time: the fraction
of the theoretical limit achieved (target >= 0.9), the CPU time per request (``time.process_time``: this
process, so the client and its call-store writer, and the loopback server too with ``--server thread``;
and ``time.thread_time``
of the thread running the event loop, the client's own share) and the median recorded ``latency_ms``
(the server's time) and ``queue_ms`` (the wait for a slot). Then the same batch again with the cache warm
(target: no request reaches the server). The cap's window is shortened to 6 s (and the RPM scaled to it)
so the run takes seconds, not minutes.

``--server process`` (the default) runs the loopback server in a process of its own, as a real server
runs beside its clients, so the CPU figures are the client's alone (with its call-store writer);
``--server thread`` serves from a thread of this process, where server and client share one interpreter.

``--store warehouse`` records the calls in a DuckDB warehouse in a temporary directory
(``warehouse.llm_store.WarehouseCallStore``, as ``tacit synth`` does) instead of a dict, so the cost of
writing each finished call is part of the figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from flows.stages.personas import sample_seed
from llm.callsites import PERSONA_PROFILE
from llm.loopback import FakeOpenAI
from llm.openai_backend import MemoryStore, OpenAIGenerator, RateLimiter
from schemas.config import load_preset
from taxonomy import load_taxonomy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="calls in the batch")
    parser.add_argument("--rpm", type=int, default=600, help="requests-per-minute cap (0: no cap)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency in seconds")
    parser.add_argument("--concurrency", type=int, default=16, help="most requests in flight")
    parser.add_argument(
        "--store", choices=["memory", "warehouse"], default="memory", help="where calls are recorded (default memory)"
    )
    parser.add_argument(
        "--server",
        choices=["process", "thread"],
        default="process",
        help="run the loopback server in its own process (default) or in a thread of this one",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args, Path(tmp))


class _ServerProcess:
    """The loopback server in a child process: its address, and its count of requests on demand."""

    def __init__(self, latency: float) -> None:
        ctx = multiprocessing.get_context("spawn")  # a clean interpreter: nothing of this one's threads
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(latency, child), daemon=True)
        self.process.start()
        self.base_url = self.pipe.recv()

    @property
    def requests(self) -> int:
        self.pipe.send("count")
        return self.pipe.recv()

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)


def _serve(latency: float, pipe) -> None:
    with FakeOpenAI(latency=latency) as server:
        pipe.send(server.base_url)
        while pipe.recv() != "stop":
            pipe.send(server.requests)


@contextmanager
def _server(kind: str, latency: float):
    if kind == "thread":
        with FakeOpenAI(latency=latency) as server:
            yield server
        return
    server = _ServerProcess(latency)
    try:
        yield server
    finally:
        server.stop()


def run(args: argparse.Namespace, tmp: Path) -> None:
    tax = load_taxonomy()
    config = load_preset("full")
    seeds = [sample_seed(config, i, tax) for i in range(args.requests)]
    window = 6.0
    per_window = max(1, int(args.rpm * window / 60)) if args.rpm > 0 else None
    con = None
    if args.store == "warehouse":
        from warehouse import connect
        from warehouse.llm_store import WarehouseCallStore

        con = connect(tmp / "bench.duckdb")
        store = WarehouseCallStore(con)
    else:
        store = MemoryStore()
    with _server(args.server, args.latency) as server:
        gen = OpenAIGenerator(
            "loopback",
            base_url=server.base_url,
            store=store,
            taxonomy=tax,
            concurrency=args.concurrency,
            rpm=per_window,
        )
        original = RateLimiter.__init__

        def short_window(self, rpm, tpm, window_s=window):  # the same rule over a shorter window
            original(self, rpm, tpm, window=window_s)

        RateLimiter.__init__ = short_window
        t0, cpu0, loop0 = time.perf_counter(), time.process_time(), time.thread_time()
        gen.generate(PERSONA_PROFILE, seeds)
        cold, cpu, loop_cpu = time.perf_counter() - t0, time.process_time() - cpu0, time.thread_time() - loop0
        RateLimiter.__init__ = original
        fastest = args.requests * args.latency / args.concurrency
        if per_window is not None:
            fastest = max(fastest, (-(-args.requests // per_window) - 1) * window + args.latency)
        print(
            f"cold ({args.store} store, server in a {args.server}): {args.requests} requests in {cold:.2f} s "
            f"({args.requests / cold:.1f} req/s, "
            f"{cpu * 1000 / args.requests:.2f} CPU ms/request, of which {loop_cpu * 1000 / args.requests:.2f} on "
            f"the event loop's thread); fastest possible {fastest:.2f} s; fraction of the limit {fastest / cold:.2f} "
            "(target >= 0.9)"
        )
        if con is not None:
            timings = con.execute("SELECT latency_ms, queue_ms FROM llm_calls").fetchall()
        else:
            timings = [(r["latency_ms"], r["queue_ms"]) for r in store.rows.values()]
        print(
            f"      {len(timings)} calls recorded; median latency_ms {statistics.median(t[0] for t in timings):.0f} "
            f"(server {args.latency * 1000:.0f}), median queue_ms {statistics.median(t[1] for t in timings):.0f}"
        )
        sent = server.requests
        t0 = time.perf_counter()
        gen.generate(PERSONA_PROFILE, seeds)
        warm = time.perf_counter() - t0
        print(
            f"warm: {args.requests} calls in {warm:.2f} s; requests sent to the server: {server.requests - sent} "
            "(target 0)"
        )
    close = getattr(gen, "close", None)
    if close is not None:
        close()
    if con is not None:
        con.close()


if __name__ == "__main__":
    main()
