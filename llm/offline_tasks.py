"""The offline writer of persona tasks: a message, a proofread or a post built from a short text.

What: ``write_task_session`` turns a text (ordinary news sentences, and in a cue session one cue
sentence among them) into a session where the user asks for a task on that text and the assistant does
it: drafts the message from the notes, returns the paragraph with its real errors corrected (and lists
them), or writes the post; a follow-up (shorter, a subject line, a call offer, a title, hashtags, how
many fixes) is carried out on the same text. Why: the cue lives inside the task's own material, and cue
and non-cue sessions come from the same banks in the same voice, so only understanding finds the cue.
How: deterministic per request (the caller's rng); banks walk from per-persona offsets by ``variant`` so
one persona does not reuse a phrasing until a bank runs out. What the assistant hands back (the draft, the
post, each follow-up change) is written by ``llm.offline_products``; what the user says around the text
(the other person's news, typos, a part sent later) by ``llm.offline_asks``.
"""

from __future__ import annotations

import random
import re

from llm.life import fits_life
from llm.notes import as_note_dated_alike, shorthand_degree
from llm.offline_asks import CUTS, NEARBY, added_part_ask, first_part_said, shown_with_typos, their_news
from llm.offline_letters import (
    RELATIVES,
    SEEN_OFTEN,
    TEXTED,
    Answering,
    grave,
    grave_sentence,
    message_draft,
    what_was_sent,
)
from llm.offline_products import TITLES, add_to_product, carry_out_followup, fixes_line, post_text, with_added
from llm.people import TOLD_THE_NEIGHBOUR
from llm.rewrite import shorter, trimmed
from llm.voice import CUE, voice
from llm.world import FAMILY_AUDIENCE, THEIR_ROLES, address, as_the_family_knows, named_once, slots_for
from schemas.core import SpeakingStyle
from schemas.generation import Contact, SessionDraft, TurnDraft
from schemas.taxonomy import TaskTypeSpec


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def ask_and_occasion(asks: list[str], occasions: list[str], k: int) -> tuple[str, str]:
    """The ask and the occasion of a persona's k-th session of a task type. The occasion turns with every
    session (ten round-up emails in a row is what a reader would notice) and the ask walks with it, so no
    (ask, occasion) pair repeats within len(asks) * len(occasions) consecutive sessions."""
    turn, occasion = divmod(k, len(occasions))
    return asks[(turn + occasion) % len(asks)], occasions[occasion]


_LATE = re.compile(r"\bages ago\b|\bstill haven't\b|\bI owe\b|\blast week\b")
"""A reply request that says the reply is late: the draft then says sorry for it."""


def in_good_time(asks: list[str], replacements: list[str]) -> list[str]:
    """``asks`` with each one that says the reply is late (``_LATE``) replaced, in order, by the next of
    ``replacements``: the list keeps its length, so the (ask, occasion) cycle is as long as before (with the
    late ones only dropped, two 128k histories repeated an ask sentence)."""
    spare = iter(replacements)
    return [next(spare, ask) if _LATE.search(ask) else ask for ask in asks]


_THEIR_NEIGHBOUR = "{their} neighbour {neighbour}"


def off_their_street(ask: str, sentences: list[str]) -> str:
    """A text the user relays for someone that tells of their street ("the lurcher next door", "our road")
    goes to their old friend, not to the neighbour who lives on it too (readers met "Speed bumps have gone in
    along our road" in Jomo's note to his neighbour); any other ask is kept."""
    if _THEIR_NEIGHBOUR in ask and any(not fits_life(s, TOLD_THE_NEIGHBOUR) for s in sentences):
        return ask.replace(_THEIR_NEIGHBOUR, "{their} old friend {friend}")
    return ask


QUICK_NOTES = ("a quick update", "a quick hello", "a few lines")
"""The message occasions (``task_types.yaml``) that suit a text to someone seen every day, a partner or the
neighbour: no catch-up, round-up email or proper email to them."""

