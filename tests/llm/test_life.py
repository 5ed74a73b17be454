"""A persona's texts and people fit its life: no flatmate beside a family, no manager after retirement."""

from __future__ import annotations

import re

import pytest

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_persona_filler
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from llm.life import (
    LIFE_WORDS,
    _tags_of,
    correspondents,
    fits_life,
    holders_for,
    life_tags,
    relations_for,
    rules_read,
    unfit_tags,
)
from llm.people import SOMEONE_ELSES
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


@pytest.fixture(scope="module")
def twelve(tiny_config, tax, gen):
    """Twelve personas' cue and own-task sessions, generated once for the tests that read them all."""
    config = tiny_config.model_copy(update={"personas": 12})
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    sessions += generate_persona_filler(config, personas, prefs, tax, gen)
    return config, {p.persona_id: p for p in personas}, prefs, sessions


def test_generated_texts_say_nothing_the_persona_life_rules_out(twelve, tax):
    from llm.life import world_unfit_tags
    from llm.world import world_for

    config, by_id, prefs, sessions = twelve
    checked = 0
    for s in sessions:
        persona = by_id[s.persona_id]
        # its life, and the pronouns its world gives its partner and best friend
        unfit = unfit_tags(persona) | world_unfit_tags(world_for(config.seed, persona.persona_id, tax, persona.name))
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


def test_a_family_children_are_small_or_teenagers_never_both():
    toddler = "We put a lock on the bathroom door after the toddler shut himself in."
    teenager = "My teenage son has started cooking on Sundays."
    # a family of small children whose youngest is a baby or a toddler (not at school)
    young = next(
        p for i in range(1, 40) if "youngest_at_school" in unfit_tags(p := _persona(age=31, persona_id=f"p{i:05d}"))
    )
    fifty_fives = [_persona(age=55, persona_id=f"p{i:05d}") for i in range(1, 12)]
    older = next(p for p in fifty_fives if "grown_children" in unfit_tags(p))  # their children are at school
    grown = next(p for p in fifty_fives if "school_kids" in unfit_tags(p))  # theirs have left it
    assert fits_life(toddler, unfit_tags(young)) and not fits_life(teenager, unfit_tags(young))
    assert fits_life(teenager, unfit_tags(older)) and not fits_life(toddler, unfit_tags(older))
    exams = "Our eldest sat her final exam on Friday and celebrated by sleeping until two the next afternoon."
    assert not fits_life(exams, unfit_tags(young)) and fits_life(exams, unfit_tags(older))  # a reader's find
    assert not fits_life(teenager, unfit_tags(grown))  # "my teenage son" beside "after graduating, my daughter"
    assert not fits_life("Since the baby came I read on my phone.", unfit_tags(older))
    older_unfit = unfit_tags(older)
    for small in (
        "My daughter is learning joined-up letters at school.",
        "My son lost his second front tooth.",
        "Bubbles ended up all over the bathroom floor, courtesy of my three-year-old's latest experiment.",
        "The nursery sent home a note saying our son can now count to twenty.",
        "Our kids' school runs a reward chart, and our youngest came home with fourteen stickers.",
    ):
        assert not fits_life(small, older_unfit), small  # a teenager's parent has no reception-class child
    for age in range(36, 50):  # either stage may fit in between, but one persona keeps one stage
        for pid in ("p00001", "p00002", "p00003"):
            unfit = unfit_tags(_persona(age=age, persona_id=pid))
            if "school_kids" in unfit:  # grown children: neither stage
                assert not fits_life(toddler, unfit) and not fits_life(teenager, unfit), (age, pid)
            else:  # small children (a toddler only where the youngest is not at school) or teenagers
                assert not (fits_life(toddler, unfit) and fits_life(teenager, unfit)), (age, pid)
    childless = unfit_tags(_persona(age=40, household="with partner"))
    for text in (toddler, teenager, "The kids built a den out of cushions.", "Our two girls share a room now."):
        assert not fits_life(text, childless), text
    assert fits_life("The kids next door built a den out of cushions.", childless)


def test_children_live_at_home_until_their_parent_is_in_middle_age():
    alone = _persona(age=30, household="lives alone")
    assert "my son" not in relations_for(alone, ["my son", "my sister"])
    assert not fits_life("My son Aaron asked me to cut this down.", unfit_tags(alone))
    empty_nest = _persona(age=58, household="with partner")
    assert fits_life("My son Aaron asked me to cut this down.", unfit_tags(empty_nest))
    assert not fits_life("My son's school is organising a language exchange.", unfit_tags(empty_nest))
    assert fits_life("My son's school is organising a language exchange.", unfit_tags(_persona(age=44)))
    assert not fits_life("The school rings because my son left his goggles on the bus.", unfit_tags(_persona(age=70)))


def test_nobody_writes_a_catch_up_to_someone_they_live_with_or_to_their_manager(twelve, tax):
    """A partner at home gets no "letter asking what's new"; a manager or a coworker no weekend check-in of
    family news."""
    from llm.world import world_for

    persona = twelve[1][next(iter(twelve[1]))]
    world = list(world_for(twelve[0].seed, persona.persona_id, tax, persona.name).values())
    assert "my manager" in {c.relation for c in world}
    assert not {"my manager", "my coworker"} & {c.relation for c in correspondents(persona, world)}

    config, by_id, _, sessions = twelve
    drafts = 0
    for s in sessions:
        persona = by_id[s.persona_id]
        world = world_for(config.seed, persona.persona_id, tax, persona.name)
        home = {c.name for c in world.values()} - {c.name for c in correspondents(persona, list(world.values()))}
        for t in s.turns:
            if t.role == "assistant" and re.search(r"^(?:Hi|Dear|Hello) \w+,$", t.content, re.M):
                drafts += 1
                for name in home:
                    assert not re.search(rf"^(?:Hi|Dear|Hello) {name},$", t.content, re.M), (s.session_id, name)
    assert drafts > 20


def test_parents_and_grandparents_are_called_mum_dad_and_gran():
    from llm.offline_letters import message_draft
    from llm.world import slots_for
    from schemas.generation import Contact

    mum = Contact(name="Leila", relation="my mum", pronoun="she")
    draft = message_draft(["The boiler broke on Tuesday."], mum, "self", 0)
    assert draft.startswith("Hi Mum,") and "Leila" not in draft
    assert slots_for(mum)["First"] == "Mum" and slots_for(mum)["who"] == "my mum"  # never "my mum Leila"
    assert slots_for(Contact(name="Ana", relation="my sister", pronoun="she"))["who"] == "my sister Ana"
    sister = Contact(name="Ana", relation="my sister", pronoun="she")
    assert message_draft(["x."], sister, "self", 0).startswith("Hi Ana,")


def test_a_home_is_a_flat_or_a_house_for_good():
    flat, house = "Our flat's stairwell light has been out for a week.", "The loft hatch in our house sticks."
    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household=h)) for i in range(40)
             for h in ("with roommates", "with partner and children", "lives alone")]  # fmt: skip
    assert all(fits_life(flat, u) != fits_life(house, u) for u in homes)  # never both, never neither
    assert not fits_life(house, unfit_tags(_persona(household="with roommates")))  # sharers rent flats
    assert {fits_life(flat, u) for u in homes} == {True, False}
    assert fits_life("I ordered a flat white and a house salad.", homes[0] | homes[1])
    assert not all(fits_life("I hunted through the whole flat for my keys.", u) for u in homes)
    # the signs of each kind of home a reader met side by side in one history
    upstairs, pond = "Whoever lives above me drops something heavy at eleven.", "Our pond freezes every winter."
    assert all(fits_life(upstairs, u) != fits_life(pond, u) for u in homes)


