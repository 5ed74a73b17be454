"""NewsSupply: the sentences of a persona's texts keep their number while its banks run down."""

from __future__ import annotations

from datetime import date, datetime

from flows.stages.news import NewsSupply
from llm.life import fits_life, relations_for, unfit_tags
from llm.timing import months_fitting, timeline_months
from llm.world import world_for
from schemas.core import Persona, Preference
from schemas.generation import Contact


def _persona() -> Persona:
    return Persona.model_validate(
        dict(
            persona_id="p00007", name="Ada Brook", age=40, age_band="35-44", gender="woman",
            orientation="heterosexual", ethnicity="white", country="UK", city="Leeds", occupation="teacher",
            education="bachelor's", income="middle", household="with partner and children", languages=["English"],
            personality=["calm"], hobbies=["chess"], values=["family"],
            style={"style_id": "x", "formality": "neutral", "verbosity": "concise", "greeting": ["Hi,"],
                   "closing": ["Thanks."], "emoji": [], "typo_rate": 0.0},
        )
    )  # fmt: skip


def _preferences(tax, scenario_ids: list[str]) -> list[Preference]:
    """p00007's plain preferences, one per scenario (its first option)."""
    return [
        Preference(
            preference_id=f"p00007.r{k:03d}", persona_id="p00007", scenario_id=sid,
            option_id=tax.scenarios[sid].options[0].id, statement="x" * 8, kind="neutral", who="self",
            stated_at=datetime(2025, 2, 1),
        )
        for k, sid in enumerate(scenario_ids)
    ]  # fmt: skip


def test_texts_keep_their_length_until_every_bank_is_spent(tax):
    """A text asks for three ordinary sentences; when the source drawn for one is spent (or nothing left
    in it fits the text's months), another source gives it, so the persona's late texts are as long as
    its early ones. Without that, the last third of a persona's 600 own tasks were 15-20% shorter than its
    cue texts, and a form-only detector learnt "long = cue"."""
    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    window = timeline_months(date(2025, 1, 1), 365)
    sizes, seen = [], set()
    for k in range(5000):
        focus = supply.focus(window)
        if focus is None:
            break
        text = supply.take(3, people, people[k % len(people)], True, window & months_fitting(focus))
        assert not seen & set(text), "a sentence was handed out twice"
        seen.update(text)
        sizes.append(len(text))
    assert len(sizes) > 600  # the persona's banks last for a 128k history's own tasks
    short = [k for k, n in enumerate(sizes) if n < 3]
    assert len(short) <= 3 and all(k >= len(sizes) - 3 for k in short), (len(sizes), short[:10])


def test_own_texts_carry_the_queried_subjects_topical_sentences(tax):
    """A search for a question's topic must find several of the user's own sentences on it, not only the
    cue: every topical sentence of the persona's scenarios is the focus of one of its own texts (each once,
    within the first hundred texts), never of someone else's text, and never of a cue session's (half 0)."""
    persona = _persona()
    mine = _preferences(tax, ["food.takeaway_heat", "transport.next_powertrain"])
    topical = {t for p in mine for t in tax.scenarios[p.scenario_id].topical if fits_life(t, unfit_tags(persona))}
    assert len(topical) >= 5
    supply = NewsSupply(0, persona.persona_id, mine, tax, half=1, unfit=unfit_tags(persona))
    window = timeline_months(date(2025, 1, 1), 365)
    others = [supply.focus(window, own_text=False) for _ in range(40)]
    assert not topical & set(others), "someone else's text got the user's own sentence on a queried subject"
    own = [supply.focus(window) for _ in range(100)]
    assert topical <= set(own), topical - set(own)
    assert len(own) == len(set(own))
    cue_side = NewsSupply(0, persona.persona_id, mine, tax, half=0, unfit=unfit_tags(persona))
    assert not topical & {cue_side.focus(window) for _ in range(40)}


