"""Stage 4, filler: sessions that carry no preference.

- a shared pool of generic tasks (math word problems with their correct answers, explanations, small
  talk in a neutral voice), generated and tokenized once per run and referenced by every history;
- per persona, off-topic small talk in the persona's own voice, so filler is not trivially skippable
  by style alone.
Pool sessions have no persona and no timestamp (the history that places them gives them one).
"""

from __future__ import annotations

from flows.stages.conversations import sessions_from_drafts, task_order
from flows.stages.news import NewsSupply
from flows.stages.side_questions import SideQuestions
from flows.stages.storylines import STORY_SHARE, story_plan
from llm.base import Generator
from llm.callsites import FILLER_SESSION
from llm.life import (
    MESSAGE_TASKS,
    correspondents,
    fits_life,
    holders_for,
    living_with,
    relations_for,
    unfit_tags,
)
from llm.offline_signal import text_shape
from llm.people import retired_people, someone_elses, speaks_of
from llm.seeding import rng_for
from llm.timing import months_fitting, timeline_months
from llm.world import signed_as, world_for
from schemas.config import SynthConfig
from schemas.core import Persona, Preference, Session
from schemas.generation import FillerRequest
from taxonomy import Taxonomy

_POOL_KINDS = ("math", "explain", "code")  # canned small talk answered nothing, so it is gone


def generate_filler_pool(config: SynthConfig, gen: Generator) -> list[Session]:
    """The shared generic pool, ids ``pool.00000``..., with distinct user texts."""
    rng = rng_for(config.seed, "filler_pool")
    requests = [
        FillerRequest(key=f"pool.{i:05d}", filler_kind=rng.choice(_POOL_KINDS)) for i in range(config.filler_pool_size)
    ]
    drafts = gen.generate(FILLER_SESSION, requests)
    seen, kept_drafts, metas = set(), [], []
    for req, draft in zip(requests, drafts, strict=True):
        fingerprint = tuple(t.content for t in draft.turns if t.role == "user")
        if fingerprint in seen:  # an exact repeat would be a duplicated session in some history
            continue
        seen.add(fingerprint)
        kept_drafts.append(draft)
        metas.append(dict(session_id=req.key, persona_id=None, kind="filler", task_type=f"filler_{req.filler_kind}"))
    return sessions_from_drafts(kept_drafts, metas, config.tokenizer)


CUE_VARIANTS = 30
"""Phrasing variants reserved per task type for a persona's cue sessions; its own tasks count on from here,
so a cue session and a non-cue session of one persona never share an ask (``llm.offline_tasks``)."""


