"""The production prompts of the openai backend: what they ask a real model for, and what they never
carry (the request's JSON: the loopback server gets the request from headers, ``llm.request_channel``)."""

from __future__ import annotations

import json

import pytest

from llm.callsites import CALL_SITES, FILLER_SESSION, QUERY_OPTIONS, SIGNAL_SESSION
from llm.openai_backend import OpenAIGenerator
from llm.request_channel import REQUEST_HEADER, SITE_HEADER, decode, encode, is_loopback
from schemas.core import SpeakingStyle
from schemas.generation import (
    Contact,
    FillerRequest,
    LeakageRequest,
    PersonaSeed,
    QueryRequest,
    RoleOption,
    SideQuestion,
    SignalRequest,
)

STYLE = SpeakingStyle(
    style_id="t",
    formality="casual",
    verbosity="terse",
    greeting=["hey"],
    closing=["thx"],
    typo_rate=0.06,
    lowercase=True,
)
ANA = Contact(name="Ana", relation="my sister", pronoun="she")
NEWS = ["The boiler broke again on Tuesday, and the engineer only came on Friday."]
EARLIER = "I keep a tin of smoked paprika by the stove for nearly everything."


@pytest.fixture(scope="module")
def renderer(tax):
    return OpenAIGenerator("some-model", taxonomy=tax)


@pytest.fixture(scope="module")
def scenario(tax):
    return next(s for s in sorted(tax.scenarios.values(), key=lambda s: s.id) if len(s.options) >= 3)


def _signal(tax, scenario, kind="signal", **kw) -> SignalRequest:
    base = dict(
        key=f"p00001.s{kind}",
        kind=kind,
        style=STYLE,
        task_type=tax.task_types[0].id,
        scenario_id=scenario.id,
        option_id=scenario.options[0].id,
        contact=ANA,
        news=NEWS,
    )
    return SignalRequest(**(base | kw))


def _requests(tax, scenario) -> dict[str, tuple]:
    """One request per case of every call site: (call site, request)."""
    opt = [o.id for o in scenario.options]
    t0, t1 = tax.task_types[0].id, tax.task_types[1].id
    forget = dict(task_type="forget_request", news=[], earlier_cue=EARLIER)
    seed = PersonaSeed(key="p00001", demographics={"gender": "woman"}, age=40, city="Leeds", languages=["English"])
    task = dict(filler_kind="task", style=STYLE, contact=ANA, news=NEWS)

    def query(key, gold, case, roles, **kw):
        distractors = [RoleOption(role=r, option_id=o) for r, o in roles]
        return QueryRequest(
            key=key, scenario_id=scenario.id, gold_option_id=gold, case=case, distractors=distractors, **kw
        )

    others = [("other_preference", o) for o in opt[1:3]]
    return {
        "persona": (CALL_SITES["persona_profile"], seed),
        "cue": (SIGNAL_SESSION, _signal(tax, scenario, extra_turns=1)),
        "update": (SIGNAL_SESSION, _signal(tax, scenario, "update", option_id=opt[1], previous_option_id=opt[0])),
        "other": (SIGNAL_SESSION, _signal(tax, scenario, key="p00001.sother", relation="my sister")),
        "forget": (SIGNAL_SESSION, _signal(tax, scenario, "forget", contact=None, **forget)),
        "forget_other": (SIGNAL_SESSION, _signal(tax, scenario, "forget", key="p00001.sfo", relation="my sister",
                                                 **forget)),
        "task": (FILLER_SESSION, FillerRequest(key="p00001.f000", task_type=t1, extra_turns=1,
                                               domain=tax.domain_of[scenario.id], **task)),
        "task_other": (FILLER_SESSION, FillerRequest(key="p00001.f001", task_type=t0, for_other=True, **task)),
        "pool": (FILLER_SESSION, FillerRequest(key="pool.00001", filler_kind="math")),
        "q_self": (QUERY_OPTIONS, query("p00001.q0", opt[0], "self", others)),
        "q_updated": (QUERY_OPTIONS, query("p00001.q1", opt[1], "updated", [("outdated", opt[0]), others[1]])),
        "q_other": (QUERY_OPTIONS, query("p00001.q2", None, "other", [("other_preference", opt[0]), *others],
                                         relation="my sister")),
        "q_forget": (QUERY_OPTIONS, query("p00001.q3", None, "forget", [("outdated", opt[0]), *others])),
        "judge": (CALL_SITES["leakage_judge"], LeakageRequest(key="p00001.s000", statement="drinks tea",
                                                              key_terms=["tea"], user_turns=["Steeping a pot now."])),
    }  # fmt: skip


