"""The context each method gives a model before the question, and the memory agent's reading loop.

- ``full_context``: every session of the history, oldest first;
- ``rag``: the ``k`` sessions BM25 (bm25s) ranks highest for the question, re-sorted by time;
- ``oracle``: the preference's own signal sessions only (an upper bound on what retrieval can give);
- ``no_context``: nothing (the question-only baseline);
- ``memory_agent``: only the final memory of ``build_memories`` (see ``evaluation.memory``);
- ``length_only``: no model: the longest option (a dataset whose gold is often the longest fails here).

``build_memories`` runs the agents of many histories in lock step (chunk i of every history in one batch)
so that a remote model gets concurrent requests while each agent still reads its chunks in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import bm25s

from evaluation.lexical import tie_break
from evaluation.memory import answer_messages, cap_memory, chat_turns, chunk_history, memory_messages
from evaluation.records import MemoryTrace
from evaluation.render import RenderedMCQ, history_messages
from llm.chat import Overflowed
from llm.tokens import count_message_tokens, count_tokens

Messages = list[dict[str, str]]
logging.getLogger("bm25s").setLevel(logging.WARNING)  # its per-index DEBUG lines would flood the flow's log


@dataclass
class HistoryContext:
    """One history, rendered once and shared by every query and method that reads it."""

    history_id: str
    sessions: list  # warehouse.history.ChatSession, oldest first
    messages: Messages = field(init=False)
    turns: list[dict] = field(init=False)  # the messages with their token counts, counted once
    tokens: int = field(init=False)
    _index: bm25s.BM25 | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.messages = history_messages(self.sessions)
        self.turns = chat_turns(self.messages, count_message_tokens)
        self.tokens = sum(t["n_tokens"] for t in self.turns)

    def retrieve(self, question: str, k: int) -> list:
        """The top-``k`` sessions for ``question`` by BM25, in their original (time) order."""
        if not self.sessions:
            return []
        if self._index is None:
            texts = [" ".join(content for _, content in s.turns) for s in self.sessions]
            self._index = bm25s.BM25()
            self._index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        k = min(k, len(self.sessions))
        hits, _ = self._index.retrieve(
            bm25s.tokenize([question], stopwords="en", show_progress=False), k=k, show_progress=False
        )
        return [self.sessions[i] for i in sorted(int(i) for i in hits[0])]

    def sessions_by_id(self, ids: Sequence[str]) -> list:
        wanted = set(ids)
        return [s for s in self.sessions if s.session_id in wanted]


def context_messages(
    method: str, history: HistoryContext, question: str, gold_sessions: Sequence[str], k: int
) -> Messages:
    if method == "full_context":
        return history.messages
    if method == "rag":
        return history_messages(history.retrieve(question, k))
    if method == "oracle":
        return history_messages(history.sessions_by_id(gold_sessions))
    if method == "no_context":
        return []
    raise ValueError(f"method {method!r} has no plain context")


def prompt_for(method: str, context: Messages, tail: RenderedMCQ | Messages, memory: str | None = None) -> Messages:
    if method == "memory_agent":
        return answer_messages(memory or "", tail)
    return [*context, *(tail.messages_tail if isinstance(tail, RenderedMCQ) else tail)]


def length_only(rendered: RenderedMCQ) -> str:
    """The letter of the longest shown option (ties: ``evaluation.lexical.tie_break``, not the letter)."""
    longest = max(len(t) for t in rendered.options.values())
    return tie_break([letter for letter, t in rendered.options.items() if len(t) == longest], rendered.options)


def build_memories(
    histories: Sequence[HistoryContext],
    complete: Callable[[list[Messages]], list[str]],
    *,
    chunk_tokens: int,
    cap_tokens: int,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, MemoryTrace]:
    """Read every history chunk by chunk, writing a memory capped at ``cap_tokens`` after each chunk."""
    chunks = {h.history_id: chunk_history(h.turns, chunk_tokens) for h in histories}
    memory = {hid: "" for hid in chunks}
    read = {hid: 0 for hid in chunks}
    peak = {hid: 0 for hid in chunks}
    overflowed = {hid: 0 for hid in chunks}
    written = {hid: 0 for hid in chunks}
    for step in range(max((len(c) for c in chunks.values()), default=0)):
        active = [hid for hid, c in chunks.items() if step < len(c)]
        prompts = [memory_messages(chunks[hid][step], memory[hid], cap_tokens) for hid in active]
        for hid, prompt, reply in zip(active, prompts, complete(prompts), strict=True):
            read[hid] += sum(count_message_tokens([m["content"] for m in prompt]))
            if isinstance(reply, Overflowed):  # this chunk did not fit: the memory stays as it was
                overflowed[hid] += 1
                continue
            written[hid] += count_tokens([reply])[0] if reply else 0  # what the model wrote, before the cap
            memory[hid] = cap_memory(reply, cap_tokens, count_tokens)
            peak[hid] = max(peak[hid], count_tokens([memory[hid]])[0])
        if on_step:
            on_step(len(active))
    for hid, n in overflowed.items():
        if n:
            logging.getLogger(__name__).warning("%s: %d chunk(s) did not fit the model's context; skipped", hid, n)
    return {
        hid: MemoryTrace(
            history_id=hid,
            memory=memory[hid],
            n_chunks=len(c),
            input_tokens=read[hid],
            max_memory_tokens=peak[hid],
            output_tokens=written[hid],
        )
        for hid, c in chunks.items()
    }
