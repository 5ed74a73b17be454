"""Queries have the documented structure per case; the quality stage catches known-bad items."""

from collections import Counter

import pytest

from flows.stages.conversations import generate_conversations
from flows.stages.filler import generate_filler_pool, generate_persona_filler
from flows.stages.histories import build_histories
from flows.stages.personas import generate_personas
from flows.stages.preferences import generate_preferences
from flows.stages.quality import check_shard
from flows.stages.queries import generate_queries
from schemas.core import MCQQuery, Turn


@pytest.fixture(scope="module")
def built(tiny_config, tax, gen):
    config = tiny_config.model_copy(update={"update_rate": 0.5, "forget_rate": 0.3, "other_rate": 0.3})
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    histories = build_histories(
        config,
        personas,
        sessions,
        generate_persona_filler(config, personas, prefs, tax, gen),
        generate_filler_pool(config, gen),
    )
    queries, skips = generate_queries(config, personas, prefs, histories, tax, gen)
    return config, personas, prefs, sessions, histories, queries, skips


def test_queries_cover_active_preferences_with_cases(built, tax):
    _, _, prefs, _, _, queries, skips = built
    by_id = {p.preference_id: p for p in prefs}
    active = [p for p in prefs if not p.superseded]
    mcqs = [q for q in queries if isinstance(q, MCQQuery)]
    own = {p.scenario_id for p in active if p.who == "self"}
    # an opposite (someone else's option of one of the user's own scenarios) is tested by the user's query
    opposite = [p for p in active if p.who == "other" and p.scenario_id in own]
    assert len(mcqs) + len(skips) == (len(active) - len(opposite)) * 1  # one budget in tiny
    for q in mcqs:
        pref = by_id[q.preference_id]
        roles = Counter(o.role for o in q.options)
        assert roles["gold"] == 1
        gold = next(o for o in q.options if o.role == "gold")
        scenario = tax.scenarios[pref.scenario_id]
        if pref.who == "other" or pref.forget:
            assert gold.text == scenario.generic
        else:
            assert gold.text == next(o.answer for o in scenario.options if o.id == pref.option_id)
            if pref.previous_preference_id and by_id[pref.previous_preference_id].option_id != pref.option_id:
                assert roles["outdated"] == 1
    assert sum(q.kind == "open" for q in queries) == len(mcqs)


def test_gold_letters_rotate(built):
    mcqs = [q for q in built[5] if isinstance(q, MCQQuery)]
    counts = Counter(q.gold_label for q in mcqs)
    assert max(counts.values()) - min(counts.get(L, 0) for L in "ABCD") <= 3


def test_clean_shard_passes(built, tax):
    config, personas, prefs, sessions, histories, queries, skips = built
    result = check_shard(0, personas, prefs, sessions, histories, queries, skips, tax, config.min_fill)
    failures = [c for c in result.checks if not c.passed and c.check_name != "query_buildable"]
    assert failures == []
    assert len(result.kept) + len(result.rejected) == len(queries) + len(skips)


def test_quality_catches_known_bad_items(built, tax):
    config, personas, prefs, sessions, histories, queries, skips = built
    # a signal session that states its preference outright
    queried = {q.preference_id for q in queries}
    target = next(s for s in sessions if s.kind in ("signal", "update") and s.signals[0].preference_id in queried)
    pref = next(p for p in prefs if p.preference_id == target.signals[0].preference_id)
    leaky_turn = Turn(turn_index=0, role="user", content=f"Honestly I {pref.statement}.", n_tokens=8)
    leaky = target.model_copy(update={"turns": [leaky_turn, *target.turns[1:]]})
    # a query that names an option's key term
    q = next(q for q in queries if q.preference_id != pref.preference_id)
    q_pref = next(p for p in prefs if p.preference_id == q.preference_id)
    term = tax.scenarios[q_pref.scenario_id].options[0].key_terms[0]
    named = q.model_copy(update={"text": f"Which {term} should I pick?"})
    # a history over budget
    fat = histories[0].model_copy(update={"budget_tokens": histories[0].n_tokens - 1})
    bad_sessions = [leaky if s.session_id == target.session_id else s for s in sessions]
    bad_queries = [named if x.query_id == q.query_id else x for x in queries]
    result = check_shard(
        0, personas, prefs, bad_sessions, [fat, *histories[1:]], bad_queries, skips, tax, config.min_fill
    )
    failed = {(c.check_name, c.subject_id) for c in result.checks if not c.passed}
    assert ("session_implicit", target.session_id) in failed
    assert ("query_no_leak", q.query_id) in failed
    assert ("history_budget", fat.history_id) in failed
    rejected = {r[1]: r[4] for r in result.rejected}
    assert q.query_id in rejected and "names the preference" in rejected[q.query_id]
    leaked_queries = [x.query_id for x in queries if x.preference_id == pref.preference_id]
    assert leaked_queries and all(qid in rejected for qid in leaked_queries)
    assert not {x.query_id for x in result.kept} & set(rejected)


