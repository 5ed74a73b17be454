"""A local transformers model evaluated with ``--backend hf``: the tiny model of ``tacit train tiny-model``
answers through its chat template; unparseable answers count as wrong and are stored as unparsed."""

from __future__ import annotations

import duckdb

from llm.tokens import count_tokens


def test_hf_backend_runs_memory_agent_and_no_context(train_db, tiny_model, prefect_harness):
    from flows.evaluate import evaluate

    db, vid = train_db
    summary = evaluate(
        version=vid, methods=["no_context", "memory_agent", "length_only"], backend="hf", model=str(tiny_model),
        limit=4, chunk_tokens=3000, memory_cap_tokens=24, max_new_tokens=8, db=str(db),
    )  # fmt: skip
    run_id = summary["run"]["run_id"]
    assert summary["run"]["backend"] == "hf" and summary["run"]["model"] == str(tiny_model)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT method, kind, response, answer, parsed, correct FROM eval_results WHERE run_id = ?", [run_id]
    ).fetchall()
    assert {r[0] for r in rows} == {"no_context", "memory_agent", "length_only"}
    for method, kind, response, answer, parsed, correct in rows:
        if kind == "mcq":
            assert parsed == (answer is not None)
            assert correct is False or answer is not None  # unparseable is never counted right
        if method != "length_only":
            assert isinstance(response, str)  # what the model wrote is kept as is
    for memory, peak in con.execute(
        "SELECT memory, max_memory_tokens FROM eval_memories WHERE run_id = ?", [run_id]
    ).fetchall():
        assert peak <= 24 and count_tokens([memory])[0] <= 24
    con.close()


def test_an_over_long_prompt_is_flagged_never_truncated(tiny_model):
    from evaluation.hf_model import HFModel
    from llm.chat import Overflowed

    model = HFModel(tiny_model, max_input_tokens=96)
    short = [{"role": "user", "content": "Which tea?"}]
    long = [{"role": "system", "content": "memory: the user keeps bees. " * 40}, {"role": "user", "content": "Tea?"}]
    replies = model.complete([short, long, short], max_new_tokens=8)
    assert [isinstance(r, Overflowed) for r in replies] == [False, True, False]
    assert "context overflow" in replies[1] and replies[0] == replies[2]  # the others answered as usual
