"""The offline writer of signal, update and forget sessions (the ``signal_session`` call site).

What: a task session (an email, a translation, ...) whose first user turn carries the cue implying the
preference, an assistant reply, and sometimes a follow-up exchange. Why this shape: the preference must
stay implicit (the cue is a concrete first-person detail, never a statement), and no two signal sessions
of the whole dataset may share a sentence of more than five words. How: templates from
``taxonomy/task_types.yaml`` are filled with the session's topic and its persona-unique details
(``llm.details``); every template sentence of more than five words carries such a detail, the cue gets a
lead naming the persona's confidant, and one persona walks each bank from its own offset, taking new
details whenever a bank could wrap, so it never renders a template sentence twice. Deterministic per
(seed, key).
"""

from __future__ import annotations

import random

from llm.details import details_for, load_details
from llm.seeding import rng_for
from llm.voice import CUE, voice
from schemas.generation import SessionDraft, SignalRequest, TurnDraft
from schemas.taxonomy import TaskTypeSpec
from taxonomy import Taxonomy


def _cue_sentence(req: SignalRequest, cue: str, confidant: str, rng: random.Random) -> str:
    """The cue, verbatim, behind a lead that names the persona's confidant (one sentence)."""
    banks = load_details()
    if req.relation:
        lead = rng.choice(banks.relation_leads)
        return lead.format(Relation=req.relation.capitalize(), relation=req.relation, confidant=confidant, cue=cue)
    leads = banks.update_leads if req.kind == "update" else banks.cue_leads
    return f"{rng.choice(leads).format(confidant=confidant)} {cue}"


def write_signal_session(
    req: SignalRequest, rng: random.Random, seed: int, tax: Taxonomy, task: TaskTypeSpec, slot: int
) -> SessionDraft:
    """A signal or update session of task type ``task``; ``slot`` (the task type's position) picks the contact."""
    scenario = tax.scenarios[req.scenario_id]
    option = next(o for o in scenario.options if o.id == req.option_id)
    persona = req.key.split(".")[0]
    e = rng_for(seed, "cue", persona, req.scenario_id).randrange(1000)
    cue = option.cues[(e + req.scenario_repeat) % len(option.cues)]  # a returning choice gets a new cue
    # A round is as many sessions as the smallest bank: within it no template repeats; the next round of
    # this task type gets other details (llm.details), so reused templates still render new sentences.
    n_follow = min(len(task.followups), len(task.followup_replies))
    details = details_for(seed, req.key, slot, req.variant // min(len(task.openers), len(task.replies), n_follow))
    cue = _cue_sentence(req, cue, details.confidant, rng)
    # One persona's sessions of a task type walk the banks from a per-persona offset, so they do not
    # repeat an opener, topic or reply until a bank runs out.
    a, b, c, d = (rng_for(seed, "bank", persona, req.task_type, part).randrange(1000) for part in "abcd")
    topic = task.topics[(a + req.variant) % len(task.topics)]
    slots = details.slots() | {"topic": topic, "relation": req.relation or details.name}
    opener = task.openers[(b + req.variant) % len(task.openers)].format(cue=CUE, **slots)
    reply = task.replies[(c + req.variant) % len(task.replies)]
    turns = [
        TurnDraft(role="user", content=voice(req.style, opener, rng, cue)),
        TurnDraft(role="assistant", content=reply.format(**slots)),
    ]
    if req.extra_turns:
        k = (d + req.followup_variant) % n_follow  # followups and their replies are paired
        turns += [
            TurnDraft(role="user", content=voice(req.style, task.followups[k].format(**slots), rng)),
            TurnDraft(role="assistant", content=task.followup_replies[k].format(**slots)),
        ]
    return SessionDraft(turns=turns, signal_turn_index=0)


def write_forget_session(req: SignalRequest, scenario_name: str, rng: random.Random) -> SessionDraft:
    """A short request to forget what the user shared about a scenario, and the assistant's consent."""
    topic = scenario_name.lower()
    ask = rng.choice(
        [
            f"Small thing: what I told you earlier that touches on {topic}, please forget it for good.",
            f"Can you drop what you learned about me around {topic}? I'd rather you not use it.",
            f"Please don't remember the detail I shared about {topic}; treat it as if I never said it.",
        ]
    )
    reply = rng.choice(
        [
            "Understood. I won't use that detail in future answers.",
            "Of course, I'll set that aside and won't rely on it from now on.",
            "Got it. Going forward I'll answer without taking that into account.",
        ]
    )
    return SessionDraft(
        turns=[
            TurnDraft(role="user", content=voice(req.style, ask, rng)),
            TurnDraft(role="assistant", content=reply),
        ],
        signal_turn_index=0,
    )
