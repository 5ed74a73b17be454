"""Pieces every ``tacit`` command module shares: consoles, the one-line error, the ``--db`` option, and
the remote-request settings of ``--backend openai`` (``--timeout``, ``--max-attempts``, ``--deadline``,
``--concurrency``)."""

from __future__ import annotations

import logging
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="no live progress lines; the summary only")]
err = Console(stderr=True)


def _db_value(value: str | Path) -> str:
    """``--db`` as given (a string, so ``s3://`` in a ``data_path=`` keeps its slashes), minus any
    ``password=``: that goes to ``PGPASSWORD`` so no flow parameter, log or record holds it."""
    from warehouse.ducklake import take_password

    return take_password(value)


DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        help="warehouse file, ducklake:DIR, or 'ducklake:postgres:dbname=D host=H [data_path=DIR_OR_URL]'",
        callback=_db_value,
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        help="--backend openai: seconds one request may take before it is retried [default: 60 synth, 120 eval]"
    ),
]
AttemptsOption = Annotated[
    int | None,
    typer.Option(help="--backend openai: tries per request, retries included, before it is a failed call [default: 6]"),
]
DeadlineOption = Annotated[
    float | None, typer.Option(help="--backend openai: send no request after SECONDS; finished work is kept")
]
DEFAULT_CONCURRENCY = 16  # suits hosted APIs; a local server on one GPU may want fewer, a big deployment more
ConcurrencyOption = Annotated[
    int,
    typer.Option(
        help="--backend openai: most requests in flight at once (halved on a 429, grown back per success); "
        "an execution setting: the dataset version and the LLM cache are the same at any value"
    ),
]


def fail(message: str) -> None:
    """Print one red line naming what is wrong and exit with status 2."""
    from llm.redact import redact  # an error may quote a key or a credentialed URL

    err.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False)  # a message's [brackets] are text
    raise typer.Exit(2)


def check_concurrency(concurrency: int) -> int:
    """``--concurrency`` if it is at least 1, else the one-line error naming the option."""
    if concurrency < 1:
        fail(f"--concurrency: must be at least 1 (got {concurrency})")
    return concurrency


def remote_settings(
    endpoints: list[str | None], timeout: float | None, max_attempts: int | None, deadline: float | None
) -> AbstractContextManager:
    """For ``--backend openai``: the block applying the request settings to every client built inside it.
    Refuses, before any request, a bad value (naming its option) and, among the ``endpoints`` the run
    will call (None: OpenAI's public one), the public endpoint without a key."""
    for name, value in (("--timeout", timeout), ("--max-attempts", max_attempts), ("--deadline", deadline)):
        if value is not None and value <= 0:
            fail(f"{name}: must be above 0 (got {value})")
    if any(not url for url in endpoints) and not os.environ.get("OPENAI_API_KEY"):
        fail(
            "--backend openai: no API key: set OPENAI_API_KEY, or pass --base-url for a local OpenAI-compatible server"
        )
    from llm.client_settings import applied

    return applied(timeout=timeout, max_attempts=max_attempts, deadline_s=deadline)


def bare_url(url: str | None) -> str | None:
    """``url`` without its credentials, which stay in this process (``llm.client_settings``) and out of every
    flow parameter, row and log; clients built here still send them."""
    from llm.client_settings import strip_credentials

    return strip_credentials(url)


class _RunErrors(logging.Filter):
    """Flow and task run errors (with their tracebacks), which the command reports itself as one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno >= logging.ERROR and record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))
        )


def hide_run_errors() -> None:
    """Keep Prefect's run errors off the console (they still reach its API and UI): a failed run is
    reported as one red line by the command; ``--verbose`` shows Prefect's own logs instead."""
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler" and not any(
            isinstance(f, _RunErrors) for f in handler.filters
        ):
            handler.addFilter(_RunErrors())
