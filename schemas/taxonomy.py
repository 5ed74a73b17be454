"""Taxonomy models: the designed space of scenarios and persona attributes that generation samples from.

The taxonomy is data (YAML under ``taxonomy/``); these models are its contract. ``taxonomy.load_taxonomy``
validates every file against the JSON Schema of these models first (so a bad file names its field and
file), then builds them.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.base import Record

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", min_length=1, max_length=80)]
DEMOGRAPHIC_FIELDS = (
    "age_band",
    "gender",
    "orientation",
    "ethnicity",
    "country",
    "occupation",
    "education",
    "income",
    "household",
)


class ScenarioOption(Record):
    """One of a scenario's contrasting preferences.

    ``statement`` is the preference as a researcher writes it (never shown to the model); ``cues`` are
    implicit details a user lets slip while doing an unrelated task; ``answer`` is what a response that
    respects this preference recommends; ``stereotype`` names the demographic groups a population
    stereotype ties to this option (empty: none).
    """

    id: Slug
    statement: str = Field(min_length=8)
    key_terms: list[str] = Field(min_length=1, description="words whose explicit use with 'prefer/like' leaks it")
    cues: list[str] = Field(min_length=2)
    change_cues: list[str] = Field(
        default_factory=list, description="first-person sentences implying the user recently switched to this option"
    )
    answer: str = Field(min_length=20)
    stereotype: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _stereotype_keys_are_demographics(self) -> ScenarioOption:
        unknown = set(self.stereotype) - set(DEMOGRAPHIC_FIELDS)
        if unknown:
            raise ValueError(f"stereotype keys {sorted(unknown)} are not demographic fields {DEMOGRAPHIC_FIELDS}")
        return self


class ScenarioSpec(Record):
    """A situation in which a preference matters, with the request a query makes about it."""

    id: Slug
    name: str
    request: str = Field(min_length=10, description="first-person request whose best answer needs the preference")
    generic: str = Field(min_length=20, description="a sensible answer that assumes no preference")
    sensitive: bool = False
    options: list[ScenarioOption] = Field(min_length=2)
    topical: list[str] = Field(
        default_factory=list,
        description="first-person sentences on this scenario's own subject that reveal none of its options: a "
        "search for the question's topic finds these beside the cue, so only understanding tells which decides",
    )

    @model_validator(mode="after")
    def _option_ids_unique(self) -> ScenarioSpec:
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError(f"scenario {self.id}: duplicate option ids {ids}")
        return self


class DomainSpec(Record):
    """One taxonomy file: a domain and its scenarios."""

    domain: Slug
    scenarios: list[ScenarioSpec] = Field(min_length=1)
    neutral: list[str] = Field(
        default_factory=list,
        description="first-person sentences about this domain that reveal no option of any scenario (distractors)",
    )


class WeightedChoice(Record):
    value: str
    weight: float = Field(gt=0)


class Place(Record):
    country: str
    city: str
    weight: float = Field(gt=0)
    languages: list[str] = Field(min_length=1)


class StyleSpec(Record):
    """A speaking style: how a persona's turns read (visible in every user turn)."""

    id: Slug
    formality: str
    verbosity: str
    greeting: list[str] = Field(min_length=1)
    closing: list[str] = Field(min_length=1)
    emoji: list[str] = Field(default_factory=list)
    typo_rate: float = Field(ge=0, le=0.2, default=0.0)
    lowercase: bool = False
    asides: list[str] = Field(default_factory=list, description="chatty remarks verbose styles add to a turn")


class PersonaAttributes(Record):
    """Weighted distributions that personas are sampled from."""

    age_band: list[WeightedChoice]
    gender: list[WeightedChoice]
    orientation: list[WeightedChoice]
    ethnicity: list[WeightedChoice]
    places: list[Place]
    occupation: list[WeightedChoice]
    education: list[WeightedChoice]
    income: list[WeightedChoice]
    household: list[WeightedChoice]
    first_names: list[str] = Field(min_length=20, description="first names that fit anyone (nonbinary personas)")
    first_names_women: list[str] = Field(min_length=20, description="first names a reader takes for a woman's")
    first_names_men: list[str] = Field(min_length=20, description="first names a reader takes for a man's")
    last_names: list[str] = Field(min_length=20)
    personality: list[str] = Field(min_length=6)
    hobbies: list[str] = Field(min_length=6)
    values: list[str] = Field(min_length=6)
    relations: list[str] = Field(min_length=3, description="people a user talks about (who=other)")
    styles: list[StyleSpec] = Field(min_length=2)


