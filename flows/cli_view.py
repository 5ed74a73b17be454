"""``tacit view``: browse the warehouse in a local web page (``flows.view_server``)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import DbOption, console, fail
from warehouse import DEFAULT_DB, WarehouseError, connect


def view_command(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0: any free port)")] = 8765,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Browse versions, personas, preferences, histories (cue turns highlighted) and queries with every
    evaluation's answer, score and memory, at http://127.0.0.1:PORT/ (Ctrl-C stops)."""
    from flows.view_server import make_server

    if not 0 <= port <= 65535:
        fail(f"--port: must be 0-65535 (got {port})")
    try:
        con = connect(Path(db) if not str(db).startswith("ducklake:") else db, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        server = make_server(con, port)
    except OSError as exc:
        con.close()
        taken = exc.errno == errno.EADDRINUSE
        fail(f"--port {port}: " + ("already in use; pick another or --port 0" if taken else str(exc)))
    host, bound = server.server_address[:2]
    console.print(f"serving {db} at http://{host}:{bound}/  (Ctrl-C stops)", soft_wrap=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        con.close()
