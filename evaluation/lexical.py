"""A lexical answerer: picks the option whose words overlap most with a context.

Used twice: as the question-only baseline of the quality report (context = the query alone: a dataset
whose answers this finds above chance leaks through its wording), and later as the ``offline`` model of
the evaluator. Scores are cosine-like: shared content words / sqrt(option words), so long options do
not win by length alone. Ties go to the option whose text hashes lowest (``tie_break``): the same option
wins however the options are lettered, so re-lettered data (an import of an export) scores the same.

    >>> lexical_choice("which tea for my morning", {"A": "Brew green tea.", "B": "Drink water."})
    'A'

The open-ended judge (``evaluation.judges``) reads text through ``stems`` (content words in order, plurals
folded so "storms" meets "storm") and ``english_share`` (share of tokens that are English function
words: an answer in another language has almost none, whatever its length).
"""

from __future__ import annotations

import hashlib
import math
import re

_STOP = """a an and are as at be but by can do for from have how i if in is it its me my of on or our so that the
their them then there these this to was we what when which will with you your should would could just about into
than too very also any some more most"""
STOPWORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[a-z0-9']+")
_TOKEN = re.compile(r"[^\W_]+")


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def _fold(word: str) -> str:
    """A plural folded to its singular, crudely: drop a final "s" (not "ss", "us", "is") of 4+ letters."""
    return word[:-1] if len(word) > 3 and word[-1] == "s" and word[-2:] not in ("ss", "us", "is") else word


def stems(text: str) -> list[str]:
    """Content words of ``text`` in order, plurals folded (repeats kept: callers take a set or a sequence)."""
    return [_fold(w.strip("'")) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w.strip("'")) > 1]


def english_share(text: str) -> float:
    """Share of the text's tokens (any script) that are English function words; 0.0 for no tokens."""
    tokens = _TOKEN.findall(text.lower())
    return sum(t in STOPWORDS for t in tokens) / len(tokens) if tokens else 0.0


def lexical_scores(context: str | set[str], options: dict[str, str]) -> dict[str, float]:
    """Scores of each option against a context (text, or its content words already computed)."""
    ctx = context if isinstance(context, set) else content_words(context)
    scores = {}
    for label, text in options.items():
        words = content_words(text)
        scores[label] = len(words & ctx) / math.sqrt(len(words)) if words else 0.0
    return scores


def lexical_choice(context: str | set[str], options: dict[str, str]) -> str:
    scores = lexical_scores(context, options)
    best = max(scores.values())
    return tie_break([label for label, s in scores.items() if s == best], options)


def tie_break(labels: list[str], options: dict[str, str]) -> str:
    """Of tied ``labels``, the one whose option text has the lowest SHA-1 (label order plays no part)."""
    return min(labels, key=lambda label: (hashlib.sha1(options[label].encode()).hexdigest(), label))
