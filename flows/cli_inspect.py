"""``tacit`` commands that read the warehouse: sql, versions, history, lineage, report quality, and the
schema tools (export, check, validate). Registered on the main app by ``flows.cli``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flows.cli_common import DbOption, console, err, fail
from warehouse import DEFAULT_DB, WarehouseError, connect

inspect_app = typer.Typer()
report_app = typer.Typer(no_args_is_help=True, help="Reports on a dataset version.")
schemas_app = typer.Typer(
    no_args_is_help=True, help="Export, check or validate against the data contract's JSON Schema."
)


def _read(db: Path, fn):
    """Run ``fn(con)`` on a read-only connection; missing files and unknown ids become one-line errors."""
    try:
        con = connect(db, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        return fn(con)
    except KeyError as exc:  # str(KeyError) is a repr (quotes and backslashes doubled): print the message
        fail(str(exc.args[0]) if exc.args else "not found")
    finally:
        con.close()


FormatOption = Annotated[
    str, typer.Option("--format", help="table (for people), csv or json (one object per row, for programs)")
]


def _print_query(sql: str, db: Path, params: list | None = None, title: str | None = None, fmt: str = "table") -> None:
    if fmt not in ("table", "csv", "json"):
        fail(f"--format: unknown {fmt!r}; choose table, csv or json")
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
    if fmt != "table":
        sys.stdout.write(_machine_readable(cols, rows, fmt))
        return
    table = Table(*cols, title=title)
    for col in table.columns:
        col.overflow = "fold"  # an id is folded onto a second line, never cut to "v14f9e…"
    for row in rows:
        table.add_row(*[Text("" if v is None else str(v)) for v in row])  # data is never markup
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def _machine_readable(cols: list[str], rows: list[tuple], fmt: str) -> str:
    """CSV with a header row, or JSON lines; values as DuckDB gives them (timestamps in ISO form)."""
    if fmt == "json":
        return "".join(json.dumps(dict(zip(cols, row, strict=True)), default=str) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


@inspect_app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = "table",
) -> None:
    """Run a read-only SQL query on the warehouse and print the result (table, csv or json lines)."""
    _print_query(query, db, fmt=fmt)


@inspect_app.command()
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


@inspect_app.command()
def versions(db: DbOption = DEFAULT_DB, fmt: FormatOption = "table") -> None:
    """List dataset versions, newest first."""
    _print_query(
        "SELECT version_id, preset, seed, complete, generator_version, created_at, completed_at "
        "FROM dataset_versions ORDER BY created_at DESC",
        db,
        fmt=fmt,
    )


@inspect_app.command()
def history(
    history_id: Annotated[str, typer.Argument(help="e.g. p00000.h32k")],
    version: Annotated[str | None, typer.Option(help="dataset version (default: latest complete)")] = None,
    sessions: Annotated[int | None, typer.Option(help="print only the first N sessions")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a history as a chat, assembled from its session references."""
    from warehouse.history import assemble_history

    chat = _read(db, lambda con: assemble_history(con, history_id, version))
    for shown, session in enumerate(chat.sessions):
        if sessions is not None and shown >= sessions:
            console.print(f"[dim]... {len(chat.sessions) - shown} more sessions[/]")
            break
        console.rule(
            f"[bold]{session.started_at:%Y-%m-%d %H:%M}[/]  {escape(session.session_id)}  ({session.kind}, "
            f"offset {session.token_offset:,})"
        )
        for role, content in session.turns:  # stored text is printed as text: "[/bold]" is not markup
            colour = {"user": "cyan", "assistant": "green"}.get(role, "magenta")
            console.print(Text.assemble((f"{role}:", f"bold {colour}"), " ", content), highlight=False)
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
            row.metric,
            f"{row.value:.4f}",
            row.target,
            "[green]ok[/]" if row.passed else "[red]FAIL[/]",
            Text(row.detail),  # details quote data: never markup
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


def cost_table(con, run_id: str | None) -> Table | None:
    """The per-stage LLM cost table of ``run_id`` (default: the newest run with LLM calls), or None."""
    from warehouse.llm_cost import cost_by_site, latest_llm_run

    run_id = run_id or latest_llm_run(con)
    rows = cost_by_site(con, run_id) if run_id else []
    if not rows:
        return None
    table = Table(
        "stage",
        "call site",
        "ok calls",
        "failed",
        "input tokens",
        "output tokens",
        "USD",
        title=f"LLM cost of run {run_id}",
    )
    for r in rows:
        table.add_row(
            r.stage,
            r.call_site,
            f"{r.calls:,}",
            f"{r.failed:,}",
            f"{r.tokens_in:,}",
            f"{r.tokens_out:,}",
            f"{r.cost_usd:.4f}",
        )
    table.add_row(
        "total",
        "",
        f"{sum(r.calls for r in rows):,}",
        f"{sum(r.failed for r in rows):,}",
        f"{sum(r.tokens_in for r in rows):,}",
        f"{sum(r.tokens_out for r in rows):,}",
        f"{sum(r.cost_usd for r in rows):.4f}",
    )
    return table


@report_app.command("cost")
def report_cost(
    run: Annotated[str | None, typer.Option(help="run id (default: the newest run that made LLM calls)")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a run's LLM calls, tokens and dollars per stage and call site (from llm_calls)."""
    table = _read(db, lambda con: cost_table(con, run))
    if table is None:
        fail(f"no LLM calls recorded{' for run ' + run if run else ''} in {db}")
    console.print(table)
