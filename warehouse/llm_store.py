"""The warehouse as the openai backend's call store: ``llm_calls`` (the cache), ``raw_failed_calls``
(calls that stayed invalid after a repair) and the Batch API bookkeeping (``llm_batches``,
``llm_batch_requests``), with the buffered writer of the first two (``CallWriter``).

The buffered writer (why, how, what a SIGKILL loses): ``warehouse.call_writer``.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import duckdb

from llm.redact import redact
from warehouse.call_writer import FLUSH_S, CallWriteError, CallWriter, close_at_exit
from warehouse.ducklake import retry_locked, transaction

__all__ = ["FLUSH_S", "CallWriteError", "CallWriter", "WarehouseCallStore"]


class WarehouseCallStore:
    def __init__(self, con: duckdb.DuckDBPyConnection, *, flush_s: float = FLUSH_S) -> None:
        self.con = con
        self.lock = threading.Lock()
        self.writer = CallWriter(con, lock=self.lock, flush_s=flush_s)
        self._finalizer = weakref.finalize(self, close_at_exit, self.writer)  # on collection and at exit

    def get(self, cache_key: str) -> str | None:
        queued = self.writer.queued(cache_key)  # finished, not yet written: still a hit
        if queued is not None:
            return redact(queued.get("parsed")) if queued.get("status") == "ok" else None
        with self.lock:  # fetchall: a result left open would keep a lake's catalog locked (see above)
            rows = self.con.execute(
                "SELECT parsed FROM llm_calls WHERE cache_key = ? AND status = 'ok'", [cache_key]
            ).fetchall()
        return rows[0][0] if rows else None

    def get_many(self, cache_keys: list[str]) -> dict[str, str]:
        """The cached answers of those of ``cache_keys`` that have one, in one query: a batch looks its
        calls up before sending any (one query per call, on the event loop, cost a tenth of a call's CPU)."""
        out: dict[str, str] = {}
        rest = []
        for key in cache_keys:
            queued = self.writer.queued(key)
            if queued is None:
                rest.append(key)
            elif queued.get("status") == "ok":
                out[key] = redact(queued.get("parsed"))
        if rest:
            with self.lock:
                rows = self.con.execute(
                    "SELECT cache_key, parsed FROM llm_calls WHERE status = 'ok' AND cache_key IN (SELECT unnest(?))",
                    [rest],
                ).fetchall()
            out.update(rows)
        return out

    def put(self, row: dict[str, Any]) -> None:
        """Queue a finished call; it replaces any row with its cache key (a retried failure)."""
        self.writer.put_call(row)

    def put_failure(self, row: dict[str, Any]) -> None:
        self.writer.put_failure(row)

    def buffer(self) -> None:
        """Write in batches from a background thread from now on; the caller flushes or closes. Idempotent.
        Ends any read the owner left open on the connection (on a lake it would block the thread's commits)."""
        with self.lock:
            self.con.execute("SELECT 1").fetchall()
        self.writer.start()

    def flush(self) -> None:
        """Write every queued call now; ``CallWriteError`` if the writer failed."""
        self.writer.flush()

    def close(self) -> None:
        """Flush and stop the writer thread; the store stays usable and writes each row at once again."""
        self.writer.close()

    # -- Batch API bookkeeping ------------------------------------------------------------------
    def add_batch(self, batch: dict[str, Any], requests: list[tuple[str, str, str]]) -> None:
        """Record a submitted batch and its (cache_key, call_site, request_key) lines in one transaction,
        run again on a catalog lock; a failure surfaces its own error, never the ROLLBACK's."""

        def write() -> None:
            self.con.execute(
                "INSERT INTO llm_batches (batch_id, run_id, call_site, model, input_file_id, status, n_requests) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [batch[k] for k in ("batch_id", "run_id", "call_site", "model", "input_file_id", "status")]
                + [len(requests)],
            )
            self.con.executemany(
                "INSERT INTO llm_batch_requests VALUES (?, ?, ?, ?)", [[batch["batch_id"], *r] for r in requests]
            )

        with self.lock:
            transaction(self.con, write)

    def open_batches(self, keys: set[str]) -> dict[str, set[str]]:
        """Uncollected batches holding any of ``keys``: batch id -> the cache keys it holds."""
        with self.lock:
            rows = self.con.execute(
                "SELECT r.batch_id, r.cache_key FROM llm_batch_requests r JOIN llm_batches b USING (batch_id) "
                "WHERE NOT b.collected"
            ).fetchall()
        held: dict[str, set[str]] = {}
        for batch_id, key in rows:
            held.setdefault(batch_id, set()).add(key)
        return {b: ks for b, ks in held.items() if ks & keys}

    def close_batch(self, batch_id: str, status: str, output_file_id, error_file_id, n_ok: int, n_failed: int) -> None:
        """Mark a batch collected, once its answers are written: a batch is never collected with its answers
        still queued (a kill between the two would leave them neither cached nor collectable)."""
        self.flush()
        with self.lock:
            retry_locked(
                lambda: self.con.execute(
                    "UPDATE llm_batches SET status = ?, output_file_id = ?, error_file_id = ?, n_ok = ?, n_failed = ?, "
                    "collected = true, collected_at = now() WHERE batch_id = ?",
                    [status, output_file_id, error_file_id, n_ok, n_failed, batch_id],
                )
            )
