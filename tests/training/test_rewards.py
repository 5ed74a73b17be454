"""Reward functions: golden cases (one scoring rule with the evaluator's extraction and judge)."""

from __future__ import annotations

import pytest

from training.rewards import completion_text, hybrid_reward, judge_reward, mcq_reward

OPTIONS = {"A": "Brew green tea.", "B": "Take the night train.", "C": "Buy a paper map.", "D": "Stay home."}


def _msg(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize(
    ("response", "gold", "expected"),
    [
        ("\\boxed{B}", "B", 1.0),
        ("I would go with it. Final Answer: B", "B", 1.0),
        ("Answer: C", "B", 0.0),
        ("\\boxed{A}", "B", 0.0),
        ("", "B", 0.0),
    ],
)
def test_mcq_reward_golden(response, gold, expected):
    assert mcq_reward([_msg(response)], answer=[gold], options=[OPTIONS]) == [expected]
    assert mcq_reward([response], answer=[gold], options=[OPTIONS]) == [expected]  # standard (string) format


def test_mcq_reward_does_not_apply_to_open_queries():
    assert mcq_reward([_msg("anything")], answer=[None], options=[{}]) == [None]


def test_judge_reward_scores_the_preference_and_reads_a_chosen_letter():
    cols = dict(
        preference=["wants to take the night train"], rubric=["Good: suggests the night train."], forget=[False]
    )
    on = judge_reward([_msg("Book the night train, it suits you.")], **cols)[0]
    off = judge_reward([_msg("Rent a car.")], **cols)[0]
    assert 0.0 <= off < on <= 1.0
    by_letter = judge_reward([_msg("\\boxed{B}")], options=[OPTIONS], **cols)[0]
    assert by_letter > judge_reward([_msg("\\boxed{D}")], options=[OPTIONS], **cols)[0]


def test_hybrid_reward_mixes_80_20_by_default():
    cols = dict(answer=["B"], options=[OPTIONS], preference=["takes the night train"], rubric=[""], forget=[False])
    right = hybrid_reward([_msg("\\boxed{B}")], **cols)[0]
    wrong = hybrid_reward([_msg("\\boxed{D}")], **cols)[0]
    judge_right = judge_reward([_msg("\\boxed{B}")], **cols)[0]
    assert right == pytest.approx(0.8 + 0.2 * judge_right)
    assert wrong < 0.2 + 1e-9
    assert hybrid_reward([_msg("\\boxed{B}")], weights=(1.0, 0.0), **cols) == [1.0]


def test_completion_text_joins_assistant_messages():
    assert completion_text([{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]) == "ab"
    assert completion_text("plain") == "plain"
