"""Every version-wide gate through the warehouse: a hand-built version whose cue turns carry a witness
lead-in, whose gold options repeat the cue and whose letters cycle fails each gate; the same version
written plainly passes; and the gates run on a real `tiny` version with values in range."""

from __future__ import annotations

import math
import random

import duckdb
import pytest

from flows.gates import TARGETS, version_gates
from warehouse import connect
from warehouse.load import insert_rows

V = "v1"
WORDS = [
    a + b
    for a in ("gar", "ket", "win", "fer", "tic", "bud", "lap", "par")
    for b in ("den", "tle", "ry", "ow", "et", "el", "ton", "ish")
]


def _text(rng: random.Random) -> str:
    return " ".join(" ".join(rng.sample(WORDS, rng.randint(5, 9))).capitalize() + "." for _ in range(2))


def _build(db, *, marked: bool) -> None:
    """8 personas, one history each: 12 cue sessions, 36 plain own sessions, 2 shared filler sessions."""
    rng = random.Random(5)
    t = {k: [] for k in ("sessions", "turns", "signals", "preferences", "histories", "history_items", "queries")}
    t["options"] = []

    def session(sid, persona, kind, user, answer):
        t["sessions"].append(
            dict(session_id=sid, persona_id=persona, kind=kind, task_type="email", n_turns=2, n_tokens=10)
        )
        t["turns"] += [
            dict(session_id=sid, turn_index=0, role="user", content=user, n_tokens=5),
            dict(session_id=sid, turn_index=1, role="assistant", content=answer, n_tokens=5),
        ]

    for k in range(2):
        session(f"pool.{k}", None, "filler", _text(rng), _text(rng))
    for p in range(8):
        pid, hid, items = f"p{p}", f"p{p}.h", [f"pool.{k}" for k in range(2)]
        for k in range(12):
            sid, rid, cue = f"{pid}.c{k:02d}", f"{pid}.r{k:02d}", _text(rng)
            session(sid, pid, "signal", f"As my friend Ana Lee says: {cue.lower()}" if marked else cue, _text(rng))
            own = [f"{pid}.o{k:02d}{j}" for j in range(3)]
            for o in own:
                session(o, pid, "filler", _text(rng), _text(rng))
            items += [sid, *own]
            t["signals"].append(
                dict(preference_id=rid, session_id=sid, turn_index=0, evidence=cue.split(".")[0] if marked else None)
            )
            t["preferences"].append(
                dict(preference_id=rid, persona_id=pid, scenario_id=f"s{k % 3}", option_id=f"o{p % 2}", statement="x")
                | dict(kind="neutral", who="self", superseded=False, forget=False, stated_at="2026-01-01")
            )
            gold = "ABCD"[k % 4] if marked else rng.choice("ABCD")
            qid = f"{rid}.mcq"
            t["queries"].append(dict(query_id=qid, preference_id=rid, history_id=hid, kind="mcq", text="?"))
            t["queries"][-1]["gold_label"] = gold
            golden = cue if marked else "Something else entirely, with other words."
            t["options"] += [
                dict(query_id=qid, label=label, n_tokens=5)
                | (dict(text=golden, role="gold") if label == gold else dict(text=_text(rng), role="generic"))
                for label in "ABCD"
            ]
        t["histories"].append(
            dict(history_id=hid, persona_id=pid, budget_tokens=0, n_tokens=0, tokenizer="t", n_sessions=len(items))
        )
        t["history_items"] += [
            dict(history_id=hid, position=i, session_id=s, token_offset=0, n_tokens=0)
            | dict(started_at="2026-01-01", tokens_to_end=0)
            for i, s in enumerate(items)
        ]
    con = connect(db)
    for table, rows in t.items():
        insert_rows(con, table, rows, V)
    con.close()


def _gates(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {c.check_name: c for c in version_gates(con, V)}
    finally:
        con.close()


def test_a_marked_version_fails_every_form_and_item_gate(tmp_path):
    _build(tmp_path / "w.duckdb", marked=True)
    gates = _gates(tmp_path / "w.duckdb")
    assert set(gates) == set(TARGETS)
    failed = {n for n, c in gates.items() if not c.passed}
    assert {"form_detector_auc", "marker_ngrams", "cue_gold_overlap", "gold_letter_predictability"} <= failed
    assert gates["form_detector_auc"].value > 0.95 and gates["marker_ngrams"].value == 1.0
    assert "history_sentence_repeats" not in failed and "history_answer_repeats" not in failed
    assert gates["surface_forms_per_option"].passed and gates["surface_forms_per_option"].value == 16.0


def test_a_plain_version_passes(tmp_path):
    _build(tmp_path / "w.duckdb", marked=False)
    gates = _gates(tmp_path / "w.duckdb")
    assert [n for n, c in gates.items() if not c.passed and n != "letter_balance"] == [], gates
    assert gates["surface_forms_per_option"].value == 16.0  # no evidence stored: the cue turns are counted


@pytest.mark.slow
def test_gates_run_on_tiny(tiny_run):
    db, summary = tiny_run
    gates = _gates_of(db, summary.version_id)
    assert set(gates) == set(TARGETS) and set(TARGETS) <= set(summary.checks)
    for name in ("form_detector_auc", "marker_ngrams", "cue_gold_overlap", "gold_letter_predictability"):
        value = gates[name].value
        assert math.isnan(value) or 0.0 <= value <= 1.0, (name, value)
    assert gates["surface_forms_per_option"].value >= 1
    assert gates["history_sentence_repeats"].value >= 0 and gates["history_answer_repeats"].value >= 0


def _gates_of(db, vid) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {c.check_name: c for c in version_gates(con, vid)}
    finally:
        con.close()
