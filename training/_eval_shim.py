"""Temporary stand-ins for evaluation's interfaces until they land on main (deleted after the merge).

Signatures follow the evaluation issue's contract exactly; the bodies are minimal.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

MEMORY_CAP_TOKENS = 2000
CHUNK_TOKENS = 5000
LETTERS = "ABCD"


def extract_answer(response: str, options: dict[str, str]) -> str | None:
    for pat in (r"\\boxed\{\s*([A-D])\s*\}", r"(?:Final Answer|Answer)\s*:\s*\(?([A-D])\b"):
        m = re.search(pat, response, flags=re.IGNORECASE)
        if m:
            return m.group(1).upper()
    m = re.fullmatch(r"\s*\(?([A-D])\)?[.\s]*", response)
    if m:
        return m.group(1)
    for letter, text in options.items():
        if text and text.strip().lower() in response.lower():
            return letter
    return None


@dataclass
class RenderedMCQ:
    messages_tail: list[dict]
    options: dict[str, str]
    letter_of: dict[str, str]


def query_seed(query_id: str) -> int:
    return int(hashlib.sha256(query_id.encode()).hexdigest()[:8], 16)


def render_mcq(query_text: str, options: dict[str, str], seed: int) -> RenderedMCQ:
    labels = sorted(options)
    random.Random(seed).shuffle(labels)
    letter_of = {label: LETTERS[i] for i, label in enumerate(labels)}
    shown = {letter_of[label]: options[label] for label in labels}
    body = "\n".join(f"{k}. {v}" for k, v in sorted(shown.items()))
    text = f"{query_text}\n\n{body}\n\nAnswer with the letter of the best option, as \\boxed{{X}}."
    return RenderedMCQ([{"role": "user", "content": text}], shown, letter_of)


def chunk_history(turns: list[dict], chunk_tokens: int, count_tokens) -> list[str]:
    chunks, cur, used = [], [], 0
    for t in turns:
        n = t.get("n_tokens") or count_tokens(t["content"])
        if cur and used + n > chunk_tokens:
            chunks.append("\n".join(cur))
            cur, used = [], 0
        cur.append(f"{t['role']}: {t['content']}")
        used += n
    if cur:
        chunks.append("\n".join(cur))
    return chunks


def memory_messages(chunk: str, memory: str) -> list[dict]:
    return [
        {"role": "system", "content": "You keep a memory of what you learn about the user."},
        {"role": "user", "content": f"Memory so far:\n{memory}\n\nNew conversation:\n{chunk}\n\nRewrite the memory."},
    ]


def answer_messages(memory: str, rendered: RenderedMCQ) -> list[dict]:
    return [{"role": "system", "content": f"What you remember about the user:\n{memory}"}, *rendered.messages_tail]


def cap_memory(text: str, cap_tokens: int, count_tokens) -> str:
    if count_tokens(text) <= cap_tokens:
        return text
    words = text.split()
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(" ".join(words[:mid])) <= cap_tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


def lexical_judge(response: str, preference: str, rubric: str, forget: bool) -> float:
    words = set(re.findall(r"[a-z]{4,}", (preference + " " + (rubric or "")).lower()))
    got = set(re.findall(r"[a-z]{4,}", response.lower()))
    overlap = len(words & got) / max(len(words), 1)
    return 1.0 - overlap if forget else min(1.0, overlap * 2)
