"""Cross-references between taxonomy files: the lists that name bank sentences or scenario options of
other files (``leans.yaml``, ``overlaps.yaml``, ``retellings.yaml``, ``areas.yaml``, ``life_labels.yaml``), and
``filler.yaml``'s explainers, which name domains.

A stale entry (a sentence edited since it was listed, an unknown scenario) is an error naming the file and
the entry: it would otherwise silently do nothing. Called by ``taxonomy.load_taxonomy``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from taxonomy.errors import TaxonomyError

if TYPE_CHECKING:
    from taxonomy import Taxonomy


def bank_sentences(tax: Taxonomy) -> set[str]:
    """Every neutral, habit, world news and topical sentence."""
    banks = {n for d in tax.domains for n in d.neutral} | set(tax.world.habits) | set(tax.world.news)
    return banks | {t for s in tax.scenarios.values() for t in s.topical}


def _sentence_groups(path: Path, groups, tax: Taxonomy, twice) -> dict:
    """Sentence -> the key of its group, from ``(key, field, sentences)`` groups; a sentence no bank holds,
    or one in two groups (``twice(other key)`` says what to do), is an error naming the entry."""
    banks = bank_sentences(tax)
    out: dict = {}
    for key, field, sentences in groups:
        for j, sentence in enumerate(sentences):
            where = f"{path}: {field}[{j}]"
            if sentence not in banks:
                raise TaxonomyError(f"{where}: not in any neutral, habits, news or topical list: {sentence!r}")
            if out.get(sentence, key) != key:
                raise TaxonomyError(f"{where}: {twice(out[sentence])}")
            out[sentence] = key
    return out


def checked_life_labels(path: Path, spec, tax: Taxonomy) -> None:
    """Check ``life_labels.yaml``: every tag is a ``LIFE_WORDS`` tag, and every sentence stands verbatim in a
    bank, a cue or a scenario request (an edited sentence loses its label silently otherwise). ``llm.life``
    reads the labels itself (``life_tags``), since its rules are asked about sentences, not a taxonomy."""
    from llm.life_words import LIFE_WORDS

    known = bank_sentences(tax) | {
        text
        for s in tax.scenarios.values()
        for text in (s.request, *(c for o in s.options for c in (*o.cues, *o.change_cues)))
    }
    for tag, sentences in spec.labels.items():
        if tag not in LIFE_WORDS:
            raise TaxonomyError(f"{path}: labels.{tag}: not a tag of llm.life_words.LIFE_WORDS")
        for j, sentence in enumerate(sentences):
            if sentence not in known:
                raise TaxonomyError(
                    f"{path}: labels.{tag}[{j}]: not in any bank, cue or scenario request: {sentence!r}"
                )


def checked_change_pasts(path: Path, spec, tax: Taxonomy) -> dict[str, frozenset[str]]:
    """``change_pasts.yaml`` as change cue -> the options it cannot follow; an unknown scenario, a cue that is
    not a change cue of the scenario (edited since it was read), or an option that is not another option of
    it is an error naming the entry."""
    out: dict[str, frozenset[str]] = {}
    for sid, cues in spec.cannot_follow.items():
        if sid not in tax.scenarios:
            raise TaxonomyError(f"{path}: cannot_follow.{sid}: unknown scenario")
        own = {c: o.id for o in tax.scenarios[sid].options for c in o.change_cues}
        ids = {o.id for o in tax.scenarios[sid].options}
        for j, (cue, options) in enumerate(cues.items()):
            if cue not in own:
                raise TaxonomyError(f"{path}: cannot_follow.{sid}[{j}]: not a change cue of the scenario: {cue!r}")
            if bad := [o for o in options if o not in ids or o == own[cue]]:
                raise TaxonomyError(f"{path}: cannot_follow.{sid}[{j}]: not another option of the scenario: {bad}")
            out[cue] = frozenset(options)
    return out


_SIDE_SLOTS = re.compile(r"\{(\w*)\}")


def checked_explainers(path: Path, filler, tax: Taxonomy) -> None:
    """``filler.yaml``'s explainers and side asks: a topic listed twice (a persona would ask it twice), a domain
    no scenario file has (its personas would ask about it unfiltered), an ask without ``{topic}`` or with a slot
    other than ``{topic}`` and ``{first}``, or no ask that names nobody (a son's task would have none), is an
    error naming the entry rather than a failure mid-run."""
    known, seen = set(tax.domain_of.values()), set()
    for j, t in enumerate(filler.explain_topics):
        if t.topic.lower() in seen:
            raise TaxonomyError(f"{path}: explain_topics[{j}]: topic listed twice: {t.topic!r}")
        seen.add(t.topic.lower())
        if bad := sorted(set(t.domains) - known):
            raise TaxonomyError(f"{path}: explain_topics[{j}].domains: unknown domains {bad}")
    for j, ask in enumerate(filler.side_asks):
        slots = set(_SIDE_SLOTS.findall(ask))
        if "topic" not in slots or slots - {"topic", "first"}:
            raise TaxonomyError(f"{path}: side_asks[{j}]: needs {{topic}} and no slot but {{first}}: {ask!r}")
    if all("{first}" in ask for ask in filler.side_asks):
        raise TaxonomyError(f"{path}: side_asks: every ask names a person; at least one must not")


def checked_storylines(path: Path, spec, tax: Taxonomy) -> list:
    """``storylines.yaml``'s stories, checked: ids unique; each step renders with a person's slots (a
    person's story names them with ``{who}`` in every step, since each step stands in another text) or
    with none (the user's own story); no step names a month or season (a step's date comes from the
    story's own schedule, ``flows.stages.storylines``) or a ``once`` event of ``world.yaml`` (the banks tell
    those). An error names the entry."""
    from flows.stages.told_once import once_events
    from llm.timing import ALL_MONTHS, months_fitting
    from llm.world import PRONOUNS

    seen: set[str] = set()
    stand_in = {"who": "my sister Ana", "Who": "My sister Ana", "first": "Ana", "First": "Ana"}
    for i, story in enumerate(spec.storylines):
        where = f"{path}: storylines[{i}] ({story.id})"
        if story.id in seen:
            raise TaxonomyError(f"{where}: id given twice")
        seen.add(story.id)
        if unknown := set(story.unfit) - set(tax.attributes.relations):
            raise TaxonomyError(f"{where}.unfit: not a relation of persona_attributes.yaml: {sorted(unknown)}")
        about_someone = ["{who}" in s.lower() for s in story.steps]
        if any(about_someone) and not all(about_someone):
            raise TaxonomyError(f"{where}: some steps name the person with {{who}} and some do not; all or none")
        if not any(about_someone) and story.subject is None:
            raise TaxonomyError(f"{where}: the user's own story needs a subject (what it is about)")
        try:
            subject = re.compile(story.subject, re.I) if story.subject else None
        except re.error as e:
            raise TaxonomyError(f"{where}.subject: not a regular expression: {e}") from None
        for j, step in enumerate(story.steps):
            if subject is not None and not subject.search(step):
                raise TaxonomyError(f"{where}.steps[{j}]: does not name the story's subject {story.subject!r}")
            for pronouns in PRONOUNS.values():
                slots = stand_in | pronouns | {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in pronouns.items()}
                try:
                    step.format(**slots) if any(about_someone) else step.format()
                except (KeyError, IndexError, ValueError) as e:
                    raise TaxonomyError(f"{where}.steps[{j}]: slot {e} cannot be filled: {step!r}") from None
            if months_fitting(step) != ALL_MONTHS:
                raise TaxonomyError(f"{where}.steps[{j}]: names a month or season; a step is dated by its story")
            if once_events(step, tax):
                raise TaxonomyError(f"{where}.steps[{j}]: tells a once event of world.yaml: {step!r}")
    return list(spec.storylines)


def checked_retellings(path: Path, spec, tax: Taxonomy) -> dict[str, int]:
    """``retellings.yaml`` as sentence -> story number; a sentence no bank holds, or one in two stories
    (they are one story), is an error naming the entry."""
    groups = ((i, f"retellings[{i}].sentences", story.sentences) for i, story in enumerate(spec.retellings))
    return _sentence_groups(path, groups, tax, lambda other: f"also in retellings[{other}]; merge the two stories")


def checked_overlaps(path: Path, spec, tax: Taxonomy) -> dict[str, frozenset[str]]:
    """``overlaps.yaml`` as scenario -> the scenarios it is listed against (both ways); an unknown scenario
    or option, or a pair inside one scenario, is an error naming the entry."""
    out: dict[str, frozenset[str]] = {}
    for i, entry in enumerate(spec.overlaps):
        a, b = (_scenario_of(ref, tax, f"{path}: overlaps[{i}].options") for ref in entry.options)
        if a == b:
            raise TaxonomyError(f"{path}: overlaps[{i}].options: both options are of scenario {a!r}")
        out[a] = out.get(a, frozenset()) | {b}
        out[b] = out.get(b, frozenset()) | {a}
    return out


def _scenario_of(ref: str, tax: Taxonomy, where: str) -> str:
    """The scenario of ``'scenario_id.option_id'``; an unknown one is an error naming ``where``."""
    sid, _, oid = ref.rpartition(".")
    if sid not in tax.scenarios or oid not in {o.id for o in tax.scenarios[sid].options}:
        raise TaxonomyError(f"{where}: unknown scenario option {ref!r}")
    return sid


def checked_clashes(path: Path, spec, tax: Taxonomy) -> dict[str, frozenset[str]]:
    """``overlaps.yaml`` ``clashes`` as scenario -> the scenarios it clashes with (both ways); an unknown
    option or scenario, or a clash inside one scenario, is an error naming the entry."""
    out: dict[str, frozenset[str]] = {}
    for i, entry in enumerate(spec.clashes):
        # a scenario id: the question itself clashes, whatever option its asker holds
        question = entry.option in tax.scenarios
        sid = entry.option if question else _scenario_of(entry.option, tax, f"{path}: clashes[{i}].option")
        if entry.scenario not in tax.scenarios:
            raise TaxonomyError(f"{path}: clashes[{i}].scenario: unknown scenario {entry.scenario!r}")
        if entry.scenario == sid:
            raise TaxonomyError(f"{path}: clashes[{i}]: the option is of scenario {sid!r} itself")
        out[sid] = out.get(sid, frozenset()) | {entry.scenario}
        out[entry.scenario] = out.get(entry.scenario, frozenset()) | {sid}
    return out


def checked_leans(path: Path, spec, tax: Taxonomy) -> dict[str, frozenset[str]]:
    """``leans.yaml`` as sentence -> scenario ids; a sentence no bank holds (edited since the audit) or an
    unknown scenario is an error naming the entry, since a stale entry would silently protect nothing."""
    banks = bank_sentences(tax)
    out: dict[str, frozenset[str]] = {}
    for i, entry in enumerate(spec.leans):
        if entry.sentence not in banks:
            raise TaxonomyError(
                f"{path}: leans[{i}].sentence: not in any neutral, habits, news or topical list: {entry.sentence!r}"
            )
        unknown = sorted(set(entry.scenarios) - set(tax.scenarios))
        if unknown:
            raise TaxonomyError(f"{path}: leans[{i}].scenarios: unknown scenario ids {unknown}")
        out[entry.sentence] = out.get(entry.sentence, frozenset()) | frozenset(entry.scenarios)
    return out


def checked_areas(path: Path, spec, tax: Taxonomy) -> dict[str, str]:
    """``areas.yaml`` as sentence -> area; a sentence no bank holds, or one listed under two areas, is an
    error naming the entry. A bank sentence listed nowhere has no area (its texts are not kept to one)."""
    groups = ((area, f"areas.{area}", sentences) for area, sentences in spec.areas.items())
    return _sentence_groups(path, groups, tax, lambda other: f"also listed under {other!r}; a sentence has one area")


def scenario_areas(tax: Taxonomy) -> dict[str, str]:
    """Scenario id -> the area most of its topical sentences are about (ties: the first in name order);
    a cue text is on the scenario's subject, so its other sentences keep to that area."""
    out = {}
    for sid, scenario in tax.scenarios.items():
        counts = Counter(tax.area[t] for t in scenario.topical if t in tax.area)
        if counts:
            out[sid] = min(counts, key=lambda a: (-counts[a], a))
    return out
