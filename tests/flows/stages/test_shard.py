"""A shard runs every stage with the cycle collector set for bulk work, in whichever process runs it."""

import gc

from flows.stages.filler import generate_filler_pool
from flows.stages.shard import BULK_GC_THRESHOLDS, run_shard


def test_a_shard_sets_the_bulk_collector_thresholds_in_its_process(tiny_config, tax, gen):
    """A Dask worker calls only ``run_shard``: the thresholds must be set there, not only by the flow."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    try:
        rows = run_shard(tiny_config, 0, tax, gen, generate_filler_pool(tiny_config, gen))
        assert gc.get_threshold() == BULK_GC_THRESHOLDS
        assert rows["sessions"] and rows["history_items"]
    finally:
        gc.set_threshold(*before)
