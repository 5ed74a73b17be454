"""Explain topics and side asks (taxonomy/filler.yaml): what a side question after a task is made of."""

import re
from collections import Counter

from llm.timing import ALL_MONTHS, months_fitting
from taxonomy import load_taxonomy

TAX = load_taxonomy()
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.I)


def test_topics_are_distinct_and_tied_only_to_known_domains():
    topics = Counter(t.topic.lower() for t in TAX.filler.explain_topics)
    assert [t for t, n in topics.items() if n > 1] == []
    known = {d.domain for d in TAX.domains}
    for t in TAX.filler.explain_topics:
        assert set(t.domains) <= known, (t.topic, t.domains)


def test_no_topic_dates_the_session_it_is_asked_in():
    """A topic is part of a user turn, which the history builder dates by its calendar words: a question
    about "why it gets dark early in winter" would pin the session to a season."""
    for t in TAX.filler.explain_topics:
        assert months_fitting(f"Can you explain {t.topic}?") == ALL_MONTHS, t.topic
        assert not _WEEKDAY.search(t.topic), t.topic


def test_no_explanation_sentence_recurs_across_topics():
    """A persona asks each topic once, so its explanation is unique in a history only if no sentence of six
    words or more is shared between two topics' explanations (the history_sentence_repeats gate)."""
    seen: dict[str, str] = {}
    for t in TAX.filler.explain_topics:
        for sentence in _SENTENCE.split(t.explanation):
            words = " ".join(sentence.lower().split())
            if len(words.split()) >= 6:
                assert seen.setdefault(words, t.topic) == t.topic, (words, seen[words], t.topic)


def test_every_long_sentence_of_a_side_ask_holds_the_topic():
    """A persona asks some twenty side questions in a 32k history, so an ask recurs: only its short sentences
    (five words or fewer) and those holding the topic, which differs each time, may appear twice."""
    assert any("{first}" not in ask for ask in TAX.filler.side_asks), "every ask names a person"
    for ask in TAX.filler.side_asks:
        assert "{topic}" in ask, ask
        for sentence in _SENTENCE.split(ask):
            assert "{topic}" in sentence or len(sentence.split()) <= 5, (ask, sentence)
