"""The ``date_contradictions`` gate: placed sessions whose months or seasons contradict their own date.

What: for every (history, session) placement, the user turns' calendar words (``llm.timing``) must allow
the month the history dates the session in: "In July I spotted ..." on 1 April, "my leave in May" still
ahead in June, "this winter I've ..." in July all count. Value: the share of placements that contradict;
target <= 0.005 (a careful reader of a 32k history, about 60 sessions, meets none in most histories).
Why: a reader who notices that a history's dates do not hold together stops trusting it, and a dated
cue that contradicts its date is a tell. The rules are word rules and read some plans as past events
(they then only narrow where a sentence may go), so the gate errs towards counting too many.
How: ``python -m flows.gates`` prints it with the other gates.
"""

from __future__ import annotations

import polars as pl

from llm.timing import MONTH_WORDS, SIGN_PATTERN, text_months
from schemas.core import Check

TARGET = 0.005


def date_contradictions_check(turns: pl.DataFrame, placements: int, subject: str) -> Check:
    """``turns``: history_id, session_id, started_at, content (user turns with calendar words)."""
    bad: dict[tuple[str, str], str] = {}
    for history_id, session_id, started_at, content in turns.iter_rows():
        if started_at.month not in text_months(content):
            bad.setdefault((history_id, session_id), f"{started_at:%d %B}: {content[:100]!r}")
    value = len(bad) / placements if placements else 0.0
    example = next(iter(sorted(bad.items())), None)
    return Check(
        check_name="date_contradictions",
        subject_id=subject,
        passed=value <= TARGET,
        value=value,
        detail=f"{len(bad)} of {placements} placed sessions name a month or season their date contradicts "
        f"(target <= {TARGET})" + (f"; e.g. {example[0][1]} in {example[0][0]}, {example[1]}" if example else ""),
    )


CALENDAR_PATTERN = r"(?i)\b(" + "|".join(MONTH_WORDS) + r")\b|" + SIGN_PATTERN
"""The user turns worth reading (DuckDB's regexp_matches): those that name a month, a season or Easter,
or carry a sign of a time of year ("heavy snow on Saturday")."""
