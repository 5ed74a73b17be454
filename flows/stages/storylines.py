"""Running stories: events of a persona's life that come back, in order, across its sessions.

What: ``storylines_for`` gives a persona some of ``taxonomy/storylines.yaml``'s stories, each about one
person of its world who fits every step (``llm.world.fits``, the life rules) or about the user, with a
date window per step on the history's timeline; ``story_plan`` says which cue session tells which step
(by preference id) and in what order the persona's own tasks take the rest. A step told in an own task
dates that task inside the step's window, and a cue session tells a step only if its own date falls in
the window, so the history builder, which places dated sessions by date (``flows.stages.histories``),
shows every story in order: the allotment's waiting list before the first crop.
Why: readers of whole histories found one-off news only ("five writing chores on unrelated facts;
nothing carries over"). Stories are shared by cue texts and own texts alike, so telling one marks
nothing. How: a pure function of (seed, persona, its preferences, the taxonomy, the config): the
conversations stage and the persona-task stage compute the same plan without talking to each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from llm.life import fits_life, living_with, relations_for, unfit_tags
from llm.people import retired_people, speaks_of, unfit_for_reader
from llm.seeding import rng_for
from llm.world import fits, render_news, rendered_tags, world_for
from schemas.config import SynthConfig
from schemas.core import Persona, Preference
from taxonomy import Taxonomy

STORY_SHARE = 0.12
"""The chance that a text of the user's own (cue or not) tells a step of a story: about one text in eight,
so a 32k history (about 110 own tasks) follows three or four stories from start to end."""

EARLY_STORIES = 4
"""Cue sessions tell steps of the persona's first stories only: those the first own tasks (all a 32k
history holds) tell the rest of, so a step in a cue session is never the one step of its story there."""

STEP_DAYS = (12, 40)
"""Days between two steps of a story: weeks apart, as readers expect news to move on."""


@dataclass(frozen=True)
class StoryStep:
    """One step of a persona's story: its sentence as told, whom it is about (None: the user), and the
    dates a text telling it may carry (``start`` <= date < ``end``)."""

    story_id: str
    step: int
    sentence: str
    relation: str | None
    start: datetime
    end: datetime

    def holds(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def news_to(self, relation: str) -> bool:
        """Whether the step can be news in the user's own text for the person of ``relation``: not the person
        it is about, nor one it speaks of in the third person ("my mum" to Mum), nor the neighbour when it tells
        of the street they share."""
        return (
            relation != self.relation
            and not speaks_of(self.sentence, relation)
            and fits_life(self.sentence, unfit_for_reader(relation))
        )

    def told_among(self, sentences: list[str], key: str, seed: int) -> list[str]:
        """``sentences`` (a text's ordinary ones) with this step at a seeded place among them, cue text or own
        text alike: where it stands marks nothing."""
        at = rng_for(seed, "story_at", key).randint(0, len(sentences))
        return [*sentences[:at], self.sentence, *sentences[at:]]

    def date_in(self, key: str, seed: int) -> datetime:
        """A date in the window for the text ``key`` (a waking hour, to the minute, as dated sessions are)."""
        rng = rng_for(seed, "story_date", key)
        days = max(1, (self.end - self.start).days)
        day = self.start + timedelta(days=rng.randrange(days))
        return day.replace(hour=rng.randint(8, 21), minute=rng.randrange(60), second=0, microsecond=0)


def storylines_for(
    config: SynthConfig, persona: Persona, preferences: list[Preference], tax: Taxonomy
) -> list[list[StoryStep]]:
    """The persona's stories, each a list of dated steps, in the order its own tasks take them; none of the
    user's own on a subject a cue of its preferences may tell (the backend picks the cue later: any of
    them)."""
    options = (tax.option(p.scenario_id, p.option_id) for p in preferences if p.persona_id == persona.persona_id)
    cues = [c for o in options for c in (*o.cues, *o.change_cues)]
    subjects = {s.subject for s in tax.storylines if s.subject}
    cued = {subject for subject in subjects if any(tells_of(subject, c) for c in cues)}
    n_stories = max(1, round(STORY_SHARE * config.persona_filler_sessions / 3.5))
    rng = rng_for(config.seed, "storylines", persona.persona_id)
    everyone = world_for(config.seed, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    unfit, at_home, retired = unfit_tags(persona, everyone), living_with(persona), retired_people(persona)
    young = "grown_children" in unfit

    def fit_for(contact, steps: list[str]) -> bool:
        if contact is None:
            return all(fits_life(s, unfit) for s in steps)
        home, gone = contact.relation in at_home, contact.relation in retired
        return all(
            _fits(tax, s, contact.relation, home, young, persona.age, gone)
            and not rendered_tags(s, contact.relation, contact.pronoun) & unfit
            for s in steps
        )

    first = datetime.combine(config.timeline_start, datetime.min.time())
    days = config.timeline_days
    busy: dict[str | None, list[tuple[datetime, datetime]]] = {}  # one story at a time per person
    stories = list(tax.storylines)
    rng.shuffle(stories)
    out: list[list[StoryStep]] = []
    for story in stories:
        if len(out) == n_stories:
            break
        gaps = [rng.randint(*STEP_DAYS) for _ in story.steps]  # the last: how long its news stays fresh
        span = sum(gaps)
        if span >= days or story.subject in cued:
            continue
        own_story = "{who}" not in story.steps[0].lower()
        candidates = (
            [None]
            if own_story
            else [p for p in people if p.relation not in story.unfit and not (story.away and p.relation in at_home)]
        )
        rng.shuffle(candidates)
        begin = first + timedelta(days=rng.randrange(days - span))
        finish = begin + timedelta(days=span)
        for contact in candidates:
            key = contact.relation if contact else None
            if any(a < finish and begin < b for a, b in busy.get(key, [])) or not fit_for(contact, story.steps):
                continue
            busy.setdefault(key, []).append((begin, finish))
            steps, at = [], begin
            for k, (template, gap) in enumerate(zip(story.steps, gaps, strict=True)):
                sentence = template if contact is None else render_news(template, contact)
                steps.append(StoryStep(story.id, k, sentence, key, at, at + timedelta(days=gap)))
                at += timedelta(days=gap)
            out.append(steps)
            break
    return out


_FITS: dict[tuple, bool] = {}


def _fits(tax: Taxonomy, step: str, relation: str, home: bool, young: bool, age: int, retired: bool) -> bool:
    """``llm.world.fits`` for one step, cached per taxonomy: every persona asks about the same steps and
    relations, and the rules are regular expressions (two thirds of a plan's time uncached)."""
    key = (tax.content_hash, step, relation, home, young, age, retired)
    if key not in _FITS:
        if len(_FITS) > 1 << 17:  # bounded: ages and relations make at most some 10^5 keys a taxonomy
            _FITS.clear()
        _FITS[key] = fits(
            step, relation, tax, at_home=frozenset({relation} if home else ()), young=young, age=age, retired=retired
        )
    return _FITS[key]


@lru_cache(maxsize=1 << 16)
def tells_of(subject: str, text: str) -> bool:
    """Whether ``text`` (a cue or a bank sentence) is on ``subject`` (a story's regular expression); cached, as
    every persona asks about the same sentences."""
    return re.search(subject, text, re.I) is not None


@dataclass(frozen=True)
class StoryPlan:
    cue: dict[str, StoryStep]
    """preference id -> the step its signal or update session tells"""
    own: list[StoryStep]
    """the other steps, in the order the persona's own tasks take them (story by story)"""
    subjects: tuple[str, ...] = ()
    """what the user's own stories are about (``Storyline.subject``): its banks tell nothing else on them"""


def story_plan(config: SynthConfig, persona: Persona, preferences: list[Preference], tax: Taxonomy) -> StoryPlan:
    """Which cue session tells which step, and the steps left for own tasks (see the module docstring).
    Only the user's own cue texts tell one (someone else's text tells no news of the user's world); a cue
    session with a step is written for someone who can hear it (``flows.stages.conversations``), and leaves it
    untold only when no one can (the text is for the very person the step is about)."""
    stories = storylines_for(config, persona, preferences, tax)
    early = [step for story in stories[:EARLY_STORIES] for step in story]
    # a cue text can tell a step only on a day some early step's window holds: drawn with STORY_SHARE / the
    # share of such days, it tells one as often as an own text does (at STORY_SHARE, `full`'s cue texts told
    # one in 18, its own tasks one in 12)
    days = {step.start.date() + timedelta(days=d) for step in early for d in range((step.end - step.start).days)}
    chance = min(1.0, STORY_SHARE / max(len(days) / config.timeline_days, STORY_SHARE))
    cue: dict[str, StoryStep] = {}
    for pref in sorted(preferences, key=lambda p: (p.stated_at, p.preference_id)):
        if pref.persona_id != persona.persona_id or pref.relation is not None:
            continue
        rng = rng_for(config.seed, "story_cue", pref.preference_id)
        if rng.random() >= chance:
            continue
        current = [s for s in early if s.holds(pref.stated_at) and s not in cue.values()]
        if current:
            cue[pref.preference_id] = rng.choice(current)
    taken = set(cue.values())
    by_id = {s.id: s for s in tax.storylines}
    subjects = tuple(sorted({by_id[story[0].story_id].subject for story in stories if story[0].relation is None}))
    return StoryPlan(cue=cue, own=[s for story in stories for s in story if s not in taken], subjects=subjects)
