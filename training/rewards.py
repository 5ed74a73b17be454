"""Reward functions for GRPO, in TRL's shape: ``(completions, **columns) -> list[float | None]``.

One scoring rule for benchmarks and rewards: ``mcq_reward`` uses the evaluator's ``extract_answer``, and
``judge_reward`` the evaluator's offline ``lexical_judge`` (on an MCQ row, of the chosen option's text).
``None`` means "does not apply to this row" (an open query has no letter); TRL then sums the other
rewards only. The hybrid mix of ARCHITECTURE §6
(80% MCQ exact match, 20% judge) is TRL's ``reward_weights`` over ``[mcq_reward, judge_reward]``;
``hybrid_reward`` is the same mix as one function, for code that wants a single number.

Columns (from ``training.data``): ``answer`` (gold letter as shown, or None for open queries),
``options`` (shown letter -> text), ``preference``, ``rubric``, ``forget``, ``who``; TRL adds ``prompts``
(the request of an open row is read from it).

    >>> mcq_reward([[{"role": "assistant", "content": "\\\\boxed{B}"}]], answer=["B"], options=[{"A": "x", "B": "y"}])
    [1.0]
"""

from __future__ import annotations

from evaluation.extraction import extract_answer
from evaluation.judges import lexical_judge
from evaluation.render import OPEN_INSTRUCTION, is_open_question, parse_mcq

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


def request_text(prompt) -> str:
    """The user's request inside a prompt written by ``evaluation.render`` (string or messages); "" if none."""
    if isinstance(prompt, str):
        content = prompt
    else:
        users = [m.get("content") or "" for m in prompt or [] if m.get("role") == "user"]
        content = users[-1] if users else ""
    mcq = parse_mcq(content)
    if mcq is not None:
        return mcq[0]
    return content.removesuffix(OPEN_INSTRUCTION).strip() if is_open_question(content) else ""


def judge_reward(
    completions, preference, rubric, forget, options=None, who=None, prompts=None, **kwargs
) -> list[float]:
    """The offline judge's score in [0, 1] of the response against the preference and its rubric.

    Open rows judge the response itself, with the request read from TRL's ``prompts`` (the topic test of
    ``evaluation.judges``). MCQ rows judge only the text of the option the reply chose
    (``chosen_option``), so listing every option or writing more around a letter earns nothing; a reply
    with no parseable letter scores 0."""
    n = len(completions)
    options = options if options is not None else [None] * n
    who = who if who is not None else ["self"] * n
    prompts = prompts if prompts is not None else [None] * n
    out = []
    rows = zip(completions, preference, rubric, forget, options, who, prompts, strict=True)
    for completion, pref, rub, fgt, opts, w, prompt in rows:
        text, shown = completion_text(completion), _options(opts)
        args = (pref or "", rub or "", bool(fgt), w or "self")
        if shown:
            letter = extract_answer(text, shown)
            out.append(float(lexical_judge(shown[letter], *args, chosen_option=True)) if letter else 0.0)
        else:
            out.append(float(lexical_judge(text, *args, request=request_text(prompt) if prompt else "")))
    return out


def hybrid_reward(completions, weights: tuple[float, float] = DEFAULT_WEIGHTS, **columns) -> list[float]:
    """``weights[0] * mcq + weights[1] * judge``, with the MCQ part left out where it does not apply."""
    mcq = mcq_reward(completions, **columns)
    judge = judge_reward(completions, **columns)
    return [(weights[0] * m if m is not None else 0.0) + weights[1] * j for m, j in zip(mcq, judge, strict=True)]
