"""The ``tacit`` command line.

    tacit synth --preset small [--seed N] [--db PATH] [--config FILE.yaml]
    tacit sql "SELECT kind, count(*) FROM latest_preferences GROUP BY kind"
    tacit history p00000.h32k [--version V] [--sessions N]
    tacit versions
    tacit schemas export | tacit schemas check

Every command takes ``--db`` (default ``data/tacit.duckdb``). Errors are one red line naming the field,
file or table at fault, with exit status 2; nothing already written is lost.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import flows  # noqa: F401  (Prefect environment defaults)
from schemas.config import PRESETS, ConfigError
from warehouse import DEFAULT_DB, WarehouseError, connect

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Tacit: implicit-personalization data, warehouse, training and evaluation.",
)
schemas_app = typer.Typer(no_args_is_help=True, help="Export or check the JSON Schema of the data contract.")
app.add_typer(schemas_app, name="schemas")
report_app = typer.Typer(no_args_is_help=True, help="Reports on a dataset version.")
app.add_typer(report_app, name="report")
console = Console()
err = Console(stderr=True)
DbOption = Annotated[Path, typer.Option("--db", help="warehouse file")]


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


class RichSink:
    """Progress display: one bar per stage, advancing per shard."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.ids: dict[str, int] = {}

    def start(self, stage: str, total: int) -> None:
        self.ids[stage] = self.progress.add_task(stage, total=max(total, 1), completed=0 if total else 1)

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.ids:
            self.progress.advance(self.ids[stage], n)

    def note(self, message: str) -> None:
        self.progress.console.print(message)


def _quiet_prefect(verbose: bool) -> None:
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_SQLALCHEMY_LEVEL", "CRITICAL")


@app.command()
def synth(
    preset: Annotated[str, typer.Option(help=f"one of {', '.join(PRESETS)}")] = "small",
    seed: Annotated[int, typer.Option(help="root seed; another seed is another version")] = 0,
    backend: Annotated[str, typer.Option(help="generation backend")] = "offline",
    config: Annotated[Path | None, typer.Option(help="YAML file of config fields overriding the preset")] = None,
    db: DbOption = DEFAULT_DB,
    verbose: Annotated[bool, typer.Option(help="show Prefect's logs")] = False,
) -> None:
    """Generate a dataset version (in-process Prefect flow) and print a summary."""
    _quiet_prefect(verbose)
    if preset not in PRESETS:
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    from prefect.exceptions import ParameterTypeError

    from flows import progress as progress_mod
    from flows.synth import STAGES
    from flows.synth import synth as synth_flow

    console.print(f"[bold]tacit synth[/] preset={preset} seed={seed} backend={backend} db={db}")
    bars = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    try:
        with bars, progress_mod.reporting(RichSink(bars)):
            summary = synth_flow(
                preset=preset, seed=seed, backend=backend, db=str(db), config_file=str(config) if config else None
            )
    except (ConfigError, WarehouseError, ParameterTypeError) as exc:
        fail(str(exc))
    _print_summary(summary, STAGES)


def _print_summary(summary, stages) -> None:
    table = Table(title="rows in this version", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in summary.counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if summary.state == "complete":
        console.print("[yellow]This version was already complete: 0 rows added.[/]")
    else:
        console.print(f"{summary.state} version: {summary.rows_written:,} rows written in {summary.seconds:.1f} s")
    console.print(f"dataset version {summary.version_id}   history tokens: {summary.history_tokens:,}")
    console.print(f"warehouse: {summary.db}")
    for name, value in summary.checks.items():
        mark = "[red]FAIL[/]" if name in summary.failed_checks else "[green]ok[/]"
        console.print(f"  {mark} {name} = {value:.3f}")


def _read(db: Path, fn):
    """Run ``fn(con)`` on a read-only connection; missing files and unknown ids become one-line errors."""
    try:
        con = connect(db, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        return fn(con)
    except KeyError as exc:
        fail(str(exc).strip("'\""))
    finally:
        con.close()


def _print_query(sql: str, db: Path, params: list | None = None, title: str | None = None) -> None:
    try:
        con = connect(db, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except Exception as exc:  # duckdb errors name the table/column at fault
        fail(f"{type(exc).__name__}: {exc}")
    finally:
        con.close()
    table = Table(*cols, title=title)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="port of the local Prefect server (UI at http://127.0.0.1:PORT)")] = 4200,
    limit: Annotated[int, typer.Option(help="flow runs at a time")] = 2,
) -> None:
    """Start a local Prefect server and serve every deployment (synth/full|small|tiny, evaluate/default, ...)."""
    from flows.serve import ServerStartError, serve_all

    try:
        serve_all(port=port, limit=limit)
    except ServerStartError as exc:
        fail(str(exc))


@app.command()
def sql(query: Annotated[str, typer.Argument(help="SQL to run (read-only)")], db: DbOption = DEFAULT_DB) -> None:
    """Run a read-only SQL query on the warehouse and print the result as a table."""
    _print_query(query, db)


