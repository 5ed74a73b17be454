"""Persona-unique details and the sentence rule: the construction behind sentences_unique_across_sessions."""

from collections import defaultdict

from llm.callsites import SIGNAL_SESSION
from llm.details import (
    ROUNDS,
    TASK_SLOTS,
    details_for,
    load_details,
    long_sentences,
    persona_capacity,
    split_sentences,
)
from schemas.core import SpeakingStyle
from schemas.generation import SignalRequest


def test_details_are_injective_over_personas_tasks_and_rounds():
    assert persona_capacity() >= 4000  # four times the full preset
    n = 3000
    for task, round_ in ((0, 0), (5, 1), (TASK_SLOTS - 1, ROUNDS - 1)):
        people = [details_for(7, f"p{p:05d}.s000", task, round_) for p in range(n)]
        assert len({d.name for d in people}) == n
        assert len({d.confidant for d in people}) == n
        assert len({d.street for d in people}) == n
        assert len({d.repo for d in people}) == n
    cast = [details_for(7, "p00042.s001", t, r) for t in range(TASK_SLOTS) for r in range(ROUNDS)]
    assert len({d.name for d in cast} | {cast[0].confidant}) == TASK_SLOTS * ROUNDS + 1  # a persona's cast
    assert len({d.street for d in cast}) == len({d.repo for d in cast}) == ROUNDS  # a street per round
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
    """Rendered with one persona's details (street, project, confidant shared by all its task types), no
    template sentence of 6+ words lacks a persona-unique detail, and none occurs in two templates."""
    seen: dict[str, tuple[str, str, int]] = {}
    for slot, task in enumerate(tax.task_types):
        d = details_for(0, "p00003.s001", slot)
        anchors = [d.name.lower(), d.street.lower(), d.repo.lower(), d.confidant.lower()]
        for topic in task.topics:
            slots = d.slots() | {"topic": topic, "relation": "my sister", "cue": "\nCUE\n"}
            for bank in ("openers", "replies", "followups", "followup_replies"):
                for i, template in enumerate(getattr(task, bank)):
                    for sentence in long_sentences(template.format(**slots)):
                        assert any(a in sentence for a in anchors), (task.id, bank, i, sentence)
                        where = (task.id, bank, i)
                        assert seen.setdefault(sentence, where) == where, (where, seen[sentence], sentence)


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


def test_one_persona_never_repeats_a_sentence_however_many_sessions(tax, gen):
    """Sixteen sessions of every task type for one persona (four rounds of the smallest bank): the bank
    walk wraps, the details change with the round, and no long sentence repeats. Each session is about
    another scenario, as a persona's preferences are."""
    scenarios = sorted(tax.scenarios)
    style = tax.attributes.styles[1]
    where: dict[str, set[str]] = defaultdict(set)
    k = 0
    for task in tax.task_types:
        reqs = []
        for variant in range(16):
            reqs.append(
                SignalRequest(
                    key=f"p00012.s{k:03d}",
                    kind="signal",
                    style=SpeakingStyle(style_id=style.id, **style.model_dump(exclude={"id"})),
                    task_type=task.id,
                    scenario_id=scenarios[k],
                    option_id=tax.scenarios[scenarios[k]].options[variant % 3].id,
                    extra_turns=1,
                    variant=variant,
                    followup_variant=variant,
                )
            )
            k += 1
        for req, draft in zip(reqs, gen.generate(SIGNAL_SESSION, reqs), strict=True):
            for turn in draft.turns:
                for sentence in long_sentences(turn.content):
                    where[sentence].add(req.key)
    shared = {s: k for s, k in where.items() if len(k) > 1}
    assert not shared, list(shared.items())[:3]