def _drain(supply: NewsSupply, people, window) -> set[str]:
    seen: set[str] = set()
    for k in range(5000):
        focus = supply.focus(window)
        if focus is None:
            break
        seen.add(focus)
        seen.update(supply.take(3, people, people[k % len(people)], True, window))
    return seen


def test_a_sentence_leaning_on_an_asked_scenario_never_reaches_that_personas_texts(tax):
    """``taxonomy/leans.yaml`` lists bank sentences a strict reader took as pointing to an option of a
    scenario: in the history of a persona asked about that scenario such a sentence is a second, unmarked
    cue. Drained to the end, neither half of the persona's supply hands one out; a persona not asked about
    the scenario still gets them (the sentence is a fine detail of a life)."""
    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    window = timeline_months(date(2025, 1, 1), 365)
    by_scenario: dict[str, set[str]] = {}
    for sentence, sids in tax.leans.items():
        for sid in sids:
            by_scenario.setdefault(sid, set()).add(sentence)
    sid = max(sorted(by_scenario), key=lambda s: len(by_scenario[s]))
    leaning = {x for x in by_scenario[sid] if fits_life(x, unfit_tags(persona))}
    assert leaning, sid
    asked = [
        Preference(
            preference_id="p00007.r000", persona_id="p00007", scenario_id=sid,
            option_id=tax.scenarios[sid].options[0].id, statement="x" * 8, kind="neutral", who="self",
            stated_at=datetime(2025, 2, 1),
        )
    ]  # fmt: skip
    for half in (0, 1):
        supply = NewsSupply(0, persona.persona_id, asked, tax, half=half, unfit=unfit_tags(persona))
        got = _drain(supply, people, window)
        assert not leaning & got, (sid, half, sorted(leaning & got)[:3])
    both = set()
    for half in (0, 1):
        both |= _drain(NewsSupply(0, persona.persona_id, [], tax, half=half, unfit=unfit_tags(persona)), people, window)
    assert leaning & both  # not asked: the same sentences do reach the texts


def test_a_world_news_template_leaning_on_an_asked_scenario_is_kept_out(tax):
    """A world news template ("{who} replaced the washer") can lean on a scenario too (a relative fixing
    the user's tap points to asking a handy relative for repairs); listed in ``leans.yaml``, it never
    reaches the texts of a persona asked about that scenario, whoever fills its slot."""
    template = "The kitchen tap started dripping constantly, and {who} replaced the washer in about ten minutes."
    assert tax.leans[template] == frozenset({"home.small_repairs"})
    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    window = timeline_months(date(2025, 1, 1), 365)
    asked = [
        Preference(
            preference_id="p00007.r000", persona_id="p00007", scenario_id="home.small_repairs",
            option_id="handyman", statement="x" * 8, kind="neutral", who="self", stated_at=datetime(2025, 2, 1),
        )
    ]  # fmt: skip

    def drawn(prefs) -> set[str]:
        out: set[str] = set()
        for half in (0, 1):
            supply = NewsSupply(0, persona.persona_id, prefs, tax, half=half, unfit=unfit_tags(persona))
            out |= {x for x in _drain(supply, people, window) if "replaced the washer in about ten minutes" in x}
        return out

    assert drawn([]), "not asked: the template reaches the texts"
    assert not drawn(asked)


def test_a_rendering_s_life_tags_do_not_depend_on_the_first_name(tax):
    """``rendered_tags`` checks a world template with a stand-in name: the rules read the relation and the
    pronoun, never the name, so the answer must be the same for every name of the world."""
    from llm.life import life_tags
    from llm.world import render_news, rendered_tags

    names = [*tax.world.names_she[:8], *tax.world.names_he[:8]]
    for template in tax.world.news[::3]:
        for relation in ("my son", "my sister", "my partner", "my manager", "my mum"):
            for pronoun in ("she", "he"):
                want = rendered_tags(template, relation, pronoun)
                for name in names:
                    contact = Contact(name=name, relation=relation, pronoun=pronoun)
                    assert life_tags(render_news(template, contact)) == want, (template, relation, name)


