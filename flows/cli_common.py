"""Pieces every ``tacit`` command module shares: consoles, the one-line error, the ``--db`` option."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err = Console(stderr=True)
DbOption = Annotated[Path, typer.Option("--db", help="warehouse file, or ducklake:DIR")]


def fail(message: str) -> None:
    """Print one red line naming what is wrong and exit with status 2."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)  # a message's [brackets] are text
    raise typer.Exit(2)
