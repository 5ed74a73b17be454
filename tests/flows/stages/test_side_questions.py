"""Side questions: every user turn of cue sessions and own tasks alike ends with one at the same rate; a
persona never asks a topic twice, nor about a domain it holds a preference in; the reply does the task,
then explains the topic."""

import random
import re

import pytest

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_persona_filler
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from flows.stages.side_questions import SIDE_SHARE, SideQuestions
from llm.offline_side import side_ask, with_side_questions
from schemas.generation import Contact, SessionDraft, SideQuestion, TurnDraft


@pytest.fixture(scope="module")
def shard(tiny_config, tax, gen):
    config = tiny_config.model_copy(update={"persona_filler_sessions": 90})
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    return (
        prefs,
        generate_conversations(config, personas, prefs, tax, gen),
        generate_persona_filler(config, personas, prefs, tax, gen),
    )


def _asked(session, tax) -> list[str]:
    """The topics a session's replies explain."""
    replies = [t.content for t in session.turns if t.role == "assistant"]
    return [t.topic for t in tax.filler.explain_topics for r in replies if r.endswith(t.explanation)]


def test_every_user_turn_of_either_stage_asks_at_the_same_rate(tax):
    """Each stage draws for each user turn at ``SIDE_SHARE``: a question only one stage asked, or one a
    session's last turn always took (a cue text is more often a session's only text), would mark cue turns."""
    for own_tasks in (False, True):
        sides = SideQuestions(7, "p00001", [], tax, own_tasks)
        sides.topics = sides.topics * 40  # enough topics that the rate, not the supply, decides
        drawn = [sides.draw(f"p00001.x{i:04d}", 2) for i in range(3000)]
        for turn in (0, 1):
            share = sum(any(q.turn == turn for q in d) for d in drawn) / 3000
            assert abs(share - SIDE_SHARE) < 0.02, (own_tasks, turn, share)


def test_both_stages_ask_and_no_persona_asks_a_topic_twice_or_in_a_domain_it_holds(shard, tax):
    prefs, cues, own = shard
    asked: dict[str, list[str]] = {}
    kinds = set()
    for s in [*cues, *own]:
        for topic in _asked(s, tax):
            asked.setdefault(s.persona_id, []).append(topic)
            kinds.add(s.kind == "filler")
    assert kinds == {True, False}, "only one stage asked side questions"
    domains = {t.topic: set(t.domains) for t in tax.filler.explain_topics}
    for persona_id, topics in asked.items():
        assert len(topics) == len(set(topics)), (persona_id, sorted(topics))
        held = {tax.domain_of[p.scenario_id] for p in prefs if p.persona_id == persona_id}
        assert not any(domains[t] & held for t in topics), persona_id


def test_the_question_rides_on_the_last_user_turn_and_the_reply_explains_it(tax):
    draft = SessionDraft(
        turns=[
            TurnDraft(role="user", content="Fix the typos? Teh fence blew down."),
            TurnDraft(role="assistant", content="Here it is, fixed:\n\nThe fence blew down."),
        ],
        signal_turn_index=0,
        evidence="Teh fence blew down.",
    )
    topic = tax.filler.explain_topics[0]
    sam = Contact(relation="my brother", name="Sam Reed", pronoun="he")
    explained = {topic.topic: topic.explanation}
    for turn in (0, 1):  # the session has one user turn: a question for a second one is dropped
        sides = [SideQuestion(topic=topic.topic, variant=3, turn=turn)]
        out = with_side_questions(draft, sides, tax.filler.side_asks, explained, sam, None, random.Random(1))
        assert len(out.turns) == 2 and out.signal_turn_index == 0 and out.evidence == draft.evidence
        if turn == 1:
            assert out.turns == draft.turns
            continue
        user, reply = out.turns[0].content, out.turns[1].content
        assert user.startswith(draft.turns[0].content) and topic.topic in user
        assert reply.startswith(draft.turns[1].content) and topic.explanation.startswith(_answer(reply, draft))
    # every variant answers with the whole explanation: cut to its first three or four sentences (answers of
    # several lengths), a reader met four of 21 that stopped before the answer (the Rosetta Stone "gave them a
    # known text to compare", with no cartouches and no Champollion)
    everything = {t.topic: t.explanation for t in tax.filler.explain_topics}
    for variant, other in enumerate(tax.filler.explain_topics[:40]):
        sides = [SideQuestion(topic=other.topic, variant=variant, turn=0)]
        reply = with_side_questions(draft, sides, tax.filler.side_asks, everything, sam, None, random.Random(1))
        assert _answer(reply.turns[1].content, draft) == other.explanation, (variant, other.topic)


