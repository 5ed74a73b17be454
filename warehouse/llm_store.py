"""The warehouse as the openai backend's call store: ``llm_calls`` (the cache), ``raw_failed_calls``
(calls that stayed invalid after a repair) and the Batch API bookkeeping (``llm_batches``,
``llm_batch_requests``).

Each finished call is written at once (not at the end of a shard), so a killed run loses no paid work:
the rerun finds every completed call by its cache key and sends only the missing ones. Failures are
recorded but never cached, so a rerun retries exactly the calls that failed. Every text column is
redacted (``llm.redact``) as it is written: a server's error or answer may quote an API key.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

from llm.redact import redact_value
from warehouse.ducklake import retry_locked, transaction

_COLUMNS = (
    "cache_key",
    "call_site",
    "request_key",
    "prompt_id",
    "prompt_sha",
    "model",
    "messages",
    "params",
    "response_text",
    "parsed",
    "tokens_in",
    "tokens_out",
    "latency_ms",
    "queue_ms",
    "cost_usd",
    "status",
    "error",
    "system_fingerprint",
    "run_id",
)
_FAILURE_COLUMNS = (
    "cache_key",
    "call_site",
    "request_key",
    "prompt_id",
    "prompt_sha",
    "model",
    "messages",
    "params",
    "response_text",
    "error",
    "attempts",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "run_id",
)


class WarehouseCallStore:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.lock = threading.Lock()

    def get(self, cache_key: str) -> str | None:
        with self.lock:
            row = self.con.execute(
                "SELECT parsed FROM llm_calls WHERE cache_key = ? AND status = 'ok'", [cache_key]
            ).fetchone()
        return row[0] if row else None

    def put(self, row: dict[str, Any]) -> None:
        values = [redact_value(row.get(c)) for c in _COLUMNS]
        placeholders = ", ".join("?" for _ in _COLUMNS)

        def replace() -> None:  # a retried failure: DELETE then INSERT in one transaction (no keys on DuckLake)
            self.con.execute("DELETE FROM llm_calls WHERE cache_key = ?", [row["cache_key"]])
            self.con.execute(f"INSERT INTO llm_calls ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)

        with self.lock:
            transaction(self.con, replace)

    def put_failure(self, row: dict[str, Any]) -> None:
        values = [redact_value(row.get(c)) for c in _FAILURE_COLUMNS]
        with self.lock:
            retry_locked(
                lambda: self.con.execute(
                    f"INSERT INTO raw_failed_calls ({', '.join(_FAILURE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in _FAILURE_COLUMNS)})",
                    values,
                )
            )

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
        with self.lock:
            retry_locked(
                lambda: self.con.execute(
                    "UPDATE llm_batches SET status = ?, output_file_id = ?, error_file_id = ?, n_ok = ?, n_failed = ?, "
                    "collected = true, collected_at = now() WHERE batch_id = ?",
                    [status, output_file_id, error_file_id, n_ok, n_failed, batch_id],
                )
            )
