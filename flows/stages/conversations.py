"""Stage 3, conversations: one task-driven session per preference (``signal``, or ``update`` when it
replaces an older one), plus a ``forget`` session after each preference the user retracts.

The preference is never stated: the backend writes a task (an email, a translation, ...) in which a
cue implies it. ``Signal`` rows record the session and turn that carry the cue. Sessions are tokenized
here, once, in one batch per shard (``sessions_from_drafts``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flows.stages.news import NewsSupply
from flows.stages.side_questions import SideQuestions
from flows.stages.storylines import story_plan
from llm.base import Generator
from llm.callsites import SIGNAL_SESSION
from llm.life import MESSAGE_TASKS, correspondents, fits_life, living_with, relations_for, unfit_tags
from llm.offline_signal import text_shape
from llm.people import SOMEONE_ELSES, retired_people, someone_elses, unfit_for_reader
from llm.seeding import rng_for
from llm.tokens import count_message_tokens
from llm.world import signed_as, world_for
from schemas.config import SynthConfig
from schemas.core import Persona, Preference, Session, SessionKind, Signal, Turn
from schemas.generation import SessionDraft, SignalRequest
from taxonomy import Taxonomy


def _cues_of(tax: Taxonomy, pref: Preference, kind: SessionKind) -> tuple[str, ...]:
    """The cues a session's option may be shown by: its text's other sentences tell of none of their
    particular things (``NewsSupply.take``)."""
    option = tax.option(pref.scenario_id, pref.option_id)
    return (*option.cues, *(option.change_cues if kind == "update" else ()))


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
            signals = [
                Signal(
                    preference_id=meta["preference_id"],
                    session_id=sid,
                    turn_index=draft.signal_turn_index,
                    evidence=draft.evidence,
                )
            ]
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


def task_order(seed: int, persona_id: str, tax: Taxonomy) -> list[str]:
    """The persona's task types in a seeded order; sessions are dealt round-robin from it."""
    order = [t.id for t in tax.task_types]
    rng_for(seed, "task_order", persona_id).shuffle(order)
    return order


def cue_as_meant(draft: SessionDraft) -> str | None:
    """The cue as the user meant it. A proofread session shows it with typos and its reply lists each fix
    ("Fixed: turend -> turned"); a later request to forget it quotes the sentence, not the typos (a
    typo typed again letter for letter reads as pasted, and "he turends up" retold as someone else's). Notes
    in shorthand ("keep a spreadsheet of ...") come back as the sentence they stand for."""
    if draft.cue_sentence:  # a line of notes, written out
        return draft.cue_sentence
    cue = draft.evidence
    for turn in draft.turns if cue else []:
        for line in turn.content.splitlines() if turn.role == "assistant" else []:
            if re.match(r"\w+: \S+ -> ", line):  # "Fixed: turend -> turned; ..." (``llm.offline_tasks``)
                for wrong, right in re.findall(r"(\S+) -> ([^;.\s]+)", line):
                    cue = re.sub(rf"\b{re.escape(wrong)}\b", right, cue)
    return cue


def _generate_updates_last(gen: Generator, requests: list[SignalRequest]) -> list:
    """Drafts for ``requests`` in their order: signal sessions first, then updates, each told the cues its
    persona's earlier sessions of the scenario used (A -> B -> A must not say the first A's cue again)."""
    first = [i for i, r in enumerate(requests) if r.kind != "update"]
    later = [i for i, r in enumerate(requests) if r.kind == "update"]
    drafts: list = [None] * len(requests)
    for i, d in zip(first, gen.generate(SIGNAL_SESSION, [requests[i] for i in first]) if first else [], strict=True):
        drafts[i] = d
    used: dict[tuple[str, str], list[str]] = {}
    for i in first:  # as meant: a proofread showed the cue with typos, which "said" must still recognise
        if drafts[i].evidence:
            meant = cue_as_meant(drafts[i]) or drafts[i].evidence
            used.setdefault((requests[i].key.split(".")[0], requests[i].scenario_id), []).append(meant)
    asks = [
        requests[i].model_copy(
            update={"avoid_cues": used.get((requests[i].key.split(".")[0], requests[i].scenario_id), [])}
        )
        for i in later
    ]
    for i, d in zip(later, gen.generate(SIGNAL_SESSION, asks) if asks else [], strict=True):
        drafts[i] = d
    return drafts


