"""Sessions carry their signal and exact token counts; histories meet budgets, stay chronological and
spread signals over their length."""

import pytest

from flows.stages.conversations import generate_conversations
from flows.stages.filler import FILLER_ROUND, generate_filler_pool, generate_persona_filler
from flows.stages.histories import HistoryBudgetError, build_histories, build_history
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from llm.tokens import count_message_tokens


@pytest.fixture(scope="module")
def shard(tiny_config, tax, gen):
    personas = generate_personas(tiny_config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(tiny_config, persona, tax)]
    sessions = generate_conversations(tiny_config, personas, prefs, tax, gen)
    own_filler = generate_persona_filler(tiny_config, personas, prefs, tax, gen)
    pool = generate_filler_pool(tiny_config, gen)
    return personas, prefs, sessions, own_filler, pool


def test_every_preference_has_a_signal_session(shard):
    _, prefs, sessions, _, _ = shard
    signalled = {sig.preference_id for s in sessions for sig in s.signals}
    assert signalled == {p.preference_id for p in prefs}
    forgets = [s for s in sessions if s.kind == "forget"]
    assert len(forgets) == sum(p.forget for p in prefs)
    assert all(1 <= len(s.turns) <= 4 for s in sessions if s.kind != "filler")


def test_token_counts_are_exact(shard):
    _, _, sessions, _, pool = shard
    for s in sessions[:5] + pool[:5]:
        assert [t.n_tokens for t in s.turns] == count_message_tokens([t.content for t in s.turns])


def test_histories_budget_chronology_and_spread(tiny_config, shard):
    personas, _, sessions, own_filler, pool = shard
    histories = build_histories(tiny_config, personas, sessions, own_filler, pool)
    assert len(histories) == len(personas) * len(tiny_config.budgets)
    by_id = {s.session_id: s for s in sessions}
    for h in histories:
        assert tiny_config.min_fill * h.budget_tokens <= h.n_tokens <= h.budget_tokens
        ids = [i.session_id for i in h.items]
        assert len(ids) == len(set(ids))
        own = [i for i in h.items if i.session_id in by_id]
        assert {i.session_id for i in own} == {s.session_id for s in sessions if s.persona_id == h.persona_id}
        for i in own:  # persona sessions keep their own time
            assert i.started_at == by_id[i.session_id].started_at.replace(microsecond=0)
        # every time to the minute: seconds on undated sessions only would mark the dated (cue) ones
        assert all(i.started_at.second == 0 for i in h.items)
        fractions = [i.token_offset / h.n_tokens for i in own]
        assert min(fractions) < 0.35 and max(fractions) > 0.65, "signals must spread over the history"


def test_history_raises_when_pool_too_small(tiny_config, shard):
    personas, _, sessions, own_filler, pool = shard
    with pytest.raises(HistoryBudgetError, match="raise filler_pool_size"):
        build_histories(tiny_config, personas, sessions, own_filler[:1], pool[:3])
    small_budget = tiny_config.model_copy(update={"budgets": [500]})
    with pytest.raises(HistoryBudgetError, match="own sessions need"):
        build_histories(small_budget, personas, sessions, own_filler, pool)


def test_no_placed_session_names_a_month_its_date_contradicts(tiny_config, shard):
    """Cue, update and forget sessions choose sentences for their own date; undated sessions are moved
    to a place their months and seasons fit (``llm.timing``)."""
    from llm.timing import session_months

    personas, _, sessions, own_filler, pool = shard
    by_id = {s.session_id: s for s in [*sessions, *own_filler, *pool]}
    histories = build_histories(tiny_config, personas, sessions, own_filler, pool)
    dated_words = 0
    for h in histories:
        for item in h.items:
            months = session_months(by_id[item.session_id])
            dated_words += len(months) < 12
            assert item.started_at.month in months, (h.history_id, item.session_id, item.started_at)
    assert dated_words, "the tiny shard should hold some dated sentences, or this test checks nothing"


def test_histories_are_chronological_and_undated_sessions_fall_in_waking_hours(tiny_config, shard):
    personas, _, sessions, own_filler, pool = shard
    earliest: dict = {}  # a dated session before 07:00 may have undated ones before it that day
    for s in sessions:
        earliest[s.started_at.date()] = min(s.started_at, earliest.get(s.started_at.date(), s.started_at))
    own = {s.session_id for s in sessions}
    undated = 0
    for h in build_histories(tiny_config, personas, sessions, own_filler, pool):
        times = [i.started_at for i in h.items]
        assert times == sorted(times), h.history_id
        for i in h.items:
            if i.session_id in own:
                continue
            undated += 1
            first = earliest.get(i.started_at.date())
            if first is None or first.hour >= 7:  # days with dated sessions too (readers saw 01:13 and 03:18)
                assert 7 <= i.started_at.hour <= 22, (h.history_id, i.session_id, i.started_at)
    assert undated > 80  # the checks above ran on many undated sessions


