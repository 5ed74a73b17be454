"""The LLM cost ledger of a run, per stage and call site, from ``llm_calls`` and ``raw_failed_calls``.

``tacit synth`` prints it at the end of an openai-backed run and ``tacit report cost [--run R]`` prints
it for any run. Every row of ``llm_calls`` names the run that paid for it (cache hits cost nothing and
add no row); failed calls cost money too, so they are counted from ``raw_failed_calls``. Dollars are the
ones recorded when the call was made, at the price table of that run (``llm/prices.yaml`` or ``--prices``).
"""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, ConfigDict

# which synth stage asks each call site (the report groups by both)
STAGE_OF_SITE = {
    "persona_profile": "personas",
    "signal_session": "conversations",
    "filler_session": "filler",
    "query_options": "queries",
    "leakage_judge": "quality",
}


class SiteCost(BaseModel):
    model_config = ConfigDict(frozen=True)
    stage: str
    call_site: str
    calls: int
    failed: int
    tokens_in: int
    tokens_out: int
    cost_usd: float


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {table} LIMIT 0")
    except duckdb.Error:
        return False
    return True


def _calls_sql(con: duckdb.DuckDBPyConnection) -> str:
    ok = "SELECT run_id, call_site, false AS failed, tokens_in, tokens_out, cost_usd FROM llm_calls"
    if _has(con, "raw_failed_calls"):
        return f"{ok} UNION ALL SELECT run_id, call_site, true, tokens_in, tokens_out, cost_usd FROM raw_failed_calls"
    return ok


def latest_llm_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest run that made an LLM call (None if there is none)."""
    row = con.execute(
        f"SELECT c.run_id FROM ({_calls_sql(con)}) c LEFT JOIN runs r USING (run_id) "
        "GROUP BY c.run_id ORDER BY max(r.started_at) DESC NULLS LAST LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def cost_by_site(con: duckdb.DuckDBPyConnection, run_id: str) -> list[SiteCost]:
    """One row per call site the run paid for, in stage order."""
    rows = con.execute(
        f"SELECT call_site, count(*) FILTER (WHERE NOT failed), count(*) FILTER (WHERE failed), "
        f"coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), coalesce(sum(cost_usd), 0) "
        f"FROM ({_calls_sql(con)}) WHERE run_id = ? GROUP BY call_site",
        [run_id],
    ).fetchall()
    order = list(STAGE_OF_SITE)
    out = [
        SiteCost(
            stage=STAGE_OF_SITE.get(s, "-"), call_site=s, calls=c, failed=f, tokens_in=ti, tokens_out=to, cost_usd=d
        )
        for s, c, f, ti, to, d in rows
    ]
    return sorted(out, key=lambda r: (order.index(r.call_site) if r.call_site in order else len(order), r.call_site))
