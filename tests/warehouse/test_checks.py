"""sentences_unique_across_sessions: a sentence of six or more words in two signal sessions is caught;
short greetings, filler, forget requests and repeats within one session are not counted."""

from __future__ import annotations

from warehouse import connect
from warehouse.checks import shared_sentences, version_checks

V = "v1"


def _session(con, sid: str, kind: str, *turns: str) -> None:
    con.execute("INSERT INTO sessions VALUES (?, ?, 'p1', ?, 'chat_message', NULL, ?, 0)", [V, sid, kind, len(turns)])
    for i, text in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        con.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, 0)", [V, sid, i, role, text])


def _check(con):
    return next(c for c in version_checks(con, V) if c.check_name == "sentences_unique_across_sessions")


def test_unique_sentences_pass_and_exemptions_hold(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    repeated = "This exact sentence has seven words."
    _session(con, "a", "signal", "Hi there! Talk soon, okay? " + repeated, "Sure thing. " + repeated)
    _session(con, "b", "update", "Hi there! Talk soon, okay? Another line for Ana Ruiz here.", "Sure thing.")
    _session(con, "f", "filler", repeated, repeated)  # the shared filler pool may repeat
    _session(con, "g", "forget", repeated, "Understood.")  # forget requests are not signal sessions
    assert shared_sentences(con, V)[0] == 0
    check = _check(con)
    assert check.passed and check.value == 0


def test_a_shared_sentence_is_caught_whatever_its_case_and_spacing(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _session(con, "a", "signal", "Could you help me with this today? Thanks.", "Here is a reply for Ana Ruiz.")
    _session(con, "b", "signal", "Fine.", "Okay!\n\nhere  is a REPLY for ana ruiz.")
    n, widest, example = shared_sentences(con, V)
    assert (n, widest, example) == (1, 2, "here is a reply for ana ruiz.")
    check = _check(con)
    assert not check.passed and check.value == 1 and "ana ruiz" in check.detail
