"""A persona's speaking style applied to a user turn: greeting, closing, aside, emoji, casing, typos.

The offline writers render every user turn through ``voice``; ``introduce_error`` plants the one real,
recoverable error a proofread text carries per sentence (a word people mix up, or a mistyped one). Typos
never touch capitalised words (so names and sentence starts stay intact), and the implicit cue is inserted
after the voice is applied, so typos and lowercasing never garble it. Style phrases are short (five words or
fewer), which keeps them outside the sentence-uniqueness gate of signal sessions (``warehouse.checks``).
"""

from __future__ import annotations

import random
import re

from schemas.core import SpeakingStyle

CUE = "\x00CUE\x00"
"""Marker a template body carries where the cue goes; replaced verbatim after the voice is applied."""


_CONTINUES = frozenset(
    [
        "about",
        "earlier",
        "it's",
        "my",
        "pare",
        "proofreading",
        "remember",
        "scratch",
        "shortening",
        "you",
        "can",
        "could",
        "please",
        "help",
        "need",
        "write",
        "turn",
        "draft",
        "proofread",
        "quick",
        "fix",
        "typo",
        "make",
        "short",
        "post",
        "shorten",
        "trim",
        "cut",
        "too",
        "going",
        "it",
        "this",
        "that",
        "and",
        "also",
        "one",
        "work",
        "mention",
        "add",
        "forgot",
        "put",
        "keep",
        "check",
        "say",
        "end",
        "any",
        "how",
        "was",
        "nice",
        "good",
        "answering",
        "reply",
        "helping",
        "i'm",
        "in",
        "quick",
        "what",
        "when",
        "is",
        "are",
        "do",
        "does",
        "the",
        "a",
        "an",
        "my",
        "our",
        "if",
        "there",
    ]
)
"""First words that may be lowercased after a greeting ending in a comma; a name never is."""


def _typos(text: str, rate: float, rng: random.Random) -> str:
    if rate <= 0:
        return text
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 4 and w.isalpha() and w[0].islower() and rng.random() < rate:
            words[i] = misspell(w, rng)
    return " ".join(words)


MISSPELT = {
    "necessary": "neccessary", "definitely": "definately", "separate": "seperate", "receive": "recieve",
    "tomorrow": "tommorow", "beginning": "begining", "believe": "beleive", "embarrassing": "embarassing",
    "occasion": "occassion", "friend": "freind", "business": "buisness", "address": "adress",
    "disappointed": "dissapointed", "restaurant": "restaraunt", "calendar": "calender", "surprise": "suprise",
    "probably": "probaly", "interesting": "intresting", "different": "diffrent", "actually": "actualy",
    "really": "realy", "until": "untill", "weird": "wierd", "government": "goverment", "environment": "enviroment",
    "February": "Febuary", "Wednesday": "Wensday", "accommodation": "accomodation", "finally": "finaly",
    "tonight": "tonite", "especially": "especialy", "immediately": "immediatly", "basically": "basicly",
}  # fmt: skip
"""Words people really get wrong, as they get them wrong."""


def misspell(word: str, rng: random.Random) -> str:
    """``word`` (five letters or more) as a person mistypes it: a known misspelling (``MISSPELT``), or two
    letters swapped, a letter dropped or a letter doubled. Readers found every typo "two swapped letters"."""
    if word in MISSPELT:
        return MISSPELT[word]
    j = rng.randrange(1, len(word) - 2)
    kind = rng.random()
    if kind < 0.5 and word[j] != word[j + 1]:  # two like letters swapped would be no typo: one dropped instead
        return word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    if kind < 0.75:
        return word[:j] + word[j + 1 :]
    return word[: j + 1] + word[j:]


# Words people mix up, each for the one a proofread puts back ("there" for "their").
_MIXED_UP = {"their": "there", "it's": "its", "you're": "your", "then": "than", "lose": "loose", "too": "to",
             "there": "their", "than": "then", "quite": "quiet", "quiet": "quite", "whose": "who's",
             "who's": "whose", "we're": "were", "affect": "effect", "effect": "affect", "advice": "advise",
             "accept": "except", "loose": "lose", "were": "where", "where": "were"}  # fmt: skip
"""Words people type for one another (a proofread fixes the wrong one back)."""
_APOSTROPHE = re.compile(r"^(?:\w+n't|I'm|I've|that's|what's|there's|let's)$", re.IGNORECASE)
"""Contractions whose apostrophe people leave out ("didnt", "Ive"): what is left is no other word (unlike
"we'll", "I'll", "she'd")."""
_ODD_ONE = 0.4
"""The chance that a sentence with a mixed-up word or a contraction gets that error rather than a mistyped
word: readers found every error "a keyboard scramble" and nothing else to fix, even when asked for grammar."""
_TAIL = re.compile(r"^(.*?)([,.;:!?]*)$")


