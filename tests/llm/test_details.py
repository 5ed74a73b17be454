"""Persona-unique details and the sentence rule: the construction behind sentences_unique_across_sessions."""

from collections import defaultdict

from llm.callsites import SIGNAL_SESSION
from llm.details import (
    CONFIDANT,
    details_for,
    load_details,
    long_sentences,
    persona_capacity,
    split_sentences,
)
from schemas.core import SpeakingStyle
from schemas.generation import SignalRequest


def test_details_are_injective_over_personas_and_roles():
    assert persona_capacity() >= 10_000
    n = 3000
    for role in (0, 5, CONFIDANT - 1):
        people = [details_for(7, f"p{p:05d}.s000", role) for p in range(n)]
        assert len({d.name for d in people}) == n
        assert len({d.confidant for d in people}) == n
        assert len({d.street for d in people}) == n
        assert len({d.repo for d in people}) == n
    one = [details_for(7, "p00042.s001", r) for r in range(CONFIDANT)]
    assert len({d.name for d in one} | {one[0].confidant}) == CONFIDANT + 1  # a persona's cast is distinct
    assert details_for(7, "p00042.s001", 3) == details_for(7, "p00042.s009", 3)  # per persona, not per session
    assert details_for(7, "p00042.s001", 3) != details_for(8, "p00042.s001", 3)  # the seed reshuffles


def test_split_sentences_rule():
    text = 'Hi Ana,\n\nI wrote it. "Does it work?" she asked (twice.) OK!  Next   line\n- a bullet'
    expected = ["hi ana,", "i wrote it.", '"does it work?"', "she asked (twice.)", "ok!", "next line", "- a bullet"]
    assert split_sentences(text) == expected
    assert long_sentences("Talk soon, my friend. This sentence has exactly six words.") == [
        "this sentence has exactly six words."
    ]


def test_every_long_template_sentence_carries_a_persona_unique_detail(tax):
    for role, task in enumerate(tax.task_types):
        seen: dict[str, tuple[str, int]] = {}
        d = details_for(0, "p00003.s001", role)
        anchors = [d.name.lower(), d.street.lower(), d.repo.lower(), d.confidant.lower()]
        for topic in task.topics:
            slots = d.slots() | {"topic": topic, "relation": "my sister", "cue": "\nCUE\n"}
            for bank in ("openers", "replies", "followups", "followup_replies"):
                for i, template in enumerate(getattr(task, bank)):
                    for sentence in long_sentences(template.format(**slots)):
                        assert any(a in sentence for a in anchors), (task.id, bank, i, sentence)
                        assert seen.setdefault(sentence, (bank, i)) == (bank, i), (task.id, sentence)


def test_voice_phrases_are_short_and_cues_are_single_sentences(tax):
    for style in tax.attributes.styles:
        for phrase in style.greeting + style.closing + (style.asides or []):
            assert len(phrase.split()) <= 5, phrase
    for scenario in tax.scenarios.values():
        for option in scenario.options:
            for cue in option.cues:
                assert len(split_sentences(cue)) == 1, cue
    banks = load_details()
    for lead in banks.cue_leads + banks.update_leads + banks.relation_leads:
        assert "{confidant}" in lead


def test_personas_sharing_every_choice_share_no_long_sentence(tax, gen):
    """Same scenario, option, task type and wording offsets for 60 personas: only the details differ."""
    sid = sorted(tax.scenarios)[0]
    styles = [SpeakingStyle(style_id=s.id, **s.model_dump(exclude={"id"})) for s in tax.attributes.styles]
    where: dict[str, set[str]] = defaultdict(set)
    for task in tax.task_types:
        for kind, relation in (("signal", None), ("update", None), ("signal", "my cousin")):
            reqs = [
                SignalRequest(
                    key=f"p{p:05d}.s000",
                    kind=kind,
                    style=styles[p % len(styles)],
                    task_type=task.id,
                    scenario_id=sid,
                    option_id=tax.scenarios[sid].options[0].id,
                    relation=relation,
                    extra_turns=1,
                )
                for p in range(60)
            ]
            for req, draft in zip(reqs, gen.generate(SIGNAL_SESSION, reqs), strict=True):
                for turn in draft.turns:
                    for sentence in long_sentences(turn.content):
                        where[sentence].add(req.key)
    shared = {s: k for s, k in where.items() if len(k) > 1}
    assert not shared, list(shared.items())[:3]
