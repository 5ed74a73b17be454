"""Version-wide validity gates, computed in SQL once every shard is in (ARCHITECTURE §7).

- ``gold_uniquely_longest``: share of MCQs whose gold option is strictly the longest (PersonaMem-v2:
  44.7%; target <= 27%, chance is 25%);
- ``letter_balance``: largest distance of any gold letter's share from 25% (target <= 2 points, or one
  query per letter when there are too few MCQs for that);
- ``referential_integrity``: queries, signals and history items that point at nothing (target 0);
- ``sentences_unique_across_sessions``: sentences of more than five words that occur in more than one
  signal session (kind ``signal`` or ``update``, user and assistant turns), across the whole version
  (target 0). A turn is split into lines, each line after ``.``, ``!`` or ``?`` (with any closing quotes
  or brackets) followed by whitespace; sentences are compared lowercased with whitespace collapsed.
  Sentences of five words or fewer are short greetings, sign-offs and stock phrases ("Hi Ana,",
  "Talk soon.", "Any ideas?") and may recur. Filler sessions are a shared pool, reused across personas
  by design, and forget requests are not signal sessions: neither is counted. ``llm.details`` documents
  why the offline generator meets this by construction (``split_sentences`` is the same rule in Python).
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

SHORT_SENTENCE_WORDS = 5

SHARED_SENTENCES = """
WITH turn_text AS (
    SELECT t.session_id, regexp_replace(lower(t.content), '([.!?]["'')\\]]*)\\s+', '\\1' || chr(10), 'g') AS text
    FROM turns t JOIN sessions s USING (version_id, session_id)
    WHERE t.version_id = $v AND s.kind IN ('signal', 'update') AND t.role IN ('user', 'assistant')),
sentences AS (
    SELECT session_id, trim(regexp_replace(unnest(string_split(text, chr(10))), '\\s+', ' ', 'g')) AS sentence
    FROM turn_text),
shared AS (
    SELECT sentence, count(DISTINCT session_id) AS n_sessions FROM sentences
    WHERE len(string_split(sentence, ' ')) > $short GROUP BY sentence HAVING count(DISTINCT session_id) > 1)
SELECT count(*), coalesce(max(n_sessions), 0), coalesce(arg_max(sentence, n_sessions), '') FROM shared
"""


def shared_sentences(con: duckdb.DuckDBPyConnection, vid: str) -> tuple[int, int, str]:
    """(sentences of more than five words found in two or more signal sessions, the most sessions one
    such sentence occurs in, that sentence)."""
    return con.execute(SHARED_SENTENCES, {"v": vid, "short": SHORT_SENTENCE_WORDS}).fetchone()


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
    n_shared, widest, example = shared_sentences(con, vid)
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
        Check(
            check_name="sentences_unique_across_sessions",
            subject_id=subject,
            passed=n_shared == 0,
            value=float(n_shared),
            detail=f"sentences of {SHORT_SENTENCE_WORDS + 1}+ words in two or more signal sessions (target 0)"
            + (f"; most widespread in {widest} sessions: {example[:120]!r}" if n_shared else ""),
        ),
    ]
