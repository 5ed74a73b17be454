"""Cue and neutral sentences follow the rules that keep a cue findable only by understanding it.

A cue never names an option (no key term of any option in its domain, no preference verb), never shares
a content word with its own option's answer or the scenario's generic answer (so the gold option does
not win on word matching), and has the form of the neutral sentences it stands among (first person,
12-35 words, no personal names, no colon or quotation mark).
"""

from __future__ import annotations

import re

import pytest

from llm.leakage import PREFERENCE_VERBS
from llm.wording import shared_content_words
from taxonomy import load_taxonomy

TAX = load_taxonomy()
_VERB = re.compile(rf"\b{PREFERENCE_VERBS}\b", re.I)
_STATED = re.compile(r"\b(?:i|we)(?:'d| would) rather\b|\bmatters to (?:me|us)\b", re.I)


def _form_errors(text: str, key_terms: set[str]) -> list[str]:
    errors = []
    if _VERB.search(text):
        errors.append("preference verb")
    if _STATED.search(text):
        errors.append("states a preference ('I'd rather', 'matters to me')")
    low = text.lower()
    errors += [f"key term {t!r}" for t in key_terms if re.search(rf"\b{re.escape(t)}\b", low)]
    if not 10 <= len(text.split()) <= 40:
        errors.append(f"{len(text.split())} words")
    if re.search(r"[:\"“”]", text):
        errors.append("colon or quotation mark")
    if re.search(r"[.!?][)\]'’]*\s", text.strip()):  # "a Which? member for years": read as two sentences
        errors.append("more than one sentence")
    return errors


