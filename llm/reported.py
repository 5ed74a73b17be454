"""Someone else's first-person sentence retold by the user: "my desk" becomes "his desk"; and any sentence
retold days later: "this week" becomes "that week".

What: ``reported_speech(sentence, pronoun)`` shifts the first person of a sentence another person wrote
(``I``, ``me``, ``my``, ``we``, ``our``...) to the third person of that person (``he``, ``she`` or
``they``), with the verb after a singular subject made to agree ("I grow" -> "he grows", "I was" -> "they
were"). Why: when the user asks to forget a line of a text they relayed for their brother, "it said that
my desk is covered in trays" would claim the brother's desk as the user's own, the ownership error a
careful reader notices first. How: word-level rules for the pronouns and the auxiliaries, and a small
inflection for present-tense verbs (past forms, modals and ambiguous forms are left as they are).
``told_later(sentence)`` moves the words that point at the day of telling ("this week", "today",
"yesterday", "last night") to the day it was told: a request to forget, weeks later, "the prize winner I
picked up this week" quoted word for word reads as a new event (a reader noticed).
"""

from __future__ import annotations

import re

_FORMS = {  # subject, object, possessive, possessive pronoun, reflexive
    "he": ("he", "him", "his", "his", "himself"),
    "she": ("she", "her", "her", "hers", "herself"),
    "they": ("they", "them", "their", "theirs", "themselves"),
}
_CONTRACTED = {"m": ("'s", "'re"), "ve": ("'s", "'ve"), "d": ("'d", "'d"), "ll": ("'ll", "'ll")}
_AUX = {  # after I: (after he/she, after they)
    "am": ("is", "are"),
    "was": ("was", "were"),
    "have": ("has", "have"),
    "do": ("does", "do"),
    "don't": ("doesn't", "don't"),
    "haven't": ("hasn't", "haven't"),
    "wasn't": ("wasn't", "weren't"),
}
_ADVERBS = (
    r"never|always|still|just|often|usually|only|also|even|really|sometimes|rarely|now|hardly|mostly|finally|"
    r"already|barely|regularly|happily|gladly|actually|probably|certainly|properly|seldom|once|simply"
)
_PAST_MODAL_AMBIGUOUS = """can could will would should must might may shall can't couldn't won't wouldn't
    shouldn't did didn't
    bought got went made took spent found had said came saw knew thought told left kept felt gave sat stood ran
    wore wrote read lost won put set let cut hit began brought caught taught fell drove rode swam sang drank
    ate slept woke heard held built sent lent paid met led fed chose broke forgot hung dug stuck threw grew
    drew flew knelt learnt burnt spelt dreamt meant became shook tore sold swore understood froze hid bit lit
    rang shut quit spun sank sprang struck"""
_UNCHANGED = frozenset(_PAST_MODAL_AMBIGUOUS.split())
_PRESENT_IN_ED = frozenset(
    [
        "need",
        "feed",
        "bleed",
        "breed",
        "speed",
        "heed",
        "weed",
        "seed",
        "proceed",
        "succeed",
        "exceed",
        "shed",
        "shred",
        "embed",
    ]
)
_I_VERB = re.compile(rf"\bI((?: (?:{_ADVERBS}))*) ([A-Za-z']+)")
_AND_VERB = re.compile(
    r"\b(he|she) ([a-z]+s)\b([^,.;:!?]*?) and ([a-z]+)(?= (?:the|a|an|his|her|their|its|it|them|him|every|each|"
    r"some|all|one|whatever|anything|something)\b)"
)
_CLAUSE = re.compile(r"\b(?:to|who|which|that|how|what|when|where|while|if|because|and|or)\b")
_NOT_A_VERB = frozenset(["off", "on", "in", "out", "up", "down", "to", "how", "then", "back", "over", "so", "not"])
_WORDS = re.compile(r"\b(I'(m|ve|d|ll)|me|my|mine|myself|we're|we've|we'd|we'll|we|us|our|ours|ourselves)\b", re.I)