def test_a_home_is_rented_or_owned_for_good():
    landlord = "Our landlord finally sent someone to look at the damp patch."
    mortgage = "Our mortgage deal ends soon, so I've been going through offers."
    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household=h)) for i in range(40)
             for h in ("lives alone", "with partner", "with partner and children")]  # fmt: skip
    assert all(fits_life(landlord, u) != fits_life(mortgage, u) for u in homes)  # never both, never neither
    assert {fits_life(landlord, u) for u in homes} == {True, False}
    assert not fits_life(mortgage, unfit_tags(_persona(age=22, household="with roommates")))  # the young rent
    assert fits_life("The landlord at the Crown had my pint poured before I sat down.", homes[0] | homes[1])


def test_a_text_relayed_for_someone_else_tells_nothing_of_a_family_or_home(tax):
    from flows.stages.news import NewsSupply
    from llm.life import _tags_of

    persona = _persona(age=40)
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    theirs = [s for _ in range(150) for s in supply.take(3, [], None, own_text=False)]
    theirs += [f for _ in range(100) if (f := supply.focus(own_text=False))]
    assert len(theirs) > 300 and not any(_tags_of(s) & SOMEONE_ELSES for s in theirs)
    mine = [s for _ in range(300) for s in supply.take(3, [], None, own_text=True)]
    assert any(_tags_of(s) & SOMEONE_ELSES for s in mine)  # the user's own texts may, within its life


def test_a_partner_rules_out_a_single_life_and_small_children_a_grown_son():
    """A partner at home, or a new one living apart, or none: a breakup beside a partner named all year (and
    "our six years together ended" with "their toothbrush" still in the cup) is what a reader met."""
    from llm.life import has_partner

    breakup, partner = "The breakup in February sent me through a dozen films.", "My partner took up the cello."
    people = [_persona(persona_id=f"p{i:05d}", age=38, household=h) for i in range(20)
              for h in ("with partner", "lives alone", "single parent", "with roommates")]  # fmt: skip
    for persona in people:  # a partner (at home or apart) and no breakup, or single and no partner
        unfit = unfit_tags(persona)
        assert fits_life(breakup, unfit) != fits_life(partner, unfit)
        assert has_partner(persona) == fits_life(partner, unfit)
        assert ("my partner" in relations_for(persona, ["my partner", "my sister"])) == has_partner(persona)
    assert all(has_partner(p) for p in people if p.household == "with partner")
    assert {has_partner(p) for p in people if p.household == "lives alone"} == {True, False}
    three_generations = unfit_tags(_persona(age=86, occupation="retired", household="multigenerational"))
    assert not fits_life(breakup, three_generations)
    young_family = unfit_tags(_persona(age=31))
    assert not fits_life("My son started his first job in a restaurant kitchen.", young_family)
    assert fits_life(
        "My son started his first job in a restaurant kitchen.", unfit_tags(_persona(age=58, household="with partner"))
    )


def test_a_text_for_mum_says_nothing_of_mum_in_the_third_person(tax):
    from flows.stages.news import NewsSupply
    from llm.people import speaks_of
    from schemas.generation import Contact

    assert speaks_of("Mum's hip replacement is booked for Tuesday.", "my mum")
    assert not speaks_of("Mum's hip replacement is booked for Tuesday.", "my sister")
    assert speaks_of("My parents' anniversary next week is their fortieth.", "my dad")
    assert speaks_of("My grandad kept an allotment for fifty years.", "my grandmother")
    assert speaks_of("My brother is a tree surgeon and spends his days on a rope.", "my brother")
    assert speaks_of("My mum's new tablet arrived on Monday.", "my brother")  # his mum too: "Mum's new tablet"
    assert speaks_of("My grandfather's medals went on show.", "my dad")
    assert not speaks_of("My mum's new tablet arrived on Monday.", "my cousin")
    assert speaks_of("My little sister passed her driving test.", "my sister")
    assert not speaks_of("My sister-in-law passed her driving test.", "my sister")
    assert speaks_of("My other half has taken up the cello.", "my partner")
    assert not speaks_of("My coworker brought cake.", "my manager")
    # the user's childhood is no news to those who shared it (a reader met a first bedroom told to Mum)
    childhood = "My first bedroom was so small that the door opened onto the end of the bed."
    for family in ("my mum", "my dad", "my brother", "my sister", "my grandmother"):
        assert speaks_of(childhood, family) and speaks_of("When I was eight I wore the key on a shoelace.", family)
        assert speaks_of("I grew up above my parents' restaurant.", family)
    assert not any(speaks_of(childhood, r) for r in ("my best friend", "my cousin", "my neighbour", "my partner"))
    assert not speaks_of("When I was in town on Friday the bank had shut.", "my mum")
    # nor is a sibling's child "my nephew" to a grandparent, a parent or a sibling (a reader met "my nephew's
    # sports day" told to Dad, whose grandson he is)
    nephew = "My nephew's sports day was rained off, so the egg-and-spoon race happened in the school hall."
    for family in ("my mum", "my dad", "my brother", "my sister", "my grandmother"):
        assert speaks_of(nephew, family) and speaks_of("My nieces came to stay for the weekend.", family)
    assert not any(speaks_of(nephew, r) for r in ("my best friend", "my cousin", "my neighbour", "my partner"))
    # a sibling is a brother's or sister's sibling too, a grandchild or child of the grandmother's, and an aunt
    # or a grandparent may be a cousin's own (readers met "My sister's kids visited" to a brother, "my
    # brother's scan" to Gran, "My aunt sent me a book" to a cousin)
    assert speaks_of("My sister's kids visited on Sunday.", "my brother")
    assert speaks_of("My little brother moved flats.", "my sister")
    assert speaks_of("My brother had his scan on Tuesday.", "my grandmother")
    assert speaks_of("My mum rang twice on Friday.", "my grandmother")
    assert speaks_of("My aunt sent me a book.", "my cousin") and speaks_of("My gran is ninety.", "my cousin")
    assert not speaks_of("My grandson rang.", "my cousin") and not speaks_of("My sister-in-law rang.", "my sister")
    persona = _persona(age=40)
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    mum = Contact(name="Leila", relation="my mum", pronoun="she")
    for_mum = [s for _ in range(200) for s in supply.take(3, [], mum, own_text=True)]
    assert len(for_mum) > 300 and not any(speaks_of(s, "my mum") for s in for_mum)


def test_a_user_works_only_where_its_occupation_does():
    """A nurse has hospital shifts and no office; an accountant an office and no patients; a retiree neither.
    (A blind reader met "Working shifts at a hospital" and "the warehouse where I work" five days apart.)"""
    nurse, accountant, retiree = (_persona(occupation=o) for o in ("nurse", "accountant", "retired"))
    hospital = "Working shifts at a hospital means mealtimes in our house happen at odd hours."
    office = "Our office ran a charity pamper afternoon on Friday and raised four hundred pounds."
    warehouse = "At the warehouse where I work, the company provides the hi-vis vest I change into."
    assert fits_life(hospital, unfit_tags(nurse)) and not fits_life(office, unfit_tags(nurse))
    assert fits_life(office, unfit_tags(accountant)) and not fits_life(hospital, unfit_tags(accountant))
    assert not any(fits_life(s, unfit_tags(p)) for s in (warehouse,) for p in (nurse, accountant, retiree))
    assert not fits_life(office, unfit_tags(retiree)) and not fits_life(hospital, unfit_tags(retiree))
    assert fits_life("The post office queue went out of the door on Friday.", unfit_tags(nurse))


