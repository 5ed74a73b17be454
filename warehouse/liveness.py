"""Runs whose process is gone: each run's recorded owner, and the sweep that marks dead runs ``interrupted``.

Why: a run row says ``running`` from its start until its process records how it ended. A process killed
outright (SIGKILL, the OOM killer, a power cut) records nothing, so its row would say ``running`` forever.

How: every run start records its owner (``owner_host``, ``owner_pid`` and ``owner_start``: the boot id and
the process's start time from ``/proc``, so a pid reused by another process is not taken for the owner;
NULL where ``/proc`` is missing). The first run start of a process in a warehouse (``sweep_interrupted``)
then marks ``interrupted``, with a message saying why, the ``running`` rows that are dead:

- in a DuckDB file, every ``runs`` and ``eval_runs`` row but this process's own: the synth and evaluate
  flows hold the file open for writing while they run, DuckDB lets one process write a file, and the
  sweeping process holds it, so no other live process can own those rows;
- in ``training_runs`` (both forms), and in every table of a DuckLake (several writers at once), only rows
  whose owner is on this host and no longer alive: training closes the warehouse while it trains, and a
  lake's rows may belong to live processes. Rows of other hosts and rows without an owner are left alone.
"""

from __future__ import annotations

import os
import socket
from functools import cache

import duckdb

from warehouse.ducklake import retry_locked

RUN_TABLES = ("runs", "eval_runs", "training_runs")
"""The tables with one row per run and a ``status`` that is ``running`` while the run runs."""
_HELD_WHILE_RUNNING = ("runs", "eval_runs")
"""Tables whose runs keep the warehouse open for writing from start to end (synth, evaluate)."""
_SWEPT: set[tuple[int, str]] = set()
"""(pid, database) pairs already swept: once per process and warehouse is enough."""


def process_start(pid: int) -> str | None:
    """``"<boot id>:<pid namespace>:<start ticks>"`` of process ``pid`` (as seen from this process's pid
    namespace): with its pid it names one process on this host, even after the pid is reused or the host
    rebooted, and tells containers that share a hostname apart. None when ``/proc`` does not say (not
    Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()  # the command name may hold spaces and ')'
        with open("/proc/sys/kernel/random/boot_id") as fh:
            boot = fh.read().strip()
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except (OSError, IndexError):
        return None
    return f"{boot}:{namespace}:{fields[19]}"  # field 22 of stat; fields[0] is field 3


def _namespace(start: str | None) -> str | None:
    """The pid namespace part of a ``process_start`` value (None when it has none)."""
    parts = (start or "").split(":")
    return parts[1] if len(parts) == 3 else None


@cache
def owner() -> tuple[str, int, str | None]:
    """(host, pid, process start) of this process, as run rows record their owner."""
    return socket.gethostname(), os.getpid(), process_start(os.getpid())


def is_alive(pid: int, start: str | None) -> bool:
    """Whether process ``pid`` on this host is still the one that started at ``start``. A zombie (exited,
    not yet reaped) is dead; a process ``/proc`` cannot describe counts as alive, to be safe."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:
        with open(f"/proc/{pid}/stat") as fh:
            if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        return True
    return start is None or process_start(pid) in (None, start)


def _dead_because(row: tuple, held: bool) -> str | None:
    """Why the run of ``row`` (run_id, host, pid, start) is dead, or None while it may be alive. ``held``:
    the table's runs hold this DuckDB file, which this process now holds."""
    _, host, pid, start = row
    if (host, pid, start) == owner():
        return None
    if held:
        return "its process had ended without recording how (this process holds the warehouse file for writing)"
    if host != owner()[0] or pid is None:
        return None
    if _namespace(start) not in (None, _namespace(owner()[2])):
        return None  # another container with this hostname: its pids are not ours to check
    if not is_alive(pid, start):
        return f"its process (pid {pid} on {host}) is gone"
    return None


def _database(con: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    """(path, is a DuckLake) of the warehouse ``con`` writes to."""
    path, kind = con.execute(
        "SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return str(path), kind == "ducklake"


def sweep_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Mark the dead ``running`` rows of every run table ``interrupted`` (see the module docstring), once
    per process and warehouse; returns how many rows were marked. Each table's update is retried on a
    DuckLake catalog lock, and only touches rows still ``running``, so two sweeps never disagree."""
    path, lake = _database(con)
    if (os.getpid(), path) in _SWEPT:
        return 0
    marked = 0
    for table in RUN_TABLES:
        rows = con.execute(
            f"SELECT run_id, owner_host, owner_pid, owner_start FROM {table} WHERE status = 'running'"
        ).fetchall()
        held = not lake and table in _HELD_WHILE_RUNNING
        dead = [(r[0], why) for r in rows if (why := _dead_because(r, held))]
        for run_id, why in dead:
            message = f"interrupted: still 'running' but {why}; found at the start of pid {os.getpid()}'s run"
            retry_locked(
                lambda t=table, m=message, r=run_id: con.execute(
                    f"UPDATE {t} SET status = 'interrupted', finished_at = now(), message = ? "
                    "WHERE run_id = ? AND status = 'running'",
                    [m, r],
                )
            )
        marked += len(dead)
    _SWEPT.add((os.getpid(), path))
    return marked
