"""Shared mode: the same tables in a DuckLake catalog (``--db ducklake:DIR`` or ``--db 'ducklake:postgres:...'``).

``ducklake:DIR``: ``DIR/catalog.sqlite`` holds the catalog (SQLite, so several processes can attach it at once: people
query while a flow writes) and ``DIR/data/`` the Parquet files. Every commit is a snapshot, so older
states stay queryable: ``SELECT count(*) FROM personas AT (VERSION => 3)``. The extensions come from
pip packages (``duckdb-extension-ducklake``, ``duckdb-extension-sqlite-scanner``): nothing is downloaded
at run time.

``ducklake:postgres:CONNINFO``: the catalog is in PostgreSQL, so processes on several machines share it.
CONNINFO is a libpq connection string (``dbname=tacit host=db port=5432 user=tacit``, or
``service=NAME`` for an entry of a libpq service file) plus one key of Tacit's own, ``data_path=``: where
the Parquet files go (a directory every process can reach, or ``s3://bucket/tacit/`` with the
``duckdb-extension-httpfs`` package installed). Without it an existing catalog keeps the path it recorded
and a new one gets ``./data/lake/``. Credentials come from the environment (``PGPASSWORD``, ``PGUSER``,
``PGPASSFILE``, ...) or the service file, never from the command line: a ``password=`` in the spec still
works, but ``take_password`` moves it into ``PGPASSWORD`` and everything Tacit records or prints uses
``without_password``. The ``postgres_scanner`` extension comes from ``duckdb-extension-postgres-scanner``
(the same binary as ``duckdb-extension-postgres``, named as DuckDB's LOAD expects). The DDL is the same.

DuckLake has no PRIMARY KEY or CHECK constraints: the migrations are applied with those clauses
removed. Uniqueness is checked instead: ``warehouse.load.write_unit`` writes each unit once under its
completion marker and, on a lake, verifies before COMMIT that no key it wrote is now held twice.

Paths become SQL string literals through ``sql_string`` (quotes doubled), never by pasting: a directory
named ``bob's lake`` works and a crafted ``--db`` value stays a path. The SQLite catalog takes one writer
at a time and briefly blocks on readers, so a catalog lock ("database is locked", a DuckLake transaction
conflict) is transient: ``retry_locked`` retries it with jittered exponential backoff, bounded in time.
On a Postgres catalog the same holds for a serialization failure, a deadlock, a catalog key taken by a
concurrent commit, and two processes creating a new catalog at once.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

PREFIX = "ducklake:"
POSTGRES_PREFIX = PREFIX + "postgres:"
DEFAULT_PG_DATA = Path("data/lake")
"""Data path of a new Postgres-catalog lake whose spec names none (relative to the working directory)."""
_CONNINFO_ITEM = re.compile(r"(?P<key>[A-Za-z_]+)\s*=\s*(?P<value>'(?:[^'\\]|\\.)*'|[^\s']*)")
_PASSWORD = re.compile(r"\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|[^\s'\"]*)", re.IGNORECASE)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PK_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)", re.IGNORECASE)
_PK_INLINE = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)
_CHECK = re.compile(r"\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
_LOCK_MARKERS = (
    "database is locked",
    "database table is locked",
    "transaction conflict",
    "sqlite_busy",
    # a Postgres catalog: another process's concurrent commit, or its creating the catalog tables meanwhile
    # (Postgres's wording: DuckDB's own key errors say 'Duplicate key "..." violates', never "key value")
    "duplicate key value violates unique constraint",
    "could not serialize access",
    "deadlock detected",
)
LOCK_WAIT_S = 60.0
"""Longest a write keeps retrying a locked catalog before the lock error is raised."""
T = TypeVar("T")


def is_ducklake(target: str | Path) -> bool:
    return str(target).startswith(PREFIX)


def lake_dir(target: str | Path) -> Path:
    return Path(str(target)[len(PREFIX) :])


def is_postgres(target: str | Path) -> bool:
    """A lake whose catalog is in PostgreSQL: ``ducklake:postgres:CONNINFO``."""
    return str(target).startswith(POSTGRES_PREFIX)


def without_password(text: str) -> str:
    """``text`` (a ``--db`` value, or an error quoting a connection string) with every ``password=...``
    removed: what Tacit records, prints and raises."""
    return re.sub(r" {2,}", " ", _PASSWORD.sub("", str(text))).rstrip()


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def postgres_spec(target: str | Path) -> tuple[str, dict[str, str], str | None]:
    """(libpq connection string without ``data_path``, its keys lower-cased and unquoted, ``data_path``
    or None) of a ``ducklake:postgres:`` target. Anything that is not ``key=value`` is refused."""
    text = str(target)[len(POSTGRES_PREFIX) :]
    items = list(_CONNINFO_ITEM.finditer(text))
    rest = _CONNINFO_ITEM.sub(" ", text).strip()
    if rest:
        raise ValueError(f"{without_password(str(target))}: not a libpq connection string of key=value items")
    keys = {m["key"].lower(): _unquote(m["value"]) for m in items}
    data_path = keys.pop("data_path", None) or None
    conninfo = " ".join(m.group(0) for m in items if m["key"].lower() != "data_path")
    return conninfo, keys, data_path


def take_password(target: str | Path) -> str:
    """``target`` without its ``password=``; the password (if any) goes to ``PGPASSWORD`` for this process
    and its children, and is redacted from then on. For the CLI, so no flow parameter holds it."""
    text = str(target)
    if not is_postgres(text):
        return text
    password = postgres_spec(text)[1].get("password")
    if password:
        from llm.redact import register_secret

        os.environ["PGPASSWORD"] = password
        register_secret(password)
    return without_password(text)


def lake_home(target: str | Path) -> Path:
    """The local directory for files kept beside a lake (reports, models): ``DIR`` for ``ducklake:DIR``;
    for a Postgres catalog the parent of a local ``data_path``, else ``data``."""
    if not is_postgres(target):
        return lake_dir(target)
    data_path = postgres_spec(target)[2]
    if data_path and not _URL.match(data_path):
        return Path(data_path).expanduser().parent
    return DEFAULT_PG_DATA.parent


def lake_uri(target: str | Path) -> str:
    """A stable name of the lake for asset keys, with no credentials: ``ducklake://<dir>``, or
    ``ducklake://postgres@<host>[:port]/<dbname>`` (``service=NAME`` as the host when only a service is
    named). Characters Prefect refuses in an asset key (spaces, ``%``, quotes, ...) become ``_``."""
    if not is_postgres(target):
        return f"ducklake://{lake_dir(target).resolve().as_posix().lstrip('/')}"
    keys = postgres_spec(target)[1]
    service = f"service={keys['service']}" if "service" in keys else "localhost"
    host = keys.get("host") or keys.get("hostaddr") or service
    port = f":{keys['port']}" if keys.get("port") else ""
    name = re.sub(r"[^A-Za-z0-9._~:=@+/\-]", "_", f"{host}{port}/{keys.get('dbname') or keys.get('user') or ''}")
    return f"ducklake://postgres@{name}"


def adapt_ddl(sql: str) -> str:
    """Drop the constraints DuckLake does not support."""
    return _CHECK.sub("", _PK_INLINE.sub("", _PK_CLAUSE.sub("", sql)))


def _extension(package: str, name: str) -> Path:
    module = __import__(package)
    found = sorted(Path(module.__path__[0]).rglob(f"{name}.duckdb_extension"))
    if not found:
        raise FileNotFoundError(f"{package} does not contain {name}.duckdb_extension")
    return found[-1]


def sql_string(value: str | Path) -> str:
    """``value`` as a DuckDB string literal: quoted, inner single quotes doubled. For the statements that
    take no parameters (ATTACH, LOAD), so a path is always data, never SQL."""
    text = value.as_posix() if isinstance(value, Path) else str(value)
    if "\x00" in text:
        raise ValueError(f"{text!r}: a path cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"


def is_lock_error(exc: BaseException) -> bool:
    """A transient catalog lock or DuckLake commit conflict: worth retrying the whole transaction."""
    if not isinstance(exc, duckdb.Error):
        return False
    text = str(exc).lower()
    racing_init = "failed to initialize ducklake" in text and "already exists" in text
    return racing_init or any(m in text for m in _LOCK_MARKERS)


def retry_locked(fn: Callable[[], T], *, wait_s: float | None = None) -> T:
    """``fn()``, run again while it fails with a lock error, for at most ``wait_s`` seconds (default
    ``LOCK_WAIT_S``) with jittered exponential backoff; then the last lock error itself is raised. Any
    other error is raised at once. ``fn`` must be a whole transaction (safe to repeat)."""
    retrying = Retrying(
        retry=retry_if_exception(is_lock_error),
        stop=stop_after_delay(LOCK_WAIT_S if wait_s is None else wait_s),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        reraise=True,
    )
    return retrying(fn)


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """End a failed transaction without hiding why it failed: a ROLLBACK that finds no transaction (a
    failed COMMIT already ended it) or fails itself is ignored, so the caller re-raises the original."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def transaction(con: duckdb.DuckDBPyConnection, fn: Callable[[], T], *, wait_s: float | None = None) -> T:
    """``fn()`` inside one transaction: committed when it returns, rolled back when it raises (quietly, so
    ``fn``'s or COMMIT's own error is what surfaces), and run again whole on a lock error (``retry_locked``,
    at most ``wait_s``). ``fn`` must be safe to repeat and must not open a transaction itself."""

    def once() -> T:
        con.execute("BEGIN TRANSACTION")
        try:
            result = fn()
            con.execute("COMMIT")
        except BaseException:
            rollback_quietly(con)
            raise
        return result

    return retry_locked(once, wait_s=wait_s)


