"""Metrics over evaluation results: accuracy with bootstrap CIs, breakdowns, token costs, judge agreement.

All functions take plain rows (dicts with the ``eval_results`` columns plus the item's labels, as
``evaluation.store.result_frame`` returns them) so the report, the CLI and SQL users get the same numbers.

- ``bootstrap_ci``: percentile bootstrap of the mean (2,000 resamples, fixed seed: the same results give
  the same interval); with ``clusters`` it resamples whole clusters (personas: 20-30 queries share one
  history, so their answers are not independent and a per-query bootstrap is too narrow);
- ``breakdown``: accuracy per method and per value of one label (kind, who, updated, forget, distance
  bin, domain, task type);
- ``cohen_kappa`` (pass/fail) and ``spearman`` (scores) between two judges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

BREAKDOWNS = ("pref_kind", "who", "updated", "forget", "distance_bin", "domain", "task_type")


def bootstrap_ci(
    values: Sequence[float],
    *,
    clusters: Sequence[object] | None = None,
    n: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """(low, high) of the ``level`` percentile bootstrap interval of the mean; (nan, nan) if empty.
    ``clusters`` (one label per value): resample clusters with replacement, the mean taken over all the
    values of the drawn clusters."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    if clusters is None:
        sums, counts = data, np.ones_like(data)
    else:
        _, index = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
        sums, counts = np.bincount(index, weights=data), np.bincount(index).astype(float)
    k = sums.size
    block = max(1, 2_000_000 // k)  # resamples per block: bounded memory on large runs
    means = []
    for i in range(0, n, block):
        draw = rng.integers(0, k, size=(min(block, n - i), k))
        means.append(sums[draw].sum(axis=1) / counts[draw].sum(axis=1))
    means = np.concatenate(means)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def accuracy_table(rows: Iterable[dict], key: str | None = None, kind: str = "mcq") -> list[dict]:
    """One row per method (and per value of ``key``): n, accuracy, CI, input tokens per query and per history
    (all of a history's queries of this kind together; a memory agent's reading cost is already spread)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if r["kind"] == kind:
            groups[(r["method"], str(r[key]) if key else "all")].append(r)
    table = []
    for (method, value), members in sorted(groups.items()):
        values = [float(m["correct"]) for m in members]
        low, high = bootstrap_ci(values, clusters=[m.get("persona_id") or m.get("history_id") for m in members])
        table.append(
            {
                "method": method,
                "group": value,
                "n": len(values),
                "accuracy": sum(values) / len(values),
                "ci_low": low,
                "ci_high": high,
                "mean_score": _mean([m["score"] for m in members if m["score"] is not None]),
                "input_tokens": _mean([m["input_tokens"] for m in members]),
                "output_tokens": _mean([m.get("output_tokens") or 0 for m in members]),
                "tokens_per_history": sum(m["input_tokens"] for m in members)
                / max(len({m.get("history_id") for m in members}), 1),
                "output_per_history": sum(m.get("output_tokens") or 0 for m in members)
                / max(len({m.get("history_id") for m in members}), 1),
            }
        )
    return table


def breakdown(rows: Sequence[dict], key: str) -> list[dict]:
    if key not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {key!r}; choose one of {BREAKDOWNS}")
    return accuracy_table(rows, key)


def stereotype_gap(rows: Sequence[dict]) -> dict[str, float]:
    """Per method: accuracy on stereotypical minus anti-stereotypical preferences (MCQ)."""
    by = {(r["method"], r["group"]): r["accuracy"] for r in accuracy_table(rows, "pref_kind")}
    methods = sorted({m for m, _ in by})
    return {
        m: by[(m, "stereotypical")] - by[(m, "anti_stereotypical")]
        for m in methods
        if (m, "stereotypical") in by and (m, "anti_stereotypical") in by
    }


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohen's kappa of two raters' pass/fail labels (1.0 = full agreement, 0 = chance)."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty label lists")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); nan when a side is constant."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("spearman needs two equally long lists of at least 2 scores")
    ra, rb = _ranks(a), _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(values: Sequence[float]) -> np.ndarray:
    data = np.asarray(values, dtype=float)
    order = data.argsort(kind="stable")
    ranks = np.empty(len(data))
    ranks[order] = np.arange(1, len(data) + 1)
    for v in np.unique(data):  # ties share their average rank
        tied = data == v
        ranks[tied] = ranks[tied].mean()
    return ranks


def judge_agreement(judgements: Sequence[dict], pass_at: float = 0.5) -> list[dict]:
    """Pairwise agreement between judges over the responses all of them scored."""
    scores: dict[str, dict[tuple, float]] = defaultdict(dict)
    for j in judgements:
        if j["score"] is not None:
            scores[j["judge"]][(j["query_id"], j["method"])] = j["score"]
    names = sorted(scores)
    out = []
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            shared = sorted(set(scores[x]) & set(scores[y]))
            if len(shared) < 2:
                continue
            sx, sy = [scores[x][k] for k in shared], [scores[y][k] for k in shared]
            out.append(
                {
                    "judges": f"{x} vs {y}",
                    "n": len(shared),
                    "kappa": cohen_kappa([s >= pass_at for s in sx], [s >= pass_at for s in sy]),
                    "spearman": spearman(sx, sy),
                }
            )
    return out


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else float("nan")
