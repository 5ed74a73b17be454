"""Answer extraction: the one rule that turns a model's reply into an option letter.

Benchmarks, baselines and training rewards all score through ``extract_answer`` so that a number means
the same thing everywhere (reproductions of PersonaMem-v2 disagreed by up to 9 points partly because each
parsed answers its own way). Letters are capitals only, standing alone as a word ("a matter of taste" is
no answer). The rule, by tier; the first tier that finds any letter decides:

1. explicit answers: every ``\\boxed{X}`` (also ``\\boxed{\\text{X}}``) and every ``Final Answer: X`` /
   ``Answer: X`` / ``answer is X`` (``X``, ``(X)``, ``**X**``), with the letters chained to it
   (``Answer: A or B``, ``A/B``, ``A and B``);
2. letter mentions: ``(X)``, ``**X**``, ``pick/choose/go with/option X``, or a letter opening the reply, a
   line or a sentence followed by a separator or the end (``B``, ``B) the night train``, ``B. B is best``);
   an opening ``A`` followed by a lowercase word is the article, not a letter;
3. the reply contains exactly one option's full text (case and punctuation ignored).

Two different letters in the deciding tier are a hedge, not a choice: ``None``; the same letter
repeated is fine. Anything else is ``None`` too: unparseable, scored as wrong and recorded as such
(never guessed).

    >>> extract_answer("I think \\\\boxed{C}", {"A": "tea", "B": "coffee", "C": "water", "D": "juice"})
    'C'
"""

from __future__ import annotations

import re

LETTERS = ("A", "B", "C", "D")

_L = r"(?<![\w\\])\(?\**([A-D])\**\)?(?![\w'])"  # one letter standing alone, maybe bracketed or bold
_BOXED = re.compile(r"\\boxed\{\s*(?:\\text(?:bf)?\{\s*)?\(?([A-D])\)?\s*\}?\s*\}")
_ANSWER = re.compile(
    r"(?i:final\s+answer|answer\s+is|answer)\s*[:=]?\s*\**\s*"
    rf"({_L}(?:\s*(?:,|/|&|(?i:or|and))\s*{_L})*)"
)
_LETTER = re.compile(r"(?<![\w\\])([A-D])(?![\w'])")
_MENTION = re.compile(
    r"\(([A-D])\)|\*\*([A-D])\*\*"
    rf"|(?i:pick|picked|choose|chose|go\s+with|going\s+with|option|select)\s+{_L}"
    r"|(?:^|[.!?:]\s+)\**\(?([A-D])(?=\)|\**\s*$|\**\s*[.:,;!\-]|\s+(?:is|because|since|as)\b|\s+[A-Z])",
    re.M,
)
_SPACES = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.lower()).strip()


def _one(letters: set[str]) -> str | None:
    return next(iter(letters)) if len(letters) == 1 else None


def extract_answer(response: str, options: dict[str, str]) -> str | None:
    """The letter a response chooses among ``options`` (letter -> text), or None if it cannot be told."""
    if not response or not response.strip():
        return None
    explicit = set(_BOXED.findall(response))
    for found in _ANSWER.finditer(response):
        explicit |= set(_LETTER.findall(re.sub(r"[()*]", " ", found.group(1))))
    if explicit:
        return _one(explicit)
    mentioned = {letter for groups in _MENTION.findall(response.strip()) for letter in groups if letter}
    if mentioned:
        return _one(mentioned)
    said = _norm(response)
    matches = [label for label, text in options.items() if _norm(text) and _norm(text) in said]
    return matches[0] if len(matches) == 1 else None
