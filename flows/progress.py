"""Progress reporting from inside a flow to whoever is watching (the CLI's live display).

Stage wrappers call ``advance(stage)`` after each shard; the CLI installs a sink with ``reporting``.
Without a sink (a served deployment, a test) reports go nowhere. A process-wide sink, not a flow
parameter, because Prefect parameters must be serializable and a display is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressSink(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def advance(self, stage: str, n: int = 1) -> None: ...
    def note(self, message: str) -> None: ...


class _Null:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


_sink: ProgressSink = _Null()


def sink() -> ProgressSink:
    return _sink


@contextmanager
def reporting(new: ProgressSink) -> Iterator[ProgressSink]:
    global _sink
    old, _sink = _sink, new
    try:
        yield new
    finally:
        _sink = old
