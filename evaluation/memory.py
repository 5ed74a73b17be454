"""The agentic memory: read a history chunk by chunk and keep a bounded, query-agnostic memory.

The model sees chunk C_i and its memory M_{i-1} and writes M_i; after the last chunk, questions are
answered from the final memory alone. Three rules make it a fair memory (PersonaMem-v2's released memory
prompt carried the test question, so its memory was not query-agnostic):

- ``memory_messages`` takes only the chunk and the memory: it has no parameter through which a query
  could reach it;
- ``cap_memory`` enforces the cap (default ``MEMORY_CAP_TOKENS``) on whatever the model writes;
- the memory is built once per history and shared by all of that history's queries.

Chunks hold whole turns, ``CHUNK_TOKENS`` at most (a single longer turn is a chunk of its own).
"""

from __future__ import annotations

from collections.abc import Callable

from evaluation.render import RenderedMCQ

MEMORY_CAP_TOKENS = 2000
CHUNK_TOKENS = 5000

MEMORY_SYSTEM = (
    "You keep a memory of one user, built from their past conversations with an assistant. You are shown "
    "your current memory and the next part of the conversations. Rewrite the memory so that it keeps what "
    "reveals the user's preferences, habits, constraints, circumstances and the people in their life, "
    "including what their actions and requests imply. When something new replaces an older fact, keep the "
    "newer one and note the change; when the user asks you to forget something, remove it. Drop everything "
    "else. Write at most {cap} tokens of plain text. Reply with the new memory only."
)
MEMORY_OPEN, MEMORY_CLOSE = "<memory>", "</memory>"
CHUNK_OPEN, CHUNK_CLOSE = "<conversations>", "</conversations>"
ANSWER_SYSTEM = "Here is what you remember about this user from your past conversations:\n<memory>\n{memory}\n</memory>"

CountTokens = Callable[[list[str]], list[int]]


def chat_turns(messages: list[dict[str, str]], count_tokens: CountTokens) -> list[dict]:
    """Turn dicts ({role, content, n_tokens}) for chunking, from ``render.history_messages`` output."""
    sizes = count_tokens([m["content"] for m in messages])
    return [{"role": m["role"], "content": m["content"], "n_tokens": n} for m, n in zip(messages, sizes, strict=True)]


def chunk_turn_groups(turns: list[dict], chunk_tokens: int) -> list[list[dict]]:
    """The turns of each chunk: consecutive turns of at most ``chunk_tokens`` (by each turn's ``n_tokens``);
    an over-long turn is a chunk of its own. ``chunk_history`` renders them; training keeps them too, so
    a capped trajectory's messages are exactly the kept chunks' turns."""
    if chunk_tokens <= 0:
        raise ValueError(f"chunk_tokens must be positive, got {chunk_tokens}")
    groups: list[list[dict]] = [[]]
    used = 0
    for t in turns:
        if groups[-1] and used + t["n_tokens"] > chunk_tokens:
            groups.append([])
            used = 0
        groups[-1].append(t)
        used += t["n_tokens"]
    return [g for g in groups if g]


def chunk_text(group: list[dict]) -> str:
    """A chunk as the memory agent reads it: session headers as they are, other turns as ``role: text``."""
    return "\n".join(t["content"] if t["role"] == "system" else f"{t['role']}: {t['content']}" for t in group)


def chunk_history(turns: list[dict], chunk_tokens: int, count_tokens: CountTokens | None = None) -> list[str]:
    """Split turns into chunk texts of at most ``chunk_tokens`` (by each turn's ``n_tokens``)."""
    if count_tokens is not None and any("n_tokens" not in t for t in turns):
        turns = chat_turns(turns, count_tokens)
    return [chunk_text(g) for g in chunk_turn_groups(turns, chunk_tokens)]


def memory_messages(chunk: str, memory: str, cap_tokens: int = MEMORY_CAP_TOKENS) -> list[dict[str, str]]:
    """The memory-writing prompt: the current memory and the next chunk, nothing else."""
    user = (
        f"{MEMORY_OPEN}\n{memory.strip() or '(empty)'}\n{MEMORY_CLOSE}\n\n"
        f"{CHUNK_OPEN}\n{chunk}\n{CHUNK_CLOSE}\n\nWrite the updated memory."
    )
    return [{"role": "system", "content": MEMORY_SYSTEM.format(cap=cap_tokens)}, {"role": "user", "content": user}]


def parse_memory_prompt(messages: list[dict[str, str]]) -> tuple[str, str] | None:
    """(memory, chunk) from a prompt written by ``memory_messages``; None if it is not one."""
    user = messages[-1]["content"] if messages else ""
    if not messages or not messages[0]["content"].startswith(MEMORY_SYSTEM[:40]) or CHUNK_OPEN not in user:
        return None
    memory = user.split(MEMORY_OPEN, 1)[1].split(MEMORY_CLOSE, 1)[0].strip()
    chunk = user.split(CHUNK_OPEN, 1)[1].rsplit(CHUNK_CLOSE, 1)[0].strip()
    return ("" if memory == "(empty)" else memory), chunk


def answer_messages(memory: str, rendered: RenderedMCQ | list[dict[str, str]]) -> list[dict[str, str]]:
    """The answering prompt: the final memory, then the question (MCQ or open)."""
    tail = rendered.messages_tail if isinstance(rendered, RenderedMCQ) else rendered
    return [{"role": "system", "content": ANSWER_SYSTEM.format(memory=memory.strip() or "(nothing)")}, *tail]


def cap_memory(text: str, cap_tokens: int, count_tokens: CountTokens, whole_lines: bool = False) -> str:
    """``text`` cut to at most ``cap_tokens`` tokens, at a line or word boundary, keeping its start. With
    ``whole_lines`` (a ground-truth memory to learn from) a line that does not fit is left out, not cut
    mid-statement ("- my cousin: wants everything stored in"), unless no line fits at all."""
    text = text.strip()
    if count_tokens([text])[0] <= cap_tokens:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    for line in lines:
        if count_tokens(["\n".join([*kept, line])])[0] > cap_tokens:
            if whole_lines and kept:
                break
            words = line.split()
            lo, hi = 0, len(words)
            while lo < hi:  # the longest prefix of this line that still fits
                mid = (lo + hi + 1) // 2
                if count_tokens(["\n".join([*kept, " ".join(words[:mid])])])[0] <= cap_tokens:
                    lo = mid
                else:
                    hi = mid - 1
            if lo:
                kept.append(" ".join(words[:lo]))
            break
        kept.append(line)
    return "\n".join(kept)
