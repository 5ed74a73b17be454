"""Persona attributes drawn one by one still describe one life (age, occupation, household)."""

from __future__ import annotations

from collections import Counter

from flows.stages.personas import sample_seed


def test_sampled_personas_are_coherent_and_still_varied(tiny_config, tax):
    seeds = [sample_seed(tiny_config, i, tax) for i in range(3000)]
    for s in seeds:
        d = s.demographics
        assert not (d["occupation"] == "retired" and s.age < 60), s
        assert not (d["occupation"] == "student" and s.age > 30), s
        assert not (s.age >= 70 and d["occupation"] in ("nurse", "teacher", "retail worker", "student")), s
        assert not (s.age < 21 and d["household"] in ("with partner and children", "single parent")), s
        assert not (s.age >= 50 and d["household"] == "with parents"), s
    jobs = Counter(s.demographics["occupation"] for s in seeds)
    homes = Counter(s.demographics["household"] for s in seeds)
    assert set(jobs) == {c.value for c in tax.attributes.occupation}
    assert set(homes) == {c.value for c in tax.attributes.household}
