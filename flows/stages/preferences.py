"""Stage 2, preferences: choose scenarios and options for a persona, with time, kind and augmentations.

Rules (ARCHITECTURE §2):
- one active preference per scenario and person, so no two active preferences conflict; for each of
  the user's plain preferences, with ``opposite_rate`` someone the user knows holds another option of
  that scenario (attribution is the test);
- about half of the scenarios come from two or three focus domains (related preferences); none whose
  question the persona's life or people rule out (``llm.life``: "my flat" for a house, a toddler at 80,
  "her" for a best friend the persona's world calls "he");
- ``early_rate`` of plain preferences are stated in the first eighth of the timeline, so their only cue
  lies in the first fifth of every history;
- ``kind`` by rule: if some option of the scenario carries a population stereotype that matches the
  persona's demographics, choosing that option is ``stereotypical`` and any other is
  ``anti_stereotypical``; with no matching stereotype the preference is ``neutral``;
- ``update_rate`` of preferences replace an older one (old option first, the new one later; with
  ``chain_rate`` a chain A -> B -> A); ``forget_rate`` of the preferences stated once (never updated) are
  later asked to be forgotten, on average: those of sensitive scenarios and private domains (health, money,
  relationships, children, work) more often than a raincoat's colour (``_forget_weight``);
  ``other_rate`` are about someone the user knows (``who=other``).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from llm.life import fits_life, holders_for, unfit_tags
from llm.people import holds_in, retired_people
from llm.seeding import rng_for
from llm.world import world_for
from schemas.config import SynthConfig
from schemas.core import Persona, Preference, PreferenceKind
from schemas.taxonomy import ScenarioSpec
from taxonomy import Taxonomy


def stereotype_option_ids(scenario: ScenarioSpec, persona: Persona) -> set[str]:
    """Options a population stereotype ties to this persona's groups."""
    demo = persona.demographics()
    return {o.id for o in scenario.options if any(demo.get(k) in v for k, v in o.stereotype.items())}


def label_kind(scenario: ScenarioSpec, option_id: str, persona: Persona) -> PreferenceKind:
    tied = stereotype_option_ids(scenario, persona)
    if not tied:
        return "neutral"
    return "stereotypical" if option_id in tied else "anti_stereotypical"


def _pick_option(scenario: ScenarioSpec, persona: Persona, rng: random.Random) -> str:
    tied = stereotype_option_ids(scenario, persona)
    untied = [o.id for o in scenario.options if o.id not in tied]
    if tied and untied and rng.random() < 0.5:  # balance stereotypical vs anti-stereotypical
        return rng.choice(sorted(tied))
    return rng.choice(untied or sorted(tied))


STATED_UNTIL = 0.95
"""The latest share of the timeline a preference is stated in. A history places its dated sessions where
their dates fall (``flows.stages.histories``), so with 0.85 the last fifth of every history held 7% of its
signals (the ``signal_spread`` target is 10% in every fifth); the last twentieth leaves room for updates."""


def _moment(config: SynthConfig, rng: random.Random, lo: float, hi: float) -> datetime:
    day = config.timeline_start + timedelta(days=int(config.timeline_days * rng.uniform(lo, hi)))
    return datetime.combine(day, time(hour=rng.randint(7, 22), minute=rng.randint(0, 59)))


def fits_persona(scenario: ScenarioSpec, unfit: frozenset[str]) -> bool:
    """Whether a persona can be drawn ``scenario``: its question says nothing that the persona's life or
    people rule out (``unfit``: ``llm.life.unfit_tags``), and each option keeps a cue, and a change cue
    where it has some, that says nothing they rule out either (the cue is picked among those:
    ``llm.offline_signal.cue_for``), so "my daughter" never reaches a history whose user has none."""
    if not fits_life(scenario.request, unfit):
        return False
    return all(
        any(fits_life(c, unfit) for c in option.cues)
        and (not option.change_cues or any(fits_life(c, unfit) for c in option.change_cues))
        for option in scenario.options
    )