def test_the_user_body_and_studies_fit_its_age():
    """A blind reader met "my new knee" and "revision folders" in the history of a 24-year-old chef."""
    knee = "My new knee came with orders to pace the cabin every hour, so I sat by the walkway."
    revision = "A pen burst in my bag on Monday and left blue ink all over my revision folders."
    young_chef, older_chef = _persona(age=24, occupation="chef"), _persona(age=58, occupation="chef")
    assert not fits_life(knee, unfit_tags(young_chef)) and fits_life(knee, unfit_tags(older_chef))
    assert not fits_life(revision, unfit_tags(older_chef))
    assert fits_life(revision, unfit_tags(_persona(age=35, occupation="student")))
    fortieth = "For my fortieth I set it up so guests could tick going, maybe or can't."
    assert not fits_life(fortieth, unfit_tags(young_chef)) and fits_life(fortieth, unfit_tags(older_chef))


def test_a_working_adult_can_prepare_for_a_professional_exam(tax):
    """Professional certification is what working people sit: the question asks about study time, not
    "my revision", and each option keeps a cue that fits someone who is not a student."""
    from flows.stages.preferences import fits_persona

    certification = tax.scenarios["learning.certification_revision"]
    teacher = unfit_tags(_persona(age=40, occupation="teacher"))
    assert fits_persona(certification, teacher)


def test_only_grown_children_hold_preferences_the_user_relays(tax):
    """A 36-year-old's son does not write about his office; a 58-year-old's can."""
    young, older = _persona(age=36), _persona(age=58, household="with partner")
    assert "my son" in relations_for(young, tax.attributes.relations)
    assert not {"my son", "my daughter"} & set(holders_for(young, tax.attributes.relations))
    assert "my son" in holders_for(older, tax.attributes.relations)
    assert "my manager" in relations_for(older, tax.attributes.relations)
    assert "my manager" not in holders_for(older, tax.attributes.relations)  # a boss brings no private letters


def test_a_parent_of_teenagers_has_a_daughter_at_school_or_a_graduate_never_both():
    """One history told of "my daughter's school" and "after graduating, my daughter moved back home": each
    parent of teenagers aged 45-61 now keeps one of the two worlds, and across personas both occur."""
    school = "My daughter's school report came home this week, and it has been stuck to the fridge ever since."
    graduate = "After graduating, my daughter moved back home, and the hallway is now a maze of suitcases."
    assert not fits_life(graduate, frozenset({"grown_children"}))  # the graduation before the daughter counts
    worlds = set()
    for n in range(40):
        parent = _persona(age=52, household="with partner and children", persona_id=f"p{n:03d}")
        unfit = unfit_tags(parent)
        fits = (fits_life(school, unfit), fits_life(graduate, unfit))
        assert fits != (True, True), parent.persona_id
        worlds.add(fits)
    assert worlds == {(True, False), (False, True)}


def test_a_partner_at_home_and_a_new_partner_fit_only_the_households_that_allow_them():
    """A user who lives alone has not "just moved in together"; one raising children with a partner is not
    about to meet that partner's parents for the first time, nor just moved in with them (a reader met "our
    first proper argument since moving in together" beside years of shared children)."""
    moved_in = "My partner and I just moved in together and keep bickering over housework."
    first_meeting = "I'm about to meet my partner's parents for the first time next month."
    from llm.life import has_partner

    alone = next(p for i in range(20) if has_partner(p := _persona(persona_id=f"p{i:05d}", household="lives alone")))
    couple, family = (_persona(household=h) for h in ("with partner", "with partner and children"))
    assert not fits_life(moved_in, unfit_tags(alone))
    assert fits_life(moved_in, unfit_tags(couple)) and not fits_life(moved_in, unfit_tags(family))
    assert fits_life(first_meeting, unfit_tags(alone)) and fits_life(first_meeting, unfit_tags(couple))
    assert not fits_life(first_meeting, unfit_tags(family))


def test_a_school_writing_to_parents_belongs_to_a_parent_of_a_school_child():
    """ "The school asked parents to collect bottle tops ... our kitchen drawer is overflowing" reached a
    grandmother's relayed noticeboard piece: a parent's sentence, though it names no child."""
    parent_sentences = [
        "The school asked parents to collect bottle tops for a mosaic, and our kitchen drawer is overflowing.",
        "Parents' evening is on Thursday, and I've taken the afternoon off work to make it.",
        "I buy school shoes in the sales two sizes up, which just about gets us through to the next growth spurt.",
        "Name tapes are the bane of my life, since my three children lose a piece of uniform every fortnight.",
    ]
    memory = "My stomach still turns over at the words parents' evening, decades after the last one I sat through."
    alone, parent = _persona(age=70, household="alone"), _persona(age=38, household="with partner and children")
    for sentence in parent_sentences:
        assert not fits_life(sentence, unfit_tags(alone)) and not fits_life(sentence, SOMEONE_ELSES), sentence
        assert fits_life(sentence, unfit_tags(parent)) or "three children" in sentence, sentence
    assert fits_life(memory, unfit_tags(alone))  # one's own schooldays belong to everyone


def test_a_grandmothers_notes_tell_of_no_job_and_she_holds_no_work_preference(tax, tiny_config, gen):
    """A reader met "Our works festive do" and "I sneeze my way through every meeting" in a ninety-year-old's
    notes, and a grandmother with a view on how a project kickoff should run."""
    from flows.stages.news import NewsSupply
    from flows.stages.personas import generate_personas
    from flows.stages.preferences import generate_preferences
    from llm.life import WORKPLACES
    from schemas.generation import Contact

    job = frozenset({"work", *WORKPLACES})
    assert not fits_life("Our works festive do has been postponed into the new year.", job)
    persona = _persona(age=40)
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    gran, sister = (
        Contact(name="Rosa", relation="my grandmother", pronoun="she"),
        Contact(name="Ana", relation="my sister", pronoun="she"),
    )
    for_gran = [s for _ in range(150) for s in supply.take(3, [], gran, own_text=False)]
    for_gran += [s for _ in range(100) if (s := supply.focus(own_text=False, addressee="my grandmother"))]
    assert len(for_gran) > 200 and all(fits_life(s, job) for s in for_gran)
    for_sister = [s for _ in range(150) for s in supply.take(3, [], sister, own_text=False)]
    assert not all(fits_life(s, job) for s in for_sister)  # a sister's notes may tell of her job

    config = tiny_config.model_copy(update=dict(n_personas=60, shard_size=60, other_rate=0.6))
    personas = generate_personas(config, 0, tax, gen)
    held = [p for persona in personas for p in generate_preferences(config, persona, tax) if p.relation]
    by_gran = [p for p in held if p.relation == "my grandmother"]
    assert len(by_gran) > 10 and not any(tax.domain_of[p.scenario_id] == "work" for p in by_gran)
    assert any(tax.domain_of[p.scenario_id] == "work" for p in held)  # others hold work preferences


def test_a_mother_s_words_are_never_a_man_s_and_a_manager_keeps_one_pronoun():
    """ "Another mum and I took over" stood in Bilal's notes; "my manager ... will replace her" beside a
    manager the world calls "he"."""
    from llm.life import world_unfit_tags
    from llm.people import someone_elses
    from schemas.generation import Contact

    mums = "Both umpires went down with flu, so another mum and I took over with a borrowed rulebook."
    assert not fits_life(mums, unfit_tags(_persona(gender="man")))
    assert fits_life(mums, unfit_tags(_persona(gender="woman")))
    # "another mum" is a parent of children at home: not a woman's who has none (a reader met it in a
    # history that never had a child), nor anyone else's text (their children are never described)
    assert not fits_life(mums, unfit_tags(_persona(gender="woman", household="with partner")))
    assert not fits_life(mums, someone_elses("my coworker", "he"))
    assert not fits_life(mums, someone_elses("my coworker", "she"))
    he = world_unfit_tags({"my manager": Contact(name="Felix", relation="my manager", pronoun="he")})
    assert not fits_life("My manager is leaving in June, and nobody knows who will replace her.", he)
    assert fits_life("My manager is leaving in June, and nobody knows who will replace him.", he)


