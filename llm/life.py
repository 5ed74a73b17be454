"""What a persona's life rules out: the people and the sentences that would contradict its attributes.

What: ``unfit_tags(persona)`` names the kinds of life detail a persona cannot have (a flatmate for
someone who lives with a partner and children, a manager or a colleague for someone retired, a newborn
at 70, "since I retired" at 35, a grandmother at 65, a mum at 85, "the kids" for someone without children
at home, a toddler beside a teenager: a family's children are either small or teenagers, by age; "our
flat" beside "our house", "the man upstairs" beside "our pond", "our landlord" beside "our mortgage": a home
is one or the other, rented or owned; a son's first job beside a toddler; "the breakup"
told by someone who lives with a partner; a workplace of another occupation: "our office" for a nurse;
"my new knee" at 24, revision notes at 40),
``fits_life(text, tags)`` says whether a sentence is free of them, and ``relations_for(persona, relations)``
keeps the people of ``persona_attributes.yaml`` that the persona can have (no roommate unless it lives with
roommates, no manager or coworker once retired, no grandmother from 60, no mum or dad from 80, no son or daughter
under 23 or, for someone without children at home, under 45; no school of one's children without children
at home or from 62; a parent of teenagers aged 45-61 gets a son or daughter at school or one grown up,
never both: "my daughter's school" beside "after graduating, my daughter moved back home" is two daughters
or a contradiction). Why: a careful reader who meets "my roommate Aaron" and "my partner Kenji" in one home, or a
retiree's manager, stops believing the history; attributes are drawn one by one
(``flows.stages.personas`` makes them coherent), and the sentence banks are shared by every persona, so
each persona takes only what its life allows. How: word rules, deterministic (a memory of a late parent
is left out too: the rules err towards leaving a sentence unused);
``python -c "from llm.life import LIFE_WORDS; print(sorted(LIFE_WORDS))"`` (the words: ``llm.life_words``).
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from llm.life_labels import labelled
from llm.life_words import LIFE_WORDS, WORKPLACES, WORLD_PRONOUN_TAGS

_COMPILED = {tag: re.compile(words.lower()) for tag, words in LIFE_WORDS.items()}
"""Matched against lowercased text: nearly twice as fast as case-blind matching, the same tags on every bank
sentence (the patterns use no upper-case escapes such as \\B or \\W)."""
_AS_PARENT_OF_GENDER = {"woman": ("as_dad",), "trans woman": ("as_dad",), "man": ("as_mum",), "trans man": ("as_mum",)}


_WITH_CHILDREN = ("with partner and children", "single parent", "multigenerational")
PARENTS_RETIRED_FROM = 42  # a persona this old has parents near seventy or past it: retired (llm.people)
_SMALL_CHILDREN_UNTIL = 36  # a parent younger than this has no teenager
_TEENAGERS_FROM = 50  # a parent from this age has no toddler
_GROWN_CHILDREN_FROM = 45  # someone younger has no son with a job of his own
_CHILDREN_LEFT_HOME_FROM = 45  # someone younger whose household has no children has none
_NO_SCHOOL_CHILDREN_FROM = 62  # the children of someone this old have left school
_YOUNG_GROWN_FROM = 65  # the children of someone this old are past a first job, a degree, a first flat
_LEARNER_UNTIL = 70  # someone this old takes no exams
_RECENT_MILESTONE = 20  # "for my fortieth I set it up on social media": told within twenty years of it
WORK_RELATIONS = ("my manager", "my coworker")
"""The people of a persona's working life: no catch-up message goes to them, and a retired persona has none."""

_RELATIONS_OF = {
    "flatmate": ("my roommate",),
    "partnered": ("my partner",),
    "work": WORK_RELATIONS,
    "children": ("my son", "my daughter"),
    "parents": ("my mum", "my dad"),
    "grandparents": ("my grandmother",),
}


def world_unfit_tags(world: dict) -> frozenset[str]:
    """The tags of sentences that give a person of ``world`` (relation -> ``Contact``) a pronoun other than
    theirs: with a partner who is "he", "my partner ... her" contradicts the history; "they" fits neither."""
    tags = set()
    for relation, tag in WORLD_PRONOUN_TAGS.items():
        contact = world.get(relation)
        if contact is not None:
            tags |= {f"{tag}_{p}" for p in ("he", "she") if p != contact.pronoun}
    return frozenset(tags)


