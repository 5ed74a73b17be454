"""The lineage artifact is plain markdown (Prefect's UI shows Mermaid as source): a top-down tree."""

from __future__ import annotations

from flows.lineage import lineage_markdown, lineage_tree
from warehouse.lineage import SYNTH_LINEAGE


def test_tree_lists_every_table_once_expanded_under_its_roots():
    lines = lineage_tree({"a": ["config"], "b": ["a"], "c": ["a", "b"]}, {"a": 3, "c": 1200})
    assert lines == [
        "- **config**",
        "  - **a** (3 rows)",
        "    - **b**",
        "      - **c** (1,200 rows)",
        "    - c (above)",
    ]


def test_synth_lineage_markdown_has_no_mermaid_and_names_every_table():
    text = lineage_markdown("v1", {t: 1 for t in SYNTH_LINEAGE})
    assert "mermaid" not in text and "```" not in text
    expanded = [line for line in text.splitlines() if line.lstrip().startswith("- **")]
    assert sorted(line.split("**")[1] for line in expanded) == sorted(["config", *SYNTH_LINEAGE])