def test_a_short_history_takes_the_first_own_tasks_and_spreads_them(tiny_config, shard):
    """A persona's first own tasks carry its topical sentences (``flows.stages.news``), so a history too
    short for all of its own tasks takes the first ones written, and then places them in shuffled order:
    with a random draw, `full`'s 32k histories held a sixth of what its 128k ones did."""
    personas, _, sessions, own_filler, pool = shard
    placed_in_id_order = []
    for persona in personas:
        own = [s for s in sessions if s.persona_id == persona.persona_id]
        mine = sorted((s for s in own_filler if s.persona_id == persona.persona_id), key=lambda s: s.session_id)
        budget = sum(s.n_tokens for s in own) + sum(s.n_tokens for s in mine) // 2
        config = tiny_config.model_copy(update={"budgets": [budget], "min_fill": 0.5})
        h = build_history(config, persona, own, mine[::-1], pool, budget)
        rank = {s.session_id: k for k, s in enumerate(mine)}
        taken = [rank[i.session_id] for i in h.items if i.session_id in rank]
        left = [k for k in rank.values() if k not in taken]
        assert taken and left and 0 in taken
        assert sum(taken) / len(taken) < sum(left) / len(left), (sorted(taken), left)
        placed_in_id_order.append(taken == sorted(taken))
    assert not all(placed_in_id_order), "own tasks were placed in the order they were written"


def test_a_forget_request_quotes_the_cue_without_the_typos_a_proofread_showed():
    from flows.stages.conversations import cue_as_meant
    from schemas.generation import SessionDraft, TurnDraft

    shown = "Screens distract me, so I turend up on Monday with a pad and three colours of gel pne."
    draft = SessionDraft(
        turns=[
            TurnDraft(role="user", content=f"Typo check, please.\n{shown}"),
            TurnDraft(role="assistant", content="Fixed version:\n\n...\n\nFixed: turend -> turned; pne -> pen."),
        ],
        signal_turn_index=0,
        evidence=shown,
    )
    assert (
        cue_as_meant(draft) == "Screens distract me, so I turned up on Monday with a pad and three colours of gel pen."
    )
    plain = SessionDraft(turns=draft.turns[:1], signal_turn_index=0, evidence=shown)
    assert cue_as_meant(plain) == shown  # no fixes listed: as shown


@pytest.fixture(scope="module")
def wider(tiny_config, tax, gen):
    """Six personas with 150 own tasks each: tiny has too few texts for a rule broken ~1 time in 80."""
    from llm.world import world_for

    config = tiny_config.model_copy(update=dict(n_personas=6, shard_size=6, persona_filler_sessions=150))
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    own_filler = generate_persona_filler(config, personas, prefs, tax, gen)
    worlds = {p.persona_id: world_for(config.seed, p.persona_id, tax, p.name) for p in personas}
    return sessions + own_filler, worlds


def _people_of_the_ask(session, world):
    """(relation, the texts of the session's user turns) for each person of ``world`` its request names
    in its first line: the person the text is for, or the one it is by."""
    import re

    ask, _, body = session.turns[0].content.partition("\n")
    # a later turn's first line is its request ("Gran's eyes are not up to long texts"): of the person,
    # rightly; the text it adds follows it
    body += "\n".join(t.content.partition("\n")[2] for t in session.turns[1:] if t.role == "user")
    return [(relation, body) for relation, person in world.items() if re.search(rf"\b{person.name}\b", ask)]


def test_no_text_speaks_of_the_person_it_is_for_or_by_in_the_third_person(wider):
    """ "Hi Wes, ... My brother is a tree surgeon" to the user's only brother, or cousin Kavya's notice
    saying "my cousin qualified": no sentence of the texts speaks of that relation in the third person."""
    from llm.people import speaks_of

    sessions, worlds = wider
    checked = 0
    for s in sessions:
        for relation, body in _people_of_the_ask(s, worlds[s.persona_id]):
            checked += 1
            assert not speaks_of(body, relation), (s.session_id, relation, body)
    assert checked > 100


