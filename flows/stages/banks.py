"""A persona's banks of sentences, split between its cue texts and its own texts (``flows.stages.news``).

What: ``persona_banks`` shuffles the taxonomy's sentences in one seeded order per persona and gives each
half its share: world news templates, the user's habits, domain news near the persona's preferences (its
domains) and far from them, the asked scenarios' topical sentences and the cues of preferences it holds
but is never asked about (``flows.stages.held``; both for its own texts only). Nothing leans on or names
a scenario it is asked about (``taxonomy/leans.yaml``), nothing its life rules out, and each once event or
retold story stands in one sentence of one half (``flows.stages.told_once``).
Why: what a persona may say is decided once, apart from how a text draws from it. How: a pure function
of (seed, persona, its preferences, the taxonomy, the half).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flows.stages.held import held_cues
from flows.stages.storylines import tells_of
from flows.stages.told_once import keep_told_once, told
from llm.life import fits_life, life_tags
from llm.naming import scenario_namer
from llm.seeding import rng_for
from schemas.core import Preference
from taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from taxonomy.cross_refs import bank_sentences


@dataclass
class PersonaBanks:
    world: list[str]
    habits: list[str]
    near: list[str]
    far: list[str]
    topical: list[str]
    topic_area: dict[str, str]  # topical sentence -> its scenario's area of life
    held: list[str] = field(default_factory=list)
    held_area: dict[str, str] = field(default_factory=dict)  # held cue -> its scenario's area of life


def persona_banks(
    seed: int,
    persona_id: str,
    preferences: list[Preference],
    tax: Taxonomy,
    half: int,
    unfit: frozenset[str],
    cue_share: int,
    avoid: tuple[str, ...] = (),
) -> PersonaBanks:
    """Half ``half`` (0: cue texts, one sentence in ``cue_share``; 1: own texts, the rest) of the persona's
    banks, in their drawing order (a draw takes from the end); none matching a regular expression of
    ``avoid`` (the subjects of the user's own running stories, ``flows.stages.storylines``: a reader met
    the user's broadband engineer twice, in two stories)."""
    shuffle = rng_for(seed, "news", persona_id)  # the same order for both halves, then split
    world = list(range(len(tax.world.news)))
    shuffle.shuffle(world)
    mine = {tax.domain_of[p.scenario_id] for p in preferences}
    asked = {p.scenario_id for p in preferences}
    names = scenario_namer(tax)

    def leans_on_asked(sentence: str) -> bool:  # it would be a second, unmarked cue (or name an option)
        return bool((tax.leans.get(sentence, frozenset()) | names(sentence)) & asked)

    def quiet(sentences) -> list[str]:
        return [x for x in sentences if not leans_on_asked(x)]

    near, far = [], []
    for dom in tax.domains:
        (near if dom.domain in mine else far).extend(quiet(dom.neutral))
    shuffle.shuffle(near)
    shuffle.shuffle(far)

    def share(items: list) -> list:  # a tenth for cue sessions (half 0), the rest for own tasks
        return [x for i, x in enumerate(items) if (i % cue_share == 0) == (half == 0)]

    habits = quiet(tax.world.habits)
    shuffle.shuffle(habits)
    # what the persona's life rules out is dropped once here (the same pops as checking at every draw,
    # which cost a fifth of a shard's time): draws then check only what a text adds (someone else's)
    banks = PersonaBanks(
        world=[t for i in share(world) if fits_life(t := tax.world.news[i], unfit) and not leans_on_asked(t)],
        habits=[x for x in share(habits) if fits_life(x, unfit)],
        near=[x for x in share(near) if fits_life(x, unfit)],
        far=[x for x in share(far) if fits_life(x, unfit)],
        topical=[],
        topic_area={
            t: tax.scenario_area[sid] for sid in asked if sid in tax.scenario_area for t in tax.scenarios[sid].topical
        },
    )
    # the queried subjects' own sentences go to own tasks only: a cue text's focus place holds its cue
    topical = quiet(t for sid in sorted(asked) for t in tax.scenarios[sid].topical)
    shuffle.shuffle(topical)
    if half == 1:
        banks.topical = [x for x in topical if fits_life(x, unfit)]
        banks.held, banks.held_area = held_cues(
            seed, persona_id, asked, tax, lambda x: fits_life(x, unfit) and not leans_on_asked(x)
        )
    # each once event and retold story in one sentence of one half (flows.stages.told_once)
    kinds = ("topical", "near", "far", "habits", "world")
    # and none a cue of its preferences tells (any of the option's cues: the backend picks one later)
    options = (tax.option(p.scenario_id, p.option_id) for p in preferences)
    cues = tuple(c for o in options for c in (*o.cues, *o.change_cues))
    kept = keep_told_once([getattr(banks, n) for n in kinds], persona_id, half, cue_share, tax, cues)

    def quiet_on_stories(bank: list[str]) -> list[str]:
        return [x for x in bank if not any(tells_of(a, x) for a in avoid)] if avoid else bank

    for name, bank in zip(kinds, kept, strict=True):
        setattr(banks, name, quiet_on_stories(bank))
    banks.held = quiet_on_stories(banks.held)
    return banks


WARM_CHUNK = 400
"""Bank sentences per piece of ``cache_warmers``' work (about 0.1-0.15 s each here), so a caller that stops
between pieces overruns what it waits for by little."""


def cache_warmers(chunk: int = WARM_CHUNK) -> list[Callable[[], None]]:
    """Pieces of work that read, once, what every persona's banks ask of every bank sentence (``persona_banks``:
    its life tags, the scenarios it names, the once events it tells), each cached per sentence, in pieces of
    ``chunk`` sentences. ``tacit synth`` runs them while Prefect's server starts, when the shards run in its
    own process (``flows.warm_start``): it would otherwise wait idle for the server, then pay this in the
    first shard (about 2 s of a ``small`` run's first shard here). The results are the same either way: each
    cache holds what a pure function of the sentence gives. A taxonomy that does not load gives no work,
    and is left for the flow to report."""
    try:
        tax = load_taxonomy()
    except TaxonomyError:
        return []
    sentences = sorted(bank_sentences(tax))
    names = scenario_namer(tax)

    def reader(part: list[str]) -> Callable[[], None]:
        def read() -> None:
            for sentence in part:
                life_tags(sentence)
                names(sentence)
                told(sentence, tax)

        return read

    return [reader(sentences[i : i + chunk]) for i in range(0, len(sentences), chunk)]