def unfit_tags(persona, world: dict | None = None) -> frozenset[str]:
    """The ``LIFE_WORDS`` tags that would contradict ``persona`` (a ``schemas.core.Persona``), and with its
    ``world`` (``llm.world.world_for``) those giving its partner or best friend the other pronoun."""
    tags = set(world_unfit_tags(world)) if world is not None else set()
    if persona.household != "with roommates":
        tags.add("flatmate")
    if persona.occupation == "retired":
        tags.add("work")
    else:
        tags.add("retired")
    if persona.household not in _WITH_CHILDREN:
        tags |= {"baby", "little", "teen", "kids_at_home"}
    elif persona.age >= _TEENAGERS_FROM or (persona.age >= _SMALL_CHILDREN_UNTIL and _older_children(persona)):
        tags |= {"baby", "little"}  # the children at home are teenagers (or older)
    else:
        tags.add("teen")  # the children at home are small
    if persona.age < 50:
        tags.add("grandchildren")
    if persona.age >= _YOUNG_GROWN_FROM:  # their children are past a first job and a first flat
        tags.add("young_grown")
    if persona.age >= _LEARNER_UNTIL:  # no coursework, exam fees or revision meet-ups
        tags.add("learner")
    if persona.age < 23 or (persona.age < _CHILDREN_LEFT_HOME_FROM and persona.household not in _WITH_CHILDREN):
        tags.add("children")  # too young for children, or young enough that they would live at home
    tags.add("house" if lives_in_flat(persona) else "flat")
    tags.add("town" if lives_in_village(persona) else "village")
    tags.add("owning" if rents_home(persona) else "renting")
    small_at_home = persona.household in _WITH_CHILDREN and "teen" in tags
    if small_at_home or persona.age < _GROWN_CHILDREN_FROM:  # no son with a job beside a toddler
        tags.add("grown_children")
    # a partner at home, or a new one living apart, or none: "our six years together ended" and "dating
    # apps" beside a partner named all year is what a reader met, so a single life comes with no partner
    tags.add("single_life" if has_partner(persona) else "partnered")
    if "my partner" not in _HOUSEHOLD.get(persona.household, ()):  # no partner at home
        tags.add("cohabiting")
    if persona.household in ("with partner and children", "multigenerational"):
        tags.add("new_partner")
    if persona.household not in _WITH_CHILDREN or persona.age >= _NO_SCHOOL_CHILDREN_FROM:
        tags.add("school_kids")
    if not {"grown_children", "school_kids"} & tags:  # one "my daughter": at school or graduated, never both
        tags.add("grown_children" if _coin(f"stage:{persona.persona_id}") else "school_kids")
    if "school_kids" in tags:  # children past school: no teenager, no small child ("my teenage son" beside a graduate)
        tags |= {"teen", "little", "baby"}
    if persona.household in _WITH_CHILDREN and "little" not in tags:  # small children: the youngest is a baby
        # or a toddler, or at school, for good
        baby = _coin(f"baby:{persona.persona_id}")
        tags |= {"youngest_at_school"} if baby else {"baby", "toddler_at_home"}
    if "baby" not in tags:  # a baby beside a son and a daughter: three children, never "both kids"
        tags.add("two_children")
    if persona.age >= 60:  # grandparents past a hundred
        tags.add("grandparents")
    else:  # "my grandmother" is alive in its world
        tags.add("late_grandparent")
    if persona.age >= 80:  # parents past a hundred
        tags.add("parents")
    else:
        tags.add("late_parent")
    tags |= {"grandad_alive", "newcomer", "gran_in_care", "sibling_abroad", "aunt_died"}
    # parents: working until the user is past forty, retired after; seventy when the user is about 35-52
    tags.add("parents_working" if persona.age >= PARENTS_RETIRED_FROM else "parents_retired")
    if not PARENTS_RETIRED_FROM <= persona.age <= 52:  # a mum of seventy has retired (a reader met one at work)
        tags.add("parents_seventy")
    tags |= set(_COUPLE_STAGES) - {couple_stage(persona)}
    tags |= {place for place, (_, jobs) in WORKPLACES.items() if persona.occupation not in jobs}
    if persona.age < 40:
        tags.add("past_forty")
    if not 40 <= persona.age <= _RECENT_MILESTONE + 40:
        tags.add("recent_fortieth")
    if not 50 <= persona.age <= _RECENT_MILESTONE + 50:
        tags.add("recent_fiftieth")
    if persona.age < 50:
        tags.add("past_fifty")
    if persona.age < 60:
        tags.add("past_sixty")
    if persona.occupation != "student" and persona.age > 25:
        tags.add("studying")
    tags |= set(_AS_PARENT_OF_GENDER.get(persona.gender, ("as_mum", "as_dad")))
    pet = pet_kind(persona)  # a dog, a cat or no animal, for good
    tags |= {"dog", "cat"} - {pet} | ({"petless"} if pet else {"pet"}) | ({"no_dog"} if pet == "dog" else set())
    tags.add("sibling_kids_small" if _siblings_kids_grown(persona) else "sibling_kids_grown")
    tags |= {"just_moved", "parents_apart", "loft_unopened"}  # a settled home, parents together
    tags.add("no_car" if drives(persona) else "own_car")  # a driver with a car, or someone without either
    young = persona.age < 32 and _coin(f"brother:{persona.persona_id}")  # a brother still studying, or at work
    tags.add("brother_job" if young else "brother_student")
    tags.add("brother_shoe_shop" if _coin(f"brother_job:{persona.persona_id}") else "brother_tree_surgeon")
    for relation in ("sister", "cousin"):  # their wedding lies ahead or is past, all year
        ahead = _coin(f"{relation}_wedding:{persona.persona_id}")
        tags.add(f"{relation}_wedding_past" if ahead else f"{relation}_wedding_ahead")
    return frozenset(tags)


