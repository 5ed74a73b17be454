"""Notes as people jot them: the shorthand a user's (or their contact's) notes are pasted in.

What: ``as_note`` renders a finished sentence of news as a line of notes at a given degree of shorthand
("I keep a spreadsheet of what a skein costs ..." -> "keep a spreadsheet of what a skein costs ...", and at
the terser degrees "Replacing the ink cartridge ... took me three attempts and a video tutorial" ->
"replacing the ink cartridge ... took me 3 attempts & a video tutorial"); ``shorthand_degree`` is how far a
writer goes. Why: readers found that the "notes" a message or post is written from were already the
finished sentences, which the assistant then handed back under a greeting: nobody's notes read like that,
and a draft that only pastes them does no work. With notes in shorthand the draft writes them out. How:
plain word rules, no model; the sentence's meaning is kept whole (nothing but a leading "I" or article,
an "I" after ", and", and end punctuation is dropped; a few words are clipped as people clip them: "Sat",
"40 mins", "w/"), so the cue in a note says what its sentence says, and a rule that would change the months
a sentence can be told in (``llm.timing``) is not applied to it.
"""

from __future__ import annotations

import re

from llm.timing import months_fitting

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBERS = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_PLAIN = r"(?:" + "|".join(_TENS) + r")(?:-(?:" + "|".join(_UNITS[:9]) + r"))?|" + "|".join(reversed(_UNITS[1:]))
_NUMBER = re.compile(
    r"\b(?:(" + "|".join(_UNITS[1:]) + r"|a) hundred\b(?:(?: and)? (" + _PLAIN + r")\b)?|(" + _PLAIN + r")\b)",
    re.IGNORECASE,
)
"""Cardinal numbers from two to nine hundred and ninety-nine written out ("forty-seven", "two hundred").
"one" stays a word: "one of its legs" is no count."""
_LEADING_I = re.compile(r"^I(?:'ve|'m)? (?=[a-z])")
_LEADING_ARTICLE = re.compile(r"^(?:The|A|An) (?=[a-z])(?!(?:hundred|few|lot|couple|bit|little|dozen)\b)")
_COMMON_START = frozenset(
    ["my", "our", "we", "last", "at", "when", "after", "before", "on", "in", "this", "every", "since", "once",
     "for", "just", "a", "an", "the", "his", "her", "their", "most", "some", "two", "three", "four", "five",
     "replacing", "sorting", "waiting"]
)  # fmt: skip
"""First words a note may lower ("my sister ...", "last week ..."): a name or a place never is."""


def _plain_value(words: str) -> int:
    tens, _, unit = words.lower().partition("-")
    return _NUMBERS[tens] + (_NUMBERS[unit] if unit else 0)


def _number(m: re.Match[str]) -> str:
    if m[3]:
        return str(_plain_value(m[3]))
    return str(100 * _NUMBERS.get(m[1].lower(), 1) + (_plain_value(m[2]) if m[2] else 0))


_DAYS = {"Monday": "Mon", "Tuesday": "Tues", "Wednesday": "Weds", "Thursday": "Thurs", "Friday": "Fri",
         "Saturday": "Sat", "Sunday": "Sun"}  # fmt: skip
_CLIPPED = {"minutes": "mins", "hours": "hrs", "because": "cos", "something": "sth"}
_TEXTED = {"and": "&", "with": "w/", "without": "w/o", "week": "wk", "weeks": "wks", "weekend": "wknd",
           "tomorrow": "tmrw", "people": "ppl", "about": "abt", "probably": "prob"}  # fmt: skip
_WORDS_OF = {
    2: re.compile(r"\b(?:" + "|".join([*_DAYS, *_CLIPPED]) + r")\b"),
    3: re.compile(r"\b(?:" + "|".join([*_DAYS, *_CLIPPED, *_TEXTED]) + r")\b"),
}
_SHORT = _DAYS | _CLIPPED | _TEXTED
_AND_I = re.compile(r", (and|so|but) I (?=[a-z])")


def as_note(sentence: str, degree: int) -> str:
    """``sentence`` as a line of notes. Degree 0: as written. 1: no leading "I" or article, no full stop.
    2: also days and a few words clipped ("Sat", "mins", "cos"), no "I" after ", and", and a common first
    word lowered. 3: also numbers in figures and texting shorthand ("&", "w/", "wk", "tmrw", "ppl")."""
    if degree <= 0:
        return sentence
    note = sentence.strip()
    note = note[:-1] if note.endswith(".") else note
    if _LEADING_I.match(note):
        note = _LEADING_I.sub("", note, count=1)
    elif _LEADING_ARTICLE.match(note):
        note = _LEADING_ARTICLE.sub("", note, count=1)
    if degree >= 3:  # figures only in the tersest notes: cues count things less often than other news, so
        note = _NUMBER.sub(_number, note)  # figures in every shorthand marked the lines that were no cue (the
    if degree >= 2:  # form detector's AUC on small rose 0.631 -> 0.636 with them at degree 2)
        first = note.split(" ", 1)[0]
        if first.lower() in _COMMON_START:
            note = first.lower() + note[len(first) :]
        note = _AND_I.sub(r", \1 ", note)
        note = _WORDS_OF[min(degree, 3)].sub(lambda m: _SHORT[m[0]], note)
    return note


def as_note_dated_alike(sentence: str, degree: int) -> str:
    """``as_note``, at the highest degree up to ``degree`` that keeps the months the sentence can be told in
    (the calendar check reads the note as it stands)."""
    for d in range(degree, 0, -1):
        note = as_note(sentence, d)
        if months_fitting(note) == months_fitting(sentence):
            return note
    return sentence


SHORTHAND = {"terse": 3, "concise": 2, "measured": 1, "chatty": 2, "verbose": 0}
"""How far a persona's notes go, by the verbosity of their speaking style
(``taxonomy/persona_attributes.yaml``): the rambler writes notes out in full, the terse one in figures and
ampersands."""


def shorthand_degree(verbosity: str | None, writer: str = "") -> int:
    """The degree of shorthand of a writer's notes: the user's by their style's ``verbosity``; someone
    else's (``writer``, their name) by a fixed draw from the name, so each contact's notes look alike."""
    if writer:
        return sum(map(ord, writer)) % 4
    return SHORTHAND.get(verbosity or "", 1)