class TaskTypeSpec(Record):
    """A kind of persona task (a message, a proofread, a post) with its phrasing banks.

    Cue and non-cue sessions share every bank. ``asks`` frame the user's own text, ``asks_for_other``
    a text that belongs to a contact; slots are listed in ``taxonomy/task_types.yaml``. ``followups``
    maps a follow-up kind (which the offline writer knows how to carry out) to its phrasings.
    """

    id: Slug
    name: str
    occasions: list[str] = Field(min_length=3)
    asks: list[str] = Field(min_length=4)
    asks_for_other: list[str] = Field(min_length=2)
    asks_in_good_time: list[str] = Field(
        default_factory=list,
        description="for a reply to someone seen every day (a partner, the neighbour): asks that go in place of "
        "the ones saying the reply is late, in order, as many as those",
    )
    intros: list[str] = Field(min_length=2)
    followups: dict[str, list[str]] = Field(min_length=1)
    adds: list[str] = Field(
        min_length=2,
        description="follow-ups that add the rest of the text ({sentence}); for a text being cut down, the rest "
        "to be cut the same way",
    )
    swaps: list[str] = Field(
        default_factory=list,
        description="for a text being cut down: the user sends one more sentence ({sentence}) to go in place "
        "of the weakest one kept",
    )
    reasons: dict[str, list[str]] = Field(
        default_factory=dict, description="why the user asks a follow-up, by kind: said after it, half the time"
    )
    their_news: list[tuple[str, str]] = Field(
        default_factory=list,
        description="for a reply: what the other person's message told ({They}, {their}), said in the user's "
        "ask as {said}, and the reply's reaction to it; five words or fewer a sentence (they may recur)",
    )

    @model_validator(mode="after")
    def _added_parts_carry_the_text(self) -> TaskTypeSpec:
        """Each ``adds`` and ``swaps`` entry carries the added text once, as ``{sentence}``, and no other slot:
        without it the part the user adds (the cue, in a cue session) would vanish from the turn."""
        for field in ("adds", "swaps"):
            for j, add in enumerate(getattr(self, field)):
                if re.findall(r"\{(\w*)\}", add) != ["sentence"]:
                    raise ValueError(f"{field}[{j}]: needs {{sentence}} once and no other slot: {add!r}")
        if self.id == "shorten" and len(self.swaps) < 2:
            raise ValueError("swaps: a text being cut needs at least two (one line sent in place of another)")
        return self


class UnfitRule(Record):
    """News a relation cannot plausibly be the subject of: a template matching ``words`` (a regular
    expression, case-insensitive) is never rendered for any of ``relations`` ("my daughter is retiring");
    with ``unless_age``, only while the persona's age is outside that range (a sister "retiring at the end of
    the year" fits a user of sixty, not of thirty)."""

    words: str = Field(min_length=1)
    relations: list[str] = Field(min_length=1)
    unless_age: tuple[int, int] | None = Field(
        default=None, description="[lowest, highest] persona age at which the news fits these relations after all"
    )

    def rules_out(self, template: str, relation: str, age: int | None) -> bool:
        """Whether this rule keeps ``template`` from being about ``relation`` for a persona of ``age``."""
        if relation not in self.relations or not re.search(self.words, template, re.I):
            return False
        return self.unless_age is None or age is None or not self.unless_age[0] <= age <= self.unless_age[1]


class WorldSpec(Record):
    """``taxonomy/world.yaml``: the ordinary sentences of a persona's tasks that belong to no domain: news
    about the people in its world (``news``, one ``{who}`` each) and the user's own routines, circumstances
    and small events (``habits``: first person, no slot, revealing no option of any scenario)."""

    news: list[str] = Field(min_length=20)
    habits: list[str] = Field(min_length=20)
    unfit: list[UnfitRule] = Field(default_factory=list)
    away: str = Field(
        default="",
        description="a regular expression: a news template matching it tells of someone living elsewhere (comes "
        "round, drops things off, rings) and is never about someone the user lives with",
    )
    any_age: list[str] = Field(
        default_factory=list,
        description="the news templates that also fit a child living at home; while a persona's children are "
        "small or teenagers, its son and daughter are the subject of these alone (each must be in news)",
    )

    once: dict[str, str] = Field(
        default_factory=dict,
        description="name -> a regular expression: an event a life holds once (a grandmother turning ninety) or "
        "a mishap a reader remembers; a persona's texts tell each at most once",
    )

    @model_validator(mode="after")
    def _any_age_in_news(self) -> WorldSpec:
        stray = [t for t in self.any_age if t not in self.news]
        if stray:
            raise ValueError(f"any_age: not in news: {stray[0]!r}")
        return self

    names_she: list[str] = Field(min_length=20)
    names_he: list[str] = Field(min_length=20)

    @model_validator(mode="after")
    def _names_are_no_dates(self) -> WorldSpec:
        """No given name is a month or a season: "Answering a text from June" reads as a date to a reader and
        to the date gate (which counted it as June named on 13 April)."""
        dates = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october"}
        dates |= {"november", "december", "spring", "summer", "autumn", "fall", "winter"}
        for field in ("names_she", "names_he"):
            clash = [n for n in getattr(self, field) if n.lower() in dates]
            if clash:
                raise ValueError(f"{field}: {clash[0]!r} is also a month or a season; pick another name")
        return self


