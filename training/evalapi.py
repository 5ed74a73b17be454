"""The evaluation interfaces training relies on, in one place (one scoring rule for benchmarks and rewards).

Rendering, chunking, memory prompts, the memory cap, answer extraction and the offline judge all come from
``evaluation``; training never re-implements them, so a model is trained on exactly the prompts it is
evaluated with.
"""

from __future__ import annotations

try:
    from evaluation.extraction import extract_answer
    from evaluation.judges import lexical_judge
    from evaluation.memory import (
        CHUNK_TOKENS,
        MEMORY_CAP_TOKENS,
        answer_messages,
        cap_memory,
        chunk_history,
        memory_messages,
    )
    from evaluation.render import RenderedMCQ, query_seed, render_mcq
except ImportError:  # evaluation's modules not merged yet
    from training._eval_shim import (  # type: ignore[assignment]
        CHUNK_TOKENS,
        MEMORY_CAP_TOKENS,
        RenderedMCQ,
        answer_messages,
        cap_memory,
        chunk_history,
        extract_answer,
        lexical_judge,
        memory_messages,
        query_seed,
        render_mcq,
    )

__all__ = [
    "CHUNK_TOKENS",
    "MEMORY_CAP_TOKENS",
    "RenderedMCQ",
    "answer_messages",
    "cap_memory",
    "chunk_history",
    "extract_answer",
    "lexical_judge",
    "memory_messages",
    "query_seed",
    "render_mcq",
]
