"""Placeholder flow for the evaluation deployment.

It exists so that ``evaluate/default`` is served and visible from day one; a run fails at once with a
message saying what is missing. It is replaced by the real flow when its issue lands (the training
flows live in ``flows/train.py``).
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


@flow(name="evaluate")
def evaluate(version: str | None = None, db: str = str(DEFAULT_DB)) -> None:
    """Evaluate a dataset version (not yet available)."""
    raise _unavailable("evaluation (evaluate/default)")


STUBS = (evaluate,)
