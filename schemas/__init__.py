"""Tacit's data contract: pydantic v2 models shared by every stage, backend and table.

No I/O here beyond reading records (``schemas.records``) and no import of any other Tacit package.
Export the JSON Schema of every model with ``tacit schemas export`` (writes ``schemas/json/``).
"""

from schemas.base import Record
from schemas.config import PRESETS, SynthConfig, load_preset
from schemas.core import (
    Check,
    History,
    HistoryItem,
    MCQQuery,
    OpenQuery,
    Option,
    Persona,
    Preference,
    Query,
    Scenario,
    Session,
    Signal,
    SpeakingStyle,
    Turn,
)

__all__ = [
    "PRESETS",
    "Check",
    "History",
    "HistoryItem",
    "MCQQuery",
    "OpenQuery",
    "Option",
    "Persona",
    "Preference",
    "Query",
    "Record",
    "Scenario",
    "Session",
    "Signal",
    "SpeakingStyle",
    "SynthConfig",
    "Turn",
    "load_preset",
]
