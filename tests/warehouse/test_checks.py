"""history_sentence_repeats and history_answer_repeats: a sentence of six or more words (or a whole
assistant answer) in two sessions of one history is caught; the same across histories, short greetings
and repeats inside one session are not."""

from __future__ import annotations

from warehouse import connect
from warehouse.checks import history_repeats, version_checks

V = "v1"


def _session(con, sid: str, kind: str, *turns: str) -> None:
    persona = None if kind == "filler" else "p1"
    con.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, 'chat_message', NULL, ?, 0)", [V, sid, persona, kind, len(turns)]
    )
    for i, text in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        con.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, 0)", [V, sid, i, role, text])


def _history(con, hid: str, *sessions: str) -> None:
    for pos, sid in enumerate(sessions):
        con.execute("INSERT INTO history_items VALUES (?, ?, ?, ?, 0, 0, now(), 0)", [V, hid, pos, sid])


def _checks(con) -> dict:
    return {c.check_name: c for c in version_checks(con, V)}


def test_repeats_across_histories_greetings_and_one_session_pass(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    repeated = "This exact sentence has seven words."
    _session(con, "a", "signal", "Hi there! Talk soon, okay? " + repeated, "Sure thing. " + repeated)
    _session(con, "b", "update", "Hi there! Talk soon, okay? Another line for Ana Ruiz here.", "Sure thing.")
    _session(con, "f", "filler", repeated, "A filler answer that nobody repeats at all.")
    _history(con, "h1", "a", "b")
    _history(con, "h2", "f", "b")  # the sentence of `a` is in h2 too, but once per history
    assert history_repeats(con, V, "sentences")[0] == 0
    assert history_repeats(con, V, "answers")[0] == 0
    checks = _checks(con)
    assert checks["history_sentence_repeats"].passed and checks["history_sentence_repeats"].value == 0
    assert checks["history_answer_repeats"].passed
    assert "sentences_unique_across_sessions" not in checks  # withdrawn (issue 11 item 8)


def test_a_sentence_in_two_sessions_of_one_history_fails_whatever_its_case(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _session(con, "a", "signal", "Could you help me with this today? Thanks.", "Here is a reply for Ana Ruiz.")
    _session(con, "f", "filler", "Fine.", "Okay!\n\nhere  is a REPLY for ana ruiz.")
    _session(con, "g", "filler", "Fine again.", "Sure.\tHere is a reply\tfor ana ruiz.")  # tabs are spaces
    _history(con, "h1", "a", "f", "g")
    _history(con, "h2", "a")
    assert history_repeats(con, V, "sentences") == (1, 1, 3, "here is a reply for ana ruiz.")
    check = _checks(con)["history_sentence_repeats"]
    assert not check.passed and check.value == 1 and "ana ruiz" in check.detail


def test_an_answer_repeated_word_for_word_in_one_history_fails(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    answer = "Entropy counts arrangements."  # short: only the answer rule sees it
    _session(con, "f1", "filler", "What is entropy?", answer)
    _session(con, "f2", "filler", "Explain entropy again?", answer + "  ")
    _history(con, "h1", "f1", "f2")
    _history(con, "h2", "f1")
    assert history_repeats(con, V, "answers")[:3] == (1, 1, 2)
    checks = _checks(con)
    assert not checks["history_answer_repeats"].passed and "entropy counts" in checks["history_answer_repeats"].detail
    assert checks["history_sentence_repeats"].passed


def test_answers_differing_only_in_case_and_whitespace_repeat_and_others_do_not(tmp_path):
    """The answer rule collapses whitespace and case, and only that: line breaks, tabs and doubled spaces
    inside an answer, or its case, do not make it new, while a changed letter or comma does."""
    con = connect(tmp_path / "w.duckdb")
    _session(con, "f1", "filler", "What is entropy?", "Entropy counts\n\nthe  arrangements.")
    _session(con, "f2", "filler", "Explain entropy again?", "entropy COUNTS\tthe arrangements.\r\n")
    _session(con, "f3", "filler", "And once more?", "Entropy counts, the arrangements.")
    _session(con, "f4", "filler", "One more time?", "Entropy counts thearrangements.")
    _history(con, "h1", "f1", "f2", "f3", "f4")
    assert history_repeats(con, V, "answers") == (1, 1, 2, "entropy counts the arrangements.")


def test_a_sentence_counts_from_six_words_however_it_is_spaced(tmp_path):
    """Six words (here split by a tab and doubled spaces in one of the two sessions) repeat; five do not."""
    con = connect(tmp_path / "w.duckdb")
    _session(con, "f1", "filler", "One two three four five. Aa bb cc dd ee ff.", "Fine.")
    _session(con, "f2", "filler", "One two three four five. Aa\tbb  cc dd ee ff.", "Good.")
    _history(con, "h1", "f1", "f2")
    assert history_repeats(con, V, "sentences") == (1, 1, 2, "aa bb cc dd ee ff.")