def generate_conversations(
    config: SynthConfig, personas: list[Persona], preferences: list[Preference], tax: Taxonomy, gen: Generator
) -> list[Session]:
    """Signal, update and forget sessions of a shard's personas, ordered by persona then time.

    Each signal or update session is a persona task (``taxonomy/task_types.yaml``) whose text holds the
    cue among ordinary news (``flows.stages.news``), for one person of the persona's world
    (``llm.world``): for a preference of someone else, that person, whose own text it is. Forget
    sessions are written after the signals, so they can refer to what was actually said.
    """
    end = datetime.combine(config.timeline_start + timedelta(days=config.timeline_days), datetime.min.time())
    requests, metas, forgets = [], [], []
    counter: dict[str, int] = {}

    def meta(persona_id: str, kind: SessionKind, task_type: str, when: datetime, pref: Preference) -> dict:
        k = counter.get(persona_id, 0)
        counter[persona_id] = k + 1
        sid = f"{persona_id}.s{k:03d}"
        return dict(
            session_id=sid,
            persona_id=persona_id,
            kind=kind,
            task_type=task_type,
            started_at=when,
            preference_id=pref.preference_id,
        )

    for persona in personas:
        mine = sorted(
            (p for p in preferences if p.persona_id == persona.persona_id), key=lambda p: (p.stated_at, p.preference_id)
        )
        by_id = {p.preference_id: p for p in mine}
        world = world_for(config.seed, persona.persona_id, tax, persona.name)
        people = [world[r] for r in relations_for(persona, list(world))]  # only people its life allows
        unfit = unfit_tags(persona, world)  # its life, and its people's pronouns
        retired = retired_people(persona)
        home = living_with(persona)  # nobody of them "came over"
        plan = story_plan(config, persona, mine, tax)  # running stories: steps to tell, subjects to leave
        supply = NewsSupply(
            config.seed,
            persona.persona_id,
            mine,
            tax,
            half=0,
            unfit=unfit,
            retired=retired,
            at_home=home,
            age=persona.age,
            avoid=plan.subjects,
        )
        order = task_order(config.seed, persona.persona_id, tax)
        sides = SideQuestions(config.seed, persona.persona_id, mine, tax, own_tasks=False)  # as often as own tasks
        stories = plan.cue  # the steps of running stories cue texts tell
        variants: dict[str, int] = {}
        followups: dict[str, int] = {}  # earlier change requests per task type: dealt in turn, never repeated
        repeats: dict[str, int] = {}
        for n, pref in enumerate(mine):
            rng = rng_for(config.seed, "conversation", pref.preference_id)
            kind: SessionKind = "update" if pref.previous_preference_id else "signal"
            task_type = order[n % len(order)]
            writes_to = correspondents(persona, people) if task_type in MESSAGE_TASKS else people
            # a cue that may tell of the user's street is never in a text for the neighbour who lives on it
            cues = _cues_of(tax, pref, kind)
            away = [c for c in writes_to if all(fits_life(cue, unfit_for_reader(c.relation)) for cue in cues)]
            # and the step of a running story the text tells goes to someone it can be told to (a step left untold
            # left the next one telling of "the mended seventies radio" that no session had mended)
            step = stories.get(pref.preference_id)
            told_to = [c for c in away if step is None or step.news_to(c.relation)]
            contact = world[pref.relation] if pref.relation else rng.choice(told_to or away or writes_to)
            variant = variants.get(task_type, 0)
            variants[task_type] = variant + 1
            repeat = repeats.get(pref.scenario_id, 0)
            repeats[pref.scenario_id] = repeat + 1
            extra = int(rng.random() < 0.33)
            size, added = text_shape(rng, task_type)  # as an own text's (flows.stages.filler)
            followup_variant = followups.get(task_type, 0)
            followups[task_type] = followup_variant + extra
            m = meta(persona.persona_id, kind, task_type, pref.stated_at, pref)
            if step is not None and not step.news_to(contact.relation):
                step = None  # only the one person it is about could take the text: the step stays untold
            news = supply.take(
                size - (step is not None),
                people,
                contact,
                own_text=pref.relation is None,
                window=frozenset([pref.stated_at.month]),
                area=tax.scenario_area.get(pref.scenario_id),  # the cue's subject, as an own text's focus
                # the backend picks or writes the cue after this
                told=cues + ((step.sentence,) if step else ()),
            )
            if step is not None:
                news = step.told_among(news, m["session_id"], config.seed)
            requests.append(
                SignalRequest(
                    key=m["session_id"],
                    kind=kind,
                    style=persona.style,
                    task_type=task_type,
                    scenario_id=pref.scenario_id,
                    option_id=pref.option_id,
                    relation=pref.relation,
                    hobbies=persona.hobbies,
                    user_name=signed_as(persona.name.split()[0], persona.gender, contact),
                    contact=contact,
                    news=news,
                    extra_turns=extra,
                    added_later=added,
                    followup_variant=followup_variant,
                    variant=variant,
                    scenario_repeat=repeat,
                    previous_option_id=by_id[pref.previous_preference_id].option_id
                    if pref.previous_preference_id
                    else None,
                    session_date=pref.stated_at.date(),
                    previous_date=by_id[pref.previous_preference_id].stated_at.date()
                    if pref.previous_preference_id
                    else None,
                    # a relayed cue is its author's: nothing their life rules out (a grandmother's job)
                    unfit_life=sorted(unfit | (someone_elses(pref.relation, contact.pronoun, retired) - SOMEONE_ELSES))
                    if pref.relation
                    else sorted(unfit | unfit_for_reader(contact.relation)),  # nor the neighbour's street (news)
                    side_questions=sides.draw(m["session_id"], 1 + added),
                )
            )
            metas.append(m)
            if pref.forget:  # the request opens an ordinary task of the user's own, for someone of its world
                gap = timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8))
                when = min(pref.stated_at + gap, end - timedelta(hours=1))
                mine_forgotten = sum(f[1].persona_id == persona.persona_id for f in forgets)
                first = len(mine) + mine_forgotten  # never the shard's count
                forget_task = order[first % len(order)]
                if pref.relation and contact not in correspondents(persona, people):  # no catch-up to one at home
                    forget_task = next(t for i in range(len(order)) if (t := order[(first + i) % len(order)])
                                       not in MESSAGE_TASKS)  # fmt: skip
                writes_to = correspondents(persona, people) if forget_task in MESSAGE_TASKS else people
                for_whom = contact if pref.relation else rng.choice(writes_to)
                focus = supply.focus(window=frozenset([when.month]), addressee=for_whom.relation)
                # two sentences, the fewest a text to shorten can have: the request to forget quotes one and
                # asks, so the turn is about as long as any first turn (with three it ran ~120 characters over)
                news = (
                    [
                        focus,
                        *supply.take(
                            1,
                            people,
                            for_whom,
                            True,
                            window=frozenset([when.month]),
                            area=supply.area_of(focus),
                            told=(focus,),
                        ),
                    ]
                    if focus
                    else []
                )
                m_forget = meta(persona.persona_id, "forget", forget_task, when, pref)
                turns = 1 + int(rng_for(config.seed, "forget_turns", m_forget["session_id"]).random() < 0.33)
                sides_of_forget = sides.draw(m_forget["session_id"], turns)
                forgets.append((len(requests) - 1, pref, for_whom, news, m_forget, turns, sides_of_forget))
    drafts = _generate_updates_last(gen, requests)
    forget_requests = [
        requests[i].model_copy(
            update=dict(
                key=m["session_id"],
                kind="forget",
                task_type=m["task_type"],
                news=news,
                extra_turns=turns - 1,
                earlier_cue=cue_as_meant(drafts[i]),
                session_date=m["started_at"].date(),
                contact=contact,
                variant=sum(f[1].persona_id == pref.persona_id for f in forgets[:n]),  # earlier forgets
                side_questions=side,
            )
        )
        for n, (i, pref, contact, news, m, turns, side) in enumerate(forgets)
    ]
    forget_drafts = gen.generate(SIGNAL_SESSION, forget_requests) if forget_requests else []
    sessions = sessions_from_drafts(drafts + forget_drafts, metas + [f[4] for f in forgets], config.tokenizer)
    return sorted(sessions, key=lambda s: (s.persona_id, s.session_id))
