"""A persona's world: the people around them, one per relation, who recur in every persona task.

What: ``world_for(seed, persona_id, tax)`` gives each relation of ``persona_attributes.yaml`` (my sister,
my coworker, ...) a first name and pronoun, the same in every session of the persona, cue or not; and
``render_news`` fills a ``world.yaml`` news template with one of them. Why: a reader must meet the same
people in tasks that reveal a preference and in tasks that do not, so a name never marks a cue (and a
preference held by "my partner" belongs plainly to a person the history knows). How: deterministic per
(seed, persona); ``python -c "from llm.world import world_for; from taxonomy import load_taxonomy;
print(world_for(0, 'p0001', load_taxonomy()))"``.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

from llm.life import life_tags
from llm.seeding import rng_for
from schemas.generation import Contact
from taxonomy import Taxonomy

_SHE = ("my sister", "my mum", "my daughter", "my grandmother")
_HE = ("my brother", "my dad", "my son")
PRONOUNS = {
    "she": {"they": "she", "them": "her", "their": "her", "themself": "herself"},
    "he": {"they": "he", "them": "him", "their": "his", "themself": "himself"},
    "they": {"they": "they", "them": "them", "their": "their", "themself": "themself"},
}


def world_for(seed: int, persona_id: str, tax: Taxonomy, user_name: str = "") -> dict[str, Contact]:
    """relation -> the person of this persona's world who stands in it (names distinct within a persona, and
    none the user's own first name: "my cousin Sakura" in Sakura's history read as a slip). Every stage
    passes the persona's ``name``, so all of them meet the same people."""
    rng = rng_for(seed, "world", persona_id)
    used: set[str] = {user_name.split()[0]} if user_name.strip() else set()
    people = {}
    for relation in tax.attributes.relations:
        if relation in _SHE:
            pronoun = "she"
        elif relation in _HE:
            pronoun = "he"
        else:
            pronoun = rng.choice(("she", "he"))
        names = [n for n in (tax.world.names_she if pronoun == "she" else tax.world.names_he) if n not in used]
        name = rng.choice(names)
        used.add(name)
        people[relation] = Contact(name=name, relation=relation, pronoun=pronoun)
    return people


_KIN_NAMES = {"my mum": "Mum", "my dad": "Dad", "my grandmother": "Gran"}


def address(contact: Contact) -> str:
    """What the user calls the person: "Mum", "Dad", "Gran" for a parent or grandparent (nobody calls
    their mother Leila in a birthday card), else the first name."""
    return _KIN_NAMES.get(contact.relation, contact.name)


_PARENT_WORD = {"woman": "Mum", "trans woman": "Mum", "man": "Dad", "trans man": "Dad"}


def signed_as(first_name: str, gender: str, contact: Contact | None) -> str:
    """What a letter of the user's own to ``contact`` is signed with: "Mum" or "Dad" to the user's own son or
    daughter (a reader met letters to "my daughter Tess" signed "Lots of love, Kavya"), else the first name."""
    if contact is not None and contact.relation in CHILDREN and gender in _PARENT_WORD:
        return _PARENT_WORD[gender]
    return first_name


def slots_for(contact: Contact) -> dict[str, str]:
    """Template slots for one person: {who} "my sister Ana", {first}, pronouns, and capitalised forms. A
    parent or grandparent is "my mum", never "my mum Elsa" (a reader met it in a post and in a message to a
    friend: nobody names their mother to tell of her). And the people of their own the person writes to
    ({friend}, {cousin}, {neighbour}, {workmate}: ``their_people``)."""
    named = contact.relation if contact.relation in _KIN_NAMES else f"{contact.relation} {contact.name}"
    forms = {"who": named, "contact": named}
    forms |= {"first": address(contact), **PRONOUNS[contact.pronoun]}
    return (
        forms
        | {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in forms.items()}
        | their_people(contact.name, contact.relation)
    )


