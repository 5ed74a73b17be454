"""When a sentence can be said: the months its calendar words allow, so no text contradicts its own date.

What: ``months_fitting(text)`` reads the calendar references of a user's text ("in March", "this
spring", "over the summer", "at Easter") and returns the months of the year on whose days the text can
be written: a past event "in July" cannot be told in April, a plan "in May" cannot still lie ahead in
June, "this winter I've been ..." is not written in July. ``fits_month(text, month)`` asks it for one
month. Why: histories are dated, and a careful reader notices "In July I spotted ..." in a session of 1
April; the stages that choose sentences for dated sessions, and the history builder that dates undated
ones, use this to keep every text consistent with its date (the ``date_contradictions`` check counts
what is left). How: word rules, no model. Habitual or relative forms ("every June", "last autumn",
"next March", "since Easter") fit any month; a month name counts only after a preposition of time, so a
person called June is not a month. ``python -c "from llm.timing import months_fitting as m;
print(m('In July I spotted a heron.'))"``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from llm.timing_signs import SEASON_SIGNS, SIGNS_EVEN_IN_HABITS

ALL_MONTHS = frozenset(range(1, 13))
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_MONTH = {name.lower(): i for i, name in enumerate(_MONTHS, 1)}
_SEASON = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2), "easter": (4, 4)}
_FEAST = {"christmas": 12, "halloween": 10, "valentine's": 2}  # a day late in its month: told soon after, planned ahead
_FEAST_TOLD_WITHIN = 2  # months after the day in which a past "at Christmas" still reads naturally
_FEAST_PLANNED_FROM = 4  # months before the day from which one plans for it
MONTH_WORDS = (
    *_MONTHS,
    "spring",
    "summer",
    "autumn",
    "fall",
    "winter",
    "Easter",
    "Christmas",
    "Halloween",
    "Valentine's",
)
"""Every word a calendar reference is built on."""
_WORD = "|".join(MONTH_WORDS).replace("'", "['’]")
_ANY_WORD = re.compile(rf"\b(?:{_WORD})\b", re.IGNORECASE)
_REFERENCE = re.compile(
    rf"\b(?P<lead>in|this|during|over|until|till|since|every|each|last|next|early|mid|late|all|at|for|from|"
    rf"end of|start of|beginning of)\s+(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?(?P<word>{_WORD})\b",
    re.IGNORECASE,
)
_SEASON_WORDS = re.compile(
    r"\b(?P<word>spring|summer|autumn|winter|Easter)\s+(?:holidays?|break|term|party|fete|fair|festival|concerts?|"
    r"trips?|camp|programme|social|job|games)\b",
    re.I,
)
_FEAST_WORDS = re.compile(r"\b(?P<word>Christmas|Halloween|Valentine['’]s)\b", re.I)
_SIGNS = tuple(
    (re.compile(words, re.IGNORECASE), months, in_habits)
    for signs, in_habits in ((SEASON_SIGNS, False), (SIGNS_EVEN_IN_HABITS, True))
    for words, months in signs
)
_HALF_TERM = re.compile(r"\bhalf[- ]term\b", re.IGNORECASE)  # "half term" as often as "half-term"
_HALF_TERMS = (2, 5, 10)  # February, late May, late October
_HOLIDAYS = re.compile(r"\b(?P<lead>over|during|for|after|about) the holidays\b", re.IGNORECASE)
_HOLIDAYS_AHEAD, _HOLIDAYS_TOLD = frozenset({3, 6, 7, 11, 12}), frozenset({1, 4, 8, 9})
"""The holidays (Christmas, Easter, the summer) are planned in the weeks before and told of in the weeks
after: "over the holidays" is neither in February nor in May."""
_HABITUAL = re.compile(
    r"\b(?:(?:every|each)(?: single| other)? (?:\w+ )?(?:day|night|morning|evening|afternoon|week|weekend|month|"
    r"year|time|season|summer|winter|spring|autumn|holidays?|snap|spell|term|birthday|visit|trip|\w+day|"
    + "|".join(MONTH_WORDS[:12])
    + r"|Christmas|Easter)s?|always|whenever|usually|years ago|as a child|"
    r"when I was|last year|one winter|when (?:there is|there's|it is|it's))\b",
    re.I,
)
"""A habit or a memory: "every cold snap", "each Christmas", "always". Not any "every": "every one of my bean
poles" in a sentence about bindweed is this summer's."""
SIGN_PATTERN = "|".join(
    [words for words, _ in SEASON_SIGNS + SIGNS_EVEN_IN_HABITS]
    + [_HALF_TERM.pattern, _HOLIDAYS.pattern.replace("(?P<lead>", "(?:")]  # no named group in the join
)
"""Any season sign (a regular expression): a text without one, and without a calendar word, fits any month."""
_ANY_SIGN = re.compile(SIGN_PATTERN.lower())  # on lowercased text
_YEAR_AGO = re.compile(r"\b(?:last year|a year ago|years ago|every year|each year)\b", re.I)
_ANY_TIME = frozenset(["every", "each", "last", "next", "since", "until", "till"])
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"[,;:]\s+|\s+(?:but|though|although|while|because|once|when|after|before)\s+")
_FUTURE = re.compile(
    r"\b(will|'ll|won't|going to|plan to|plans to|planning|hope to|hoping|booked|due|upcoming|starts|begins|"
    r"opens|expires|comes out|kicks in|starting|moves|can't wait|looking forward|want to|wants to|ready for|"
    r"in time for|(?:has|have|'s|'ve) (?:asked|invited) (?:me|us) to|"  # "has asked me to take snaps at ... in June"
    r"(?:has|have|'s|'ve) been invited to|signed up for|entered for|"  # a reader met both after their month
    r"'ve got|have got|has got|"
    r"(?:is|are|am|'re|'m|(?:it|he|she|that|there|who|what)'s)\s+(?!been\b)\w+ing|"
    r"(?:is|are)\s+(?:in|on|this|at))\b",
    re.IGNORECASE,
)
_NOW = re.compile(r"\b(?:this week|yesterday|today|this morning|tonight|last night)\b", re.IGNORECASE)
"""A told event of these days: "Snow in April caught us all out this week" is said in April."""
_PROGRESSIVE = re.compile(
    r"\b(?:is|are|am|'re|'m|(?:it|he|she|that|there|who|what)'s)\s+(?!been\b|going\b)\w+ing\b", re.IGNORECASE
)
"""The present progressive of ``_FUTURE``: an arranged plan ("is getting married in June") or what is
happening now ("is piling up"); with "this <season>" and no other sign of a plan, now."""
_PAST = re.compile(
    r"\b(\w+ed|was|were|had|did|went|came|got|made|took|gave|saw|fell|found|left|bought|brought|sent|spent|"
    r"met|ran|began|broke|wrote|said|told|thought|felt|kept|lost|paid|sold|stood|won|wore|drove|rode|flew|grew|"
    r"knew|became|caught|taught|sat|slept|swam|threw|chose|ate|drank|built|lent|heard|held|led|hung|dug|rang|put|set|cut|"
    r"'ve|have|has)\b",
    re.IGNORECASE,
)


