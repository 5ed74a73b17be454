"""The ``synth`` flow: generate one dataset version into the warehouse.

    tacit synth --preset small            # in-process, ephemeral Prefect, offline backend
    python -m flows.synth tiny            # the same flow without the CLI's display

Inputs: a preset name (+ seed, backend, optional YAML config) and a warehouse path. Output: a complete
dataset version (ARCHITECTURE §2, §4) and a ``SynthSummary``.

Shape: the shared filler pool is generated once; then, per shard of personas, one task per stage
(personas -> preferences -> conversations -> filler -> histories -> queries -> quality) and one load
task that writes the shard's rows with its completion marker in a single transaction. A rerun of the
same config finds the version complete and writes nothing; a killed run resumes at the first
unmarked shard. Version-wide checks run last, then the version is marked complete. With ``workers`` > 1
or a ``dask_address`` (offline backend), each shard is instead one task on a Dask cluster that returns
its rows, and this process writes each as it finishes (``flows.fanout``).

LLM failures (``--backend openai``): a call whose output stays invalid after a repair request is
recorded in ``raw_failed_calls``; the shard that needed it is skipped (none of its rows written, no
marker) and the run goes on with the next shard. Such a run ends with status ``incomplete``, a summary
naming the failed calls and skipped shards, and the version not marked complete; a rerun redoes only
the skipped shards, where every completed call is a cache hit and only the failed calls are sent
again. An error rate above ``max_error_rate`` (after ``min_calls`` calls) stops the run at once.
``batch``: requests go through the Batch API first (``llm.batch``), then the stages run on cache hits.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Annotated, Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote
from pydantic import Field

from flows import progress
from flows.fanout import Opaque, dask_runner, shard_task
from flows.fanout_check import check_fanout
from flows.gates import version_gates
from flows.lineage import publish_lineage
from flows.stages.filler import generate_filler_pool
from flows.stages.shard import STAGE_FUNCTIONS, bulk_gc, run_shard
from flows.synth_summary import SynthSummary, version_summary
from llm import GenerationError, get_generator
from llm.calls import CallsFailed
from llm.client_settings import applied_if_set
from llm.pricing import load_prices
from schemas.config import SynthConfig, load_preset, synth_overrides
from taxonomy import load_taxonomy
from warehouse import DEFAULT_DB, connect
from warehouse import rows as wrows
from warehouse.llm_store import CallWriteError, WarehouseCallStore
from warehouse.load import done_units, write_unit
from warehouse.versions import finish_run, mark_complete, register_version, start_run

STAGES = ("personas", "preferences", "conversations", "filler", "histories", "queries", "quality", "load")


def _retry_unless_llm_failure(task, task_run, state) -> bool:
    """Retry a stage once on an unexpected error, never on an LLM failure: its failed calls are recorded
    and the shard is skipped (retrying would pay for them again within the same run)."""
    return not isinstance(state.data, GenerationError)


def _stage(name: str):
    """A thin task around a pure stage function: no result cache (the warehouse markers are the
    resume mechanism), progress reported per shard."""

    def wrap(fn):
        def run(*args, **kwargs):
            out = fn(*args, **kwargs)
            progress.sink().advance(name)
            return out

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        return task(name=name, cache_policy=NO_CACHE, retries=1, retry_condition_fn=_retry_unless_llm_failure)(run)

    return wrap


personas_task = _stage("personas")(STAGE_FUNCTIONS["personas"])
preferences_task = _stage("preferences")(STAGE_FUNCTIONS["preferences"])
conversations_task = _stage("conversations")(STAGE_FUNCTIONS["conversations"])
persona_filler_task = _stage("filler")(STAGE_FUNCTIONS["filler"])
histories_task = _stage("histories")(STAGE_FUNCTIONS["histories"])
queries_task = _stage("queries")(STAGE_FUNCTIONS["queries"])
quality_task = _stage("quality")(STAGE_FUNCTIONS["quality"])
STAGE_TASKS = {
    "personas": personas_task,
    "preferences": preferences_task,
    "conversations": conversations_task,
    "filler": persona_filler_task,
    "histories": histories_task,
    "queries": queries_task,
    "quality": quality_task,
}


def _as_task(name: str, *args, **kwargs):
    """Run a shard's stage as its Prefect task. Stage outputs are large collections: quote() keeps
    Prefect from walking every element of every argument (measured: that walk, not generation,
    dominated the `full` preset)."""
    return STAGE_TASKS[name](*map(quote, args), **{k: quote(v) for k, v in kwargs.items()})


@task(name="filler_pool", cache_policy=NO_CACHE)
def filler_pool_task(config: SynthConfig, gen) -> list:
    return generate_filler_pool(config, gen)


@task(name="load", cache_policy=NO_CACHE)
def load_task(con, version_id: str, unit: str, tables: dict, run_id: str) -> int:
    """Write one unit's rows (``tables``: per table, dicts or a polars frame) with its marker."""
    written = write_unit(con, version_id, unit, tables, run_id)
    if unit.startswith("shard:"):
        progress.sink().advance("load")
    return written