def test_a_home_is_not_new_and_the_parents_are_together():
    """ "Our new flat" in March beside "nine years after moving in"; "my mum ... met a widower" beside the
    world's mum and dad, forty years married."""
    for persona in (_persona(), _persona(age=25, household="lives alone"), _persona(age=70, household="with partner")):
        unfit = unfit_tags(persona)
        assert not fits_life("Our new flat has a deep stone ledge over the sink.", unfit)
        assert not fits_life("My mum has joined a line dancing group and met a widower who makes her laugh.", unfit)
        assert not fits_life("Saturday mornings since the move go to the hospice stockroom.", unfit)  # a move
        assert not fits_life("The last of my removal boxes went out for recycling this week.", unfit)
        assert not fits_life("Since moving to Bristol I cycle round the underpasses every Sunday.", unfit)
        assert not fits_life("Since we moved next to the woods, my weekends go on bumping over roots.", unfit)
        # a car is in every history: no "walked or taken the bus everywhere since" beside "leaving the car"
        assert not fits_life("My bike was stolen, and I've walked or taken the bus everywhere since.", unfit)


def test_parents_past_seventy_write_of_no_job_and_a_child_s_notes_of_no_brother():
    """A reader met "our open-plan office" in the notes of a mum of seventy, a ninety-year-old "happy to
    pedal fifteen miles each way to work", and "my brother overseas" in the notes of a daughter whose only
    brother lives round the corner."""
    from llm.people import holds_in, retired_people, someone_elses

    assert retired_people(_persona(age=45)) == {"my grandmother", "my mum", "my dad"}
    assert retired_people(_persona(age=30, household="with partner")) == {"my grandmother"}
    # a son or daughter still a child at home writes of no manager, partner or car of their own (a reader met all
    # three in a son's notes beside a school pick-up)
    assert retired_people(_persona(age=30)) == {"my grandmother", "my son", "my daughter"}
    for grown in ("My manager finally got through to me.", "My partner bought me a bookmark.", "My car failed."):
        assert not fits_life(grown, someone_elses("my son", "he", retired_people(_persona(age=30))))
        assert fits_life(
            grown, someone_elses("my son", "he", retired_people(_persona(age=60, household="with partner")))
        )
    office = "Colds sweep through our open-plan office every winter."
    assert not fits_life(office, someone_elses("my mum", "she", retired_people(_persona(age=45))))
    assert fits_life(office, someone_elses("my mum", "she", retired_people(_persona(age=30))))
    commute = "I'd happily pedal fifteen miles each way to work if the headwind dropped."
    assert not fits_life(commute, someone_elses("my grandmother", "she"))
    assert not holds_in("my grandmother", "environment.commute_footprint", "environment", frozenset({"my grandmother"}))
    assert holds_in("my sister", "environment.commute_footprint", "environment", frozenset({"my grandmother"}))
    assert not holds_in("my grandmother", "sport.snowboard", "sport", frozenset({"my grandmother"}))
    assert not fits_life("My aunt is marrying for the second time.", someone_elses("my grandmother", "she"))
    # nor a sister of hers starting a job at an environmental consultancy
    assert not fits_life("My sister has started a job at a consultancy.", someone_elses("my grandmother", "she"))
    # nor a partner of hers: the world has no grandfather ("My partner forgot our anniversary" in Gran's notes)
    forgot = "My partner forgot our anniversary, then remembered at eleven at night and went out for flowers."
    assert not fits_life(forgot, someone_elses("my grandmother", "she"))
    assert fits_life(forgot, someone_elses("my sister", "she"))
    abroad = "My brother overseas rings every Sunday."
    assert not fits_life(abroad, someone_elses("my daughter", "she")) and fits_life(
        abroad, someone_elses("my coworker")
    )


def test_a_fourth_reading_s_slips_are_ruled_out():
    """A fourth careful reading still met: the user telling Mum what "my dad" did, telling son Sam that "my
    youngest" learned to ride a bike, a flat's four floors beside "the front lawn", an estate agent valuing a
    rented house, a breakup beside a partner all year, stabilisers at 87."""
    from llm.people import speaks_of

    assert speaks_of("My dad Femi taped it up with parcel tape.", "my mum")
    assert speaks_of("My youngest finally learned to ride a bike.", "my son")
    assert speaks_of("My daughter won the class spelling bee.", "my son")
    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household="lives alone")) for i in range(30)]
    floors, lawn = "I carry the rubbish down all four floors.", "The front lawn needs a cut."
    assert all(fits_life(floors, u) != fits_life(lawn, u) for u in homes)
    landlord, valuer = "Our landlord sent a plumber.", "An estate agent came round to value the house."
    assert all(not (fits_life(landlord, u) and fits_life(valuer, u)) for u in homes)
    partnered = unfit_tags(_persona(household="with partner"))
    assert not fits_life("Our six years together ended over a quiet dinner last month.", partnered)
    assert not fits_life(
        "My youngest finally rode without stabilisers.", unfit_tags(_persona(age=87, household="with partner"))
    )
    teens = unfit_tags(_persona(age=58))  # a family whose children are teenagers
    assert not fits_life("The kids spent half an hour riding the coin-operated rocket outside the newsagent.", teens)


def test_a_fifth_reading_s_slips_are_ruled_out():
    """Round five: a man's notes about "the sports bra I ordered", an eleven-year-old of a 24-year-old,
    telling Mum of "my sister's anniversary do", a sister of "my visiting parents", a late grandad beside
    his new hearing aids, a wasp in January, exam season in January, a festive tree in April."""
    from llm.people import someone_elses, speaks_of
    from llm.timing import months_fitting

    assert not fits_life("The sports bra I ordered arrived in the wrong size.", someone_elses("my partner", "he"))
    assert not fits_life(
        "My eleven-year-old has decided to write a novel.", unfit_tags(_persona(age=24, household="single parent"))
    )
    assert speaks_of("My sister's anniversary do ran late.", "my mum")
    assert speaks_of("My visiting parents are in a guest house.", "my sister")
    assert not fits_life("Our late grandad's shed is full of jars.", unfit_tags(_persona(age=30)))
    for text, month in (
        ("A wasp stung my daughter at the bus stop on Tuesday.", 1),
        ("Exam season at the secondary school next door means quiet mornings.", 1),
        ("We bought a new tree for the festive season.", 4),
    ):
        assert month not in months_fitting(text), text


def test_a_relation_no_rule_reads_adds_no_tag_to_the_sentence_it_joins(tax):
    """The news stage re-checks a rendered sentence only where ``rules_read`` says its relation's words may
    add a tag; for every other relation of the taxonomy the rendering must carry its template's tags."""
    assert rules_read("my son") and rules_read("my manager") and rules_read("my best friend")  # pronoun rule
    free = [r for r in tax.attributes.relations if not rules_read(r)]
    assert free, "some relations (a neighbour, a cousin) name nobody a rule reads"
    for relation in free:
        for pronoun in ("he", "she", "they"):
            sentence = f"Last week {relation} Ana said {pronoun} would bring the ladder round."
            assert _tags_of(sentence) == _tags_of("Last week she said she would bring the ladder round."), relation