def _open(root: Path, catalog: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_ducklake', 'ducklake'))}")
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_sqlite_scanner', 'sqlite_scanner'))}")
        options = f"DATA_PATH {sql_string((root / 'data').as_posix() + '/')}" + (", READ_ONLY" if read_only else "")
        con.execute(f"ATTACH {sql_string('ducklake:sqlite:' + catalog.as_posix())} AS tacit ({options})")
        con.execute("USE tacit")
    except BaseException:
        con.close()
        raise
    return con


def _data_path(value: str) -> str:
    """A ``data_path`` as DATA_PATH wants it: a URL as given, a local directory absolute (created)."""
    if _URL.match(value):
        return value if value.endswith("/") else value + "/"
    path = Path(value).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path.as_posix() + "/"


def _open_postgres(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    conninfo, _, data_path = postgres_spec(target)
    con = duckdb.connect(config={"autoinstall_known_extensions": False})  # never a download at run time
    try:
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_ducklake', 'ducklake'))}")
        con.execute(f"LOAD {sql_string(_extension('duckdb_extension_postgres_scanner', 'postgres_scanner'))}")
        if data_path and _URL.match(data_path):
            try:
                httpfs = _extension("duckdb_extension_httpfs", "httpfs")
            except ImportError as exc:
                need = f"duckdb-extension-httpfs=={duckdb.__version__}"
                raise ValueError(f"data_path {data_path}: object storage needs `pip install {need}`") from exc
            con.execute(f"LOAD {sql_string(httpfs)}")

        def attach_with(data: str | None) -> None:
            options = ([f"DATA_PATH {sql_string(data)}"] if data else []) + (["READ_ONLY"] if read_only else [])
            suffix = f" ({', '.join(options)})" if options else ""
            con.execute(f"ATTACH {sql_string(POSTGRES_PREFIX + conninfo)} AS tacit{suffix}")

        try:
            attach_with(_data_path(data_path) if data_path else None)
        except duckdb.InvalidInputException as exc:
            if data_path or read_only or "data_path is not set" not in str(exc):
                raise
            attach_with(_data_path(str(DEFAULT_PG_DATA)))  # a new catalog, no data_path given: the default
        con.execute("USE tacit")
    except BaseException:
        con.close()
        raise
    return con


def attach(target: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the lake at ``target`` attached and selected. A catalog locked by
    another process (a writer committing, or creating a fresh lake) is waited for (``retry_locked``)."""
    if is_postgres(target):
        return retry_locked(lambda: _open_postgres(str(target), read_only))
    root = lake_dir(target)
    catalog = root / "catalog.sqlite"
    if read_only and not catalog.exists():
        raise FileNotFoundError(f"{catalog}: no DuckLake catalog here")
    (root / "data").mkdir(parents=True, exist_ok=True)
    return retry_locked(lambda: _open(root, catalog, read_only))
