"""Cutting a sentence to its main clause and writing it casually keep it a sentence that says the same."""

from __future__ import annotations

import random
import re

import pytest

from llm.rewrite import MIN_MAIN_WORDS, casual, shorter, tighten
from taxonomy import load_taxonomy


@pytest.mark.parametrize(
    ("sentence", "cut"),
    [
        (
            "During a downpour the bedroom sash jammed half open, so I passed the evening guarding the sill.",
            "During a downpour the bedroom sash jammed half open.",
        ),
        (
            "A sports physio told me on Wednesday that the twinge is just age, which was not what I'd hoped for.",
            "A sports physio told me on Wednesday that the twinge is just age.",
        ),
        (  # a list item after ", and" is no clause
            "At the market I bought apples, pears, and a melon the size of my head.",
            "At the market I bought apples, pears, and a melon the size of my head.",
        ),
        (  # what stands before the comma is no sentence on its own
            "After my cousin's reception in May, where someone filmed everything, we tore up our plan.",
            "After my cousin's reception in May, where someone filmed everything, we tore up our plan.",
        ),
        ("The bus was late, and I ran.", "The bus was late, and I ran."),  # the main clause alone is too short
        (  # a turn of the sentence is its point: cut, it would say the opposite
            "The flat's lease bans anything that barks, but my landlord said yes to a couple of bunnies.",
            "The flat's lease bans anything that barks, but my landlord said yes to a couple of bunnies.",
        ),
        (
            "I queued at the bakery for twenty minutes on Saturday, only to find the rye had sold out.",
            "I queued at the bakery for twenty minutes on Saturday, only to find the rye had sold out.",
        ),
    ],
)
def test_tighten_keeps_the_main_clause_and_nothing_that_is_not_a_sentence(sentence, cut):
    assert tighten(sentence) == cut


def _bank() -> list[str]:
    tax = load_taxonomy()
    sentences = [*tax.world.habits, *(n.text if hasattr(n, "text") else str(n) for n in tax.world.news)]
    for domain in tax.domains:
        sentences += domain.neutral
        sentences += [c for s in domain.scenarios for o in s.options for c in (*o.cues, *o.change_cues)]
    return sentences


def test_every_cut_of_the_sentence_banks_is_a_sentence_that_begins_the_original():
    bank = _bank()
    cuts = [(s, tighten(s)) for s in bank]
    changed = [(s, c) for s, c in cuts if c != s]
    assert len(changed) > len(bank) // 4  # most texts have something to lose
    for s, c in changed:
        assert s.startswith(c[:-1]) and c.endswith(".") and len(c.split()) >= MIN_MAIN_WORDS, (s, c)
        assert not re.match(r"(After|When|If|Although|Since|Before|While|Until|Because)\b[^,]*\.$", c), c


@pytest.mark.parametrize(
    ("sentence", "written"),
    [
        ("I have been told that it is fine.", "I've been told that it's fine."),
        ("I could not tell you, and I am not sure.", "I couldn't tell you, and I'm not sure."),
        ("I know where it is.", "I know where it is."),  # never at a clause's end
        ("The walk there is much shorter.", "The walk there is much shorter."),  # "there" is no subject here
        ("My nephew and I have been reading.", "My nephew and I have been reading."),
        ("I have a jar of keys.", "I have a jar of keys."),  # "I've a jar" is not how it is written
    ],
)
def test_casual_contracts_only_where_people_do(sentence, written):
    assert casual(sentence) == written


def test_shorter_drops_one_sentence_whole_but_never_the_first():
    plain = [f"Sentence number {i} is about the weather and the bins on our street." for i in range(3)]
    clauses = [
        "The boiler broke again on Tuesday, and my sister came over with a heater.",
        "Our street had a clean-up morning on Saturday, and everyone turned up with gloves.",
    ]
    dropped = set()
    for seed in range(10):
        cut = shorter(plain, random.Random(seed))
        assert len(cut) == 2 and cut[0] == plain[0] and cut == [s for s in plain if s in cut]
        dropped |= set(plain) - set(cut)
        assert shorter(clauses, random.Random(seed)) == clauses[:1]
        assert shorter(clauses[1:], random.Random(seed)) == [tighten(clauses[1])]  # one sentence: its main clause
    assert dropped == set(plain[1:])


def test_trimmed_cuts_fillers_but_never_the_sense():
    """Readers found every cut dropped whole sentences and never tightened a word."""
    from llm.rewrite import trimmed

    tremor = "A small tremor rattled the cups on Sunday, which apparently happens here every few decades."
    assert trimmed(tremor) == tremor  # "apparently" says it is hearsay: never cut (a reader flagged it)
    assert trimmed("We had just got home when the power went.") == "We had just got home when the power went."
    assert trimmed("I've just finished it and it was really good.") == "I've just finished it and it was good."
    # "just" that means "only" or "barely" stays (a reader met ", hundreds of doorways" for ", just hundreds")
    only = "Almost no pictures of myself, just hundreds of doorways and plates of food."
    assert trimmed(only) == only
    assert trimmed("It took just under two hours.") == "It took just under two hours."
    assert trimmed("We went in order to see the very first show.") == "We went to see the first show."
    kept = "I only just made it, it was not really worth it, and quite a few came; thank you very much."
    assert trimmed(kept) == kept  # "only just", "not really", "quite a few", "very much" carry the sense
    assert trimmed("Just one more thing.") == "Just one more thing."  # a first word stays
