"""Which scenarios a sentence names an option of: the key terms of their options that it says.

What: ``scenario_namer(tax)(text)`` gives the ids of the scenarios one of whose options' ``key_terms``
("library", "standing desk", "post office") the text contains as words. Why: the user's habits stand in
texts of every domain, and a habit that says "library" beside a question on where the user borrows books
is a second, unmarked cue (or a distractor the gold option then shares a word with). Forbidding every key
term of every domain in the habits forced round-about wording a reader noticed ("the lending hall", "the
post shop"); instead a persona's texts leave out the sentences that name an option of a question it is
asked (``flows.stages.news.NewsSupply``). How: one pattern of all key terms (a trie of characters,
``_trie_pattern``), matched once per sentence and cached; ``python -c "from llm.naming import
scenario_namer; from taxonomy import load_taxonomy; print(scenario_namer(load_taxonomy())('I queued at the
library.'))"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from taxonomy import Taxonomy


def scenario_namer(tax: Taxonomy) -> Callable[[str], frozenset[str]]:
    """A function from a text to the scenarios of ``tax`` whose options' key terms it says (case-blind,
    whole words), with its own cache: built once per set of key terms and process."""
    return _namer(tuple((s.id, tuple(t for o in s.options for t in o.key_terms)) for s in tax.scenarios.values()))


@lru_cache(maxsize=4)
def _namer(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> Callable[[str], frozenset[str]]:
    owners: dict[str, set[str]] = {}
    for scenario_id, words in terms:
        for term in words:
            owners.setdefault(term.lower(), set()).add(scenario_id)
    pattern = re.compile(rf"\b{_trie_pattern(sorted(owners))}\b")
    cache: dict[str, frozenset[str]] = {}  # keyed by the text alone: a sentence recurs across personas

    def named(text: str) -> frozenset[str]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = frozenset(s for term in pattern.findall(text.lower()) for s in owners[term])
        return found

    return named


def _trie_pattern(terms: list[str]) -> str:
    """One regular expression for ``terms`` that matches at a position what the alternation of all of them,
    longest first, matches there ("standing desk" wins over "desk"): the terms as a trie of characters, each
    node trying to go on before it ends a term. Along the text only one child of a node can match, so the
    first match the engine finds is the longest term that the closing ``\\b`` accepts, as with the plain
    alternation; but a term's shared prefix is read once, not once per term (the plain alternation of
    several thousand key terms cost 0.6 ms per sentence, several seconds of every process's first shards)."""
    trie: dict = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}  # a term ends here

    def branch(node: dict) -> str:
        goes_on = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        ends = [""] if "" in node else []
        if not goes_on:
            return ""
        return f"(?:{'|'.join(goes_on + ends)})"

    return branch(trie)
