"""The ``offline`` model: a lexical stand-in that answers Tacit's evaluation prompts with no model at all.

It reads the prompts the evaluator writes (``evaluation.render``, ``evaluation.memory``,
``evaluation.judges``) back from the chat messages, exactly as a remote model would receive them, so the
same object also serves as the "model" of the loopback OpenAI server in tests:

- an MCQ: the option with the highest lexical score against everything before the question
  (``evaluation.lexical``); with no context this is the question-only baseline;
- an open question: the two context sentences most similar to the question;
- a memory update: the previous memory plus the chunk's user sentences, newest kept within the cap,
  sentences the user asked to forget removed;
- a judge prompt: the lexical judge's score as JSON.

It is deterministic and needs no network, so every method runs end to end on any machine.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from evaluation.judges import parse_judge_prompt, rule_score
from evaluation.lexical import content_words, lexical_choice
from evaluation.memory import MEMORY_CAP_TOKENS, parse_memory_prompt
from evaluation.records import Judgement
from evaluation.render import SESSION_HEADER, is_open_question, parse_mcq
from llm.tokens import count_tokens

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_HEADER = SESSION_HEADER.split("{")[0]
_CAP = re.compile(r"at most (\d+) tokens")


@lru_cache(maxsize=200_000)
def _message_words(content: str) -> frozenset[str]:
    return frozenset(content_words(content))


@lru_cache(maxsize=200_000)
def _scored(content: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """A message's sentences with their content words (cached: every query of a history re-reads them)."""
    return tuple((s, frozenset(content_words(s))) for s in _sentences(content))


def _context_words(messages: list[dict[str, str]]) -> set[str]:
    """Content words of everything before the question; per message, cached (histories repeat across queries)."""
    words: set[str] = set()
    for m in messages[:-1]:
        if not m["content"].startswith(_HEADER):
            words |= _message_words(m["content"])
    return words


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.split()) >= 4]


class OfflineModel:
    """Lexical answers to evaluation prompts; ``complete`` maps each chat to a reply."""

    name = "offline"
    model = "lexical"

    def complete(self, requests: list[list[dict[str, str]]], max_new_tokens: int = 256) -> list[str]:
        return [self.reply(messages) for messages in requests]

    def reply(self, messages: list[dict[str, str]]) -> str:
        memory_prompt = parse_memory_prompt(messages)
        if memory_prompt is not None:
            cap = _CAP.search(messages[0]["content"])
            return self.write_memory(*memory_prompt, cap_tokens=int(cap.group(1)) if cap else MEMORY_CAP_TOKENS)
        judge_case = parse_judge_prompt(messages)
        if judge_case is not None:
            score = rule_score(judge_case)
            return json.dumps(Judgement(judge="lexical", score=score, reason="lexical overlap rule").model_dump())
        last = messages[-1]["content"]
        mcq = parse_mcq(last)
        if mcq is not None:
            question, options = mcq
            context = _context_words(messages) or content_words(question)
            return f"\\boxed{{{lexical_choice(context, options)}}}"
        if is_open_question(last):
            return self.answer_open(last, messages)
        return "I can help with that."

    def answer_open(self, question: str, messages: list[dict[str, str]]) -> str:
        asked = content_words(question)
        sentences = [
            pair for m in messages[:-1] if not m["content"].startswith(_HEADER) for pair in _scored(m["content"])
        ]
        ranked = sorted(((len(words & asked), -i, s) for i, (s, words) in enumerate(sentences)), reverse=True)
        picked = [s for score, _, s in ranked[:2] if score > 0]
        return " ".join(picked) if picked else "Here is a general suggestion that should work for most people."

    def write_memory(self, memory: str, chunk: str, cap_tokens: int = MEMORY_CAP_TOKENS) -> str:
        lines = [line for line in memory.splitlines() if line.strip()]
        for raw in chunk.splitlines():
            if not raw.startswith("user: "):
                continue
            for sentence in _sentences(raw[len("user: ") :]):
                words = content_words(sentence)
                if "forget" in words:
                    lines = [line for line in lines if len(content_words(line) & words) < 3]
                    continue
                if sentence not in lines and len(words) >= 3:
                    lines.append(sentence)
        sizes = count_tokens(lines)
        total = sum(sizes) + len(lines)  # + one newline token per line: an upper bound of the joined text
        while lines and total > cap_tokens:
            total -= sizes.pop(0) + 1
            lines.pop(0)  # the oldest goes first
        return "\n".join(lines)
