"""A persona's texts and people fit its life: no flatmate beside a family, no manager after retirement."""

from __future__ import annotations

import re

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_persona_filler
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from llm.life import LIFE_WORDS, fits_life, relations_for, unfit_tags
from schemas.core import Persona


def _persona(**changes) -> Persona:
    base = dict(
        persona_id="p00001", name="Ada Brook", age=40, age_band="35-44", gender="woman", orientation="heterosexual",
        ethnicity="white", country="UK", city="Leeds", occupation="teacher", education="bachelor's", income="middle",
        household="with partner and children", languages=["English"], personality=["calm"], hobbies=["chess"],
        values=["family"], style={"style_id": "x", "formality": "neutral", "verbosity": "concise", "greeting": ["Hi,"],
                                  "closing": ["Thanks."], "emoji": [], "typo_rate": 0.0},
    )  # fmt: skip
    return Persona.model_validate(base | changes)


def test_a_family_has_no_roommate_and_a_retiree_no_manager(tax):
    family = _persona()
    assert "my roommate" not in relations_for(family, tax.attributes.relations)
    assert not fits_life("My flatmate left the heating on again.", unfit_tags(family))
    retiree = _persona(age=71, occupation="retired", household="with partner")
    people = relations_for(retiree, tax.attributes.relations)
    assert "my manager" not in people and "my coworker" not in people and "my grandmother" not in people
    assert not fits_life("My manager Leo booked the room.", unfit_tags(retiree))
    assert fits_life("Retiring set me reading about explorers.", unfit_tags(retiree))
    assert not fits_life("Retiring set me reading about explorers.", unfit_tags(family))
    sharer = _persona(age=27, household="with roommates")
    assert "my roommate" in relations_for(sharer, tax.attributes.relations)


def test_generated_texts_say_nothing_the_persona_life_rules_out(tiny_config, tax, gen):
    config = tiny_config.model_copy(update={"personas": 12})
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    sessions += generate_persona_filler(config, personas, prefs, tax, gen)
    by_id = {p.persona_id: p for p in personas}
    checked = 0
    for s in sessions:
        persona = by_id[s.persona_id]
        unfit = unfit_tags(persona)
        relations = set(relations_for(persona, tax.attributes.relations))
        for t in s.turns:
            if t.role != "user":
                continue
            checked += 1
            for tag in unfit:
                assert not re.search(LIFE_WORDS[tag], t.content, re.I), (s.session_id, tag, t.content[:200])
            for relation in set(tax.attributes.relations) - relations:
                assert not re.search(rf"\b{relation} [A-Z]", t.content), (s.session_id, relation, t.content[:200])
    assert checked > 50
    for p in prefs:
        assert p.relation is None or p.relation in relations_for(by_id[p.persona_id], tax.attributes.relations)


def test_the_oldest_have_no_living_grandparents_parents_or_colleagues(tax):
    old = _persona(age=84, occupation="retired", household="with partner")
    people = relations_for(old, tax.attributes.relations)
    assert not {"my mum", "my dad", "my grandmother", "my manager", "my coworker"} & set(people)
    unfit = unfit_tags(old)
    for text in ["A colleague asked how to get her pictures off a memory card.", "My mum Yara rang on Sunday.",
                 "My partner's grandmother turned ninety on Saturday."]:  # fmt: skip
        assert not fits_life(text, unfit), text
    assert fits_life("My mum Yara rang on Sunday.", unfit_tags(_persona(age=45)))
