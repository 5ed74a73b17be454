"""Every version-wide validity gate (ARCHITECTURE §7) of one dataset version, in one call.

What: ``version_gates(con, vid)`` returns the SQL gates of ``warehouse.checks`` followed by the gates
judged in Python (``flows.stages.form_gates``, ``flows.stages.item_gates``) over inputs fetched by
``warehouse.gate_inputs``; ``TARGETS`` gives each gate's target as ``tacit report quality`` prints it.
Why: the synth flow records these rows and the quality report recomputes them with the same code.
How: ``python -m flows.gates [DB] [VERSION]`` prints them with the seconds each took.

``marker_ngrams`` reads the user turns of at most ``MARKER_HISTORIES`` histories (a seeded sample,
named in the detail, when a version has more): its cost grows with every user turn of every history.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import duckdb

from flows.stages.calendar_gate import CALENDAR_PATTERN, date_contradictions_check
from flows.stages.form_gates import form_detector_check, marker_ngrams_check, seeded_order, split_halves
from flows.stages.item_gates import cue_gold_overlap_check, letter_predictability_check, surface_forms_check
from schemas.core import Check
from warehouse import gate_inputs
from warehouse.checks import version_checks

GATE_SEED = 0
MARKER_HISTORIES = 300
DETECTOR_TEST_PERSONAS = 100
DETECTOR_MAX_SPLITS = 5
TARGETS = {
    "gold_uniquely_longest": "<= 0.27, or 0.25 + 2 se on few MCQs (PersonaMem-v2: 0.447)",
    "letter_balance": "<= 0.02 from 0.25 per letter",
    "referential_integrity": "0",
    "history_sentence_repeats": "0",
    "history_answer_repeats": "0",
    "form_detector_auc": "<= 0.65 (0.5 = chance)",
    "marker_ngrams": "<= 0.25",
    "cue_gold_overlap": "<= 0.40",
    "gold_letter_predictability": "at chance (0.25 + 3 sd)",
    "surface_forms_per_option": "report only",
    "date_contradictions": "<= 0.005",
}


def _marker_check(con: duckdb.DuckDBPyConnection, vid: str, subject: str, seed: int) -> Check:
    histories = gate_inputs.history_ids(con, vid)
    note = ""
    if len(histories) > MARKER_HISTORIES:
        note = f"a seeded sample of {MARKER_HISTORIES} of {len(histories)} histories"
        histories = sorted(seeded_order(histories, seed)[:MARKER_HISTORIES])
    return marker_ngrams_check(gate_inputs.history_user_turns(con, vid, histories), subject, note)


def detector_splits(n_personas: int) -> int:
    """How many persona splits the form detector averages: enough that their test halves hold
    ``DETECTOR_TEST_PERSONAS`` personas between them (one split from 200 personas), at most
    ``DETECTOR_MAX_SPLITS``: a 20-persona version's single split swings by +-0.03 of AUC."""
    return max(1, min(DETECTOR_MAX_SPLITS, math.ceil(DETECTOR_TEST_PERSONAS / max(1, n_personas // 2))))


def python_gates(
    con: duckdb.DuckDBPyConnection, vid: str, seed: int = GATE_SEED, timings: dict | None = None
) -> list[Check]:
    """The gates judged in Python, in ``TARGETS`` order; ``timings`` (if given) gets seconds per gate. The
    form detector (polars and numpy, which release the GIL) runs in a thread beside the marker n-grams
    (pure Python); its inputs are read first, so only this thread uses ``con``."""
    subject = f"version:{vid}"
    timings = {} if timings is None else timings

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        timings[name] = round(time.perf_counter() - t0, 3)
        return out

    personas = gate_inputs.persona_ids(con, vid)
    splits = range(seed, seed + detector_splits(len(personas)))
    populations = [gate_inputs.population(con, vid, split_halves(personas, s)) for s in splits]
    user_turns = gate_inputs.user_turns(con, vid)
    mcqs = gate_inputs.mcqs(con, vid)
    with ThreadPoolExecutor(1) as side:
        detector = side.submit(
            timed, "form_detector_auc", lambda: form_detector_check(user_turns, populations, subject)
        )
        rest = [
            timed("marker_ngrams", lambda: _marker_check(con, vid, subject, seed)),
            timed("cue_gold_overlap", lambda: cue_gold_overlap_check(mcqs, subject)),
            timed("gold_letter_predictability", lambda: letter_predictability_check(mcqs, subject, seed)),
            timed(
                "surface_forms_per_option",
                lambda: surface_forms_check(gate_inputs.surface_forms(con, vid), subject),
            ),
            timed(
                "date_contradictions",
                lambda: date_contradictions_check(*gate_inputs.calendar_turns(con, vid, CALENDAR_PATTERN), subject),
            ),
        ]
        return [detector.result(), *rest]


def _side_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection | None:
    """A second connection to ``con``'s database, selected as ``con`` is, for reads beside it; None for a
    lake (its catalog fails a reader while another connection commits: there the gates run one by one)."""
    ((database, schema, kind),) = con.execute(
        "SELECT current_database(), current_schema(), "
        "(SELECT type FROM duckdb_databases() WHERE database_name = current_database())"
    ).fetchall()
    if kind != "duckdb":
        return None
    cur = con.cursor()
    cur.execute(f'USE "{database}"."{schema}"')
    return cur


def version_gates(con: duckdb.DuckDBPyConnection, vid: str, timings: dict | None = None) -> list[Check]:
    """Every version-wide gate of ``vid``: SQL ones first, then the Python ones. On a DuckDB file the SQL
    gates (DuckDB's threads) run on a second connection while the Python ones run (measured on a
    100-persona `full`: 43 s one after the other)."""
    timings = {} if timings is None else timings

    def sql_gates(c):
        t0 = time.perf_counter()
        out = version_checks(c, vid)
        timings["sql_gates"] = round(time.perf_counter() - t0, 3)
        return out

    cur = _side_cursor(con)
    if cur is None:
        return sql_gates(con) + python_gates(con, vid, timings=timings)
    try:
        with ThreadPoolExecutor(1) as side:
            sql = side.submit(sql_gates, cur)
            python = python_gates(con, vid, timings=timings)
            return sql.result() + python
    finally:
        cur.close()


if __name__ == "__main__":
    import sys

    from warehouse import connect
    from warehouse.history import resolve_version

    con = connect(sys.argv[1] if len(sys.argv) > 1 else "data/tacit.duckdb", read_only=True)
    vid = resolve_version(con, sys.argv[2] if len(sys.argv) > 2 else None)
    seconds: dict[str, float] = {}
    for c in version_gates(con, vid, seconds):
        print(f"{'ok  ' if c.passed else 'FAIL'} {c.check_name} = {c.value:.4f}  {c.detail}")
    print("seconds:", seconds)
