"""The buffered writer of the openai backend's finished calls: ``llm_calls`` rows and ``raw_failed_calls``
rows queued by ``WarehouseCallStore`` (``warehouse.llm_store``) and written in batches off the event loop.

Why buffered: writing each finished call at once (a DELETE and an INSERT in a transaction, ~2.5 ms) ran
on the openai backend's event loop and took about a fifth of the client's CPU; a batch of 20 rows takes
~4 ms, and on a thread of its own it no longer holds up the loop.

How:
- ``put`` / ``put_failure`` queue the row (a call replaces a queued call with its cache key, as the table
  does); every text column is redacted (``llm.redact``) as it is written: a server's error or answer may
  quote an API key. Failures are recorded but never cached, so a rerun retries exactly the calls that
  failed.
- Until ``buffer`` each row is written at once, in the caller's thread (``OpenAIChat``, tools and tests
  read the table right after and never flush). The openai backend calls ``buffer`` before each batch
  (``generate``) and ``flush`` after it; from ``buffer`` until ``close`` a daemon thread writes the queue
  ``flush_s`` (``FLUSH_S``, 250 ms) after its oldest row arrived, in one transaction: DELETE of the
  batch's cache keys, then one INSERT of its calls and one of its failures, each a list parameter per
  column unnested into rows (``executemany`` runs the INSERT once per row: 0.7 ms a row, against 0.2 ms
  this way at 20 rows). ``warehouse.ducklake.transaction`` retries it whole on a catalog lock or commit
  conflict, as before. ``close``, the store's garbage collection and a normal interpreter exit write what
  is queued too.
- ``get`` looks in the queue (and the batch being written) first, so a call that is finished but not yet
  committed is never sent again; a SIGKILL loses the queue, the calls of the last window, which the
  rerun sends again (it finds every other completed call by its cache key).
- The thread writes through its own cursor of the connection (``con.cursor()``: the same database,
  selected as on the owner's connection, a lake's ``USE tacit``), so it never joins a transaction of the
  owner's and, on a DuckDB file, the owner's reads never wait for it; a write in the caller's thread
  (write-through, ``flush``, ``close``) uses the owner's connection under the store's lock, as always. A
  lake's catalog (SQLite) takes one writer, fails a reader while it commits, and cannot commit while
  another connection holds a read open: there the thread writes under the store's lock, and the store
  reads with ``fetchall`` (a ``fetchone`` leaves its result, and its read, open). Another read of the
  owner's connection while calls are queued takes ``store.lock`` too (or follows a ``flush``).
- A write that fails keeps its rows queued (a newer row of the same key wins) and its error: the next
  ``put``, ``put_failure``, ``flush`` or ``close`` raises ``CallWriteError`` naming the tables, until a
  write succeeds.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import duckdb

from llm.redact import redact, redact_value
from warehouse.connection import WarehouseError
from warehouse.ducklake import transaction

_log = logging.getLogger(__name__)

FLUSH_S = 0.25
"""Longest a queued row waits for the writer thread (seconds): a SIGKILL re-sends at most this window's calls."""

# column -> the SQL type its values are cast to (warehouse/sql: 014_llm_queue_ms.sql, 009_llm_failures.sql)
_REQUEST_COLUMNS = {
    "cache_key": "VARCHAR",
    "call_site": "VARCHAR",
    "request_key": "VARCHAR",
    "prompt_id": "VARCHAR",
    "prompt_sha": "VARCHAR",
    "model": "VARCHAR",
    "messages": "JSON",
    "params": "JSON",
    "response_text": "VARCHAR",
}  # what a finished call and a failed one both record
CALL_COLUMNS = _REQUEST_COLUMNS | {
    "parsed": "JSON",
    "tokens_in": "INTEGER",
    "tokens_out": "INTEGER",
    "latency_ms": "INTEGER",
    "queue_ms": "INTEGER",
    "cost_usd": "DOUBLE",
    "status": "VARCHAR",
    "error": "VARCHAR",
    "system_fingerprint": "VARCHAR",
    "run_id": "VARCHAR",
}
FAILURE_COLUMNS = _REQUEST_COLUMNS | {
    "error": "VARCHAR",
    "attempts": "INTEGER",
    "tokens_in": "INTEGER",
    "tokens_out": "INTEGER",
    "cost_usd": "DOUBLE",
    "run_id": "VARCHAR",
}
# the NOT NULL columns: a row without one is refused by put, not by a batch it would make fail
_CALL_REQUIRED = ("cache_key", "call_site", "model", "status")
_FAILURE_REQUIRED = ("cache_key", "call_site")


