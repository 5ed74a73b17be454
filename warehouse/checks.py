"""Version-wide validity gates, computed in SQL once every shard is in (ARCHITECTURE §7).

- ``gold_uniquely_longest``: share of MCQs whose gold option is strictly the longest (PersonaMem-v2:
  44.7%; target <= 27%, chance is 25%, or chance plus two standard errors on a version with few MCQs);
- ``letter_balance``: largest distance of any gold letter's share from 25% (target <= 2 points, or one
  query per letter when there are too few MCQs for that);
- ``referential_integrity``: queries, signals and history items that point at nothing (target 0);
- ``history_sentence_repeats``: (history, sentence) pairs where a sentence of six or more words occurs in
  two or more different sessions of that one history, user and assistant turns, any session kind
  (target 0). A turn is split into lines, each line after ``.``, ``!`` or ``?`` (with any closing quotes
  or brackets) followed by whitespace; sentences are compared lowercased with whitespace collapsed.
  Greetings and sign-offs are five words or fewer and may recur. Across histories (or personas)
  sentences may repeat: issue 11 item 8 withdrew the version-wide rule;
- ``history_answer_repeats``: (history, answer) pairs where one assistant turn's whole content
  (lowercased, whitespace collapsed) occurs in two or more different sessions of one history (target 0).

Both run over every history in SQL: only sentences (answers) found in two or more sessions anywhere
are joined back to ``history_items``, so the work stays small on ``full``. The gates that need Python
(form detector, marker n-grams, cue/gold overlap, letter predictability, surface forms) live in
``flows.stages.form_gates`` / ``flows.stages.item_gates`` with their inputs fetched by
``warehouse.gate_inputs``; ``flows.gates.version_gates`` runs all of them.
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

HISTORY_SENTENCE_REPEATS = """
WITH placed AS (SELECT DISTINCT session_id FROM history_items WHERE version_id = $v),
turn_text AS (
    SELECT t.session_id, regexp_replace(lower(t.content), '([.!?]["'')\\]]*)\\s+', '\\1' || chr(10), 'g') AS text
    FROM turns t SEMI JOIN placed USING (session_id)
    WHERE t.version_id = $v AND t.role IN ('user', 'assistant')),
sentences AS (
    SELECT DISTINCT session_id, trim(CASE WHEN contains(line, '  ') OR contains(line, chr(9))
                                              OR contains(line, chr(12)) OR contains(line, chr(13))
                                          THEN regexp_replace(line, '\\s+', ' ', 'g') ELSE line END) AS sentence
    FROM (SELECT session_id, unnest(string_split(text, chr(10))) AS line FROM turn_text)),
long AS (
    SELECT session_id, sentence, hash(sentence) AS h FROM sentences
    WHERE strlen(sentence) - strlen(replace(sentence, ' ', '')) >= $short),
anywhere AS (SELECT h FROM long GROUP BY h HAVING count(*) > 1),
per_history AS (
    SELECT i.history_id, l.h, any_value(l.sentence) AS sentence, count(DISTINCT l.session_id) AS n_sessions
    FROM long l SEMI JOIN anywhere USING (h)
    JOIN history_items i ON i.version_id = $v AND i.session_id = l.session_id
    GROUP BY i.history_id, l.h HAVING count(DISTINCT l.session_id) > 1)
SELECT count(*), count(DISTINCT history_id), coalesce(max(n_sessions), 0),
       coalesce(arg_max(sentence, n_sessions), '') FROM per_history
"""
"""A sentence of more than ``$short`` words: as many spaces, counted without making a list of its words, and
a tab, form feed or carriage return found without a regular expression (a fifth of the gate's time on
``full``)."""

HISTORY_ANSWER_REPEATS = """
WITH placed AS (SELECT DISTINCT session_id FROM history_items WHERE version_id = $v),
bare AS (
    SELECT t.session_id, t.content, hash(replace(replace(replace(replace(replace(lower(t.content),
        ' ', ''), chr(10), ''), chr(9), ''), chr(13), ''), chr(12), '')) AS k
    FROM turns t SEMI JOIN placed USING (session_id)
    WHERE t.version_id = $v AND t.role = 'assistant'),
