"""Training data from the warehouse: memory-writing and answering demonstrations (SFT), GRPO prompts, and
memory-agent trajectories, by dataset version and persona split; exported as HF ``datasets``.

    from training.data import DataConfig, build_dataset
    ds = build_dataset(con, "v...", "train", "sft", DataConfig())

Ground truth drives the demonstrations (ARCHITECTURE §6): a history is turned into messages and cut
into chunks exactly as the evaluator's memory agent does (``history_messages`` -> ``chat_turns`` ->
``chunk_history``, tokens counted with the warehouse tokenizer); after chunk i the memory holds one note
per preference whose signal turn has appeared in chunks 0..i (an update replaces the note of the
preference it supersedes; preferences the user asked to forget are never written), capped with
``cap_memory`` in the evaluator's tokens. Memory prompts come from ``memory_messages`` and never contain
the query; answers from ``answer_messages`` with the query rendered by ``render_mcq`` / ``render_open``
(options shuffled by the query's own seed), so training sees exactly the evaluator's prompts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from evaluation.memory import (
    CHUNK_TOKENS,
    MEMORY_CAP_TOKENS,
    answer_messages,
    cap_memory,
    chat_turns,
    chunk_text,
    chunk_turn_groups,
    memory_messages,
)
from evaluation.render import history_messages, query_seed, render_mcq, render_open
from llm.tokens import count_message_tokens, count_tokens

if TYPE_CHECKING:  # the warehouse is read only while building a dataset: a GPU host that trains from a
    import duckdb  # saved one (benchmarks/gpu_smoke.py) needs neither DuckDB nor polars

KINDS = ("sft", "grpo", "memory")
ITEMS = """
SELECT q.query_id, q.kind, q.text, q.gold_label, q.rubric, q.history_id, q.preference_id, h.persona_id,
       p.statement, p.forget, p.who
FROM queries q JOIN histories h USING (version_id, history_id) JOIN preferences p USING (version_id, preference_id)
JOIN splits s ON s.version_id = q.version_id AND s.persona_id = h.persona_id
WHERE q.version_id = $v AND s.split = $s ORDER BY q.query_id
"""


class DataConfig(BaseModel):
    """How trajectories are cut and capped; stored with every run."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    chunk_tokens: int = Field(CHUNK_TOKENS, gt=0, description="tokens per history chunk (ARCHITECTURE §6: ~5k)")
    memory_cap_tokens: int = Field(MEMORY_CAP_TOKENS, gt=0, description="memory cap in tokens (default 2k)")
    max_chunks: int | None = Field(
        None, gt=0, description="read at most N chunks per history, spread evenly and ending with the last (never "
        "chosen by the query), for small CPU runs; None reads the whole history as evaluation does")  # fmt: skip
    include_open: bool = Field(True, description="include open-ended queries (judge reward) in GRPO data")
    max_queries: int | None = Field(None, gt=0, description="use only the first N queries of the split")


DATA_SETTINGS_FILE = "tacit_data.json"
"""Beside every checkpoint a run saves: the ``DataConfig`` it trained with, which evaluation reads."""


def save_data_settings(cfg: DataConfig, folder: Path) -> None:
    """Write ``cfg`` as ``folder/tacit_data.json`` (the run's output folder and its final checkpoint)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DATA_SETTINGS_FILE).write_text(cfg.model_dump_json(indent=1))


def data_settings_for(model: str | Path) -> DataConfig | None:
    """The data settings a checkpoint was trained with (in its folder, or in the run folder above a
    ``checkpoint-N``), or None for a model Tacit did not train."""
    path = Path(model)
    for folder in (path, path.parent):
        found = folder / DATA_SETTINGS_FILE
        if found.is_file():
            return DataConfig.model_validate_json(found.read_text())
    return None


@dataclass
class QueryItem:
    query_id: str
    kind: str
    text: str
    gold_label: str | None
    rubric: str | None
    history_id: str
    preference_id: str
    persona_id: str
    statement: str
    forget: bool
    who: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Trajectory:
    """Chunks a model reads for one query and the ground-truth memory after each of them."""

    chunks: list[str]
    memories: list[str]
    messages: list[dict] = field(default_factory=list)  # the kept chunks' turns as chat messages, in order


def load_items(con: duckdb.DuckDBPyConnection, version_id: str, split: str, cfg: DataConfig) -> list[QueryItem]:
    from warehouse.training import ensure_splits

    ensure_splits(con, version_id)
    rows = con.execute(ITEMS, {"v": version_id, "s": split}).fetchall()
    opts: dict[str, dict[str, str]] = {}
    for qid, label, text in con.execute(
        "SELECT query_id, label, text FROM options WHERE version_id = ? ORDER BY query_id, label", [version_id]
    ).fetchall():
        opts.setdefault(qid, {})[label] = text
    items = [QueryItem(*r, options=opts.get(r[0], {})) for r in rows]
    return items[: cfg.max_queries] if cfg.max_queries else items


def history_turns(con: duckdb.DuckDBPyConnection, version_id: str, history_id: str) -> list[dict]:
    """The history as {"role", "content", "n_tokens"} turns, built as the evaluator's memory agent builds them."""
    from warehouse.history import assemble_history

    chat = assemble_history(con, history_id, version_id)
    return chat_turns(history_messages(chat.sessions), count_message_tokens)