def _delete_calls(n: int) -> str:
    """DELETE of a batch's ``n`` cache keys (an IN list: cheapest from one key to hundreds)."""
    return f"DELETE FROM llm_calls WHERE cache_key IN ({', '.join('?' for _ in range(n))})"


def _insert(table: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> tuple[str, list]:
    """One INSERT of ``rows`` (redacted): a list parameter per column, unnested side by side into rows; a
    single row as plain VALUES (cheaper for one). Why not ``executemany``: it runs the INSERT once per row,
    0.7 ms a row against 0.2 ms here at 20 rows a batch (measured on a DuckDB file)."""
    names = ", ".join(columns)
    if len(rows) == 1:
        values = ", ".join("?" for _ in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({values})", [redact_value(rows[0].get(c)) for c in columns]
    values = ", ".join(f"unnest(?::{kind}[])" for kind in columns.values())
    return f"INSERT INTO {table} ({names}) SELECT {values}", [[redact_value(r.get(c)) for r in rows] for c in columns]


class CallWriteError(WarehouseError):
    """Queued LLM calls could not be written to the warehouse (the tables are named); they stay queued."""


def _missing(row: dict[str, Any], required: tuple[str, ...], table: str) -> None:
    absent = [c for c in required if row.get(c) is None]
    if absent:
        raise ValueError(f"{table} row {row.get('cache_key')!r} lacks {', '.join(absent)}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class CallWriter:
    """The queue of ``llm_calls`` / ``raw_failed_calls`` rows of one connection and the thread that writes it."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, *, lock: threading.Lock | None = None, flush_s: float = FLUSH_S
    ) -> None:
        self.con, self.flush_s = con, flush_s
        self.owner_lock = lock or threading.Lock()  # held while the owner's connection is used
        ((database, schema, kind),) = con.execute(
            "SELECT current_database(), current_schema(), "
            "(SELECT type FROM duckdb_databases() WHERE database_name = current_database())"
        ).fetchall()
        self._use = f"USE {_ident(database)}.{_ident(schema)}"  # a cursor starts in the default database
        # a lake's catalog takes one writer, and a reader of another connection fails while it commits (and
        # blocks its commit): there the thread writes under the owner's lock, so the store's reads wait a
        # few ms instead of failing
        self._serialize = kind != "duckdb"
        self._cond = threading.Condition()  # guards everything below but the write itself
        # one write at a time (the thread's, or a caller's flush); reentrant, as a store collected on the
        # writer thread flushes there (``weakref.finalize``)
        self._write_lock = threading.RLock()
        self._calls: dict[str, dict[str, Any]] = {}  # queued calls by cache key
        self._failures: list[dict[str, Any]] = []
        self._writing: dict[str, dict[str, Any]] = {}  # calls of the write under way (not yet committed)
        self._oldest: float | None = None  # when the oldest queued row arrived (monotonic)
        self._error: tuple[str, BaseException] | None = None  # the last write's failure, until one succeeds
        self._thread: threading.Thread | None = None  # the writer thread, while buffered
        self._cur: duckdb.DuckDBPyConnection | None = None  # the writer's cursor (``_cursor``)

    # -- queueing --------------------------------------------------------------------------------
    def put_call(self, row: dict[str, Any]) -> None:
        _missing(row, _CALL_REQUIRED, "llm_calls")
        self._queue(lambda: self._calls.__setitem__(row["cache_key"], dict(row)))

    def put_failure(self, row: dict[str, Any]) -> None:
        _missing(row, _FAILURE_REQUIRED, "raw_failed_calls")
        self._queue(lambda: self._failures.append(dict(row)))

    def _queue(self, add) -> None:
        with self._cond:
            add()
            if self._oldest is None:
                self._oldest = time.monotonic()
                self._cond.notify()
            through = self._thread is None
        if through:
            self.flush()
        else:
            self._raise_error()

    @property
    def error(self) -> str | None:
        """Why the last write failed, while no write has succeeded since (what ``CallWriteError`` says)."""
        with self._cond:
            return self._error[0] if self._error is not None else None

    def queued(self, cache_key: str) -> dict[str, Any] | None:
        """The call queued (or being written) under ``cache_key``, as it was put; None if none is."""
        with self._cond:
            return self._calls.get(cache_key) or self._writing.get(cache_key)

    # -- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        """Write from a background thread from now on (each row within ``flush_s``); idempotent."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tacit-call-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                while self._thread is me:  # until ``close`` (which writes what is left, in its own thread)
                    if self._oldest is None:  # nothing queued (or a caller's flush took it): wait for a row
                        self._cond.wait()
                        continue
                    left = self._oldest + self.flush_s - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                else:
                    return
            self._write(on_owner=False)

    def flush(self) -> None:
        """Write every queued row now (in the caller's thread, on the owner's connection); ``CallWriteError``
        if it fails."""
        self._write(on_owner=True)
        self._raise_error()

    def close(self) -> None:
        """Stop the thread, then write what is queued (``CallWriteError`` if that fails); writes go through
        at once afterwards. Idempotent."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        try:
            self.flush()
        finally:
            with self._write_lock:
                self._drop_cursor()

    # -- writing ---------------------------------------------------------------------------------
    def _raise_error(self) -> None:
        with self._cond:
            error = self._error
        if error is not None:
            raise CallWriteError(error[0]) from error[1]

    def _write(self, *, on_owner: bool) -> None:
        with self._write_lock:
            with self._cond:
                calls, failures = self._calls, self._failures
                if not calls and not failures:
                    return
                self._calls, self._failures, self._writing, self._oldest = {}, [], calls, None
            try:
                self._write_rows(calls, failures, on_owner)
            except BaseException as exc:
                with self._cond:
                    self._calls = {**calls, **self._calls}  # back in the queue; a newer row of the same key wins
                    self._failures = failures + self._failures
                    self._oldest = time.monotonic()
                if not isinstance(exc, Exception):
                    raise
                parts = (("llm_calls", calls), ("raw_failed_calls", failures))
                what = " and ".join(f"{len(rows)} rows to {table}" for table, rows in parts if rows)
                message = redact(
                    f"writing {what} failed ({type(exc).__name__}: {exc}); they stay queued and are written "
                    "again at the next flush; a run killed before then sends those calls again"
                )
                _log.warning("%s", message)
                with self._cond:
                    self._error = (message, exc)
            else:
                with self._cond:
                    self._error = None
            finally:
                with self._cond:
                    self._writing = {}

    def _write_rows(self, calls: dict[str, dict[str, Any]], failures: list[dict[str, Any]], on_owner: bool) -> None:
        inserts = [_insert("llm_calls", CALL_COLUMNS, list(calls.values()))] if calls else []
        if failures:
            inserts.append(_insert("raw_failed_calls", FAILURE_COLUMNS, failures))

        def write(con) -> None:  # replace by cache key (no keys on DuckLake): DELETE, then INSERT
            if calls:
                con.execute(_delete_calls(len(calls)), list(calls))
            for sql, params in inserts:
                con.execute(sql, params)

        if on_owner:
            with self.owner_lock:
                transaction(self.con, lambda: write(self.con))
            return
        cur = self._cursor()
        try:
            with self.owner_lock if self._serialize else contextlib.nullcontext():
                transaction(cur, lambda: write(cur))
        except BaseException:
            self._drop_cursor()  # a fresh one next time, whatever state this one was left in
            raise

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """The writer's own connection to the owner's database (kept between writes, under the write lock)."""
        if self._cur is None:
            cur = self.con.cursor()
            try:
                cur.execute(self._use)
            except BaseException:
                cur.close()
                raise
            self._cur = cur
        return self._cur

    def _drop_cursor(self) -> None:
        cur, self._cur = self._cur, None
        if cur is not None:
            with contextlib.suppress(duckdb.Error):
                cur.close()


def close_at_exit(writer: CallWriter) -> None:
    """The store was collected or the interpreter exits: write what is queued; nobody is left to raise to."""
    try:
        writer.close()
    except CallWriteError as exc:
        _log.error("LLM calls lost at exit: %s", exc)