_FLAT_SHARE = {"with roommates": 1.0, "lives alone": 0.7, "with partner": 0.5, "with parents": 0.2}


def lives_in_flat(persona) -> bool:
    """Whether the persona's home is a flat (else a house): most sharers and people alone live in flats,
    most families in houses; a stable draw from the persona id, the same in every session."""
    share = _FLAT_SHARE.get(persona.household, 0.2)
    return zlib.crc32(f"home:{persona.persona_id}".encode()) % 100 < share * 100


_RENT_SHARE = {"with roommates": 1.0, "lives alone": 0.6, "single parent": 0.5, "with partner": 0.45}
_RENTING_UNTIL = 25  # someone younger rents (or lives in a home someone else rents)


_VILLAGE_SHARE = 0.3


def lives_in_village(persona) -> bool:
    """Whether ``persona``'s home is in a village (else a town or a city), the same in every session: about
    three in ten of those in a house, never someone in a flat ("our village hall" beside "our high street"
    and a seventh-floor flat is what a reader met)."""
    if lives_in_flat(persona):
        return False
    return zlib.crc32(f"village:{persona.persona_id}".encode()) % 100 < _VILLAGE_SHARE * 100


def rents_home(persona) -> bool:
    """Whether the persona's home is rented (else owned): sharers and the young rent, most families own, and
    a flat is likelier rented; a stable draw from the persona id ("our landlord" in March and "our mortgage
    deal ends soon" in May is what a reader met)."""
    if persona.age < _RENTING_UNTIL:
        return True
    share = _RENT_SHARE.get(persona.household, 0.25) + (0.2 if lives_in_flat(persona) else 0.0)
    return zlib.crc32(f"tenure:{persona.persona_id}".encode()) % 100 < share * 100


_PARTNER_APART_SHARE = 0.5


def has_partner(persona) -> bool:
    """Whether ``persona``'s world has a partner: always when one lives at home; for the others a stable
    coin from the persona id (a new partner living apart, or single). A single persona's world has no
    partner and its texts none; a partnered one's texts no breakup and no dating."""
    if "my partner" in _HOUSEHOLD.get(persona.household, ()):
        return True
    return zlib.crc32(f"partner:{persona.persona_id}".encode()) % 100 < _PARTNER_APART_SHARE * 100


_COUPLE_STAGES = ("proposing", "engaged", "married")


def couple_stage(persona) -> str | None:
    """Where ``persona`` and its partner stand, the same all year: about to propose, engaged, or married
    (half of those living together; a partner living apart is never a spouse), or None without a partner."""
    if not has_partner(persona):
        return None
    draw = zlib.crc32(f"couple:{persona.persona_id}".encode()) % 4
    if "my partner" in _HOUSEHOLD.get(persona.household, ()):
        return (*_COUPLE_STAGES, "married")[draw]
    return _COUPLE_STAGES[draw % 2]


def pet_kind(persona) -> str | None:
    """The user's animal, "dog" (35%), "cat" (30%) or none, from a stable draw on the persona id: one animal
    for good, so "our old boy" is not a dog in one text and a cat in the next."""
    draw = zlib.crc32(f"pet:{persona.persona_id}".encode()) % 20
    return "dog" if draw < 7 else "cat" if draw < 13 else None


