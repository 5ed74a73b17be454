"""Stage 4, filler: sessions that carry no preference.

- a shared pool of generic tasks (math word problems with their correct answers, explanations, small
  talk in a neutral voice), generated and tokenized once per run and referenced by every history;
- per persona, off-topic small talk in the persona's own voice, so filler is not trivially skippable
  by style alone.
Pool sessions have no persona and no timestamp (the history that places them gives them one).
"""

from __future__ import annotations

from flows.stages.conversations import sessions_from_drafts, task_order
from flows.stages.histories import Filling, own_seen
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
from llm.people import retired_people, someone_elses, speaks_of, unfit_for_reader
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


FILLER_ROUND = 40
"""Own tasks written per persona per round (a quarter as many once its largest history is within its slack,
``1 - min_fill``). After each round the persona's largest history is filled as the history stage will fill
it (``flows.stages.histories.Filling``), and a persona whose largest history is full gets no more: ``full``
wrote about 100 tasks per persona that no history took (14% of its own tasks, and of an LLM run's filler
calls). All personas of a shard write a round together, so an LLM backend keeps many requests in flight."""


def generate_persona_filler(
    config: SynthConfig,
    personas: list[Persona],
    preferences: list[Preference],
    tax: Taxonomy,
    gen: Generator,
    sessions: list[Session] | None = None,
) -> list[Session]:
    """Each persona's own tasks that reveal no preference, ids ``<persona>.f000``...; timestamps come later.

    They are the same task types as its cue sessions (a message, a proofread, a post), in the same
    voice, for the same people of its world, made of the same kind of sentences (``flows.stages.news``),
    some of them about the domains it holds preferences in; only the cue is missing. Given ``sessions``
    (the personas' cue, update and forget sessions, which a history holds first), a persona gets as many as
    its largest history takes (``FILLER_ROUND``); without them, ``persona_filler_sessions``. Never more than
    that, and fewer when its sentences run out (none is ever reused). A text's sentences agree on a month of
    the timeline ("went in August" never meets "is in June"), so the history builder can date it without
    contradiction (``flows.stages.histories``). About one in eight tells the next step of a running story
    (``flows.stages.storylines``) and is dated in that step's window.
    """
    largest = max(config.budgets)
    writers = {p.persona_id: OwnTasks(config, p, [x for x in preferences if x.persona_id == p.persona_id], tax)
               for p in personas}  # fmt: skip
    fillings: dict[str, Filling] = {}  # without cue sessions there is no history to fill: no persona stops early
    if sessions is not None:
        own: dict[str, list[Session]] = {pid: [] for pid in writers}
        for s in sessions:
            own[s.persona_id].append(s)
        fillings = {pid: Filling(largest - sum(s.n_tokens for s in mine), own_seen(mine)) for pid, mine in own.items()}
    slack = (1 - config.min_fill) * largest  # what a history may leave empty
    stalled: set[str] = set()  # took nothing in the last round

    def full(pid: str) -> bool:
        """The largest history is full: its gap is a quarter of the slack, or within the slack and the last
        round closed none of it (a gap smaller than any task is never closed)."""
        gap = fillings[pid].gap if pid in fillings else slack + 1
        return gap <= slack / 4 or (gap <= slack and pid in stalled)

    written: dict[str, list[Session]] = {pid: [] for pid in writers}
    while writing := [w for pid, w in writers.items() if not w.done and not full(pid)]:
        requests, metas = [], []
        for w in writing:  # a history within its slack only wants a task small enough for the gap
            closing = w.persona.persona_id in fillings and fillings[w.persona.persona_id].gap <= slack
            for request, meta in w.next(FILLER_ROUND // 4 if closing else FILLER_ROUND):
                requests.append(request)
                metas.append(meta)
        if not requests:
            break
        stalled = set(fillings)
        for s in sessions_from_drafts(gen.generate(FILLER_SESSION, requests), metas, config.tokenizer):
            written[s.persona_id].append(s)
            if s.persona_id in fillings and fillings[s.persona_id].offer(s):
                stalled.discard(s.persona_id)
    return [s for pid in writers for s in written[pid]]


class OwnTasks:
    """One persona's own tasks, request by request, in the order they are written."""

    def __init__(self, config: SynthConfig, persona: Persona, mine: list[Preference], tax: Taxonomy) -> None:
        self.config, self.persona, self.tax = config, persona, tax
        self.window = timeline_months(config.timeline_start, config.timeline_days)  # undated: any month
        everyone = world_for(config.seed, persona.persona_id, tax, persona.name)
        self.world = [everyone[r] for r in relations_for(persona, list(everyone))]  # only people its life allows
        self.retired = retired_people(persona)
        plan = story_plan(config, persona, mine, tax)  # running stories: steps to tell, subjects to leave
        self.supply = NewsSupply(
            config.seed,
            persona.persona_id,
            mine,
            tax,
            half=1,
            unfit=unfit_tags(persona, everyone),
            retired=self.retired,
            at_home=living_with(persona),
            age=persona.age,
            avoid=plan.subjects,
        )
        self.order = task_order(config.seed, persona.persona_id, tax)
        self.holders = set(holders_for(persona, list(everyone)))
        self.areas = [tax.scenario_area[p.scenario_id] for p in mine if p.scenario_id in tax.scenario_area]
        self.start = len(mine)  # continue the round-robin where the cue sessions stopped
        self.variants: dict[str, int] = {}
        self.stories = list(plan.own)  # steps of running stories, taken in order
        self.sides = SideQuestions(config.seed, persona.persona_id, mine, tax, own_tasks=True)  # as often as cues
        self.k = 0
        self.done = False  # the persona's sentences are used up, or it wrote persona_filler_sessions

    def next(self, n: int) -> list[tuple[FillerRequest, dict]]:
        """The next ``n`` requests (fewer when the persona runs out) with their session metas."""
        out = []
        while len(out) < n and not self.done:
            if self.k >= self.config.persona_filler_sessions or (made := self._request(self.k)) is None:
                self.done = True
            else:
                out.append(made)
                self.k += 1
        return out

    def _request(self, k: int) -> tuple[FillerRequest, dict] | None:
        config, persona, supply, window, world = self.config, self.persona, self.supply, self.window, self.world
        stories, retired = self.stories, self.retired
        sid = f"{persona.persona_id}.f{k:03d}"
        rng = rng_for(config.seed, "own_task", sid)
        for_other = rng.random() < config.other_rate
        # an area of life as a cue text's (its scenario's), for a focus that is not a topical sentence
        area = rng_for(config.seed, "own_area", sid).choice(self.areas) if self.areas else None
        telling = not for_other and stories and rng_for(config.seed, "own_story", sid).random() < STORY_SHARE
        # a text telling a story's step is dated in the step's window, and its other sentences agree
        when = stories[0].date_in(sid, config.seed) if telling else None
        focus = supply.focus(frozenset([when.month]) if when else window, own_text=not for_other, area=area)
        if focus is None and when is not None:  # nothing fits that month: an undated text without a step
            when, focus = None, supply.focus(window, area=area)
        if focus is None and for_other:  # nothing left that someone else could say: the user's own text
            for_other, focus = False, supply.focus(window, area=area)
        if focus is None:  # the persona's sentences are used up: no task may repeat one
            return None
        step = stories.pop(0) if when is not None else None
        task_type = self.order[(self.start + k) % len(self.order)]
        variant = self.variants.get(task_type, 0)
        self.variants[task_type] = variant + 1
        if for_other:  # a text of someone old enough to hold a preference the user relays (no child's job)
            candidates = [c for c in world if c.relation in self.holders] or world
        else:
            candidates = world if task_type not in MESSAGE_TASKS else correspondents(persona, world)

        # never the one person the focus sentence speaks of ("Hi Wes, ... My brother is a tree surgeon"),
        # nor, for a text of someone else's, one whose life it does not fit (a grandmother's office)
        def hears(c) -> bool:  # the focus is news to them (nor, for the neighbour, of their own street)
            return not speaks_of(focus, c.relation) and (for_other or fits_life(focus, unfit_for_reader(c.relation)))

        fitting = [
            c
            for c in candidates
            if hears(c)
            and (not for_other or fits_life(focus, someone_elses(c.relation, c.pronoun, retired)))
            and (step is None or step.news_to(c.relation))  # a text with a step is the user's own
        ]
        if step is not None and not fitting:  # only the step's own person can take this text: no step in it
            stories.insert(0, step)
            step = when = None
            fitting = [c for c in candidates if hears(c)]
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
        request = FillerRequest(
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
            side_questions=self.sides.draw(sid, 1 + added),
        )
        meta = dict(session_id=sid, persona_id=persona.persona_id, kind="filler", task_type=task_type)
        return request, meta | ({"started_at": when} if when is not None else {})
