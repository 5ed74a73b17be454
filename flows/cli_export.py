"""``tacit export``: write one dataset version out of the warehouse, with a dataset card.

    tacit export --version V --format parquet|jsonl|hf|personamem-v2 --out DIR [--db DB] [--overwrite]
    tacit export --version V --format hf --out DIR --push-to-hub OWNER/NAME

Why: a version leaves the warehouse to be shared, loaded by other tools or compared with PersonaMem-v2.
How: the warehouse is opened read-only (an export never changes it); everything is written into a
temporary folder beside ``--out`` and renamed into place at the end, so a failed export leaves no half
folder and ``--overwrite`` replaces an earlier export only once the new one is whole. ``--overwrite``
replaces only a folder that holds a Tacit card (``README.md``), never an unrelated one. Every export
writes ``README.md`` (``flows.export_card``). Options are checked before anything is read; each error
is one line naming the option.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from flows.cli_common import DbOption, console, err, fail
from flows.export_card import write_card
from flows.export_hf import ExportError, export_hf, hub_token, push_to_hub, require_datasets
from flows.export_personamem import export_personamem
from warehouse import DEFAULT_DB, WarehouseError, connect
from warehouse.export import export_tables, version_facts
from warehouse.history import resolve_version

FORMATS = ("parquet", "jsonl", "hf", "personamem-v2")
CARD_MARK = "# Tacit dataset version"
LAYOUTS = {
    "parquet": "One Parquet file per core table (`personas.parquet`, ..., `rejected_queries.parquet`), this "
    "version's rows only, ordered by the table's primary key (`checks` by check name and subject). Columns "
    "are the warehouse's (`warehouse/sql/*.sql`).",
    "jsonl": "One JSON-lines file per core table (`personas.jsonl`, ..., `rejected_queries.jsonl`), one object "
    "per row, this version's rows only, ordered by the table's primary key (`checks` by check name and "
    "subject). Columns are the warehouse's (`warehouse/sql/*.sql`).",
    "hf": "Hugging Face `datasets` saved with `save_to_disk`. `datasets.load_from_disk(DIR)`: train / val / "
    "test, one row per query (MCQ and open): `question`, `options` with `option_labels` and `option_roles` "
    "(label order), `gold_label`, `gold_text` (null for open queries), `rubric`, `history_id`, `persona_id`, "
    "the preference and its labels. `datasets.load_from_disk(DIR + '/histories')`: the same splits, one row "
    "per history with `messages` as Tacit's evaluator renders them (a dated system line opening each "
    "session); join on `history_id`. Splits are by persona (the split `tacit train` uses): no persona is in "
    "two of them.",
    "personamem-v2": "PersonaMem-v2's released layout: `benchmark/text/{benchmark,train,val}.csv` (one row "
    "per MCQ query; benchmark = the test personas, train and val = theirs) and "
    "`data/chat_history_<size>/chat_history_<timestamp>_persona<N>.json` (`{metadata, chat_history}`, the "
    "persona JSON as the first, system, message). A 32,000-token history fills the `*_32k` columns, a "
    "128,000-token one the `*_128k` columns; another budget gets its own folder and five extra columns with "
    "its label (`chat_history_8k_link`, ...), and standard columns without a history stay empty. A question "
    "asked of several histories of a persona with the same options is one row filling each size's columns. Tokens are "
    "Tacit's (`cl100k_base`, 4 per message), not gpt-4o's. Left empty, with no Tacit equivalent: "
    "`raw_persona_file`, `metadata.input_filename`. Composed, not copied: `short_persona` (from the persona's "
    "fields). `topic_query` and `topic_preference` are the scenario's domain, `conversation_scenario` the "
    "task type of the preference's latest signal session (also `related_conversation_snippet`, and the "
    "session the distance is measured from), `who` is self / others. Open queries are not in this layout "
    "(see the hf export). Tacit keeps demographics out of every system turn; this layout puts the persona "
    "JSON at the head of each history, as PersonaMem-v2 does, so a model can read them there.",
}


def _note(message: str) -> None:
    """One progress line, never wrapped (a path stays whole for copy and paste)."""
    console.print(message, soft_wrap=True, highlight=False)


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            fail(f"--out: {out} is not empty; pass --overwrite to replace an earlier export there")
        card = out / "README.md"
        if not card.is_file() or CARD_MARK not in card.read_text(encoding="utf-8", errors="replace"):
            fail(f"--out: {out} holds no Tacit export (no Tacit README.md); --overwrite replaces only an export")


def export_command(
    fmt: Annotated[str, typer.Option("--format", help=f"one of {', '.join(FORMATS)}")],
    out: Annotated[Path, typer.Option("--out", help="folder to write (must be empty, or use --overwrite)")],
    version: Annotated[
        str | None, typer.Option(help="dataset version id (default: the newest complete version)")
    ] = None,
    db: DbOption = DEFAULT_DB,
    overwrite: Annotated[bool, typer.Option(help="replace an earlier Tacit export in --out")] = False,
    push_to_hub_repo: Annotated[
        str | None,
        typer.Option("--push-to-hub", help="--format hf: also push to this Hugging Face dataset repo (needs HF_TOKEN)"),
    ] = None,
) -> None:
    """Export a dataset version (tables, HF datasets or PersonaMem-v2 layout) with a dataset card."""
    if fmt not in FORMATS:
        fail(f"--format: unknown {fmt!r}; choose one of {', '.join(FORMATS)}")
    if push_to_hub_repo and fmt != "hf":
        fail(f"--push-to-hub: only with --format hf (got --format {fmt})")
    token = None
    try:
        if fmt == "hf":
            require_datasets()
    except ExportError as exc:
        fail(str(exc))
    if push_to_hub_repo:
        token = hub_token()
        if not token:
            fail("--push-to-hub: no Hugging Face token; set HF_TOKEN or run `hf auth login`")
    _check_out(out, overwrite)
    try:
        con = connect(db, read_only=True)
    except WarehouseError as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        vid = resolve_version(con, version)
        facts = version_facts(con, vid)
        console.print(f"[bold]tacit export[/] version={vid} format={fmt} -> {out}")
        if not facts.complete:
            err.print(f"[yellow]warning:[/] version {vid} is not complete; exporting the rows it has", highlight=False)
        extra = None
        if fmt in ("parquet", "jsonl"):
            export_tables(con, vid, tmp, fmt, note=_note)
        elif fmt == "hf":
            extra = export_hf(con, vid, tmp, note=_note)
        else:
            row = con.execute("SELECT created_at FROM dataset_versions WHERE version_id = ?", [vid]).fetchone()
            extra = export_personamem(con, vid, tmp, f"{row[0]:%Y%m%d_%H%M%S}", note=_note)
        write_card(tmp, facts, fmt, LAYOUTS[fmt], extra)
        _note("wrote README.md: dataset card")
    except KeyError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        message = str(exc.args[0]) if exc.args else "not found"
        fail(message if message.startswith("--") else f"--version: {message}")
    except (ExportError, WarehouseError, OSError, duckdb.Error) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        fail(f"{type(exc).__name__}: {exc}" if isinstance(exc, duckdb.Error) else str(exc))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        con.close()
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    console.print(f"export complete: {out}")
    if push_to_hub_repo:
        try:
            push_to_hub(out, push_to_hub_repo, token, note=_note)
        except Exception as exc:  # network, permissions, a bad repo name: the export itself stays on disk
            fail(f"--push-to-hub: {type(exc).__name__}: {exc} (the export is in {out})")
