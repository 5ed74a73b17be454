"""The offline writer of persona tasks: a message, a proofread or a post built from a short text.

What: ``write_task_session`` turns a text (ordinary news sentences, and in a cue session one cue
sentence among them) into a session where the user asks for a task on that text and the assistant does
it: drafts the message from the notes, returns the paragraph with its real errors corrected (and lists
them), or writes the post; a follow-up (shorter, a subject line, a call offer, a title, hashtags, how
many fixes) is carried out on the same text. Why: the cue lives inside the task's own material, and cue
and non-cue sessions come from the same banks in the same voice, so only understanding finds the cue.
How: deterministic per request (the caller's rng); banks walk from per-persona offsets by ``variant`` so
one persona does not reuse a phrasing until a bank runs out.
"""

from __future__ import annotations

import random
import re
from functools import cache

from llm.rewrite import casual, shorter, tighten
from llm.voice import CUE, voice
from llm.world import address, slots_for
from schemas.core import SpeakingStyle
from schemas.generation import Contact, SessionDraft, TurnDraft
from schemas.taxonomy import TaskTypeSpec
from taxonomy import load_taxonomy

# first line of a drafted message (five words or fewer: they may recur); none claims a long silence, as
# the same person may hear from the user again days later
_GENERAL_OPENERS = ["Hope you're well!", "Quick update from me.", "Some news from here!", "How are things?"]
_REPLY_OPENERS = [
    "Good to hear from you!",
    "Thanks for your message.",
    "Lovely to hear from you.",
    "Sorry for the slow reply!",
]
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
_WORK = frozenset(["my manager", "my coworker"])


def signoffs_for(relation: str, owner: str) -> list[str]:
    """Sign-offs that suit a message to ``relation`` (someone else's message: neutral ones)."""
    if owner == "other":
        return _SIGNOFFS_OTHER
    return _SIGNOFFS_CLOSE if relation in _CLOSE else _SIGNOFFS_WORK if relation in _WORK else _SIGNOFFS_OTHER


# five words or fewer: they may recur within a history
_CALL_LINES = {0: "I'll call on Sunday.", 1: "I'll ring at the weekend.", 2: "Let's talk by phone soon."}
_SUBJECTS = ["News from me", "Catching up", "A quick hello", "Some news", "An update"]
# the user's own message names its reader in the subject, so it stands out in a full inbox
_SUBJECTS_TO = ["{first}, news from me!", "Catching up, {first}", "A hello for {first}", "For {first}: my news"]
_TITLES = ["A busy few days", "Notes from this week", "This week, briefly", "Small news", "Odds and ends"]
_HASHTAGS = ["#weeknotes", "#littlewins", "#realLife", "#thisweek", "#catchingup", "#dailyLife"]
# A post opens as people open one where it goes up (five words or fewer: they may recur).
_POST_OPENERS = {
    # no "Morning, everyone!": the history dates a session after it is written, evening as often as morning
    "neighbours": ["Hi neighbours!", "Hello all,", "Hello, everyone!", "Hi all, a quick one.", "Hi everyone,"],
    "family": ["Hi all!", "Hello lovely lot,", "Family news!", "Hi everyone,"],
    "own": ["Life lately.", "This week, in brief.", "A few bits of news.", "Small news from me."],
}
_AUDIENCE = {"the family chat": "family", "my page": "own", "my feed": "own", "my status": "own"}
# What a request asks of a post or a cut, in its own words: the reply follows the words used.
_BRIEF = re.compile(r"\b(?:short|tighten|quick|little|light)\b", re.I)
_CUT_ONE = re.compile(r"\bcut one sentence\b", re.I)
_ONE_LINE = re.compile(r"\bone line\b", re.I)
_SWAPS = {"their": "there", "it's": "its", "you're": "your", "then": "than", "lose": "loose", "too": "to"}


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _introduce_error(sentence: str, rng: random.Random) -> tuple[str, tuple[str, str] | None]:
    """One real, recoverable error in ``sentence``: (wrong sentence, (wrong word, right word)) or no error."""
    words = sentence.split(" ")
    swaps = [i for i, w in enumerate(words) if w.lower() in _SWAPS]
    long_words = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 6]
    if swaps and rng.random() < 0.3:
        i = rng.choice(swaps)
        wrong = _SWAPS[words[i].lower()]
    elif long_words:
        i = rng.choice(long_words)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        wrong = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        if wrong == w:
            return sentence, None
    else:
        return sentence, None
    right = words[i]
    words[i] = wrong
    return " ".join(words), (wrong, right)