def generate_persona_filler(
    config: SynthConfig, personas: list[Persona], preferences: list[Preference], tax: Taxonomy, gen: Generator
) -> list[Session]:
    """Each persona's own tasks that reveal no preference, ids ``<persona>.f000``...; timestamps come later.

    They are the same task types as its cue sessions (a message, a proofread, a post), in the same
    voice, for the same people of its world, made of the same kind of sentences (``flows.stages.news``),
    some of them about the domains it holds preferences in; only the cue is missing. A persona gets
    ``persona_filler_sessions`` of them, or fewer when its sentences run out (none is ever reused). A
    text's sentences agree on a month of the timeline ("went in August" never meets "is in June"), so
    the history builder can date it without contradiction (``flows.stages.histories``). About one in eight
    tells the next step of a running story (``flows.stages.storylines``) and is dated in that step's window.
    """
    requests, metas = [], []
    window = timeline_months(config.timeline_start, config.timeline_days)  # undated: any month of the timeline
    for persona in personas:
        mine = [p for p in preferences if p.persona_id == persona.persona_id]
        everyone = world_for(config.seed, persona.persona_id, tax, persona.name)
        world = [everyone[r] for r in relations_for(persona, list(everyone))]  # only people its life allows
        retired = retired_people(persona)
        plan = story_plan(config, persona, mine, tax)  # running stories: steps to tell, subjects to leave
        supply = NewsSupply(
            config.seed,
            persona.persona_id,
            mine,
            tax,
            half=1,
            unfit=unfit_tags(persona, everyone),
            retired=retired,
            at_home=living_with(persona),
            age=persona.age,
            avoid=plan.subjects,
        )
        order = task_order(config.seed, persona.persona_id, tax)
        holders = set(holders_for(persona, list(everyone)))
        areas = [tax.scenario_area[p.scenario_id] for p in mine if p.scenario_id in tax.scenario_area]
        start = len(mine)  # continue the round-robin where the cue sessions stopped
        variants: dict[str, int] = {}
        stories = list(plan.own)  # steps of running stories, taken in order
        sides = SideQuestions(config.seed, persona.persona_id, mine, tax, own_tasks=True)  # as often as cue sessions
        for k in range(config.persona_filler_sessions):
            sid = f"{persona.persona_id}.f{k:03d}"
            rng = rng_for(config.seed, "own_task", sid)
            for_other = rng.random() < config.other_rate
            # an area of life as a cue text's (its scenario's), for a focus that is not a topical sentence
            area = rng_for(config.seed, "own_area", sid).choice(areas) if areas else None
            telling = not for_other and stories and rng_for(config.seed, "own_story", sid).random() < STORY_SHARE
            # a text telling a story's step is dated in the step's window, and its other sentences agree
            when = stories[0].date_in(sid, config.seed) if telling else None
            focus = supply.focus(frozenset([when.month]) if when else window, own_text=not for_other, area=area)
            if focus is None and when is not None:  # nothing fits that month: an undated text without a step
                when, focus = None, supply.focus(window, area=area)
            if focus is None and for_other:  # nothing left that someone else could say: the user's own text
                for_other, focus = False, supply.focus(window, area=area)
            if focus is None:  # the persona's sentences are used up: no task may repeat one
                break
            step = stories.pop(0) if when is not None else None
            task_type = order[(start + k) % len(order)]
            variant = variants.get(task_type, 0)
            variants[task_type] = variant + 1
            if for_other:  # a text of someone old enough to hold a preference the user relays (no child's job)
                candidates = [c for c in world if c.relation in holders] or world
            else:
                candidates = world if task_type not in MESSAGE_TASKS else correspondents(persona, world)
            # never the one person the focus sentence speaks of ("Hi Wes, ... My brother is a tree surgeon"),
            # nor, for a text of someone else's, one whose life it does not fit (a grandmother's office)
            fitting = [
                c
                for c in candidates
                if not speaks_of(focus, c.relation)
                and (not for_other or fits_life(focus, someone_elses(c.relation, c.pronoun, retired)))
                and (step is None or (c.relation != step.relation and not speaks_of(step.sentence, c.relation)))
            ]
            if step is not None and not fitting:  # only the step's own person can take this text: no step in it
                stories.insert(0, step)
                step = when = None
                fitting = [c for c in candidates if not speaks_of(focus, c.relation)]
            contact = rng.choice(fitting or candidates)
            size, added = text_shape(rng, task_type)  # as a cue text's
            told = (focus,) if step is None else (focus, step.sentence)
            others = supply.take(
                size - (step is not None),
                world,
                contact,
                not for_other,
                (window if when is None else frozenset([when.month])) & months_fitting(focus),
                area=supply.area_of(focus),  # the text is about what its focus is about
                told=told,
            )
            if step is not None:
                others = step.told_among(others, sid, config.seed)
            requests.append(
                FillerRequest(
                    key=sid,
                    filler_kind="task",
                    style=persona.style,
                    hobbies=persona.hobbies,
                    user_name=signed_as(persona.name.split()[0], persona.gender, contact),
                    variant=CUE_VARIANTS + variant,
                    task_type=task_type,
                    contact=contact,
                    for_other=for_other,
                    news=[focus, *others],
                    extra_turns=int(rng.random() < 0.33),
                    added_later=added,
                    side_questions=sides.draw(sid, 1 + added),
                )
            )
            meta = dict(session_id=sid, persona_id=persona.persona_id, kind="filler", task_type=task_type)
            metas.append(meta | ({"started_at": when} if when is not None else {}))
    return sessions_from_drafts(gen.generate(FILLER_SESSION, requests), metas, config.tokenizer)
