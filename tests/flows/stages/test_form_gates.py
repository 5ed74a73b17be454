"""Form gates on hand-built turns: cue turns marked by a lead-in ("As my friend Ana Lee says:") are found
by the form-only detector and by marker n-grams; cue turns written like every other turn are not."""

from __future__ import annotations

import itertools
import random

import numpy as np
import polars as pl

from flows.stages.form_gates import (
    form_detector_check,
    form_features,
    history_markers,
    marker_ngrams_check,
    ngrams,
    split_halves,
    weighted_auc,
)

S = "version:v1"
WORDS = [
    *("garden", "kettle", "window", "ferry", "ticket", "budget", "oven", "laptop"),
    *("parcel", "river", "bicycle", "shelf", "lantern", "recipe", "invoice"),
]


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    text = " ".join(words).capitalize() + rng.choice([".", "?", "!"])
    if rng.random() < 0.3:
        text = "Hi, " + text[0].lower() + text[1:]
    return text


def _corpus(lead: str | None, n_personas: int = 40, turns_each: int = 30, cue_every: int = 6, seed: int = 1):
    """(turns, population, per-history frame): every persona has its own turns and shares a filler session."""
    rng = random.Random(seed)
    rows, hist = [], []
    shared = [("pool.s0", i, " ".join(_sentence(rng) for _ in range(2))) for i in range(0, 6, 2)]
    for p in range(n_personas):
        for t in range(turns_each):
            cue = t % cue_every == 0
            text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
            if cue and lead:
                text = f"{lead} {text[0].lower()}{text[1:]}"
            rows.append((f"p{p:02d}.s{t:02d}", 0, text, 2, cue))
            hist.append((f"p{p:02d}.h", text, cue))
        hist += [(f"p{p:02d}.h", text, False) for _, _, text in shared]
    rows += [(sid, i, text, 6, False) for sid, i, text in shared]
    turns = pl.DataFrame(rows, schema=["session_id", "turn_index", "content", "n_turns", "cue"], orient="row")
    halves = split_halves([f"p{p:02d}" for p in range(n_personas)], seed=0)
    pop = [(halves[sid[:3]], sid, i, 1.0) for sid, i, *_ in rows if not sid.startswith("pool")]
    for half in (0, 1):
        weight = float(sum(v == half for v in halves.values()))
        pop += [(half, sid, i, weight) for sid, i, _ in shared]
    population = pl.DataFrame(pop, schema=["half", "session_id", "turn_index", "weight"], orient="row")
    per_history = pl.DataFrame(hist, schema=["history_id", "content", "cue"], orient="row")
    return turns, population, per_history


def test_split_halves_is_seeded_balanced_and_order_free():
    ids = [f"p{i:03d}" for i in range(11)]
    halves = split_halves(ids, seed=3)
    assert sum(halves.values()) == 5 and halves == split_halves(list(reversed(ids)), seed=3)
    assert halves != split_halves(ids, seed=4)


def test_weighted_auc_matches_pair_counting():
    rng = np.random.default_rng(0)
    scores, labels = rng.integers(0, 5, 60).astype(float), rng.random(60) < 0.3
    pairs = [(a, b) for a, b in itertools.product(scores[labels], scores[~labels])]
    brute = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
    assert abs(weighted_auc(scores, labels) - brute) < 1e-12
    weights = rng.integers(1, 4, 60).astype(float)
    repeated = np.repeat(np.arange(60), weights.astype(int))
    assert abs(weighted_auc(scores, labels, weights) - weighted_auc(scores[repeated], labels[repeated])) < 1e-12


def test_features_see_form_only():
    frame = pl.DataFrame(
        {
            "content": ["As my friend Ana Lee says: the 3 bikes.", "hi there, how are you?\n- one\n- two"],
            "turn_index": [0, 2],
            "n_turns": [2, 4],
        }
    )
    f = form_features(frame).to_dicts()
    assert f[0]["mid_line_colons"] == 1 and f[0]["capitalised_pairs"] == 1 and f[0]["mid_sentence_caps"] == 2
    assert f[0]["digits"] == 1 and f[0]["greeting"] == 0 and f[0]["all_lowercase"] == 0
    assert f[1]["greeting"] == 1 and f[1]["all_lowercase"] == 1 and f[1]["bullet_lines"] == 2
    assert f[1]["questions"] == 1 and f[1]["newlines"] == 2 and f[1]["turn_in_session"] == 2


def test_detector_finds_a_lead_in_and_not_plain_cues():
    turns, population, _ = _corpus("As my friend Ana Lee says:")
    bad = form_detector_check(turns, population, S)
    assert not bad.passed and bad.value > 0.95, bad.detail
    assert "top features" in bad.detail
    turns, population, _ = _corpus(None)
    good = form_detector_check(turns, population, S)
    assert good.passed and 0.35 < good.value <= 0.65, good.detail


def test_markers_catch_the_lead_in_and_pass_plain_cues():
    _, _, per_history = _corpus("As my friend Ana Lee says:", n_personas=6, turns_each=60, cue_every=4)
    bad = marker_ngrams_check(per_history, S)
    assert not bad.passed and bad.value == 1.0
    assert any(w in bad.detail for w in ("ana", "friend", "lee", "says")), bad.detail
    _, _, per_history = _corpus(None, n_personas=6, turns_each=60, cue_every=4)
    good = marker_ngrams_check(per_history, S, note="all histories")
    assert good.passed and good.value <= 0.25 and good.detail.endswith("all histories")


def test_marker_rules():
    assert {"ana", "ana lee", "my friend ana"} <= ngrams("As my friend, Ana Lee!")
    # in two cue turns and nowhere else: a marker covering 2 of 4 cue turns
    texts = ["kettle ferry", "kettle oven", "ferry ticket", "oven river", "ticket oven", "river ferry"]
    assert history_markers(texts, [True, True, True, True, False, False]) == (0.5, "kettle")
    # a word in one cue turn only marks nothing; a word also in other turns is no marker
    assert history_markers(["kettle", "oven", "oven"], [True, False, False]) == (0.0, "")
    assert history_markers(["oven", "oven", "oven"], [True, True, False]) == (0.0, "")


def test_detector_averages_persona_splits_and_small_versions_get_more():
    from flows.gates import detector_splits

    assert detector_splits(20) == 5 and detector_splits(100) == 2 and detector_splits(1000) == 1
    assert detector_splits(1) == 5  # too few personas to split well: the cap, never zero
    turns, first, _ = _corpus("As my friend Ana Lee says:")
    single = form_detector_check(turns, first, S)
    both = form_detector_check(turns, [first, first], S)
    assert both.value == single.value and "mean of 2 persona splits" in both.detail
    assert not both.passed and both.value > 0.95
    turns, plain, _ = _corpus(None)
    mixed = form_detector_check(turns, [plain, plain], S)
    assert mixed.passed and "mean of 2" in mixed.detail
