"""Which scenarios a sentence names an option of: the key terms of their options that it says.

What: ``named_scenarios(text, key_term_index(tax))`` gives the ids of the scenarios one of whose options'
``key_terms`` ("library", "standing desk", "post office") the text contains as words. Why: the user's habits stand in
texts of every domain, and a habit that says "library" beside a question on where the user borrows books
is a second, unmarked cue (or a distractor the gold option then shares a word with). Forbidding every key
term of every domain in the habits forced round-about wording a reader noticed ("the lending hall", "the
post shop"); instead a persona's texts leave out the sentences that name an option of a question it is
asked (``flows.stages.news.NewsSupply``). How: one alternation of all key terms, matched once per
sentence and cached; ``python -c "from llm.naming import key_term_index, named_scenarios; from taxonomy
import load_taxonomy; t = load_taxonomy(); print(named_scenarios('At the library.', key_term_index(t)))"``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from taxonomy import Taxonomy


def key_term_index(tax: Taxonomy) -> re.Pattern:
    """One pattern over every key term of ``tax`` (longest first, so "standing desk" wins over "desk"),
    cached by the terms themselves; pass it to ``named_scenarios``."""
    return _index(tuple((s.id, tuple(t for o in s.options for t in o.key_terms)) for s in tax.scenarios.values()))


_OWNERS: dict[re.Pattern, dict[str, frozenset[str]]] = {}


@lru_cache(maxsize=4)
def _index(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> re.Pattern:
    owners: dict[str, set[str]] = {}
    for scenario_id, words in terms:
        for term in words:
            owners.setdefault(term.lower(), set()).add(scenario_id)
    alternation = "|".join(re.escape(t) for t in sorted(owners, key=lambda t: (-len(t), t)))
    pattern = re.compile(rf"\b(?:{alternation})\b")
    _OWNERS[pattern] = {t: frozenset(s) for t, s in owners.items()}
    return pattern


@lru_cache(maxsize=1 << 16)
def named_scenarios(text: str, index: re.Pattern) -> frozenset[str]:
    """The scenarios whose options' key terms ``text`` says (case-blind, whole words); ``index``:
    ``key_term_index(tax)``."""
    owners = _OWNERS[index]
    found: set[str] = set()
    for term in index.findall(text.lower()):
        found |= owners[term]
    return frozenset(found)