def test_more_signs_of_a_flat_and_of_a_house_never_meet():
    """What readers met beside each other after the first home rules: a flat below and a front gate, the
    building's pigeonholes and the cupboard under our stairs."""
    flats = [
        "The man in the flat above us drops something heavy at exactly ten every evening.",
        "Our building has a row of pigeonholes for post.",
        "I live on the seventh floor, and the lift breaks.",
    ]
    houses = ["Our front gate squeaks at every visitor.", "I cleared out the cupboard under the stairs.",
              "The courtyard behind our terrace is about four metres square."]  # fmt: skip
    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household="lives alone")) for i in range(40)]
    for u in homes:
        assert all(fits_life(f, u) for f in flats) != all(fits_life(h, u) for h in houses)
        assert all(fits_life(f, u) == fits_life(flats[0], u) for f in flats)
        assert all(fits_life(h, u) == fits_life(houses[0], u) for h in houses)


def test_the_dead_stay_dead_and_the_living_alive():
    """The world's mum and dad are alive (under eighty), its grandfather is not: "my late father's ledger"
    beside texts from Dad, "a short visit to my grandad" beside "the tuning fork my grandad left me"."""
    late_dad, grandad_visit = "My late father kept a ledger.", "I paid six pounds for a short visit to my grandad."
    assert not fits_life(late_dad, unfit_tags(_persona(age=45)))
    assert fits_life(late_dad, unfit_tags(_persona(age=82, occupation="retired", household="lives alone")))
    for age in (25, 45):  # from sixty the history names no grandparent at all
        assert not fits_life(grandad_visit, unfit_tags(_persona(age=age)))
        assert fits_life("The tuning fork my grandad left me turned up in a drawer.", unfit_tags(_persona(age=age)))


def test_a_couple_is_at_one_stage_all_year():
    """About to propose, engaged, or married, for good; a partner living apart is no spouse, and someone
    with no partner is none of them (a reader met the ring hidden in a boot beside the wedding photos)."""
    from llm.life import couple_stage, has_partner

    stages = {"proposing": "The ring is hidden inside a walking boot.", "engaged": "Since the engagement I've danced.",
              "married": "My mother-in-law arrives with a cool bag."}  # fmt: skip
    seen = set()
    for i in range(60):
        for household in ("with partner", "lives alone", "with partner and children"):
            persona = _persona(persona_id=f"p{i:05d}", household=household)
            stage, u = couple_stage(persona), unfit_tags(persona)
            fitting = {s for s, text in stages.items() if fits_life(text, u)}
            assert fitting == ({stage} if stage else set()), (household, stage, fitting)
            assert (stage is None) == (not has_partner(persona))
            if household == "lives alone":
                assert stage != "married"
            seen.add(stage)
    assert seen == {None, "proposing", "engaged", "married"}


def test_nobody_the_user_lives_with_comes_round_and_young_children_get_news_for_their_age(tax):
    from llm.world import fits

    came_over = "The boiler broke again on Tuesday, and {who} came over with a heater until the engineer could visit."
    adult = "Somehow {who} got talked into chairing the residents' association and already has a stack of complaints."
    tonsils = "{Who} had {their} tonsils out last week and is recovering slowly on a diet of soup and cartoons."
    partner_at_home = frozenset({"my partner"})
    assert fits(came_over, "my partner", tax) and not fits(came_over, "my partner", tax, at_home=partner_at_home)
    assert fits(came_over, "my sister", tax, at_home=partner_at_home)
    assert fits(adult, "my son", tax) and not fits(adult, "my son", tax, young=True)
    assert fits(tonsils, "my son", tax, young=True) and fits(adult, "my sister", tax, young=True)


def test_a_peers_news_tied_to_an_age_fits_only_a_user_of_about_that_age(tax):
    """A reader met a sister "retiring at the end of the year" beside a user of thirty: such news is about
    a sibling, partner or friend only when the user is about that age too; a manager may retire at any
    age of the user, and with the age unknown the rule holds."""
    from llm.world import fits

    retiring = next(t for t in tax.world.news if "is retiring" in t)
    forty = next(t for t in tax.world.news if "is turning forty" in t)
    assert not fits(retiring, "my sister", tax, age=30) and fits(retiring, "my sister", tax, age=61)
    assert fits(retiring, "my manager", tax, age=30) and not fits(retiring, "my sister", tax)
    assert fits(forty, "my partner", tax, age=40) and not fits(forty, "my partner", tax, age=25)
    assert not fits(forty, "my best friend", tax, age=68)
    reference = next(t for t in tax.world.news if "reference for a former colleague" in t)
    assert not fits(reference, "my grandmother", tax) and fits(reference, "my cousin", tax)


def test_one_move_of_home_per_history(tax):
    """A brother moving abroad three times, a sister getting the keys to her own flat two weeks before
    moving back in with their parents: someone moving home is one ``once`` event."""
    from flows.stages.told_once import once_events

    moves = [
        "My sister and her husband have just got the keys to a flat of their own, and we toasted them.",
        "{Who} finally got the keys to {their} first flat on Friday, after months of delays from the seller.",
        "After three months of waiting, my brother's residence permit came through, so he moves abroad in September.",
        "My sister is moving abroad with her animals, and I spent an evening helping her with the pet passport.",
    ]
    assert all("new_home" in once_events(m, tax) for m in moves)
    assert "new_home" not in once_events("At school I carried the keys to the stationery cupboard.", tax)


def test_the_users_animal_is_one_dog_or_one_cat_or_none_for_good():
    """ "Our old boy" barked at every wave in one text and got a birthday sardine on a saucer in another: a
    persona has a dog, a cat or no animal, and only sentences that fit it."""
    from llm.life import pet_kind

    barks = "Each time we visit the seaside our old boy tries to bark at every single wave."
    sardine = "Our old boy turned twelve this week, so he got a tiny birthday sardine on a saucer."
    vet = "Appointment reminders from our vet now come by text, which has finally stopped me forgetting."
    neighbours = "The dog next door barks at our postman at ten every day, and the postman throws it a biscuit."
    kinds = set()
    for i in range(60):
        persona = _persona(persona_id=f"p{i:05d}")
        u, pet = unfit_tags(persona), pet_kind(persona)
        kinds.add(pet)
        assert fits_life(barks, u) == (pet == "dog") and fits_life(sardine, u) == (pet == "cat")
        assert fits_life(vet, u) == (pet is not None) and fits_life(neighbours, u)
    assert kinds == {"dog", "cat", None}
    assert not life_tags("The cover of my dog-eared paperback came off; I now vet every download.")


def test_a_home_is_in_a_village_or_a_town_for_good_and_only_a_parent_has_an_eldest():
    village, town = "Our village hall has been double-booked.", "Our high street has lost another bank."
    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household=h)) for i in range(40)
             for h in ("with partner and children", "lives alone")]  # fmt: skip
    assert all(fits_life(village, u) != fits_life(town, u) for u in homes)  # never both, never neither
    assert {fits_life(village, u) for u in homes} == {True, False}
    assert not fits_life(village, unfit_tags(_persona(household="with roommates")))  # a flat is in a town
    eldest = "The new headteacher has banned phones, which our eldest considers a human rights issue."
    assert not fits_life(eldest, unfit_tags(_persona(age=30, household="lives alone")))
    assert fits_life(eldest, unfit_tags(_persona(age=40, household="with partner and children")))