def _text(renderer, site, req) -> tuple[str, str]:
    """(system, user) of the rendered prompt, line breaks folded into spaces."""
    system, user = (" ".join(m["content"].split()) for m in renderer.render(site, req).messages)
    return system, user


def test_no_prompt_carries_the_request_json(tax, scenario, renderer):
    for name, (site, req) in _requests(tax, scenario).items():
        text = "\n".join(_text(renderer, site, req))
        dump = req.model_dump_json()
        assert "REQUEST_JSON" not in text and "Call site" not in text, name
        assert dump not in text and json.dumps(req.model_dump()) not in text, name
        assert f"Request id: {req.key}" in text, name  # one short line keeps requests apart in the cache
        assert len(text) < 6000, name  # billed per token: keep prompts short


def test_distinct_requests_never_render_the_same_messages(tax, scenario, renderer):
    pool = [FillerRequest(key=f"pool.{i:05d}", filler_kind="math") for i in range(3)]
    keys = {renderer.cache_key(FILLER_SESSION, renderer.render(FILLER_SESSION, r)) for r in pool}
    assert len(keys) == 3


def test_signal_prompt_asks_for_a_cue_inside_the_task(tax, scenario, renderer):
    reqs = _requests(tax, scenario)
    system, user = _text(renderer, *reqs["cue"])
    option = scenario.options[0]
    for rule in (
        "inside the task's own material",
        "mentioned once",
        "never states it",
        "no lead-in",
        "does the task",
        "never remarks on",
        "evidence",
        "verbatim",
        "Ownership",
    ):
        assert rule in system, rule
    assert tax.task_types[0].name in user and "Ana, the user's sister" in user
    assert option.statement in user and NEWS[0] in user and option.key_terms[0] in user
    assert option.answer in user  # the cue must avoid the words of the answer a query will give
    assert all(o.statement in user for o in scenario.options[1:])  # ... and point to this option only
    assert "Turns: 4" in user and "the user's own" in user and "all lowercase" in user


def test_signal_prompt_update_other_and_forget(tax, scenario, renderer):
    reqs = _requests(tax, scenario)
    old, new = scenario.options[0], scenario.options[1]
    _, update = _text(renderer, *reqs["update"])
    assert new.statement in update and old.statement in update and "no fixed frame" in update
    assert any(c in update for c in (new.change_cues or new.cues))
    _, other = _text(renderer, *reqs["other"])
    assert "a text by Ana, the user's sister (she), in her own first person" in other
    assert "Ana's, not the user's" in other
    system, forget = _text(renderer, *reqs["forget"])
    assert EARLIER in forget and "by the user" in forget and "Turns: 2" in forget
    assert "naming it by its content" in system and "owned as it was" in system
    _, forget_other = _text(renderer, *reqs["forget_other"])
    assert EARLIER in forget_other and "forget it as Ana's, not as the user's own" in forget_other
    assert 'retelling it in the third person ("her desk", not "my desk")' in forget_other


def test_filler_prompt_task_kind(tax, scenario, renderer):
    reqs = _requests(tax, scenario)
    system, task = _text(renderer, *reqs["task"])
    assert "reveals no preference" in system and "same kinds of names, greetings, sign-offs" in system
    assert "reacts to the answer" in system and "does what was asked" in system
    assert tax.task_types[1].name in task and NEWS[0] in task and "Ana, the user's sister" in task
    assert tax.domain_of[scenario.id] in task and "revealing no preference there" in task
    assert "Turns: 4" in task
    _, other = _text(renderer, *reqs["task_other"])
    assert "a text by Ana, the user's sister (she), in her own first person" in other
    _, pool = _text(renderer, *reqs["pool"])
    assert "word problem" in pool and "plain and neutral" in pool


