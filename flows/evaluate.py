"""The ``evaluate`` flow: score a model (or a baseline) on a dataset version with every chosen method.

    tacit eval --version V --methods full_context,memory_agent,rag --backend offline
    prefect deployment run evaluate/default --param version=V --param methods='["rag","no_context"]'

Shape: the version's queries are grouped by history, and histories into shards; one task per shard
assembles its histories, runs ``evaluation.runner.evaluate_histories`` and writes the shard's results
with a completion marker in one transaction. The run id is the hash of the settings, so rerunning the
same evaluation resumes it (finished shards are skipped; remote calls are cached in ``llm_calls``).
At the end: lineage rows (``warehouse.eval_store.write_eval_lineage``), the run marked complete, the
HTML report beside the warehouse and a summary as a Prefect markdown artifact.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote
from pydantic import Field

from evaluation.items import load_items, parse_budget
from evaluation.judges import OFFLINE_JUDGES, Judge
from evaluation.records import EvalSettings, Method
from evaluation.results import markdown_summary, summarize
from evaluation.runner import HistoryInput, evaluate_histories
from flows import progress
from llm.client_settings import applied_if_set
from warehouse import DEFAULT_DB, connect
from warehouse.ducklake import is_ducklake, lake_home
from warehouse.eval_store import (
    done_eval_units,
    finish_eval_run,
    start_eval_run,
    write_eval_lineage,
    write_eval_unit,
)
from warehouse.history import assemble_history, resolve_version
from warehouse.llm_store import WarehouseCallStore

HISTORIES_PER_SHARD = 8


def make_model(settings: EvalSettings, con, *, max_cost: float | None = None, concurrency: int = 16):
    """The answering model of a backend: offline (lexical), openai (through llm/), hf (local path)."""
    if settings.backend == "offline":
        from evaluation.offline_model import OfflineModel

        return OfflineModel()
    if settings.backend == "openai":
        from llm.chat import OpenAIChat

        return OpenAIChat(
            settings.model, base_url=settings.base_url, store=WarehouseCallStore(con), call_site="eval_answer",
            max_cost=max_cost, concurrency=concurrency, seed=settings.seed, run_id=settings.run_id,
        )  # fmt: skip
    from evaluation.hf_model import HFModel

    return HFModel(settings.model)


def make_judges(
    settings: EvalSettings, con, judge_base_url: str | None = None, *, concurrency: int = 16
) -> list[Judge]:
    judges = []
    for name in settings.judges:
        if name in OFFLINE_JUDGES:
            judges.append(Judge(name))
            continue
        from llm.chat import OpenAIChat

        url = judge_base_url or settings.base_url
        model = OpenAIChat(
            name, base_url=url, store=WarehouseCallStore(con), call_site="eval_judge", seed=settings.seed,
            concurrency=concurrency,
        )  # fmt: skip
        judges.append(Judge(name, model))
    return judges


@task(name="evaluate-shard", cache_policy=NO_CACHE)
def evaluate_shard(con, settings: EvalSettings, unit: str, groups: list, model, judges) -> int:
    histories = [
        HistoryInput(hid, assemble_history(con, hid, settings.version_id).sessions, items) for hid, items in groups
    ]
    out = evaluate_histories(histories, settings, model, judges)
    written = write_eval_unit(con, settings.run_id, unit, out.tables())
    progress.sink().advance("evaluate", len(groups))
    return written


@flow(name="evaluate", log_prints=True)
def evaluate(
    version: str | None = None,
    methods: list[Method] = ["full_context", "memory_agent", "rag", "no_context", "length_only", "oracle"],  # noqa: B006
    backend: Literal["offline", "openai", "hf"] = "offline",
    model: str | None = None,
    base_url: str | None = None,
    judges: list[str] = ["lexical"],  # noqa: B006
    judge_base_url: str | None = None,
    budget: str | None = None,
    limit: Annotated[int, Field(gt=0)] | None = None,
    chunk_tokens: Annotated[int, Field(gt=0)] | None = None,
    memory_cap_tokens: Annotated[int, Field(gt=0)] | None = None,
    rag_top_k: Annotated[int, Field(gt=0)] = 5,
    max_new_tokens: Annotated[int, Field(gt=0)] = 256,
    max_cost: Annotated[float, Field(gt=0)] | None = None,
    db: str = str(DEFAULT_DB),
    timeout_s: Annotated[float, Field(gt=0)] | None = None,
    max_attempts: Annotated[int, Field(ge=1)] | None = None,
    deadline_s: Annotated[float, Field(gt=0)] | None = None,
    concurrency: Annotated[int, Field(ge=1)] = 16,
) -> dict:
    """Evaluate ``version`` (default: the newest complete one); returns the run's summary. ``timeout_s``,
    ``max_attempts`` and ``deadline_s`` bound remote requests and the evaluation (``llm.client_settings``;
    unset: the CLI's options, else the client's defaults). ``concurrency``: most requests in flight to the
    answering model and to each model judge; not part of the run id (the same run at any value).
    ``chunk_tokens`` / ``memory_cap_tokens`` unset: a checkpoint Tacit trained (``--backend hf``) is read
    with the settings it trained with (``tacit_data.json``), anything else with 5,000 / 2,000."""
    logger = get_run_logger()
    chunk_tokens, memory_cap_tokens, source = memory_settings(backend, model, chunk_tokens, memory_cap_tokens)
    logger.info("memory agent: chunks of %d tokens, memory cap %d tokens (%s)", chunk_tokens, memory_cap_tokens, source)
    con = connect(db)
    try:
        vid = resolve_version(con, version)
        settings = EvalSettings(
            version_id=vid, methods=methods, backend=backend, model=model or _default_model(backend),
            base_url=base_url, judges=judges, budget_tokens=parse_budget(budget), limit=limit,
            chunk_tokens=chunk_tokens, memory_cap_tokens=memory_cap_tokens, rag_top_k=rag_top_k,
            max_new_tokens=max_new_tokens, judge_base_url=judge_base_url,
        )  # fmt: skip
        items = load_items(con, vid, budget_tokens=settings.budget_tokens, limit=settings.limit)
        state = start_eval_run(
            con, run_id=settings.run_id, version_id=vid, backend=backend, model=settings.model,
            methods=list(methods), judges=list(judges), config_json=settings.config_json(), n_queries=len(items),
        )  # fmt: skip
        if state != "complete":
            with applied_if_set(timeout_s, max_attempts, deadline_s):
                _run_shards(con, settings, items, logger, max_cost, judge_base_url, concurrency)
            write_eval_lineage(con, settings.run_id, vid, backend, settings.model)
            finish_eval_run(con, settings.run_id, "complete")
        else:
            logger.info("evaluation %s is already complete: nothing to do", settings.run_id)
        summary = summarize(con, settings.run_id)
        report = write_report(summary, db)
        create_markdown_artifact(
            markdown_summary(summary) + f"\n\nHTML report with plots: `{report}`",
            key=settings.run_id.lower(),
            description=f"Evaluation of {vid}",
        )
        logger.info(
            "evaluation %s of %s (%s): %d queries, methods %s; report %s", settings.run_id, vid, state, len(items),
            ", ".join(methods), report,
        )  # fmt: skip
        return summary | {"state": state, "report": str(report)}
    except BaseException as exc:
        if "settings" in locals():
            finish_eval_run(con, settings.run_id, "failed", f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        con.close()


def write_report(summary: dict, db: str) -> Path:
    """The HTML report beside the warehouse: ``<warehouse dir>/reports/<run id>.html``."""
    from evaluation.report import render_report

    folder = (lake_home(db) if is_ducklake(db) else Path(db).parent) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{summary['run']['run_id']}.html"
    out.write_text(render_report(summary))
    return out


def memory_settings(backend: str, model: str | None, chunk_tokens: int | None, memory_cap: int | None):
    """(chunk tokens, memory cap, where they came from): what was asked, else what a Tacit checkpoint
    trained with, else the defaults (5,000 and 2,000: ARCHITECTURE §6)."""
    trained = None
    if backend == "hf" and model:
        from training.data import data_settings_for  # no torch: a pydantic model and a JSON file

        trained = data_settings_for(model)
    if trained is not None and (chunk_tokens is None or memory_cap is None):
        source = f"from {model}'s training data settings" + (
            ", partly overridden" if chunk_tokens or memory_cap else ""
        )
        return chunk_tokens or trained.chunk_tokens, memory_cap or trained.memory_cap_tokens, source
    asked = chunk_tokens is not None or memory_cap is not None
    return chunk_tokens or 5000, memory_cap or 2000, "as asked" if asked else "defaults"


def _default_model(backend: str) -> str:
    if backend == "offline":
        return "lexical"
    raise ValueError(f"--backend {backend} needs --model (a model name for openai, a local directory for hf)")


def _run_shards(con, settings: EvalSettings, items, logger, max_cost, judge_base_url, concurrency: int = 16) -> None:
    by_history = defaultdict(list)
    for item in items:
        by_history[item.history_id].append(item)
    groups = sorted(by_history.items())
    shards = [groups[i : i + HISTORIES_PER_SHARD] for i in range(0, len(groups), HISTORIES_PER_SHARD)]
    done = done_eval_units(con, settings.run_id)
    todo = [(f"shard:{i:04d}", s) for i, s in enumerate(shards) if f"shard:{i:04d}" not in done]
    logger.info(
        "evaluation %s of %s: %d queries in %d histories, %d of %d shards to run",
        settings.run_id, settings.version_id, len(items), len(groups), len(todo), len(shards),
    )  # fmt: skip
    sink = progress.sink()
    sink.start("evaluate", sum(len(s) for _, s in todo))
    model = make_model(settings, con, max_cost=max_cost, concurrency=concurrency)
    judges = make_judges(settings, con, judge_base_url, concurrency=concurrency)
    for client in (model, *(getattr(j, "model", None) for j in judges)):
        if hasattr(client, "on_progress"):
            client.on_progress = progress.llm_reporter()  # a live line per call site: calls, tokens, dollars
    for unit, shard in todo:
        evaluate_shard(con, quote(settings), unit, quote(shard), quote(model), quote(judges))
