"""The taxonomy: scenarios, persona attribute distributions, task types and filler seeds, as data.

Files (YAML, validated against the JSON Schema of ``schemas.taxonomy`` on load, then cross-checked):
- ``scenarios/<domain>.yaml``: domains -> scenarios -> contrasting preference options
- ``persona_attributes.yaml``: weighted demographic tables, names, traits, speaking styles
- ``task_types.yaml``: the tasks signal sessions are about, with phrasing banks
- ``filler.yaml``: seeds for off-topic and generic sessions

``load_taxonomy()`` is cached; ``Taxonomy.content_hash`` is part of the dataset version id, so editing
any file yields a new version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from schemas.taxonomy import (
    DEMOGRAPHIC_FIELDS,
    DomainSpec,
    FillerSpec,
    PersonaAttributes,
    ScenarioSpec,
    TaskTypeSpec,
)
from schemas.validation import RecordError, validate_record

TAXONOMY_DIR = Path(__file__).resolve().parent


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Taxonomy:
    domains: tuple[DomainSpec, ...]
    attributes: PersonaAttributes
    task_types: tuple[TaskTypeSpec, ...]
    filler: FillerSpec
    content_hash: str
    scenarios: dict[str, ScenarioSpec] = field(default_factory=dict)
    domain_of: dict[str, str] = field(default_factory=dict)

    def scenario_ids(self) -> list[str]:
        return list(self.scenarios)


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read YAML: {exc}") from exc


def _validated(path: Path, data, name: str):
    try:
        return validate_record(data, name, str(path))
    except RecordError as exc:
        raise TaxonomyError(str(exc)) from exc


def _allowed_values(attrs: PersonaAttributes) -> dict[str, set[str]]:
    allowed = {k: {c.value for c in getattr(attrs, k)} for k in DEMOGRAPHIC_FIELDS if k != "country"}
    allowed["country"] = {p.country for p in attrs.places}
    return allowed


def _cross_check(domains: list[tuple[Path, DomainSpec]], attrs: PersonaAttributes) -> None:
    allowed = _allowed_values(attrs)
    seen: dict[str, Path] = {}
    for path, dom in domains:
        for sc in dom.scenarios:
            if sc.id in seen:
                raise TaxonomyError(f"{path}: scenario id {sc.id!r} already defined in {seen[sc.id]}")
            seen[sc.id] = path
            for opt in sc.options:
                for key, values in opt.stereotype.items():
                    bad = set(values) - allowed[key]
                    if bad:
                        raise TaxonomyError(
                            f"{path}: {sc.id}.{opt.id}.stereotype.{key}: unknown values "
                            f"{sorted(bad)} (not in persona_attributes.yaml)"
                        )


def _hash_files(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(paths):
        digest.update(str(p.relative_to(root)).encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


def load_taxonomy(root: Path | str | None = None) -> Taxonomy:
    """Load and validate every taxonomy file under ``root`` (default: this package)."""
    return _load(Path(root).resolve() if root else TAXONOMY_DIR)


@cache
def _load(root: Path) -> Taxonomy:
    scenario_files = sorted((root / "scenarios").glob("*.yaml"))
    if not scenario_files:
        raise TaxonomyError(f"{root / 'scenarios'}: no scenario files (*.yaml)")
    domains = [(p, _validated(p, _read_yaml(p), "DomainSpec")) for p in scenario_files]
    attrs_path = root / "persona_attributes.yaml"
    attrs = _validated(attrs_path, _read_yaml(attrs_path), "PersonaAttributes")
    tt_path = root / "task_types.yaml"
    raw_tt = _read_yaml(tt_path)
    if not isinstance(raw_tt, dict) or "task_types" not in raw_tt:
        raise TaxonomyError(f"{tt_path}: field 'task_types': required list is missing")
    task_types = [_validated(tt_path, t, "TaskTypeSpec") for t in raw_tt["task_types"]]
    filler_path = root / "filler.yaml"
    filler = _validated(filler_path, _read_yaml(filler_path), "FillerSpec")
    _cross_check(domains, attrs)
    files = [*scenario_files, attrs_path, tt_path, filler_path]
    tax = Taxonomy(
        domains=tuple(d for _, d in domains),
        attributes=attrs,
        task_types=tuple(task_types),
        filler=filler,
        content_hash=_hash_files(files, root),
    )
    for dom in tax.domains:
        for sc in dom.scenarios:
            tax.scenarios[sc.id] = sc
            tax.domain_of[sc.id] = dom.domain
    return tax
