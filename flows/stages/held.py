"""Preferences a persona shows but is never asked about: lines that read as cues and decide nothing asked.

What: ``held_cues`` gives, for each scenario a persona is not asked about, one cue of one of its options,
the persona's for good (one option per scenario: no skier who also snowboards), leaving out a scenario
``taxonomy/overlaps.yaml`` ties to an asked one (holding it would make an asked answer the natural one) or
lists as a clash of one already shown ("I haven't set foot in an airport for years" and "door-to-door rides
when I land"), one of a domain the persona is asked in, a sensitive one, and any cue the persona's life rules
out or that leans on or names an asked scenario.
``flows.stages.news.NewsSupply`` puts them in the focus place of the user's own texts.
Why: blind readers picked the cue sessions out as the ones with "a stray present-tense hobby line that
looks planted" ("dice in every coat pocket", "rainfall recordings and soft shimmering tones"): only cues
were habits of a pastime, every other sentence a domestic anecdote. A real user shows many preferences
and is asked about few; with these, a hobby line marks nothing, and only what it says about the question
does. How: a seeded draw per persona, ``python -c "from flows.stages.held import held_cues; ..."``.
"""

from __future__ import annotations

from collections.abc import Callable

from llm.seeding import rng_for
from taxonomy import Taxonomy

HELD_SHARE = 0.25
"""The chance that an own text's focus is a held preference's cue while any are left (175-205 per persona on
``small``, 130-170 on ``full``, whose personas are asked about more): a 32k history of ``small`` holds 11-22
of them beside its 25-30 cue sessions, so a hobby line is as likely to be asked about as not."""


def held_cues(
    seed: int, persona_id: str, asked: set[str], tax: Taxonomy, keep: Callable[[str], bool]
) -> tuple[list[str], dict[str, str]]:
    """(cues in a seeded order, cue -> its scenario's area of life) for the scenarios ``persona_id`` is not
    asked about; ``keep`` says whether a cue may stand in the persona's texts (its life, no asked scenario)."""
    rng = rng_for(seed, "held", persona_id)
    barred = set(asked) | {other for sid in asked for other in tax.apart.get(sid, ())}
    # nor a scenario of a domain it is asked in: a reader judging held cues against asked questions found
    # them leaning on an answer mostly there (letters to mend a friendship beside invitations to a reunion)
    domains = {tax.domain_of[sid] for sid in asked}
    cues: list[str] = []
    areas: dict[str, str] = {}
    for sid in sorted(tax.scenarios):
        scenario = tax.scenarios[sid]
        option = rng.choice(scenario.options)  # drawn for every scenario: one persona's draws stay put
        cue = rng.choice(option.cues)
        if sid in barred or tax.domain_of[sid] in domains or scenario.sensitive:
            continue
        # nor, later, one that contradicts it (a train-only traveller landing in Rome); barred whether or not
        # its cue fits the persona's life, so what ``keep`` leaves out never lets another scenario in
        barred |= tax.clash.get(sid, frozenset())
        if not keep(cue):
            continue
        cues.append(cue)
        if sid in tax.scenario_area:
            areas[cue] = tax.scenario_area[sid]
    rng.shuffle(cues)
    return cues, areas
