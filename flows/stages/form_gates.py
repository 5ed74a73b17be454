"""Form gates (ARCHITECTURE §7, issue 11 item 7): can cue turns be told from other user turns by form?

What: two version-wide gates over user turns, each a ``Check`` with subject ``version:<id>``.

- ``form_detector_auc``: a logistic regression on surface features only (lengths, punctuation, colons
  inside a line, quotation marks, greetings, capitalised words and pairs, digits, lines and bullets,
  emoji, case, first-person rate, the turn's place in its session; never a topic word) is trained on
  half the personas and scored on the other half; AUC by the rank formula. Target <= 0.65.
  Population: every user turn of every history, deduplicated per persona (a turn counts once per
  persona whose histories hold it, so a shared filler session counts once for each persona that has
  it, and persona-less filler sits among the negatives); label: the turn is a row of ``signals``.
  Personas are ordered by a seeded hash of their id; the first half (rounded up) trains. With few
  personas one split is a noisy estimate (on ``small``, 20 personas, four splits gave 0.61 to 0.66), so
  the value is the mean over several splits (``flows.gates.detector_splits``): the same quantity, less
  variance.
- ``marker_ngrams``: per history, word 1-3-grams of its user turns (lowercased, punctuation dropped,
  names kept). A marker is an n-gram found in at least two cue turns and whose user turns are >= 90%
  cue turns; its coverage is the share of the history's cue turns holding it. Value: median over
  histories of the largest coverage. Target <= 0.25.

Why: a reader who finds cues by form ("the turn with a colon after a name") is not inferring anything.
How: ``flows.gates.version_gates`` fetches the frames (``warehouse.gate_inputs``) and calls these.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from itertools import pairwise
from statistics import median

import numpy as np
import polars as pl

from schemas.core import Check

AUC_TARGET = 0.65
MARKER_TARGET = 0.25
MARKER_SHARE = 0.9
MARKER_MIN_CUES = 2
GREETING = (
    r"(?i)^\W*(hi|hello|hey|hiya|heya|dear|morning|evening|greetings|howdy|yo|good (morning|afternoon|evening))\b"
)
_C = pl.col("content")
_WORDS = _C.str.count_matches(r"\S+").clip(lower_bound=1).cast(pl.Float64)
_CAPS = _C.str.count_matches(r"\b[A-Z][a-z]+").cast(pl.Int64)
_CAPS_AT_START = _C.str.count_matches(r"(?m)(?:^|[.!?]\s+)[\"'“(]?[A-Z][a-z]").cast(pl.Int64)
FEATURES: dict[str, pl.Expr] = {
    "log_chars": (_C.str.len_chars() + 1).cast(pl.Float64).log(),
    "log_words": (_WORDS + 1).log(),
    "sentences": _C.str.count_matches(r"[.!?]+(?:\s|$)"),
    "mean_word_len": _C.str.count_matches(r"[A-Za-z]") / _WORDS,
    "commas_per_word": _C.str.count_matches(",") / _WORDS,
    "mid_line_colons": _C.str.count_matches(r":[ \t]*[^\s]"),
    "quotes": _C.str.count_matches(r"[\"“”«»]"),
    "questions": _C.str.count_matches(r"\?"),
    "exclamations": _C.str.count_matches("!"),
    "greeting": _C.str.contains(GREETING),
    "capitalised_pairs": _C.str.count_matches(r"\b[A-Z][a-z]+[ \t]+[A-Z][a-z]+"),
    "mid_sentence_caps": (_CAPS - _CAPS_AT_START).clip(lower_bound=0),
    "digits": _C.str.count_matches(r"\d"),
    "newlines": _C.str.count_matches("\n"),
    "bullet_lines": _C.str.count_matches(r"(?m)^[ \t]*(?:[-*•]|\d+[.)])[ \t]"),
    "emoji": _C.str.count_matches(r"[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}]"),
    "all_lowercase": (_C.str.to_lowercase() == _C) & _C.str.contains("[a-z]"),
    "first_person_rate": _C.str.count_matches(r"(?i)\b(?:i|me|my|mine|myself|we|us|our|ours)\b") / _WORDS,
    "turn_in_session": pl.col("turn_index"),
    "session_turns": pl.col("n_turns"),
}


def seeded_order(ids: list[str], seed: int = 0) -> list[str]:
    """``ids`` (deduplicated) ordered by a seeded hash: a reproducible shuffle, independent of input order."""
    return sorted(set(ids), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())


def split_halves(ids: list[str], seed: int = 0) -> dict[str, int]:
    """0 (train) for the first half (rounded up) of ``ids`` in ``seeded_order``, 1 (test) for the rest."""
    order = seeded_order(ids, seed)
    cut = (len(order) + 1) // 2
    return {i: int(k >= cut) for k, i in enumerate(order)}


def form_features(turns: pl.DataFrame) -> pl.DataFrame:
    """One float column per feature of ``FEATURES`` for turns with content, turn_index, n_turns."""
    return turns.select([e.cast(pl.Float64).alias(name) for name, e in FEATURES.items()])


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Weighted L2 logistic regression by damped Newton steps; returns coefficients, intercept last.
    Loss: weighted mean log-loss + l2/2 |coef|^2 (intercept not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = w / w.sum()
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    theta = np.zeros(xb.shape[1])

    def loss(t: np.ndarray) -> float:
        z = xb @ t
        return float(w @ (np.logaddexp(0, z) - y * z) + 0.5 * reg @ (t * t))

    current = loss(theta)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(xb @ theta, -35, 35)))
        grad = xb.T @ (w * (p - y)) + reg * theta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-4 and loss(theta - scale * step) > current:
            scale /= 2
        theta = theta - scale * step
        new = loss(theta)
        if current - new < 1e-10:
            break
        current = new
    return theta


def weighted_auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """AUC by the rank (Mann-Whitney) formula, ties counted half; rows may carry weights."""
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=float)
    pos = np.asarray(labels, dtype=bool)
    w_pos, w_neg = w[pos].sum(), w[~pos].sum()
    if w_pos == 0 or w_neg == 0:
        return float("nan")
    uniq, inv = np.unique(scores, return_inverse=True)
    pos_at = np.bincount(inv, weights=w * pos, minlength=len(uniq))
    neg_at = np.bincount(inv, weights=w * ~pos, minlength=len(uniq))
    neg_below = np.cumsum(neg_at) - neg_at
    return float((pos_at * (neg_below + 0.5 * neg_at)).sum() / (w_pos * w_neg))


def turn_features(turns: pl.DataFrame) -> pl.DataFrame:
    """session_id, turn_index, cue and the ``FEATURES`` of each turn: computed once, shared by every split."""
    return pl.concat([turns.select("session_id", "turn_index", "cue"), form_features(turns)], how="horizontal")


def form_detector(
    turns: pl.DataFrame, population: pl.DataFrame, feats: pl.DataFrame | None = None
) -> tuple[float, list[tuple[str, float]], dict]:
    """(AUC on the test half, features with their standardised weights by |weight|, counts).

    ``turns``: session_id, turn_index, content, n_turns, cue (bool), one row per distinct user turn;
    ``population``: half (0 train, 1 test), session_id, turn_index, weight; ``feats``: ``turn_features(turns)``
    when the caller has it already."""
    feats = turn_features(turns) if feats is None else feats
    rows = population.join(feats, on=["session_id", "turn_index"], how="inner")
    names = list(FEATURES)
    x = rows.select(names).to_numpy().astype(float)
    y = rows["cue"].to_numpy().astype(float)
    w = rows["weight"].to_numpy().astype(float)
    train = rows["half"].to_numpy() == 0
    counts = {  # (persona, user turn) pairs
        "train_cues": int(w[train] @ y[train]),
        "train_turns": int(w[train].sum()),
        "test_cues": int(w[~train] @ y[~train]),
        "test_turns": int(w[~train].sum()),
    }
    if not (0 < y[train].sum() < train.sum()) or not (0 < y[~train].sum() < (~train).sum()):
        return float("nan"), [], counts
    mean = np.average(x[train], axis=0, weights=w[train])
    std = np.sqrt(np.average((x[train] - mean) ** 2, axis=0, weights=w[train]))
    std[std == 0] = 1.0
    z = (x - mean) / std
    theta = fit_logistic(z[train], y[train], w[train])
    auc = weighted_auc(z[~train] @ theta[:-1], y[~train].astype(bool), w[~train])
    ranked = sorted(zip(names, theta[:-1].tolist(), strict=True), key=lambda nv: -abs(nv[1]))
    return auc, ranked, counts


def form_detector_check(turns: pl.DataFrame, populations: pl.DataFrame | list[pl.DataFrame], subject: str) -> Check:
    """The ``form_detector_auc`` gate: the mean AUC over the persona splits of ``populations`` (one frame per
    split, see ``form_detector``); the detail names each split's AUC, the first split's counts and features."""
    populations = [populations] if isinstance(populations, pl.DataFrame) else populations
    feats = turn_features(turns)
    runs = [form_detector(turns, population, feats) for population in populations]
    aucs = [auc for auc, _, _ in runs if not np.isnan(auc)]
    _, ranked, counts = runs[0]
    top = ", ".join(f"{n} {v:+.2f}" for n, v in ranked[:3])
    detail = (
        f"form-only logistic regression, trained on half the personas ({counts['train_cues']} cue of "
        f"{counts['train_turns']} (persona, user turn) pairs), AUC on the rest "
        f"({counts['test_cues']} of {counts['test_turns']}); "
    )
    if len(populations) > 1:
        detail += f"mean of {len(populations)} persona splits ({', '.join(f'{a:.3f}' for a in aucs)}); "
    if not aucs:
        return Check(
            check_name="form_detector_auc",
            subject_id=subject,
            passed=True,
            value=float("nan"),
            detail=detail + "not measurable: a half has no cue turn or no other turn",
        )
    auc = float(np.mean(aucs))
    return Check(
        check_name="form_detector_auc",
        subject_id=subject,
        passed=auc <= AUC_TARGET,
        value=auc,
        detail=detail + f"target <= {AUC_TARGET}; top features (first split): {top}",
    )


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def ngrams(text: str) -> set[str]:
    """Word 1-, 2- and 3-grams of ``text``, lowercased, punctuation dropped."""
    w = _WORD.findall(text.lower())
    out = set(w)
    out.update(f"{a} {b}" for a, b in pairwise(w))
    out.update(f"{a} {b} {c}" for a, b, c in zip(w, w[1:], w[2:], strict=False))
    return out


def _grams_among(w: list[str], words: set[str], candidates: set[str]) -> set[str]:
    """``ngrams(text) & candidates`` for the words ``w`` of a text, building only the n-grams whose every
    word is in ``words`` (the words of the candidates): most of a non-cue turn is never joined."""
    found = set()
    n = len(w)
    for i, a in enumerate(w):
        if a not in words:
            continue
        if a in candidates:
            found.add(a)
        if i + 1 < n and w[i + 1] in words:
            ab = f"{a} {w[i + 1]}"
            if ab in candidates:
                found.add(ab)
            if i + 2 < n and w[i + 2] in words and (abc := f"{ab} {w[i + 2]}") in candidates:
                found.add(abc)
    return found


def history_markers(texts: list[str], cue: list[bool]) -> tuple[float, str]:
    """(largest marker coverage, its n-gram) over one history's user turns; (0.0, "") when none."""
    cue_grams = [ngrams(t) for t, c in zip(texts, cue, strict=True) if c]
    if not cue_grams:
        return 0.0, ""
    in_cues = Counter(g for grams in cue_grams for g in grams)
    candidates = {g for g, n in in_cues.items() if n >= MARKER_MIN_CUES}
    elsewhere: Counter = Counter()
    words = {w for g in candidates for w in g.split()}
    for t, c in zip(texts, cue, strict=True):
        if not c and candidates:
            elsewhere.update(_grams_among(_WORD.findall(t.lower()), words, candidates))
    best, gram = 0.0, ""
    for g in sorted(candidates):
        n = in_cues[g]
        if n / (n + elsewhere[g]) >= MARKER_SHARE and n / len(cue_grams) > best:
            best, gram = n / len(cue_grams), g
    return best, gram


def marker_ngrams_check(turns: pl.DataFrame, subject: str, note: str = "") -> Check:
    """``turns``: history_id, content, cue (user turns of the histories judged). ``note``: how they were
    chosen (a sample), appended to the detail."""
    per_history = []
    for (hid,), frame in turns.group_by("history_id", maintain_order=True):
        if frame["cue"].any():
            cover, gram = history_markers(frame["content"].to_list(), frame["cue"].to_list())
            per_history.append((cover, hid, gram))
    if not per_history:
        return Check(check_name="marker_ngrams", subject_id=subject, passed=True, value=0.0, detail="no cue turns")
    value = median(c for c, _, _ in per_history)
    worst = max(per_history)
    return Check(
        check_name="marker_ngrams",
        subject_id=subject,
        passed=value <= MARKER_TARGET,
        value=value,
        detail=f"median over {len(per_history)} histories of the largest cue-turn coverage of an n-gram whose user "
        f"turns are >= {MARKER_SHARE:.0%} cue turns (target <= {MARKER_TARGET}); worst: {worst[2]!r} covers "
        f"{worst[0]:.0%} of {worst[1]}'s cue turns" + (f"; {note}" if note else ""),
    )
