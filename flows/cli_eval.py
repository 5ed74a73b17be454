"""``tacit eval`` and ``tacit report eval``: evaluate a dataset version, then read the run back.

    tacit eval --methods full_context,memory_agent,rag,no_context,length_only,oracle     # offline, latest version
    tacit eval --version V --backend openai --model gpt-4o-mini --judges lexical,gpt-4o-mini --limit 200
    tacit eval --backend openai --model M --base-url http://127.0.0.1:8000/v1            # a local vllm serve
    tacit eval --backend openai --model M --timeout 30 --max-attempts 3 --deadline 3600  # bounded waiting
    tacit eval --backend openai --model M --base-url http://127.0.0.1:8000/v1 --concurrency 64   # requests in flight
    tacit eval --backend hf --model runs/sft/checkpoint-20 --methods memory_agent,no_context
    tacit report eval [RUN] --out report.html

The same command twice resumes (or finds complete) the same run: the run id is the hash of its settings.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evaluation.judges import OFFLINE_JUDGES
from evaluation.records import METHODS
from flows.cli_common import (
    DEFAULT_CONCURRENCY,
    AttemptsOption,
    ConcurrencyOption,
    DbOption,
    DeadlineOption,
    QuietOption,
    TimeoutOption,
    bare_url,
    check_concurrency,
    console,
    fail,
    hide_run_errors,
    remote_settings,
)
from flows.cli_inspect import _read, report_app
from warehouse import DEFAULT_DB, WarehouseError


def _split(text: str, what: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        fail(f"--{what}: give at least one, comma-separated")
    bad = [v for v in values if allowed and v not in allowed]
    if bad:
        fail(f"--{what}: unknown {', '.join(bad)}; choose from {', '.join(allowed)}")
    return values


def eval_command(
    version: Annotated[str | None, typer.Option(help="dataset version (default: latest complete)")] = None,
    methods: Annotated[str, typer.Option(help=f"comma-separated: {', '.join(METHODS)}")] = ",".join(METHODS),
    backend: Annotated[str, typer.Option(help="offline (lexical, no model), openai (any compatible server), hf")] = (
        "offline"
    ),
    model: Annotated[str | None, typer.Option(help="model name (openai) or local directory (hf)")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (key: OPENAI_API_KEY)")] = None,
    judge: Annotated[str | None, typer.Option(help="one judge for open-ended answers (same as --judges X)")] = None,
    judges: Annotated[str, typer.Option(help="comma-separated judges: lexical, strict, or model names")] = "lexical",
    judge_base_url: Annotated[str | None, typer.Option(help="endpoint of model judges (default: --base-url)")] = None,
    budget: Annotated[str | None, typer.Option(help="only histories of this budget: 32k, 128k, ...")] = None,
    limit: Annotated[int | None, typer.Option(help="evaluate at most N queries")] = None,
    chunk_tokens: Annotated[
        int | None, typer.Option(help="memory agent: tokens per chunk [default: a Tacit checkpoint's own, else 5000]")
    ] = None,
    memory_cap: Annotated[
        int | None, typer.Option(help="memory agent: memory cap in tokens [default: a checkpoint's own, else 2000]")
    ] = None,
    rag_k: Annotated[int, typer.Option(help="rag: sessions retrieved per query")] = 5,
    max_new_tokens: Annotated[int, typer.Option(help="longest answer a model may write (tokens)")] = 256,
    max_cost: Annotated[float | None, typer.Option(help="stop before remote calls exceed USD")] = None,
    timeout: TimeoutOption = None,
    max_attempts: AttemptsOption = None,
    deadline: DeadlineOption = None,
    concurrency: ConcurrencyOption = DEFAULT_CONCURRENCY,
    db: DbOption = DEFAULT_DB,
    verbose: Annotated[bool, typer.Option(help="show Prefect's logs")] = False,
    quiet: QuietOption = False,
) -> None:
    """Evaluate a dataset version with one or more methods; print accuracy with 95% CIs."""
    from flows.cli import _quiet_prefect

    _quiet_prefect(verbose)
    check_concurrency(concurrency)
    chosen = _split(methods, "methods", METHODS)
    judge_names = _split(judge or judges, "judges")
    if backend not in ("offline", "openai", "hf"):
        fail(f"--backend: unknown {backend!r}; choose offline, openai or hf")
    remote = contextlib.nullcontext()
    model_judges = [j for j in judge_names if j not in OFFLINE_JUDGES]
    if backend == "openai" or model_judges:
        endpoints = ([base_url] if backend == "openai" else []) + ([judge_base_url or base_url] if model_judges else [])
        remote = remote_settings(endpoints, timeout, max_attempts, deadline)
        base_url, judge_base_url = bare_url(base_url), bare_url(judge_base_url)
    from flows.local_prefect import LocalPrefectError, local_prefect, spawn_early

    try:
        spawned = spawn_early()  # the server starts while Prefect and the evaluator are imported here
    except LocalPrefectError as exc:
        fail(str(exc))
    from prefect.exceptions import ParameterTypeError

    from evaluation.items import NoItemsError
    from flows import progress as progress_mod
    from flows.evaluate import evaluate
    from flows.live_progress import RichSink, progress_bars
    from llm import GenerationError

    if not verbose:
        hide_run_errors()
    bars = progress_bars(console, width=10, quiet=quiet)
    try:
        with remote, local_prefect(console.print, spawned), bars, progress_mod.reporting(RichSink(bars)):
            summary = evaluate(
                version=version, methods=chosen, backend=backend, model=model, base_url=base_url,
                judges=judge_names, judge_base_url=judge_base_url, budget=budget, limit=limit,
                chunk_tokens=chunk_tokens, memory_cap_tokens=memory_cap, rag_top_k=rag_k,
                max_new_tokens=max_new_tokens, max_cost=max_cost, timeout_s=timeout, max_attempts=max_attempts,
                deadline_s=deadline, concurrency=concurrency, db=str(db),
            )  # fmt: skip
    except (KeyError, NoItemsError) as exc:
        fail(str(exc).strip("'\""))
    except (
        ValueError,
        WarehouseError,
        ParameterTypeError,
        GenerationError,
        FileNotFoundError,
        LocalPrefectError,
    ) as exc:
        fail(str(exc))
    print_summary(summary)


def print_summary(summary: dict) -> None:
    run = summary["run"]
    table = Table(
        "method", "MCQ n", "accuracy", "95% CI", "open score", "tokens/query", title=f"evaluation {run['run_id']}"
    )
    open_by = {r["method"]: r for r in summary["open"]}
    for r in summary["mcq"]:
        o = open_by.get(r["method"])
        table.add_row(
            r["method"], str(r["n"]), f"{r['accuracy']:.3f}", f"{r['ci_low']:.3f}-{r['ci_high']:.3f}",
            f"{o['mean_score']:.3f}" if o else "-", f"{r['input_tokens']:,.0f}",
        )  # fmt: skip
    console.print(table)
    for a in summary["agreement"]:
        console.print(f"judges {a['judges']}: kappa {a['kappa']:.3f}, spearman {a['spearman']:.3f} (n={a['n']})")
    if summary.get("state") == "complete":
        console.print("[yellow]This evaluation was already complete: nothing recomputed.[/]")
    console.print(
        f"version {run['version_id']}  backend {run['backend']}  model {run['model']}  "
        f"unparseable MCQ answers: {summary['unparsed']}"
    )
    console.print(f"report: tacit report eval {run['run_id']} --out report.html")


@report_app.command("eval")
def report_eval(
    run: Annotated[str | None, typer.Argument(help="evaluation run id (default: the newest)")] = None,
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("report.html"),
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write a self-contained HTML report of an evaluation run (plots and tables) and print its summary."""
    from evaluation.report import render_report
    from evaluation.results import summarize

    summary = _read(db, lambda con: summarize(con, run))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_report(summary))
    except OSError as exc:
        fail(f"{out}: cannot write the report: {exc}")
    print_summary(summary)
    console.print(f"wrote {out}")
