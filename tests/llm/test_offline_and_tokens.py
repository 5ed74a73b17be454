"""The offline backend is deterministic per key, validates its outputs and keeps cues verbatim;
token counts come from the named offline tokenizer."""

import itertools
import re

import pytest

from llm import GenerationError, get_generator
from llm.callsites import FILLER_SESSION, PERSONA_PROFILE, SIGNAL_SESSION
from llm.offline import OfflineGenerator
from llm.tokens import MESSAGE_OVERHEAD, count_message_tokens, count_tokens, tokenizer_name
from schemas.core import SpeakingStyle
from schemas.generation import Contact, FillerRequest, SignalRequest

STYLE = SpeakingStyle(
    style_id="t",
    formality="casual",
    verbosity="terse",
    greeting=["hey"],
    closing=["thx"],
    typo_rate=0.2,
    lowercase=True,
)


def _signal(tax, key="s1", **kw):
    sid = sorted(tax.scenarios)[0]
    option = tax.scenarios[sid].options[0]
    fields = dict(key=key, kind="signal", style=STYLE, task_type=tax.task_types[0].id, scenario_id=sid)
    return SignalRequest(**(fields | {"option_id": option.id} | kw)), option


def test_same_key_same_output_other_key_differs(tax, gen):
    req, _ = _signal(tax)
    a = gen.generate(SIGNAL_SESSION, [req])[0]
    assert a == OfflineGenerator(seed=0, taxonomy=tax).generate(SIGNAL_SESSION, [req])[0]
    outs = {
        gen.generate(SIGNAL_SESSION, [req.model_copy(update={"key": f"k{i}"})])[0].turns[0].content for i in range(8)
    }
    assert len(outs) > 4


