"""Stage 3, conversations: one task-driven session per preference (``signal``, or ``update`` when it
replaces an older one), plus a ``forget`` session after each preference the user retracts.

The preference is never stated: the backend writes a task (an email, a translation, ...) in which a
cue implies it. ``Signal`` rows record the session and turn that carry the cue. Sessions are tokenized
here, once, in one batch per shard (``sessions_from_drafts``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from llm.base import Generator
from llm.callsites import SIGNAL_SESSION
from llm.seeding import rng_for
from llm.tokens import count_message_tokens
from schemas.config import SynthConfig
from schemas.core import Persona, Preference, Session, SessionKind, Signal, Turn
from schemas.generation import SessionDraft, SignalRequest
from taxonomy import Taxonomy


def sessions_from_drafts(drafts: list[SessionDraft], metas: list[dict], tokenizer: str) -> list[Session]:
    """Turn drafts into Sessions with exact token counts (one tokenizer batch for all turns).

    Each meta holds session_id, persona_id, kind, task_type, started_at and optionally preference_id.
    """
    counts = iter(count_message_tokens([t.content for d in drafts for t in d.turns], tokenizer))
    sessions = []
    for draft, meta in zip(drafts, metas, strict=True):
        sid = meta["session_id"]
        turns = [
            Turn(turn_index=i, role=t.role, content=t.content, n_tokens=next(counts)) for i, t in enumerate(draft.turns)
        ]
        signals = []
        if meta.get("preference_id") and draft.signal_turn_index is not None:
            signals = [Signal(preference_id=meta["preference_id"], session_id=sid, turn_index=draft.signal_turn_index)]
        sessions.append(
            Session(
                session_id=sid,
                persona_id=meta["persona_id"],
                kind=meta["kind"],
                task_type=meta["task_type"],
                started_at=meta.get("started_at"),
                turns=turns,
                signals=signals,
            )
        )
    return sessions


def generate_conversations(
    config: SynthConfig, personas: list[Persona], preferences: list[Preference], tax: Taxonomy, gen: Generator
) -> list[Session]:
    """Signal, update and forget sessions of a shard's personas, ordered by persona then time."""
    by_persona = {p.persona_id: p for p in personas}
    task_ids = [t.id for t in tax.task_types]
    end = datetime.combine(config.timeline_start + timedelta(days=config.timeline_days), datetime.min.time())
    requests, metas = [], []
    counter: dict[str, int] = {}
    variants: dict[tuple[str, str], int] = {}
    repeats: dict[tuple[str, str], int] = {}
    followups: dict[tuple[str, str], int] = {}

    def plan(pref: Preference, kind: SessionKind, when: datetime, task_type: str, extra_turns: int) -> None:
        persona = by_persona[pref.persona_id]
        k = counter.get(persona.persona_id, 0)
        counter[persona.persona_id] = k + 1
        sid = f"{persona.persona_id}.s{k:03d}"
        variant = variants.get((persona.persona_id, task_type), 0)
        variants[(persona.persona_id, task_type)] = variant + 1
        repeat = repeats.get((persona.persona_id, pref.scenario_id), 0)
        repeats[(persona.persona_id, pref.scenario_id)] = repeat + 1
        followup = followups.get((persona.persona_id, task_type), 0)
        followups[(persona.persona_id, task_type)] = followup + extra_turns
        requests.append(
            SignalRequest(
                key=sid,
                kind=kind,
                style=persona.style,
                task_type=task_type,
                scenario_id=pref.scenario_id,
                option_id=pref.option_id,
                relation=pref.relation,
                hobbies=persona.hobbies,
                extra_turns=extra_turns,
                variant=variant,
                scenario_repeat=repeat,
                followup_variant=followup,
            )
        )
        metas.append(
            dict(
                session_id=sid,
                persona_id=persona.persona_id,
                kind=kind,
                task_type=task_type,
                started_at=when,
                preference_id=pref.preference_id,
            )
        )

    # Task types are dealt round-robin from a per-persona shuffled order, so no persona uses one task
    # type much more than the others (and exhausts its wording banks).
    dealt: dict[str, int] = {}
    for pref in sorted(preferences, key=lambda p: (p.persona_id, p.stated_at, p.preference_id)):
        rng = rng_for(config.seed, "conversation", pref.preference_id)
        kind: SessionKind = "update" if pref.previous_preference_id else "signal"
        order = list(task_ids)
        rng_for(config.seed, "task_order", pref.persona_id).shuffle(order)
        n = dealt.get(pref.persona_id, 0)
        dealt[pref.persona_id] = n + 1
        plan(pref, kind, pref.stated_at, order[n % len(order)], int(rng.random() < 0.33))
        if pref.forget:
            gap = timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8))
            plan(pref, "forget", min(pref.stated_at + gap, end - timedelta(hours=1)), "forget_request", 0)
    drafts = gen.generate(SIGNAL_SESSION, requests)
    return sessions_from_drafts(drafts, metas, config.tokenizer)
