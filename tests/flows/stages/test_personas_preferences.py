"""Personas are sampled from the weighted tables and unique; preferences follow the stage's rules."""

import random
from collections import Counter
from dataclasses import replace

from flows.stages.personas import generate_personas, sample_seed
from flows.stages.preferences import _related_sample, generate_preferences, label_kind, stereotype_option_ids
from llm.world import world_for
from schemas.config import load_preset


def test_personas_deterministic_unique_and_complete(tiny_config, tax, gen):
    a = generate_personas(tiny_config, 0, tax, gen)
    b = generate_personas(tiny_config, 0, tax, gen)
    assert a == b
    assert [p.persona_id for p in a] == ["p00000", "p00001", "p00002"]
    assert len({p.name for p in a}) == len(a)
    styles = {s.id for s in tax.attributes.styles}
    assert all(p.style.style_id in styles and p.hobbies and p.values for p in a)


def test_demographics_follow_weights(tax):
    config = load_preset("full")
    genders = Counter(sample_seed(config, i, tax).demographics["gender"] for i in range(2000))
    # woman and man carry 42 of 95.5 weight each; nonbinary 3.5
    assert 0.38 < genders["woman"] / 2000 < 0.50
    assert genders["nonbinary"] / 2000 < 0.08


def test_preferences_rules(tiny_config, tax, gen):
    config = tiny_config.model_copy(update={"update_rate": 0.6, "forget_rate": 0.3, "other_rate": 0.3})
    for persona in generate_personas(config, 0, tax, gen):
        prefs = generate_preferences(config, persona, tax)
        active = [p for p in prefs if not p.superseded]
        own_scenarios = {p.scenario_id for p in active if p.who == "self"}
        # someone the user knows may hold another option of one of the user's scenarios (attribution is
        # then the test): such an "opposite" comes on top of the persona's drawn preferences
        opposites = [p for p in active if p.who == "other" and p.scenario_id in own_scenarios]
        assert config.preferences_min <= len(active) - len(opposites) <= config.preferences_max
        # otherwise one active preference per scenario and person
        held = {(p.scenario_id, p.who, p.relation) for p in active}
        assert len(held) == len(active), "two active preferences of one person conflict"
        for theirs in opposites:
            (mine,) = [p for p in prefs if p.who == "self" and p.scenario_id == theirs.scenario_id]
            assert mine.option_id != theirs.option_id and not mine.previous_preference_id
        by_id = {p.preference_id: p for p in prefs}
        for p in prefs:
            assert p.kind == label_kind(tax.scenarios[p.scenario_id], p.option_id, persona)
            if p.previous_preference_id:
                old = by_id[p.previous_preference_id]
                assert old.superseded and old.scenario_id == p.scenario_id and old.option_id != p.option_id
                assert old.stated_at < p.stated_at
            assert not (p.forget and p.superseded)
            # a forgotten preference was stated once: forgetting an update's last step would leave its
            # earlier steps standing, and whether one of them holds again is a guess
            assert not (p.forget and p.previous_preference_id)


def test_kind_labels_by_rule(tax, tiny_config, gen):
    persona = generate_personas(tiny_config, 0, tax, gen)[0]
    for scenario in tax.scenarios.values():
        tied = stereotype_option_ids(scenario, persona)
        for option in scenario.options:
            kind = label_kind(scenario, option.id, persona)
            if not tied:
                assert kind == "neutral"
            else:
                assert kind == ("stereotypical" if option.id in tied else "anti_stereotypical")


def test_preference_mix_over_many_personas(tax, gen):
    config = load_preset("small")
    prefs = [
        p
        for i in range(config.n_shards)
        for persona in generate_personas(config, i, tax, gen)
        for p in generate_preferences(config, persona, tax)
    ]
    kinds = Counter(p.kind for p in prefs)
    assert set(kinds) == {"stereotypical", "anti_stereotypical", "neutral"}
    assert any(p.who == "other" for p in prefs) and any(p.forget for p in prefs)
    assert any(p.previous_preference_id for p in prefs)


def test_thousand_personas_have_distinct_names_and_profiles(tax, gen):
    config = load_preset("full")
    personas = [p for shard in range(config.n_shards) for p in generate_personas(config, shard, tax, gen)]
    assert len(personas) == 1000
    assert len({p.name for p in personas}) == 1000
    assert len({p.model_dump_json(exclude={"persona_id"}) for p in personas}) == 1000
    # a first name a reader takes for the persona's gender: a man called Sakura with whiskers read as a
    # contradiction; a nonbinary persona's name fits anyone
    lists = {"woman": tax.attributes.first_names_women, "man": tax.attributes.first_names_men}
    for p in personas:
        gender = p.demographics()["gender"]
        expected = next((names for key, names in lists.items() if gender.endswith(key)), tax.attributes.first_names)
        assert p.name.split()[0] in expected, (p.persona_id, gender, p.name)
        # nobody of the persona's world has its first name ("my cousin Sakura" in Sakura's history): 8% did
        world = world_for(config.seed, p.persona_id, tax, p.name)
        assert p.name.split()[0] not in {c.name for c in world.values()}, (p.persona_id, p.name)


