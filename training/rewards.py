"""Reward functions for GRPO, in TRL's shape: ``(completions, **columns) -> list[float | None]``.

One scoring rule for benchmarks and rewards: ``mcq_reward`` uses the evaluator's ``extract_answer``, and
``judge_reward`` the evaluator's offline ``lexical_judge``. ``None`` means "does not apply to this row"
(an open query has no letter); TRL then sums the other rewards only. The hybrid mix of ARCHITECTURE §6
(80% MCQ exact match, 20% judge) is TRL's ``reward_weights`` over ``[mcq_reward, judge_reward]``;
``hybrid_reward`` is the same mix as one function, for code that wants a single number.

Columns (from ``training.data``): ``answer`` (gold letter as shown, or None for open queries),
``options`` (shown letter -> text), ``preference``, ``rubric``, ``forget``, ``who``.

    >>> mcq_reward([[{"role": "assistant", "content": "\\\\boxed{B}"}]], answer=["B"], options=[{"A": "x", "B": "y"}])
    [1.0]
"""

from __future__ import annotations

from evaluation.extraction import extract_answer
from evaluation.judges import lexical_judge

DEFAULT_WEIGHTS = (0.8, 0.2)  # (MCQ exact match, judge): ARCHITECTURE §6


def completion_text(completion) -> str:
    """Text of a completion: a string (standard format) or a list of messages (conversational)."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content") or "" for m in completion if m.get("role", "assistant") == "assistant")


def _options(options: dict | None) -> dict[str, str]:
    return {k: v for k, v in (options or {}).items() if v is not None}


def mcq_reward(completions, answer, options, **kwargs) -> list[float | None]:
    """1.0 when the extracted letter is the gold letter, 0.0 otherwise (also when nothing parses);
    None for rows without a gold letter (open queries)."""
    out: list[float | None] = []
    for completion, gold, opts in zip(completions, answer, options, strict=True):
        if not gold:
            out.append(None)
            continue
        out.append(1.0 if extract_answer(completion_text(completion), _options(opts)) == gold else 0.0)
    return out


def judge_reward(completions, preference, rubric, forget, options=None, who=None, **kwargs) -> list[float]:
    """The offline judge's score in [0, 1] of the response against the preference and its rubric.

    For an MCQ row the judged text is the response followed by the text of the option it chose, so a
    bare letter is judged by what it means."""
    options = options if options is not None else [None] * len(completions)
    who = who if who is not None else ["self"] * len(completions)
    out = []
    for completion, pref, rub, fgt, opts, w in zip(completions, preference, rubric, forget, options, who, strict=True):
        text = completion_text(completion)
        letter = extract_answer(text, _options(opts)) if opts else None
        judged = f"{text}\n{_options(opts)[letter]}" if letter else text
        out.append(float(lexical_judge(judged, pref or "", rub or "", bool(fgt), w or "self")))
    return out


def hybrid_reward(completions, weights: tuple[float, float] = DEFAULT_WEIGHTS, **columns) -> list[float]:
    """``weights[0] * mcq + weights[1] * judge``, with the MCQ part left out where it does not apply."""
    mcq = mcq_reward(completions, **columns)
    judge = judge_reward(completions, **columns)
    return [(weights[0] * m if m is not None else 0.0) + weights[1] * j for m, j in zip(mcq, judge, strict=True)]
