"""Shards on a Dask cluster: every stage of one shard in a worker process, its rows written by the flow.

    tacit synth --preset full --workers 2                       # a local Dask cluster of 2 processes
    tacit synth --preset full --dask-address tcp://HOST:8786    # an existing cluster (its workers need Tacit)

What: ``shard_rows(config, shard, pool)`` runs the stages of one shard (``flows.stages.shard``, the same
sequence the in-process flow runs as tasks) and returns its warehouse rows as plain data (table name ->
list of row dicts); ``shard_task`` is the same as a Prefect task, so each shard is a task run in the UI;
``dask_runner`` enters prefect-dask's ``DaskTaskRunner`` for ``--workers`` / ``--dask-address`` with
its cluster started and its workers warming up (``warm_worker``).
Why: the offline stages are CPU-bound Python, so threads share one core; processes use them all. A DuckDB
connection cannot travel to another process, so workers never touch the warehouse: the flow's process is
the one writer, and it writes each finished shard with its marker in one transaction, in the order shards
finish (resume is unchanged: a killed run redoes only the unmarked shards).
How: each worker loads the taxonomy and builds the generator itself from the config, as soon as it starts,
while the flow builds the shared pool (a stage's output
depends only on the config, the shard and the shared pool: the same rows at any worker count or shard
size, ``tests/flows/test_fanout.py``). Only the offline backend fans out: the openai backend is bound by
the server, not the CPU, and already keeps ``--concurrency`` requests in flight from one process.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cache

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.fanout_check import FanoutError
from flows.stages.shard import run_shard
from schemas.config import SynthConfig
from warehouse.load import as_frame

WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
"""Dask settings for the workers of a local cluster. Dask samples the stack of each worker's running task
every 10 ms for its dashboard's profile: on these CPU-bound shards that sampling cost 13% of a shard
(16.6-17.4 s against 14.5-14.8 s for the same shard without it, one worker, same machine)."""


@contextlib.contextmanager
def dask_runner(workers: int, dask_address: str | None, backend: str, seed: int):
    """prefect-dask's task runner, entered, with its cluster up: a temporary local cluster of ``workers``
    single-threaded processes (Dask's sampling profiler off: ``WORKER_CONFIG``), or the cluster at
    ``dask_address``. Each worker at once starts loading its taxonomy and generator (``warm_worker``), so a
    caller that enters this before its own set-up (the flow's shared pool) overlaps the two. Imported here
    so a run without fan-out never imports Dask."""
    try:
        import dask
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise FanoutError("--workers needs prefect-dask (run `make setup`)") from exc
    if dask_address:
        runner = DaskTaskRunner(address=dask_address)
    else:  # loopback only, the dashboard on a free port (two runs at once do not collide), logs from WARNING
        cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
                   "dashboard_address": "127.0.0.1:0", "silence_logs": logging.WARNING}  # fmt: skip
        runner = DaskTaskRunner(cluster_kwargs=cluster)
    with dask.config.set(WORKER_CONFIG), runner:  # a local cluster's workers get the config at their start
        client = runner.client  # starts the local cluster, or connects
        warming = [  # held until the runner closes: a released future's task may be dropped unrun
            client.submit(warm_worker, backend, seed, workers=[address], pure=False)
            for address in client.scheduler_info()["workers"]
        ]
        yield runner
        del warming


def warm_worker(backend: str, seed: int) -> None:
    """Import the stages and load this worker's taxonomy and generator (``_inputs``) before its first shard
    arrives: work of a worker's start that otherwise began only after the flow had built its pool."""
    _inputs(backend, seed)


class Opaque:
    """A value Prefect hands to a task as it is: its parameter walks (looking for futures to wait on)
    do not descend into an object of a plain class, and the shared pool is thousands of sessions."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


@cache
def _inputs(backend: str, seed: int):
    """The taxonomy and generator of this worker process, built once per process."""
    from llm import get_generator
    from taxonomy import load_taxonomy

    return load_taxonomy(), get_generator(backend, seed)


def shard_rows(config: SynthConfig, shard: int, pool: Opaque) -> dict[str, pl.DataFrame]:
    """Every stage of one shard as plain calls (``flows.stages.shard``); returns the shard's rows, one
    polars frame per table (``warehouse.load.as_frame``): built here, in the worker, they travel as Arrow
    buffers, and the writer process, which shares the machine with the workers, only hands them to
    DuckDB instead of unpickling and converting every row's dict itself.
    ``pool`` is the shared filler pool (sessions) in an ``Opaque``."""
    tax, gen = _inputs(config.backend, config.seed)
    return {table: as_frame(rows) for table, rows in run_shard(config, shard, tax, gen, pool.value).items()}


shard_task = task(name="shard", cache_policy=NO_CACHE, retries=1)(shard_rows)
"""One shard in a Dask worker: a task run per shard in the Prefect UI, retried once on an unexpected
error (the offline backend makes no calls that a retry would pay for again)."""
