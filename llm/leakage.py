"""The lexical leakage rule: does text state a preference outright instead of implying it?

One rule shared by the quality stage's lexical check (``check_session_implicit``), the published-rows
re-check of ``tacit report quality``, and the offline backend's answer to the ``leakage_judge`` call
site (so the loopback server can serve that call site with the same verdicts).
"""

from __future__ import annotations

import re

from schemas.generation import LeakageRequest, LeakageVerdict

PREFERENCE_VERBS = r"(prefer|prefers|like|likes|love|loves|hate|hates|dislike|dislikes|enjoy|enjoys|favou?rite)"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def states_explicitly(text: str, terms: list[str]) -> bool:
    """True when ``text`` states a preference for a term outright, in the first person ('I love tea',
    'we really prefer tea', 'tea is my favourite'); 'I'd like it to sound like a card' is not one."""
    low = text.lower()
    for term in terms:
        t = re.escape(term.lower())
        if re.search(
            rf"\b(i|we)\s+(really\s+|just\s+|do\s+)?{PREFERENCE_VERBS}\b\W+(\w+\W+){{0,3}}{t}\b", low
        ) or re.search(rf"\b{t}\b\W+(\w+\W+){{0,2}}(is|are)\s+my\s+favou?rite", low):
            return True
    return False


def judge_lexically(req: LeakageRequest) -> LeakageVerdict:
    """The lexical verdict on one session: leaks when a user sentence contains the statement or states
    a preference for one of the key terms; the quote is that sentence."""
    for turn in req.user_turns:
        for sentence in _SENTENCE.split(turn):
            if req.statement.lower() in sentence.lower():
                return LeakageVerdict(leaks=True, quote=sentence, reason="the user repeats the preference statement")
            if states_explicitly(sentence, req.key_terms):
                return LeakageVerdict(leaks=True, quote=sentence, reason="the user states the preference outright")
    return LeakageVerdict(leaks=False, quote=None, reason="the preference is only implied")