def test_opposites_follow_their_rate(tax, gen):
    """``opposite_rate`` is per plain preference of the user's own (stated once): at 1 every one of them
    has someone the user knows holding another option of the same scenario, at 0 none has."""
    base = load_preset("small").model_copy(update={"update_rate": 0.3, "other_rate": 0.2})
    for rate in (0.0, 1.0):
        config = base.model_copy(update={"opposite_rate": rate})
        for persona in generate_personas(config, 0, tax, gen)[:4]:
            prefs = generate_preferences(config, persona, tax)
            plain = [p for p in prefs if p.who == "self" and not p.previous_preference_id and not p.superseded]
            assert plain, "the preset draws plain preferences"
            for mine in plain:
                theirs = [p for p in prefs if p.who == "other" and p.scenario_id == mine.scenario_id]
                if rate == 0.0:
                    assert theirs == []
                else:
                    assert len(theirs) == 1 and theirs[0].option_id != mine.option_id and theirs[0].relation


def test_scenarios_listed_apart_are_never_held_together(tax, gen):
    """``overlaps.yaml``: holding an option of one scenario can make an option of another true of the user;
    a persona never holds both. Here every scenario of a domain is listed against the others of its domain,
    so a persona holds at most one scenario per domain, however many it is drawn."""
    by_domain: dict[str, set[str]] = {}
    for sid, dom in tax.domain_of.items():
        by_domain.setdefault(dom, set()).add(sid)
    strict = replace(tax, apart={sid: frozenset(by_domain[dom] - {sid}) for sid, dom in tax.domain_of.items()})
    for seed in range(20):
        chosen = _related_sample(strict, 16, random.Random(seed))
        assert len(chosen) == 16 and len(set(chosen)) == 16
        domains = [tax.domain_of[s] for s in chosen]
        assert len(set(domains)) == len(domains), domains
    # the shipped list: no persona of small holds both scenarios of a listed pair
    config = load_preset("small")
    for i in range(config.n_shards):
        for persona in generate_personas(config, i, tax, gen):
            held = {p.scenario_id for p in generate_preferences(config, persona, tax)}
            assert all(not (tax.apart.get(s, frozenset()) & held) for s in held)


def test_no_persona_is_asked_a_question_its_life_rules_out(tax, gen):
    """The user asks every question in their own words, so a scenario whose question contradicts the
    persona's life or people (``llm.life``: "my four-year-old" from someone whose children, if any, are
    grown, "my flat" from someone whose history shows a house, "get her a present" for a best friend its
    world calls "he") is never drawn for that persona, whoever holds it."""
    from flows.stages.preferences import fits_persona
    from llm.life import fits_life, unfit_tags, world_unfit_tags

    config = load_preset("small")
    ruled_out = 0
    for i in range(config.n_shards):
        for persona in generate_personas(config, i, tax, gen):
            life = unfit_tags(persona)
            world = world_unfit_tags(world_for(config.seed, persona.persona_id, tax, persona.name))
            assert len(world) == 3  # a partner, a best friend and a manager, each "he" or "she"
            ruled_out += sum(not fits_persona(s, life | world) for s in tax.scenarios.values())
            for pref in generate_preferences(config, persona, tax):
                assert fits_life(tax.scenarios[pref.scenario_id].request, life | world), (persona, pref.scenario_id)
    assert ruled_out > 100  # the rule has something to rule out: questions about toddlers, flats, first dates
    # and the sampler itself honours it: no toddler, and a best friend who is "he" is never "her"
    family, friend_he = frozenset({"little", "baby"}), frozenset({"best_friend_she"})
    gift = tax.scenarios["social.milestone_gift"]  # "what should I get her as a present?"
    assert fits_persona(gift, family) and not fits_persona(gift, family | friend_he)
    for seed in range(10):
        for sid in _related_sample(tax, 30, random.Random(seed), family | friend_he):
            assert fits_persona(tax.scenarios[sid], family | friend_he)


def test_private_matters_are_forgotten_more_often_than_small_tastes(tiny_config, tax, gen):
    """Readers found requests to forget a raincoat's colour "staged": a preference of a sensitive scenario or
    a private domain (health, money, relationships, children, work) is the likelier to be forgotten, and the
    share forgotten stays about ``forget_rate``."""
    from flows.stages.preferences import _PRIVATE_DOMAINS

    config = tiny_config.model_copy(update={"n_personas": 120, "shard_size": 120, "forget_rate": 0.2})
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    once = [p for p in prefs if not p.superseded and p.previous_preference_id is None]
    private = [p for p in once if tax.scenarios[p.scenario_id].sensitive or tax.domain_of[p.scenario_id] in
               _PRIVATE_DOMAINS]  # fmt: skip
    rest = [p for p in once if p not in private]
    share = lambda ps: sum(p.forget for p in ps) / len(ps)  # noqa: E731
    assert private and rest and share(private) > 2 * share(rest), (share(private), share(rest))
    assert 0.12 < share(once) < 0.28, share(once)