maybe AS (SELECT k FROM bare GROUP BY k HAVING count(DISTINCT session_id) > 1),
answers AS (
    SELECT DISTINCT b.session_id, trim(regexp_replace(lower(b.content), '\\s+', ' ', 'g')) AS answer
    FROM bare b SEMI JOIN maybe USING (k)),
hashed AS (SELECT session_id, answer, hash(answer) AS h FROM answers),
anywhere AS (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1),
per_history AS (
    SELECT i.history_id, a.h, any_value(a.answer) AS answer, count(DISTINCT a.session_id) AS n_sessions
    FROM hashed a SEMI JOIN anywhere USING (h)
    JOIN history_items i ON i.version_id = $v AND i.session_id = a.session_id
    GROUP BY i.history_id, a.h HAVING count(DISTINCT a.session_id) > 1)
SELECT count(*), count(DISTINCT history_id), coalesce(max(n_sessions), 0),
       coalesce(arg_max(answer, n_sessions), '') FROM per_history
"""
"""Answers equal once lowercased with whitespace collapsed. Only answers that are equal with every whitespace
character removed (what ``\\s`` matches: space, newline, tab, carriage return, form feed) can be; the cheap
``replace`` finds those, and only they go through the regular expression (half the gate's time on ``full``)."""


def history_repeats(con: duckdb.DuckDBPyConnection, vid: str, what: str = "sentences") -> tuple[int, int, int, str]:
    """(repeated (history, sentence|answer) pairs, histories with one, the most sessions of one history
    that one of them occurs in, that sentence or answer). ``what``: "sentences" or "answers"."""
    sql = HISTORY_SENTENCE_REPEATS if what == "sentences" else HISTORY_ANSWER_REPEATS
    con.execute("SET enable_progress_bar = false")  # ~10 s on `full`: no bar over the flow's own display
    return con.execute(sql, {"v": vid, "short": SHORT_SENTENCE_WORDS} if what == "sentences" else {"v": vid}).fetchone()


def longest_bound(n_mcq: int) -> float:
    """The ``gold_uniquely_longest`` target: 0.27, or 0.25 + 2 standard errors of a share over ``n_mcq``
    MCQs where that is wider (on ``small``'s ~240 MCQs one query moves the share by 0.004, and chance
    alone lands above 0.27 about a third of the time; on ``full`` the bound is 0.27)."""
    return max(0.27, 0.25 + 2 * (0.25 * 0.75 / max(1, n_mcq)) ** 0.5)


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
    n_sent, h_sent, widest_sent, sentence = history_repeats(con, vid, "sentences")
    n_ans, h_ans, widest_ans, answer = history_repeats(con, vid, "answers")
    subject = f"version:{vid}"
    return [
        Check(
            check_name="gold_uniquely_longest",
            subject_id=subject,
            passed=longest <= longest_bound(n),
            value=longest,
            detail=f"share of MCQs whose gold option is strictly the longest (target <= {longest_bound(n):.3f}: "
            f"0.27, or chance plus two standard errors over {n} MCQs where that is wider)",
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
            check_name="history_sentence_repeats",
            subject_id=subject,
            passed=n_sent == 0,
            value=float(n_sent),
            detail=f"(history, sentence) pairs: a sentence of {SHORT_SENTENCE_WORDS + 1}+ words in two or more "
            f"sessions of one history (target 0); {h_sent} histories"
            + (f"; widest in {widest_sent} sessions: {sentence[:120]!r}" if n_sent else ""),
        ),
        Check(
            check_name="history_answer_repeats",
            subject_id=subject,
            passed=n_ans == 0,
            value=float(n_ans),
            detail=f"(history, answer) pairs: an assistant turn repeated word for word in two or more sessions of "
            f"one history (target 0); {h_ans} histories"
            + (f"; widest in {widest_ans} sessions: {answer[:120]!r}" if n_ans else ""),
        ),
    ]
