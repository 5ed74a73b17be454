"""Progress reporting from inside a flow to whoever is watching (the CLI's live display).

Stage wrappers call ``advance(stage)`` after each shard; work that runs long inside one unit (a trainer's
steps, a batch of LLM calls) starts its own line and advances it per step or per call, with ``detail``
saying what a bar cannot (the loss, tokens and dollars so far). The CLI installs a sink with ``reporting``
(``flows.live_progress``). Without a sink (a served deployment, a test) reports go nowhere. A process-wide
sink, not a flow parameter, because Prefect parameters must be serializable and a display is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressSink(Protocol):
    def start(self, stage: str, total: int) -> None: ...
    def advance(self, stage: str, n: int = 1) -> None: ...
    def note(self, message: str) -> None: ...
    def detail(self, stage: str, text: str) -> None: ...


class _Null:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def detail(self, stage: str, text: str) -> None:
        pass


_sink: ProgressSink = _Null()


def sink() -> ProgressSink:
    return _sink


def watched() -> bool:
    """Whether a display is installed (a command's live progress), not the silent default."""
    return not isinstance(_sink, _Null)


@contextmanager
def reporting(new: ProgressSink) -> Iterator[ProgressSink]:
    global _sink
    old, _sink = _sink, new
    try:
        yield new
    finally:
        _sink = old


def llm_reporter():
    """A callback for ``OpenAIGenerator.on_progress``: one line per call site ("llm signal_session"), advanced
    per finished call, with the site's tokens, dollars, cache hits and failures so far as detail. A site's
    next batch (the next shard) restarts its line."""

    def report(site: str, done: int, total: int, ledger) -> None:
        stage = f"llm {site}"
        if done == 1:
            _sink.start(stage, total)
        _sink.advance(stage)
        mine = ledger.sites.get(site)
        if mine is not None:
            tokens = mine.tokens_in + mine.tokens_out
            failed = f"  {mine.failed} failed" if mine.failed else ""
            _sink.detail(stage, f"{tokens:,} tokens  ${mine.cost_usd:.2f}  {mine.cache_hits} cached{failed}")

    return report
