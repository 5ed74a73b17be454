"""Committed JSON Schemas match the models; file records are validated with jsonschema and a bad
record names its source and field."""

from pathlib import Path

import pytest

from schemas.export import render_json_schemas, stale_files
from schemas.validation import RecordError, validate_record, validate_records

JSON_DIR = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_committed_schemas_match_models():
    committed = {p.name: p.read_text() for p in JSON_DIR.glob("*.json")}
    assert set(committed) == set(render_json_schemas()), "run `tacit schemas export`"
    assert stale_files(committed) == []


def test_stale_detection_notices_an_edit():
    committed = render_json_schemas()
    committed["Turn.json"] = committed["Turn.json"].replace("turn_index", "turn_idx")
    assert stale_files(committed) == ["Turn.json"]


def test_bad_record_names_source_and_field():
    good = {
        "session_id": "s",
        "persona_id": None,
        "kind": "filler",
        "task_type": "chat",
        "turns": [{"turn_index": 0, "role": "user", "content": "hello"}],
    }
    assert validate_record(good, "Session", "x.jsonl:1").session_id == "s"
    bad = {**good, "turns": [{"turn_index": 0, "role": "robot", "content": "hello"}]}
    with pytest.raises(RecordError, match=r"sessions.jsonl:2: field 'turns.0.role'"):
        list(validate_records([good, bad], "Session", "sessions.jsonl"))


def test_cross_field_rules_are_reported_with_source():
    bad = {
        "session_id": "s",
        "persona_id": None,
        "kind": "filler",
        "task_type": "chat",
        "turns": [{"turn_index": 1, "role": "user", "content": "hello"}],
    }
    with pytest.raises(RecordError, match=r"(?s)f.jsonl:1.*turn_index"):
        validate_record(bad, "Session", "f.jsonl:1")
