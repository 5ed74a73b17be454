"""What the offline assistant hands back for a persona task: the drafted message, the post, the list of
fixes, and each follow-up change (shorter, a heading, a subject line, hashtags).

What: ``message_draft`` and ``post_text`` write the product from the user's sentences; ``add_to_product``
works in what the user adds in a second turn; ``carry_out_followup`` makes the change asked for with it.
Why: each reply must do what was asked of the text (readers met added points dropped, "one sentence"
answered by a chain of semicolons or by the one point just added, a heading under the text), and its own
words must not recur word for word across a long history. How: deterministic from the caller's index
``k``; ``llm.offline_tasks`` builds the session around it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from llm.life import WORK_RELATIONS
from llm.rewrite import casual, tighten
from llm.world import address
from schemas.generation import Contact

# first line of a drafted message (five words or fewer: they may recur); none claims a long silence, as
# the same person may hear from the user again days later
_GENERAL_OPENERS = ["Hope you're well!", "Quick update from me.", "Some news from here!", "How are things?"]
_REPLY_OPENERS = ["Good to hear from you!", "Thanks for your message.", "Lovely to hear from you."]
_LATE_OPENERS = ["Sorry for the slow reply!", "Sorry this took so long!", "Apologies for the late reply."]
"""A reply's first line when the request said it was late ("ages ago", "still haven't answered"), and
only then: readers met "Sorry for the slow reply!" where nothing was late, and none where it was."""


class Answering(NamedTuple):
    """What a reply answers: its reaction to the other person's news (``task_types.yaml`` ``their_news``),
    whether the request said the reply was late, and whether the message was a voice note."""

    reaction: str = ""
    late: bool = False
    voice_note: bool = False


NOT_A_REPLY = Answering()
# A reply answers what the other person asked (how the user is, how the week went) before the news; sad
# news gets no "All well here" (readers: the drafts "never answer the other person's message")
_ANSWERS = ["All well here, thanks!", "Busy here, but good.", "Not bad at all here.", "Things are fine here."]
_SAD_ANSWERS = ["It's been a mixed time.", "Not an easy few weeks."]
# A sign-off suits the reader: "Love," goes to family and close friends, never to a manager.
_SIGNOFFS_CLOSE = ["Love,", "Take care,", "Speak soon,", "Lots of love,", "Cheers,", "All the best,"]
_SIGNOFFS_WORK = ["Best,", "Many thanks,", "Kind regards,", "All the best,"]
_SIGNOFFS_OTHER = ["Take care,", "Speak soon,", "Best,", "Cheers,", "All the best,"]
_CLOSE = frozenset(
    [
        "my sister",
        "my brother",
        "my partner",
        "my mum",
        "my dad",
        "my son",
        "my daughter",
        "my grandmother",
        "my best friend",
        "my cousin",
    ]
)
_WORK = frozenset(WORK_RELATIONS)


def signoffs_for(relation: str, owner: str) -> list[str]:
    """Sign-offs that suit a message to ``relation`` (someone else's message: neutral ones)."""
    if owner == "other":
        return _SIGNOFFS_OTHER
    return _SIGNOFFS_CLOSE if relation in _CLOSE else _SIGNOFFS_WORK if relation in _WORK else _SIGNOFFS_OTHER


# five words or fewer: they may recur within a history
_CALL_LINES = {0: "I'll call on Sunday.", 1: "I'll ring at the weekend.", 2: "Let's talk by phone soon."}
# no reader's name: "A hello for Ravi" in an email to Ravi, and "Mateo, news from me!", read as odd to readers
_SUBJECTS = ["News from me", "Catching up", "A quick hello", "Some news", "An update", "Bits of news"]
TITLES = ["A busy few days", "Notes from this week", "This week, briefly", "Small news", "Odds and ends"]
_HASHTAGS = ["#weeknotes", "#littlewins", "#realLife", "#thisweek", "#catchingup", "#dailyLife"]
# A post opens as people open one where it goes up (five words or fewer: they may recur).
_POST_OPENERS = {
    # no "Morning, everyone!": the history dates a session after it is written, evening as often as morning
    "friends": ["Hey all!", "Hello all,", "Hello, everyone!", "Hi all, a quick one.", "Hi everyone,"],
    "family": ["Hi all!", "Hello lovely lot,", "Family news!", "Hi everyone,"],
    "own": ["Life lately.", "This week, in brief.", "A few bits of news.", "Small news from me."],
}
_AUDIENCE = {"the family chat": "family", "the cousins' chat": "family", "my page": "own", "my feed": "own",
             "my status": "own"}  # fmt: skip


def message_draft(
    sentences: list[str], contact: Contact, owner: str, k: int, reply: bool = False, answering: Answering = NOT_A_REPLY
) -> str:
    """A message or a reply written from the user's points; a reply (``answering``) says sorry when late,
    reacts to the other person's news and answers their question before its own news."""
    openers = (_LATE_OPENERS if answering.late else _REPLY_OPENERS) if reply else _GENERAL_OPENERS
    opener = openers[k % len(openers)]
    if reply:  # the question the other person asked, answered first
        if answering.voice_note:
            opener = opener.replace("your message", "the voice note")
        answers = _SAD_ANSWERS if grave(sentences) else _ANSWERS
        opener = " ".join(filter(None, (opener, answering.reaction, answers[(k // len(openers)) % len(answers)])))
    # someone else's message goes to a reader the user never named ("an old friend"): a placeholder, as the
    # user's own drafts sign off "[Your name]", rather than a bare "Hi," that reads as a name dropped
    hello = "Hi [Name]," if owner == "other" else f"Hi {address(contact)},"
    sign = contact.name if owner == "other" else "[Your name]"
    closings = _REPLY_CLOSINGS if reply else _CLOSINGS
    closing = closings[k % len(closings)]
    signoffs = signoffs_for(contact.relation, owner)
    ending = f"{closing}\n\n" if closing else ""
    return f"{hello}\n\n{opener} {letter_body(sentences, k)}\n\n{ending}{signoffs[k % len(signoffs)]}\n{sign}"


# A letter's points follow one another as a person links them, not as the notes list them: some open with
# a link, in turn by position (never the first), so a cue point is linked as often as any other.
_LINKS = ("Also, ", "", "Oh, and ", "", "Other news: ", "And ", "", "Apart from that, ")
_LOWERED = frozenset({
    *("The", "My", "A", "An", "Our", "On", "When", "Whenever", "We", "At", "Last", "Every", "Someone", "Somebody"),
    *("After", "Yesterday", "There", "There's", "One", "In", "Since", "Two", "Three", "Four", "Six", "Ten", "Half"),
    *("As", "We've", "We're", "Most", "Before", "With", "For", "Both", "This", "It", "It's", "If", "While", "All"),
    *("Somehow", "Next", "Earlier", "Whatever", "By", "Halfway", "Years", "Their", "Twice", "Now", "Everyone"),
    *("Each", "Once", "Lately", "None", "Anything", "Ever", "Tomorrow", "Apparently", "Nobody", "Somewhere"),
    *("Because", "Some", "They", "Today", "During", "Near"),
})  # fmt: skip
"""Words that open the banks' sentences and are lowercased after a link; a sentence opening with any
other word (a name, an unusual first word) is left unlinked rather than mis-cased. "I" needs no change."""
# the last line before the sign-off (five words or fewer: they may recur); None: the letter ends on its news
_CLOSINGS = ("How are things with you?", "Let me know your news.", None, "Hope all's well there.")
_REPLY_CLOSINGS = ("Write back when you can.", None, "Great to catch up.", "Hope all's well there.")


def letter_body(sentences: list[str], k: int) -> str:
    """The points of a letter: linked (``_LINKS``) and, from three points on, in two paragraphs."""
    linked = [s if i == 0 else _linked(s, _LINKS[(k + i) % len(_LINKS)]) for i, s in enumerate(sentences)]
    if len(linked) < 3:
        return " ".join(linked)
    half = (len(linked) + 1) // 2
    return " ".join(linked[:half]) + "\n\n" + " ".join(linked[half:])


def _linked(sentence: str, link: str) -> str:
    """``sentence`` after ``link``; one of five words or fewer (it may recur: "I'll ring at the weekend.") stays
    unlinked, as a linked one would be a sentence of six words that recurs."""
    first, _, rest = sentence.partition(" ")
    if not link or len(sentence.split()) <= 5:
        return sentence
    if first in ("I", "I'm", "I've", "I'd", "I'll"):
        return link + sentence
    return f"{link}{first.lower()} {rest}" if first in _LOWERED else sentence


def add_to_product(
    task_id, sentences, held, fixes, contact, occasion, owner, k, answering: Answering = NOT_A_REPLY
) -> str:
    """Work the sentences the user adds in a second turn into the product."""
    if task_id in ("message", "reply"):
        return "Added:\n\n" + message_draft([*sentences, *held], contact, owner, k, task_id == "reply", answering)
    if task_id == "proofread":
        return " ".join(held) + (f"\n\n{fixes_line(fixes, k + 1)}" if fixes else "\n\nThat part was already fine.")
    if task_id == "shorten":
        return "With it:\n\n" + " ".join([*sentences, *held])
    return post_text([*sentences, *held], occasion, k)


_FIXES_HEADS = ("Fixed", "Changed", "Corrected", "Typos")
"""How the list of corrections is headed, in turn: every proofread of a history ending "Fixed: ..." read as
a machine's. Each lists "wrong -> right" (``flows.stages.conversations.cue_as_meant`` reads it back)."""


def fixes_line(fixes: list[tuple[str, str]], k: int) -> str:
    listed = "; ".join(f"{w} -> {r}" for w, r in fixes) or "nothing needed changing"
    return f"{_FIXES_HEADS[k % len(_FIXES_HEADS)]}: {listed}."


def post_text(sentences: list[str], occasion: str, k: int) -> str:
    """A post for ``occasion``: opened on its own line as posts there open, in a casual register. Someone
    else's "her feed" is their own page, as "my feed" is the user's: no greeting to a group there."""
    return f"{_post_opener(occasion, k, grave(sentences))}\n" + " ".join(casual(s) for s in sentences)


def _post_opener(occasion: str, k: int, sad: bool = False) -> str:
    """How a post for ``occasion`` opens (the k-th of its audience's openers; a quiet one for sad news)."""
    audience = _AUDIENCE.get(re.sub(r"^(?:his|her|their) ", "my ", occasion), "friends")
    openers = (_QUIET_OPENERS if audience != "own" else _QUIET_OWN) if sad else _POST_OPENERS[audience]
    return openers[k % len(openers)]


_GRAVE = re.compile(
    r"\b(?:funeral|passed away|has died|(?:dad|mum|father|mother|husband|wife|gran|grandmother|grandad|grandfather|"
    r"uncle|aunt|friend|neighbour|man|woman|owner|conductor|singer|actor)\b[^.!?]{0,40}\bdied|"
    r"diagnosed with|made redundant|splitting up|split up|divorce|the break-in|burgled)\b",
    re.IGNORECASE,
)
"""Sad or grave news: a post that carries it does not open "Hey all!" nor end "#littlewins" (a reader met a
shopkeeper's death under a cheerful greeting)."""
_QUIET_OPENERS = ["Hi everyone,", "Hello all,", "Some news, everyone."]
_QUIET_OWN = ["Some news.", "A few things from this week."]
_QUIET_HASHTAGS = ["#weeknotes", "#thisweek", "#realLife"]


def grave(sentences: list[str]) -> bool:
    """Whether any of ``sentences`` tells sad or grave news (``_GRAVE``)."""
    return any(map(_grave_sentence, sentences))


@lru_cache(maxsize=1 << 15)
def _grave_sentence(sentence: str) -> bool:
    """``grave`` of one sentence, cached: each draft of a session asks again of the same sentences."""
    return _GRAVE.search(sentence) is not None


def carry_out_followup(
    task_id, kind, p, sentences, fixes, contact, occasion, owner, k, added: int = 1, answering: Answering = NOT_A_REPLY
) -> str:
    """Carry out a follow-up on the same text, whose last ``added`` sentences came with the follow-up."""
    if task_id in ("message", "reply"):
        reply = task_id == "reply"
        if kind == "shorter":  # cut to main clauses, keeping what was just added: the user asked for it
            short, heading = _kept_when_cut(sentences, added)  # same greeting, answer and sign-off
            return f"{heading}:\n\n" + message_draft(short, contact, owner, k, reply, answering)
        if kind == "add_call":
            return "Added:\n\n" + message_draft([*sentences, _CALL_LINES[p % 3]], contact, owner, k, reply, answering)
        return f"Subject: {_SUBJECTS[k % len(_SUBJECTS)]}\n\n" + message_draft(sentences, contact, owner, k)
    if task_id == "shorten":
        if kind == "title":  # above the text, where a heading goes (five words or fewer: it may recur)
            return f"With it, under a heading:\n\n{TITLES[(k + 2) % len(TITLES)]}\n\n" + " ".join(sentences)
        kept, heading = _kept_when_cut(sentences, added)  # "Shorter still?": every point cut, some dropped
        return f"{heading}:\n\n" + " ".join(kept)
    if task_id == "proofread":
        # how many, and how bad: "Was it bad? How many?" answered with a bare count is what readers met
        n = len(fixes)
        listed = ", ".join(f"{w} for {r}" for w, r in fixes)
        if n == 0:
            return "None, it was clean."
        if n == 1:
            return f"Just one, and a small one: {listed}."
        judged = "both easy slips" if n == 2 else "all small slips, nothing serious"
        count = str(_COUNTS.get(n, n))
        return f"{count[0].upper()}{count[1:]}, {judged}: {listed}."
    if kind == "hashtags":
        bank = _QUIET_HASHTAGS if grave(sentences) else _HASHTAGS
        tags = " ".join(bank[(k + i) % len(bank)] for i in range(2))
        return post_text(sentences, occasion, k) + f" {tags}"
    # a shorter post, opened as before: every point cut to its main clause, the earlier ones thinned out
    kept, heading = _kept_when_cut(sentences, added)
    return (f"{heading}:\n\n" if heading != "Shorter" else "") + post_text(kept, occasion, k)


_SHORTER_BY = 0.8
"""A shorter version has at most this share of the words of the draft it replaces (before what was added)."""


def _kept_when_cut(sentences: list[str], added: int) -> tuple[list[str], str]:
    """What a shorter version keeps, and its heading ("Shorter", or with a word on the points it left
    out): earlier points dropped whole, from the last one back, until it is short enough; never one just
    added ("Trim it a bit? Also add this: ..." asks for both, and a reader met the new points dropped), nor
    the first one (a reader met all the original points gone). Only when that is not enough is every
    point cut to its main clause: readers found such cuts took out the point of most sentences."""
    words = lambda kept: sum(len(s.split()) for s in kept)  # noqa: E731
    # shorter than the draft it replaces, though a point came with the request ("Trim it? Forgot a bit.")
    limit = _SHORTER_BY * words(sentences[: len(sentences) - added] or sentences)
    dropped: list[int] = []
    for i in range(len(sentences) - added - 1, 0, -1):  # earlier points, the last one first; never the first
        if words(s for j, s in enumerate(sentences) if j not in dropped) <= limit:
            break
        dropped.append(i)
    kept = [s for j, s in enumerate(sentences) if j not in dropped]
    if words(kept) > limit:
        kept = [tighten(s) for s in kept]
    if not dropped:
        return kept, "Shorter"
    points = f"{_COUNTS.get(len(dropped), len(dropped))} point{'s' if len(dropped) > 1 else ''}"
    return kept, _DROPPED[(len(sentences) + len(dropped)) % len(_DROPPED)].format(points=points)


_DROPPED = ("Shorter, with {points} dropped", "Trimmed, leaving {points} out", "Shorter; I dropped {points}")
"""The heading of a shorter version that left points out. Readers took the first words of a dropped
sentence quoted in brackets ('Shorter (without "The union rep came round..." and one more)') for the
program showing through; a person says how many went. Five words or fewer: they may recur."""


_COUNTS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
