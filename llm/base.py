"""The ``Generator`` interface every generation backend implements.

Why batches: a stage hands a whole shard's requests at once, so an LLM backend can run them
concurrently under its rate limits while the offline backend simply loops. Outputs come back in input
order and are validated instances of the call site's output model; a backend raises
``GenerationError`` rather than return something unvalidated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from llm.callsites import CallSite


class GenerationError(RuntimeError):
    """A call site could not produce a valid output; the message names the call site and key."""


@runtime_checkable
class Generator(Protocol):
    name: str
    version: str

    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        """One output (``site.output_model``) per request, in order."""
        ...


def check_inputs(site: CallSite, requests: Sequence[BaseModel]) -> None:
    for r in requests:
        if not isinstance(r, site.input_model):
            raise GenerationError(f"{site.name}: expected {site.input_model.__name__}, got {type(r).__name__}")
