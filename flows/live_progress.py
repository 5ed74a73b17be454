"""The CLI's live progress display: one line per stage with a bar, done/total, elapsed time, an ETA and a
detail text (a trainer's loss, an LLM stage's tokens and dollars).

What: ``RichSink`` is the ``flows.progress`` sink the commands install; ``progress_bars()`` builds the
display. Why: a shard can take minutes (an LLM stage of a few hundred calls, a training run of a few
hundred steps), and a bar that moves once per shard looks stuck. How: ``rich``; on a terminal the lines
redraw in place; piped (a console that is not a terminal) rich draws only the final state once, so logs
stay clean; ``--quiet`` draws nothing. ``tacit synth --preset small`` shows it.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def progress_bars(console: Console | None = None, width: int = 14, quiet: bool = False) -> Progress:
    """The display: description, bar, done/total, elapsed, time remaining, detail (nothing with ``quiet``)."""
    return Progress(
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
        transient=False,
        disable=quiet,
    )


class RichSink:
    """Progress display: one line per stage, advancing per shard, per training step or per LLM call."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.ids: dict[str, int] = {}

    def start(self, stage: str, total: int) -> None:
        if stage in self.ids:  # started again (a resumed run): the line is reset, not duplicated
            self.progress.reset(self.ids[stage], total=max(total, 1), completed=0 if total else 1)
            return
        self.ids[stage] = self.progress.add_task(stage, total=max(total, 1), completed=0 if total else 1, detail="")

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.ids:
            self.progress.advance(self.ids[stage], n)

    def detail(self, stage: str, text: str) -> None:
        if stage in self.ids:
            self.progress.update(self.ids[stage], detail=text)

    def note(self, message: str) -> None:
        self.progress.console.print(message)
