"""Golden cases for answer extraction, MCQ rendering (per-query shuffles) and the memory helpers."""

from __future__ import annotations

import pytest

from evaluation.extraction import extract_answer
from evaluation.memory import (
    answer_messages,
    cap_memory,
    chunk_history,
    memory_messages,
    parse_memory_prompt,
)
from evaluation.render import parse_mcq, query_seed, render_mcq, render_open
from llm.tokens import count_tokens

OPTIONS = {"A": "Brew a pot of green tea", "B": "Order a double espresso", "C": "Drink cold water", "D": "Skip it"}


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("\\boxed{B}", "B"),
        ("Thinking... maybe \\boxed{A}, no wait: \\boxed{C}", None),  # two letters offered: a hedge
        ("\\boxed{\\text{D}}", "D"),
        ("Final Answer: C", "C"),
        ("The answer is (A).", "A"),
        ("answer: b", None),  # letters are capitals
        ("**Answer:** D", "D"),
        ("B", "B"),
        ("(C)", "C"),
        ("D. Skip it", "D"),
        ("A) because tea is calming", "A"),
        ("I would order a double espresso for sure.", "B"),
        ("A good morning starts with water.", None),
        ("Either tea or espresso", None),
        ("", None),
        ("E", None),
    ],
)
def test_extract_answer_golden(response, expected):
    assert extract_answer(response, OPTIONS) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("The answer is a matter of taste.", None),  # "a" is a word, not a letter
        ("Answer: A or B", None),
        ("Answer: A/B", None),
        ("(A) (B)", None),
        ("\\boxed{A}. Answer: B", None),
        ("Answer: B", "B"),
        ("**B**", "B"),
        ("B) the night train", "B"),
        ("I pick B. B is best.", "B"),  # the same letter repeated is one choice
        ("\\boxed{B} because B fits", "B"),
        ("Use a vitamin C serum every morning.", None),  # a capital inside prose is not a choice
    ],
)
def test_extraction_is_strict_about_case_and_hedges(response, expected):
    assert extract_answer(response, OPTIONS) == expected


def test_rewards_and_evaluation_share_the_extraction():
    import evaluation.runner
    import training.rewards

    assert training.rewards.extract_answer is extract_answer
    assert evaluation.runner.extract_answer is extract_answer


def test_option_text_matching_two_options_is_unparseable():
    assert extract_answer("Drink cold water, or skip it", OPTIONS) is None


def test_render_mcq_shuffles_by_query_seed_and_maps_labels():
    a = render_mcq("Which drink?", OPTIONS, query_seed("q1"))
    again = render_mcq("Which drink?", OPTIONS, query_seed("q1"))
    assert a == again  # pinned: same query id, same order
    orders = {tuple(render_mcq("Which drink?", OPTIONS, query_seed(f"q{i}")).options.values()) for i in range(40)}
    assert len(orders) > 10  # the order really depends on the query
    for stored, text in OPTIONS.items():
        assert a.options[a.shown(stored)] == text
    question, shown = parse_mcq(a.messages_tail[-1]["content"])
    assert question == "Which drink?" and shown == a.options
    assert parse_mcq(render_open("Which drink?")[0]["content"]) is None


def test_gold_letters_are_balanced_after_shuffling():
    shown = [render_mcq("q", OPTIONS, query_seed(f"q{i}")).shown("A") for i in range(2000)]
    for letter in "ABCD":
        assert 0.22 < shown.count(letter) / len(shown) < 0.28


def test_chunks_hold_whole_turns_within_the_limit():
    turns = [{"role": "user" if i % 2 else "assistant", "content": f"turn {i}", "n_tokens": 40} for i in range(50)]
    chunks = chunk_history(turns, 200)
    assert [c.count("\n") + 1 for c in chunks] == [5] * 10
    assert "turn 0" in chunks[0] and "turn 49" in chunks[-1]
    big = [{"role": "user", "content": "x", "n_tokens": 500}]
    assert chunk_history(big, 200) == ["user: x"]  # an over-long turn is a chunk of its own
    with pytest.raises(ValueError):
        chunk_history(turns, 0)


def test_cap_memory_enforces_the_cap_and_keeps_the_start():
    text = "\n".join(f"fact number {i} about the user and their week" for i in range(200))
    capped = cap_memory(text, 100, count_tokens)
    assert count_tokens([capped])[0] <= 100
    assert capped.startswith("fact number 0") and len(capped) > 200
    assert cap_memory("short", 100, count_tokens) == "short"
    # a ground-truth memory keeps whole statements: no "- my cousin: wants everything stored in"
    whole = cap_memory(text, 100, count_tokens, whole_lines=True)
    assert count_tokens([whole])[0] <= 100 and all(line.endswith("their week") for line in whole.splitlines())
    assert not all(line.endswith("their week") for line in capped.splitlines())  # the default cuts mid-line


def test_memory_prompt_round_trip_and_answer_prompt():
    prompt = memory_messages("user: I walk my dog at six.", "likes dogs", cap_tokens=300)
    assert "300 tokens" in prompt[0]["content"]
    assert parse_memory_prompt(prompt) == ("likes dogs", "user: I walk my dog at six.")
    assert parse_memory_prompt(memory_messages("chunk", "")) == ("", "chunk")
    rendered = render_mcq("Which drink?", OPTIONS, 1)
    answer = answer_messages("likes tea", rendered)
    assert "likes tea" in answer[0]["content"] and answer[-1] == rendered.messages_tail[-1]
