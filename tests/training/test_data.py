"""Training data from the warehouse: a stored persona split, ground-truth memory demonstrations within the
cap, query-agnostic memory prompts, answering demonstrations, and the HF export."""

from __future__ import annotations

from llm.tokens import count_tokens
from training.data import DataConfig, build_dataset, load_items, memory_after, sft_rows
from warehouse.training import ensure_splits, split_of

CFG = DataConfig(chunk_tokens=800, memory_cap_tokens=30, max_chunks=3)


def test_split_is_stored_by_persona_and_stable(con, train_db):
    _, vid = train_db
    first = ensure_splits(con, vid)
    assert set(first.values()) == {"train", "val", "test"}  # tiny: 3 personas, one in each
    stored = dict(con.execute("SELECT persona_id, split FROM splits WHERE version_id = ?", [vid]).fetchall())
    assert stored == first
    assert ensure_splits(con, vid, seed=99) == first  # stored once: a later call never re-splits
    train = {i.persona_id for i in load_items(con, vid, "train", CFG)}
    test = {i.persona_id for i in load_items(con, vid, "test", CFG)}
    assert train and test and not train & test


def test_hash_split_follows_the_fractions():
    splits = [split_of(f"p{i:05d}") for i in range(2000)]
    assert 0.75 < splits.count("train") / 2000 < 0.85
    assert splits == [split_of(f"p{i:05d}") for i in range(2000)]


def test_memory_after_replaces_updated_and_drops_forgotten():
    prefs = {"a": ("The user wants tea", None, False), "b": ("The user wants coffee", "a", False),
             "c": ("The user wants jazz", None, True)}  # fmt: skip
    assert memory_after(["a"], prefs) == "- The user wants tea"
    assert memory_after(["a", "b", "c"], prefs) == "- The user wants coffee"


def test_memory_demonstrations_are_ground_truth_within_cap(con, train_db):
    _, vid = train_db
    rows = sft_rows(con, vid, "train", CFG)
    items = {i.query_id: i for i in load_items(con, vid, "train", CFG)}
    memory = [r for r in rows if r["example_kind"] == "memory"]
    answers = [r for r in rows if r["example_kind"] == "answer"]
    assert memory and answers
    statements = {s for (s,) in con.execute("SELECT statement FROM preferences WHERE version_id = ?", [vid]).fetchall()}
    for r in memory:
        written = r["messages"][-1]["content"]
        assert r["messages"][-1]["role"] == "assistant"
        assert count_tokens([written])[0] <= CFG.memory_cap_tokens
        assert all(any(s in line for s in statements) for line in written.splitlines() if line)
        prompt = " ".join(m["content"] for m in r["messages"][:-1])
        assert items[r["query_id"]].text not in prompt  # memory prompts never see the query
    assert any(r["messages"][-1]["content"] for r in memory)  # signals were found in the chunks
    for r in answers:
        assert r["messages"][-1]["content"] in {f"\\boxed{{{x}}}" for x in "ABCD"}


def test_answer_letter_is_the_gold_option_as_shown(con, train_db):
    _, vid = train_db
    ds = build_dataset(con, vid, "train", "grpo", CFG)
    gold_text = dict(
        con.execute(
            "SELECT q.query_id, o.text FROM queries q JOIN options o ON o.version_id = q.version_id "
            "AND o.query_id = q.query_id AND o.label = q.gold_label WHERE q.version_id = ?",
            [vid],
        ).fetchall()
    )
    mcq = [r for r in ds if r["query_kind"] == "mcq"]
    assert mcq and any(r["query_kind"] == "open" for r in ds)
    for r in mcq:
        assert r["options"][r["answer"]] == gold_text[r["query_id"]]
        assert r["prompt"][0]["role"] == "system" and r["prompt"][-1]["role"] == "user"


def test_memory_rows_carry_chunks_and_the_query_tail(con, train_db):
    _, vid = train_db
    ds = build_dataset(con, vid, "train", "memory", CFG)
    assert {"prompt", "chunks", "tail", "answer", "options", "preference"} <= set(ds.column_names)
    assert all(1 <= len(r["chunks"]) <= CFG.max_chunks for r in ds)


def test_capped_chunks_are_chosen_without_the_query(con, train_db):
    """Every query of a history reads the same chunks (spread evenly, the last one included): choosing the
    chunks that hold the query's preference let training see the answer."""
    from training.data import iter_trajectories, kept_chunks

    assert kept_chunks(10, 3) == [0, 4, 9] and kept_chunks(10, 1) == [9] and kept_chunks(2, 5) == [0, 1]
    _, vid = train_db
    by_history: dict[str, set] = {}
    for item, trajectory in iter_trajectories(con, vid, "train", CFG):
        by_history.setdefault(item.history_id, set()).add(tuple(trajectory.chunks))
    assert by_history and all(len(chunk_lists) == 1 for chunk_lists in by_history.values())


def test_a_checkpoint_is_evaluated_with_the_data_settings_it_trained_with(tmp_path):
    from flows.evaluate import memory_settings
    from training.data import data_settings_for, save_data_settings

    run = tmp_path / "run"
    save_data_settings(DataConfig(chunk_tokens=300, memory_cap_tokens=16), run)
    (run / "checkpoint-4").mkdir()
    assert data_settings_for(run / "checkpoint-4").chunk_tokens == 300  # found in the run folder above
    assert memory_settings("hf", str(run / "checkpoint-4"), None, None)[:2] == (300, 16)
    assert memory_settings("hf", str(run), 1000, None)[:2] == (1000, 16)  # what is asked wins
    assert memory_settings("hf", str(tmp_path / "elsewhere"), None, None) == (5000, 2000, "defaults")
    assert memory_settings("openai", str(run), None, None)[:2] == (5000, 2000)  # a served model is not a run


def test_a_grpo_prompt_is_byte_for_byte_the_full_context_evaluation_prompt(con, train_db):
    """Training reads a history exactly as evaluation sends it: a message per turn, a header per session
    (it was one system message holding the whole history), then the same rendered question."""
    import json

    from evaluation.items import load_items as eval_items
    from evaluation.methods import HistoryContext, context_messages, prompt_for
    from evaluation.render import query_seed, render_mcq
    from training.data import grpo_rows
    from warehouse.history import assemble_history

    _, vid = train_db
    rows = grpo_rows(con, vid, "train", DataConfig(max_queries=6))
    items = {i.query_id: i for i in eval_items(con, vid)}
    checked = 0
    for row in rows:
        if row["query_kind"] != "mcq":
            continue
        item = items[row["query_id"]]
        history = HistoryContext(item.history_id, assemble_history(con, item.history_id, vid).sessions)
        rendered = render_mcq(item.text, item.options, query_seed(item.query_id))
        expected = prompt_for("full_context", context_messages("full_context", history, item.text, [], 5), rendered)
        assert json.dumps(row["prompt"]) == json.dumps(expected)
        checked += 1
    assert checked >= 2