def _answer(reply: str, draft: SessionDraft) -> str:
    """The explanation of a reply, without the task's product and the lead naming the topic, if any."""
    answer = reply[len(draft.turns[1].content) :].strip()
    return re.sub(r"^(?:As for|On|About|Now,) [^:]+: ", "", answer)


def test_an_answer_names_its_topic_once(tax):
    """A reader met "About the Doppler effect: The Doppler effect is the ...": an explanation that opens on its
    topic stands without a lead; one that does not is led in by its topic ("On tides: The Moon's pull ...")."""
    draft = SessionDraft(
        turns=[TurnDraft(role="user", content="Trim this?"), TurnDraft(role="assistant", content="Trimmed:\n\nDone.")]
    )
    sam = Contact(relation="my brother", name="Sam Reed", pronoun="he")
    named = unnamed = 0
    for topic in tax.filler.explain_topics:
        for variant in range(4):
            sides = [SideQuestion(topic=topic.topic, variant=variant, turn=0)]
            out = with_side_questions(draft, sides, tax.filler.side_asks, {topic.topic: topic.explanation}, sam,
                                      None, random.Random(1))  # fmt: skip
            answer = out.turns[1].content[len(draft.turns[1].content) :].strip()
            said = re.sub(r"^(?:the|a|an) ", "", topic.topic.lower())
            assert answer.lower()[: len(said) + 40].count(said) == 1, answer  # named at the start, once
            named += answer.startswith(topic.explanation[:20])
            unnamed += not answer.startswith(topic.explanation[:20])
    assert named and unnamed


def test_the_user_reacts_to_an_answer_in_the_next_turn(tax):
    """A question in the first turn is answered, and the user's next turn says so before going on with the
    task (a reader met eighteen answers nobody reacted to); the turn's own text, cue and all, is kept."""
    draft = SessionDraft(
        turns=[
            TurnDraft(role="user", content="Fix the typos? Teh fence blew down."),
            TurnDraft(role="assistant", content="Here it is, fixed:\n\nThe fence blew down."),
            TurnDraft(role="user", content="Also add this.\nThe gate sticks."),
            TurnDraft(role="assistant", content="Added:\n\nThe fence blew down. The gate sticks."),
        ],
        signal_turn_index=2,
        evidence="The gate sticks.",
    )
    topic = tax.filler.explain_topics[1]
    sides = [SideQuestion(topic=topic.topic, variant=0, turn=0)]
    explained = {topic.topic: topic.explanation}
    out = with_side_questions(draft, sides, tax.filler.side_asks, explained, None, None, random.Random(2))
    assert out.turns[1].content.endswith(topic.explanation) and out.turns[3].content == draft.turns[3].content
    later = out.turns[2].content
    assert later.endswith(draft.turns[2].content) and later != draft.turns[2].content
    assert out.signal_turn_index == 2 and out.evidence in later
    # a turn that opens on a reaction already takes no second one ("Oh, interesting. Lovely. ...")
    reacted = draft.model_copy(
        update={
            "turns": [
                *draft.turns[:2],
                TurnDraft(role="user", content="Lovely. " + draft.turns[2].content),
                draft.turns[3],
            ]
        }
    )
    out = with_side_questions(reacted, sides, tax.filler.side_asks, explained, None, None, random.Random(2))
    assert out.turns[2].content == reacted.turns[2].content


def test_a_son_or_daughter_is_never_the_one_who_asked_and_a_mum_is_mum(tax):
    """A son may be two: "Dan asked me about compound interest" is said of an adult only; the walk then takes
    the next ask that names nobody. A mother is "Mum", as the user calls her."""
    asks = tax.filler.side_asks
    naming = next(i for i, a in enumerate(asks) if "{first}" in a)
    son = Contact(relation="my son", name="Dan Reed", pronoun="he")
    sister = Contact(relation="my sister", name="Emma Reed", pronoun="she")
    side = SideQuestion(topic="leap years", variant=naming)
    assert "Emma" in side_ask(asks, side, sister)
    mum = Contact(relation="my mum", name="Noor Reed", pronoun="she")  # as the user calls her
    assert "Mum" in side_ask(asks, side, mum) and "Noor" not in side_ask(asks, side, mum)
    assert "Dan" not in side_ask(asks, side, son) and "leap years" in side_ask(asks, side, son)


def test_a_side_ask_takes_its_question_clause_directly_and_nothing_hangs_off_it(tax):
    """The topic is a question clause ("how the eye sees"): readers met "Could you explain how traffic lights are
    timed to me?", "something about why popcorn pops on the radio", "how the eye sees properly" and "I've always
    wondered about why apples turn brown"."""
    import re

    for ask in tax.filler.side_asks:
        assert not re.search(r"\{topic\} (?:on|to|in|at|properly|better)\b", ask), ask
        assert not re.search(r"\b(?:wondered|ask|wondering) about \{topic\}", ask), ask
