"""Held preferences: cues of scenarios a persona is not asked about stand in the focus place of its own
texts, so a hobby line marks no cue session; none touches what the persona is asked."""

from __future__ import annotations

from flows.stages.held import HELD_SHARE, held_cues
from flows.stages.news import NewsSupply
from tests.flows.stages.test_news import _persona, _preferences


def _cue_index(tax) -> dict[str, tuple[str, str]]:
    return {c: (sid, o.id) for sid, sc in tax.scenarios.items() for o in sc.options for c in o.cues}


def test_held_cues_are_of_unasked_unrelated_scenarios_one_option_each(tax):
    index = _cue_index(tax)
    asked = {dom.scenarios[0].id for dom in tax.domains[::3]}
    apart = {other for sid in asked for other in tax.apart.get(sid, ())}
    cues, areas = held_cues(0, "p00007", asked, tax, lambda cue: True)
    scenarios = [index[c][0] for c in cues]
    assert len(scenarios) == len(set(scenarios)) > 100  # one cue, so one option, per scenario
    assert not set(scenarios) & (asked | apart)
    assert not {tax.domain_of[s] for s in scenarios} & {tax.domain_of[s] for s in asked}
    assert not any(tax.scenarios[s].sensitive for s in scenarios)
    assert all(areas[c] == tax.scenario_area[index[c][0]] for c in cues if index[c][0] in tax.scenario_area)
    again, _ = held_cues(0, "p00007", asked, tax, lambda cue: True)
    assert again == cues  # seeded: the same persona holds the same options
    other, _ = held_cues(0, "p00008", asked, tax, lambda cue: True)
    assert other != cues
    kept, _ = held_cues(0, "p00007", asked, tax, lambda cue: "I" not in cue.split())
    assert set(kept) < set(cues) and {index[c][1] for c in kept} <= {index[c][1] for c in cues}


def test_held_cues_never_clash_with_each_other_or_the_asked_scenarios(tax):
    """A reader met "door-to-door rides when I land" and "I haven't set foot in an airport for years" in one
    user's texts, both preferences never asked about: no two held cues are of scenarios ``overlaps.yaml``
    lists as a clash, nor a held cue of one clashing with an asked scenario, for any persona."""
    assert tax.clash, "overlaps.yaml lists no clash"
    index = _cue_index(tax)
    for persona in range(40):
        asked = {dom.scenarios[persona % 10].id for dom in tax.domains[persona % 3 :: 4]}
        cues, _ = held_cues(0, f"p{persona:05d}", asked, tax, lambda cue: True)
        shown = {index[c][0] for c in cues}
        assert not any(tax.clash.get(sid, frozenset()) & (shown | asked) for sid in shown)


def test_own_texts_hold_held_cues_and_cue_texts_none(tax):
    """About ``HELD_SHARE`` of a persona's first own texts have a held cue in the focus place; the cue
    supply (half 0) has none, so only own texts gain these lines."""
    index = _cue_index(tax)
    persona = _persona()
    mine = _preferences(tax, [dom.scenarios[0].id for dom in tax.domains[::5]])
    asked = {p.scenario_id for p in mine}
    own = NewsSupply(0, persona.persona_id, mine, tax, half=1)
    foci = [own.focus() for _ in range(200)]
    held = [f for f in foci if f in index and index[f][0] not in asked]
    assert abs(len(held) / len(foci) - HELD_SHARE) < 0.08, len(held)
    assert all(own.area_of(f) == tax.scenario_area.get(index[f][0]) for f in held)
    assert NewsSupply(0, persona.persona_id, mine, tax, half=0).held == []
