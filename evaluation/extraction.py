"""Answer extraction: the one rule that turns a model's reply into an option letter.

Benchmarks, baselines and training rewards all score through ``extract_answer`` so that a number means
the same thing everywhere (reproductions of PersonaMem-v2 disagreed by up to 9 points partly because each
parsed answers its own way). The rule, first match wins:

1. ``\\boxed{X}`` (also ``\\boxed{\\text{X}}``), the last one in the reply;
2. ``Final Answer: X`` / ``Answer: X`` / ``answer is X`` (``X``, ``(X)``, ``X.``), the last one;
3. the reply is a bare letter (``B``, ``(B)``, ``**B**``) or starts with one and a separator
   (``B. Brew green tea``, ``B) because ...``);
4. the reply contains exactly one option's full text (case and punctuation ignored).

Anything else is ``None``: unparseable, scored as wrong and recorded as such (never guessed).

    >>> extract_answer("I think \\\\boxed{C}", {"A": "tea", "B": "coffee", "C": "water", "D": "juice"})
    'C'
"""

from __future__ import annotations

import re

LETTERS = ("A", "B", "C", "D")

_BOXED = re.compile(r"\\boxed\{\s*(?:\\text(?:bf)?\{\s*)?\(?([A-D])\)?\s*\}?\s*\}")
_ANSWER = re.compile(r"(?:final\s+answer|answer\s+is|answer)\s*[:=]?\s*\**\s*\(?([A-D])\b\)?", re.I)
_BARE = re.compile(r"^\s*\**\(?([A-D])\)?\**\s*(?:[.):\-]\s*(.*))?$", re.S)
_SPACES = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.lower()).strip()


def extract_answer(response: str, options: dict[str, str]) -> str | None:
    """The letter a response chooses among ``options`` (letter -> text), or None if it cannot be told."""
    if not response or not response.strip():
        return None
    boxed = _BOXED.findall(response)
    if boxed:
        return boxed[-1].upper()
    answered = [m.group(1).upper() for m in _ANSWER.finditer(response) if m.group(1).upper() in LETTERS]
    if answered:
        return answered[-1]
    bare = _BARE.match(response.strip())
    if bare:
        return bare.group(1).upper()
    said = _norm(response)
    matches = [label for label, text in options.items() if _norm(text) and _norm(text) in said]
    if len(matches) == 1:
        return matches[0]
    return None
