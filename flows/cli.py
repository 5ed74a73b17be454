"""The ``tacit`` command line.

    tacit synth --preset small [--seed N] [--db PATH] [--config FILE.yaml]
    tacit synth --backend openai --model M [--batch] [--prices FILE] [--max-error-rate 0.05] [--judge-leakage]
                [--timeout S] [--max-attempts N] [--deadline S] [--concurrency N]
    tacit report cost [--run R]
    tacit sql "SELECT kind, count(*) FROM latest_preferences GROUP BY kind"
    tacit history p00000.h32k [--version V] [--sessions N]
    tacit versions
    tacit lineage queries | tacit report quality [--version V]
    tacit serve [--port 4200]
    tacit eval [--version V] [--methods ...] [--backend offline|openai|hf] | tacit report eval RUN --out F.html
    tacit train tiny-model | sft | grpo | memory --version V --base-model tiny --config NAME --out DIR
    tacit schemas export | check | validate FILE --model M
    tacit export --version V --format parquet|jsonl|hf|personamem-v2 --out DIR [--overwrite] [--push-to-hub REPO]
    tacit import personamem-v2 DIR

The read-only commands live in ``flows/cli_inspect.py``; shared pieces in ``flows/cli_common.py``.

Every command takes ``--db`` (default ``data/tacit.duckdb``). Errors are one red line naming the field,
file or table at fault, with exit status 2; nothing already written is lost.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import flows  # noqa: F401  (Prefect environment defaults)
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
    err,
    fail,
    hide_run_errors,
    remote_settings,
)
from flows.cli_inspect import inspect_app, report_app, schemas_app
from flows.cli_train import train_app
from flows.live_progress import RichSink, progress_bars
from llm import GenerationError
from schemas.config import PRESETS, ConfigError
from warehouse import DEFAULT_DB, WarehouseError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Tacit: implicit-personalization data, warehouse, training and evaluation.",
)
app.add_typer(inspect_app)
app.add_typer(report_app, name="report")
app.add_typer(schemas_app, name="schemas")
app.add_typer(train_app, name="train")


def _quiet_prefect(verbose: bool) -> None:
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_SQLALCHEMY_LEVEL", "CRITICAL")
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # --workers: the cluster's start and stop


@app.command()
def synth(
    preset: Annotated[str, typer.Option(help=f"one of {', '.join(PRESETS)}")] = "small",
    seed: Annotated[
        int | None, typer.Option(help="root seed; another seed is another version [default: --config's, else 0]")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="offline, or openai (any compatible server) [default: --config's, else offline]"),
    ] = None,
    model: Annotated[str | None, typer.Option(help="model for --backend openai (part of the version id)")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (key: OPENAI_API_KEY)")
    ] = None,
    max_cost: Annotated[float | None, typer.Option(help="stop before the LLM calls of this run exceed USD")] = None,
    rpm: Annotated[int | None, typer.Option(help="requests per minute cap for --backend openai")] = None,
    tpm: Annotated[int | None, typer.Option(help="tokens per minute cap for --backend openai")] = None,
    timeout: TimeoutOption = None,
    max_attempts: AttemptsOption = None,
    deadline: DeadlineOption = None,
    concurrency: ConcurrencyOption = DEFAULT_CONCURRENCY,
    workers: Annotated[
        int, typer.Option(help="offline backend: run the shards on a local Dask cluster of N processes")
    ] = 1,
    dask_address: Annotated[
        str | None, typer.Option(help="offline backend: run the shards on the Dask scheduler at tcp://HOST:PORT")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="forecast LLM calls, tokens and cost of this config; call and write nothing")
    ] = False,
    prices: Annotated[
        Path | None, typer.Option(help="YAML price table (USD per 1M tokens per model); default llm/prices.yaml")
    ] = None,
    price_in: Annotated[float | None, typer.Option(help="USD per 1M input tokens for --model (overrides --prices)")] = (
        None
    ),
    price_out: Annotated[
        float | None, typer.Option(help="USD per 1M output tokens for --model (overrides --prices)")
    ] = None,
    max_error_rate: Annotated[
        float, typer.Option(help="stop the run once more than this share of LLM calls failed (after 20 calls)")
    ] = 0.05,
    batch: Annotated[
        bool, typer.Option(help="--backend openai: send each stage's requests through the Batch API (half price)")
    ] = False,
    batch_poll: Annotated[float, typer.Option(help="seconds between Batch API status polls")] = 30.0,
    batch_wait: Annotated[
        float | None, typer.Option(help="stop waiting for a batch after SECONDS; a rerun collects it")
    ] = None,
    judge_leakage: Annotated[
        bool, typer.Option(help="--backend openai: also ask the LLM whether each signal session states its preference")
    ] = False,
    config: Annotated[Path | None, typer.Option(help="YAML file of config fields overriding the preset")] = None,
    db: DbOption = DEFAULT_DB,
    verbose: Annotated[bool, typer.Option(help="show Prefect's logs")] = False,
    quiet: QuietOption = False,
) -> None:
    """Generate a dataset version (in-process Prefect flow) and print a summary."""
    _quiet_prefect(verbose)
    if preset not in PRESETS:
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    check_concurrency(concurrency)
    if dry_run:
        _forecast(preset, seed, model, config, prices, price_in, price_out)
        return
    from schemas.config import load_preset, synth_overrides

    try:  # every field checked before Prefect starts; the header shows what will really run
        effective = load_preset(
            preset, overrides=synth_overrides(seed, backend, model, judge_leakage), config_file=config
        )
    except ConfigError as exc:
        fail(str(exc))
    seed, backend = effective.seed, effective.backend
    from flows.fanout_check import FanoutError, check_fanout

    try:
        parallel = check_fanout(workers, dask_address, backend)
    except FanoutError as exc:
        fail(str(exc))
    if backend == "openai" and not effective.model:
        fail("the openai backend needs a model: set `model` in the config or pass --model")
    from flows.synth_summary import complete_summary

    done = complete_summary(str(db), effective)  # a complete version needs no Prefect, no key, no request
    if done is not None:
        console.print(f"[bold]tacit synth[/] preset={preset} seed={seed} backend={backend} db={db}")
        _print_summary(done, ())
        return
    remote = contextlib.nullcontext()
    if backend == "openai":
        base_url, remote = bare_url(base_url), remote_settings([base_url], timeout, max_attempts, deadline)
    from flows.local_prefect import LocalPrefectError, local_prefect, spawn_early

    try:
        spawned = spawn_early()  # the server starts while Prefect and the stages are imported here
    except LocalPrefectError as exc:
        fail(str(exc))
    from prefect.exceptions import ParameterTypeError

    from flows import progress as progress_mod
    from flows.synth import STAGES
    from flows.synth import synth as synth_flow

    if spawned is not None and not parallel:  # the shards run here: do what they will, while the server starts
        from flows.warm_start import warm_while_starting

        warm_while_starting(spawned[1])
    if not verbose:
        hide_run_errors()
    console.print(f"[bold]tacit synth[/] preset={preset} seed={seed} backend={backend} db={db}")
    bars = progress_bars(console, quiet=quiet)
    try:
        with remote, local_prefect(console.print, spawned), bars, progress_mod.reporting(RichSink(bars)):
            summary = synth_flow(
                preset=preset,
                seed=seed,
                backend=backend,
                db=str(db),
                config_file=str(config) if config else None,
                model=model,
                base_url=base_url,
                max_cost=max_cost,
                rpm=rpm,
                tpm=tpm,
                concurrency=concurrency,
                workers=workers,
                dask_address=dask_address,
                max_error_rate=max_error_rate,
                timeout_s=timeout,
                max_attempts=max_attempts,
                deadline_s=deadline,
                prices_file=str(prices) if prices else None,
                price_in=price_in,
                price_out=price_out,
                batch=batch,
                batch_poll_s=batch_poll,
                batch_wait_s=batch_wait,
                judge_leakage=judge_leakage,
            )
    except (ConfigError, WarehouseError, ParameterTypeError, GenerationError, LocalPrefectError) as exc:
        if backend == "openai" and not isinstance(exc, (ConfigError, ParameterTypeError)):
            _print_cost(db, None)  # what the stopped run paid, per stage
        fail(str(exc))
    _print_summary(summary, STAGES)
    if backend == "openai" and summary.run_id:
        _print_cost(db, summary.run_id)
    if summary.failed_calls:
        err.print(
            f"[bold red]incomplete:[/] {summary.failed_calls} LLM calls failed (see raw_failed_calls); skipped "
            f"{', '.join(summary.skipped_units)}; the version is not complete. Rerun the same command: completed "
            "calls are cached, only the failed ones are sent again.",
            highlight=False,
        )
        raise typer.Exit(1)


def _print_cost(db: Path, run_id: str | None) -> None:
    """The per-stage cost table of a run (the latest LLM run when ``run_id`` is None)."""
    from flows.cli_inspect import cost_table
    from warehouse import connect

    try:
        con = connect(db, read_only=True)
    except WarehouseError:
        return
    try:
        table = cost_table(con, run_id)
    finally:
        con.close()
    if table is not None:
        console.print(table)


def _forecast(
    preset: str,
    seed: int | None,
    model: str | None,
    config: Path | None,
    prices: Path | None,
    price_in: float | None,
    price_out: float | None,
) -> None:
    from flows.forecast import forecast_synth
    from llm.pricing import load_prices
    from schemas.config import load_preset

    try:
        overrides = {"backend": "openai", "model": model or "unnamed"} | ({"seed": seed} if seed is not None else {})
        cfg = load_preset(preset, overrides=overrides, config_file=config)
        table_in, table_out = load_prices(prices).price(cfg.model)
    except (ConfigError, GenerationError) as exc:
        fail(str(exc))
    if model is None and price_in is None and price_out is None:
        table_in, table_out = 0.15, 0.60  # no model named: gpt-4o-mini's list price as an example
    price_in = table_in if price_in is None else price_in
    price_out = table_out if price_out is None else price_out
    console.print(
        f"forecasting preset={preset} for model={cfg.model}: runs the stages offline, calls and writes nothing"
    )
    gen = forecast_synth(cfg, cfg.model)
    table = Table("call site", "calls", "input tokens", "output tokens", "USD", title="LLM calls a real run would make")
    for name, s in gen.sites.items():
        usd = (s.tokens_in * price_in + s.tokens_out * price_out) / 1e6
        table.add_row(name, f"{s.calls:,}", f"{s.tokens_in:,}", f"{s.tokens_out:,}", f"{usd:,.2f}")
    console.print(table)
    calls = sum(s.calls for s in gen.sites.values())
    console.print(
        f"{calls:,} calls; estimated cost ${gen.cost(price_in, price_out):,.2f} at ${price_in}/"
        f"${price_out} per 1M input/output tokens (answers sized by the offline generator; "
        "the Batch API (--batch) bills half)"
    )


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


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="port of the local Prefect server (UI at http://127.0.0.1:PORT)")] = 4200,
    limit: Annotated[int, typer.Option(help="flow runs at a time")] = 2,
    allow_remote: Annotated[
        bool, typer.Option(help="allow a non-loopback PREFECT_RUNNER_SERVER_HOST (an unauthenticated runner)")
    ] = False,
) -> None:
    """Start a local Prefect server and serve every deployment (synth/full|small|tiny, evaluate/default, ...)."""
    from flows.serve import ServerStartError, serve_all

    try:
        serve_all(port=port, limit=limit, allow_remote=allow_remote)
    except ServerStartError as exc:
        fail(str(exc))


from flows.cli_eval import eval_command  # noqa: E402  (registers `tacit report eval` too)

app.command("eval")(eval_command)

from flows.cli_export import export_command  # noqa: E402

app.command("export")(export_command)

from flows.cli_import import import_app  # noqa: E402

app.add_typer(import_app, name="import")

from flows.cli_view import view_command  # noqa: E402

app.command("view")(view_command)


def main() -> None:  # console-script entry point
    try:
        app(prog_name="tacit")
    finally:
        # the process ends here: let it end without a last walk of every object it made (Python's
        # collections at exit took 0.3-0.9 s after a `small` run); files and the warehouse are closed by now
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