class LeaningSentence(Record):
    """A bank sentence that a strict reader took as making one option of these scenarios more fitting."""

    sentence: str = Field(
        min_length=10,
        description="exactly as it stands in a neutral or topical list of a scenario file, or in world.yaml's "
        "habits or news (a news template with its {who} slot)",
    )
    scenarios: list[str] = Field(min_length=1, description="scenario ids it leans on")


class LeansSpec(Record):
    """``taxonomy/leans.yaml``: neutral, habit and topical sentences that lean on a scenario (a topical one
    on another scenario than its own). Such a sentence is a fine detail of a life, but never stands in the
    history of a persona asked about that scenario, where it would be a second, unmarked cue (possibly for
    another option than the gold)."""

    leans: list[LeaningSentence] = Field(default_factory=list)


class LifeLabelsSpec(Record):
    """``taxonomy/life_labels.yaml``: sentences that readers gave a life detail the word rules of
    ``llm.life_words`` miss ("after my son pushed a bead up his nose" is a small child's; "my work laptop is
    ancient" is someone with a job). ``llm.life`` adds a listed sentence's tags to the ones its words carry, so
    an eighty-year-old never tells of a toddler's ball pit, nor a retiree of the firm's new logo."""

    labels: dict[str, list[str]] = Field(
        description="a LIFE_WORDS tag (little, school_kids, teen, kids_at_home, grown_children, work, studying, "
        "...) -> sentences, verbatim as a bank, a cue or a scenario request has them"
    )


class RetoldStory(Record):
    """Bank sentences that tell one story (an anecdote, a quirk, a standing fact) in other words, or of
    another person: "I once posted my house keys through our own letterbox" and "On Tuesday I posted my
    own keys through our letterbox"."""

    sentences: list[str] = Field(min_length=2, description="neutral, habit, news or topical sentences, verbatim")


class RetellingsSpec(Record):
    """``taxonomy/retellings.yaml``: stories the banks tell more than once. A persona tells each at most
    once: a reader of one history met the keys posted through the letterbox, and a wasp sting at the bus
    stop, twice."""

    retellings: list[RetoldStory] = Field(default_factory=list)


class ChangePastsSpec(Record):
    """``taxonomy/change_pasts.yaml``: change cues that tell what the user did before the switch ("I gave my
    heavy amber perfume to a friend"), with the options that past rules out as the earlier preference. An
    update never shows its switch by such a cue after one of those options (a reader met lily of the valley,
    then "after a run of headaches I gave away my heavy musk")."""

    cannot_follow: dict[str, dict[str, list[str]]] = Field(
        description="scenario id -> change cue (verbatim) -> ids of the scenario's options it cannot follow"
    )


