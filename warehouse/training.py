"""Training rows in the warehouse: the persona split, training runs, checkpoints and their lineage.

The split is decided once per dataset version and stored (``splits``), so every SFT, GRPO and memory run
of that version trains, validates and tests on the same personas. A persona's split comes from a hash of
(seed, persona id), not from row order, so adding personas to a config never moves existing ones.

Lineage: a run's checkpoints are artifacts whose parents are the training data of the version
(``queries@V``, ``histories@V``, ``splits@V``) and the run's config (``train-config:<hash>``); a model
used as base is a parent too when it is itself a checkpoint of an earlier run.

Every write works on a DuckLake too (no keys there, so no ON CONFLICT): a replaced row is deleted and
inserted again in one transaction, retried on a catalog lock (``warehouse.ducklake.transaction``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.ducklake import retry_locked, transaction
from warehouse.lineage import add_lineage
from warehouse.liveness import owner, sweep_interrupted

SPLITS = ("train", "val", "test")
DEFAULT_FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def split_of(persona_id: str, seed: int = 0, fractions: dict[str, float] = DEFAULT_FRACTIONS) -> str:
    """Deterministic split of one persona: a hash of (seed, id) mapped onto the cumulative fractions."""
    u = int(hashlib.sha256(f"{seed}:{persona_id}".encode()).hexdigest()[:12], 16) / 16**12
    edge = 0.0
    for name in SPLITS:
        edge += fractions.get(name, 0.0)
        if u < edge:
            return name
    return SPLITS[-1]


def choose_splits(personas: list[str], seed: int = 0) -> dict[str, str]:
    """persona -> split for sorted persona ids, as ``ensure_splits`` stores it (see there for tiny versions)."""
    if len(personas) < 10:
        tail = ["val", "test"] if len(personas) >= 3 else []
        return dict.fromkeys(personas, "train") | dict(zip(personas[len(personas) - len(tail) :], tail, strict=True))
    return {p: split_of(p, seed) for p in personas}


def read_splits(con: duckdb.DuckDBPyConnection, version_id: str, seed: int = 0) -> dict[str, str]:
    """persona -> split without writing: the stored split when there is one, else the one ``ensure_splits``
    would store (same function), so a read-only reader (an export) agrees with every training run."""
    rows = con.execute("SELECT persona_id, split FROM splits WHERE version_id = ?", [version_id]).fetchall()
    if rows:
        return dict(rows)
    personas = [
        r[0]
        for r in con.execute(
            "SELECT persona_id FROM personas WHERE version_id = ? ORDER BY persona_id", [version_id]
        ).fetchall()
    ]
    if not personas:
        raise KeyError(f"no personas in dataset version {version_id!r}; run `tacit synth` or check --version")
    return choose_splits(personas, seed)


def ensure_splits(con: duckdb.DuckDBPyConnection, version_id: str, seed: int = 0) -> dict[str, str]:
    """Return persona -> split for a version, writing it first if the version has none yet.

    With fewer than 10 personas the hash split could leave train empty, so tiny versions put the first
    personas (sorted) in train and keep one each for val and test when there are at least three.
    """
    rows = con.execute("SELECT persona_id, split FROM splits WHERE version_id = ?", [version_id]).fetchall()
    if rows:
        return dict(rows)
    chosen = read_splits(con, version_id, seed)
    now = _now()

    def write() -> None:  # only personas still without a split: DuckLake has no keys, so no ON CONFLICT
        have = {
            r[0] for r in con.execute("SELECT persona_id FROM splits WHERE version_id = ?", [version_id]).fetchall()
        }
        missing = [[version_id, p, s, seed, now] for p, s in chosen.items() if p not in have]
        if missing:
            con.executemany("INSERT INTO splits VALUES (?, ?, ?, ?, ?)", missing)

    transaction(con, write)
    stored = con.execute("SELECT persona_id, split FROM splits WHERE version_id = ?", [version_id]).fetchall()
    return dict(stored)  # what every run of the version reads, even if another writer stored it first


def config_hash(config_json: str) -> str:
    return hashlib.sha256(config_json.encode()).hexdigest()[:16]


def start_training_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    version_id: str | None,
    base_model: str,
    config_json: str,
    out_dir: str,
    run_id: str | None = None,
) -> str:
    """Insert a ``running`` row owned by this process (a retried Prefect flow run keeps its id, so its old
    row is replaced), after marking runs whose process is gone ``interrupted`` (``warehouse.liveness``)."""
    run_id = run_id or uuid.uuid4().hex
    sweep_interrupted(con)

    def start() -> None:
        con.execute("DELETE FROM training_runs WHERE run_id = ?", [run_id])
        con.execute(
            "INSERT INTO training_runs (run_id, kind, version_id, base_model, config_json, config_hash, status, "
            "started_at, out_dir, owner_host, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, "
            "?, ?, ?)",
            [run_id, kind, version_id, base_model, config_json, config_hash(config_json), _now(), out_dir, *owner()],
        )

    transaction(con, start)
    return run_id


def finish_training_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    n_examples: int | None = None,
    metrics: dict | None = None,
    message: str = "",
) -> None:
    retry_locked(  # a run that failed on a lock must still be marked failed, not left 'running'
        lambda: con.execute(
            "UPDATE training_runs SET status = ?, finished_at = ?, n_examples = ?, metrics_json = ?, message = ? "
            "WHERE run_id = ?",
            [status, _now(), n_examples, json.dumps(metrics or {}), message, run_id],
        )
    )


def record_checkpoint(
    con: duckdb.DuckDBPyConnection, run_id: str, path: str, step: int, final: bool = False, metrics: dict | None = None
) -> str:
    checkpoint_id = f"ckpt:{run_id}:{step}" + (":final" if final else "")  # the final model may share a step

    def replace() -> None:  # DELETE then INSERT in one transaction: DuckLake has no keys for an upsert
        con.execute("DELETE FROM checkpoints WHERE checkpoint_id = ?", [checkpoint_id])
        con.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)",
            [checkpoint_id, run_id, path, step, _now(), final, json.dumps(metrics or {})],
        )

    transaction(con, replace)
    return checkpoint_id


def lineage_rows(
    con: duckdb.DuckDBPyConnection, run_id: str, version_id: str, config_json: str, base_model: str
) -> tuple[list[dict], list[dict]]:
    """Artifacts (run config, split, each checkpoint of the run) and edges to the data they came from."""
    now = _now()
    digest = config_hash(config_json)
    cfg_id = f"train-config:{digest}"

    def art(artifact_id: str, kind: str, name: str, uri: str, content_hash=None, n_rows=None) -> dict:
        return dict(artifact_id=artifact_id, kind=kind, name=name, uri=uri, version_id=version_id, run_id=run_id,
                    content_hash=content_hash, n_rows=n_rows, created_at=now)  # fmt: skip

    def edge(child: str, parent: str) -> dict:
        return dict(child_id=child, parent_id=parent, run_id=run_id, version_id=version_id)

    arts = [
        art(cfg_id, "config", "train-config", f"tacit://train-config/{digest}", digest, 1),
        art(f"splits@{version_id}", "table", "splits", f"tacit://splits/{version_id}"),
    ]
    edges = [edge(f"splits@{version_id}", f"personas@{version_id}")]
    base_path = str(Path(base_model).resolve()) if Path(base_model).exists() else base_model
    base_ckpt = con.execute("SELECT checkpoint_id FROM checkpoints WHERE path = ? LIMIT 1", [base_path]).fetchone()
    parents = [cfg_id, f"splits@{version_id}", f"queries@{version_id}", f"histories@{version_id}"]
    parents += [base_ckpt[0]] if base_ckpt else []
    for ckpt_id, path, step in con.execute(
        "SELECT checkpoint_id, path, step FROM checkpoints WHERE run_id = ?", [run_id]
    ).fetchall():
        arts.append(art(ckpt_id, "checkpoint", f"checkpoint-{step}", f"file://{path}"))
        edges += [edge(ckpt_id, p) for p in parents]
    return arts, edges


def write_lineage(
    con: duckdb.DuckDBPyConnection, run_id: str, version_id: str, config_json: str, base_model: str
) -> int:
    """Insert the run's lineage rows; rows already there (same ids) are kept as they are."""
    arts, edges = lineage_rows(con, run_id, version_id, config_json, base_model)
    return add_lineage(con, arts, edges)


def record_result(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    version_id: str,
    base_model: str,
    config_json: str,
    checkpoints: list[tuple[str, int]],
    final_path: str,
    n_examples: int,
    metrics: dict,
) -> int:
    """After training: a row per checkpoint (absolute paths), the run marked completed, its lineage."""
    for path, step in checkpoints:
        record_checkpoint(con, run_id, str(Path(path).resolve()), step, final=path == final_path)
    finish_training_run(con, run_id, "completed", n_examples, metrics)
    return write_lineage(con, run_id, version_id, config_json, base_model)
