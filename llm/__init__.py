"""Generation backends behind one interface (``llm.base.Generator``).

- ``offline`` (default): procedural, seeded, deterministic, no network (``llm.offline``).
- ``openai``: any OpenAI-compatible server through the async SDK (``llm.openai_backend``).
"""

from __future__ import annotations

from llm.base import GenerationError, Generator


def get_generator(backend: str, seed: int, *, model: str | None = None, **openai_options) -> Generator:
    """The backend named by a config's ``backend`` field. ``openai_options`` go to ``OpenAIGenerator``
    (base_url, store, max_cost, concurrency, run_id, ...)."""
    if backend == "offline":
        from llm.offline import OfflineGenerator

        return OfflineGenerator(seed=seed)
    if backend == "openai":
        if not model:
            raise GenerationError("the openai backend needs a model: set `model` in the config or pass --model")
        from llm.openai_backend import OpenAIGenerator

        return OpenAIGenerator(model, **openai_options)
    raise GenerationError(f"unknown backend {backend!r}; choose 'offline' or 'openai'")


__all__ = ["GenerationError", "Generator", "get_generator"]