def test_what_a_reader_met_in_round_ten_is_ruled_out():
    """A house with a garage beside "our neighbours upstairs" and "everyone in the building"; the brother
    who comes round for dinner "overseas"; a niece on a gap year in March and doing a school project in
    June; "a first pet I never had" beside the household dog; "since I gave up the car" after a year of
    driving."""
    from llm.life import pet_kind

    homes = [unfit_tags(_persona(persona_id=f"p{i:05d}", household="lives alone")) for i in range(40)]
    upstairs = "Our neighbours upstairs have a parrot that copies the sound of our doorbell."
    garage = "Our garage shelf finally came down on Sunday under the weight of the paint tins."
    assert all(not (fits_life(upstairs, u) and fits_life(garage, u)) for u in homes)
    assert not fits_life("The time difference with my brother overseas means early calls.", homes[0])
    assert not fits_life("Since I gave up the car, I walk to the shops.", homes[0])
    retired_in = "Retired in May, I'm out daily slicing off chickweed between the rows."
    assert not fits_life(retired_in, unfit_tags(_persona(age=40))) and not life_tags("A retired engineer showed me.")
    gap_year = "My niece is on a gap year overseas and sends a photo of her breakfast every morning."
    project = "My niece has a school project on volcanoes and wants my help with the papier mache."
    seen = set()
    for i in range(40):
        for age in (30, 44, 60):
            u = unfit_tags(_persona(persona_id=f"p{i:05d}", age=age))
            assert fits_life(gap_year, u) != fits_life(project, u)
            seen.add((age, fits_life(gap_year, u)))
    assert {(30, False), (44, True), (44, False), (60, True)} <= seen and (30, True) not in seen
    from llm.people import someone_elses  # nor in a text relayed for someone else: the animal would be theirs

    assert not fits_life("Our dog's kennel stay in August is booked.", someone_elses("my grandmother", "she"))
    assert not fits_life(gap_year, someone_elses("my manager", "he"))
    never = "Half the security questions ask about a first pet I never had."
    for i in range(30):
        persona = _persona(persona_id=f"p{i:05d}")
        assert fits_life(never, unfit_tags(persona)) == (pet_kind(persona) is None)


def test_a_cousins_wedding_and_a_new_bin_day_are_told_once_and_a_manager_sees_no_front_wall(tax):
    from flows.stages.told_once import once_events
    from llm.world import fits

    assert "cousin_wedding" in once_events("Next month my cousin is getting married on the coast.", tax)
    assert "cousin_wedding" in once_events("I was halfway through my cousin's wedding when it rained.", tax)
    assert "bin_day" in once_events("Bin collection moved from Tuesday to Thursday two years ago.", tax)
    assert "bin_day" in once_events("The bin lorry now comes on a different day.", tax)
    wall = "A van reversed into our front wall on Monday, and {who} took down its number plate."
    assert not fits(wall, "my manager", tax) and fits(wall, "my sister", tax)


def test_round_eleven_a_retired_mum_is_not_off_work_and_a_dads_notes_state_no_age(tax):
    """A mum of seventy "has been off work"; a dad's own draft says "on my fiftieth birthday"; the tin
    opener found in two places; a best mate moving away twice."""
    from flows.stages.told_once import once_events
    from llm.people import someone_elses
    from llm.world import fits

    off_work = "{Who} has been off work with a bad back, so I've been doing {their} shopping."
    assert fits(off_work, "my mum", tax) and not fits(off_work, "my mum", tax, retired=True)
    assert fits(off_work, "my sister", tax, retired=False)
    fiftieth = "A leaflet about the bowel screening kit arrived on my fiftieth birthday."
    assert not fits_life(fiftieth, someone_elses("my dad", "he"))
    assert "tin_opener" in once_events("I once found the tin opener in the bathroom cabinet.", tax)
    assert "new_home" in once_events("My best mate is moving to the other end of the country in September.", tax)


def test_a_sisters_or_cousins_wedding_lies_ahead_or_is_past_all_year(tax):
    """A reader met the sister's wedding invitation pinned to the fridge and her wedding photographer's eight
    hundred pictures in one history; each persona's sister and cousin are married before it or marry in it,
    never both. And nobody has "never been into our loft" beside a loft full of school reports."""
    from llm.world import rendered_tags

    ahead = {"sister": "My sister's wedding invitation is pinned to our fridge.",
             "cousin": "Next month my cousin is getting married on the coast."}  # fmt: skip
    past = {"sister": "My sister's wedding photographer sent over eight hundred pictures.",
            "cousin": "My cousin lost her wedding ring in the long-jump sandpit on sports day."}  # fmt: skip
    seen = set()
    for i in range(40):
        u = unfit_tags(_persona(persona_id=f"p{i:05d}"))
        for relation in ahead:
            fitting = (fits_life(ahead[relation], u), fits_life(past[relation], u))
            assert sum(fitting) == 1, (relation, fitting)
            seen.add((relation, fitting))
        assert not fits_life("My partner and I have still never been into our loft after two years.", u)
    assert len(seen) == 4  # each state occurs for each relation
    template = "{Who} called to say the wedding date is fixed for next June, so everyone is already planning."
    assert "sister_wedding_ahead" in rendered_tags(template, "my sister", "she")
    assert "cousin_wedding_ahead" in rendered_tags(template, "my cousin", "she")
    # a sister with a husband, or an anniversary, is married already; asking for a bridesmaid, she is not
    married = "My sister and her husband are away for three months, and their postcards line the mantelpiece."
    bridesmaid = "My sister asked me to be her bridesmaid, and the first dress fitting is in June."
    for i in range(40):
        u = unfit_tags(_persona(persona_id=f"p{i:05d}"))
        assert fits_life(married, u) != fits_life(bridesmaid, u)


def test_a_flat_s_intercom_a_scrapped_car_and_a_working_mum_of_seventy_are_ruled_out():
    """Readers' finds: "I run down four flights" to the intercom beside a house with a loft; the user's car
    towed to the scrapyard beside drives all year; a mum who turned seventy writing of her shifts."""
    intercom = "Our intercom buzzes but does not open the door, so I run down four flights whenever it goes."
    for i in range(20):
        persona = _persona(persona_id=f"p{i:05d}")
        u = unfit_tags(persona)
        assert fits_life(intercom, u) == ("house" in u)  # said only where the home is a flat
        assert not fits_life("Someone from the scrapyard is coming to tow my old car away next week.", u)
    for age in range(30, 60):
        u = unfit_tags(_persona(age=age))
        seventy = fits_life("My mum turned seventy on Friday and insisted on no fuss.", u)
        working = fits_life("My mum rang between shifts to ask about Sunday.", u)
        assert not (seventy and working), age


def test_a_familys_youngest_is_a_baby_or_toddler_or_at_school_for_good():
    """A reader met "my youngest made a birthday card for her teacher" beside "the baby has started crawling"
    and "my three-year-old": a family of small children has one youngest, for the whole history."""
    at_school = "My youngest made a birthday card for her teacher using every sticker she could find."
    baby = "I've measured the top of the stairs for a safety gate, now that the baby has started crawling."
    toddler = "My three-year-old emptied a bottle of purple hand soap all over the bathroom floor."
    seen = set()
    for i in range(30):
        u = unfit_tags(_persona(age=32, persona_id=f"p{i:05d}", household="with partner and children"))
        school = fits_life(at_school, u)
        assert school != fits_life(baby, u) and school != fits_life(toddler, u), i
        seen.add(school)
    assert seen == {True, False}


def test_a_brother_studies_or_works_and_at_one_job():
    """A reader met one brother with a funded doctorate, a tree surgeon's rope, a degree left for plumbing
    and an office supervisor in one history. A persona's brother is now a student (only for a persona under
    32, and then for good) or at work, and at one job."""
    doctorate = "My brother has been offered a funded doctorate, which means he'll be a student until he's thirty."
    rota = "My brother Wes got a new supervisor who has reorganised all the rotas, and nobody knows next week's shifts."
    jobs = ["My brother is a tree surgeon and spends most of his working life on a rope.",
            "My brother works in a shoe shop and comes home with stories about customers."]  # fmt: skip
    stages = set()
    for age in (24, 28, 45):
        for i in range(1, 30):
            unfit = unfit_tags(_persona(age=age, persona_id=f"p{i:05d}"))
            student, working = fits_life(doctorate, unfit), fits_life(rota, unfit)
            assert student != working  # one or the other, for good
            assert not (student and age >= 32)
            assert sum(fits_life(j, unfit) for j in jobs) == (0 if student else 1)
            stages.add(student)
    assert stages == {True, False}


