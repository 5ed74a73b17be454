"""The base of every Tacit record: strict (unknown fields are errors) and immutable.

Why frozen: stage outputs flow between Prefect tasks and into the warehouse; nothing may edit a row in
place after it was generated, or its content hash (and so the dataset version) would lie.
"""

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """Base model for every Tacit record: ``extra="forbid"``, frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
