"""Notes in shorthand keep what their sentence says, at each writer's degree."""

from __future__ import annotations

from llm.notes import as_note, as_note_dated_alike, shorthand_degree
from llm.timing import months_fitting

SENTENCE = "The last time I landed somewhere late, the baggage belt broke and two hundred of us waited an hour."


def test_degrees_go_from_the_sentence_to_figures_and_ampersands():
    assert as_note(SENTENCE, 0) == SENTENCE
    one = as_note(SENTENCE, 1)
    assert one == "last time I landed somewhere late, the baggage belt broke and two hundred of us waited an hour"
    assert as_note(SENTENCE, 2) == one
    assert as_note(SENTENCE, 3) == one.replace("two hundred", "200").replace(" and ", " & ")
    waited = "On Saturday I waited forty minutes because the bus was late, and I missed something with my brother."
    assert as_note(waited, 2) == "on Sat I waited forty mins cos the bus was late, and missed sth with my brother"
    assert as_note(waited, 3) == "on Sat I waited 40 mins cos the bus was late, & missed sth w/ my brother"


def test_only_the_leading_i_or_article_goes_and_names_keep_their_capitals():
    assert as_note("I've been to three of them now.", 3) == "been to 3 of them now"
    assert as_note("I'm hundreds of episodes into a saga.", 1) == "hundreds of episodes into a saga"
    assert as_note("A few of us went at twelve.", 3) == "a few of us went at 12"  # "a few" is no article
    assert as_note("A hundred and twenty people came, ninety-nine late.", 3) == "120 ppl came, 99 late"
    assert as_note("Julia has one of three.", 3) == "Julia has one of 3"  # a name stays; "one" is no count
    assert as_note("Do you think so?", 2) == "Do you think so?"


def test_a_note_is_told_in_the_same_months_as_its_sentence():
    for sentence in ("I'm having the kitchen redone in the spring.", "The first frost came early this year."):
        note = as_note_dated_alike(sentence, 3)
        assert months_fitting(note) == months_fitting(sentence)


def test_each_writer_keeps_one_degree():
    assert shorthand_degree("verbose") == 0 and shorthand_degree("terse") == 3
    assert shorthand_degree(None) == 1
    assert shorthand_degree("terse", writer="Ana") == shorthand_degree("verbose", writer="Ana")
    assert {shorthand_degree(None, writer=n) for n in ("Ana", "Mina", "Ravi", "Hugo")} == {0, 1, 2, 3}