def persona_notes(con: duckdb.DuckDBPyConnection, version_id: str, persona_id: str) -> tuple[dict, list]:
    """(preference_id -> (note, previous id, forget), [(preference_id, signal turn text)])."""
    prefs = {
        pid: ((f"{rel}: {st}" if who == "other" and rel else f"The user {st}"), prev, forget)
        for pid, st, who, rel, prev, forget in con.execute(
            "SELECT preference_id, statement, who, relation, previous_preference_id, forget FROM preferences "
            "WHERE version_id = ? AND persona_id = ?",
            [version_id, persona_id],
        ).fetchall()
    }
    signals = con.execute(
        "SELECT s.preference_id, t.content FROM signals s JOIN turns t ON t.version_id = s.version_id "
        "AND t.session_id = s.session_id AND t.turn_index = s.turn_index JOIN preferences p ON "
        "p.version_id = s.version_id AND p.preference_id = s.preference_id WHERE s.version_id = ? AND p.persona_id = ?",
        [version_id, persona_id],
    ).fetchall()
    return prefs, signals


def memory_after(seen: list[str], prefs: dict) -> str:
    """Ground-truth memory once ``seen`` preferences (in order of appearance) have been read."""
    replaced = {prefs[p][1] for p in seen if prefs[p][1]}
    notes = [prefs[p][0] for p in seen if p not in replaced and not prefs[p][2]]
    return "\n".join(f"- {n}" for n in notes)


def kept_chunks(n_chunks: int, max_chunks: int | None) -> list[int]:
    """Which chunks a capped trajectory reads: ``max_chunks`` spread evenly over the history, the last one
    always among them; every chunk without a cap. Chosen from the history's length alone, never from the
    query or its preference (choosing the chunks that hold the answer let training see it)."""
    if not max_chunks or n_chunks <= max_chunks:
        return list(range(n_chunks))
    if max_chunks == 1:
        return [n_chunks - 1]
    step = (n_chunks - 1) / (max_chunks - 1)
    return sorted({round(i * step) for i in range(max_chunks)})


def build_trajectory(turns: list[dict], prefs: dict, signals: list, cfg: DataConfig) -> Trajectory:
    """The chunks a trajectory reads and the ground-truth memory after each: the same for every query of
    a history (nothing here knows the query)."""
    groups = chunk_turn_groups(turns, cfg.chunk_tokens)
    chunks = [chunk_text(g) for g in groups]
    first_seen = {}
    for pid, text in signals:
        at = next((i for i, c in enumerate(chunks) if text in c), None)
        if at is not None:
            first_seen[pid] = min(at, first_seen.get(pid, at))
    keep = kept_chunks(len(chunks), cfg.max_chunks)
    memories, seen = [], []
    for i in keep:
        seen += sorted((p for p, at in first_seen.items() if at == i), key=lambda p: p)
        memories.append(cap_memory(memory_after(seen, prefs), cfg.memory_cap_tokens, count_tokens, whole_lines=True))
    messages = [{"role": t["role"], "content": t["content"]} for i in keep for t in groups[i]]
    return Trajectory([chunks[i] for i in keep], memories, messages)


def rendered_query(item: QueryItem) -> tuple[list[dict], dict[str, str], str | None]:
    """(question messages, options as shown, gold letter as shown); an open query has no options."""
    if item.kind == "mcq" and item.options:
        r = render_mcq(item.text, item.options, query_seed(item.query_id))
        return r.messages_tail, r.options, r.shown(item.gold_label)
    return render_open(item.text), {}, None


