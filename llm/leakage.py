"""The lexical leakage rule: does text state a preference outright instead of implying it?

One rule shared by the quality stage's lexical check (``check_session_implicit``), the published-rows
re-check of ``tacit report quality``, and the offline backend's answer to the ``leakage_judge`` call
site (so the loopback server can serve that call site with the same verdicts).
"""

from __future__ import annotations

import re
from functools import lru_cache

from schemas.generation import LeakageRequest, LeakageVerdict

PREFERENCE_VERBS = r"(prefer|prefers|like|likes|love|loves|hate|hates|dislike|dislikes|enjoy|enjoys|favou?rite)"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=8192)
def _term_patterns(term: str) -> tuple[re.Pattern, re.Pattern]:
    """The two first-person patterns for one key term, compiled once (the check runs on every session)."""
    t = re.escape(term.lower())
    return (
        re.compile(rf"\b(i|we)\s+(really\s+|just\s+|do\s+)?{PREFERENCE_VERBS}\b\W+(\w+\W+){{0,3}}{t}\b"),
        re.compile(rf"\b{t}\b\W+(\w+\W+){{0,2}}(is|are)\s+my\s+favou?rite"),
    )


def states_explicitly(text: str, terms: list[str]) -> bool:
    """True when ``text`` states a preference for a term outright, in the first person ('I love tea',
    'we really prefer tea', 'tea is my favourite'); 'I'd like it to sound like a card' is not one."""
    low = text.lower()
    # both patterns hold the term itself: a term absent from the text needs neither compiling nor a search
    return any(a.search(low) or b.search(low) for a, b in (_term_patterns(t) for t in terms if t.lower() in low))


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
