"""Placeholder flows for the evaluation and training deployments.

They exist so that ``train_sft/default``, ``train_grpo/default`` and
``train_memory/default`` are served and visible from day one; a run fails at once with a message
saying what is missing. Each is replaced by the real flow when its issue lands.
"""

from __future__ import annotations

from prefect import flow

from warehouse import DEFAULT_DB


class NotAvailableYet(RuntimeError):
    """A deployment whose flow is not part of this version of Tacit."""


def _unavailable(what: str) -> NotAvailableYet:
    return NotAvailableYet(
        f"{what} is not available in this version of Tacit yet; only synth/* deployments run. "
        f"Generate data with `prefect deployment run synth/small`."
    )


@flow(name="train_sft")
def train_sft(version: str | None = None, db: str = str(DEFAULT_DB)) -> None:
    """Cold-start SFT (not yet available)."""
    raise _unavailable("SFT training (train_sft/default)")


@flow(name="train_grpo")
def train_grpo(version: str | None = None, db: str = str(DEFAULT_DB)) -> None:
    """Long-context GRPO (not yet available)."""
    raise _unavailable("GRPO training (train_grpo/default)")


@flow(name="train_memory")
def train_memory(version: str | None = None, db: str = str(DEFAULT_DB)) -> None:
    """Agentic-memory GRPO (not yet available)."""
    raise _unavailable("memory-agent training (train_memory/default)")


STUBS = (train_sft, train_grpo, train_memory)