def answer_text(letter: str) -> str:
    return f"\\boxed{{{letter}}}"


def _reward_columns(item: QueryItem, options: dict, gold: str | None) -> dict:
    return dict(
        query_id=item.query_id,
        query_kind=item.kind,
        answer=gold,
        options=options,
        who=item.who,
        preference=item.statement,
        rubric=item.rubric or "",
        forget=bool(item.forget),
    )


def iter_trajectories(con, version_id: str, split: str, cfg: DataConfig):
    """Yield (item, trajectory) for every query of the split; turns and notes are read once per history."""
    cache: dict[str, tuple] = {}
    for item in load_items(con, version_id, split, cfg):
        if item.history_id not in cache:
            cache[item.history_id] = (
                history_turns(con, version_id, item.history_id),
                *persona_notes(con, version_id, item.persona_id),
            )
        turns, prefs, signals = cache[item.history_id]
        yield item, build_trajectory(turns, prefs, signals, cfg)


def sft_rows(con, version_id: str, split: str, cfg: DataConfig) -> list[dict]:
    """Conversational rows (``messages``): memory-writing demonstrations (chunk + previous memory -> new memory),
    once per distinct (history, chunks), and an answering demonstration (final memory + MCQ -> gold letter)
    per MCQ query."""
    rows, seen = [], set()
    for item, traj in iter_trajectories(con, version_id, split, cfg):
        key = (item.history_id, tuple(traj.chunks))
        if key not in seen:
            seen.add(key)
            previous = ""
            for chunk, memory in zip(traj.chunks, traj.memories, strict=True):
                msgs = [
                    *memory_messages(chunk, previous, cfg.memory_cap_tokens),
                    {"role": "assistant", "content": memory},
                ]
                rows.append({"messages": msgs, "example_kind": "memory", "query_id": item.query_id})
                previous = memory
        tail, _, gold = rendered_query(item)
        if gold:
            final = traj.memories[-1] if traj.memories else ""
            msgs = [*answer_messages(final, tail), {"role": "assistant", "content": answer_text(gold)}]
            rows.append({"messages": msgs, "example_kind": "answer", "query_id": item.query_id})
    return rows


def grpo_rows(con, version_id: str, split: str, cfg: DataConfig) -> list[dict]:
    """Long-context GRPO prompts: the history's messages (the kept chunks' turns; all of them without
    ``max_chunks``, exactly what ``full_context`` evaluation sends), then the rendered query; reward columns."""
    rows = []
    for item, traj in iter_trajectories(con, version_id, split, cfg):
        if item.kind == "open" and not cfg.include_open:
            continue
        tail, options, gold = rendered_query(item)
        # the history as evaluation's full_context sends it: a message per turn, a header per session
        rows.append({"prompt": [*traj.messages, *tail], **_reward_columns(item, options, gold)})
    return rows


def memory_rows(con, version_id: str, split: str, cfg: DataConfig) -> list[dict]:
    """Memory-agent GRPO rows: the chunks to read and the query's rendered tail; ``prompt`` is the answer
    prompt with an empty memory (the trainer replaces the memory with the one the policy wrote)."""
    rows = []
    for item, traj in iter_trajectories(con, version_id, split, cfg):
        if item.kind == "open" and not cfg.include_open:
            continue
        tail, options, gold = rendered_query(item)
        rows.append(
            {
                "prompt": answer_messages("", tail),
                "chunks": traj.chunks,
                "tail": tail,
                "reference_memory": traj.memories[-1] if traj.memories else "",
                **_reward_columns(item, options, gold),
            }
        )
    return rows


def build_dataset(con, version_id: str, split: str, kind: str, cfg: DataConfig):
    """The HF ``datasets.Dataset`` of one kind (sft, grpo, memory) for a version and split."""
    from datasets import Dataset

    builders = {"sft": sft_rows, "grpo": grpo_rows, "memory": memory_rows}
    if kind not in builders:
        raise ValueError(f"unknown dataset kind {kind!r}; choose one of {', '.join(KINDS)}")
    rows = builders[kind](con, version_id, split, cfg)
    if not rows:
        raise ValueError(f"no {kind} examples in version {version_id} split {split!r}")
    return Dataset.from_list(rows)
