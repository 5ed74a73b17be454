"""One shard, stage by stage: the sequence both execution paths run, and the shard's warehouse rows.

What: ``run_shard(config, shard, tax, gen, pool, call)`` runs personas -> preferences -> conversations ->
filler -> histories -> queries -> quality for one shard of personas and returns its rows (table name ->
row dicts); ``shard_tables`` turns the stage outputs into those rows.
Why one sequence: the in-process flow runs each stage as its own Prefect task (``flows/synth.py``), a
Dask worker runs them as plain calls inside one shard task (``flows/fanout.py``); written once here, the
two cannot drift apart, which is what keeps the rows the same at any worker count.
How: ``call(name, *args, **kwargs)`` runs the stage named ``name`` of ``STAGE_FUNCTIONS``; ``direct``
(the default) calls the function, the flow passes one that calls the stage's task instead.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_persona_filler
from flows.stages.histories import build_histories
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from flows.stages.quality import check_shard
from flows.stages.queries import generate_queries
from schemas.config import SynthConfig
from schemas.core import Persona, Preference
from taxonomy import Taxonomy
from warehouse import rows as wrows


def preferences_of(config: SynthConfig, personas: list[Persona], tax: Taxonomy) -> list[Preference]:
    """Every preference of a shard's personas, in persona order."""
    return [p for persona in personas for p in generate_preferences(config, persona, tax)]


STAGE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "personas": generate_personas,
    "preferences": preferences_of,
    "conversations": generate_conversations,
    "filler": generate_persona_filler,
    "histories": build_histories,
    "queries": generate_queries,
    "quality": check_shard,
}
"""The pure stage functions of a shard, by stage name (the names progress and the Prefect UI show)."""

StageCall = Callable[..., Any]
"""``call(stage_name, *args, **kwargs)``: how one stage of ``STAGE_FUNCTIONS`` is run."""


def direct(name: str, *args, **kwargs):
    """Run a stage as a plain function call."""
    return STAGE_FUNCTIONS[name](*args, **kwargs)


BULK_GC_THRESHOLDS = (50_000, 20, 100)
"""Python's cycle collector, set for bulk work: a collection after 50,000 new objects rather than 700, and a
full one a hundred times more rarely than by default. A shard holds hundreds of thousands of live records
(sessions, turns, sentences), which every full collection walks while finding almost nothing to free (a
150-persona cut of ``full``: 31 full collections freed 278 objects and took 16% of the run; peak memory
the same with these thresholds)."""


def bulk_gc() -> None:
    """Set ``BULK_GC_THRESHOLDS`` in this process (the flow's, and each Dask worker's before its shard)."""
    if gc.get_threshold() != BULK_GC_THRESHOLDS:
        gc.set_threshold(*BULK_GC_THRESHOLDS)


def run_shard(config: SynthConfig, shard: int, tax, gen, pool: list, call: StageCall = direct) -> dict[str, list[dict]]:
    """Every stage of one shard; returns its warehouse rows. ``pool`` is the shared filler pool."""
    bulk_gc()
    personas = call("personas", config, shard, tax, gen)
    prefs = call("preferences", config, personas, tax)
    sessions = call("conversations", config, personas, prefs, tax, gen)
    own_filler = call("filler", config, personas, prefs, tax, gen, sessions)
    histories = call("histories", config, personas, sessions, own_filler, pool)
    queries, skips = call("queries", config, personas, prefs, histories, tax, gen, sessions=sessions)
    judge = gen if config.judge_leakage else None
    quality = call("quality", shard, personas, prefs, sessions, histories, queries, skips, tax, config.min_fill, judge)
    return shard_tables(personas, prefs, sessions + own_filler, histories, quality)


def shard_tables(personas, preferences, sessions, histories, quality) -> dict[str, list[dict]]:
    """A shard's stage outputs as warehouse rows (table name -> row dicts)."""
    tables = {"personas": wrows.persona_rows(personas), "preferences": wrows.preference_rows(preferences)}
    tables |= wrows.session_tables(sessions)
    tables |= wrows.history_tables(histories)
    tables |= wrows.query_tables(quality.kept)
    tables["checks"] = [c.model_dump() for c in quality.checks]
    tables["rejected_queries"] = [
        dict(
            query_id=qid,
            preference_id=pid,
            check_name=name,
            reason=reason,
            record=q.model_dump_json() if q is not None else None,
        )
        for q, qid, pid, name, reason in quality.rejected
    ]
    return tables