def _past(word: str) -> bool:
    """A regular past form. (A past form a proofread text shows with two letters swapped, "turend", cannot
    be told from a present one, "spend", without a lexicon: it is inflected like one, as the typo it is.)"""
    return word.endswith("ed") and word not in _PRESENT_IN_ED


def _inflect(verb: str) -> str:
    """The he/she form of a present-tense verb; anything else as it is."""
    low = verb.lower()
    if low in _UNCHANGED or _past(low) or "'" in low:
        return verb
    if low == "have":
        return verb[:-2] + "s"
    if low in ("go", "do"):
        return verb + "es"
    if re.search(r"(?:s|sh|ch|x|z)$", low):
        return verb + "es"
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies"
    return verb + "s"


def reported_speech(sentence: str, pronoun: str) -> str:
    """``sentence`` (written by someone else in the first person) with its first person made theirs."""
    subj, obj, poss, poss_pron, refl = _FORMS.get(pronoun, _FORMS["they"])
    singular = pronoun in ("he", "she")

    def subject_verb(m: re.Match) -> str:
        adverbs, verb = m.group(1), m.group(2)
        aux = _AUX.get(verb.lower())
        if aux is not None:
            return f"{subj}{adverbs} {aux[0] if singular else aux[1]}"
        if verb.startswith("'"):  # a contraction, handled below
            return m.group(0)
        return f"{subj}{adverbs} {_inflect(verb) if singular else verb}"

    text = _I_VERB.sub(subject_verb, sentence)

    def word(m: re.Match) -> str:
        w = m.group(1).lower()
        if m.group(2):  # I'm, I've, I'd, I'll
            return subj + _CONTRACTED[m.group(2).lower()][0 if singular else 1]
        table = {"me": obj, "my": poss, "mine": poss_pron, "myself": refl, "we": "they", "us": "them",
                 "our": "their", "ours": "theirs", "ourselves": "themselves", "we're": "they're",
                 "we've": "they've", "we'd": "they'd", "we'll": "they'll"}  # fmt: skip
        return table[w]

    text = re.sub(r"\bI\b", subj, _WORDS.sub(word, text))
    if singular:  # "she buys the treatment and follow the label": the second verb agrees too
        text = _AND_VERB.sub(_second_verb, text)
    return text[:1].upper() + text[1:] if sentence[:1].isupper() else text


def _second_verb(m: re.Match) -> str:
    """The verb after "and" in "she buys X and follow Y", made to agree; anything that may not be the
    same subject's verb (after "to", "who", "how"...) or may not be a verb at all is left alone."""
    first, between, verb = m.group(2), m.group(3), m.group(4)
    if (
        first in ("was", "is", "has")
        or _CLAUSE.search(between)
        or verb in _NOT_A_VERB
        or verb.endswith(("s", "ing"))
        or _past(verb)
        or verb in _UNCHANGED
    ):
        return m.group(0)
    return m.group(0)[: -len(verb)] + _inflect(verb)


_LATER = {
    "this week": "that week",
    "this morning": "that morning",
    "this afternoon": "that afternoon",
    "this evening": "that evening",
    "this month": "that month",
    "today": "that day",
    "tonight": "that night",
    "yesterday": "the day before",
    "last night": "the night before",
    "last week": "the week before",
    "last weekend": "the weekend before",
    "last month": "the month before",
    "tomorrow": "the next day",
    "next week": "the week after",
}
_LATER_RX = re.compile(r"\b(" + "|".join(sorted(_LATER, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def told_later(sentence: str) -> str:
    """``sentence`` retold days after it was said: its words for the day of telling made that day's."""

    def shift(m: re.Match) -> str:
        later = _LATER[m.group(1).lower()]
        return later[0].upper() + later[1:] if m.group(1)[0].isupper() else later

    return _LATER_RX.sub(shift, sentence)
