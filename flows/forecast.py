"""``tacit synth --dry-run``: what an LLM run of a config would cost, without calling anything.

Runs the pure synth stages shard by shard with ``llm.forecast.ForecastGenerator`` (real prompts, offline
stand-in answers), writes nothing, and returns calls and tokens per call site with a cost estimate.
"""

from __future__ import annotations

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_filler_pool, generate_persona_filler
from flows.stages.histories import build_histories
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from flows.stages.queries import generate_queries
from llm.forecast import ForecastGenerator
from schemas.config import SynthConfig
from taxonomy import load_taxonomy


def forecast_synth(config: SynthConfig, model: str) -> ForecastGenerator:
    """Count the calls and tokens a ``--backend openai`` run of ``config`` would make."""
    tax = load_taxonomy()
    gen = ForecastGenerator(model=model, seed=config.seed)
    pool = generate_filler_pool(config, gen)
    for shard in range(config.n_shards):
        personas = generate_personas(config, shard, tax, gen)
        prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
        sessions = generate_conversations(config, personas, prefs, tax, gen)
        own = generate_persona_filler(config, personas, prefs, tax, gen, sessions)
        histories = build_histories(config, personas, sessions, own, pool)
        generate_queries(config, personas, prefs, histories, tax, gen)
    return gen
