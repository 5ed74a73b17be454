"""Publish a synth version's lineage: warehouse rows, Prefect assets, and UI artifacts.

For every table of the version, a materializing task (``prefect.assets.materialize``) emits an asset
event keyed ``duckdb://<warehouse file>/<table>`` whose upstream assets are the tables it was built from
(and the run's config, ``tacit://config/<version>``), with rows, content hash and version as metadata.
The open-source server keeps these as events only (no asset graph in its UI), so the run also
publishes a markdown lineage artifact and a table artifact of row counts; the warehouse keeps the same
graph in ``artifacts`` / ``lineage_edges`` for ``tacit lineage``.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.assets import Asset, AssetProperties, add_asset_metadata, materialize
from prefect.cache_policies import NO_CACHE

from warehouse.lineage import SYNTH_LINEAGE, artifact_rows, config_uri, table_uri
from warehouse.load import write_unit


def _upstream(db: str, version_id: str, parents: list[str]) -> list[Asset]:
    return [Asset(key=config_uri(version_id)) if p == "config" else Asset(key=table_uri(db, p)) for p in parents]


def _emit_asset(db: str, version_id: str, table: str, parents: list[str], meta: dict) -> None:
    asset = Asset(key=table_uri(db, table), properties=AssetProperties(name=table, description=f"Tacit table {table}"))

    @materialize(
        asset, asset_deps=_upstream(db, version_id, parents), name=f"materialize_{table}", cache_policy=NO_CACHE
    )
    def _materialized() -> None:
        add_asset_metadata(asset, meta)

    _materialized()


def lineage_tree(edges: dict[str, list[str]], counts: dict[str, int]) -> list[str]:
    """Markdown nested-list lines of the DAG ``edges`` (table -> parents), top-down from its roots: each
    table under each of its parents, expanded once (later mentions say ``(above)``). Plain markdown,
    because Prefect's UI shows a Mermaid block as its source text."""
    children: dict[str, list[str]] = {}
    for table, parents in edges.items():
        for parent in parents:
            children.setdefault(parent, []).append(table)
    roots = sorted({p for ps in edges.values() for p in ps if p not in edges})
    lines: list[str] = []
    seen: set[str] = set()

    def walk(node: str, depth: int) -> None:
        rows = f" ({counts[node]:,} rows)" if node in counts else ""
        if node in seen:
            lines.append(f"{'  ' * depth}- {node} (above)")
            return
        seen.add(node)
        lines.append(f"{'  ' * depth}- **{node}**{rows}")
        for child in children.get(node, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def lineage_markdown(version_id: str, counts: dict[str, int]) -> str:
    lines = [f"# Lineage of dataset version `{version_id}`", "", "Each table under what it was built from:", ""]
    lines += lineage_tree(SYNTH_LINEAGE, counts)
    lines += ["", "| table | rows | built from |", "|---|---|---|"]
    lines += [f"| {t} | {counts.get(t, 0):,} | {', '.join(ps)} |" for t, ps in SYNTH_LINEAGE.items()]
    lines += ["", "Ancestors of any table: `tacit lineage <table>`."]
    return "\n".join(lines)


def publish_lineage(con, db: str, version_id: str, run_id: str, config_json: str) -> int:
    """Write lineage rows once per version and emit assets and artifacts for this run."""
    rows = artifact_rows(con, db, version_id, run_id, config_json)
    written = write_unit(con, version_id, "lineage", rows, run_id)
    by_name = {a["name"]: a for a in rows["artifacts"]}
    for table, parents in SYNTH_LINEAGE.items():
        art = by_name[table]
        _emit_asset(
            db,
            version_id,
            table,
            parents,
            {"version_id": version_id, "rows": art["n_rows"], "content_hash": art["content_hash"]},
        )
    counts = {name: a["n_rows"] for name, a in by_name.items() if a["kind"] == "table"}
    key = "synth-" + version_id.lower()
    create_markdown_artifact(
        lineage_markdown(version_id, counts), key=f"{key}-lineage", description=f"Lineage of {version_id}"
    )
    create_table_artifact(
        [{"table": t, "rows": n} for t, n in counts.items()],
        key=f"{key}-counts",
        description=f"Rows per table in {version_id}",
    )
    return written
