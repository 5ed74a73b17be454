"""Who a text is for or by, and what it may therefore say: no third-person news of its own reader, and
in a text the user relays for someone else, nothing that person's life rules out.

What: ``speaks_of(text, relation)`` says whether a text talks about the person of ``relation`` in the
third person ("my brother ..." in a note to the user's only brother, "my mum ..." to a sister who shares
her); ``someone_elses(author, pronoun, retired)`` names the ``llm.life`` tags a relayed text may not
carry (the author's "my son" or "our flat" would be the user's family or home; the notes of someone of
``retired_people(persona)`` tell of no job; a man's notes hold no "another mum and I");
``holds_in(relation, scenario_id, domain, retired)`` keeps them from holding a work or commute preference
(and a grandmother a sport one); ``unfit_for_reader(relation)`` names what the user's own text for someone may
not tell (the neighbour's own street). Why: careful readers met each of these in generated histories. How: word rules,
deterministic; the stages that choose a text's sentences and its reader (``flows.stages.news``,
``filler``, ``conversations``, ``preferences``) and the offline cue picker use them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from llm.life import PARENTS_RETIRED_FROM, WORKPLACES, unfit_tags

_MY = r"\bmy (?:(?:big|little|older|younger|eldest|oldest|youngest|new|twin) )?"
_GRAND = r"my grandad|my grandfather|my grandmother|my gran|my nan|my grandparents"
_CHILDREN = r"\b(?:my|our) (?:son|daughter|youngest|eldest|oldest|kids|children)\b"  # a child's siblings
_SHARED = (
    r"\b(?:my mum|my mother|my dad|my father|my (?:\w+ )?parents|my cousins?|" + _GRAND + r")\b"
)  # a sibling's too
# a parent's own children: the user writes "Beatriz's anniversary" to Mum, not "my sister's"
_SIBLINGS = r"\bmy (?:(?:big|little|older|younger|twin) )?(?:brother|sister)s?\b(?!-in-law)"
# a sibling's child is a parent's grandchild and a sibling's own child or niece: "my nephew's sports day" to
# Dad (a reader met it) is his grandson's
_NIBLINGS = r"|\bmy (?:nephews?|nieces?)\b"
_AGES = r"four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|\d+"
_CHILDHOOD = (
    r"|\b(?:as an? (?:child|kid|boy|girl|teenager|teen|youngster)|growing up|I grew up|my childhood|"
    r"childhood (?:bedroom|home|house)|my first bedroom|my bedroom as a child|at primary school|"
    r"when I was (?:small|little|young|a (?:child|kid|boy|girl|teenager)|" + _AGES + r")|"
    r"since I was (?:small|little|a (?:child|kid))|from when I was)\b"
)
"""The user's childhood, which parents, siblings and a grandmother shared: "My first bedroom was so small
that the door opened onto the end of the bed" told to Mum as news is what a reader met."""
_KNOWS = _CHILDHOOD + _NIBLINGS  # what parents, siblings and a grandmother know first-hand
KIN_WORDS = {
    "my mum": r"\b(?:my mum|mum's|my mother|my parents|my dad|my father|" + _GRAND + r")\b|" + _SIBLINGS + _KNOWS,
    "my dad": r"\b(?:my dad|dad's|my father|my parents|my mum|my mother|" + _GRAND + r")\b|" + _SIBLINGS + _KNOWS,
    "my grandmother": r"\b(?:my gran|gran's|my grandmother|my nan|my grandad|my grandfather|my grandparents|my mum|"
    r"my mother|my dad|my father|my parents)\b|" + _SIBLINGS + _KNOWS,
    "my brother": _SIBLINGS + "|" + _SHARED + _KNOWS,
    "my sister": _SIBLINGS + "|" + _SHARED + _KNOWS,
    "my partner": _MY + r"(?:partner|other half)\b",
    "my best friend": _MY + r"best friend\b",
    "my cousin": _MY + r"cousin\b|\bmy (?:aunt|auntie|uncle)s?\b|\b(?:" + _GRAND + r")\b",
    "my son": _MY + r"son\b|" + _CHILDREN,
    "my daughter": _MY + r"daughter\b|" + _CHILDREN,
    "my neighbour": _MY + r"(?:next-door )?neighbour\b",
    "my manager": _MY + r"(?:manager|boss)\b",
    "my roommate": _MY + r"(?:roommate|flatmate)\b",
}
"""What a text says, in the third person, about the one person of the persona's world it is for or by:
never in it ("Hi Mum, ... Mum's hip replacement is booked"; "Hi Dad, ... My parents' anniversary next week
is their fortieth"; "Hi Wes, ... My brother is a tree surgeon" to the user's only brother; cousin Kavya's
notice saying "my cousin qualified" of a cousin who may be the user). A brother or sister shares the
user's parents and grandparents (one writes "Mum" to them, not "my mum"); a parent is told of "Dad" and
"Grandad", not "my dad" or "my grandfather"; a son of "your sister", not "my daughter". A coworker is
one of many, so "my coworker" stays free. Parents, siblings and a grandmother are told nothing of the
user's childhood (``_CHILDHOOD``): they were there; nor of "my nephew" or "my niece", a parent's grandchild and a
sibling's own child or niece ("my nephew's sports day" to Dad is what a reader met). A brother or sister is
told of "my sister" or "my brother" by neither word (theirs too: "My sister's kids visited" to a brother), a
grandmother of neither a grandchild nor her own child ("my brother's scan", "my mum"), and a cousin of no aunt,
uncle or grandparent (one may be theirs: "My aunt sent me a book" to a cousin)."""
_KIN = {relation: re.compile(words, re.IGNORECASE) for relation, words in KIN_WORDS.items()}