@flow(name="synth", log_prints=True)
def synth(
    preset: Literal["tiny", "small", "full"] = "small",
    seed: Annotated[int, Field(ge=0)] | None = None,
    backend: Literal["offline", "openai"] | None = None,
    db: str = str(DEFAULT_DB),
    config_file: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    max_cost: Annotated[float, Field(gt=0)] | None = None,
    rpm: Annotated[int, Field(gt=0)] | None = None,
    tpm: Annotated[int, Field(gt=0)] | None = None,
    max_error_rate: Annotated[float, Field(ge=0, le=1)] = 0.05,
    prices_file: str | None = None,
    price_in: Annotated[float, Field(ge=0)] | None = None,
    price_out: Annotated[float, Field(ge=0)] | None = None,
    batch: bool = False,
    batch_poll_s: Annotated[float, Field(gt=0)] = 30.0,
    batch_wait_s: Annotated[float, Field(gt=0)] | None = None,
    judge_leakage: bool = False,
    timeout_s: Annotated[float, Field(gt=0)] | None = None,
    max_attempts: Annotated[int, Field(ge=1)] | None = None,
    deadline_s: Annotated[float, Field(gt=0)] | None = None,
    concurrency: Annotated[int, Field(ge=1)] = 16,
    workers: Annotated[int, Field(ge=1)] = 1,
    dask_address: str | None = None,
) -> SynthSummary:
    """Generate (or resume, or find complete) the dataset version of this config in ``db``. ``seed``,
    ``backend`` and ``model`` left unset come from ``config_file``, else the config's defaults. ``timeout_s``,
    ``max_attempts`` and ``deadline_s`` bound the openai backend's requests and the whole run
    (``llm.client_settings``; unset: the CLI's options, else the client's defaults). ``concurrency``: the
    openai backend's most requests in flight, like ``rpm`` an execution setting outside the config, so
    it changes neither the version id nor any call's cache key. ``workers`` > 1 runs the shards on a local
    Dask cluster of that many processes, ``dask_address`` on an existing one (``flows.fanout``): execution
    settings too, the same rows at any value."""
    t0 = time.perf_counter()
    bulk_gc()  # the version-wide gates, and the shards when they run in this process
    overrides = synth_overrides(seed, backend, model, judge_leakage)
    config = load_preset(preset, overrides=overrides, config_file=config_file)
    parallel = check_fanout(workers, dask_address, config.backend)
    fanout = {"workers": workers, "dask_address": dask_address} if parallel else None
    logger = get_run_logger()
    prices = load_prices(prices_file).with_override(config.model or "", price_in, price_out)
    con = connect(db)
    store = WarehouseCallStore(con)
    try:
        options = {"base_url": base_url, "max_cost": max_cost, "rpm": rpm, "tpm": tpm, "concurrency": concurrency}
        options |= {"max_error_rate": max_error_rate, "prices": prices, "store": store}
        batching = {"batch": batch, "batch_poll_s": batch_poll_s, "batch_wait_s": batch_wait_s}
        with applied_if_set(timeout_s, max_attempts, deadline_s):
            return _run(config, db, con, logger, t0, fanout=fanout, **batching, **options)
    finally:
        try:  # its writer thread holds a cursor: the file stays open until it stops
            store.close()
        except CallWriteError as exc:
            logger.error("%s", exc)
        con.close()