@app.command()
def lineage(
    artifact: Annotated[
        str, typer.Argument(help="a table name (newest version) or an artifact id such as queries@v...")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print an artifact's ancestors (tables, config) with their versions, runs and row counts."""
    from warehouse.lineage import ancestors

    rows = _read(db, lambda con: ancestors(con, artifact))
    table = Table("depth", "artifact", "kind", "version", "run", "rows", "content hash", title=f"lineage of {artifact}")
    for depth, aid, kind, _name, version, run, n_rows, digest, _created in rows:
        table.add_row(
            str(depth),
            "  " * depth + aid.split("@")[0],
            kind,
            version or "",
            (run or "")[:12],
            f"{n_rows:,}" if n_rows is not None else "",
            digest or "",
        )
    console.print(table)


@app.command()
def versions(db: DbOption = DEFAULT_DB) -> None:
    """List dataset versions, newest first."""
    _print_query(
        "SELECT version_id, preset, seed, complete, generator_version, created_at, completed_at "
        "FROM dataset_versions ORDER BY created_at DESC",
        db,
    )


@app.command()
def history(
    history_id: Annotated[str, typer.Argument(help="e.g. p00000.h32k")],
    version: Annotated[str | None, typer.Option(help="dataset version (default: latest complete)")] = None,
    sessions: Annotated[int | None, typer.Option(help="print only the first N sessions")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a history as a chat, assembled from session references by one query."""
    from warehouse.history import assemble_history

    chat = _read(db, lambda con: assemble_history(con, history_id, version))
    for shown, session in enumerate(chat.sessions):
        if sessions is not None and shown >= sessions:
            console.print(f"[dim]... {len(chat.sessions) - shown} more sessions[/]")
            break
        console.rule(
            f"[bold]{session.started_at:%Y-%m-%d %H:%M}[/]  {session.session_id}  ({session.kind}, "
            f"offset {session.token_offset:,})"
        )
        for role, content in session.turns:
            colour = {"user": "cyan", "assistant": "green"}.get(role, "magenta")
            console.print(f"[bold {colour}]{role}:[/] {content}", highlight=False)
    console.print(
        f"{chat.history_id} ({chat.version_id}): {len(chat.sessions)} sessions, {chat.n_tokens:,} tokens "
        f"({chat.tokenizer})"
    )


@report_app.command("quality")
def report_quality(
    version: Annotated[str | None, typer.Option(help="dataset version (default: latest complete)")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print the validity table of a version (ARCHITECTURE §7); exit 1 if a target is missed."""
    from flows.reports import build_quality_report

    report = _read(db, lambda con: build_quality_report(con, version))
    table = Table(
        "metric", "value", "target", "", "detail", title=f"quality of {report.version_id} ({report.n_mcq:,} MCQs)"
    )
    for row in report.rows:
        table.add_row(
            row.metric, f"{row.value:.4f}", row.target, "[green]ok[/]" if row.passed else "[red]FAIL[/]", row.detail
        )
    console.print(table)
    console.print(
        "signal sessions by position (start -> end): " + "  ".join(f"{k}: {v}" for k, v in report.distance_bins.items())
    )
    if report.failed:
        err.print(f"missed targets: {', '.join(report.failed)}")
        raise typer.Exit(1)


@schemas_app.command("export")
def schemas_export(out: Annotated[Path, typer.Option(help="folder to write")] = Path("schemas/json")) -> None:
    """Write the JSON Schema of every contract model to OUT/<Model>.json."""
    from schemas.export import render_json_schemas

    out.mkdir(parents=True, exist_ok=True)
    for name, text in render_json_schemas().items():
        (out / name).write_text(text)
        console.print(f"wrote {out / name}")


@schemas_app.command("check")
def schemas_check(out: Annotated[Path, typer.Option(help="folder to compare")] = Path("schemas/json")) -> None:
    """Exit 1 if the committed schemas differ from the models."""
    from schemas.export import stale_files

    stale = stale_files({p.name: p.read_text() for p in out.glob("*.json")})
    if stale:
        err.print(f"stale or missing schemas: {', '.join(stale)}; run `tacit schemas export`")
        raise typer.Exit(1)
    console.print("schemas up to date")


@schemas_app.command("validate")
def schemas_validate(
    path: Annotated[Path, typer.Argument(help="a .jsonl file (one record a line), or a .json / .yaml record")],
    model: Annotated[str, typer.Option(help="contract model name, e.g. Session, Persona, Query")],
) -> None:
    """Validate records in a file against a contract model; the first bad record is named by line and field."""
    import json

    import yaml

    from schemas.validation import CONTRACT, RecordError, validate_record, validate_records

    if model not in CONTRACT:
        fail(f"unknown model {model!r}; choose one of {', '.join(sorted(CONTRACT))}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")
    try:
        if path.suffix == ".jsonl":
            lines = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
            for i, line in lines:
                try:
                    validate_record(json.loads(line), model, f"{path}:{i}")
                except json.JSONDecodeError as exc:
                    fail(f"{path}:{i}: not JSON: {exc.msg}")
            count = len(lines)
        else:
            data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
            records = data if isinstance(data, list) else [data]
            count = sum(1 for _ in validate_records(records, model, str(path)))
    except RecordError as exc:
        fail(str(exc))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        fail(f"{path}: cannot parse: {exc}")
    console.print(f"{path}: {count} {model} record{'s' if count != 1 else ''} valid")


def main() -> None:  # console-script entry point
    app(prog_name="tacit")


if __name__ == "__main__":
    sys.exit(main())
