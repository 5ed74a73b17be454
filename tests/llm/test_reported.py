"""Someone else's first-person sentence, retold by the user, is theirs: "my desk" becomes "his desk"."""

from __future__ import annotations

import pytest

from llm.reported import reported_speech


@pytest.mark.parametrize(
    ("pronoun", "said", "retold"),
    [
        ("he", "My desk is covered in trays of beads, and the cat knocked one over.",
         "His desk is covered in trays of beads, and the cat knocked one over."),
        ("she", "Along the path I grow foxgloves, and I never spray anything.",
         "Along the path she grows foxgloves, and she never sprays anything."),
        ("they", "Along the path I grow foxgloves, and I never spray anything.",
         "Along the path they grow foxgloves, and they never spray anything."),
        ("he", "Screens in meetings distract me, so I turned up with a pad and I watch the clock myself.",
         "Screens in meetings distract him, so he turned up with a pad and he watches the clock himself."),
        ("she", "I'm hopeless at this, I've tried twice, I was tired and I have no idea.",
         "She's hopeless at this, she's tried twice, she was tired and she has no idea."),
        ("they", "I'm hopeless at this, I've tried twice, I was tired and I have no idea.",
         "They're hopeless at this, they've tried twice, they were tired and they have no idea."),
        ("he", "We drove out to our cottage, and I don't mind the roadworks; I go there often.",
         "They drove out to their cottage, and he doesn't mind the roadworks; he goes there often."),
        ("she", "I can't sign up for anything, so I carry a pad and I try again.",
         "She can't sign up for anything, so she carries a pad and she tries again."),
    ],
)  # fmt: skip
def test_the_first_person_becomes_the_writer_s_third_person(pronoun, said, retold):
    assert reported_speech(said, pronoun) == retold


def test_present_verbs_that_look_like_past_forms_agree():
    assert reported_speech("I need a pad, and I feed the cat.", "she") == "She needs a pad, and she feeds the cat."
    said = "I spend Fridays filing, and I send the rest on."
    assert reported_speech(said, "she") == "She spends Fridays filing, and she sends the rest on."


def test_a_second_verb_after_and_agrees_but_not_a_noun_or_an_infinitive():
    said = "When bugs arrive I buy a spray and follow the label, and I back projects and have my name in them."
    retold = "When bugs arrive she buys a spray and follows the label, and she backs projects and has her name in them."
    assert reported_speech(said, "she") == retold
    said = "I want to ship on Monday and see the results, and I log every finch and tit that visits."
    retold = "He wants to ship on Monday and see the results, and he logs every finch and tit that visits."
    assert reported_speech(said, "he") == retold


def test_a_sentence_without_a_first_person_is_unchanged():
    said = "The cat knocked a tray of beads over on Tuesday, and nobody saw it happen."
    assert reported_speech(said, "she") == said


def test_a_sentence_retold_days_later_points_at_the_day_it_was_told():
    """A request to forget, weeks later, quoted "the prize winner I picked up this week" as if new."""
    from llm.reported import told_later

    assert told_later("I picked up the prize winner this week.") == "I picked up the prize winner that week."
    assert told_later("Yesterday I swapped the bulb, and tonight we try it.") == (
        "The day before I swapped the bulb, and that night we try it."
    )
    assert told_later("Last week I read it; last weekend too.") == "The week before I read it; the weekend before too."
    assert told_later("Every Sunday I bake bread.") == "Every Sunday I bake bread."