BARE_NAME_SHARE = 0.5
"""The share of asks that name the person as the user calls them ("Nadia", "Mum") rather than with the
relation ("my best friend Nadia"): a reader found "my grandmother Vera" written out in every ask, all year.
Drawn per session in cue and own tasks alike, so neither form marks a cue."""


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
    signer: str | None = None,
    month: int | None = None,
) -> SessionDraft:
    """A session of ``task`` on ``sentences`` (``cue_index``: which one is the cue, if any).
    ``preamble``: (what the user says before the ask, what the assistant says before its answer), e.g. a
    request to forget something said earlier and its consent. ``followup_index``: how many change
    requests this persona's earlier sessions of this kind made (cue sessions pass it): the change and its
    reason are then dealt in turn, so a persona's cue sessions never repeat one. ``signer``: what a letter of
    the user's own is signed with, the first name or "Mum" to a child (none: a placeholder). ``month``: the
    month of a dated session (what the other person's message told fits it).

    With ``add_last`` the text comes in two parts: the user holds back its last half and adds it in a
    second turn ("Also add this. ..."), and the assistant works it in; with ``followup`` that second turn
    also asks for a change (shorter, a subject line, a title, ...) and gives a reason from the user's
    world, and the reply carries out both. So every user turn carries part of the text, a cue may stand
    in either turn, and no user turn is a content-free aside that only non-cue sessions have."""
    k = offset + variant
    held: list[str] = []
    sentences = named_once(sentences)  # "my neighbour Pete" once, then "Pete"
    kinds = sorted(task.followups)
    f = k if followup_index is None else offset + followup_index
    kind = kinds[f % len(kinds)] if followup else None
    # a text cut down while a point is added drops two others whole to come back shorter, so it has four
    # points at least (five for a text to shorten, whose first answer dropped one): a reader met "Shorter" on
    # a draft of one point that came back with two. A shorter one asks for another change, with no reason
    # (each kind's reasons are dealt in turn, and this is out of turn). Nor does the user offer a call in
    # someone else's message ("Say I'll ring this weekend?" in a father's reply to a neighbour), nor asks for
    # hashtags on sad news (a reader met "maybe a hashtag or two?" on a post telling of a friend's father's death).
    too_short = len(sentences) < (5 if task.id == "shorten" else 4)
    sad = grave(sentences)

    # the user's own message to someone seen every day goes as a text (a reader met "a round-up email" and
    # "Some news from here!" to the neighbour next door): a quick one, no letter's layout, no subject line
    texted_note = task.id == "message" and owner == "self" and contact.relation in SEEN_OFTEN

    def usable(x: str) -> bool:
        return not (
            (x in CUTS and too_short)
            or (x == "add_call" and (owner == "other" or contact.relation == "my neighbour"))  # next door: no call
            or (x == "hashtags" and sad)
            or (x == "subject" and texted_note)
        )

    stand_in = kind is not None and not usable(kind)
    if stand_in:
        kind = next((x for x in kinds[f % len(kinds) :] + kinds if usable(x)), None)
    # The first turn keeps two sentences at least for a text to shorten (one of them goes); an odd text
    # holds back its larger or its smaller half alike, so the focus is in either turn as often. A request
    # to cut the text down adds one point at most: "Shorter version? Forgot a bit." with three more points
    # came back longer than the draft it was to shorten, which every reader flagged.
    least = 2 if task.id == "shorten" else 1
    if add_last and len(sentences) > least:
        cut = max(least, len(sentences) - (len(sentences) + rng.randint(0, 1)) // 2)
        if kind in CUTS:  # one point added to a text being cut, not three (readers:
            cut = len(sentences) - 1  # "trimmed to one sentence, then four", longer than what was to be cut)
        held = [_sentence(s) for s in sentences[cut:]]
        sentences = sentences[:cut]
    held_cue = cue_index - len(sentences) if cue_index is not None and cue_index >= len(sentences) else None
    cue_index = None if held_cue is not None else cue_index
    asks = task.asks if owner == "self" else task.asks_for_other
    # the neighbour next door (or a partner) texts; a reader met "Nate sent me a card asking how things are"
    # from the neighbour who swaps keys. Their (ask, occasion) pairs turn as everyone's do, over what is texted
    # (one occasion swapped in for another put the same ask and occasion in two sessions of one history)
    texts_only = task.id == "reply" and contact.relation in SEEN_OFTEN
    if texts_only and owner == "self":  # and answered in good time: no "last week"/"ages ago", so no "Sorry for
        asks = in_good_time(asks, task.asks_in_good_time)  # the slow reply!" to a partner (readers met it)
    occasions = TEXTED if texts_only else QUICK_NOTES if texted_note else task.occasions
    ask, occasion = ask_and_occasion(asks, occasions, k)
    ask = first_part_said(ask, task.id, len(held), k)
    if owner == "other":
        ask = off_their_street(ask, [*sentences, *held])
    if owner == "other" and occasion.startswith("my "):  # "his blog", not the user's
        occasion = slots_for(contact)["their"] + occasion[2:]
    elif owner == "other" and _OWN_CIRCLE.match(occasion):  # Gran's paragraph goes to her old schoolmates
        occasion = slots_for(contact)["their"] + occasion[3:]
    elif owner == "other" and contact.relation not in RELATIVES:  # a coworker writes for his own family
        occasion = re.sub(
            r"^the (family|cousins')", lambda m: f"{slots_for(contact)['their']} {_KIN_OF[m[1]]}", occasion
        )
    if owner == "self" and FAMILY_AUDIENCE.match(occasion):  # "Owen", not "my brother Owen", to the family
        sentences, held = as_the_family_knows(sentences), as_the_family_knows(held)
    sentences = [_sentence(s) for s in sentences]
    shown, fixes = shown_with_typos(task.id, sentences, rng)
    bulleted = task.id in ("message", "reply") and rng.random() < 0.5
    noted = task.id in _NOTED and _NOTES.search(ask) is not None  # "these notes" are notes, not prose
    degree = shorthand_degree(style.verbosity if style else None, contact.name if owner == "other" else "")
    if noted:
        shown = [in_shorthand(s, degree, style, owner) for s in shown]
    if noted or bulleted:
        block = "\n".join(f"- {s}" for s in shown)
    else:
        block = " ".join(shown)
    slots = slots_for(contact) | {"occasion": occasion}
    if rng.random() < BARE_NAME_SHARE:  # "to Nadia", "for Mum": the name the user calls them by
        slots |= {"contact": address(contact), "Contact": address(contact)}
    said, reaction = their_news(task, slots, owner, k, rng, contact.relation in NEARBY, month)
    asked = re.sub(r" +(\n|$)", r"\1", ask.format(text=CUE, said=said, **slots))
    late = _LATE.search(ask) is not None
    texted = (task.id == "reply" and occasion in TEXTED) or texted_note
    reader = next((slots[role] for role in THEIR_ROLES if f"{{{role}}}" in ask), "") if owner == "other" else ""
    answering = Answering(reaction, late, what_was_sent(occasion), signer or _UNSIGNED, texted, reader)
    user = voice(style, preamble[0] + asked, rng, block)
    evidence = shown[cue_index] if cue_index is not None else None
    intro = task.intros[k % len(task.intros)]
    if task.id in ("message", "reply"):
        product = message_draft(sentences, contact, owner, k, task.id == "reply", answering)
    elif task.id == "shorten":  # one point dropped whole ("Cut one sentence" too); follow-ups work on the rest
        sentences = shorter(sentences, rng, keep=grave_sentence)
        product = " ".join(map(trimmed, sentences))  # and its fillers cut: an editor tightens words too
    elif task.id == "proofread":
        product = " ".join(sentences) + f"\n\n{fixes_line(fixes, k)}"
    else:  # a post keeps every point whole: it is one or two of them (readers met "short and light"
        product = post_text(sentences, occasion, k)  # posts cut to main clauses that lost their point)
    answer = f"{preamble[1]}{intro}\n\n{product}"
    turns = [TurnDraft(role="user", content=user), TurnDraft(role="assistant", content=answer)]
    meant = sentences[cue_index] if noted and cue_index is not None and sentences[cue_index] != evidence else None
    if not held:
        return SessionDraft(
            turns=turns, signal_turn_index=0 if cue_index is not None else None, evidence=evidence, cue_sentence=meant
        )
    shown_held, held_fixes = (
        shown_with_typos(task.id, held, rng, at_least_one=False) if task.id == "proofread" else (held, [])
    )
    if noted:
        shown_held = [in_shorthand(s, degree, style, owner) for s in shown_held]
    ask = added_part_ask(task, kind, owner, len(held), slots_for(contact)["first"], k + variant)
    p = None
    if kind is not None:
        phrasings = task.followups[kind]
        p = (f // len(kinds)) % len(phrasings)
        reasons = task.reasons.get(kind, [])
        # the text is theirs: the user's reasons ("Otherwise Dad will think it's a bill", "Joan wrote me three
        # lines") name its reader, who is not the one it is for
        if owner == "other" or stand_in:
            reasons = []
        elif contact.relation not in _OLDER:  # "Kavya's eyes are not up to long texts" of a manager
            reasons = [r for r in reasons if not _OLD_AGE.search(r)]
        j = (k if followup_index is None else followup_index) // len(kinds)  # the j-th change of this kind
        # a cue session gives each reason once ("Jack asked when we could talk properly" in two cue messages
        # to Jack is a repeat a reader sees); an own task that would repeat one is skipped by the history
        dealt = followup_index is None or j < len(reasons)
        given = bool(reasons) and dealt and rng.random() < 0.5
        reason = " " + reasons[j % len(reasons)].format(**slots) if given else ""
        ask = f"{phrasings[p]}{reason} {ask}"
    if rng.random() < REACTION_SHARE and not ask.startswith(_REACTED):  # "Looks good. Also add this."
        ask = f"{REACTIONS[(k + variant) % len(REACTIONS)]} {ask}"
    held_block = "\n".join(f"- {s}" for s in shown_held) if noted else " ".join(shown_held)
    turns.append(TurnDraft(role="user", content=voice(style, ask, rng, held_block, opening=False)))
    # a text being cut takes the rest cut too, or one sentence in place of another; "Shorter still?" with one
    # more sentence drops what it must, from the last point back, to come out shorter than the last cut
    stays_cut = task.id == "shorten" and kind not in CUTS
    whole = with_added(sentences, held, k)[0] if stays_cut else [*sentences, *held]
    reply = add_to_product(task.id, sentences, held, held_fixes, contact, occasion, owner, k, answering)
    if kind == "title" and task.id == "proofread":  # the heading on top of the whole text, corrected
        whole_text = reply.replace(" ".join(held), " ".join(whole), 1)
        reply = f"With a heading on top:\n\n{TITLES[k % len(TITLES)]}\n\n{whole_text}"
    elif kind is not None:
        # "How many mistakes were there?" asks of the text already checked, not of the part it comes with
        # (readers met "Four ..." counting typos of the lines just pasted, whose fixes follow anyway)
        fixed = fixes if kind == "count" else [*fixes, *held_fixes]
        added = sum(s in held for s in whole)  # a text being cut keeps fewer of them
        follow = carry_out_followup(task.id, kind, p, whole, fixed, contact, occasion, owner, k, added, answering)
        both = task.id == "proofread"  # else the follow-up is the text
        # "How many mistakes were there?" is answered first, then the part just added, fixed (readers met
        # the count at the very end, after the text, though it was what the user asked)
        reply = (f"{follow}\n\n{reply}" if kind == "count" else f"{reply}\n\n{follow}") if both else follow
    turns.append(TurnDraft(role="assistant", content=reply))
    if held_cue is not None:
        meant = held[held_cue] if noted and held[held_cue] != shown_held[held_cue] else None
        return SessionDraft(turns=turns, signal_turn_index=2, evidence=shown_held[held_cue], cue_sentence=meant)
    return SessionDraft(
        turns=turns, signal_turn_index=0 if cue_index is not None else None, evidence=evidence, cue_sentence=meant
    )


_NOTED = ("message", "reply", "post")
_NOTES = re.compile(r"\bnotes\b|\bthe gist\b|\bin short\b")
"""Asks that hand over notes ("Write it from my notes?", "This is the gist."): the text then comes as a
line of notes a point, in the writer's shorthand (``llm.notes``), and the draft writes them out."""


def in_shorthand(sentence: str, degree: int, style: SpeakingStyle | None, owner: str) -> str:
    """A point of the notes as its writer jots it: the user in their own shorthand, lowercase too when they
    write so; someone else in theirs."""
    note = as_note_dated_alike(sentence, degree)
    return note.lower() if owner == "self" and style is not None and style.lowercase else note


_UNSIGNED = Answering().signer

REACTION_SHARE = 0.3
"""The share of second user turns that first say what the user thinks of the draft: readers found that in
221 user turns the user never once reacted to what the assistant wrote."""
REACTIONS = ("Looks good.", "Perfect, thanks.", "That's great.", "Lovely.", "Spot on.", "Great, thanks.")
_REACTED = ("Nice", "Thanks", "Great", "Perfect", "Lovely")  # follow-ups that already open on a reaction

_OWN_CIRCLE = re.compile(r"the (?:old schoolmates'|old gang's|old workmates'|alumni\b)")
"""Circles of someone's own past (schoolmates, workmates, a university): in a text the user relays for
someone else they are that person's ("her old schoolmates' round-robin"), not the user's (a reader met
"Shortening Gran's paragraph for the old schoolmates' round-robin" and everyone writing for the user's)."""
_KIN_OF = {"family": "family's", "cousins'": "cousins'"}
"""Someone else's text for "the family chat" is for the user's family only when they are family: a
coworker's or a neighbour's goes to theirs (readers met a coworker's paragraph for "the family update
email" and a neighbour's post for the user's family chat)."""

_OLDER = ("my grandmother", "my mum", "my dad")
_OLD_AGE = re.compile(r"\beyes are not up to\b", re.I)
"""Reasons that speak of old age: said of a parent or a grandmother, never of a manager or a brother."""