def test_readers_labels_keep_a_small_child_and_a_job_from_a_retiree(tax):
    """The word rules know "toddler" and "my manager", not a bead up a son's nose or a work laptop; the
    readers' labels (taxonomy/life_labels.yaml) give those sentences their tags, so an eighty-year-old living
    with her partner tells of neither, while a young parent in work may tell of both."""
    bead = "I spent Saturday at the walk-in clinic after my son pushed a bead up his nose."
    laptop = "My work laptop is ancient, and its fan roars whenever I open more than two spreadsheets at once."
    assert bead in {t for d in tax.domains for t in d.neutral} | {t for s in tax.scenarios.values() for t in s.topical}
    assert {"little", "children"} <= life_tags(bead) and "work" in life_tags(laptop)
    retiree = _persona(age=80, age_band="65+", occupation="retired", household="with partner")
    parent = _persona(age=33, age_band="25-34", household="with partner and children", occupation="accountant")
    assert not fits_life(bead, unfit_tags(retiree)) and not fits_life(laptop, unfit_tags(retiree))
    assert fits_life(laptop, unfit_tags(parent))
    assert fits_life(bead, unfit_tags(parent)) or "youngest_at_school" not in unfit_tags(parent)


def test_a_first_job_is_a_young_grown_childs_not_an_eighty_year_olds_son(tax):
    first_job = "My son started his first job in a restaurant kitchen this week and came home with a burn."
    assert "young_grown" in life_tags(first_job)
    retiree = _persona(age=80, age_band="65+", occupation="retired", household="with partner")
    assert not fits_life(first_job, unfit_tags(retiree))
    assert fits_life(first_job, unfit_tags(_persona(age=52, age_band="45-54", household="with partner")))


def test_a_retiree_is_never_drawn_a_change_to_the_commute_yet_keeps_most_scenarios(tax):
    from llm.life import lives_in_flat, pet_kind

    """An option whose every change cue tells of a job ("the office moved across town, so the tram journey
    became my paperback time") cannot be updated for a retiree, so the scenario is not drawn for one; most of
    the 300 still are."""
    from flows.stages.preferences import fits_persona

    retiree = unfit_tags(_persona(age=80, age_band="65+", occupation="retired", household="with partner"))
    worker = unfit_tags(_persona(age=40, occupation="accountant"))
    commute = tax.scenarios["books.reading_slot"]
    assert not fits_persona(commute, retiree) and fits_persona(commute, worker)
    assert sum(fits_persona(s, retiree) for s in tax.scenarios.values()) >= 0.7 * len(tax.scenarios)
    nurse = unfit_tags(_persona(age=40, occupation="nurse"))  # no office: no commute to one either
    assert not fits_persona(commute, nurse)
    assert sum(fits_persona(s, nurse) for s in tax.scenarios.values()) >= 0.7 * len(tax.scenarios)
    alone = (_persona(persona_id=f"p{i:05d}", age=29, age_band="25-34", household="lives alone") for i in range(200))
    renter = next(p for p in alone if lives_in_flat(p) and not pet_kind(p))  # in a flat with no animal
    unfit = unfit_tags(renter)
    assert not fits_persona(tax.scenarios["gardening.garden_boundary"], unfit)  # no garden fence of their own
    assert sum(fits_persona(s, unfit) for s in tax.scenarios.values()) >= 0.7 * len(tax.scenarios)


def test_every_parenting_question_still_fits_some_parent(tax):
    """The readers' child ages (``taxonomy/life_labels.yaml``) rule a toddler's bedtime out for a parent of
    teenagers, and pocket money out for a parent of a baby; each parenting question still fits some parent."""
    import itertools

    from flows.stages.preferences import fits_persona

    shapes = itertools.product((30, 34, 38, 42, 47, 52, 56), ("with partner and children", "single parent"), "ab")
    parents = [
        unfit_tags(_persona(persona_id=f"p{i:05d}", age=age, household=household, gender=("woman", "man")[g == "b"]))
        for i, (age, household, g) in enumerate(shapes)
    ]
    parenting = [s for sid, s in tax.scenarios.items() if tax.domain_of[sid] == "parenting"]
    assert parenting and all(any(fits_persona(s, unfit) for unfit in parents) for s in parenting)


def test_a_dog_owners_home_never_bans_anything_that_barks(tax):
    """A reader met "the flat's lease bans anything that barks" beside the user's old spaniel: that sentence
    is for a home without a dog (it is a cue: the user keeps rabbits), so a dog owner is never drawn it."""
    from llm.life import pet_kind

    lease = next(
        c for o in tax.scenarios["pets.shelter_adoption"].options for c in o.cues if "anything that barks" in c
    )
    people = [_persona(persona_id=f"p{i:05d}", household="lives alone") for i in range(60)]
    owners = [p for p in people if pet_kind(p) == "dog"]
    others = [p for p in people if pet_kind(p) != "dog"]
    assert owners and others
    assert not any(fits_life(lease, unfit_tags(p)) for p in owners)
    assert any(fits_life(lease, unfit_tags(p)) for p in others)


def test_a_recent_fortieth_is_not_told_at_eighty():
    """A reader met "For my fortieth I set it up on social media" from a user of eighty: a fortieth or a
    fiftieth told of is told within twenty years of it, and never before it."""
    fortieth = "For my fortieth I set it up on social media so guests could click going or maybe."
    assert fits_life(fortieth, unfit_tags(_persona(age=44, age_band="35-44")))
    for age, band in ((80, "65+"), (36, "35-44")):
        assert not fits_life(fortieth, unfit_tags(_persona(age=age, age_band=band, occupation="retired")))


def test_nobody_drives_an_hour_to_see_the_neighbour(tax):
    """A reader met "We drove out to see my neighbour Olga last weekend, and the roadworks added a full hour
    each way": that news is of someone who lives further off than next door."""
    from llm.world import fits

    drive = "We drove out to see {who} last weekend, and the roadworks added a full hour each way."
    assert not fits(drive, "my neighbour", tax) and fits(drive, "my sister", tax)


def test_a_driver_never_learns_to_drive_and_someone_without_a_car_never_drives_one(tiny_config, tax):
    """A reader met "I passed my test yesterday" in July beside a garage that "has done my cars for twenty
    years": most users drive a car of their own all year, the rest have none (and may be learning)."""
    from llm.life import drives

    learner_scenarios = {"transport.first_car_type", "transport.learning_to_drive"}
    owner_scenarios = {"transport.car_service", "finance.replacing_car", "transport.next_powertrain"}
    drawn = {True: set(), False: set()}
    for i in range(300):
        persona = _persona(persona_id=f"p{i:05d}", age=22 + i % 50)
        unfit = unfit_tags(persona)
        driver = drives(persona)
        assert ("no_car" in unfit) == driver and ("own_car" in unfit) != driver
        assert fits_life("The car has made a faint squeak whenever I turn left.", unfit) == driver
        assert fits_life("My provisional licence came through this week.", unfit) != driver
        drawn[driver] |= {p.scenario_id for p in generate_preferences(tiny_config, persona, tax)}
    assert not drawn[True] & learner_scenarios and not drawn[False] & owner_scenarios
    assert drawn[False] & learner_scenarios and drawn[True] & owner_scenarios  # each still asked of someone
    drivers = sum(drives(_persona(persona_id=f"p{i:05d}", age=40)) for i in range(1000))
    assert 850 <= drivers <= 950