def test_the_shared_pool_only_tops_up_a_history_its_own_tasks_leave_short(tiny_config, tax, gen):
    """Topping up the last few hundred tokens, the pool put one generic question in no one's voice into
    every 32k history, and a reader singled it out; with own tasks enough, a history holds none."""
    config = tiny_config.model_copy(update=dict(n_personas=2, shard_size=2, persona_filler_sessions=80))
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    own_filler = generate_persona_filler(config, personas, prefs, tax, gen)
    pool = generate_filler_pool(config, gen)
    histories = build_histories(config, personas, sessions, own_filler, pool)
    assert all(config.min_fill * h.budget_tokens <= h.n_tokens for h in histories)
    assert not any(i.session_id.startswith("pool.") for h in histories for i in h.items)
    short = build_histories(tiny_config, personas, sessions, own_filler[:3], pool)  # too few own tasks
    assert any(i.session_id.startswith("pool.") for h in short for i in h.items)


def test_a_post_tells_of_one_or_two_things_and_cue_texts_are_shaped_as_own_ones(tiny_config, tax, gen):
    """Blind readers called texts of two to four unrelated one-line stories, in every kind of task alike,
    the histories' most unnatural feature: a post or a quick message is now mostly about one thing, and a
    reply or a round-robin paragraph gathers more (``llm.offline_signal.BESIDE_FOCUS``). Cue and non-cue
    texts of one task type are drawn alike, so their sizes must agree."""
    from collections import defaultdict

    from llm.offline_signal import BESIDE_FOCUS

    asked = []

    class Recording:
        def generate(self, site, requests):
            asked.extend(requests)
            return gen.generate(site, requests)

    personas = generate_personas(tiny_config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(tiny_config, persona, tax)]
    generate_conversations(tiny_config, personas, prefs, tax, Recording())
    generate_persona_filler(tiny_config, personas, prefs, tax, Recording())
    sizes = defaultdict(lambda: defaultdict(list))  # task type -> cue/own -> sentences in the text
    for r in asked:
        if getattr(r, "kind", None) in ("signal", "update"):  # the backend adds the cue to its news
            sizes[r.task_type]["cue"].append(len(r.news) + 1 - r.added_later)
        elif getattr(r, "filler_kind", None) == "task" and len(r.news) > 1 + r.added_later:
            sizes[r.task_type]["own"].append(len(r.news) - r.added_later)  # not a text cut short at the end
    for task_type, (fewest, most) in BESIDE_FOCUS.items():
        for kind in ("cue", "own"):
            assert all(1 + fewest <= n <= 1 + most for n in sizes[task_type][kind]), (task_type, kind)
    mean = {t: sum(v["own"] + v["cue"]) / len(v["own"] + v["cue"]) for t, v in sizes.items()}
    assert mean["post"] < 2.0 < mean["reply"] and mean["message"] < mean["proofread"]
    for task_type, v in sizes.items():
        if len(v["cue"]) >= 8:
            assert abs(sum(v["cue"]) / len(v["cue"]) - sum(v["own"]) / len(v["own"])) < 0.6, task_type


def test_own_tasks_stop_once_the_largest_history_is_full(tiny_config, tax, gen):
    """Own tasks no history takes are not written (``full`` wrote about 100 per persona, 14% of an LLM run's
    filler calls): given the cue sessions, a persona writes a prefix of the tasks it would write without
    them, about as many as its largest history takes, and that history is filled from them without the
    shared pool."""
    config = tiny_config.model_copy(update=dict(n_personas=2, shard_size=2, persona_filler_sessions=300))
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    every = generate_persona_filler(config, personas, prefs, tax, gen)  # no history to fill: up to the cap
    enough = generate_persona_filler(config, personas, prefs, tax, gen, sessions)
    assert len(enough) <= len(every) / 2
    for persona in personas:
        first = [s for s in every if s.persona_id == persona.persona_id]
        mine = [s for s in enough if s.persona_id == persona.persona_id]
        assert mine and [s.model_dump() for s in mine] == [s.model_dump() for s in first[: len(mine)]]
    histories = build_histories(config, personas, sessions, enough, [])  # no pool: raises if short
    placed = {i.session_id for h in histories for i in h.items}
    assert all(config.min_fill * h.budget_tokens <= h.n_tokens for h in histories)
    for persona in personas:  # it stops within a round of its last task a history takes, and a closing one
        mine = [s.session_id for s in enough if s.persona_id == persona.persona_id]
        last = max(k for k, sid in enumerate(mine) if sid in placed)
        assert len(mine) <= last + 1 + FILLER_ROUND + FILLER_ROUND // 4
