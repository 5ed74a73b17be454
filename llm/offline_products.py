"""What the offline assistant hands back for a persona task: the drafted message, the post, the list of
fixes, and each follow-up change (shorter, a heading, a subject line, hashtags).

What: ``post_text`` (and ``llm.offline_letters.message_draft``) write the product from the user's
sentences; ``add_to_product`` works in what the user adds in a second turn; ``carry_out_followup`` makes the
change asked for with it.
Why: each reply must do what was asked of the text (readers met added points dropped, "one sentence"
answered by a chain of semicolons or by the one point just added, a heading under the text), and its own
words must not recur word for word across a long history. How: deterministic from the caller's index
``k``; ``llm.offline_tasks`` builds the session around it.
"""

from __future__ import annotations

import re

from llm.offline_letters import NOT_A_REPLY, Answering, grave, message_draft
from llm.rewrite import casual, tighten, trimmed

_CALL_LINES = {0: "I'll call on Sunday.", 1: "I'll ring at the weekend.", 2: "Let's talk by phone soon."}
# no reader's name: "A hello for Ravi" in an email to Ravi, and "Mateo, news from me!", read as odd to readers
# a reader met "Notes from this week" and "Small news" twice each in one history, "#realLife #thisweek" thrice
_SUBJECTS = ["News from me", "Catching up", "A quick hello", "Some news", "An update", "Bits of news",
             "Hello from here", "Latest from me"]  # fmt: skip
TITLES = ["A busy few days", "Notes from this week", "This week, briefly", "Small news", "Odds and ends",
          "The latest from here", "Around here", "News, briefly", "Since last time", "Recent goings-on"]  # fmt: skip
# no "#littlewins": a reader met it under a split shopping bag and a burnt hand (the tags say nothing of the news)
_HASHTAGS = ["#weeknotes", "#lifelately", "#realLife", "#thisweek", "#catchingup", "#dailyLife", "#smallthings",
             "#homelife", "#lately", "#everyday"]  # fmt: skip
# A post opens as people open one where it goes up (five words or fewer: they may recur).
_POST_OPENERS = {
    # no "Morning, everyone!": the history dates a session after it is written, evening as often as morning
    "friends": [
        "Hey all!",
        "Hello all,",
        "Hello, everyone!",
        "Hi all, a quick one.",
        "Hi everyone,",
        "Hiya all!",
        "Hey, everyone!",
        "Hello, you lot!",
    ],
    # none counts the points: a post of one has "A few bits of news." over it, and an added point would
    # change it (readers met both); nor calls a cartoon "Family news!"
    "family": ["Hi all!", "Hello lovely lot,", "Hi family!", "Hi everyone,"],
    "own": [
        "Life lately.",
        "This week, in brief.",
        "Today's news.",
        "Small news from me.",
        "A little update.",
        "Catching up here.",
        "Quick life update.",
        "Lately, in short.",
    ],
}
_AUDIENCE = {"the family chat": "family", "the cousins' chat": "family", "my page": "own", "my feed": "own",
             "my status": "own"}  # fmt: skip


ADDED = ("Added:", "Now with that in:", "Updated:", "With that worked in:", "Here it is now:", "Done, new bit in:")
"""What the reply says over a letter with a part worked in, in turn: a reader counted "Added:" 24 times in
one history (five words or fewer: they may recur)."""


def add_to_product(
    task_id, sentences, held, fixes, contact, occasion, owner, k, answering: Answering = NOT_A_REPLY
) -> str:
    """Work the sentences the user adds in a second turn into the product."""
    if task_id in ("message", "reply"):
        return f"{ADDED[k % len(ADDED)]}\n\n" + message_draft(
            [*sentences, *held], contact, owner, k, task_id == "reply", answering
        )
    if task_id == "proofread":
        return " ".join(held) + (f"\n\n{fixes_line(fixes, k + 1)}" if fixes else "\n\nThat part was already fine.")
    if task_id == "shorten":
        whole, heading = with_added(sentences, held, k)
        return f"{heading}:\n\n" + " ".join(map(trimmed, whole))
    return post_text([*sentences, *held], occasion, k)


_FIXES_HEADS = ("Fixed", "Changed", "Corrected", "Typos")
"""How the list of corrections is headed, in turn: every proofread of a history ending "Fixed: ..." read as
a machine's. Each lists "wrong -> right" (``flows.stages.conversations.cue_as_meant`` reads it back)."""


def with_added(kept: list[str], held: list[str], k: int) -> tuple[list[str], str]:
    """A text being cut down, once the user sends more of it: the rest of the paragraph (two sentences or
    more) cut the same way, one of its sentences dropped whole, never its first; one sentence goes in place of
    the last one kept (the only one, if one is left). With the reply's heading. Readers met "Cut one
    sentence" answered, then "This goes in too." with three more points, and a text longer than the cut."""
    if len(held) >= 2:
        drop = 1 + k % (len(held) - 1)
        return [*kept, *(s for i, s in enumerate(held) if i != drop)], _REST_HEADS[k % len(_REST_HEADS)]
    return [*kept[:-1], *held], _SWAP_HEADS[k % len(_SWAP_HEADS)]


_REST_HEADS = ("The whole thing, cut", "Both halves, trimmed", "All of it, shorter")
_SWAP_HEADS = ("Swapped in", "With that one instead", "Swapped")