def test_a_year_five_trip_and_a_gold_star_are_a_small_childs():
    """A reader met a son on his year five trip, then a teenage son four months on, and a daughter's gold star
    for spelling beside her school prom: both are a small child's, never beside a teenager's."""
    for sentence in (
        "My son's school wants parent helpers for the year five trip to the science centre, and I've volunteered.",
        "My daughter's school report came home with a gold star for spelling, and it is on the fridge.",
    ):
        assert "little" in _tags_of(sentence) and "teen" not in _tags_of(sentence), sentence
    assert "teen" in _tags_of("Our daughter wants to do her own hair and makeup for the school prom.")


def test_our_late_mum_is_a_parent_who_died():
    """A reader met "one of our late mum's silk headscarves" beside a mum who keeps the games in her loft."""
    assert "late_parent" in _tags_of("My sister's parcel was swaddled in one of our late mum's silk headscarves.")


def test_a_coworker_does_not_need_the_school_run_and_a_new_nursery_is_a_small_childs(tax):
    """A reader met "My coworker Jomo broke his wrist, so I've been doing the school run" and a dad's notes
    to his old workmates telling of "our first parents' meeting at the new nursery"."""
    from llm.people import SOMEONE_ELSES
    from llm.world import fits

    school_run = "{Who} broke {their} wrist slipping on ice, so I've been doing the school run for a couple of weeks."
    assert not fits(school_run, "my coworker", tax) and fits(school_run, "my sister", tax)
    nursery = "We had our first parents' meeting at the new nursery, and the teacher knew every child's name."
    assert "little" in _tags_of(nursery) and not fits_life(nursery, SOMEONE_ELSES)


def test_details_readers_met_against_the_life_they_contradict():
    """Each pair a reader met in one history: a cot in a childless couple's flat, a mother's flat cleared
    while she writes, gardening "outside" from a mid-floor flat, a service charge paid by a tenant, flea
    treatment with no animal, a dog's obedience night beside the cat, an aunt's funeral beside the aunt,
    a forklift licence in an accountant's week, an advert for "my old role" while still in work."""
    from llm.life import lives_in_flat, pet_kind, rents_home

    couple = _persona(household="with partner")
    assert not fits_life("My partner strums a few quiet chords on the ukulele beside the cot every evening.",
                         unfit_tags(couple))  # fmt: skip
    assert not fits_life("While clearing my mum's flat I found the tin badge she was given.", unfit_tags(couple))
    people = [_persona(persona_id=f"p{i:05d}", household="lives alone", age=29, age_band="25-34") for i in range(300)]
    in_flat = next(p for p in people if lives_in_flat(p))
    assert not fits_life("My partner looks after the houseplants and I do everything outside.", unfit_tags(in_flat))
    renter = next(p for p in people if rents_home(p))
    assert not fits_life("The service charge for our block jumped by three hundred pounds.", unfit_tags(renter))
    petless = next(p for p in people if pet_kind(p) is None)
    assert not fits_life("The flea treatment I ordered from a website turned out to be a fake.", unfit_tags(petless))
    cat_owner = next(p for p in people if pet_kind(p) == "cat")
    obedience = "At obedience night in the church annexe on Tuesday I learned a lot."
    assert not fits_life(obedience, unfit_tags(cat_owner))
    wanting = "Some days I'm out from morning till night, so whatever I get has to be happy snoozing on the radiator."
    assert not fits_life(wanting, unfit_tags(cat_owner)) and fits_life(wanting, unfit_tags(petless))
    assert not fits_life("A cousin turned up at my aunt's funeral.", unfit_tags(couple))
    forklift = "I renewed my forklift licence after a morning of reversing round cones in the yard."
    assert not fits_life(forklift, unfit_tags(_persona(occupation="accountant")))
    assert fits_life(forklift, unfit_tags(_persona(occupation="truck driver")))
    retiree = _persona(age=70, age_band="65+", occupation="retired", household="with partner")
    for at_work in (
        "Our IT people forced a password change, and half my department was locked out by lunchtime.",
        "I've been covering extra shifts this month, so my sister has been feeding the cat when I'm late.",
    ):  # a reader met both in a retiree's history
        assert not fits_life(at_work, unfit_tags(retiree)), at_work
    # a settled home, a degree long behind: "A year on this street" six days before "nine years after moving in"
    assert not fits_life("A year on this street and I only know the man at number six.", unfit_tags(couple))
    assert not fits_life("The university posted my graduation certificate three months late.", unfit_tags(couple))
    advert = "The job advert for my old role went up, and the salary is eight thousand more than I was paid."
    assert not fits_life(advert, unfit_tags(couple))
    assert fits_life(
        advert, unfit_tags(_persona(age=70, age_band="65+", occupation="retired", household="with partner"))
    )


def test_a_grandmother_s_notes_tell_of_no_days_off_or_payslips():
    """A reader met a grandmother of ninety "on my days off", chasing holiday pay on her old payslips and
    panicking at her pension projection."""
    from llm.people import someone_elses

    gran = someone_elses("my grandmother")
    for sentence in (
        "Since the knife skills class I spend my days off braising and making my own puff pastry.",
        "Lately my friend has been helping me go through my old payslips to work out whether I'm owed holiday pay.",
        "My pension statement arrived on Tuesday, and the projected figure made me laugh and then quietly panic.",
    ):
        assert not fits_life(sentence, gran), sentence
        assert fits_life(sentence, unfit_tags(_persona(household="with partner"))), sentence  # a worker's


def test_both_kids_is_never_said_beside_a_baby():
    """A reader met "Both kids came down with chickenpox" beside a baby pulling herself up, a daughter at
    school and a son: three children."""
    both = "Both kids came down with chickenpox a week apart, so I've had a fortnight of spotty faces."
    families = [_persona(persona_id=f"p{i:05d}", age=33, age_band="25-34") for i in range(60)]
    with_baby = [p for p in families if "baby" not in unfit_tags(p)]
    without = [p for p in families if "baby" in unfit_tags(p)]
    assert with_baby and without
    assert not any(fits_life(both, unfit_tags(p)) for p in with_baby)
    assert all(fits_life(both, unfit_tags(p)) for p in without)


def test_wills_naming_guardians_and_school_fees_are_told_only_by_parents(tax):
    """Readers met an eighteen-year-old living with his parents who had sorted out "our wills and guardianship",
    posted in "every parent chat I'm in" and said "Fees are off the table for us"."""
    teen = _persona(age=18, age_band="18-24", household="with parents")
    unfit = unfit_tags(teen, None)
    for said in (
        "My partner and I finally sorted out our wills and guardianship, which made us both feel very grown up.",
        "I'm posting the link in every parent chat I'm in and begging folk to sign and pass it on.",
        "Fees are off the table for us, and I believe in the comprehensive system anyway.",
    ):
        assert not fits_life(said, unfit), said
        assert fits_life(said, unfit_tags(_persona(), None)), said  # a parent of school-age children may say it


def test_a_costume_day_at_school_is_a_small_childs():
    """A reader met "My youngest's school has a dress-up-as-a-book-character day" from a parent whose son is
    a teenager and whose daughter is at college: costume days are a primary school's, so the
    parent of teenagers never tells one; a parent of young children still may."""
    costume = (
        "My youngest's school has a dress-up-as-a-book-character day on Thursday, and I've spent two evenings "
        "making a cardboard crown."
    )
    notice = "My eldest's school only gives three days' notice for dress-up days, so I've cobbled together costumes."
    teenagers = unfit_tags(_persona(age=44))  # children at school, teenagers: no toddler and no infant class
    assert "teen" not in teenagers and "school_kids" not in teenagers and "little" in teenagers
    assert not fits_life(costume, teenagers) and not fits_life(notice, teenagers)
    young = unfit_tags(_persona(age=31))
    assert fits_life(notice, young)