THEIR_ROLES = ("friend", "cousin", "neighbour", "workmate")
WORLD_RELATIONS = ("my best friend", "my brother", "my cousin", "my coworker", "my dad", "my daughter",
                   "my grandmother", "my manager", "my mum", "my neighbour", "my partner", "my roommate", "my sister",
                   "my son")  # fmt: skip
"""The relations of ``taxonomy/persona_attributes.yaml``, one person each in a persona's world."""
_NAMED_WITH_RELATION = re.compile(
    r"\b[Mm]y (?:" + "|".join(r[3:] for r in WORLD_RELATIONS) + r") ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b"
)


def named_once(sentences: list[str]) -> list[str]:
    """``sentences`` of one text with each person introduced by relation and name once ("my neighbour
    Pete"), and by the name alone after that ("Pete"), as people write: a reader met "my neighbour Zara has
    taken on a second job ... Lately my neighbour Zara has been helping me" in one paragraph."""
    seen: set[str] = set()

    def once(match: re.Match) -> str:
        key = match[0].lower()
        if key in seen:
            return match[1]
        seen.add(key)
        return match[0]

    return [_NAMED_WITH_RELATION.sub(once, sentence) for sentence in sentences]


FAMILY_AUDIENCE = re.compile(r"^the (?:family\b|cousins')")
"""Occasions whose readers are the user's family (the family chat, round-robin and update email, the cousins'
chat and group email)."""
_KIN_NAMED = re.compile(r"\b[Mm]y (?:brother|sister|cousin|son|daughter|partner) ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
_KIN_WORD = re.compile(r"\b[Mm]y (mum and dad|mum|dad|grandmother|parents)\b")


def as_the_family_knows(sentences: list[str]) -> list[str]:
    """``sentences`` of a text for the user's family with each relative called as the family calls them:
    "Owen", not "my brother Owen" (a reader met "My brother Owen and about a dozen volunteers" in a post for
    the family chat Owen reads), and "Mum", "Dad", "Gran", "Mum and Dad" for "my mum", "my dad", "my
    grandmother", "my parents" (a reader met "My parents have decided to downsize" in the family round-robin)."""
    kin = {"mum": "Mum", "dad": "Dad", "grandmother": "Gran", "parents": "Mum and Dad", "mum and dad": "Mum and Dad"}
    return [_KIN_WORD.sub(lambda m: kin[m[1]], _KIN_NAMED.sub(r"\1", s)) for s in sentences]


_THEIR_NAMES = (
    "Abena", "Bruno", "Cerys", "Dario", "Fintan", "Hamish", "Jonas", "Kemi", "Lorcan", "Maren", "Odile",
    "Pavel", "Rhoda", "Soren", "Tamsin", "Ulla", "Vikram", "Wanda", "Xavi", "Yvette", "Zeno", "Anouk", "Bertie",
    "Coralie", "Dunstan", "Edda", "Fergal", "Hester", "Ilse", "Agnes", "Alfie", "Amos", "Anja", "Arlo",
    "Astrid", "Barnaby", "Bea", "Bram", "Briony", "Cai", "Cassius", "Cleo", "Conor", "Dagny", "Dev", "Dora",
    "Eamon", "Effie", "Elspeth", "Emil", "Enzo", "Ezra", "Flora", "Freya", "Gideon", "Gita", "Gwen", "Hal",
    "Harriet", "Ida", "Imogen", "Isak", "Jago", "Jarvis", "Jem", "Kit", "Kofi", "Lachlan", "Linnea", "Lotte",
    "Magnus", "Marit", "Matilda", "Meera", "Merle", "Monty", "Nell", "Niamh", "Nils", "Noel", "Ottilie", "Otto",
    "Petra", "Piet", "Quilla", "Rhys", "Romilly", "Rufus", "Saoirse", "Selma", "Silas", "Sunil", "Tariq",
    "Tilda", "Toby", "Una", "Vanya", "Viggo", "Willa", "Wilf", "Xenia", "Yorick", "Zelda", "Rohan", "Fenna",
    "Otis", "Pia", "Sol", "Tove", "Uma", "Bodil", "Casimir",
)  # fmt: skip
"""Names of the people someone in the persona's world writes to: two sets of one block per relation, so no name
is two people's in one world; none is a name of the persona's own world (``taxonomy/world.yaml``) or of a persona."""


@lru_cache(maxsize=1024)
def their_people(name: str, relation: str) -> dict[str, str]:
    """The old friend, cousin, neighbour and former workmate of the person called ``name`` (the persona's
    ``relation``), by first name: the same for every letter they write (a reader counted 24 "Hi [Name]," in one
    history, for letters to "an old friend" and "a neighbour" the ask never named). A persona has one person per
    relation, and each relation its own block of names, so two people of one world never share one (a reader
    met one name as two people's cousin when they were drawn by name alone)."""
    block = len(WORLD_RELATIONS) * len(THEIR_ROLES)
    i = (
        WORLD_RELATIONS.index(relation)
        if relation in WORLD_RELATIONS
        else zlib.crc32(relation.encode()) % len(WORLD_RELATIONS)
    )
    base = (zlib.crc32(name.encode()) % 2) * block + i * len(THEIR_ROLES)
    return {role: _THEIR_NAMES[base + r] for r, role in enumerate(THEIR_ROLES)}


CHILDREN = ("my son", "my daughter")
"""The relations who may be small children (a son of two asks nothing about compound interest)."""


def fits(
    template: str,
    relation: str,
    tax: Taxonomy,
    *,
    at_home: frozenset[str] = frozenset(),
    young: bool = False,
    age: int | None = None,
    retired: bool = False,
) -> bool:
    """Whether ``relation`` can be the subject of ``template`` for a persona of ``age`` (``unfit`` rules of
    ``world.yaml``; an age-bound rule holds when the age is unknown; someone ``retired`` also meets the
    grandmother's): and, for
    someone the user lives with (``at_home``), no template of someone who lives elsewhere ("my partner came
    over with a heater"); for a son or daughter while the children are ``young``, only ``any_age`` ones (a
    six-year-old who "chairs the residents' association" is what a reader met)."""
    if any(rule.rules_out(template, relation, age) for rule in tax.world.unfit):
        return False
    # someone retired (a mum of seventy) is held to the grandmother's rules: no "off work", no new job
    if retired and any(rule.rules_out(template, "my grandmother", age) for rule in tax.world.unfit):
        return False
    if relation in at_home and tax.world.away and re.search(tax.world.away, template, re.I):
        return False
    return not (young and relation in CHILDREN and template not in tax.world.any_age)


def render_news(template: str, contact: Contact, named: bool = True) -> str:
    """One world.yaml sentence about ``contact``; ``they`` agrees with its verb for they-pronouns. Not
    ``named``, the person is their relation alone: "my sister" in someone else's text is that author's
    sister, not the user's named one."""
    slots = slots_for(contact)
    if not named:
        relation = contact.relation
        slots |= {"who": relation, "contact": relation, "Who": relation[0].upper() + relation[1:]}
        slots["Contact"] = slots["Who"]
    text = template.format(**slots)
    if contact.pronoun == "they":
        text = text.replace("they has", "they have").replace("they is", "they are").replace("they was", "they were")
    return text


@lru_cache(maxsize=1 << 15)
def rendered_tags(template: str, relation: str, pronoun: str) -> frozenset[str]:
    """The ``llm.life`` tags of ``template`` told of someone of ``relation`` and ``pronoun``. A rule reads
    the relation and the pronoun, never the first name, so a stand-in name gives every persona's rendering
    the same tags and the answer is cached (checking each rendering with its real name cost a fifth of the
    persona-task stage)."""
    return life_tags(render_news(template, Contact(name=_STAND_IN, relation=relation, pronoun=pronoun)))


_STAND_IN = "Alex"
