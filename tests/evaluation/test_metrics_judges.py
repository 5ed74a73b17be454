"""Golden cases for the metrics (bootstrap CI, kappa, Spearman, breakdowns) and the judges."""

from __future__ import annotations

import math

import pytest

from evaluation.judges import (
    PASS_AT,
    Judge,
    JudgeCase,
    lexical_judge,
    parse_judge_prompt,
    parse_verdict,
    render_judge_prompt,
)
from evaluation.metrics import accuracy_table, bootstrap_ci, cohen_kappa, judge_agreement, spearman, stereotype_gap


def test_bootstrap_ci_golden():
    assert bootstrap_ci([1.0] * 50) == (1.0, 1.0)
    low, high = bootstrap_ci([1.0, 0.0] * 200)
    assert low < 0.5 < high and 0.04 < high - low < 0.12
    assert bootstrap_ci([1.0, 0.0] * 200) == (low, high)  # fixed seed: same interval
    assert all(math.isnan(v) for v in bootstrap_ci([]))


def test_clustered_bootstrap_is_wider_when_a_persona_answers_alike():
    values = [float(p % 2) for p in range(10) for _ in range(30)]  # each persona all right or all wrong
    personas = [p for p in range(10) for _ in range(30)]
    naive = bootstrap_ci(values)
    low, high = bootstrap_ci(values, clusters=personas)
    assert high - low > 2 * (naive[1] - naive[0])  # 10 independent units, not 300
    assert low <= 0.5 <= high
    spread = [float(i % 2) for i in range(300)]  # alike within no persona: about as narrow as per query
    wide = bootstrap_ci(spread, clusters=personas)
    assert wide[1] - wide[0] < 1.5 * (naive[1] - naive[0])


def test_kappa_and_spearman_golden():
    assert cohen_kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert cohen_kappa([True, True, False, False], [False, False, True, True]) == -1.0
    assert cohen_kappa([True, False, True, True], [True, True, True, False]) == pytest.approx(-1 / 3)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833)  # ties share ranks
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError):
        cohen_kappa([], [])


def _row(method, correct, kind="stereotypical", tokens=10):
    return {"method": method, "kind": "mcq", "correct": correct, "score": float(correct), "input_tokens": tokens,
            "pref_kind": kind}  # fmt: skip


def test_accuracy_table_and_stereotype_gap():
    rows = [
        _row("rag", True),
        _row("rag", True),
        _row("rag", False, "anti_stereotypical"),
        _row("rag", True, "anti_stereotypical"),
    ]
    table = accuracy_table(rows)
    assert table[0]["method"] == "rag" and table[0]["n"] == 4 and table[0]["accuracy"] == 0.75
    by_kind = {r["group"]: r["accuracy"] for r in accuracy_table(rows, "pref_kind")}
    assert by_kind == {"anti_stereotypical": 0.5, "stereotypical": 1.0}
    assert stereotype_gap(rows) == {"rag": 0.5}


def test_judge_rules_per_case():
    statement = "wants to chase and photograph storms"
    uses = "Chase the storms at dusk and photograph the lightning from a safe spot."
    generic = "Check the local forecast every morning."
    assert lexical_judge(uses, statement, "", forget=False) == 1.0
    assert lexical_judge(generic, statement, "", forget=False) == 0.0
    assert lexical_judge(uses, statement, "", forget=True) == 0.0  # using a forgotten fact is wrong
    assert lexical_judge(generic, statement, "", forget=True) == 1.0
    assert lexical_judge(uses, statement, "", forget=False, who="other") == 0.0
    strict = Judge("strict").score([JudgeCase(response="chase storms", statement=statement)])[0]
    assert strict.score == 0.0  # 2 of 3 words: 0.67 < 0.75


def test_judge_prompt_round_trip_and_verdict_parsing():
    case = JudgeCase(response="Try green tea.", statement="prefers green tea", rubric="Good: tea.", case="forget")
    prompt = render_judge_prompt(case)
    assert prompt.prompt_id == "open_judge.jinja" and len(prompt.prompt_sha) == 64
    assert "forget" in prompt.messages[0]["content"]
    assert parse_judge_prompt(prompt.messages) == case
    assert parse_verdict("m", 'ok {"score": 0.5, "reason": "partly"}').score == 0.5
    bad = parse_verdict("m", "I cannot grade this")
    assert bad.score is None and "unparseable" in bad.reason
    assert parse_verdict("m", '{"score": 7}').score is None
    with pytest.raises(ValueError, match="needs a backend"):
        Judge("gpt-judge")


