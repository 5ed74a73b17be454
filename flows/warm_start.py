"""Work a ``tacit synth`` will do anyway, done while Prefect's server starts.

What: ``warm_while_starting(api_url)`` runs small pieces of work (``steps()``) one after another until the
local Prefect API at ``api_url`` answers, and returns how many it ran. The pieces fill caches and import
modules that the first shard and the first warehouse write would otherwise pay for: the banks' per-sentence
reads (``flows.stages.banks.cache_warmers``), the writer's lazy imports (``warehouse.load.warm_writer``) and
the encoder Prefect serializes a flow's parameters with.
Why: the server takes about 2 s to answer on a calm 2-core machine (more on a busy one), and the command's
process had nothing to do meanwhile; ``small`` then paid the same work again after the wait. A piece is
about 0.1-0.2 s, so the flow starts at most that much later than the server answers, and whatever is left
is done where it was done before (as is a piece that fails: the flow then meets the error and reports it
as it always has). Nothing here changes a row: each piece fills a cache with what the pure
function it caches returns, or imports a module.
How: ``flows/cli.py`` calls it after ``spawn_early`` when the shards run in its own process (with
``--workers`` they run in Dask workers, which load their own inputs).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flows.local_prefect import answers


def _prefect_parameter_encoder() -> None:
    """Prefect imports FastAPI's JSON encoder the first time it serializes a flow's parameters."""
    importlib.import_module("fastapi.encoders")


def steps() -> list[Callable[[], object]]:
    """The pieces, in the order they run."""
    from flows.stages.banks import cache_warmers
    from warehouse.load import warm_writer

    return [warm_writer, _prefect_parameter_encoder, *cache_warmers()]


def warm_while_starting(api_url: str, pieces: list[Callable[[], object]] | None = None) -> int:
    """Run ``pieces`` (default: ``steps()``) until the API at ``api_url`` answers; return how many ran."""
    done = 0
    for piece in steps() if pieces is None else pieces:
        if answers(api_url):
            break
        try:
            piece()
        except Exception:  # optional work: what failed here fails again in the flow, which reports it properly
            break
        done += 1
    return done
