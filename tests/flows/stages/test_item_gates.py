"""Item gates on hand-built MCQs: a gold option that repeats its cue's words fails the overlap gate; gold
letters cycling A, B, C, D in query order fail predictability while seeded random letters pass."""

from __future__ import annotations

import random

import polars as pl

from flows.stages.item_gates import (
    cue_gold_overlap_check,
    gold_wins_overlap,
    letter_predictability,
    letter_predictability_check,
    surface_forms_check,
)

S = "version:v1"
CUE = "Could you draft a note to the hardware shop? My cordless screwdriver died again mid-shelf."
OPTIONS = {
    "A": "Buy a cordless screwdriver with a spare battery.",  # repeats the cue's key words
    "B": "Borrow a neighbour's hammer drill for the weekend.",
    "C": "Hire a handyman and skip the tools entirely.",
    "D": "Use a manual set of precision bits.",
}


def _mcqs(gold_text: str, distractors: str = "BCD", n: int = 10) -> pl.DataFrame:
    rows = []
    for i in range(n):
        gold = "ABCD"[i % 4]
        others = iter(OPTIONS[L] for L in distractors)
        texts = [gold_text if letter == gold else next(others) for letter in "ABCD"]
        rows.append((f"q{i}", "h0", gold, list("ABCD"), texts, [CUE]))
    return pl.DataFrame(rows, schema=["query_id", "history_id", "gold_label", "labels", "texts", "cues"], orient="row")


def test_gold_sharing_the_cue_words_fails_and_a_paraphrase_passes():
    assert gold_wins_overlap("A", OPTIONS, [CUE])
    bad = cue_gold_overlap_check(_mcqs(OPTIONS["A"]), S)
    assert not bad.passed and bad.value == 1.0
    # the gold paraphrases the need; a distractor repeats the cue words
    good = cue_gold_overlap_check(_mcqs("Pick a model that runs on a pack you can swap out.", "ABC"), S)
    assert good.passed and good.value == 0.0
    # a tie for the most shared words is no win; an MCQ without a cue turn is skipped
    assert not gold_wins_overlap("A", {"A": "cordless drill", "B": "cordless saw"}, ["cordless"])
    skipped = _mcqs(OPTIONS["A"], n=4).with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("cues"))
    assert cue_gold_overlap_check(skipped, S).value == 0.0


def _letters(pick) -> pl.DataFrame:
    rows = [(f"h{h:02d}.q{q:02d}", f"h{h:02d}", pick(h, q)) for h in range(40) for q in range(8)]
    return pl.DataFrame(rows, schema=["query_id", "history_id", "gold_label"], orient="row")


def test_cycling_letters_fail_and_seeded_random_letters_pass():
    cycling = _letters(lambda h, q: "ABCD"[(h + q) % 4])
    acc, n, rule = letter_predictability(cycling)
    assert acc == 1.0 and n == 20 * 7 and rule == {"A": "B", "B": "C", "C": "D", "D": "A"}
    assert not letter_predictability_check(cycling, S).passed
    rng = random.Random(7)
    shuffled = _letters(lambda h, q: rng.choice("ABCD"))
    check = letter_predictability_check(shuffled, S)
    assert check.passed and check.value < 0.4, check.detail
    # order is by query id, not by row order
    assert letter_predictability(cycling.reverse())[0] == 1.0


def test_letter_predictability_needs_pairs():
    single = _letters(lambda h, q: "A").filter(pl.col("query_id").str.ends_with("q00"))
    check = letter_predictability_check(single, S)
    assert check.passed and "not measurable" in check.detail


def test_surface_forms_are_reported():
    forms = pl.DataFrame({"scenario_id": ["s1", "s1", "s2"], "option_id": ["a", "b", "a"], "n_forms": [1, 3, 5]})
    check = surface_forms_check(forms, S)
    assert check.passed and check.value == 3.0 and "min 1, median 3, max 5 over 3 options" in check.detail
