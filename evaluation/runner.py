"""Evaluate a group of histories: every query x method, answered, parsed, judged and counted.

``evaluate_histories`` is plain Python (the ``evaluate`` flow runs it per shard of histories and writes
its output in one transaction). Per shard:

1. render each history once (``HistoryContext``); build memory-agent memories once per history;
2. write one prompt per (query, method) through ``evaluation.render`` (options shuffled by the query's
   seed) and send them all to the model in one batch (concurrent for remote models);
3. MCQ: ``extract_answer``; unparseable is wrong and kept as such. Open: every judge scores the reply,
   the first judge's score is the result's score and ``correct`` means score >= 0.5;
4. input tokens are counted with Tacit's named tokenizer for every backend (comparable across methods
   and models); a memory's reading cost is spread over its history's queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evaluation.extraction import extract_answer
from evaluation.judges import PASS_AT, Judge, JudgeCase
from evaluation.methods import HistoryContext, build_memories, context_messages, length_only, prompt_for
from evaluation.records import EvalItem, EvalResult, EvalSettings, MemoryTrace
from evaluation.render import query_seed, render_mcq, render_open
from llm.chat import Overflowed
from llm.tokens import count_message_tokens, count_tokens


@dataclass
class HistoryInput:
    history_id: str
    sessions: list  # warehouse.history.ChatSession
    items: list[EvalItem]


@dataclass
class ShardOutput:
    results: list[EvalResult]
    memories: list[MemoryTrace]

    def tables(self) -> dict[str, list[dict]]:
        """Rows for ``eval_results``, ``eval_judgements`` and ``eval_memories`` (without run_id)."""
        results = [
            r.model_dump(exclude={"judgements"}) | {"parsed": r.kind == "open" or r.answer is not None}
            for r in self.results
        ]
        judgements = [
            {"query_id": r.query_id, "method": r.method, **j.model_dump()} for r in self.results for j in r.judgements
        ]
        return {
            "eval_results": results,
            "eval_judgements": judgements,
            "eval_memories": [m.model_dump() for m in self.memories],
        }


def _tokens(messages: Sequence[dict[str, str]]) -> int:
    return sum(count_message_tokens([m["content"] for m in messages])) if messages else 0


def evaluate_histories(
    histories: Sequence[HistoryInput],
    settings: EvalSettings,
    model,
    judges: Sequence[Judge],
    on_progress: Callable[[str, int], None] | None = None,
) -> ShardOutput:
    """Results for every item of ``histories`` under every method of ``settings``."""
    notify = on_progress or (lambda stage, n: None)
    contexts = {h.history_id: HistoryContext(h.history_id, h.sessions) for h in histories}
    memories: dict[str, MemoryTrace] = {}
    if "memory_agent" in settings.methods:
        memories = build_memories(
            list(contexts.values()),
            lambda prompts: model.complete(prompts, max_new_tokens=settings.memory_cap_tokens),
            chunk_tokens=settings.chunk_tokens,
            cap_tokens=settings.memory_cap_tokens,
            on_step=lambda n: notify("memory", n),
        )
    pending: list[tuple[EvalItem, str, list[dict[str, str]], object, int, int]] = []
    done: list[EvalResult] = []
    for h in histories:
        ctx = contexts[h.history_id]
        n_items = max(len(h.items), 1)
        for item in h.items:
            tail = (
                render_mcq(item.text, item.options, query_seed(item.query_id))
                if item.kind == "mcq"
                else render_open(item.text)
            )
            for method in settings.methods:
                if method == "length_only":
                    if item.kind == "mcq":
                        done.append(_scored(item, method, f"\\boxed{{{length_only(tail)}}}", tail, 0))
                    continue
                if method == "memory_agent":
                    memory = memories[h.history_id]
                    prompt = prompt_for(method, [], tail, memory.memory)
                    tokens = _tokens(prompt) + round(memory.input_tokens / n_items)  # reading, spread
                    written = round(memory.output_tokens / n_items)  # writing the memory, spread alike
                else:
                    written = 0
                    context = context_messages(method, ctx, item.text, item.gold_session_ids, settings.rag_top_k)
                    prompt = prompt_for(method, context, tail)
                    tokens = (ctx.tokens if method == "full_context" else _tokens(context)) + _tokens(
                        prompt[len(context) :]
                    )
                pending.append((item, method, prompt, tail, tokens, written))
    replies = model.complete([p[2] for p in pending], max_new_tokens=settings.max_new_tokens) if pending else []
    notify("answers", len(pending))
    opened: dict[int, JudgeCase] = {}
    for (item, method, _, tail, tokens, written), reply in zip(pending, replies, strict=True):
        if item.kind == "open" and not isinstance(reply, Overflowed):
            opened[len(done)] = JudgeCase.of(
                reply, item.statement, item.rubric, who=item.who, forget=item.forget, request=item.text
            )
        done.append(_scored(item, method, reply, tail, tokens, written))
    if opened:
        keys = list(opened)
        verdicts = defaultdict(list)
        for judge in judges:
            for key, verdict in zip(keys, judge.score([opened[k] for k in keys]), strict=True):
                verdicts[key].append(verdict)
        for key in keys:
            primary = verdicts[key][0].score if verdicts[key] else None
            done[key] = done[key].model_copy(
                update={
                    "judgements": verdicts[key],
                    "score": primary,
                    "correct": primary is not None and primary >= PASS_AT,
                }
            )
        notify("judged", len(keys))
    return ShardOutput(results=done, memories=list(memories.values()))


def _scored(item: EvalItem, method: str, reply: str, tail, tokens: int, written: int = 0) -> EvalResult:
    """One result; ``written``: output tokens spent before the answer (a memory's writing, spread)."""
    if isinstance(reply, Overflowed):  # never truncated, never guessed: recorded and scored wrong
        return EvalResult(
            query_id=item.query_id, method=method, history_id=item.history_id, kind=item.kind, response=str(reply),
            gold=tail.shown(item.gold_label) if item.kind == "mcq" else None, correct=False,
            score=0.0 if item.kind == "mcq" else None, input_tokens=tokens, overflow=True,
        )  # fmt: skip
    out_tokens = (count_tokens([reply])[0] if reply else 0) + written
    if item.kind == "mcq":
        answer = extract_answer(reply, tail.options)
        gold = tail.shown(item.gold_label)
        return EvalResult(
            query_id=item.query_id, method=method, history_id=item.history_id, kind="mcq", response=reply,
            answer=answer, gold=gold, correct=answer == gold, score=float(answer == gold), input_tokens=tokens,
            output_tokens=out_tokens,
        )  # fmt: skip
    return EvalResult(
        query_id=item.query_id, method=method, history_id=item.history_id, kind="open", response=reply,
        correct=False, input_tokens=tokens, output_tokens=out_tokens,
    )  # fmt: skip
