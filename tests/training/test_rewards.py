"""Reward functions: golden cases (one scoring rule with the evaluator's extraction and judge)."""

from __future__ import annotations

import pytest

from evaluation.judges import PASS_AT
from evaluation.render import render_mcq, render_open
from training.rewards import completion_text, hybrid_reward, judge_reward, mcq_reward, request_text

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


PREF = dict(preference=["wants to take the night train"], rubric=["Good: suggests the night train."])


def test_mcq_judge_sees_only_the_chosen_option():
    cols = dict(answer=["B"], options=[OPTIONS], forget=[False], **PREF)
    every = "\n".join(f"{k}. {v}" for k, v in OPTIONS.items())
    right = judge_reward([_msg("\\boxed{B}")], **cols)[0]
    wrong_and_all = judge_reward([_msg(f"\\boxed{{D}}\n{every}")], **cols)[0]
    listed = judge_reward([_msg(every)], **cols)[0]  # every option and no choice
    assert wrong_and_all < right and listed < right
    assert hybrid_reward([_msg(f"\\boxed{{D}}\n{every}")], **cols)[0] < hybrid_reward([_msg("\\boxed{B}")], **cols)[0]


def _open(request: str) -> list[dict]:
    return render_open(request)


REQUEST = "We're visiting my aunt in Lyon next month; how should we get there from London?"
REAL = "Take the Eurostar to Paris, change at Gare de Lyon, and ride the fast TGV south; book seats early."


@pytest.mark.parametrize(("who", "forget"), [("other", False), ("self", True)])
def test_silence_earns_no_judge_reward_on_other_and_forget(who, forget):
    def judge(text):
        cols = dict(forget=[forget], who=[who], prompts=[_open(REQUEST)], **PREF)
        return judge_reward([_msg(text)], **cols)[0]

    real = judge(REAL)
    assert real >= PASS_AT
    for silent in ["", "\n" * 16, "OK.", "Happy to help with that!", REQUEST, "Toma el tren de alta velocidad."]:
        assert judge(silent) < PASS_AT and judge(silent) < real, silent
    assert judge("Take the night train to Lyon, sleep on board and arrive rested for the visit.") < real


def test_echoing_the_preference_on_a_self_open_query_does_not_win():
    cols = dict(forget=[False], who=["self"], prompts=[_open(REQUEST)], **PREF)
    echo = judge_reward([_msg("You want to take the night train.")], **cols)[0]
    real = judge_reward([_msg("Take the night train from London to Lyon, sleep on board, arrive fresh.")], **cols)[0]
    assert echo < PASS_AT < real


def test_request_text_reads_the_rendered_question():
    assert request_text(_open(REQUEST)) == REQUEST
    assert request_text(render_mcq(REQUEST, OPTIONS, 1).messages_tail) == REQUEST
    assert request_text("no rendered question") == ""