def _span(word: str) -> tuple[int, int]:
    """(first, last) month of a month name or a season, on a January-to-December year."""
    word = word.lower()
    if word in _MONTH:
        return _MONTH[word], _MONTH[word]
    first, last = _SEASON[word]
    return (1, 2) if first > last else (first, last)  # winter: the year's January and February


def _around(first: int, last: int, future: bool) -> set[int]:
    """The months of the history's year in which "in <month>" (or a plan "in the spring") is said: of a plan,
    those before it; of an event, those after it. Not in it, where one says "this month" or "this spring" (a
    reader met "the coat I bought in March" on 3 March), except for a plan in January or an event in
    December, which have no other."""
    return set(range(1, first) if future else range(last + 1, 13)) or ({first} if future else {last})


def _feast_months(month: int, future: bool) -> set[int]:
    """A feast day ahead is planned in the months before it; one told of lies at most a few months back."""
    steps = range(-_FEAST_PLANNED_FROM, 1) if future else range(_FEAST_TOLD_WITHIN + 1)
    return {(month - 1 + step) % 12 + 1 for step in steps}


def _clause_months(clause: str, sentence_future: bool) -> set[int]:
    refs = [(m.group("lead").lower(), m.group("word")) for m in _REFERENCE.finditer(clause)]
    refs += [("named", m.group("word")) for m in _SEASON_WORDS.finditer(clause)]  # "our summer party"
    led = {word.lower() for _, word in refs}
    refs += [("in", m.group("word")) for m in _FEAST_WORDS.finditer(clause) if m.group("word").lower() not in led]
    allowed = set(ALL_MONTHS)
    if not refs or _YEAR_AGO.search(clause):
        return allowed
    # a plan or a timetable ("is in June", "comes out in March", "won't arrive until May") lies ahead; a
    # told event ("moved in March", "I've been ... this spring") lies behind; a clause with neither
    # ("after reading about it this spring, ...") takes its sentence's tense
    # "After the bathroom row in April, a whiteboard ...": what a clause opening with "after" tells is past
    opens_after = clause.lstrip().lower().startswith("after ")
    future = (
        False if opens_after else True if _FUTURE.search(clause) else False if _PAST.search(clause) else sentence_future
    )
    habit = bool(_HABITUAL.search(clause))  # "I always take my week off in September": said in any month
    # "so low this summer that the spire is showing", "bunting is piling up this spring": a present
    # progressive with "this <season>" and no other sign of a plan tells of the season now (a reader met
    # the first in March); "we're going to Spain this summer" has one
    now = bool(_PROGRESSIVE.search(clause)) and not _FUTURE.search(_PROGRESSIVE.sub(" ", clause))
    for lead, word in refs:
        if lead in _ANY_TIME or (habit and lead == "in" and word.lower() in _MONTH):
            continue
        if now and lead == "this" and word.lower() in _SEASON:
            first, last = _SEASON[word.lower()]
            allowed &= set(range(first, last + 1)) if first <= last else {12, 1, 2}
            continue
        if word.lower().replace("’", "'") in _FEAST:
            allowed &= _feast_months(_FEAST[word.lower().replace("’", "'")], future)
            continue
        first, last = _span(word)
        winter = {12} if word.lower() == "winter" else set()
        if lead == "in" and not future and _NOW.search(clause):  # an event of these days: in its month
            allowed &= set(range(first, last + 1)) | winter
        elif lead == "in" and word.lower() in _MONTH:  # a plan in the months before it, an event in those after
            allowed &= _around(first, last, future)
        elif future and lead in ("in", "for") and not winter:  # a plan "in the spring" is made before it
            # (in it, one says "this spring": a reader met "moving into a bungalow in the spring" in April)
            allowed &= _around(first, last, future=True)
        elif future:  # its time has not passed yet
            allowed &= set(range(1, last + 1)) | winter
        elif lead in ("this", "all") and winter:  # "this winter I've ...": said in it or just after, not in July
            allowed &= set(range(1, 5)) | winter
        else:  # a past event, or "this spring I've ...": its time has come
            allowed &= set(range(first, 13)) | winter
    return allowed


