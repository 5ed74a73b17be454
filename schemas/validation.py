"""JSON Schema for every contract model, and validation of records that come from files.

Why jsonschema as well as pydantic: records read from files (taxonomy YAML, JSONL exports, user data)
are checked against the exported schema first, so a bad record is reported with its source, its
position and the exact field path ("taxonomy/scenarios/food.yaml: scenarios.2.options.0.cues: ...")
before any model is built. ``tacit schemas export`` writes these schemas to ``schemas/json/``; a test
keeps the committed files equal to the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import jsonschema
from pydantic import BaseModel, TypeAdapter

from schemas.config import SynthConfig
from schemas.core import (
    Check,
    History,
    HistoryItem,
    Option,
    Persona,
    Preference,
    Query,
    Scenario,
    Session,
    Signal,
    Turn,
)
from schemas.taxonomy import (
    AreasSpec,
    ChangePastsSpec,
    DomainSpec,
    FillerSpec,
    LeansSpec,
    LifeLabelsSpec,
    OverlapsSpec,
    PersonaAttributes,
    RetellingsSpec,
    StdlibDocs,
    StorylinesSpec,
    TaskTypeSpec,
    WorldSpec,
)

CONTRACT: dict[str, Any] = {
    "Persona": Persona,
    "Scenario": Scenario,
    "Preference": Preference,
    "Session": Session,
    "Turn": Turn,
    "Signal": Signal,
    "History": History,
    "HistoryItem": HistoryItem,
    "Query": Query,
    "Option": Option,
    "Check": Check,
    "SynthConfig": SynthConfig,
    "DomainSpec": DomainSpec,
    "PersonaAttributes": PersonaAttributes,
    "TaskTypeSpec": TaskTypeSpec,
    "WorldSpec": WorldSpec,
    "FillerSpec": FillerSpec,
    "StdlibDocs": StdlibDocs,
    "LeansSpec": LeansSpec,
    "OverlapsSpec": OverlapsSpec,
    "RetellingsSpec": RetellingsSpec,
    "AreasSpec": AreasSpec,
    "LifeLabelsSpec": LifeLabelsSpec,
    "StorylinesSpec": StorylinesSpec,
    "ChangePastsSpec": ChangePastsSpec,
}


class RecordError(ValueError):
    """A record that does not match its schema; the message names source, position and field."""


def adapter(name: str) -> TypeAdapter:
    return TypeAdapter(CONTRACT[name])


@cache
def json_schema(name: str) -> dict:
    """The JSON Schema of a contract model by name (what ``schemas/json/<name>.json`` holds)."""
    model = CONTRACT[name]
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_json_schema()
    return TypeAdapter(model).json_schema()


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema(name))


def _field_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "<record>"


def validate_record(data: Any, name: str, source: str) -> Any:
    """Check ``data`` against schema ``name`` with jsonschema, then build the pydantic model.

    Raises RecordError naming ``source`` and the first failing field path.
    """
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RecordError(f"{source}: field '{_field_path(first)}': {first.message}{more}")
    try:
        return adapter(name).validate_python(data)
    except Exception as exc:  # model validators (cross-field rules) that JSON Schema cannot express
        raise RecordError(f"{source}: {exc}") from exc


def validate_records(rows: Iterable[Any], name: str, source: str) -> Iterator[Any]:
    """Validate a stream of records (e.g. JSONL lines); positions are 1-based."""
    for i, row in enumerate(rows, start=1):
        yield validate_record(row, name, f"{source}:{i}")
