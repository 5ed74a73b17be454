"""Scenario naming (``llm.naming``): the trie pattern finds exactly what the longest-first alternation finds."""

from __future__ import annotations

import random
import re

from llm.naming import _trie_pattern, scenario_namer


def _alternation(terms: list[str]) -> re.Pattern[str]:
    """The plain pattern the trie stands for: every term, longest first, as whole words."""
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(terms, key=lambda t: (-len(t), t))) + r")\b")


def test_the_trie_finds_the_longest_whole_word_term_at_each_place():
    terms = ["desk", "standing desk", "stand", "standing", "ab", "abc", "abc d", "e-reader", "e"]
    trie = re.compile(rf"\b{_trie_pattern(sorted(terms))}\b")
    assert trie.findall("a standing desk, a stand and a standing one") == ["standing desk", "stand", "standing"]
    assert trie.findall("abc de; abc d; abcd") == ["abc", "abc d"]  # "abc d" needs its closing \b: back to "abc"
    assert trie.findall("an e-reader, an e-mail") == ["e-reader", "e"]
    plain = _alternation(terms)
    rng = random.Random(0)
    for _ in range(2000):  # fragments and glued terms: the plain alternation's answer every time
        text = rng.choice(["", " ", "-", "s "]).join(rng.choice(terms)[: rng.randint(1, 13)] for _ in range(4))
        assert trie.findall(text) == plain.findall(text), text


def test_the_namer_agrees_with_the_plain_alternation_on_every_bank_sentence_and_cue(tax):
    owners: dict[str, set[str]] = {}
    for scenario in tax.scenarios.values():
        for option in scenario.options:
            for term in option.key_terms:
                owners.setdefault(term.lower(), set()).add(scenario.id)
    plain = _alternation(list(owners))
    named = scenario_namer(tax)
    texts = [*tax.world.news, *tax.world.habits, *(s for d in tax.domains for s in d.neutral)]
    texts += [c for s in tax.scenarios.values() for o in s.options for c in (*o.cues, *o.change_cues)]
    found = 0
    for text in texts:
        expected = frozenset(s for term in plain.findall(text.lower()) for s in owners[term])
        assert named(text) == expected, text
        found += bool(expected)
    assert found > 100  # the comparison covers texts that name options, not only ones that name none