def _related_sample(tax: Taxonomy, n: int, rng: random.Random, unfit: frozenset[str] = frozenset()) -> list[str]:
    """``n`` distinct scenarios, about half of them from two or three focus domains of this persona, so
    several preferences sit in related scenarios (a reader must keep them apart). Never two scenarios
    that ``taxonomy/overlaps.yaml`` lists against each other: holding an option of one can make an option
    of the other true of the user, and that question would have two defensible answers. Never a scenario
    the persona cannot be drawn (``fits_persona``): the user asks it in their own words, and "my
    four-year-old" from an 80-year-old, "my flat" from someone whose history shows a house, a first date
    from someone living with a partner, or "get her a present" for a best friend the history calls "he"
    contradicts the rest of the history."""
    domains = sorted({tax.domain_of[s] for s in tax.scenarios})
    focus = set(rng.sample(domains, min(3, len(domains))))
    near = sorted(s for s in tax.scenarios if tax.domain_of[s] in focus)
    far = sorted(s for s in tax.scenarios if tax.domain_of[s] not in focus)
    rng.shuffle(near)
    rng.shuffle(far)
    chosen: list[str] = []
    barred: set[str] = set()

    def take(pool: list[str], want: int) -> None:
        for sid in pool:
            if len(chosen) >= want:
                return
            if sid not in barred and fits_persona(tax.scenarios[sid], unfit):
                chosen.append(sid)
                barred.update({sid} | tax.apart.get(sid, frozenset()))

    take(near, min(len(near), n // 2))
    take(far, n)
    take(near, n)  # too few far scenarios left: fill from the focus domains
    rng.shuffle(chosen)
    return chosen


def _add_opposites(config: SynthConfig, persona: Persona, tax: Taxonomy, prefs: list[Preference], add, rng) -> None:
    """For each of the user's own plain preferences (stated once: never updated, never about someone
    else), with ``opposite_rate`` someone the user knows holds another option of that same scenario: the
    history then has both texts, the user's and that person's, and attribution is the test."""
    own = [p for p in prefs if p.who == "self" and not p.previous_preference_id and not p.superseded]
    lone = [p for p in own if sum(q.scenario_id == p.scenario_id for q in prefs) == 1]
    people = holders_for(persona, tax.attributes.relations)
    for mine in lone:
        if rng.random() >= config.opposite_rate:
            continue
        scenario = tax.scenarios[mine.scenario_id]
        theirs = rng.choice([o.id for o in scenario.options if o.id != mine.option_id])
        retired = retired_people(persona)
        holders = [r for r in people if holds_in(r, scenario.id, tax.domain_of[scenario.id], retired)] or people
        add(scenario, theirs, _moment(config, rng, 0.02, STATED_UNTIL), who="other", relation=rng.choice(holders))


def generate_preferences(config: SynthConfig, persona: Persona, tax: Taxonomy) -> list[Preference]:
    """All preferences of one persona, oldest first within each scenario."""
    rng = rng_for(config.seed, "preferences", persona.persona_id)
    n_active = rng.randint(config.preferences_min, config.preferences_max)
    unfit = unfit_tags(persona, world_for(config.seed, persona.persona_id, tax, persona.name))
    scenario_ids = _related_sample(tax, n_active, rng, unfit)
    prefs: list[Preference] = []
    people = holders_for(persona, tax.attributes.relations)  # someone it can have, old enough (llm.life)

    def add(scenario: ScenarioSpec, option_id: str, when: datetime, **extra) -> Preference:
        option = next(o for o in scenario.options if o.id == option_id)
        pref = Preference(
            preference_id=f"{persona.persona_id}.r{len(prefs):03d}",
            persona_id=persona.persona_id,
            scenario_id=scenario.id,
            option_id=option_id,
            statement=option.statement,
            kind=label_kind(scenario, option_id, persona),
            stated_at=when,
            **extra,
        )
        prefs.append(pref)
        return pref

    for sid in scenario_ids:
        scenario = tax.scenarios[sid]
        who = "other" if rng.random() < config.other_rate else "self"
        holders = [r for r in people if holds_in(r, sid, tax.domain_of[sid], retired_people(persona))] or people
        extra = {"who": who, "relation": rng.choice(holders) if who == "other" else None}
        final = _pick_option(scenario, persona, rng)
        if rng.random() < config.update_rate:
            earlier = rng.choice([o.id for o in scenario.options if o.id != final])
            chain = [final, earlier, final] if rng.random() < config.chain_rate else [earlier, final]
            if len(chain) == 3:  # A -> B -> A: the user goes back to an earlier choice
                chain = [earlier, final, earlier] if rng.random() < 0.5 else chain
            cuts = sorted(rng.uniform(0.02, STATED_UNTIL) for _ in chain)
            previous = None
            for step, (option_id, cut) in enumerate(zip(chain, cuts, strict=True)):
                last = step == len(chain) - 1
                when = _moment(config, rng, cut, cut + 0.01)
                if previous and when <= previous.stated_at + timedelta(days=2):  # updates come later
                    when = previous.stated_at + timedelta(days=2 + rng.randint(0, 20), hours=rng.randint(0, 9))
                previous = add(
                    scenario,
                    option_id,
                    when,
                    superseded=not last,
                    previous_preference_id=previous.preference_id if previous else None,
                    **extra,
                )
        else:
            early = rng.random() < config.early_rate  # its only cue sits in the first fifth of a history
            when = _moment(config, rng, 0.0, 0.12) if early else _moment(config, rng, 0.02, STATED_UNTIL)
            add(scenario, final, when, **extra)
    _add_opposites(config, persona, tax, prefs, add, rng)
    active = [p for p in prefs if not p.superseded]
    # only a preference stated once is forgotten: forgetting the last step of an update would leave the
    # earlier statements standing, and whether the one before it then holds again is a guess (blind readers
    # split on it), not a test of memory
    once = [p for p in active if p.previous_preference_id is None]
    weight = {p.preference_id: _forget_weight(tax, p.scenario_id) for p in once}
    mean = sum(weight.values()) / len(once) if once else 1.0
    forget_ids = {p.preference_id for p in once if rng.random() < config.forget_rate * weight[p.preference_id] / mean}
    return [p.model_copy(update={"forget": True}) if p.preference_id in forget_ids else p for p in prefs]


_PRIVATE_DOMAINS = frozenset({"health", "finance", "relationships", "parenting", "work"})
"""Domains whose details people ask an assistant to forget: readers found requests to forget a raincoat's colour
and a phone clip on an air vent "staged": nobody minds those being kept."""


def _forget_weight(tax: Taxonomy, scenario_id: str) -> float:
    """How much likelier than the rest a preference is to be forgotten: a sensitive scenario (x4) or one of a
    private domain (x2); the persona's forget rate stays ``forget_rate`` on average."""
    if tax.scenarios[scenario_id].sensitive:
        return 4.0
    return 2.0 if tax.domain_of[scenario_id] in _PRIVATE_DOMAINS else 0.5