@pytest.mark.parametrize("domain", TAX.domains, ids=lambda d: d.domain)
def test_cues_imply_without_naming_or_sharing_words(domain):
    terms = {t.lower() for s in domain.scenarios for o in s.options for t in o.key_terms}
    problems = []
    for scenario in domain.scenarios:
        for option in scenario.options:
            assert option.change_cues, f"{option.id} of {scenario.id} has no change cue"
            for cue in option.cues + option.change_cues:
                errs = _form_errors(cue, terms)
                shared = shared_content_words(cue, option.answer) | shared_content_words(cue, scenario.generic)
                if shared:
                    errs.append(f"shares {sorted(shared)} with the answers")
                if errs:
                    problems.append(f"{scenario.id}/{option.id}: {cue!r}: {errs}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("domain", TAX.domains, ids=lambda d: d.domain)
def test_neutral_sentences_have_the_form_of_cues_and_name_no_option(domain):
    terms = {t.lower() for s in domain.scenarios for o in s.options for t in o.key_terms}
    assert len(domain.neutral) >= 20
    assert len(set(domain.neutral)) == len(domain.neutral)
    problems = [f"{n!r}: {_form_errors(n, terms)}" for n in domain.neutral if _form_errors(n, terms)]
    assert not problems, "\n".join(problems[:20])


def test_the_rules_catch_what_they_exist_for():
    assert _form_errors("I love my cordless screwdriver: it is great and light and quick.", {"cordless"})
    assert not _form_errors("Saturday's market run ended with a bag of windfall apples and a sore back.", set())
    assert _form_errors("I've been a Which? member for years and keep their buying guides in a folder.", set())


def test_the_users_own_habits_have_the_form_of_cues():
    """World habits stand in every domain's texts. They may say a plain word that is some option's key term
    ("the library", "the post office"): a persona's texts leave out every sentence naming an option of a
    question it is asked (``flows.stages.news``, tested there); forbidding them all forced round-about
    wording a reader noticed ("the lending hall", "the post shop")."""
    habits = TAX.world.habits
    assert len(habits) >= 200 and len(set(habits)) == len(habits)
    problems = [f"{h!r}: {_form_errors(h, set())}" for h in habits if _form_errors(h, set()) or "{" in h]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("domain", TAX.domains, ids=lambda d: d.domain)
def test_topical_sentences_have_the_form_of_cues_and_name_no_option(domain):
    """Every scenario has at least three of the user's own sentences on its subject (``topical``), in the
    form of its cues, naming no option, each used once in the whole taxonomy and never a neutral sentence:
    a history then holds several of the user's sentences on a question's topic, and the cue is the one
    that decides."""
    terms = {t.lower() for s in domain.scenarios for o in s.options for t in o.key_terms}
    everywhere = [t for d in TAX.domains for s in d.scenarios for t in s.topical]
    neutral = {n for d in TAX.domains for n in d.neutral}
    problems = []
    for scenario in domain.scenarios:
        assert len(scenario.topical) >= 3, f"{scenario.id} has {len(scenario.topical)} topical sentences"
        for sentence in scenario.topical:
            errs = _form_errors(sentence, terms)
            if everywhere.count(sentence) > 1 or sentence in neutral:
                errs.append("used twice")
            if errs:
                problems.append(f"{scenario.id}: {sentence!r}: {errs}")
    assert not problems, "\n".join(problems[:20])


def test_every_option_has_a_change_cue_any_persona_can_say_on_any_date():
    """An update whose change cues all misfit its date, its timeline or its persona's life falls back to a plain cue,
    and the history then shows the old and the new choice with no sign of a change (blind readers took the
    older one). So each option has a change cue that names no month, season or feast (an update prefers
    it: ``llm.offline_signal.cue_for``) and no life detail; in the parenting and relationships domains the
    people or the event the scenario is about (a child, a baby, a parent, a breakup) may be part of the
    change, but no household or age. The pronoun a cue gives the partner or best friend is allowed: a persona
    whose world gives them the other one is never drawn an option left without a change cue
    (``flows.stages.preferences.fits_persona``). The animal a question names may be in the change too: a
    persona without one is never drawn that question."""
    from llm.life import WORLD_PRONOUN_TAGS, _tags_of
    from llm.life_words import WORKPLACES
    from llm.timing import claimed_days, names_a_time

    pronouns = {f"{tag}_{p}" for tag in WORLD_PRONOUN_TAGS.values() for p in ("he", "she")}
    # the child's age too (``taxonomy/life_labels.yaml``): a parent of teenagers is never drawn a toddler's
    # bedtime, and every parenting question still fits some parent (tests/llm/test_life.py)
    stages = {"little", "school_kids", "teen", "toddler_at_home", "youngest_at_school"}
    lenient = {"children", "kids_at_home", "parents", "baby", "single_life"} | pronouns | stages
    problems = []
    for domain in TAX.domains:
        # a partner may be in any change, and the couple's stage (engaged, married): a persona with no partner,
        # or at another stage, is never drawn an option left without a cue it can say (``fits_persona``),
        # and the couple scenarios ask about "my partner" anyway
        couple = {"partnered", "proposing", "engaged", "married"}
        # so may a job, an exam, a grown child's first flat, a house or an animal, by the same rule: a
        # retiree is never drawn an option whose every change cue goes to the office, nor someone in a flat
        # one whose every change cue is in the garden (``taxonomy/life_labels.yaml`` tags most of them),
        # and each still has most scenarios to draw from (tests/llm/test_life.py)
        working = {"work", "learner", "young_grown", "house", "flat", "dog", "cat", "pet", "petless", *WORKPLACES}
        working |= {"as_mum", "as_dad"}  # a beard's oil, a sports bra: a persona of the other sex is never drawn it
        working |= {"own_car", "no_car"}  # a car's stereo for a driver; a driver is never drawn a learner's question
        # the street tells whom a text may be for, not who may say it: an option with a cue of the street is
        # never shown in a text for the neighbour (``flows.stages.conversations``)
        working.add("neighbourhood")
        allowed = (lenient if domain.domain in {"parenting", "relationships"} else set()) | couple | working
        for scenario in domain.scenarios:
            # the animal a question names ("my dog", "my animal") is the user's: whoever is drawn it has one
            animal = _tags_of(scenario.request) & {"dog", "cat", "pet"}
            fits = allowed | animal | ({"pet"} if animal else set())
            for option in scenario.options:
                # nor a time since the change ("a few weeks ago"): an update may claim no longer than the time
                # since the step it follows (``llm.offline_signal.cue_for``), which may be days
                free = (
                    not names_a_time(c) and claimed_days(c) is None and not (_tags_of(c) - fits)
                    for c in option.change_cues
                )
                if not any(free):
                    problems.append(f"{scenario.id}/{option.id}: {option.change_cues}")
    assert not problems, f"{len(problems)} options:\n" + "\n".join(problems[:10])
