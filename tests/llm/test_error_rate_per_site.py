"""The error-rate stop also reads each call site alone: a site that fails throughout stops the run even
when many calls of other sites went through (the run's overall rate alone could stay under the cap)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from llm.call_records import CallRecords
from llm.calls import ErrorRateExceeded, Ledger, MemoryStore


def _records() -> CallRecords:
    rec = CallRecords()
    rec.model, rec.params, rec.run_id = "m", {}, None
    rec.store, rec.ledger, rec.min_calls, rec.max_error_rate, rec._stop = MemoryStore(), Ledger(), 20, 0.05, None
    return rec


def _fail(rec: CallRecords, site: str, n: int) -> None:
    prompt = NS(prompt_id="p", prompt_sha="s", messages=[])
    for i in range(n):
        rec.fail(NS(name=site), NS(key=f"{site}.{i}"), f"{site}:{i}", prompt, "", (0, 0), "bad", 1)


def test_a_site_failing_throughout_stops_the_run_while_the_overall_rate_is_low():
    rec = _records()
    for _ in range(600):  # many good calls of another site
        rec.ledger.count("filler_session")
    _fail(rec, "signal_session", 25)  # 25 of 625 overall: 4%, under the 5% cap; 100% of the site
    with pytest.raises(ErrorRateExceeded, match="signal_session calls"):
        rec.check_error_rate()


def test_a_few_failures_of_a_small_site_do_not_stop_the_run():
    rec = _records()
    for _ in range(600):
        rec.ledger.count("filler_session")
    _fail(rec, "persona_profile", 3)  # under min_calls for the site, 0.5% overall
    rec.check_error_rate()
