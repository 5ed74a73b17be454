"""A persona's banks (``flows.stages.banks``): what warming them before a run reads."""

from __future__ import annotations

from flows.stages.banks import warm_life_tags
from llm import life


def test_warming_reads_the_life_tags_of_every_bank_sentence(tax):
    """``tacit synth`` warms the tags while Prefect's server starts; afterwards a shard reads no bank
    sentence's tags anew."""
    life._tags_of.cache_clear()
    count = warm_life_tags()
    sentences = [*tax.world.news, *tax.world.habits, *(s for d in tax.domains for s in d.neutral)]
    sentences += [s for scenario in tax.scenarios.values() for s in scenario.topical]
    misses = life._tags_of.cache_info().misses
    assert count == len(sentences) and misses >= len(set(sentences))
    for sentence in sentences:
        life.life_tags(sentence)
    assert life._tags_of.cache_info().misses == misses
