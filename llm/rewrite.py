"""Plain rewrites of the user's own sentences, so an offline reply does what was asked of the text.

What: ``tighten`` cuts a sentence back to its main clause (the trailing ", so ...", ", which ...",
", and then ..." that only elaborates goes), ``trimmed`` cuts its fillers ("just", "really"),
``shorter`` cuts a text down (a sentence dropped whole, or one sentence tightened), and ``casual`` puts a
sentence in a chatty register (contractions: "I have been" -> "I've been", "could not" -> "couldn't").
Why: a request to cut a paragraph down, tighten a post or keep it casual gets a text that is visibly
cut down or casual, not the user's words handed back with a stock line added. How: rules on the
sentence's own words, deterministic; ``llm.offline_tasks`` calls them for posts, cuts and "shorter".
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

MIN_MAIN_WORDS = 6
"""A main clause kept on its own has this many words at least (shorter ones need what follows)."""

# Conjunctions that open a clause after a comma. After "and", "so" and "then" a list item can follow too
# ("apples, pears, and plums"), so those cut only before a clause's usual first words. A clause that turns
# the sentence ("but", "yet", "though", "only to", "until") is its point and never goes: "The lease bans
# anything that barks, but my landlord said yes to two bunnies" cut to its first clause said the opposite.
_SUBORDINATE = r"which|where|while|because|since|after which"
_COORDINATE = r"and|so|and then|and now|so now"
_SUBJECT = (
    r"I|I'm|I've|I'd|I'll|we|we're|we've|we'd|it|it's|my|our|the|she|he|they|they're|there|that|this|his|"
    r"her|their|nobody|everyone|everybody|everything|something|anything|half|now|nothing|someone|somebody|one|both|all|"
    r"most|none"
)
_CLAUSE = re.compile(rf",\s+(?:(?:{_SUBORDINATE})\s|(?:{_COORDINATE})\s+(?=(?:{_SUBJECT})\b))")
# A sentence that opens with a subordinate clause ("After the party in May, where ...") has its main
# clause later: what stands before the first comma is no sentence on its own.
_OPENS_SUBORDINATE = re.compile(
    r"(?:After|When|Whenever|If|Although|Though|Since|Before|While|Until|Because|As|Once|Unless)\b"
)

_PARTICIPLE = r"(?= (?:been|had|got|never|always|just|finally|started|taken|made|found|done|seen|spent)\b)"
_CONTRACTIONS = {  # words -> contraction, matched in one pass (one regex, not one per pair: 20x faster)
    "i am": "I'm",
    "i have": "I've",
    "i would": "I'd",
    "i will": "I'll",
    "it is": "it's",
    "that is": "that's",
    "there is": "there's",
    "we are": "we're",
    "we have": "we've",
    "they are": "they're",
    "do not": "don't",
    "does not": "doesn't",
    "did not": "didn't",
    "is not": "isn't",
    "are not": "aren't",
    "was not": "wasn't",
    "were not": "weren't",
    "have not": "haven't",
    "has not": "hasn't",
    "could not": "couldn't",
    "would not": "wouldn't",
    "should not": "shouldn't",
    "cannot": "can't",
}
# "I have" and "we have" contract only before a participle ("I've been", never "I've a jar"); every pair
# only before another word, never at a clause's end ("where it is.").
_CONTRACTABLE = re.compile(
    r"\b(I have|[Ww]e have)" + _PARTICIPLE + r"|\b(I am|I would|I will|[Ii]t is|[Tt]hat is|[Tt]here is|[Ww]e are|"
    r"[Tt]hey are|do not|does not|did not|is not|are not|was not|were not|have not|has not|could not|would not|"
    r"should not|cannot)(?= \w)"
)
# A pronoun other than "I" contracts only as a clause's subject: at the start, after a comma or a
# conjunction ("the walk there's shorter" is wrong); "I have" not after "and" ("my son and I've" is not
# written).
_SUBJECT_ONLY = frozenset(["i have", "it is", "that is", "there is", "we are", "we have", "they are"])
_SUBJECT_BEFORE = (", ", "; ", ", and ", " so ", " but ", " that ", " when ", " because ")


def _contract(match: re.Match) -> str:
    words = match.group(match.lastindex)
    before = match.string[: match.start()]
    if words.lower() in _SUBJECT_ONLY and before and not before.endswith(_SUBJECT_BEFORE):
        return words
    short = _CONTRACTIONS[words.lower()]
    return short[0].upper() + short[1:] if words[0].isupper() else short


def tighten(sentence: str) -> str:
    """``sentence`` cut back to its main clause, or unchanged when it has no clause to lose (or the main
    clause alone would be too short to stand)."""
    for match in _CLAUSE.finditer(sentence):
        main = sentence[: match.start()].rstrip()
        if _OPENS_SUBORDINATE.match(main) and "," not in main:
            continue
        if len(main.split()) >= MIN_MAIN_WORDS:
            return main.rstrip(",;") + "."
    return sentence


_FILLER = re.compile(
    r"(?<= )(?<!\bnot )(?<!n't )(?<!\bonly )(?<!\bhad )(?<!\bhas )(?<!\bhave )(?<!'ve )(?<!'d )"
    r"\b(?:(?<!, )just(?! (?:under|over|before|after|about|in time)\b)|really|actually|basically|honestly|"
    r"somehow|literally|absolutely|very(?! much\b)|quite(?! an?\b)) (?=[a-z])"
)
_WORDY = ((" in order to ", " to "), (" each and every ", " every "), (" all of the ", " all the "),
          (" at this point in time", " now"), (" a little bit ", " a little "))  # fmt: skip


def trimmed(sentence: str) -> str:
    """``sentence`` with the words an editor cuts first: fillers ("just", "really", "quite", "very") and wordy
    phrases ("in order to"). A filler that carries the sense stays ("not really", "only just", "had just got":
    how recent; "just under an hour": barely; ", just hundreds of doorways": only), and so does a sentence's
    first word; "apparently" is never a filler (without it hearsay reads as fact, which a reader flagged).
    Readers found every cut dropped whole sentences and never tightened a word."""
    out = _FILLER.sub("", sentence)  # a filler follows a space: the first word always stays
    for wordy, plain in _WORDY:
        out = out.replace(wordy, plain)
    return out


_HABIT = re.compile(
    r"\b(?:I (?:always|never|usually|tend to|keep|still)|whenever|every (?:time|morning|evening|night|day|week|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|each (?:morning|evening|night|week)|"
    r"most (?:mornings|evenings|days|nights|weekends))\b",
    re.IGNORECASE,
)
"""A sentence telling a habit or a quirk of the user's ("I stub the same toe on the same bed leg every time"),
which matters less than news when a text must lose a point."""


def shorter(sentences: list[str], rng: random.Random, keep: Callable[[str], bool] | None = None) -> list[str]:
    """The text cut down: one sentence dropped whole, never the first (which sets the subject) nor one that
    ``keep`` holds to (sad news: a reader met a colleague's diagnosis cut and the fridge magnets kept) while
    another can go, and a habit (``_HABIT``) before news (a reader met "A nasty ear infection kept my daughter
    at home" cut and "I stub the same toe on the same bed leg" kept, for "drop whatever matters least"); a
    text of one sentence is tightened instead. Readers found that cutting every sentence to its main clause
    took out the point ("My passport runs out next year.", the scare gone). Order is kept."""
    if len(sentences) < 2:
        return [tighten(s) for s in sentences]
    droppable = [i for i in range(1, len(sentences)) if keep is None or not keep(sentences[i])]
    droppable = [i for i in droppable if _HABIT.search(sentences[i])] or droppable
    drop = droppable[rng.randrange(len(droppable))] if droppable else rng.randrange(1, len(sentences))
    return [s for i, s in enumerate(sentences) if i != drop]


def casual(sentence: str) -> str:
    """``sentence`` with the contractions people use when they write casually."""
    return _CONTRACTABLE.sub(_contract, sentence)