@lru_cache(maxsize=65536)
def months_fitting(text: str) -> frozenset[int]:
    """The months in which ``text`` can be said without contradicting its calendar words (each clause
    read on its own, so "we moved in March, and the party is in June" allows March to June). Cached: bank
    sentences are asked about again and again (``text_months`` reads a text met once)."""
    return text_months(text)


def text_months(text: str) -> frozenset[int]:
    """``months_fitting`` without its cache, for a text read once (a whole user turn), which would only push
    the bank sentences out of it. Sentence by sentence through their own cache, with no search of the whole
    text first: a user turn's sentences come from banks and recur, and one scan of a whole turn for a
    calendar word cost more than its cached sentences."""
    allowed = ALL_MONTHS
    for sentence in _SENTENCE.split(text):
        allowed = allowed & _sentence_months(sentence)
    return allowed


@lru_cache(maxsize=1 << 17)
def _sentence_months(sentence: str) -> frozenset[int]:
    """What one sentence allows. Cached by sentence: a user turn is new text, but its sentences come from
    banks and recur across personas (about 7% of a ``full`` run went to re-reading them turn by turn)."""
    has_word, has_sign = bool(_ANY_WORD.search(sentence)), bool(_ANY_SIGN.search(sentence.lower()))
    if not has_word and not has_sign:
        return ALL_MONTHS
    future = bool(_FUTURE.search(sentence)) or not _PAST.search(sentence)  # a bare present is a plan
    allowed = set(ALL_MONTHS)
    if has_word:
        for clause in _CLAUSE.split(sentence):
            allowed &= _clause_months(clause, future)
    if has_sign:
        allowed &= _sign_months(sentence, future, habitual=bool(_HABITUAL.search(sentence)))
    return frozenset(allowed)


