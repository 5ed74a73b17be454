"""How the offline assistant writes a letter: a message or a reply drafted from the user's points.

What: ``message_draft`` writes the letter (greeting, an answer to the other person's message for a reply,
the points linked as a person links them, a closing line, a sign-off that suits the reader); ``grave``
tells whether points carry sad news, which changes the answer and a post's opening. Why: readers called
drafts "the notes pasted between a greeting and a sign-off", and replies that answered nothing the other
person had said. How: deterministic from the caller's index ``k``; ``llm.offline_products`` and
``llm.offline_tasks`` call it.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import NamedTuple

from llm.life import WORK_RELATIONS
from llm.rewrite import casual
from llm.voice import words_of
from llm.world import address
from schemas.generation import Contact

# first line of a drafted message (five words or fewer: they may recur); none claims a long silence, as
# the same person may hear from the user again days later: a letter is written before its date is known (one
# session has a date in each history it is in), and "It's been a while!" or "Long overdue, this one!" opened
# 20 of 61 such letters of `small` within three weeks of the last one to the same person
# A reader of one history counted "Quick update from me" eleven times and "Busy here, but good." five: an
# assistant's stock lines turn over more than that (five words or fewer each: they may recur); no "Hello from
# here!" (under "Hi Gran," a reader read it as a second greeting)
_GENERAL_OPENERS = ["Hope you're well!", "Quick update from me.", "Some news from here!", "How are things?",
                    "Hope you're keeping well!", "News from this end.", "How's everything going?",
                    "Thought I'd send some news.", "Here's my news.", "A quick catch-up.",
                    "Just a quick note.", "A few bits of news.", "Some news for you."]  # fmt: skip
# no "What a lovely surprise!": a reader met it to the neighbour, Mum and Gran, who write all the time
_REPLY_OPENERS = ["Good to hear from you!", "Thanks for your message.", "Lovely to hear from you.",
                  "Loved your message.", "Great to hear from you!"]  # fmt: skip
SEEN_OFTEN = frozenset({"my neighbour", "my partner"})
_LONG_SILENCE = frozenset({"Fancy a proper catch-up?", "Let's catch up properly."})
"""Closing lines that say the two have not met for long: not to a neighbour or a partner (a reader met
"Fancy a proper catch-up?" to a partner, and "It's been a while!", an opener since dropped, to the neighbour on
the user's own street)."""
_FROM_AFAR = frozenset({"Some news from here!", "News from this end.", "Hope you're keeping well!"})
"""Openers written from a distance: not to a neighbour or a partner (a reader met "Some news from here!" in
a text to the neighbour next door)."""
_GLAD_OPENERS = frozenset(_REPLY_OPENERS) - {"Thanks for your message."}
_WORRIED = re.compile(r"\b(?:[Ss]orry|[Oo]uch|poor you|hope you're (?:all right|better|healing))\b")
"""A reaction to the other person's bad news (a health scare, a fall, a cold): the reply then opens with
thanks, not delight, and ends on no cheerful line and no second wish (a reader met "Loved your note. I hope
you're all right. ... Hope you're keeping well." to a grandmother after a health scare)."""
_SAD_OPENERS = ["Some sad news first.", "Sad news first, I'm afraid.", "I'm afraid there's sad news."]
_LATE_OPENERS = ["Sorry for the slow reply!", "Sorry this took so long!", "Sorry I'm so late replying!"]
"""A reply's first line when the request said it was late ("ages ago", "still haven't answered"), and
only then: readers met "Sorry for the slow reply!" where nothing was late, and none where it was (and
"Apologies for the late reply." to Mum and Gran, an office's register)."""


class Answering(NamedTuple):
    """What a letter answers and who signs it: for a reply, its reaction to the other person's news
    (``task_types.yaml`` ``their_news``), whether the request said the reply was late, and what they sent
    ("your card", "the voice note": readers met cards and voice notes thanked for as "your message"); for
    any letter of the user's own, the user's first name it is signed with (readers met "[Your name]" under
    eighty letters of one user)."""

    reaction: str = ""
    late: bool = False
    sent: str = "your message"
    signer: str = "[Your name]"
    texted: bool = False  # the reply goes back as a text: no closing line and no sign-off under it
    reader: str = ""  # someone else's letter: the first name of the person it goes to, as the ask gave it


TEXTED = ("a text", "a voice note", "a quick message")
"""What the other person sent that is answered by text: a reader met a reply to a text laid out as a letter,
closing line, "Love," and name."""


def what_was_sent(occasion: str) -> str:
    """How a reply names what the other person sent (``task_types.yaml`` reply occasions: "a card")."""
    noun = occasion.split()[-1]
    if occasion == "a voice note":
        return "the voice note"
    return f"your {noun}" if noun in _SENT else "your message"


_SENT = ("card", "letter", "note", "email")


NOT_A_REPLY = Answering()
# A reply answers what the other person asked (how the user is, how the week went) before the news; sad
# news gets no "All well here" (readers: the drafts "never answer the other person's message")
_ANSWERS = [
    "All well here, thanks!",
    "Busy here, but good.",
    "Not bad at all here.",
    "Things are fine here.",
    "We're all fine here.",
    "Ticking along nicely here.",
    "All good this end.",
    "Life's been fairly calm.",
    "Nothing dramatic to report.",
    "Mostly good here, thanks.",
    "Keeping busy, as ever.",
    "Can't complain here.",
    "All fine this side.",
    "Pretty good, thanks.",
    "Fine here, thanks!",
]
_SAD_ANSWERS = ["It's been a mixed time.", "Not an easy few weeks."]
_PARTNER_ANSWERS = ["Good day, mostly.", "Busy, but fine.", "Not bad at all.", "Long day, but a good one.",
                    "All fine, just tired.", "Pretty good, thanks.", "Can't complain."]  # fmt: skip
"""How the user answers a partner's "how's it going?": about the day, with no opener before it (a reader met
"Hi Gabriel! Good to hear from you! ... We're all fine here." to a partner, a pen-friend's lines)."""


def without_thanks(answer: str) -> str:
    """``answer`` without its closing thanks ("Pretty good, thanks." -> "Pretty good."), for a reply that has
    thanked already."""
    return re.sub(r",? thanks(?=[.!])", "", answer)


# A sign-off suits the reader: "Love," goes to family and close friends, never to a manager; a parent, a
# child, a grandmother or a partner gets love, not "All the best," or "Cheers," (readers met a daughter
# signed off "All the best" thirteen times while her brother got "Lots of love")
_SIGNOFFS_FAMILY = ["Love,", "Lots of love,", "All my love,", "With love,"]
_SIGNOFFS_CLOSE = ["Love,", "Take care,", "Speak soon,", "Lots of love,", "Cheers,", "See you soon,"]
_SIGNOFFS_WORK = ["Best,", "Many thanks,", "Kind regards,", "All the best,"]
_SIGNOFFS_OTHER = ["Take care,", "Speak soon,", "Best,", "Cheers,", "All the best,"]
_FAMILY = frozenset(["my partner", "my mum", "my dad", "my son", "my daughter", "my grandmother"])
RELATIVES = _FAMILY | {"my sister", "my brother", "my cousin"}
"""The user's family: someone else's text for "the family chat" is for the user's family only when they are in
it (``llm.offline_tasks``)."""
_CLOSE = (RELATIVES - _FAMILY) | {"my best friend"}
_WRITTEN_CASUALLY = _FAMILY | _CLOSE
_WORK = frozenset(WORK_RELATIONS)


def signoffs_for(relation: str, owner: str) -> list[str]:
    """Sign-offs that suit a message to ``relation`` (someone else's message: neutral ones)."""
    if owner == "other":
        return _SIGNOFFS_OTHER
    if relation in _FAMILY:
        return _SIGNOFFS_FAMILY
    return _SIGNOFFS_CLOSE if relation in _CLOSE else _SIGNOFFS_WORK if relation in _WORK else _SIGNOFFS_OTHER


def message_draft(
    sentences: list[str],
    contact: Contact,
    owner: str,
    k: int,
    reply: bool = False,
    answering: Answering = NOT_A_REPLY,
    ending: str | None = None,
) -> str:
    """A message or a reply written from the user's points; a reply (``answering``) says sorry when late,
    reacts to the other person's news and answers their question before its own news. ``ending``: the line
    before the sign-off, in place of the usual closing (a call offer the user asked to end with)."""
    if owner == "self":  # the user's own letter names the family as this reader knows them, and to family
        # and friends says "I've" and "didn't" as people write to them (readers found drafts the notes verbatim)
        close = contact.relation in _WRITTEN_CASUALLY
        sentences = [casual(for_reader(s, contact.relation)) if close else s for s in sentences]
    openers = (_LATE_OPENERS if answering.late else _REPLY_OPENERS) if reply else _GENERAL_OPENERS
    if not reply and grave(sentences):  # "Some news from here!" over a death is what a reader would flag
        openers = _SAD_OPENERS
    elif contact.relation in SEEN_OFTEN:
        openers = [o for o in openers if o not in _FROM_AFAR]
    partner = reply and owner == "self" and contact.relation == "my partner"
    if partner:
        openers = [""]
    opener = openers[k % len(openers)]
    worried = reply and _WORRIED.search(answering.reaction) is not None
    if worried and opener in _GLAD_OPENERS:  # "Loved your note." over a grandmother's health scare
        opener = "Thanks for your message."
    if reply:  # the question the other person asked, answered first
        answers = _SAD_ANSWERS if grave(sentences) else _PARTNER_ANSWERS if partner else _ANSWERS
        # the answer walks with every reply (a reader met "Keeping busy, as ever." eight times: it turned only
        # once per round of openers), and so do the (opener, answer) pairs
        answer = answers[(k + (k // len(openers) if len(openers) > 1 else 0)) % len(answers)]
        # a glad opener says no word its reaction or answer says ("Lovely to hear from you. The coast path
        # sounds lovely.", met by a reader; "Good to hear from you! Mostly good here.")
        said = words_of(f"{answering.reaction} {without_thanks(answer)}")  # (one thanks: see below)
        if opener in _REPLY_OPENERS and words_of(opener) & said:
            fitting = [o for o in _REPLY_OPENERS if not (worried and o in _GLAD_OPENERS)]
            opener = next((o for o in fitting if not words_of(o) & said), "")
        opener = opener.replace("your message", answering.sent)
        if "thanks" in opener.lower():  # one thanks: a reader met "Thanks for your message. Pretty good, thanks."
            answer = without_thanks(answer)
        opener = " ".join(filter(None, (opener, answering.reaction, answer)))
    # someone else's message goes to the person the ask named ("his old friend Dario"), or, named nowhere, a
    # placeholder rather than a bare "Hi," that reads as a name dropped; it is signed with their name
    hello = f"Hi {answering.reader or '[Name]'}," if owner == "other" else f"Hi {address(contact)},"
    sign = contact.name if owner == "other" else answering.signer
    closings = _REPLY_CLOSINGS if reply else _CLOSINGS
    closing = closings[k % len(closings)]
    if contact.relation in SEEN_OFTEN and closing in _LONG_SILENCE:
        closing = None
    if closing in _CHEERFUL and (grave(sentences) or worried):  # "Great to catch up." under a redundancy
        closing = None
    if closing and "hope" in words_of(closing) & words_of(answering.reaction):  # one wish, not two
        closing = None  # ("I hope you're all right. ... Hope you're keeping well.")
    signoffs = signoffs_for(contact.relation, owner)
    # one sign-off per person, as people sign to each of theirs (readers met a sister given four in turn)
    signoff = signoffs[zlib.crc32(contact.name.encode()) % len(signoffs)]
    if closing and words_of(closing) & words_of(signoff):  # "Speak properly soon." over "Speak soon,"
        closing = None
    closing = ending or closing
    if answering.texted:  # a text back: one run of news and, if asked for, the call offer; nothing signed,
        # and no letter's layout (readers took a greeting on its own line over paragraphs with no sign-off under
        # them for a letter cut off)
        body = letter_body(sentences, k).replace("\n\n", " ")
        return f"{hello[:-1]}! {opener} {body}" + (f" {ending}" if ending else "")
    last_line = f"{closing}\n\n" if closing else ""
    return f"{hello}\n\n{opener} {letter_body(sentences, k)}\n\n{last_line}{signoff}\n{sign}"


_SIBLING_READERS = frozenset({"my sister", "my brother"})
_PARENT_READERS = frozenset({"my mum", "my dad"})
_FAMILY_READERS = _SIBLING_READERS | _PARENT_READERS
_NAMED_SIBLING = re.compile(r"\b[Mm]y (?:(?:big|little|older|younger|twin) )?(?:brother|sister) ([A-Z][a-z]+)\b")
_AS_FAMILY_SAYS = {"my mum": "Mum", "my mother": "Mum", "my dad": "Dad", "my father": "Dad",
                   "my parents": "Mum and Dad", "my gran": "Gran", "my grandmother": "Gran",
                   "my nan": "Nan"}  # fmt: skip
_THE_READER = {"my mum": ("my mum", "my mother", "my parents"), "my dad": ("my dad", "my father", "my parents")}
"""How a letter to a parent names that parent: left as written (the letter never tells them of themselves)."""
_OUR_FOLK = re.compile(r"\b[Mm]y (?:mum|dad|parents|mother|father|gran|grandmother|nan)\b")


def for_reader(sentence: str, relation: str) -> str:
    """``sentence`` of the user's notes as the user writes it to the person of ``relation``: to a brother or
    sister, "my brother Ravi" is "Ravi" and "my mum" is "Mum" (a reader met a user telling his sister "My
    brother Ravi is thinking about going back to study"); to a parent, "my sister Tess" is "Tess" and the
    other parent "Dad". Other readers get the sentence as it was."""
    if relation not in _FAMILY_READERS:
        return sentence

    def called(m: re.Match[str]) -> str:
        said = m[0].lower()
        return m[0] if said in _THE_READER.get(relation, ()) else _AS_FAMILY_SAYS[said]

    out = _OUR_FOLK.sub(called, _NAMED_SIBLING.sub(r"\1", sentence)).replace("Mum and Dad' ", "Mum and Dad's ")
    return out[0].upper() + out[1:] if out else out


# A letter's points follow one another as a person links them, not as the notes list them: some open with
# a link, in turn by position (never the first), so a cue point is linked as often as any other. Most
# follow unlinked: "Other news:" and "Apart from that," before a standing habit ("Apart from that, I feel
# oddly lucky whenever ...") read as nonsense to readers, and each link came back a dozen times a history.
_LINKS = ("Also, ", "", "", "Oh, and ", "", "And ", "")
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
# (readers counted "Hope all's well there." twenty times in one history when both lists had it)
# (no "More soon." either: over "Speak soon," it signed off twice; nor "Do write back." or "Keep me posted!" under
# the user's own news, which readers found odd to Gran and a best friend)
_CLOSINGS = ("How are things with you?", "Let me know your news.", None, "Hope all's well there.",
             "What are you up to?", None, "Tell me all your news.", None, None,
             "Fancy a proper catch-up?")  # fmt: skip
_REPLY_CLOSINGS = ("Write back when you can.", None, "Great to catch up.", "Hope you're keeping well.", None,
                   "Thanks again for writing.", "Let's catch up properly.", None, "More news to follow.")  # fmt: skip
_CHEERFUL = frozenset({"Great to catch up."})


def letter_body(sentences: list[str], k: int) -> str:
    """The points of a letter: linked (``_LINKS``) and, from three points on, in two paragraphs. Sad news
    comes first, in a paragraph of its own and never linked: a reader met "My best friend's dad died last
    week" between a board-game brag and a proofread, and "Oh, and" before a death reads as callous."""
    sad = [s for s in sentences if grave_sentence(s)]
    if sad and len(sad) < len(sentences):
        rest = [s for s in sentences if not grave_sentence(s)]
        return " ".join(sad) + "\n\n" + letter_body(rest, k)
    linked = [s if i == 0 or sad else _linked(s, _LINKS[(k + i) % len(_LINKS)]) for i, s in enumerate(sentences)]
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


_GRAVE = re.compile(
    r"\b(?:funeral|passed away|has died|(?:dad|mum|father|mother|husband|wife|gran|grandmother|grandad|grandfather|"
    r"uncle|aunt|friend|neighbour|man|woman|owner|conductor|singer|actor)\b[^.!?]{0,40}\bdied|"
    r"diagnosed with|made redundant|splitting up|split up|divorce|the break-in|burgled)\b",
    re.IGNORECASE,
)
"""Sad or grave news: a post that carries it does not open "Hey all!" nor end "#littlewins" (a reader met a
shopkeeper's death under a cheerful greeting)."""


def grave(sentences: list[str]) -> bool:
    """Whether any of ``sentences`` tells sad or grave news (``_GRAVE``)."""
    return any(map(grave_sentence, sentences))


@lru_cache(maxsize=1 << 15)
def grave_sentence(sentence: str) -> bool:
    """``grave`` of one sentence, cached: each draft of a session asks again of the same sentences."""
    return _GRAVE.search(sentence) is not None