def test_query_prompt_asks_for_equal_options_and_a_gold_free_of_cue_words(tax, scenario, renderer):
    reqs = _requests(tax, scenario)
    system, user = _text(renderer, *reqs["q_self"])
    assert "similar length" in system and "same form" in system and "shares no distinctive word" in system
    gold = scenario.options[0]
    assert gold.cues[0] in user and "1. gold: fits: " + gold.statement in user and "2. generic" in user
    assert "3. other_preference" in user and "4. other_preference" in user
    _, updated = _text(renderer, *reqs["q_updated"])
    assert "No longer true: the user " + scenario.options[0].statement in updated and "3. outdated" in updated
    _, other = _text(renderer, *reqs["q_other"])
    assert "the user's sister, not the user" in other and "1. gold: a good generic answer" in other
    _, forget = _text(renderer, *reqs["q_forget"])
    assert "asked the assistant to forget" in forget and "2. outdated" in forget


def test_request_channel_round_trip_and_when_it_is_used(tax, scenario):
    site, req = _requests(tax, scenario)["other"]
    headers = encode(site.name, req)
    assert set(headers) == {SITE_HEADER, REQUEST_HEADER} and len(headers[REQUEST_HEADER]) < 4000
    lower = {k.lower(): v for k, v in headers.items()}
    assert decode(lower) == (site.name, req.model_dump_json()) and decode({}) is None and decode(None) is None
    assert is_loopback("http://127.0.0.1:8000/v1") and is_loopback("http://localhost:1/v1")
    assert is_loopback("http://[::1]:8000/v1") and not is_loopback("https://api.openai.com/v1")
    assert not is_loopback(None)
    assert OpenAIGenerator("m", base_url="https://api.openai.com/v1", taxonomy=tax).side_channel(site, req) == {}
    assert OpenAIGenerator("m", taxonomy=tax).side_channel(site, req) == {}
    assert OpenAIGenerator("m", base_url="http://127.0.0.1:9/v1", taxonomy=tax).side_channel(site, req) == headers
    forced = OpenAIGenerator("m", base_url="https://example.org/v1", taxonomy=tax, request_headers=True)
    assert forced.side_channel(site, req) == headers


def test_loopback_answers_from_headers_and_batch_lines_carry_them(tax, scenario):
    from llm.batch import BatchGenerator
    from llm.loopback import FakeOpenAI
    from llm.offline import OfflineGenerator

    site, req = _requests(tax, scenario)["cue"]
    want = OfflineGenerator(seed=0, taxonomy=tax).generate(site, [req])
    with FakeOpenAI() as server:
        inner = OpenAIGenerator("m", base_url=server.base_url, taxonomy=tax, timeout=2.0)
        assert BatchGenerator(inner, poll_s=0.01).generate(site, [req]) == want
        (line,) = [json.loads(x) for x in next(iter(server.batch.files.values())).decode().splitlines()]
        assert decode(line["headers"]) == (site.name, req.model_dump_json())
        assert "REQUEST_JSON" not in json.dumps(line["body"])
        with pytest.raises(ValueError, match="X-Tacit-Request"):  # no headers, no chat model: not answerable
            server.answer(inner.body(site, inner.render(site, req).messages))


def test_a_side_question_is_asked_for_in_both_prompts_only_when_drawn(tax, scenario, renderer):
    """The openai path asks for the same side question the offline writer adds: after the task, in the
    user's voice, explained correctly in the reply that did the task."""
    reqs = _requests(tax, scenario)
    topic = tax.filler.explain_topics[0].topic
    side = [SideQuestion(topic=topic, variant=0)]
    for name in ("cue", "task"):
        site, req = reqs[name]
        _, plain = _text(renderer, site, req)
        _, asked = _text(renderer, site, req.model_copy(update={"side_questions": side}))
        assert "unrelated question" not in plain
        assert f"unrelated question about {topic}" in asked and "explains that topic correctly" in asked
