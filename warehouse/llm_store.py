"""The warehouse as the openai backend's call store (table ``llm_calls``).

Each finished call is written at once (not at the end of a shard), so a killed run loses no paid work:
the rerun finds every completed call by its cache key and sends only the missing ones.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

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
    "cost_usd",
    "status",
    "error",
    "system_fingerprint",
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
        values = [row.get(c) for c in _COLUMNS]
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self.lock:
            self.con.execute("DELETE FROM llm_calls WHERE cache_key = ?", [row["cache_key"]])  # a retried failure
            self.con.execute(f"INSERT INTO llm_calls ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)