def _message_draft(sentences: list[str], contact: Contact, owner: str, k: int, reply: bool = False) -> str:
    openers = _REPLY_OPENERS if reply else _GENERAL_OPENERS
    opener = openers[k % len(openers)]
    # someone else's message goes to a reader the user never named ("an old friend"): a placeholder, as the
    # user's own drafts sign off "[Your name]", rather than a bare "Hi," that reads as a name dropped
    hello = "Hi [Name]," if owner == "other" else f"Hi {address(contact)},"
    sign = contact.name if owner == "other" else "[Your name]"
    body = " ".join(sentences)
    signoffs = signoffs_for(contact.relation, owner)
    return f"{hello}\n\n{opener} {body}\n\n{signoffs[k % len(signoffs)]}\n{sign}"


def ask_and_occasion(asks: list[str], occasions: list[str], k: int) -> tuple[str, str]:
    """The ask and the occasion of a persona's k-th session of a task type. The occasion turns with every
    session (ten round-up emails in a row is what a reader would notice) and the ask walks with it, so no
    (ask, occasion) pair repeats within len(asks) * len(occasions) consecutive sessions."""
    turn, occasion = divmod(k, len(occasions))
    return asks[(turn + occasion) % len(asks)], occasions[occasion]


def write_task_session(
    task: TaskTypeSpec,
    *,
    style: SpeakingStyle | None,
    contact: Contact,
    owner: str,
    sentences: list[str],
    cue_index: int | None,
    variant: int,
    offset: int,
    followup: bool,
    rng: random.Random,
    add_last: bool = False,
    preamble: tuple[str, str] = ("", ""),
    followup_index: int | None = None,
) -> SessionDraft:
    """A session of ``task`` on ``sentences`` (``cue_index``: which one is the cue, if any).
    ``preamble``: (what the user says before the ask, what the assistant says before its answer), e.g. a
    request to forget something said earlier and its consent. ``followup_index``: how many change
    requests this persona's earlier sessions of this kind made (cue sessions pass it): the change and its
    reason are then dealt in turn, so a persona's cue sessions never repeat one.

    With ``add_last`` the text comes in two parts: the user holds back its last half and adds it in a
    second turn ("Also add this. ..."), and the assistant works it in; with ``followup`` that second turn
    also asks for a change (shorter, a subject line, a title, ...) and gives a reason from the user's
    world, and the reply carries out both. So every user turn carries part of the text, a cue may stand
    in either turn, and no user turn is a content-free aside that only non-cue sessions have."""
    k = offset + variant
    held: list[str] = []
    # The first turn keeps two sentences at least for a text to shorten (one of them goes); an odd text
    # holds back its larger or its smaller half alike, so the focus is in either turn as often.
    least = 2 if task.id == "shorten" else 1
    if add_last and len(sentences) > least:
        cut = max(least, len(sentences) - (len(sentences) + rng.randint(0, 1)) // 2)
        held = [_sentence(s) for s in sentences[cut:]]
        sentences = sentences[:cut]
    held_cue = cue_index - len(sentences) if cue_index is not None and cue_index >= len(sentences) else None
    cue_index = None if held_cue is not None else cue_index
    asks = task.asks if owner == "self" else task.asks_for_other
    ask, occasion = ask_and_occasion(asks, task.occasions, k)
    if owner == "other" and occasion.startswith("my "):  # "his blog", not the user's
        occasion = slots_for(contact)["their"] + occasion[2:]
    sentences = [_sentence(s) for s in sentences]
    shown, fixes = _shown(task.id, sentences, rng)
    if task.id in ("message", "reply") and rng.random() < 0.5:
        block = "\n".join(f"- {s}" for s in shown)  # notes as bullets
    else:
        block = " ".join(shown)
    slots = slots_for(contact) | {"occasion": occasion}
    user = voice(style, preamble[0] + ask.format(text=CUE, **slots), rng, block)
    evidence = shown[cue_index] if cue_index is not None else None
    intro = task.intros[k % len(task.intros)]
    brief = task.id == "shorten" or (task.id == "post" and _BRIEF.search(ask) is not None)
    if task.id in ("message", "reply"):
        product = _message_draft(sentences, contact, owner, k, reply=task.id == "reply")
    elif task.id == "shorten":  # what follow-ups work on from now
        if _CUT_ONE.search(ask) and len(sentences) > 1:
            drop = rng.randrange(len(sentences))
            sentences = [s for i, s in enumerate(sentences) if i != drop]
        else:
            sentences = shorter(sentences, rng)
        product = " ".join(sentences)
    elif task.id == "proofread":
        product = " ".join(sentences) + f"\n\n{_fixes_line(fixes, k)}"
    else:  # a brief post keeps every point, each cut to its main clause
        if brief:
            sentences = shorter(sentences, rng, keep_all=True)
        product = _post(sentences, occasion, k)
    answer = f"{preamble[1]}{intro}\n\n{product}"
    turns = [TurnDraft(role="user", content=user), TurnDraft(role="assistant", content=answer)]
    if not held:
        return SessionDraft(turns=turns, signal_turn_index=0 if cue_index is not None else None, evidence=evidence)
    shown_held, held_fixes = _shown(task.id, held, rng, at_least_one=False) if task.id == "proofread" else (held, [])
    ask = task.adds[(k + variant) % len(task.adds)].format(sentence=CUE)
    kind = p = None
    if followup:
        kinds = sorted(task.followups)
        f = k if followup_index is None else offset + followup_index
        kind = kinds[f % len(kinds)]
        phrasings = task.followups[kind]
        p = (f // len(kinds)) % len(phrasings)
        reasons = task.reasons.get(kind, [])
        if owner == "other":  # the text is theirs: the user's reasons ("Otherwise Dad will think it's a bill",
            reasons = []  # "Joan wrote me three lines") name its reader, who is not the one it is for
        elif contact.relation not in _OLDER:  # "Kavya's eyes are not up to long texts" of a manager
            reasons = [r for r in reasons if not _OLD_AGE.search(r)]
        j = (k if followup_index is None else followup_index) // len(kinds)  # the j-th change of this kind
        reason = " " + reasons[j % len(reasons)].format(**slots) if reasons and rng.random() < 0.5 else ""
        ask = f"{phrasings[p]}{reason} {ask}"
    turns.append(TurnDraft(role="user", content=voice(style, ask, rng, " ".join(shown_held), opening=False)))
    if brief:  # what the user adds to a text being cut down is cut down alike
        held = [tighten(h) for h in held]
    whole = [*sentences, *held]
    reply = _add(task.id, sentences, held, held_fixes, contact, occasion, owner, k)
    if kind == "title" and task.id == "proofread":  # the heading on top of the whole text, corrected
        whole_text = reply.replace(" ".join(held), " ".join(whole), 1)
        reply = f"With a heading on top:\n\n{_TITLES[k % len(_TITLES)]}\n\n{whole_text}"
    elif kind is not None:
        one_line = bool(p is not None and _ONE_LINE.search(task.followups[kind][p]))
        follow = _follow(
            task.id, kind, p, whole, [*fixes, *held_fixes], contact, occasion, owner, k, len(held), one_line
        )
        both = task.id == "proofread"  # else the follow-up is the text
        reply = f"{reply}\n\n{follow}" if both else follow
    turns.append(TurnDraft(role="assistant", content=reply))
    if held_cue is not None:
        return SessionDraft(turns=turns, signal_turn_index=2, evidence=shown_held[held_cue])
    return SessionDraft(turns=turns, signal_turn_index=0 if cue_index is not None else None, evidence=evidence)


def _shown(
    task_id: str, sentences: list[str], rng: random.Random, at_least_one: bool = True
) -> tuple[list[str], list[tuple[str, str]]]:
    """The sentences as the user types them: for a proofread, with real errors (at least one per first
    turn) and the list of (wrong, right) fixes; otherwise unchanged."""
    shown, fixes = list(sentences), []
    if task_id != "proofread":
        return shown, fixes
    for i, s in enumerate(sentences):
        if rng.random() < 0.7 or (at_least_one and i == len(sentences) - 1 and not fixes):
            shown[i], fix = _introduce_error(s, rng)
            if fix:
                fixes.append(fix)
    for i, s in enumerate(sentences):  # the last sentence had no word to get wrong: an earlier one has
        if at_least_one and not fixes and shown[i] == s:
            shown[i], fix = _introduce_error(s, rng)
            fixes += [fix] if fix else []
    return shown, fixes


def _add(task_id, sentences, held, fixes, contact, occasion, owner, k) -> str:
    """Work the sentences the user adds in a second turn into the product."""
    if task_id in ("message", "reply"):
        return "Added:\n\n" + _message_draft([*sentences, *held], contact, owner, k, task_id == "reply")
    if task_id == "proofread":
        return " ".join(held) + (f"\n\n{_fixes_line(fixes, k + 1)}" if fixes else "\n\nThat part was already fine.")
    if task_id == "shorten":
        return "With it:\n\n" + " ".join([*sentences, *held])
    return _post([*sentences, *held], occasion, k)


_OLDER = ("my grandmother", "my mum", "my dad")
_OLD_AGE = re.compile(r"\beyes are not up to\b", re.I)
"""Reasons that speak of old age: said of a parent or a grandmother, never of a manager or a brother."""
_FIXES_HEADS = ("Fixed", "Changed", "Corrected", "Typos")
"""How the list of corrections is headed, in turn: every proofread of a history ending "Fixed: ..." read as
a machine's. Each lists "wrong -> right" (``flows.stages.conversations.cue_as_meant`` reads it back)."""


def _fixes_line(fixes: list[tuple[str, str]], k: int) -> str:
    listed = "; ".join(f"{w} -> {r}" for w, r in fixes) or "nothing needed changing"
    return f"{_FIXES_HEADS[k % len(_FIXES_HEADS)]}: {listed}."


def _post(sentences: list[str], occasion: str, k: int) -> str:
    """A post for ``occasion``: opened on its own line as posts there open, in a casual register. Someone
    else's "her feed" is their own page, as "my feed" is the user's: no "Hi neighbours!" there."""
    openers = _POST_OPENERS[_AUDIENCE.get(re.sub(r"^(?:his|her|their) ", "my ", occasion), "neighbours")]
    return f"{openers[k % len(openers)]}\n" + " ".join(casual(s) for s in sentences)


def _follow(task_id, kind, p, sentences, fixes, contact, occasion, owner, k, added: int = 1, one_line=False) -> str:
    """Carry out a follow-up on the same text, whose last ``added`` sentences came with the follow-up;
    ``one_line``: the follow-up asked for a single line."""
    if task_id in ("message", "reply"):
        reply = task_id == "reply"
        if kind == "shorter":  # cut to main clauses, keeping what was just added: the user asked for it
            short, note = _kept_when_cut(sentences, added)
            return f"Shorter{note}:\n\n" + _message_draft(short, contact, owner, k, reply)  # same greeting, sign-off
        if kind == "add_call":
            return "Added:\n\n" + _message_draft([*sentences, _CALL_LINES[p % 3]], contact, owner, k, reply)
        subjects = _SUBJECTS if owner == "other" else [x.format(first=address(contact)) for x in _SUBJECTS_TO]
        return f"Subject: {subjects[k % len(subjects)]}\n\n" + _message_draft(sentences, contact, owner, k)
    if task_id == "shorten":
        if kind == "title":  # above the text, where a heading goes (five words or fewer: it may recur)
            return f"With it, under a heading:\n\n{_TITLES[(k + 2) % len(_TITLES)]}\n\n" + " ".join(sentences)
        return _in_one_sentence(sentences, added)
    if task_id == "proofread":
        n = len(fixes)
        listed = ", ".join(f"{w} for {r}" for w, r in fixes)
        return f"{n} mistake{'s' if n != 1 else ''}: {listed}." if n else "None, it was clean."
    if kind == "hashtags":
        tags = " ".join(_HASHTAGS[(k + i) % len(_HASHTAGS)] for i in range(2))
        return _post(sentences, occasion, k) + f" {tags}"
    if one_line:  # "One line, maybe?": one line under the post's opener
        openers = _POST_OPENERS[_AUDIENCE.get(re.sub(r"^(?:his|her|their) ", "my ", occasion), "neighbours")]
        return _in_one_sentence(sentences, added, openers[k % len(openers)])
    # a shorter post, opened as before: every point cut to its main clause, the earlier ones thinned out
    kept, note = _kept_when_cut(sentences, added)
    return (f"Shorter{note}:\n\n" if note else "") + _post(kept, occasion, k)


_SHORTER_BY = 0.8
"""A shorter version has at most this share of the words of the text it replaces (with what was added)."""


def _kept_when_cut(sentences: list[str], added: int) -> tuple[list[str], str]:
    """What a shorter version keeps, and a word on what it left out: every point cut to its main clause,
    and when that is not short enough, earlier points dropped from the last one back (never one just
    added: "Trim it a bit? Also add this: ..." asks for both, and a reader met the new points dropped; nor
    the first one: a reader met all the original points gone)."""
    cut = [tighten(s) for s in sentences]
    limit = _SHORTER_BY * sum(len(s.split()) for s in sentences)
    dropped: list[int] = []
    for i in range(len(sentences) - added - 1, 0, -1):  # earlier points, the last one first; never the first
        if sum(len(s.split()) for j, s in enumerate(cut) if j not in dropped) <= limit:
            break
        dropped.append(i)
    kept = [s for j, s in enumerate(cut) if j not in dropped]
    if not dropped:
        return kept, ""
    return kept, f" (without {_left_out([sentences[i] for i in sorted(dropped)])})"


def _left_out(sentences: list[str]) -> str:
    """What a shorter text left out, named by the first one's opening words ('"The boiler broke again on..."
    and one more'): a stock "the other two points" recurred word for word across a 128k history, and so
    would any words of six or more after the quote (a sentence ends at its '..."')."""
    first = " ".join(sentences[0].split()[:5]).rstrip(",;:")
    more = len(sentences) - 1
    return f'"{first}..."' + (f" and {_COUNTS.get(more, more)} more" if more else "")


_ONE_SENTENCE_KEEPS = 2
"""Points one sentence holds: more ran into a chain of semicolons. It holds what the user just asked to
have in it, never an earlier point beside them (readers took "A, and B" of an old and a new point as a
run-on); an editor says what went."""
_COUNTS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _in_one_sentence(sentences: list[str], added: int, opener: str = "") -> str:
    """ "One sentence only?" (or a post's "One line, maybe?", under its ``opener``): the point just added,
    cut to its main clause, and a word on what had to go, as a careful editor says it."""
    kept = sentences[len(sentences) - added :][:_ONE_SENTENCE_KEEPS]
    left = [s for s in sentences if s not in kept]
    body = _one_sentence([tighten(s) for s in kept])
    text = f"In one line:\n\n{opener}\n{casual(body)}" if opener else f"In one sentence:\n\n{body}"
    return f"{text}\n\nTo keep it to one, I left out {_left_out(left)}." if left else text


_KEEP_CAPITAL = re.compile(
    r"(I|I'\w+|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|"
    r"July|August|September|October|November|December|Christmas|Easter|English|British|[A-Z]{2,}\w*)\b"
)


@cache
def _names() -> frozenset[str]:
    world = load_taxonomy().world
    return frozenset([*world.names_she, *world.names_he])


def _one_sentence(sentences: list[str]) -> str:
    """The sentences run together as one: two joined with ", and", more with semicolons. A following
    sentence's first word is lowered unless it is "I", a day, a month, an acronym or a name."""
    parts = [sentences[0].rstrip(".!?")]
    for s in sentences[1:]:
        first = s.split(" ", 1)[0].removesuffix("'s").strip(",;:")
        keep = _KEEP_CAPITAL.fullmatch(first) or first in _names()
        parts.append((s if keep else s[0].lower() + s[1:]).rstrip(".!?"))
    if len(parts) == 2:
        return f"{parts[0]}, and {parts[1]}."
    return "; ".join(parts) + "."