def _run(
    config: SynthConfig,
    db: str,
    con,
    logger,
    t0: float,
    *,
    batch: bool,
    batch_poll_s: float,
    batch_wait_s: float | None,
    fanout: dict | None = None,
    **openai_options,
) -> SynthSummary:
    tax = load_taxonomy()  # a bad taxonomy file or an unusable backend fails before anything is written
    gen = get_generator(
        config.backend, config.seed, model=config.model, **(openai_options if config.backend == "openai" else {})
    )
    version_id, state = register_version(con, config)
    if state == "complete":
        logger.info("version %s is already complete in %s: nothing to write", version_id, db)
        return version_summary(con, version_id, "complete", db, 0, t0)
    if state == "resumed":  # the shards already written were cut with the first run's shard size: keep it
        first = json.loads(con.execute("SELECT config_json FROM dataset_versions WHERE version_id = ?", [version_id])
                           .fetchone()[0])  # fmt: skip
        if first.get("shard_size", config.shard_size) != config.shard_size:
            logger.info(
                "resuming with the first run's shard_size %d (asked: %d)", first["shard_size"], config.shard_size
            )
            config = config.model_copy(update={"shard_size": first["shard_size"]})
    run_id = start_run(con, "synth", version_id, config.canonical_json(), str(flow_run.get_id() or "") or None)
    if hasattr(gen, "run_id"):
        gen.run_id = run_id  # every recorded LLM call names the run that made it
    if hasattr(gen, "on_progress"):
        gen.on_progress = progress.llm_reporter()  # a live line per call site: calls, tokens, dollars, ETA
    if batch and config.backend == "openai":
        from llm.batch import BatchGenerator

        gen = BatchGenerator(gen, poll_s=batch_poll_s, wait_s=batch_wait_s)
    done = done_units(con, version_id)
    shards = [s for s in range(config.n_shards) if f"shard:{s:04d}" not in done]
    logger.info("version %s (%s): %d of %d shards to generate", version_id, state, len(shards), config.n_shards)
    sink = progress.sink()
    for stage in STAGES:
        sink.start(stage, len(shards))
    written, failed = 0, {}
    try:
        gx = quote(gen)  # quote(): see _as_task
        # with fan-out, the cluster's workers start (and load their inputs) while this process builds the pool
        with _shard_runner(config, fanout if shards else None) as runner:
            scenario_rows = {"scenarios": wrows.scenario_rows(tax)}
            written += load_task(con, version_id, "scenarios", quote(scenario_rows), run_id)
            try:
                pool = filler_pool_task(config, gx) if shards else []
                written += load_task(con, version_id, "filler_pool", quote(wrows.session_tables(pool)), run_id)
            except CallsFailed as exc:  # every shard needs the pool: none can be written this run
                failed["filler_pool"] = exc
                shards = []
            if runner is not None and shards:
                written += _fan_out(config, shards, pool, con, version_id, run_id, runner)
        for shard in [] if fanout else shards:
            unit = f"shard:{shard:04d}"
            try:
                written += _shard(config, shard, unit, tax, gen, pool, con, version_id, run_id)
            except CallsFailed as exc:
                failed[unit] = exc
                logger.warning("%s skipped (rows not written): %s", unit, exc)
                progress.sink().note(f"{unit} skipped: {exc}")
        if not failed:
            checks = version_gates(con, version_id)  # SQL gates, then form and item gates
            check_rows = {"checks": [c.model_dump() for c in checks]}
            written += load_task(con, version_id, "version_checks", quote(check_rows), run_id)
            written += publish_lineage(con, db, version_id, run_id, config.canonical_json())
            mark_complete(con, version_id)
    except BaseException as exc:
        finish_run(con, run_id, "failed", written, f"{type(exc).__name__}: {exc}")
        raise
    n_failed = sum(len(e.failures) for e in failed.values())
    if failed:
        message = (
            f"{n_failed} LLM calls failed (raw_failed_calls); units skipped: {', '.join(failed)}; the version is "
            "not complete: rerun the same command to retry only the failed calls"
        )
        logger.warning(message)
        finish_run(con, run_id, "incomplete", written, message)
    else:
        finish_run(con, run_id, "completed", written)
    summary = version_summary(con, version_id, state, db, written, t0)
    failing = ", ".join(summary.failed_checks) or "none"
    logger.info(
        "version %s %s: %d rows written in %.1f s, %d history tokens; gates failing: %s",
        version_id, "complete" if not failed else "incomplete", written, summary.seconds, summary.history_tokens,
        failing,
    )  # fmt: skip
    return summary.model_copy(update={"run_id": run_id, "failed_calls": n_failed, "skipped_units": list(failed)})


def _shard_runner(config: SynthConfig, fanout: dict | None):
    """The Dask task runner with its cluster up (``flows.fanout.dask_runner``), or None without fan-out."""
    if fanout is None:
        return contextlib.nullcontext()
    return dask_runner(fanout["workers"], fanout["dask_address"], config.backend, config.seed)


def _fan_out(config: SynthConfig, shards: list[int], pool, con, version_id: str, run_id: str, runner) -> int:
    """Every shard as one task on Dask (``flows.fanout``); each is written with its marker as it finishes."""
    from prefect.futures import as_completed

    written, shared = 0, Opaque(pool)
    futures = {
        runner.submit(shard_task, parameters={"config": config, "shard": shard, "pool": shared}): shard
        for shard in shards
    }
    for future in as_completed(list(futures)):
        tables = future.result()
        written += load_task(con, version_id, f"shard:{futures[future]:04d}", quote(tables), run_id)
        for stage in STAGES[:-1]:
            progress.sink().advance(stage)
    return written


def _shard(config: SynthConfig, shard: int, unit: str, tax, gen, pool, con, version_id: str, run_id: str) -> int:
    """Every stage of one shard as tasks (``flows.stages.shard``), then its rows and marker in one
    transaction; returns rows written."""
    tables = run_shard(config, shard, tax, gen, pool, call=_as_task)
    return load_task(con, version_id, unit, quote(tables), run_id)


if __name__ == "__main__":
    import sys

    print(synth(preset=sys.argv[1] if len(sys.argv) > 1 else "tiny").model_dump_json(indent=2))
