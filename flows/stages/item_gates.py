"""Item gates (ARCHITECTURE §7, issue 11 items 7 and 8): MCQs that words or order give away, and how many
ways each option is cued.

What: three version-wide ``Check`` rows, subject ``version:<id>``.

- ``cue_gold_overlap``: per MCQ, the content words (``llm.wording.content_words``) each option shares with
  the user turns that carry its preference's cues; value = share of MCQs (with a cue) whose gold option
  alone shares the most. Target <= 0.40.
- ``gold_letter_predictability``: MCQs ordered by query id inside each history; on half the histories
  (seeded hash) learn the most frequent next gold letter after each letter, then predict the other
  half's. Passes at chance: accuracy <= 0.25 + 3 sqrt(0.1875 / n) for n scored pairs.
- ``surface_forms_per_option`` (reported, always passed): distinct cue sentences (``signals.evidence``,
  or the signal turn when it is null) per (scenario, option); value = the median.

Why: a gold option that repeats the cue's words is found by matching, not inference; a letter that
follows from the previous item's letter is guessed without reading; few surface forms per option invite
memorisation. How: ``flows.gates.version_gates`` fetches the frames (``warehouse.gate_inputs``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from statistics import median

import polars as pl

from flows.stages.form_gates import split_halves
from llm.wording import content_words
from schemas.core import Check

OVERLAP_TARGET = 0.40


def gold_wins_overlap(gold: str, options: dict[str, str], cues: list[str]) -> bool:
    """Whether option ``gold`` alone shares the most content words with the cue turns."""
    cue_words = frozenset().union(*(content_words(c) for c in cues))
    shared = {label: len(content_words(text) & cue_words) for label, text in options.items()}
    best = max(shared.values())
    return best > 0 and shared[gold] == best and sum(v == best for v in shared.values()) == 1


def cue_gold_overlap_check(mcqs: pl.DataFrame, subject: str) -> Check:
    """``mcqs``: query_id, gold_label, labels, texts, cues (list of cue-turn texts)."""
    wins = scored = 0
    for row in mcqs.iter_rows(named=True):
        if not row["cues"]:
            continue
        scored += 1
        wins += gold_wins_overlap(row["gold_label"], dict(zip(row["labels"], row["texts"], strict=True)), row["cues"])
    value = wins / scored if scored else 0.0
    return Check(
        check_name="cue_gold_overlap",
        subject_id=subject,
        passed=value <= OVERLAP_TARGET,
        value=value,
        detail=f"share of MCQs whose gold option alone shares the most content words with its cue turns: "
        f"{wins} of {scored} (target <= {OVERLAP_TARGET}; {mcqs.height - scored} MCQs without a cue turn skipped)",
    )


def letter_predictability(mcqs: pl.DataFrame, seed: int = 0) -> tuple[float, int, dict[str, str]]:
    """(accuracy on the test half, pairs scored, the rule learnt: previous letter -> next letter).
    ``mcqs``: query_id, history_id, gold_label."""
    seqs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for qid, hid, gold in mcqs.select("query_id", "history_id", "gold_label").iter_rows():
        seqs[hid].append((qid, gold))
    pairs = {h: [(a[1], b[1]) for a, b in zip(sorted(s), sorted(s)[1:], strict=False)] for h, s in seqs.items()}
    halves = split_halves(list(pairs), seed)
    train = {h for h, half in halves.items() if half == 0}
    test = set(halves) - train
    follow: dict[str, Counter] = defaultdict(Counter)
    overall: Counter = Counter()
    for h in sorted(train):
        for prev, nxt in pairs[h]:
            follow[prev][nxt] += 1
            overall[nxt] += 1
    fallback = min(overall, key=lambda L: (-overall[L], L)) if overall else "A"
    rule = {prev: min(c, key=lambda L: (-c[L], L)) for prev, c in follow.items()}
    scored = [(prev, nxt) for h in sorted(test) for prev, nxt in pairs[h]]
    hits = sum(rule.get(prev, fallback) == nxt for prev, nxt in scored)
    return (hits / len(scored) if scored else float("nan")), len(scored), rule


def letter_predictability_check(mcqs: pl.DataFrame, subject: str, seed: int = 0) -> Check:
    acc, n, rule = letter_predictability(mcqs, seed)
    if not n:
        return Check(
            check_name="gold_letter_predictability",
            subject_id=subject,
            passed=True,
            value=acc,
            detail="not measurable: no history of the test half has two MCQs",
        )
    bound = 0.25 + 3 * math.sqrt(0.1875 / n)
    return Check(
        check_name="gold_letter_predictability",
        subject_id=subject,
        passed=acc <= bound,
        value=acc,
        detail=f"accuracy of 'next gold letter = the most frequent successor of the previous one' (learnt on half "
        f"the histories) over {n} pairs of the other half; chance 0.25, target <= {bound:.3f}; rule: "
        + " ".join(f"{a}->{b}" for a, b in sorted(rule.items())),
    )


def surface_forms_check(forms: pl.DataFrame, subject: str) -> Check:
    """``forms``: scenario_id, option_id, n_forms. Report only: always passed."""
    counts = sorted(forms["n_forms"].to_list()) if forms.height else []
    if not counts:
        return Check(
            check_name="surface_forms_per_option", subject_id=subject, passed=True, value=0.0, detail="no signals"
        )
    mid = float(median(counts))
    return Check(
        check_name="surface_forms_per_option",
        subject_id=subject,
        passed=True,
        value=mid,
        detail=f"distinct cue sentences per cued (scenario, option): min {counts[0]}, median {mid:g}, "
        f"max {counts[-1]} over {len(counts)} options (report only)",
    )