def _told_by_both_halves(tax, texts: int) -> list[str]:
    """The sentences one persona's cue supply and own-task supply hand out over ``texts`` texts each."""
    persona = _persona()
    world = world_for(0, persona.persona_id, tax, persona.name)
    people = [world[r] for r in relations_for(persona, list(world))]
    told: list[str] = []
    for half in (0, 1):
        supply = NewsSupply(0, persona.persona_id, [], tax, half=half, unfit=unfit_tags(persona))
        for _ in range(texts):
            told += supply.take(3, people, None, own_text=True)
            told += [f] if (f := supply.focus()) else []
    return told


def test_a_persona_tells_each_once_event_at_most_once_in_cue_and_own_texts_together(tax):
    """ "My gran turned ninety" in April and "My grandmother turned ninety" in July; the smoke alarm chirping
    at three and then at four: each ``once`` event of ``world.yaml`` stands in one text of a persona."""
    from flows.stages.told_once import once_events

    told = _told_by_both_halves(tax, 400)
    events = [e for s in told for e in once_events(s, tax)]
    assert events, "the banks tell some of these events"
    assert len(events) == len(set(events)), sorted(events)
    assert len(told) > 500  # and the texts still got their sentences


def test_a_persona_tells_each_retold_story_at_most_once(tax):
    """A reader of one history met the keys posted through the user's own letterbox twice, and a wasp sting
    at the bus stop told of the user and then of the daughter: the banks tell such a story in several
    sentences (``taxonomy/retellings.yaml``), and a persona tells it once, cue and own texts together."""
    told = _told_by_both_halves(tax, 600)
    stories = [tax.story[s] for s in told if s in tax.story]
    assert len(set(stories)) > 100  # the banks are drained: most stories are told
    assert len(stories) == len(set(stories)), sorted(s for s in stories if stories.count(s) > 1)


def test_a_persona_s_texts_name_no_option_of_a_question_it_is_asked(tax):
    """Habits may say "the library" or "the post office" (plain words that are some option's key term),
    but never in the texts of a persona asked about a scenario with that option: it would be a second,
    unmarked cue, or a word the gold option shares."""
    from llm.naming import scenario_namer

    named = scenario_namer(tax)
    assert named("I queued at the library for an hour.") >= {"books.book_sourcing"}
    assert not named("I queued at the corner shop for an hour.")
    sentences = [*tax.world.habits, *(n for d in tax.domains for n in d.neutral)]  # another domain's terms
    naming = {h: named(h) for h in sentences if named(h)}
    asked = sorted({s for found in naming.values() for s in found})[:12]
    assert asked, "some sentences say a key term"
    persona = _persona()
    mine = _preferences(tax, asked)
    world = world_for(0, persona.persona_id, tax, persona.name)
    people = [world[r] for r in relations_for(persona, list(world))]
    told: list[str] = []
    for half in (0, 1):
        supply = NewsSupply(0, persona.persona_id, mine, tax, half=half, unfit=unfit_tags(persona))
        for _ in range(300):
            told += supply.take(3, people, None, own_text=True)
            told += [f] if (f := supply.focus()) else []
    assert len(told) > 500
    assert not [t for t in told if named(t) & set(asked)]


def _area_share(tax, supply: NewsSupply, people, areas: list[str | None], keep: bool) -> float:
    """The share of the sentences ``supply`` hands to texts of ``areas`` (one text each) that are about
    the text's area; with ``keep`` False the texts ask for no area (the rate by chance)."""
    window = timeline_months(date(2025, 1, 1), 365)
    same = total = 0
    for k, area in enumerate(areas):
        text = supply.take(3, people, people[k % len(people)], True, window, area=area if keep else None)
        known = [tax.area[x] for x in text if x in tax.area]  # world news is rendered: its template is sorted
        same += sum(a == area for a in known)
        total += len(known)
    return same / total