def test_judge_agreement_pairs():
    rows = [
        {"query_id": f"q{i}", "method": "rag", "judge": j, "score": s}
        for i, (a, b) in enumerate([(1.0, 1.0), (0.0, 0.0), (1.0, 0.0), (0.2, 0.1)])
        for j, s in (("lexical", a), ("strict", b))
    ]
    [pair] = judge_agreement(rows)
    assert pair["judges"] == "lexical vs strict" and pair["n"] == 4
    assert pair["kappa"] == pytest.approx(0.5)


# A real scenario (taxonomy beauty.haircut_place): the request, the facts and answers written for them.
REQUEST = "My hair is getting shaggy and I have a job interview in two weeks; how should I get it sorted?"
BARBER = "prefers a traditional barbershop for haircuts"
ANSWERS = {
    "barber": "Walk into a traditional barbershop a week before the interview and ask for a classic taper "
    "with a hot-towel neck shave to finish.",
    "salon": "Book a cut and blow-dry at a good salon a week ahead, bring reference photos, and ask the stylist "
    "for a low-fuss shape.",
    "home": "Do it at home with clippers: a number three on the sides, blend up with a two, and tidy the "
    "neckline with a hand mirror.",
    "generic": "Get a trim about a week before the interview so the cut settles, and ask for a shape that's easy "
    "to style yourself.",
}
EMPTY = ["", "\n" * 16, "OK.", "Sure!", "I can help with that.",
         "Here is a general suggestion that should work for most people."]  # fmt: skip
SPANISH = "Ve a una barbería tradicional una semana antes y pide un corte clásico con afeitado de cuello."
OFF_TOPIC = "Preheat the oven, whisk three eggs with sugar and butter, then bake the sponge for twenty minutes."


def _score(response: str, case: str, request: str = REQUEST) -> float:
    return lexical_judge(response, BARBER, "", forget=case == "forget", who=case, request=request)


@pytest.mark.parametrize("case", ["other", "forget"])
def test_other_and_forget_need_a_real_on_topic_answer(case):
    good = _score(ANSWERS["generic"], case)
    assert good >= PASS_AT  # a real answer that does not use the fact passes
    assert _score(ANSWERS["barber"], case) < PASS_AT  # applying / using the fact does not
    for silent in [*EMPTY, REQUEST, SPANISH, OFF_TOPIC]:  # silence, boilerplate, the question, off-topic
        assert _score(silent, case) < PASS_AT, silent
        assert _score(silent, case) < good
    for silent in [*EMPTY, SPANISH]:  # also when the request is unknown (cases read back from a judge prompt)
        assert _score(silent, case, request="") < PASS_AT, silent


def test_self_rewards_using_the_preference_not_echoing_or_listing():
    good = _score(ANSWERS["barber"], "self")
    assert good >= PASS_AT
    assert _score(ANSWERS["salon"], "self") < PASS_AT  # another preference's answer
    echoes = ["You prefer a traditional barbershop for haircuts.", f"{REQUEST} You prefer a traditional "
              "barbershop for haircuts.", f"Since you {BARBER}, go to a traditional barbershop for haircuts "
              "before your interview, sorted in two weeks."]  # fmt: skip
    for echo in echoes:
        assert _score(echo, "self") < PASS_AT, echo
    every = " ".join(ANSWERS.values())
    assert _score(every, "self") < min(good, PASS_AT)  # listing every option does not win
    assert _score(REQUEST, "self") < PASS_AT
    assert _score(SPANISH, "self") < PASS_AT
    assert _score(SPANISH, "self", request="") < PASS_AT


def test_a_chosen_option_is_judged_by_its_fit_alone():
    def opt(text, case):
        return lexical_judge(text, BARBER, "", forget=case == "forget", who=case, chosen_option=True)

    assert opt(ANSWERS["barber"], "self") > opt(ANSWERS["generic"], "self")
    assert opt(ANSWERS["generic"], "other") > opt(ANSWERS["barber"], "other")


def test_every_bar_of_a_breakdown_shows_its_n():
    from evaluation.report import _grouped, bars_svg

    table = [
        {"method": "rag", "group": "self", "accuracy": 0.5, "n": 12},
        {"method": "rag", "group": "other", "accuracy": 0.25, "n": 4},
        {"method": "full_context", "group": "self", "accuracy": 0.75, "n": 12},
    ]
    svg = bars_svg(*_grouped(table))
    assert svg.count("<rect") >= 3 and "n=12" in svg and "n=4" in svg
