"""Export a dataset version as Hugging Face ``datasets`` (``save_to_disk``), and push it to the Hub.

    DIR/                      DatasetDict train/val/test: one row per query (datasets.load_from_disk(DIR))
    DIR/histories/            DatasetDict train/val/test: one row per history, rendered as chat messages

Why two datasets: a persona's 20-40 queries share one history of 8k-128k tokens, so inlining the history
in every query row would store it 20-40 times. Query rows carry ``history_id``; the history is one row of
``DIR/histories`` (join on ``history_id``), with ``messages`` exactly as Tacit's evaluator shows them to a
model (``evaluation.render.history_messages``: a dated system line opening each session, then its turns).

Splits are the persona split every training run of the version uses (``warehouse.training.read_splits``:
the stored ``splits`` rows, or the same deterministic function when none are stored; nothing is written),
so the three splits are persona-disjoint and match ``tacit train``.

``datasets`` comes with the ``train`` extra; ``require_datasets`` raises ``ExportError`` with the install
line when it is missing. ``push_to_hub`` uploads the card, then the queries (default config) and the
histories (config ``histories``) with ``huggingface_hub``'s token (``HF_TOKEN`` or ``hf auth login``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from evaluation.render import history_messages
from warehouse.history import assemble_history
from warehouse.training import SPLITS, read_splits

ROWS = """
SELECT q.query_id, q.history_id, h.persona_id, h.budget_tokens, q.kind, q.text, q.gold_label, q.rubric,
       q.preference_id, p.statement, p.kind, p.who, p.forget, p.previous_preference_id IS NOT NULL,
       p.scenario_id, sc.domain
FROM queries q JOIN histories h USING (version_id, history_id) JOIN preferences p USING (version_id, preference_id)
JOIN scenarios sc ON sc.version_id = p.version_id AND sc.scenario_id = p.scenario_id
WHERE q.version_id = ? ORDER BY q.query_id
"""
COLUMNS = [
    "query_id",
    "history_id",
    "persona_id",
    "budget_tokens",
    "kind",
    "question",
    "gold_label",
    "rubric",
    "preference_id",
    "preference",
    "preference_kind",
    "who",
    "forget",
    "updated",
    "scenario_id",
    "domain",
]


class ExportError(RuntimeError):
    """An export that cannot be made, with the option at fault named."""


def require_datasets():
    """The ``datasets`` module, or ``ExportError`` telling how to install it."""
    try:
        import datasets
    except ImportError as exc:
        raise ExportError(
            "--format hf needs the `datasets` package (the train extra): pip install -e '.[train]'"
        ) from exc
    return datasets


def hub_token() -> str | None:
    """The Hugging Face token ``huggingface_hub`` would use (``HF_TOKEN`` or a saved login), or None."""
    try:
        from huggingface_hub import get_token
    except ImportError:
        return None
    return get_token() or None


def query_rows(con: duckdb.DuckDBPyConnection, vid: str, splits: dict[str, str]) -> list[dict]:
    """One row per query: question, options in label order (texts, labels, roles), gold label and text."""
    options: dict[str, list[tuple[str, str, str]]] = {}
    for qid, label, text, role in con.execute(
        "SELECT query_id, label, text, role FROM options WHERE version_id = ? ORDER BY query_id, label", [vid]
    ).fetchall():
        options.setdefault(qid, []).append((label, text, role))
    rows = []
    for r in con.execute(ROWS, [vid]).fetchall():
        row = dict(zip(COLUMNS, r, strict=True))
        opts = options.get(row["query_id"], [])
        row |= {
            "split": splits[row["persona_id"]],
            "option_labels": [o[0] for o in opts],
            "options": [o[1] for o in opts],
            "option_roles": [o[2] for o in opts],
            "gold_text": next((o[1] for o in opts if o[0] == row["gold_label"]), None),
            "forget": bool(row["forget"]),
            "updated": bool(row["updated"]),
        }
        rows.append(row)
    return rows


def history_rows(con: duckdb.DuckDBPyConnection, vid: str, splits: dict[str, str]) -> list[dict]:
    rows = []
    for hid, pid, budget, n_tokens, tokenizer in con.execute(
        "SELECT history_id, persona_id, budget_tokens, n_tokens, tokenizer FROM histories WHERE version_id = ? "
        "ORDER BY history_id",
        [vid],
    ).fetchall():
        chat = assemble_history(con, hid, vid)
        rows.append(dict(history_id=hid, persona_id=pid, split=splits[pid], budget_tokens=budget, n_tokens=n_tokens,
                         tokenizer=tokenizer, messages=history_messages(chat.sessions)))  # fmt: skip
    return rows


def _by_split(datasets, rows: list[dict]):
    """A DatasetDict with every split present (an empty one keeps the columns)."""
    full = datasets.Dataset.from_list(rows)
    return datasets.DatasetDict({s: full.select([i for i, r in enumerate(rows) if r["split"] == s]) for s in SPLITS})


def export_hf(
    con: duckdb.DuckDBPyConnection, vid: str, out: Path, note: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    """Save the queries to ``out`` and the histories to ``out/histories``; returns rows per split."""
    datasets = require_datasets()
    datasets.disable_progress_bars()  # one line per split below says what was written
    splits = read_splits(con, vid)
    queries = _by_split(datasets, query_rows(con, vid, splits))
    histories = _by_split(datasets, history_rows(con, vid, splits))
    queries.save_to_disk(str(out))
    counts = {}
    for s in SPLITS:
        note(f"wrote {s}/ (queries): {len(queries[s]):,} rows")
        counts[f"queries/{s}"] = len(queries[s])
    histories.save_to_disk(str(out / "histories"))
    for s in SPLITS:
        note(f"wrote histories/{s}/: {len(histories[s]):,} rows")
        counts[f"histories/{s}"] = len(histories[s])
    return counts


def push_to_hub(out: Path, repo: str, token: str, note: Callable[[str], None] = lambda _m: None) -> None:
    """Upload an ``hf`` export folder: the card, the queries (default config) and the histories."""
    datasets = require_datasets()
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo, repo_type="dataset", exist_ok=True)
    api.upload_file(path_or_fileobj=str(out / "README.md"), path_in_repo="README.md", repo_id=repo,
                    repo_type="dataset")  # fmt: skip
    datasets.load_from_disk(str(out)).push_to_hub(repo, token=token)
    datasets.load_from_disk(str(out / "histories")).push_to_hub(repo, config_name="histories", token=token)
    note(f"pushed to https://huggingface.co/datasets/{repo} (configs: default = queries, histories)")
