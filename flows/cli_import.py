"""``tacit import personamem-v2 DIR``: bring data in PersonaMem-v2's released layout into the warehouse.

    tacit import personamem-v2 DIR [--db DB]

Why: ``tacit eval`` and ``tacit report quality`` then run on it unchanged (a reference evaluator for
PersonaMem-v2's text benchmark). How: ``flows.import_personamem``; the folder is read and checked before
the warehouse is touched, each error is one line naming the file, row or column, and an interrupted
import writes nothing. Importing the same folder again answers with the version it already has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.table import Table

from flows.cli_common import DbOption, console, fail
from flows.import_personamem import import_personamem
from warehouse import DEFAULT_DB, WarehouseError, connect

import_app = typer.Typer(help="Import a dataset in another layout as a dataset version.", no_args_is_help=True)


@import_app.command("personamem-v2")
def import_personamem_command(
    folder: Annotated[Path, typer.Argument(help="folder holding benchmark/text/*.csv and data/chat_history_*/")],
    db: DbOption = str(DEFAULT_DB),
) -> None:
    """Import PersonaMem-v2's released layout (benchmark CSVs and chat-history JSON) as a version."""
    if not folder.is_dir():
        fail(f"DIR: {folder} is not a folder")
    try:
        con = connect(db)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        console.print(f"[bold]tacit import personamem-v2[/] {folder} -> {db}")
        vid, state, counts = import_personamem(con, folder, note=lambda m: console.print(f"  {m}", highlight=False))
    except (WarehouseError, OSError, duckdb.Error, ValueError) as exc:
        fail(f"{type(exc).__name__}: {exc}" if isinstance(exc, duckdb.Error) else str(exc))
    finally:
        con.close()
    if state == "complete":
        console.print(f"already imported: version {vid} (nothing written)")
        return
    table = Table("table", "rows", title=f"imported version {vid}")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"next: tacit eval --version {vid} --db {db}   |   tacit report quality --version {vid} --db {db}")
