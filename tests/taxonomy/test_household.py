"""Every persona's world has one partner (``my partner``) and a school-age son and daughter
(``llm.world.world_for``), and any sentence may reach any persona: so no sentence gives the user a
husband, wife, girlfriend, boyfriend or fiancé, grandchildren, or a baby or toddler of their own, which
would contradict another text of the same history (a reader notices a husband in May and a girlfriend in
June). A scenario's request may speak of the user's baby: only a persona holding it is asked it."""

from __future__ import annotations

import re

from taxonomy import load_taxonomy

OWN_HOUSEHOLD = re.compile(
    r"\b(?:my|our) (?:husband|wife|girlfriend|boyfriend|fianc[eé]e?|grandkids|grandchildren|grandson|"
    r"granddaughter|toddler|baby)\b(?!-)",
    re.I,
)


def _sentences() -> list[tuple[str, str]]:
    tax = load_taxonomy()
    out = [("world.news", x) for x in tax.world.news] + [("world.habits", x) for x in tax.world.habits]
    for dom in tax.domains:
        out += [(f"{dom.domain}.neutral", x) for x in dom.neutral]
        for s in dom.scenarios:
            for o in s.options:
                out += [(f"{s.id}/{o.id}", x) for x in (*o.cues, *o.change_cues)]
    return out


def test_no_sentence_gives_the_user_a_household_outside_its_world():
    clashes = [f"{where}: {text}" for where, text in _sentences() if OWN_HOUSEHOLD.search(text)]
    assert not clashes, "\n".join(clashes[:20])


def test_the_rule_catches_what_it_names():
    assert OWN_HOUSEHOLD.search("My husband grumbles about the tap.")
    assert OWN_HOUSEHOLD.search("Our toddler got her first passport.")
    assert not OWN_HOUSEHOLD.search("My sister's toddler got her first passport.")
    assert not OWN_HOUSEHOLD.search("It goes nicely with my baby-pink jacket.")
