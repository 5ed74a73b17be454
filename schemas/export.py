"""Render the JSON Schema of every contract model (pure: the CLI writes the files).

``tacit schemas export`` writes ``schemas/json/<Model>.json``; ``tacit schemas check`` and a test
compare the committed files with ``render_json_schemas()``.
"""

from __future__ import annotations

import json

from schemas.validation import CONTRACT, json_schema


def render_json_schemas() -> dict[str, str]:
    """File name -> file text for every contract model."""
    return {f"{name}.json": json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n" for name in CONTRACT}


def stale_files(existing: dict[str, str]) -> list[str]:
    """Names whose committed text (``existing``: name -> text) differs from the models, or is missing."""
    return sorted(name for name, text in render_json_schemas().items() if existing.get(name) != text)
