"""The contract models reject what they must (validators fire) and accept the documented shapes."""

from datetime import datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas import History, HistoryItem, MCQQuery, OpenQuery, Option, Preference, Query, Session, Turn


def _options(gold="B"):
    return [Option(label=L, text=f"option {L}", role="gold" if gold == L else "generic") for L in "ABCD"]


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError, match="extra"):
        Turn(turn_index=0, role="user", content="hi", colour="red")


def test_records_are_frozen():
    turn = Turn(turn_index=0, role="user", content="hi")
    with pytest.raises(ValidationError):
        turn.content = "changed"


def test_mcq_needs_exactly_one_gold_matching_its_label():
    MCQQuery(query_id="q", preference_id="p", history_id="h", text="What now?", options=_options(), gold_label="B")
    with pytest.raises(ValidationError, match="gold"):
        MCQQuery(query_id="q", preference_id="p", history_id="h", text="What now?", options=_options(), gold_label="A")
    two_gold = [o.model_copy(update={"role": "gold"}) for o in _options()]
    with pytest.raises(ValidationError, match="gold"):
        MCQQuery(query_id="q", preference_id="p", history_id="h", text="What now?", options=two_gold, gold_label="B")


def test_query_union_is_discriminated_by_kind():
    adapter = TypeAdapter(Query)
    q = adapter.validate_python(
        {
            "kind": "open",
            "query_id": "q",
            "preference_id": "p",
            "history_id": "h",
            "text": "Any tips?",
            "rubric": "Good: uses the preference.",
        }
    )
    assert isinstance(q, OpenQuery)
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "essay", "query_id": "q"})


def test_history_must_fit_its_budget_and_be_chronological():
    t = datetime(2025, 1, 1)
    items = [
        HistoryItem(position=0, session_id="a", token_offset=0, n_tokens=60, started_at=t),
        HistoryItem(position=1, session_id="b", token_offset=60, n_tokens=50, started_at=t),
    ]
    History(history_id="h", persona_id="p", budget_tokens=110, n_tokens=110, tokenizer="x", items=items)
    with pytest.raises(ValidationError, match="budget"):
        History(history_id="h", persona_id="p", budget_tokens=100, n_tokens=110, tokenizer="x", items=items)
    backwards = [items[0].model_copy(update={"started_at": datetime(2025, 2, 1)}), items[1]]
    with pytest.raises(ValidationError, match="chronological"):
        History(history_id="h", persona_id="p", budget_tokens=110, n_tokens=110, tokenizer="x", items=backwards)


def test_session_turn_indices_and_filler_signals():
    turns = [Turn(turn_index=0, role="user", content="hi"), Turn(turn_index=2, role="assistant", content="yo")]
    with pytest.raises(ValidationError, match="turn_index"):
        Session(session_id="s", persona_id=None, kind="filler", task_type="chat", turns=turns)


def test_preference_relation_only_for_other():
    base = dict(
        preference_id="r",
        persona_id="p",
        scenario_id="s",
        option_id="o",
        statement="prefers tea",
        kind="neutral",
        stated_at=datetime(2025, 1, 1),
    )
    Preference(**base, who="other", relation="my sister")
    with pytest.raises(ValidationError, match="relation"):
        Preference(**base, who="other")
    with pytest.raises(ValidationError, match="relation"):
        Preference(**base, who="self", relation="my sister")