def _sign_months(sentence: str, future: bool, habitual: bool) -> set[int]:
    """What a sentence's season signs allow (``SEASON_SIGNS``); a half-term ahead ("starts on Friday",
    "before half-term") is said in its month, one told of in its month or the one after (the rule errs
    towards leaving a sentence unused: "starts on Friday" on 7 January was what a reader met). In a
    ``habitual`` sentence only ``SIGNS_EVEN_IN_HABITS`` count."""
    allowed = set(ALL_MONTHS)
    for sign, months, in_habits in _SIGNS:
        if (in_habits or not habitual) and sign.search(sentence):
            allowed &= months
    if habitual:
        return allowed
    if _HALF_TERM.search(sentence):
        allowed &= {m for t in _HALF_TERMS for m in ((t,) if future else (t, t % 12 + 1))}
    if found := _HOLIDAYS.search(sentence):  # "asked about the holidays": a plan; "after the holidays": past
        ahead = found["lead"].lower() == "about" or (future and found["lead"].lower() != "after")
        allowed &= _HOLIDAYS_AHEAD if ahead else _HOLIDAYS_TOLD
    return allowed


def timeline_months(start: date, days: int, least: int = 10) -> frozenset[int]:
    """The months of the year holding ``least`` days or more of ``start`` .. ``start + days`` (a month
    the timeline only touches would leave a text that needs it almost nowhere to go)."""
    counts: dict[int, int] = {}
    for d in range(days + 1):
        month = (start + timedelta(days=d)).month
        counts[month] = counts.get(month, 0) + 1
    return frozenset(m for m, n in counts.items() if n >= min(least, days + 1))


def names_a_time(text: str) -> bool:
    """Whether ``text`` names a month, a season or a feast: an update's change cue that does ("hooked by a
    series I binged in the winter") may place the change before the step it follows, which the cue's writer
    cannot see, so an update takes a change cue that names none when it has one."""
    return bool(_ANY_WORD.search(text))


def fits_month(text: str, month: int) -> bool:
    """Whether ``text`` can be said in ``month`` (1-12)."""
    return month in months_fitting(text)


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b")


_WEEKEND = re.compile(r"\b(?:this|the|at the|over the) weekend\b", re.IGNORECASE)
"""A weekend named as one day would be: "Say I'll ring this weekend?" on a Sunday reads wrong (a reader met it)."""


def session_weekdays(session) -> frozenset[int]:
    """The weekdays (0 = Monday) a session's user turns name ("on Saturday", "till Thursday"; "this weekend"
    names Saturday and Sunday): it is not placed on one of them, where "I ordered new glasses on Saturday" on a
    Saturday, "the engineer can't come till Thursday" on a Thursday evening, or "Say I'll ring this weekend?" on
    a Sunday reads wrong (a reader met each)."""
    users = [turn.content for turn in session.turns if turn.role == "user"]
    named = {_WEEKDAYS.index(m) for text in users for m in _WEEKDAY.findall(text)}
    return frozenset(named | ({5, 6} if any(_WEEKEND.search(text) for text in users) else set()))


def session_months(session) -> frozenset[int]:
    """The months a session (``schemas.core.Session``) can be dated in: what all its user turns allow."""
    allowed = ALL_MONTHS
    for turn in session.turns:
        if turn.role == "user":
            allowed = allowed & text_months(turn.content)
    return allowed


_NUMBER = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "a couple of": 2}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
_CLAIM = re.compile(
    r"\b(?:for (?:the (?:last|past) )?)?(?<!twice )(?<!once )(?<!times )"  # "twice a month now": how often
    r"(?P<n>a few|a couple of|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+) "
    r"(?P<unit>day|week|fortnight|month|year)s?(?: (?P<after>since|ago|now|in|running|on)\b)?",
    re.IGNORECASE,
)


def claimed_days(text: str) -> int | None:
    """The longest time ``text`` says has passed since something began ("about ten weeks since my last
    pint", "six months ago", "for the past three weeks"), in days, or None. An update's change cue may claim
    no longer than the time since the step it follows: "ten weeks since my last pint" three weeks after a
    session that toasted with wine is what a reader met."""
    longest = None
    for m in _CLAIM.finditer(text):
        if not (m.group("after") or m.group(0).lower().startswith("for ")):
            continue  # "a week of rain", "two days' walk": no time elapsed
        n = int(m.group("n")) if m.group("n").isdigit() else _NUMBER[m.group("n").lower()]
        days = n * _UNIT_DAYS[m.group("unit").lower()]
        longest = days if longest is None else max(longest, days)
    return longest