def test_a_text_keeps_to_its_area_as_much_in_cue_texts_as_in_own_ones(tax):
    """Readers found every text a list of unrelated items; a text now takes its sentences from its
    focus's area of life (``taxonomy/areas.yaml``) where the next ``THEME_WINDOW`` of a source hold one
    (``THEMED_SHARE`` of its draws: about as often as a cue is about its scenario's area).
    A cue text's sources (half 0) are a tenth as long as an own text's (half 1), and the window is the same,
    so the cue texts are kept to their subject as well as the rest: a reader cannot tell them by coherence."""
    persona = _persona()
    mine = _preferences(tax, [dom.scenarios[0].id for dom in tax.domains[::5]])  # six domains
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    areas = [tax.scenario_area[p.scenario_id] for p in mine] * 7  # a persona's cue texts
    shares = {}
    for half in (0, 1):
        kept = _area_share(tax, NewsSupply(0, persona.persona_id, mine, tax, half=half), people, areas, True)
        loose = _area_share(tax, NewsSupply(0, persona.persona_id, mine, tax, half=half), people, areas, False)
        assert kept > 3 * loose, (half, kept, loose)
        shares[half] = kept
    assert abs(shares[0] - shares[1]) < 0.15, shares


def _without_people(sentence: str, people: list[Contact]) -> str:
    """``sentence`` without the world's people as a news template renders them ("my best friend Nate"):
    the template's own words are what the rule reads."""
    import re

    for p in people:
        sentence = re.sub(rf"\b(?:{p.relation} )?{p.name}\b", " ", sentence, flags=re.IGNORECASE)
    return sentence


def _repeats_in_texts(tax, half: int, n_texts: int = 300) -> tuple[int, int]:
    """(texts with two sentences, focus included, that share a particular thing; texts) for one supply."""
    from flows.stages.draws import particular_words

    persona = _persona()
    mine = _preferences(tax, [dom.scenarios[0].id for dom in tax.domains[::5]])
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    supply = NewsSupply(0, persona.persona_id, mine, tax, half=half, unfit=unfit_tags(persona))
    repeated = texts = 0
    for k in range(n_texts):
        focus = supply.focus()
        if focus is None:
            break
        text = [
            focus,
            *supply.take(4, people, people[k % len(people)], True, area=supply.area_of(focus), told=(focus,)),
        ]
        things = [particular_words(tax, _without_people(s, people)) for s in text]
        repeated += any(a & b for i, a in enumerate(things) for b in things[i + 1 :])
        texts += 1
    return repeated, texts


def test_no_text_tells_of_one_particular_thing_twice(tax, monkeypatch):
    """Readers met "My trusty water bottle cracked ... I lost a water bottle", two boilers and the kitchen
    tap twice inside one text once texts kept to one area of life: no two sentences of a text, its focus
    among them, share a word that names a particular thing (``draws.particular_words``), in cue and own
    supplies alike. Without the rule, such texts are common."""
    for half in (0, 1):
        repeated, texts = _repeats_in_texts(tax, half)
        assert texts > (40 if half == 0 else 200) and repeated == 0, (half, repeated, texts)
    monkeypatch.setattr("flows.stages.news.particular_words", lambda tax, text: frozenset())
    repeated, texts = _repeats_in_texts(tax, 1)
    assert repeated > texts // 20, (repeated, texts)


def test_someone_elses_text_never_names_the_users_people_nor_tells_a_habit_of_the_users(tax):
    """A reader met "my sister Nadia sat with me" in a neighbour's notes (the user's sister, by name) and
    "my partner Malik" in a grandmother's: once their domain news ran out, someone else's text took a world
    sentence rendered with the user's people. Their "my sister" is now their own, unnamed; and no habit of
    the user's stands in their text's focus place."""
    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    supply.near.clear()
    supply.far.clear()  # their domain news used up
    assert supply.habits and supply.focus(own_text=False, addressee=people[0].relation) is None
    names = {p.name for p in people}
    told = 0
    for k in range(30):
        for sentence in supply.take(2, people, people[k % len(people)], own_text=False):
            told += 1
            assert not any(name in sentence for name in names), sentence
    assert told >= 10