class Storyline(Record):
    """One running story of a persona's life, told a step at a time in texts weeks apart: a sister's
    allotment from the waiting list to the first crop, the user's washing machine from the first leak to
    the third engineer. Each step is one news sentence; with ``{who}`` (``{Who}``) it is about a person of
    the persona's world (pronoun slots as in ``world.yaml`` news), without it the user's own."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="unique snake_case name of the story")
    unfit: list[str] = Field(
        default_factory=list, description="relations never its subject (a grandmother restoring a motorbike)"
    )
    away: bool = Field(
        False,
        description="it happens at its subject's own home (a new patio, the fence next door): never about "
        "someone the user lives with, whose home is the user's",
    )
    subject: str | None = Field(
        None,
        description="for the user's own story (required there): a regular expression (any case) every step "
        "matches, naming what it is about; no other sentence of the persona's on it is told, nor the story "
        "beside a cue on it (the bill 'about triple the usual' beside 'nearly double')",
    )
    steps: list[str] = Field(
        min_length=3, max_length=5, description="the story's sentences in the order they happen, weeks apart"
    )


class StorylinesSpec(Record):
    """``taxonomy/storylines.yaml``: the running stories a persona's texts carry in date order, so a reader
    meets events that come back and move on across sessions (readers called a history of one-off news five
    writing chores on unrelated facts)."""

    storylines: list[Storyline] = Field(description="stories; a persona tells some of them, each once")


LifeArea = Literal[
    "home",
    "nature",
    "outdoors",
    "food",
    "shopping",
    "looks",
    "work",
    "family",
    "travel",
    "health",
    "leisure",
    "tech",
    "neighbourhood",
    "pets",
    "memories",
]
"""The areas of everyday life a person's news is sorted under (``taxonomy/areas.yaml``)."""


class AreasSpec(Record):
    """``taxonomy/areas.yaml``: the area of everyday life each bank sentence is about. A text's sentences
    are drawn from one area where the banks allow, so a post or a paragraph reads as being about something
    (a reader of whole histories found every text a list of unrelated one-line items)."""

    areas: dict[LifeArea, list[str]] = Field(
        description="area -> neutral, habit, news or topical sentences about it, verbatim"
    )


class OptionOverlap(Record):
    """Two options of different scenarios that describe the same practice, or where holding the first makes
    the second the natural answer (a user with a cleaner for the deep clean also pays a cleaner for the
    housework)."""

    options: list[str] = Field(min_length=2, max_length=2, description="'scenario_id.option_id' of each option")
    reason: str = Field(min_length=5, description="why holding one makes the other defensible")


class OptionClash(Record):
    """An option whose holder cannot be the one asking another scenario's question, nor say what any of its
    options' cues say (never flying, "I haven't set foot in an airport for years", and landing in Rome late on a
    Tuesday)."""

    option: str = Field(
        description="'scenario_id.option_id' of the option held, or a scenario id when its question itself clashes "
        '("I\'ve just moved somewhere new where I know nobody" and "I\'ve lived on this street for a year")'
    )
    scenario: str = Field(description="id of the scenario its holder (or asker) cannot be asked about")
    reason: str = Field(min_length=5, description="the words that clash")


class OverlapsSpec(Record):
    """``taxonomy/overlaps.yaml``: option pairs across scenarios. A persona never holds preferences in both
    scenarios of a listed pair: the question about one would otherwise have two defensible answers, its
    gold and the option the other preference makes true of the user. Nor in both scenarios of a clash, and
    never shows preferences of both without being asked (``flows.stages.held``): one of them would contradict
    the other."""

    overlaps: list[OptionOverlap] = Field(default_factory=list)
    clashes: list[OptionClash] = Field(default_factory=list)


class StdlibDoc(Record):
    """A Python standard-library function and its own documentation (snapshotted, see taxonomy/stdlib_docs.py)."""

    name: str
    signature: str
    doc: str = Field(min_length=20)


class StdlibDocs(Record):
    functions: list[StdlibDoc] = Field(min_length=20)


class ExplainTopic(Record):
    """A general-knowledge topic and the assistant's explanation of it: the shared pool's explainers, and
    the side questions a user asks after a task (``flows.stages.side_questions``)."""

    topic: str = Field(
        min_length=3,
        description="a noun phrase or a how/why/what clause that reads after 'Can you explain', 'asked me "
        "about' and 'I never really understood'; no month, season or weekday word",
    )
    explanation: str = Field(min_length=120, description="the assistant's answer: plain, correct, no question back")
    domains: list[Slug] = Field(
        default_factory=list,
        description="preference domains a reader might tie the topic to: a persona holding a preference in "
        "one of them never asks it as a side question",
    )


class FillerSpec(Record):
    """Seeds for filler sessions: persona-voiced small talk and generic tasks."""

    chat_topics: list[str] = Field(min_length=5)
    chat_openers: list[str] = Field(min_length=2)
    chat_replies: list[str] = Field(min_length=2)
    explain_topics: list[ExplainTopic] = Field(min_length=5)
    side_asks: list[str] = Field(
        min_length=4,
        description="how the user asks a side question after a task: {topic}, and optionally {first} (the "
        "task's person, as the user calls them: 'Mum', 'Nadia'); the user's voice is applied on top",
    )
    math_templates: list[str] = Field(min_length=2)