@pytest.mark.parametrize(
    ("text", "terms", "explicit"),
    [
        ("Honestly I love green tea in the morning.", ["tea"], True),
        ("We really prefer the train for long trips.", ["train"], True),
        ("Tea is my favourite, always.", ["tea"], True),
        ("I'd like it to sound like me, not like a greeting card.", ["card"], False),
        ("The tea shop on my street closed.", ["tea"], False),
        ("My sister loves tea.", ["tea"], False),
    ],
)
def test_states_explicitly_golden(text, terms, explicit):
    from flows.stages.quality import states_explicitly

    assert states_explicitly(text, terms) is explicit


def test_option_requests_carry_the_cue_sentences_the_sessions_actually_hold(built, tax, gen):
    """A backend that writes its own cues must be shown those, not the taxonomy's, to keep options clear of them."""
    config, personas, prefs, sessions, histories, _, _ = built
    seen = []

    class Recording:
        def generate(self, site, requests):
            seen.extend(requests)
            return gen.generate(site, requests)

    generate_queries(config, personas, prefs, histories, tax, Recording(), sessions=sessions)
    said = {sig.preference_id: sig.evidence for s in sessions if s.kind != "forget" for sig in s.signals}
    by_key = {r.key.split(":", 1)[1].rsplit(".", 1)[0]: r for r in seen}
    checked = 0
    for pref in prefs:
        req = next((r for k, r in by_key.items() if k == pref.preference_id), None)
        if req is None or pref.superseded:
            continue
        assert req.cue_sentences == [said[pref.preference_id]]
        checked += 1
    assert checked >= 5


def test_the_assumption_free_answer_is_gold_in_at_most_a_quarter_of_a_historys_mcqs(tiny_config, tax, gen):
    config = tiny_config.model_copy(update={"forget_rate": 0.4, "other_rate": 0.4})  # many would be generic-gold
    personas = generate_personas(config, 0, tax, gen)
    prefs = [p for persona in personas for p in generate_preferences(config, persona, tax)]
    sessions = generate_conversations(config, personas, prefs, tax, gen)
    own = generate_persona_filler(config, personas, prefs, tax, gen)
    histories = build_histories(config, personas, sessions, own, generate_filler_pool(config, gen))
    queries, skips = generate_queries(config, personas, prefs, histories, tax, gen, sessions=sessions)
    mcqs = [q for q in queries if isinstance(q, MCQQuery)]
    for h in histories:
        mine = [q for q in mcqs if q.history_id == h.history_id]
        safe = [q for q in mine if not any(o.role == "generic" for o in q.options)]  # the generic one is gold
        assert len(safe) <= 0.25 * len(mine)
    assert mcqs
    capped = [s for s in skips if len(s) == 4 and s[3] == "safe_gold_cap"]
    assert capped, "with these rates some generic-gold MCQs must be left out, with the reason"


def test_always_picking_the_longest_option_does_not_beat_chance():
    """Per history, at most a quarter of MCQs keep a gold strictly longer than every other option; the
    rest become skips with the reason (check ``longest_gold_cap``)."""
    from types import SimpleNamespace as NS

    from flows.stages.queries import _cap_longest_gold

    def draft(gold_len: int):
        return NS(options=[NS(role="gold", text="g" * gold_len), *[NS(role="generic", text="x" * 40)] * 3])

    history = NS(history_id="p00001.h32k")
    plans = [(f"p00001.r{i:03d}.h32k", NS(preference_id=f"p00001.r{i:03d}"), history, None) for i in range(12)]
    drafts = [draft(60 if i < 8 else 30) for i in range(12)]  # 8 of 12 golds are the longest option
    kept, kept_drafts, skips = _cap_longest_gold(0, plans, drafts, [])
    tell = sum(len(d.options[0].text) == 60 for d in kept_drafts)
    assert len(kept) == len(kept_drafts) == 4 + tell and tell <= 0.25 * len(kept)
    assert len(skips) == 8 - tell and {s[3] for s in skips} == {"longest_gold_cap"}
    assert {p[0] for p in kept} | {s[0].removesuffix(".mcq") for s in skips} == {p[0] for p in plans}