@lru_cache(maxsize=1 << 17)
def speaks_of(text: str, relation: str | None) -> bool:
    """Whether ``text`` talks about the person of ``relation`` in the third person (see ``KIN_WORDS``).
    Cached: the same bank sentences are tried for every persona and every reader (a fifth of a shard's
    filler time went to asking again)."""
    rx = _KIN.get(relation or "")
    return bool(rx and rx.search(text))


SOMEONE_ELSES = frozenset(
    {"children", "kids_at_home", "little", "teen", "baby", "school_kids", "parents", "grandparents", "grandchildren",
     "flatmate", "flat", "house", "renting", "owning", "dog", "cat", "pet", "petless", "sibling_kids_grown",
     "sibling_kids_small", "past_forty", "past_fifty", "past_sixty", "recent_fortieth", "recent_fiftieth",
     "neighbourhood"}
)  # fmt: skip
"""Tags no sentence of a text the user relays for someone else may carry: that person's "my son", "our
flat", "our dog's kennel stay" or "my niece" would be the user's family, home or animal seen from a life
the history never describes; an age ("on my fiftieth birthday" in the notes of a dad of seventy); and their
street ("Speed bumps have gone in along our road" in a note to their neighbour, who lives on it too)."""


def retired_people(persona) -> frozenset[str]:
    """The relations of ``persona``'s world who do not work: a grandmother always, mum and dad once the
    persona is past forty ("our open-plan office" in the notes of a mum of seventy is what a reader met), and
    a son or daughter who is still a child at home (a reader met a son's "my manager finally got through"
    and "my partner bought me a bookmark" beside a school pick-up and a city-farm permission slip)."""
    older = {"my mum", "my dad"} if persona.age >= PARENTS_RETIRED_FROM else set()
    unfit = unfit_tags(persona)
    at_home = "kids_at_home" not in unfit and "grown_children" in unfit  # children, all of them at home
    children = set(_CHILD_AUTHORS) if at_home else set()
    return frozenset({"my grandmother", *older, *children})


_CHILD_AUTHORS = ("my son", "my daughter")
_GROWN_LIFE = ("partnered", "married", "engaged", "proposing", "own_car", "cohabiting", "new_partner")
"""What a child's notes never tell of: a partner, a wedding, a car of their own."""


def holds_in(relation: str, scenario_id: str, domain: str, retired: frozenset[str]) -> bool:
    """Whether the person of ``relation`` can hold a preference of this scenario: someone ``retired`` none
    about work or the commute (how a project kickoff should run; a ninety-year-old cycling to work), and a
    grandmother none about sport."""
    if relation == "my grandmother" and domain == "sport":  # no snowboarding bindings at ninety
        return False
    return not (relation in retired and (domain == "work" or "commute" in scenario_id))


_SIBLING_AUTHORS = ("my son", "my daughter", "my brother", "my sister")


TOLD_THE_NEIGHBOUR = frozenset({"neighbourhood"})
"""Tags no sentence of the user's own text for the neighbour next door may carry: the street, the houses beside
and across it and the building's stairs are theirs to see too ("A surveyor spent Thursday in the loft next
door to us" told to the neighbour next door is what a reader met)."""


def unfit_for_reader(relation: str | None) -> frozenset[str]:
    """What the user's own text for the person of ``relation`` may not tell: the neighbour's own street."""
    return TOLD_THE_NEIGHBOUR if relation == "my neighbour" else frozenset()


@lru_cache(maxsize=4096)
def someone_elses(
    author: str | None, pronoun: str | None = None, retired: frozenset[str] = frozenset({"my grandmother"})
) -> frozenset[str]:
    """What a text written by ``author`` (the relation of the person the user relays it for, whose pronoun
    is ``pronoun``) may not say: ``SOMEONE_ELSES``; for someone ``retired`` a job of any kind ("our works
    festive do", "a meeting at the office" in the notes of a ninety-year-old) or exams; for a child or a sibling of
    the user, a brother or sister (the user's own other child or sibling, or the user: "my brother overseas"
    in Yara's notes, her brother living round the corner); a mother's words in a man's notes, a father's
    in a woman's ("another mum and I took over" in Bilal's). Cached: the filler stage asks for every
    candidate reader of every relayed text."""
    tags = set(SOMEONE_ELSES) | set(_AS_PARENT.get(pronoun, ()))
    if author in retired:  # nor studies: "the exam board sent my results" in a grandmother's notes
        tags |= {"work", "studying", "learner", *WORKPLACES}
    if author in _SIBLING_AUTHORS:
        tags.add("sibling")
    if author in _CHILD_AUTHORS and author in retired:  # a child at home: no job, no partner, no car
        tags |= set(_GROWN_LIFE)
    if author == "my grandmother":  # her aunt would be past a hundred and ten, her sister no job-starter;
        tags |= {"aunt_uncle", "sibling", "partnered"}  # and the world has no grandfather ("my partner forgot")
    return frozenset(tags)


_AS_PARENT = {"she": ("as_dad",), "he": ("as_mum",), "they": ("as_mum", "as_dad")}