_NON_DRIVERS = {"young": 25, "other": 10}  # per cent, under 25 and from 25


def drives(persona) -> bool:
    """Whether the user drives a car of their own (most do); the others have none and may be learning or have
    just passed. A stable draw on the persona id, the same all year."""
    share = _NON_DRIVERS["young" if persona.age < 25 else "other"]
    return zlib.crc32(f"car:{persona.persona_id}".encode()) % 100 >= share


def _siblings_kids_grown(persona) -> bool:
    """Whether the user's nieces and nephews are grown (a gap year, a first job) rather than at school: by
    the user's age, a stable coin between 36 and 52."""
    if persona.age < 36 or persona.age > 52:
        return persona.age > 52
    return _coin(f"sibkids:{persona.persona_id}")


def _older_children(persona) -> bool:
    """Between the two ages either stage fits; a stable coin from the persona id picks one for good."""
    return _coin(persona.persona_id)


def _coin(key: str) -> bool:
    """A stable coin: the same key always lands the same way, in every process."""
    return zlib.crc32(key.encode()) % 2 == 0


def life_tags(text: str) -> frozenset[str]:
    """The ``LIFE_WORDS`` tags ``text`` carries (cached)."""
    return _tags_of(text)


@lru_cache(maxsize=65536)
def _tags_of(text: str) -> frozenset[str]:
    low = text.lower()
    return frozenset(tag for tag, rx in _COMPILED.items() if rx.search(low)) | labelled().get(low, frozenset())


@lru_cache(maxsize=1024)
def rules_read(words: str) -> bool:
    """Whether a life rule reads ``words`` (a relation such as "my son" or "my best friend"): a tag of their own
    (``LIFE_WORDS``: "my son" is ``children``) or a pronoun the world fixes (``WORLD_PRONOUN_TAGS``). A
    sentence that names only people outside both has the tags of its template."""
    return bool(_tags_of(words)) or words in WORLD_PRONOUN_TAGS


def fits_life(text: str, unfit: frozenset[str]) -> bool:
    """Whether ``text`` says nothing of the kinds ``unfit`` names."""
    return not (unfit and _tags_of(text) & unfit)


_HOUSEHOLD = {
    "with partner": ("my partner",),
    "with partner and children": ("my partner", "my son", "my daughter"),
    "single parent": ("my son", "my daughter"),
    "multigenerational": ("my partner", "my son", "my daughter", "my mum", "my dad", "my grandmother"),
    "with roommates": ("my roommate",),
    "with parents": ("my mum", "my dad"),
}
MESSAGE_TASKS = ("message", "reply")
"""Task types whose text goes to the contact: a catch-up or a reply, never to someone one lives with."""


def living_with(persona) -> frozenset[str]:
    """The relations ``persona`` lives with (its household): nobody of them comes round or rings."""
    return frozenset(_HOUSEHOLD.get(persona.household, ()))


def correspondents(persona, people: list) -> list:
    """The people (``schemas.generation.Contact``) the persona would write a message of its news to: not
    those it lives with (a partner at home does not send "a letter asking what's new"), nor its manager or
    coworker (a weekend check-in to the boss about a daughter's glue-covered hair, and a sports bra sent
    back, told to a coworker, are what readers flagged); all of them if none is left."""
    not_written_to = {*_HOUSEHOLD.get(persona.household, ()), *WORK_RELATIONS}
    away = [c for c in people if c.relation not in not_written_to]
    return away or list(people)


def holders_for(persona, relations: list[str]) -> list[str]:
    """The people who can hold a preference the user relays (``who = other``): ``relations_for``, without the
    manager (a reader met "my manager Malik asked me to help with his catch-up to a cousin"), and without a
    son or daughter while the persona's children are small or teenagers (their texts would tell of office
    desks and mortgages: a reader met a 36-year-old's son with a workplace facilities department)."""
    boss = WORK_RELATIONS[0]
    people = [r for r in relations_for(persona, relations) if r != boss]  # no boss's letters to a cousin
    if "grown_children" in unfit_tags(persona):
        people = [r for r in people if r not in ("my son", "my daughter")]
    return people


def relations_for(persona, relations: list[str]) -> list[str]:
    """The relations (``my sister``, ...) the persona can have, in the taxonomy's order."""
    unfit = unfit_tags(persona)
    gone = {r for tag in unfit for r in _RELATIONS_OF.get(tag, ())}
    return [r for r in relations if r not in gone]
