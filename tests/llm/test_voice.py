"""voice(): a persona's greetings and sign-offs vary and do not close every turn."""

from __future__ import annotations

import random
from collections import Counter

from llm.voice import voice
from schemas.core import SpeakingStyle


def _style(tax, style_id: str) -> SpeakingStyle:
    spec = next(s for s in tax.attributes.styles if s.id == style_id)
    fields = spec.model_dump()
    return SpeakingStyle.model_validate({k: v for k, v in fields.items() if k != "id"} | {"style_id": spec.id})


def test_a_chatty_persona_does_not_sign_off_every_turn_the_same_way(tax):
    """A blind reader saw "Honestly you're a lifesaver. Thanks a million! 🙏" on almost every turn and
    "Hello hello!" opening many sessions of one history: the same three phrases, always. Now some opening
    turns just ask (most of them: "Good day." opened 29 sessions of one history), later turns seldom sign
    off, and no phrase dominates."""
    style = _style(tax, "warm_emoji")
    rng = random.Random(3)
    body = "Can you tidy up this note for the school newsletter?"
    opening = [voice(style, body, rng) for _ in range(400)]
    later = [voice(style, "Could you make it a bit shorter?", rng, opening=False) for _ in range(400)]
    greeted = [t for t in opening if not t.startswith("Can you")]
    assert 0.25 < len(greeted) / len(opening) < 0.55  # most people just ask
    signed = lambda turns: [c for t in turns for c in style.closing if c in t]  # noqa: E731
    # about a fifth of the first turns: "Thank you, you're very patient." closed 22 of 145 sessions at twice
    # that, 14 at 0.35; one of seven phrases on a fifth of 145 first turns is about four times each
    assert len(signed(later)) / len(later) < 0.1 < len(signed(opening)) / len(opening) < 0.27
    greetings = Counter(next(g for g in style.greeting if t.startswith(g)) for t in greeted)
    assert len(greetings) >= 5 and greetings.most_common(1)[0][1] / len(greeted) < 0.3
    assert not any(t.startswith(tuple(style.greeting)) for t in later)


def test_typos_are_of_the_kinds_people_make_and_a_proofread_undoes_each():
    """Readers found every typo "two swapped letters", in the asks and the proofreads alike: a mistyped
    word now also drops or doubles a letter, or is a word people really misspell ("definately"); the
    proofread's list of fixes still gives back the sentence as meant."""
    from llm.voice import MISSPELT, introduce_error, misspell

    kinds = set()
    for seed in range(200):
        wrong = misspell("weekend", random.Random(seed))
        assert wrong != "weekend"
        kinds.add({0: "swapped", -1: "dropped", 1: "doubled"}[len(wrong) - len("weekend")] if len(wrong) != 7
                  or sorted(wrong) == sorted("weekend") else "other")  # fmt: skip
    assert kinds == {"swapped", "dropped", "doubled"}
    assert misspell("definitely", random.Random(0)) == MISSPELT["definitely"]
    sentence = "I definitely booked the restaurant for Wednesday evening, and everybody remembered."
    fixed_back = set()
    for seed in range(60):
        shown, fix = introduce_error(sentence, random.Random(seed))
        if fix:
            wrong, right = fix
            assert shown != sentence and shown.replace(wrong, right, 1) == sentence
            fixed_back.add(wrong)
    assert len(fixed_back) >= 6
    # not only keyboard slips: a word mixed up with another, a contraction without its apostrophe (readers
    # found nothing but scrambles to fix, even where the user asked for grammar), each undone by its fix alone
    sentence = "I didn't think the twins would be quite so loud, and their dog barked all evening."
    kinds = set()
    for seed in range(80):
        shown, fix = introduce_error(sentence, random.Random(seed))
        if fix:
            wrong, right = fix
            assert shown.replace(wrong, right, 1) == sentence and shown.count(wrong) == 1, (shown, fix)
            kinds.add("apostrophe" if wrong == "didnt" else "mixed up" if wrong in ("quiet", "there") else "typo")
    assert kinds == {"apostrophe", "mixed up", "typo"}


def test_an_emoji_never_stands_on_a_line_of_its_own():
    """Readers counted sixteen lines that were only an emoji, under a pasted text: an emoji with nothing else
    after the text closes the ask's own line; with a sign-off it goes on the sign-off's line."""
    from llm.voice import CUE, voice
    from schemas.core import SpeakingStyle

    style = SpeakingStyle(
        style_id="x", formality="casual", verbosity="chatty", greeting=["Hey!"], closing=["Thanks!"], emoji=["😅"],
        typo_rate=0.0, lowercase=False, asides=["Busy week."],
    )  # fmt: skip
    placed = set()
    for seed in range(400):
        out = voice(style, "Can you tidy this?\n" + CUE, random.Random(seed), cue="The fence blew down.")
        lines = out.split("\n")
        assert "The fence blew down." in lines and not any(line.strip() == "😅" for line in lines), out
        placed |= {"ask" if "😅" in lines[0] else "after" for _ in [0] if "😅" in out}
    assert placed == {"ask", "after"}