def test_an_event_a_cue_tells_is_not_told_again_by_a_bank_sentence(tax):
    """A reader met "my student loan is finally paid off" (a bank sentence) and "I did my student loan
    paperwork" (a cue) in one history: an event a cue of the persona's preferences may tell is left out of
    its banks, in both halves."""
    from flows.stages.told_once import keep_told_once, once_events

    paid = "I got a letter saying my student loan is finally paid off, eleven years after I graduated."
    cue = "I did my student loan paperwork through a guided online form in twenty minutes."
    assert once_events(paid, tax) and once_events(paid, tax) == once_events(cue, tax)
    assert keep_told_once([[paid]], "p00001", 0, 1, tax) == [[paid]]  # told when no cue tells it (share 1: half 0)
    for half in (0, 1):
        assert keep_told_once([[paid]], "p00001", half, 1, tax, cues=(cue,)) == [[]]


def test_someone_elses_text_takes_news_of_domains_the_user_holds_nothing_in(tax, gen):
    """Three blind readers found other people's notes sharing the user's hobbies (a grandmother servicing her
    camera lens), so everyone sounded like the user: someone else's text now takes its domain news from the
    far domains while any are left; the user's own texts still touch the near ones (topical distractors)."""
    from flows.stages.personas import generate_personas
    from flows.stages.preferences import generate_preferences
    from schemas.config import PRESETS, SynthConfig

    config = SynthConfig(preset="small", **PRESETS["small"])
    persona = generate_personas(config, 0, tax, gen)[2]
    prefs = generate_preferences(config, persona, tax)
    everyone = world_for(config.seed, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    supply = NewsSupply(0, persona.persona_id, prefs, tax, half=1, unfit=unfit_tags(persona))
    near, far = set(supply.near), set(supply.far)
    window = timeline_months(date(2025, 1, 1), 365)
    others, own = [], []
    for k in range(60):
        contact = people[k % len(people)]
        focus = supply.focus(window, own_text=False, addressee=contact.relation)
        others += [focus, *supply.take(3, people, contact, False, window)]
        own += [supply.focus(window), *supply.take(3, people, contact, True, window)]
    assert far & set(others) and not near & set(others)
    assert near & set(own)


def _street_news(tax, own_text: bool, texts: int = 120) -> tuple[int, int]:
    """(sentences telling of the user's street, all sentences) in ``texts`` texts for, or relayed for, the
    neighbour next door, focus included."""
    from llm.life import _tags_of

    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax, persona.name)
    people = [everyone[r] for r in relations_for(persona, list(everyone))]
    neighbour = everyone["my neighbour"]
    supply = NewsSupply(0, persona.persona_id, [], tax, half=1, unfit=unfit_tags(persona))
    told = []
    for _ in range(texts):
        focus = supply.focus(own_text=own_text, addressee=neighbour.relation)
        told += [focus, *supply.take(2, people, neighbour, own_text=own_text)] if focus else []
    return sum("neighbourhood" in _tags_of(s) for s in told), len(told)


def test_a_text_for_the_neighbour_tells_nothing_of_the_street_they_share(tax, monkeypatch):
    """Readers met "A surveyor spent Thursday in the loft next door to us" in the user's note to the neighbour
    next door, and "Speed bumps have gone in along our road" in notes the user drafted for Jomo to send to
    his neighbour: the street, the houses beside and across it and the building's stairs are the neighbour's
    to see too. Neither the user's own texts for the neighbour nor any relayed text (whose reader may be
    the author's neighbour) tells of them; without the rule, a few in a hundred sentences do."""
    for own_text in (True, False):
        street, told = _street_news(tax, own_text)
        assert told > 200 and street == 0, (own_text, street, told)
    monkeypatch.setattr("flows.stages.news.unfit_for_reader", lambda relation: frozenset())
    street, told = _street_news(tax, True)
    assert street >= 3, (street, told)
