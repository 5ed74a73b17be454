"""Whether a ``--workers`` / ``--dask-address`` setting can run, checked before anything starts.

What: ``check_fanout(workers, dask_address, backend)`` says whether a run fans out and raises
``FanoutError`` (naming the option) for a setting it cannot honour. Why a module of its own: the CLI checks
the options before it looks for a complete version, and ``flows.fanout`` imports Prefect, which a rerun of
a complete version never needs (about a second of a two-second rerun). How: plain checks, no imports.
"""

from __future__ import annotations


class FanoutError(ValueError):
    """A ``--workers`` / ``--dask-address`` setting that cannot run; the message says which and why."""


def check_fanout(workers: int, dask_address: str | None, backend: str) -> bool:
    """Whether this run fans out; raises ``FanoutError`` for a setting it cannot honour."""
    if workers < 1:
        raise FanoutError(f"--workers must be at least 1 (got {workers})")
    if workers > 1 and dask_address:
        raise FanoutError("pass --workers (a local cluster) or --dask-address (an existing one), not both")
    parallel = workers > 1 or bool(dask_address)
    if parallel and backend != "offline":
        raise FanoutError(
            "--workers and --dask-address fan out the offline backend only; the openai backend is bound by the "
            "server and already runs --concurrency requests at once from one process"
        )
    if dask_address and not dask_address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise FanoutError(f"--dask-address must be a scheduler address like tcp://HOST:8786 (got {dask_address!r})")
    return parallel
