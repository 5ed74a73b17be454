"""Version-wide validity gates, computed in SQL once every shard is in (ARCHITECTURE §7).

- ``gold_uniquely_longest``: share of MCQs whose gold option is strictly the longest (PersonaMem-v2:
  44.7%; target <= 27%, chance is 25%);
- ``letter_balance``: largest distance of any gold letter's share from 25% (target <= 2 points, or one
  query per letter when there are too few MCQs for that);
- ``referential_integrity``: queries, signals and history items that point at nothing (target 0).
"""

from __future__ import annotations

import duckdb

from schemas.core import Check

GOLD_UNIQUELY_LONGEST = """
WITH ranked AS (
    SELECT query_id, role, length(text) AS len,
           max(length(text)) OVER (PARTITION BY query_id) AS longest,
           count(*) OVER (PARTITION BY query_id, length(text)) AS ties
    FROM options WHERE version_id = $v)
SELECT coalesce(avg(CASE WHEN role = 'gold' AND len = longest AND ties = 1 THEN 1.0 ELSE 0.0 END) * 4, 0)
FROM ranked
"""

LETTER_COUNTS = """
SELECT gold_label, count(*) FROM queries WHERE version_id = $v AND kind = 'mcq' GROUP BY gold_label
"""

DANGLING = """
SELECT
  (SELECT count(*) FROM queries q WHERE q.version_id = $v AND NOT EXISTS
     (SELECT 1 FROM preferences p WHERE p.version_id = $v AND p.preference_id = q.preference_id)) +
  (SELECT count(*) FROM queries q WHERE q.version_id = $v AND NOT EXISTS
     (SELECT 1 FROM histories h WHERE h.version_id = $v AND h.history_id = q.history_id)) +
  (SELECT count(*) FROM signals s WHERE s.version_id = $v AND NOT EXISTS
     (SELECT 1 FROM turns t WHERE t.version_id = $v AND t.session_id = s.session_id AND t.turn_index = s.turn_index)) +
  (SELECT count(*) FROM history_items i WHERE i.version_id = $v AND NOT EXISTS
     (SELECT 1 FROM sessions s WHERE s.version_id = $v AND s.session_id = i.session_id))
"""


def version_checks(con: duckdb.DuckDBPyConnection, vid: str) -> list[Check]:
    longest = con.execute(GOLD_UNIQUELY_LONGEST, {"v": vid}).fetchone()[0]
    counts = dict(con.execute(LETTER_COUNTS, {"v": vid}).fetchall())
    n = sum(counts.values())
    shares = {L: counts.get(L, 0) / n if n else 0.0 for L in "ABCD"}
    worst = max(abs(s - 0.25) for s in shares.values())
    # Within 2 points of 25%; with few MCQs (tiny) exact balance may be impossible, so one query of
    # slack per letter is allowed: |count - n/4| <= max(0.02 n, 1).
    balanced = all(abs(counts.get(L, 0) - n / 4) <= max(0.02 * n, 1) for L in "ABCD")
    dangling = con.execute(DANGLING, {"v": vid}).fetchone()[0]
    subject = f"version:{vid}"
    return [
        Check(
            check_name="gold_uniquely_longest",
            subject_id=subject,
            passed=longest <= 0.27,
            value=longest,
            detail="share of MCQs whose gold option is strictly the longest (target <= 0.27)",
        ),
        Check(
            check_name="letter_balance",
            subject_id=subject,
            passed=balanced,
            value=worst,
            detail="max |share(letter) - 0.25| over A-D: "
            + ", ".join(f"{k}={v:.3f}" for k, v in sorted(shares.items())),
        ),
        Check(
            check_name="referential_integrity",
            subject_id=subject,
            passed=dangling == 0,
            value=float(dangling),
            detail="queries, signals and history items pointing at no row",
        ),
    ]
