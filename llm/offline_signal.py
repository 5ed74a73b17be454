"""The offline writer of signal, update and forget sessions (the ``signal_session`` call site).

What: a persona task (``llm.offline_tasks``: a message, a proofread, a post) whose text holds the cue
as one sentence among the ordinary news the stage chose (``request.news``); for a preference of
someone else (``relation`` set), the text is that person's, and the user helps them with it. An update
session carries one of the option's ``change_cues`` (news implying a recent switch). A forget session
asks, in the user's words, to forget what was actually said (``earlier_cue``), as the user's own or as
the other person's. Why: the cue lives inside the task's material and the session has the same form as
the persona's non-cue tasks. How: deterministic per (seed, key); ``llm.offline`` calls these.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from llm.life import fits_life
from llm.offline_tasks import write_task_session
from llm.people import speaks_of
from llm.reported import reported_speech, told_later
from llm.seeding import rng_for
from llm.timing import claimed_days, fits_month, names_a_time
from llm.voice import voice
from llm.world import slots_for
from schemas.generation import Contact, SessionDraft, SignalRequest, TurnDraft
from schemas.taxonomy import ScenarioOption, TaskTypeSpec
from taxonomy import Taxonomy

ADDED_LATER = 0.5
"""Share of sessions (cue or not) whose text the user gives in two turns (the last half added later)."""


BESIDE_FOCUS = {"post": (0, 1), "message": (0, 2), "reply": (1, 2), "proofread": (1, 3), "shorten": (2, 3)}
"""How many ordinary sentences each task type's text takes beside its focus (fewest, most). A post or a
quick message is mostly about one thing: blind readers called texts of two to four unrelated one-line
stories, in every kind of task alike, the history's most unnatural feature. A reply to "how are things?"
and a paragraph for a round-robin gather several pieces of news, and a text to cut down needs some to
drop. An unknown task type takes one to three."""


def text_shape(rng: random.Random, task_type: str | None = None) -> tuple[int, bool]:
    """How many ordinary sentences a text of ``task_type`` takes beside its focus (``BESIDE_FOCUS``), and
    whether the user gives its last half in a second turn (``ADDED_LATER``; such a text takes one sentence
    more, so its first turn is as long). Cue and non-cue texts of one task type are shaped by this one
    draw: their lengths must not differ."""
    added = rng.random() < ADDED_LATER
    fewest, most = BESIDE_FOCUS.get(task_type or "", (1, 3))
    return rng.randint(fewest, most) + added, added


def place_focus(
    focus: str, others: list[str], rng: random.Random, added_later: bool = False
) -> tuple[list[str], int, bool]:
    """Put a text's focus sentence (the cue, or a non-cue text's domain sentence) anywhere among the
    others; when the text is ``added_later`` (``text_shape``) the user holds the last half of it back and
    adds it in a second turn (whichever sentence that is). The same rule for cue and non-cue texts, so
    where the focus stands and whether a session has a follow-up say nothing.
    Returns (sentences, index of the focus, added later)."""
    added = bool(others) and added_later
    at = rng.randint(0, len(others))
    return [*others[:at], focus, *others[at:]], at, added


def _signature(sentence: str) -> tuple[str, ...]:
    """A sentence's words with their letters sorted and punctuation dropped: the same under the typos a
    proofread task shows ("claerance", "its" for "it's"), so the cue an earlier session used is recognised
    in its shown form."""
    return tuple("".join(sorted(c for c in w if c.isalnum())) for w in sentence.lower().split())


_LONG_STANDING = re.compile(
    r"\b(?:for (?:years|decades|ages|as long as)|(?:two|three|four|five|six|ten|twenty|many) years|years? (?:now|ago)|"
    r"since I was|all my life|my whole life|decades?|always|never once|ever since|(?:the|my|our) usual|as usual|"
    r"rituals?)\b",
    re.IGNORECASE,
)
"""A cue that claims a long-standing habit (no update may show its new choice with one)."""


_FIRST_START = re.compile(
    r"\b(?:recently|lately|I was hooked|picked up|took up|taken up|for the first time|my first|new to|started|"
    r"switched to|since I (?:bought|got))\b",
    re.IGNORECASE,
)
"""A cue that tells the first start of a habit: not for a return to it."""


def cue_for(
    seed: int, req: SignalRequest, option: ScenarioOption, cannot_follow: Mapping[str, frozenset[str]] | None = None
) -> str:
    """The cue sentence of this session: a change cue for an update, else one of the option's cues (a
    returning choice, A -> B -> A, gets another one): the first, in this persona's order of the bank,
    that repeats no earlier session's cue, says nothing the persona's life rules out (``llm.life``) and
    whose months and seasons fit the session's date ("in July I ..." is not told in April), each rule
    giving way only to the one before it. An update takes one of the option's change cues (two per option,
    one free of seasons and people, so one nearly always fits), one that names no season or month when it
    can (``llm.timing.names_a_time``: "binged in the winter" put a June return to an old habit before the
    March switch it undid); only when none fits does it show the new choice through a plain cue (the
    earlier sessions showed the old one), one that claims no years of the new habit ("for years", "the
    usual", "my Friday ritual") when the bank allows. ``cannot_follow`` (``taxonomy/change_pasts.yaml``): change
    cues whose told past rules out the earlier option ("I gave away my heavy musk" after lily of the valley)
    give way to any other cue, even a plain one; so does, on a return to an option shown before (A -> B -> A),
    a cue that tells a first start (``_FIRST_START``: "I picked up an old scope recently")."""
    persona = req.key.split(".")[0]
    e = rng_for(seed, "cue", persona, req.scenario_id).randrange(1000)
    cues = [option.cues[(e + req.scenario_repeat + i) % len(option.cues)] for i in range(len(option.cues))]
    if req.kind == "update" and option.change_cues:
        # the change cues first, in this persona's order: one whose season or people do not fit gives way to
        # the next, and only when none fits to a plain cue
        k = (e + req.scenario_repeat) % len(option.change_cues)
        cues = [*option.change_cues[k:], *option.change_cues[:k], *cues]
    unfit, said = frozenset(req.unfit_life), {_signature(c) for c in req.avoid_cues}
    month = req.session_date.month if req.session_date is not None else None

    changed = req.kind == "update"
    speaker = req.relation.lower() if req.relation else None
    reader = req.contact.relation if req.contact else speaker  # whom the text is for (or, relayed, by)
    since = (req.session_date - req.previous_date).days if req.session_date and req.previous_date else None

    past = cannot_follow or {}
    # a return to an option shown before (A -> B -> A): no cue that tells a first start ("I picked up an old
    # scope recently" two months after the user stained cells under one, met by a reader)
    returning = changed and any(_signature(c) in said for c in (*option.cues, *option.change_cues))

    def misfit(cue: str) -> tuple[bool, ...]:  # what a reader would notice, worst first
        plain = changed and cue not in option.change_cues
        return (
            _signature(cue) in said,  # said in an earlier session of the scenario
            # a change whose told past is not the earlier option ("gave away my heavy musk" after florals)
            changed and req.previous_option_id in past.get(cue, ()),
            # a detail the persona's life rules out; or, in someone else's own text, a cue naming that very
            # person by the user's word for them ("My sister passed ..." in the sister's own draft)
            # ("my parents' guest bed" in the sister's: her parents are the user's); nor, in a text for or by
            # someone, one speaking of them in the third person ("borrowed from my dad" in a reply to a sister)
            not fits_life(cue, unfit) or (speaker is not None and speaker in cue.lower()) or speaks_of(cue, reader),
            month is not None and not fits_month(cue, month),  # a month or season its date contradicts
            # "ten weeks since my last pint" three weeks after the session that toasted with wine
            changed and since is not None and (claimed_days(cue) or 0) > since,
            returning and _FIRST_START.search(cue) is not None,  # back to it: no "I picked up a scope recently"
            plain,  # an update shown with no sign of a change
            # an update shown by a plain cue that claims years of the new habit contradicts the old one
            plain and bool(_LONG_STANDING.search(cue)),
            # a change cue dated by a season or month may put the change before the step it follows
            changed and not plain and names_a_time(cue),
        )

    return min(cues, key=misfit)  # min keeps the bank's order among equals


def write_signal_session(
    req: SignalRequest, rng: random.Random, seed: int, tax: Taxonomy, task: TaskTypeSpec
) -> SessionDraft:
    """A signal or update session: the cue sits at a random place among ``req.news``."""
    option = tax.option(req.scenario_id, req.option_id)
    cue = cue_for(seed, req, option, tax.cannot_follow)
    sentences, at, added = place_focus(cue, list(req.news), rng, req.added_later)
    persona = req.key.split(".")[0]
    return write_task_session(
        task,
        style=req.style,
        contact=req.contact or Contact(name="Sam", relation="my friend"),
        owner="other" if req.relation else "self",
        sentences=sentences,
        cue_index=at,
        variant=req.variant,
        offset=rng_for(seed, "bank", persona, task.id).randrange(1000),
        followup=bool(req.extra_turns),
        rng=rng,
        add_last=added,
        followup_index=req.followup_variant,
        signer=req.user_name,
        month=req.session_date.month if req.session_date else None,
    )


_FORGET_SELF = [  # eight each: a persona with many forget requests does not repeat one
    "Remember when I mentioned that {quote}? Please forget that, I'd rather it wasn't kept.",
    "Earlier I told you that {quote}. Can you drop that from what you know about me?",
    "A while back I said that {quote}. Please don't hold on to that one.",
    "Please forget that I wrote {quote}. It's not something I want remembered.",
    "I mentioned at some point that {quote}. Could you wipe that?",
    "You might remember me saying that {quote}. I'd like that one dropped.",
    "Scratch what I said about how {quote}, please.",
    "Can you let go of the bit where I said that {quote}? Thanks.",
]
_FORGET_OTHER = [
    "When I helped {contact} with {their} text, it said that {quote}. That's {their} business, so please forget it.",
    "Please forget what {first}'s note said, that {quote}. I shouldn't have passed it on.",
    "{Contact}'s piece mentioned that {quote}. Don't keep that about {them}, please.",
    "About {first}'s text from before, where {they} wrote {quote}. Please forget that part.",
    "The draft I did with {first} said that {quote}. {They} wouldn't want that kept.",
    "Could you drop the line from {first}'s text about how {quote}? It was {their} news, not mine to share.",
    "In {first}'s paragraph it said that {quote}. Forget that one, please.",
    "That text of {first}'s, where it said that {quote}. Please don't hold on to it.",
]
FORGET_VARIANTS = 200
"""Phrasing variants a forget request's task counts from, clear of the persona's cue and own tasks."""
_ANYWAY = [
    "Anyway, something else.",
    "Now, a favour.",
    "Also, new job for you.",
    "On another note.",
    "Right, next thing.",
]
_FORGET_REPLIES = [  # what the assistant will do, not a claim that anything was deleted
    "Understood, I won't draw on that from now on.",
    "Done, I'll leave that out of what I suggest.",
    "Of course. I won't use it.",
    "Got it, I won't use it.",
    "Sure, I'll leave that out from here on.",
    "No problem, I won't go by that.",
    "Okay, I'll set that aside.",
    "Right, I won't bring it up.",
]


def _quote(sentence: str) -> str:
    """The earlier sentence as a clause, retold days later ("this week" -> "that week"): first letter
    lowered (unless it is 'I'), end punctuation dropped."""
    s = told_later(sentence.strip().rstrip(".!?"))
    return s if s.startswith(("I ", "I'")) else s[0].lower() + s[1:]


def write_forget_session(
    req: SignalRequest, rng: random.Random, seed: int | None = None, task: TaskTypeSpec | None = None
) -> SessionDraft:
    """A request to forget what was actually said earlier, in the user's words, and the assistant's
    consent. With ``task`` and ``req.news`` the request opens an ordinary task of the user's (people
    bundle such things), so the turn that asks is shaped like every other first turn."""
    quote = _quote(req.earlier_cue or "what I mentioned before")
    k = req.variant  # the persona's earlier forget requests: no ask or answer repeats until a bank runs out
    if req.relation and req.contact:  # the task, if any, is then for that same person
        # their text said "my desk": the user retells it as "his desk", never as the user's own
        quote = _quote(reported_speech(req.earlier_cue or "what I wrote before", req.contact.pronoun))
        ask = _FORGET_OTHER[k % len(_FORGET_OTHER)].format(quote=quote, **slots_for(req.contact))
    else:
        ask = _FORGET_SELF[k % len(_FORGET_SELF)].format(quote=quote)
    consent = _FORGET_REPLIES[k % len(_FORGET_REPLIES)]
    if task is not None and req.news:
        persona = req.key.split(".")[0]
        # two sentences: the one besides the quoted focus may come later, as in any text (no sentence more)
        sentences, _, added = place_focus(req.news[0], list(req.news[1:]), rng, rng.random() < ADDED_LATER)
        draft = write_task_session(
            task,
            style=req.style,
            contact=req.contact or Contact(name="Sam", relation="my friend"),
            owner="self",
            sentences=sentences,
            cue_index=None,
            variant=FORGET_VARIANTS + k,
            offset=rng_for(seed or 0, "bank", persona, task.id).randrange(1000),
            followup=False,  # a change request's reasons stay with the persona's other tasks (no repeat)
            rng=rng,
            add_last=added,
            preamble=(f"{ask} {_ANYWAY[k % len(_ANYWAY)]} ", f"{consent}\n\n"),
            signer=req.user_name,
            month=req.session_date.month if req.session_date else None,
        )
        return draft.model_copy(update={"signal_turn_index": 0, "evidence": None})
    return SessionDraft(
        turns=[
            TurnDraft(role="user", content=voice(req.style, ask, rng)),
            TurnDraft(role="assistant", content=consent),
        ],
        signal_turn_index=0,
    )
