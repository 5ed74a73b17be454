"""The life details readers gave sentences that the word rules of ``llm.life_words`` miss.

What: ``labelled()`` maps a lowercased sentence to the ``LIFE_WORDS`` tags listed for it in
``taxonomy/life_labels.yaml`` ("after my son pushed a bead up his nose" is a small child's, ``little``; "my
work laptop is ancient" is someone with a job, ``work``). Why: a rule of words finds "toddler" and "my
manager", not a ball pit or the firm's new logo, and a blind reader met both from an eighty-year-old;
``llm.life.life_tags`` adds these tags to those the words carry. How: read once per process with the C
loader; ``taxonomy.load_taxonomy`` checks the file (known tags, sentences that stand in a bank), and this
reads the package's own copy whatever taxonomy root a run loads.
``python -c "from llm.life_labels import labelled; print(len(labelled()))"``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LABELS_PATH = Path(__file__).resolve().parents[1] / "taxonomy" / "life_labels.yaml"


@cache
def labelled() -> dict[str, frozenset[str]]:
    """Lowercased sentence -> the tags readers gave it; empty when the file is absent."""
    if not LABELS_PATH.exists():
        return {}
    spec = yaml.load(LABELS_PATH.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    labels: dict[str, set[str]] = {}
    for tag, sentences in spec.get("labels", {}).items():
        for sentence in sentences:
            labels.setdefault(sentence.lower(), set()).add(tag)
    return {sentence: frozenset(tags) for sentence, tags in labels.items()}