def test_cue_survives_voice_verbatim(tax, gen):
    news = ["The boiler broke again on Tuesday, and the engineer only came on Friday."]
    req, option = _signal(tax, extra_turns=1, news=news)
    draft = gen.generate(SIGNAL_SESSION, [req])[0]
    user = draft.turns[draft.signal_turn_index].content
    # typos and the voice's lowercasing never touch it; notes in shorthand give it written out as well
    assert (draft.cue_sentence or draft.evidence) in option.cues and draft.evidence in user
    assert news[0] in " ".join(t.content for t in draft.turns)
    assert [t.role for t in draft.turns] == ["user", "assistant"] * (len(draft.turns) // 2)
    drafts = [
        gen.generate(SIGNAL_SESSION, [_signal(tax, key=f"g{i}", extra_turns=1, news=news)[0]])[0] for i in range(8)
    ]
    assert any(d.turns[0].content.startswith("hey") for d in drafts)  # only a session's first turn greets (often)
    assert not any(t.content.startswith("hey") for d in drafts for t in d.turns[2::2])


def test_other_relation_owns_the_text(tax, gen):
    sister = Contact(name="Ana", relation="my sister", pronoun="she")
    named = set()
    for i in range(10):
        style = STYLE.model_copy(update={"typo_rate": 0.0})
        req, _ = _signal(tax, key=f"o{i}", relation="my sister", contact=sister, variant=i, style=style)
        draft = gen.generate(SIGNAL_SESSION, [req])[0]
        ask = draft.turns[0].content.lower()
        # the text is plainly hers, named with or without the relation ("Ana wants to send ...")
        assert re.search(r"\b(my sister )?ana\b.*\b(her|she)\b", ask, re.S), ask
        assert draft.evidence in draft.turns[0].content
        named.add("my sister ana" in ask)
    assert named == {True, False}, "the relation is always written out, or never"


def test_forget_refers_to_what_was_said_and_whose_it_was(tax, gen):
    said = "Every Friday I stop at the harbour stall for the morning's catch."
    req, _ = _signal(tax, kind="forget", earlier_cue=said)
    ask = gen.generate(SIGNAL_SESSION, [req])[0].turns[0].content
    assert "harbour stall for the morning's catch" in ask.lower()
    sister = Contact(name="Ana", relation="my sister", pronoun="she")
    plain = STYLE.model_copy(update={"typo_rate": 0.0})  # what is said, not how it is typed
    req, _ = _signal(tax, key="f2", kind="forget", earlier_cue=said, relation="my sister", contact=sister, style=plain)
    ask = gen.generate(SIGNAL_SESSION, [req])[0].turns[0].content
    assert "sister ana" in ask.lower() and "harbour stall" in ask.lower()
    # her text said "I stop": the user retells it as hers, never in the user's own first person
    assert "she stops at the harbour stall" in ask.lower() and "i stop at" not in ask.lower()


def test_math_filler_answers_are_correct(gen):
    import re

    for i in range(20):
        draft = gen.generate(FILLER_SESSION, [FillerRequest(key=f"m{i}", filler_kind="math")])[0]
        for turn in draft.turns[1::2]:
            b, c, bc, a, a2, total, final = map(
                int,
                re.findall(
                    r"(\d+) x (\d+) = (\d+)\. Then add (\d+): (\d+) \+ \d+ = (\d+)\. The answer is (\d+)", turn.content
                )[0],
            )
            assert b * c == bc and a == a2 and a + bc == total == final


def test_wrong_input_type_and_unknown_backend(gen):
    with pytest.raises(GenerationError, match="PersonaSeed"):
        gen.generate(PERSONA_PROFILE, [FillerRequest(key="x", filler_kind="chat")])
    with pytest.raises(GenerationError, match="unknown backend"):
        get_generator("mystery", 0)


def test_token_counts():
    assert count_tokens(["hello world"]) == [2]
    assert count_message_tokens(["hello world", ""]) == [2 + MESSAGE_OVERHEAD, MESSAGE_OVERHEAD]
    assert tokenizer_name() == "tiktoken/cl100k_base"


def test_code_filler_quotes_real_stdlib_docs(tax, gen):
    docs = {f.name: f for f in tax.stdlib.functions}
    draft = gen.generate(FILLER_SESSION, [FillerRequest(key="c1", filler_kind="code")])[0]
    answer = draft.turns[1].content
    name = answer.split("`")[1].split("(")[0]
    assert docs[name].doc in answer


def test_every_forget_phrasing_renders_for_every_kind_of_person():
    from llm.offline_signal import _FORGET_OTHER, _FORGET_SELF
    from llm.world import address, slots_for

    people = [
        Contact(name="Ana", relation="my sister", pronoun="she"),
        Contact(name="Tom", relation="my dad", pronoun="he"),
    ]
    quote = "I stop at the harbour stall every Friday"
    assert len(set(_FORGET_SELF)) == len(_FORGET_SELF) >= 8 and len(set(_FORGET_OTHER)) == len(_FORGET_OTHER) >= 8
    for template in _FORGET_SELF:
        assert quote in template.format(quote=quote)
    for template, person in itertools.product(_FORGET_OTHER, people):
        text = template.format(quote=quote, **slots_for(person))
        assert (
            quote in text
            and "{" not in text
            and (address(person) in text or person.name in text or person.relation in text.lower())
        )


def test_a_forget_reply_promises_what_it_will_do_and_claims_no_deletion():
    """ "Understood, it's forgotten." claims to delete a memory, which a reader took as an overclaim: the
    assistant says it won't use the thing, in several words."""
    import re

    from llm.offline_signal import _FORGET_REPLIES

    assert len(set(_FORGET_REPLIES)) == len(_FORGET_REPLIES) >= 8
    assert not [r for r in _FORGET_REPLIES if re.search(r"forgotten|gone|deleted|erased|dropped", r, re.I)]


def test_a_greeting_ending_in_a_comma_runs_on_into_every_ask(tax):
    """'Hello again, can you ...', never 'Hello again, Can you ...' (a name stays capitalised)."""
    from llm.offline_signal import _FORGET_OTHER, _FORGET_SELF
    from llm.voice import _CONTINUES

    asks = [a for t in tax.task_types for a in t.asks + t.asks_for_other] + _FORGET_SELF + _FORGET_OTHER
    for ask in asks:
        first = ask.split(" ", 1)[0]
        assert first.lower() in _CONTINUES or first in ("I", "{First}") or first.startswith("{Contact}"), ask
    style = STYLE.model_copy(update={"greeting": ["Hello again,"], "lowercase": False, "typo_rate": 0.0})

    assert voice_of(style, "Remember when I said it?").startswith("Hello again, remember")
    assert voice_of(style, "Ana hasn't heard from me.").startswith("Hello again, Ana")


def voice_of(style, text):
    """The turn as voiced by the first seed that greets (a session's first turn greets most of the time);
    seed 0's when none does."""
    import random

    from llm.voice import voice

    turns = [voice(style, text, random.Random(seed)) for seed in range(50)]
    return next((t for t in turns if not t.startswith(text[:8])), turns[0])


def test_a_greeting_never_echoes_the_asks_first_word():
    style = STYLE.model_copy(update={"greeting": ["Quick one:"], "lowercase": False, "typo_rate": 0.0})
    assert voice_of(style, "Quick proofread? This is for my blog.").startswith("Quick proofread?")
    assert voice_of(style, "Can you shorten this?").startswith("Quick one: Can you")


def test_an_aside_and_a_sign_off_never_repeat_a_word():
    """Not "Long story, anyway. Anyway, thanks for reading!" nor "Sorry, ... Sorry for the essay"."""
    import random

    from llm.voice import voice

    style = STYLE.model_copy(
        update={
            "asides": ["Long story, anyway.", "Sorry, my brain's scattered today."],
            "closing": ["Anyway, thanks for reading!", "Sorry for the essay, thanks!"],
            "verbosity": "chatty",
            "emoji": [],
            "typo_rate": 0.0,
        }
    )
    for seed in range(40):
        out = voice(style, "Can you check this?", random.Random(seed)).lower()
        assert out.count("anyway") <= 1 and out.count("sorry") <= 1, out
