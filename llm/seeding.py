"""Deterministic seeds derived from ids, never from global state.

``rng_for(seed, "preferences", persona_id)`` gives the same ``random.Random`` stream for the same
root seed and path on every machine and in every process (blake2b, not Python's salted ``hash``), so
shards can run in any order or be resumed and still produce identical rows.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random(derive_seed(*parts))


def weighted_choice(rng: random.Random, values: list[str], weights: list[float]) -> str:
    return rng.choices(values, weights=weights, k=1)[0]