def fixes_line(fixes: list[tuple[str, str]], k: int) -> str:
    listed = "; ".join(f"{w} -> {r}" for w, r in fixes) or "nothing needed changing"
    return f"{_FIXES_HEADS[k % len(_FIXES_HEADS)]}: {listed}."


def post_text(sentences: list[str], occasion: str, k: int) -> str:
    """A post for ``occasion``: opened on its own line as posts there open, in a casual register, and to a
    group sometimes closed on a line of its own. Someone else's "her feed" is their own page, as "my feed" is
    the user's: no greeting to a group there."""
    sad = grave(sentences)
    audience = _AUDIENCE.get(re.sub(r"^(?:his|her|their) ", "my ", occasion), "friends")
    openers = (_QUIET_OPENERS if audience != "own" else _QUIET_OWN) if sad else _POST_OPENERS[audience]
    text = f"{openers[k % len(openers)]}\n" + " ".join(casual(s) for s in sentences)
    closers = _POST_CLOSERS.get(audience, (None,))
    closer = None if sad else closers[(k // 2) % len(closers)]
    return f"{text} {closer}" if closer else text


_POST_CLOSERS = {
    "friends": ("Hope you're all well!", None, "More soon.", None, "That's all from me!", None),
    "family": ("Love to all.", None, "Hope everyone's well!", None, "Hugs all round.", None),
}
"""How a post to a group sometimes ends (never a post of sad news, nor one on the user's own page): a reader
met posts that were the notes handed back under a greeting. Five words or fewer: they may recur."""


_QUIET_OPENERS = ["Hi everyone,", "Hello all,", "Some news, everyone."]
_QUIET_OWN = ["Some news.", "News from this week."]
_QUIET_HASHTAGS = ["#thinkingofyou", "#sendinglove", "#family"]
_JUDGED = (
    ("Just one, and a small one:", "Only one, easy to miss:", "Just the one:"),
    ("{count}, both easy slips:", "{count}, nothing to worry about:", "Only {count}, both small:"),
    ("{count}, all small slips:", "{count}, none of them serious:", "{count}, all quick fixes:"),
)
"""How bad the mistakes were, by their number (one, two, more), in turn: readers met "Was it bad? How
many?" answered by a bare count, then one judgement word for word in four sessions of a history."""


def carry_out_followup(
    task_id, kind, p, sentences, fixes, contact, occasion, owner, k, added: int = 1, answering: Answering = NOT_A_REPLY
) -> str:
    """Carry out a follow-up on the same text, whose last ``added`` sentences came with the follow-up."""
    if task_id in ("message", "reply"):
        reply = task_id == "reply"
        if kind == "shorter":  # earlier points dropped, keeping what was just added: the user asked for it
            short, heading = _kept_when_cut(sentences, added)  # same greeting, answer and sign-off
            return f"{heading}:\n\n" + message_draft(short, contact, owner, k, reply, answering)
        if kind == "add_call":
            # the last line before the sign-off, as asked ("End with a call offer?"), not a point among the news
            ending = _CALL_LINES[p % 3]
            return f"{ADDED[(k + 1) % len(ADDED)]}\n\n" + message_draft(
                sentences, contact, owner, k, reply, answering, ending
            )
        return f"Subject: {_SUBJECTS[k % len(_SUBJECTS)]}\n\n" + message_draft(
            sentences, contact, owner, k, reply, answering
        )
    if task_id == "shorten":
        if kind == "title":  # above the text, where a heading goes (five words or fewer: it may recur)
            return f"{_WITH_HEADING[k % len(_WITH_HEADING)]}\n\n{TITLES[(k + 2) % len(TITLES)]}\n\n" + " ".join(
                map(trimmed, sentences)
            )
        kept, heading = _kept_when_cut(sentences, added)  # "Shorter still?": earlier points dropped whole
        return f"{heading}:\n\n" + " ".join(map(trimmed, kept))
    if task_id == "proofread":
        # how many, and how bad: "Was it bad? How many?" answered with a bare count is what readers met
        n = len(fixes)
        listed = ", ".join(f"{w} for {r}" for w, r in fixes)
        if n == 0:
            return "None, it was clean."
        judged = _JUDGED[min(n, 3) - 1]
        count = str(_COUNTS.get(n, n))
        line = judged[k % len(judged)].format(count=count)  # "Only two, both small:", "Two, both easy slips:"
        return f"{line[0].upper()}{line[1:]} {listed}."
    if kind == "hashtags":  # sad news takes one quiet tag, not "#realLife #weeknotes" under a diagnosis
        sad = grave(sentences)
        bank = _QUIET_HASHTAGS if sad else _HASHTAGS
        tags = " ".join(bank[(k + i) % len(bank)] for i in range(1 if sad else 2))
        return post_text(sentences, occasion, k) + f" {tags}"
    # a shorter post, opened as before: every point cut to its main clause, the earlier ones thinned out
    kept, heading = _kept_when_cut(sentences, added)
    return (f"{heading}:\n\n" if heading != "Shorter" else "") + post_text(kept, occasion, k)


_WITH_HEADING = ("Now with a heading:", "Heading added:", "With a title on top:")
"""Over a cut text given a heading, in turn: a reader found "With it, under a heading:" an odd phrase, four times
in one history (five words or fewer: they may recur)."""
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
