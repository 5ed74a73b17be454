"""Generation backends behind one interface (``llm.base.Generator``).

- ``offline`` (default): procedural, seeded, deterministic, no network (``llm.offline``).
- ``openai``: any OpenAI-compatible server (its own issue; ``get_generator`` says so until it lands).
"""

from __future__ import annotations

from llm.base import GenerationError, Generator


def get_generator(backend: str, seed: int) -> Generator:
    """The backend named by a config's ``backend`` field."""
    if backend == "offline":
        from llm.offline import OfflineGenerator

        return OfflineGenerator(seed=seed)
    if backend == "openai":
        raise GenerationError("the 'openai' backend is not available in this version; use --backend offline")
    raise GenerationError(f"unknown backend {backend!r}; choose 'offline' or 'openai'")


__all__ = ["GenerationError", "Generator", "get_generator"]