def introduce_error(sentence: str, rng: random.Random) -> tuple[str, tuple[str, str] | None]:
    """One real, recoverable error in ``sentence``: (wrong sentence, (wrong word, right word)) or no error.
    The error is a word mixed up with another ("there" for "their", "quiet" for "quite"), a contraction
    without its apostrophe ("didnt"), or a mistyped word; the wrong word is in no other place of the sentence,
    so the fix undoes it alone."""
    words = sentence.split(" ")
    have = {_TAIL.match(w)[1].lower() for w in words}
    odd = []
    for i, w in enumerate(words):
        core = _TAIL.match(w)[1]
        wrong = _MIXED_UP.get(core.lower()) or (core.replace("'", "") if _APOSTROPHE.match(core) else None)
        if wrong and wrong.lower() not in have:
            odd.append((i, wrong[0].upper() + wrong[1:] if core[0].isupper() and wrong[0].islower() else wrong))
    long_words = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 6]
    if odd and (rng.random() < _ODD_ONE or not long_words):
        i, wrong = rng.choice(odd)
    elif long_words:
        i = rng.choice(long_words)
        wrong = misspell(words[i], rng)
        if wrong == words[i] or wrong in words:  # a swap of two like letters, or a word the sentence has
            return sentence, None
    else:
        return sentence, None
    right, tail = _TAIL.match(words[i]).groups()
    words[i] = wrong + tail
    return " ".join(words), (wrong, right)


GREETING_SHARE = 0.3
"""Share of a session's opening turns that greet (people mostly just ask: at 0.7, "Good day." opened 29 and
"Greetings." 20 of one history's 139 sessions, and a reader took the greetings for a template; at 0.4 a
reader still counted "Oh hello!" 14 times and "Hi, so," 11 in one 32k history); sign-offs
and asides are rarer still after the first turn: a persona's few phrases on every turn read as a template."""
_ABOUT_LENGTH = re.compile(r"essay|lots of context|long story|for reading", re.IGNORECASE)
_GRAVE = re.compile(
    r"\b(?:died|dying|funeral|diagnos\w*|passed away|redundan\w*|splitting up|divorc\w*|cancer|hospice|"
    r"miscarri\w*|intensive care)\b",
    re.IGNORECASE,
)
"""Grave news in a turn's text: no emoji and no light aside with it ("A former colleague ... diagnosed with
something serious" followed by "Not sure that detail matters. 🙂" read as callous to a reader)."""
_LONG_WORDS = 90
"""An apology for length ("Sorry for the essay") or thanks for reading it only closes a turn of this many words
or more (at 60 a reader met it under two sentences; "Anyway, thanks for reading!" closed one-line asks)."""


def words_of(text: str) -> set[str]:
    """Lowercased words of four or more letters."""
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) >= 4}


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0].strip(",:;!.?").lower()


def voice(style: SpeakingStyle | None, body: str, rng: random.Random, cue: str = "", opening: bool = True) -> str:
    """Render a user turn in a persona's speaking style; ``cue`` replaces the cue marker verbatim.
    ``opening``: the first turn of a session, the only one with a greeting."""
    if style is None:
        return body.replace(CUE, cue)
    text = _typos(body, style.typo_rate, rng)
    if style.lowercase:
        text = text.lower().replace(CUE.lower(), CUE)
    greeting = rng.choice(style.greeting) if rng.random() < GREETING_SHARE else ""
    if not opening or _first_word(greeting) == _first_word(text):  # never "Quick one: Quick proofread?"
        greeting = ""
    elif greeting.endswith(",") and text.split(" ", 1)[0].lower() in _CONTINUES:
        text = text[0].lower() + text[1:]  # "Hi, so, can you ..." continues the sentence (names stay)
    parts = [greeting, text]
    long = len((text.replace(CUE, " ") + " " + cue).split()) >= _LONG_WORDS
    asides = [a for a in style.asides if long or not _ABOUT_LENGTH.search(a)]
    closings = [c for c in style.closing if long or not _ABOUT_LENGTH.search(c)]
    chatty = style.verbosity in ("chatty", "verbose")
    # a persona has a handful of each: at these rates a 32k history holds each phrase two to five times,
    # not 20-28 ("Anyway, thanks for reading!" x28, later "Thank you, you're very patient." x22 and an emoji
    # on 94 turns of 145 sessions, read as a template to readers; at twice these rates a reader still
    # counted "Thank you, you're very patient." x14 and "Bear with me here." x10, and a "thanks for reading"
    # closing the one-line follow-up that adds a point)
    grave = bool(_GRAVE.search(cue) or _GRAVE.search(text))
    aside = rng.choice(asides) if asides and rng.random() < (0.08 if opening else 0.02) and not grave else ""
    signs_off = (0.2 if opening else 0.05) if chatty else (0.15 if opening else 0.04)
    closing = rng.choice(closings) if closings and rng.random() < signs_off else ""
    if aside and not (words_of(aside) & words_of(closing)):  # never "Long story, anyway. Anyway, thanks"
        parts.append(aside)
    if closing:
        parts.append(closing)
    if style.emoji and rng.random() < (0.15 if opening else 0.05) and not grave:  # a reader counted 40 lone 🙂 at 0.25
        parts.append(rng.choice(style.emoji))
    if text.endswith(CUE) and len(parts) == 3 and parts[2] in style.emoji:  # only an emoji after a pasted text:
        # it closes the ask's own line, not a line of its own under the text (readers counted 16 lone emoji lines)
        before = text[: -len(CUE)]
        text = f"{before.rstrip()} {parts.pop()}{before[len(before.rstrip()) :]}{CUE}"
        parts[1] = text
    if text.endswith(CUE):  # a pasted text ends the ask: the sign-off goes on its own line after it
        head = f"{parts[0]} {text}".lstrip()
        return (head + ("\n" + " ".join(parts[2:]) if parts[2:] else "")).replace(CUE, cue)
    return " ".join(p for p in parts if p).replace(CUE, cue)
