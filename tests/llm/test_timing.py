"""Calendar words fit the date a text is written on: the rules and the history builder that uses them."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from llm.timing import ALL_MONTHS, months_fitting, timeline_months


@pytest.mark.parametrize(
    ("text", "fits", "contradicts"),
    [
        ("In July I spotted a silk scarf my aunt would adore.", [8, 12], [1, 4, 6, 7]),
        ("My annual leave in May is booked, and I can't wait.", [1, 4], [5, 6, 9]),
        ("My sister's hen weekend is in June, and the organiser has sent three spreadsheets.", [2, 5], [6, 7, 8]),
        ("This winter I've been inching up from plain cooking.", [1, 2, 3, 12], [6, 7, 8]),
        ("After reading about trawlers this spring, I filled the freezer with lentil stews.", [3, 5, 8], [1, 2]),
        ("My brother's permit came through, so he moves abroad in September.", [2, 8], [9, 10, 11]),
        ("The coat I bought in March already has a broken zip.", [4, 9], [1, 2, 3]),
        ("My coworker asked me to address her Christmas envelopes, so I did.", [12, 1], [5, 7, 10]),
        ("I'm holding out for the big discount weekend before Christmas.", [9, 11, 12], [1, 2, 5]),
        ("All winter my evenings have been grim fjord-side murders.", [1, 3, 12], [6, 8]),
        ("Our summer party is at a bowling alley, and I'm on the quiz.", [4, 6, 8], [9, 11]),
        ("Halloween turned me into someone who watches horror films.", [10, 11], [4, 7]),
        ("I've got a fortnight of annual leave in May and want to come out of it with a licence.", [3, 4], [5, 6, 8]),
        ("My pay rise kicks in from April, but the back pay won't arrive until May.", [2, 4], [6, 8]),
        # no month named, yet a time of year: each met by a reader in a dated history
        ("Heavy snow on Saturday delayed my parents' return by a day.", [1, 2, 12], [6, 7]),
        (
            "It's already dark by half four, and I light a candle when I read.",
            [11, 12],
            [1, 5, 7],
        ),  # late January: near five
        ("I spent Sunday scrubbing the church hall kitchen before the harvest supper.", [9, 10], [2, 3, 7]),
        ("Half-term starts on Friday, and I still haven't sorted who's having the kids.", [2, 5, 10], [1, 6, 7]),
        ("The ceiling in the science block came down over half-term.", [2, 3, 6], [1, 4, 8]),
        ("With half term starting on Friday, I've booked two days off work.", [2, 5, 10], [1, 7, 8]),  # August
        # "this <season>" with a present progressive and no other sign of a plan is now (met in March)
        ("The reservoir is so low this summer that the old church spire is showing above the water.", [6, 8], [3, 5]),
        ("Bunting is piling up in my hall this spring.", [3, 5], [1, 2, 7]),
        ("We are going to Spain this summer.", [3, 6], [9, 11]),
        ("A choir sang carols at the station on Friday evening.", [11, 12], [1, 3, 7]),  # met in Jan, Mar, Jul
        ("Swallows have nested above our front door again.", [5, 7], [1, 11]),  # met in January
        ("Ice on the steps outside the sports hall sent me flying.", [1, 3, 12], [7, 8]),
        ("Our water company announced a hosepipe ban from Friday.", [6, 8], [1, 2, 11]),
        ("The clocks changed last weekend, and I've been waking up an hour early.", [4, 11], [2, 3, 6]),
        ("Our works festive do has been postponed into the new year.", [11, 12], [1, 4]),
        ("Every Pancake Day I stick one to the ceiling, and this year was no exception.", [4, 5], [1, 3, 6, 8]),
        ("The first frost of the year always catches me out, and I scrape the car with a card.", [10, 12], [2, 7]),
        ("My hay fever has been bad this week, and my sister dropped off some antihistamines.", [5, 7], [2, 11]),
        # plans a reader met after their month: a swim signed up for in July, a concert invitation for May
        ("My front crawl has come on, and I've signed up for a mile across a reservoir in July.", [3, 6], [8, 11]),
        ("My son's school orchestra has been invited to perform at the county hall in May.", [2, 4], [6, 9]),
        ("I've been doing wall sits every evening so that my legs survive our week on the snow.", [11, 2], [5, 7]),
        # "every" that is no habit: this summer's bindweed, this winter's job, a barbecue the user went to
        ("Bindweed has wound itself up every one of my bean poles again.", [7, 8], [1, 2, 11]),
        ("Scanning my grandparents' old slides has become a slow winter job, with surprises in every box.", [1], [7]),
        ("At the neighbours' barbecue I skipped the burgers.", [6, 8], [1, 11]),
        # met by a reader of the final round: sports day in February, glassy ice in May
        ("My nephew is furious about sitting out the school sports day.", [5, 7], [2, 8]),
        ("Glassy ice in front of the newsagent's sent me skidding into the rack of tabloids.", [1, 12], [5]),
        ("Every winter a bat flew in, as a child I mean.", [1, 7], []),  # a memory fits any month
        # met by the readers of two whole histories: sleet in July, a Vaisakhi raffle promised in June, a deckchair
        # afternoon in February, slug-eaten lettuces in January
        ("I bought studded soles and a waterproof shell last week, and I've already used both in the sleet.", [1], [7]),
        ("The Punjabi social club asked me to run their raffle at the Vaisakhi celebration, and I said yes.", [3], [6]),
        ("I spent Sunday afternoon out back in a deckchair with a paperback and not a single chore.", [6, 8], [2, 11]),
        ("My lettuces in the raised bed were full of lacy holes this morning.", [5, 9], [1, 12]),
        ("A coworker came back from a week of watching the tennis abroad with sunburn and a tiny flag.", [7], [1, 11]),
    ],
)
def test_a_reference_fits_only_the_months_it_can_be_said_in(text, fits, contradicts):
    months = months_fitting(text)
    assert all(m in months for m in fits), sorted(months)
    assert not any(m in months for m in contradicts), sorted(months)


@pytest.mark.parametrize(
    "text",
    [
        "Every summer I take the train to Bologna.",
        "Last autumn we spent ten days in Osaka.",
        "Since Easter the biscuit tin has gone untouched.",
        "My sister June borrowed my ladder and brought it back with biscuits.",  # a person, not a month
        "Please write a thank-you note to my mum May.",
        "The boiler broke again on Tuesday.",
        "Next March I'll be forty.",
        "Last Christmas was at my parents' in Leeds.",
        "Three clients sent me Christmas cards last year because my emails sound warm.",
        "Our pond freezes solid every cold snap, and breaking the ice is my job.",
        "There is a conker in my coat from years ago that I keep meaning to throw away.",
        "When there is ice on the steps I go down them sideways.",  # a habit: any month
    ],
)
def test_habits_relative_times_and_names_fit_any_month(text):
    assert months_fitting(text) == ALL_MONTHS


def test_in_a_month_is_not_said_in_that_month():
    """ "The coat I bought in March" on 3 March (a reader's find): in its own month one says "this month".
    An event in December and a plan in January have no other month of the history's year, so keep theirs."""
    assert 3 not in months_fitting("The coat I bought in March already has a broken zip.")
    assert 6 not in months_fitting("We plan to visit in June.") and 5 in months_fitting("We plan to visit in June.")
    assert months_fitting("The snow in December closed the school.") == frozenset({12})
    assert months_fitting("We plan to visit in January.") == frozenset({1})
    assert 3 in months_fitting("This March has been wet.")  # "this March" is said in it
    # readers' finds: an event "in April ... this week" is told in April; "ready for" a show is a plan
    assert months_fitting("Snow in April caught us all out this week, and the daffodils are flat.") == frozenset({4})
    gazebo = "I bought a gazebo with weights for its legs this week, ready for the village show in June."
    assert months_fitting(gazebo) == frozenset(range(1, 6))
    snaps = "My sister has asked me to take a few snaps at her son's christening in June."  # written in July
    assert months_fitting(snaps) == frozenset(range(1, 6))  # a request for what is to come is a plan
    row = "After the bathroom row in April, a whiteboard by the door shows whose turn it is for every task."
    assert months_fitting(row) == frozenset(range(5, 13))  # told after April, not a plan for it
    assert months_fitting("I always take my week off in September, when the paths go quiet.") == ALL_MONTHS
    # a plan "in the spring" is made before it; "our summer party" names its season and may lie ahead in it
    assert months_fitting("My mum is moving into a bungalow in the spring.") == frozenset({1, 2})
    assert 7 in months_fitting("Our summer party is at a bowling alley, and I'm on the quiz.")


def test_clauses_are_read_apart():
    text = "We moved in together in March, and the housewarming is in June, which I'm dreading."
    assert months_fitting(text) == frozenset({4, 5})


def test_timeline_months_leave_out_a_month_barely_touched():
    assert timeline_months(date(2025, 1, 6), 240) == frozenset(range(1, 9))  # ends 3 September
    assert timeline_months(date(2025, 1, 1), 5) == frozenset({1})


def _session(sid: str, text: str, when=None):
    from schemas.core import Session, Turn

    turns = [
        Turn(turn_index=0, role="user", content=text, n_tokens=10),
        Turn(turn_index=1, role="assistant", content="Done.", n_tokens=3),
    ]
    return Session(session_id=sid, persona_id="p1", kind="filler", task_type="post", started_at=when, turns=turns)


def test_the_history_builder_moves_a_session_to_a_date_its_words_fit():
    from datetime import datetime

    from flows.stages.histories import _fit_dates, _fits_date, _times
    from llm.timing import session_months

    start, end = datetime(2025, 1, 6), datetime(2025, 9, 3)
    order = [
        _session("a", "The fridge door seal went in July, and the top shelf froze solid."),
        *[_session(f"f{i}", f"Plain news number {i}, nothing dated.") for i in range(8)],
    ]
    times = _times(order, start, end)
    months = {s.session_id: session_months(s) for s in order}
    assert times[0].month not in months["a"]
    fixed = _fit_dates(order, times, _fits_date(months, {}))
    placed = {s.session_id: times[i].month for i, s in enumerate(fixed)}
    assert placed["a"] >= 8
    assert sorted(s.session_id for s in fixed) == sorted(s.session_id for s in order)  # nothing lost


def test_a_session_is_not_placed_on_a_weekday_it_names():
    """A reader met "I ordered new glasses on Saturday" on a Saturday, "the engineer can't come till
    Thursday" on a Thursday evening and "I'll ring at the weekend" on a Sunday: a session naming a weekday
    (or the weekend) trades places so it falls on another day."""
    from datetime import datetime, timedelta

    from flows.stages.histories import _fit_dates, _fits_date, _times
    from llm.timing import session_weekdays

    start, end = datetime(2025, 1, 6), datetime(2025, 3, 3)
    texts = ["I ordered new glasses on Saturday.", "The engineer can't come till Thursday.", "Monday's bins, Friday's.",
             "Say I'll ring this weekend?"]  # fmt: skip
    order = [_session(f"w{k}", t) for k, t in enumerate(texts)]
    order += [_session(f"f{i}", f"Plain news number {i}, nothing dated.") for i in range(40)]
    assert session_weekdays(order[0]) == {5} and session_weekdays(order[2]) == {0, 4}
    assert session_weekdays(order[3]) == {5, 6}  # a weekend named as one day would be ("this weekend" on a Sunday)
    assert not session_weekdays(_session("x", "No day named here."))  # free to stand on any day
    for shift in range(7):  # whichever weekday each lands on first
        times = _times(order, start + timedelta(days=shift), end + timedelta(days=shift))
        weekdays = {s.session_id: session_weekdays(s) for s in order}
        fixed = _fit_dates(order, times, _fits_date({}, weekdays))
        for i, s in enumerate(fixed):
            assert times[i].weekday() not in weekdays[s.session_id], (s.session_id, times[i])
        assert sorted(s.session_id for s in fixed) == sorted(s.session_id for s in order)


def test_the_date_gate_counts_a_contradiction():
    from datetime import datetime

    import polars as pl

    from flows.stages.calendar_gate import date_contradictions_check

    rows = pl.DataFrame(
        {
            "history_id": ["h1", "h1"],
            "session_id": ["s1", "s2"],
            "started_at": [datetime(2025, 4, 1), datetime(2025, 8, 1)],
            "content": ["In July I spotted a heron on the pond.", "In July I spotted a heron on the pond."],
        }
    )
    import re

    from flows.stages.calendar_gate import CALENDAR_PATTERN

    # the gate reads only turns its pattern picks (DuckDB's regexp_matches): a season sign is one of them
    assert re.search(CALENDAR_PATTERN, "Heavy snow on Saturday kept us in.")
    assert not re.search(CALENDAR_PATTERN, "The boiler broke again on Tuesday.")
    import duckdb  # and DuckDB's regular expressions (RE2) take it: no look-arounds in a season sign

    found = duckdb.sql("SELECT regexp_matches('A tortoise escaped on Saturday.', $p)", params={"p": CALENDAR_PATTERN})
    assert found.fetchone()[0]
    bad = date_contradictions_check(rows, 10, "version:x")
    assert not bad.passed and bad.value == pytest.approx(0.1) and "s1" in bad.detail
    assert date_contradictions_check(rows[1:], 10, "version:x").passed


def test_a_cue_is_chosen_to_fit_its_session_date(tax):
    from llm.offline_signal import cue_for

    option = next(
        o
        for d in tax.domains
        for sc in d.scenarios
        for o in sc.options
        if any(months_fitting(c) != ALL_MONTHS for c in o.cues) and any(months_fitting(c) == ALL_MONTHS for c in o.cues)
    )
    dated = next(c for c in option.cues if months_fitting(c) != ALL_MONTHS)
    month = min(ALL_MONTHS - months_fitting(dated))
    scenario = next(sc.id for d in tax.domains for sc in d.scenarios if option in sc.options)
    from schemas.generation import SignalRequest

    for repeat in range(len(option.cues)):
        req = SignalRequest.model_construct(
            key="p00001.s000",
            kind="signal",
            scenario_id=scenario,
            option_id=option.id,
            scenario_repeat=repeat,
            session_date=date(2025, month, 10),
        )
        assert month in months_fitting(cue_for(0, req, option))


def test_an_update_never_says_an_earlier_sessions_cue_again(tax):
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    for scenario in list(tax.scenarios.values())[:40]:
        option = scenario.options[0]
        for month in range(1, 9):
            base = dict(key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id)
            first = cue_for(
                0, SignalRequest.model_construct(**base, scenario_repeat=2, session_date=date(2025, month, 9)), option
            )
            again = SignalRequest.model_construct(
                **base, scenario_repeat=2, session_date=date(2025, month, 9), avoid_cues=[first]
            )
            assert cue_for(0, again, option) != first


def test_an_earlier_cue_is_recognised_in_its_proofread_form(tax):
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0]
    base = dict(key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id, scenario_repeat=2)
    first = cue_for(0, SignalRequest.model_construct(**base), option)
    words = first.split()
    i = next(i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 6)
    words[i] = words[i][0] + words[i][2] + words[i][1] + words[i][3:]  # "claerance"
    again = SignalRequest.model_construct(**base, avoid_cues=[" ".join(words)])
    assert cue_for(0, again, option) != first


def test_an_earlier_cue_is_recognised_with_its_apostrophe_dropped(tax):
    """A proofread task showed "...and its been fine" for "...and it's been fine"; the A -> B -> A update
    then said the cue again, since the shown form did not match the bank's."""
    from llm.offline_signal import _signature, cue_for
    from schemas.generation import SignalRequest

    assert _signature("and its been fine.") == _signature("And it's been fine")
    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0].model_copy(update=dict(cues=["I'd say it's been fine.", "A plait hangs down."]))
    base = dict(key="p00001.s003", kind="signal", scenario_id=scenario.id, option_id=option.id, scenario_repeat=0,
                unfit_life=[], session_date=None)  # fmt: skip
    first = cue_for(0, SignalRequest.model_construct(**base, avoid_cues=[]), option)
    shown = first.replace("'", "")  # "Id say its been fine."
    again = SignalRequest.model_construct(**base, avoid_cues=[shown])
    assert cue_for(0, again, option) != first


def test_an_update_shown_by_a_plain_cue_claims_no_years_of_the_new_habit(tax):
    """March: "too short for a ponytail"; July's update: "three years without scissors" contradicted it."""
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0].model_copy(
        update=dict(
            change_cues=["In December I finally switched to it."],  # a past December: not told in July
            cues=["My plait has gone three years without scissors.", "A plait now hangs down my back."],
        )
    )
    for repeat in range(4):
        req = SignalRequest.model_construct(
            key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id,
            scenario_repeat=repeat, session_date=date(2025, 7, 9), unfit_life=[], avoid_cues=[],
        )  # fmt: skip
        assert cue_for(0, req, option) == "A plait now hangs down my back."


def test_an_update_whose_change_cue_does_not_fit_takes_the_other_change_cue_before_any_plain_one(tax):
    """Blind readers missed updates shown only by a plain cue: with no change signal, the old and the new
    choice just contradict each other. A change cue that the date or the persona's life rules out now gives
    way to the option's other change cue, and only when neither fits to a plain one."""
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0].model_copy(
        update=dict(
            change_cues=[
                "In December I finally switched to it.",  # a past December: not told in July
                "After the divorce I started over, and these days it is the only way I do it.",
            ],
            cues=["A plait now hangs down my back.", "My plait swings as I walk."],
        )
    )

    def pick(month: int, unfit: list[str], repeat: int = 0, option=option) -> str:
        req = SignalRequest.model_construct(
            key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id,
            scenario_repeat=repeat, session_date=date(2025, month, 9), unfit_life=unfit, avoid_cues=[],
        )  # fmt: skip
        return cue_for(0, req, option)

    for repeat in range(4):
        assert pick(7, [], repeat) == option.change_cues[1]  # December does not fit July
        assert pick(7, ["single_life"], repeat) in option.cues  # neither change cue fits: a plain one
    assert {pick(12, [], r) for r in range(4)} == {option.change_cues[1]}  # both fit: the undated one
    assert pick(12, ["single_life"]) == option.change_cues[0]  # a dated change cue still beats a plain one
    undated = option.model_copy(update=dict(change_cues=[option.change_cues[1], "Lately it is the only way."]))
    both = {pick(12, [], r, undated) for r in range(4)}
    assert both == set(undated.change_cues)  # both undated: the persona's order


def test_a_plain_cue_that_calls_the_habit_usual_counts_as_long_standing():
    """ "Friday's ritual was the usual face mask" read as an old habit to a blind reader of an update."""
    from llm.offline_signal import _LONG_STANDING

    assert _LONG_STANDING.search("Friday's ritual was the usual face mask and a film.")
    assert _LONG_STANDING.search("As usual I took the bus.")
    assert not _LONG_STANDING.search("An unusual film came on after the news.")


def test_a_cue_in_someone_elses_own_text_never_names_that_person(tax):
    """A blind reader met "My sister passed with the same patient teacher ..." inside the sister's own
    draft: the bank's cue, told by the user about the sister, made no sense in her mouth. In a preference
    of someone else the cue is that person's sentence, so a cue naming them by the user's word is left out."""
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0].model_copy(
        update=dict(cues=["My sister passed with a patient teacher, and she gave me his number.", "I drive at dawn."])
    )
    for repeat in range(4):
        base = dict(key="p00001.s003", kind="signal", scenario_id=scenario.id, option_id=option.id,
                    scenario_repeat=repeat, unfit_life=[], avoid_cues=[])  # fmt: skip
        assert cue_for(0, SignalRequest.model_construct(**base, relation="my sister"), option) == "I drive at dawn."
    told = {cue_for(0, SignalRequest.model_construct(**{**base, "scenario_repeat": r}), option) for r in range(4)}
    assert told == set(option.cues)  # the user's own text may name the sister


def test_undated_sessions_keep_no_clockwork_rhythm_between_dated_ones():
    """Evenly spaced, eight sessions sat exactly 68 minutes apart, a rhythm only the dated (cue) sessions
    broke; each undated session now falls at a random point of its own slot, in order."""
    import random
    from datetime import datetime

    from flows.stages.histories import _times

    start, end = datetime(2025, 1, 6), datetime(2025, 1, 26)
    order = [_session(f"f{i:02d}", "The boiler broke again.") for i in range(19)]
    even = _times(order, start, end)
    assert len({b - a for a, b in itertools.pairwise(even)}) == 1  # the old clockwork
    jittered = _times(order, start, end, random.Random(0))
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(jittered)]
    assert all(g > 0 for g in gaps) and len({round(g / 60) for g in gaps}) == len(gaps)
    assert max(gaps) > 2 * min(gaps) and start < jittered[0] and jittered[-1] < end


def test_an_update_claims_no_longer_since_the_change_than_since_the_step_it_follows(tax):
    """A -> B -> A: wine for a toast on 17 June, then on 8 July "about ten weeks since my last pint"."""
    from llm.offline_signal import cue_for
    from llm.timing import claimed_days
    from schemas.generation import SignalRequest

    assert claimed_days("It's been about ten weeks since my last pint.") == 70
    assert claimed_days("For the past three weeks I've walked.") == 21
    assert claimed_days("A week of rain flattened the lawn.") is None
    assert claimed_days("Twice a month now I'm up at six for the market.") is None  # how often, not how long
    scenario = next(iter(tax.scenarios.values()))
    option = scenario.options[0].model_copy(
        update=dict(
            change_cues=[
                "It's been about ten weeks since my last pint.",
                "A fortnight ago I poured the last one away.",
            ],
            cues=["Tonic with ginger is my order now."],
        )
    )

    def pick(previous: date, repeat: int) -> str:
        req = SignalRequest.model_construct(
            key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id, scenario_repeat=repeat,
            session_date=date(2025, 7, 8), previous_date=previous, unfit_life=[], avoid_cues=[],
        )  # fmt: skip
        return cue_for(0, req, option)

    assert {pick(date(2025, 6, 17), r) for r in range(4)} == {option.change_cues[1]}  # three weeks back
    assert {pick(date(2025, 1, 17), r) for r in range(4)} == set(option.change_cues)  # half a year: both fit


def test_dated_sessions_sit_among_the_undated_where_their_dates_fall():
    """Placed evenly by count, two dated sessions a day apart held fifteen undated sessions between them
    and a month-long gap none: the undated ones then burst into one day (a reader saw it)."""
    import random
    from datetime import datetime, timedelta

    from flows.stages.histories import _interleave

    start, end = datetime(2025, 1, 1), datetime(2025, 4, 11)  # 100 days
    own = [_session(f"s{d}", "Cue.", start + timedelta(days=d)) for d in (10, 11, 90)]
    filler = [_session(f"f{i:03d}", "Filler.") for i in range(100)]
    order = [s.session_id for s in _interleave(own, filler, random.Random(0), start, end)]
    a, b, c = (order.index(x) for x in ("s10", "s11", "s90"))
    assert 5 <= a <= 15 and b - a <= 3 and 70 <= c - b <= 85


def test_the_holidays_are_planned_before_them_and_told_after():
    """ "Over the holidays I got through twenty hours of lectures" in a session of February, "staying with us
    over the holidays" in May: the holidays (Christmas, Easter, summer) are told of just after, planned just
    before; a habit fits any month."""
    told = months_fitting("Over the holidays I got through twenty hours of recorded lectures on the sofa.")
    ahead = months_fitting("My partner's parents are staying with us for ten days over the holidays.")
    assert 1 in told and 9 in told and not {2, 5, 11} & told
    assert 12 in ahead and 7 in ahead and not {1, 2, 5, 9} & ahead
    assert months_fitting("Both our mothers asked about the holidays within an hour of each other.") == ahead
    assert months_fitting("Every holidays we drive to the coast, whatever the weather.") == ALL_MONTHS


def test_a_possessive_a_noun_plan_or_a_gerund_opening_is_not_read_as_a_plan():
    """The rewriters of the banks met these: "the charity's governing board" read as "is governing",
    "a retirement plan" as a plan, "Moving to a law firm in spring, ..." as a move ahead; all told of the past."""
    assert months_fitting("In March the charity's governing board asked me to join, and I said yes.") == frozenset(
        range(4, 13)
    )
    assert 12 in months_fitting("Joining the firm in March came with a retirement plan and a pension.")
    assert 12 in months_fitting("Moving to a law firm in March, I started opening every reply formally.")
    assert months_fitting("He's starting at the depot in May.") == frozenset(range(1, 5))  # still a plan
    assert months_fitting("We plan to visit in June.") == frozenset(range(1, 6))


def test_a_flu_jab_a_tortoise_out_and_a_class_spelling_bee_keep_to_their_season():
    """Round ten of the readers: a flu jab moved in August, a tortoise escaping in January, a class
    spelling bee won in the summer holidays."""
    assert 8 not in months_fitting("My flu jab appointment got moved to next Wednesday.")
    assert 10 in months_fitting("My flu jab appointment got moved to next Wednesday.")
    assert 1 not in months_fitting("A tortoise from the garden over the road escaped on Saturday.")
    assert months_fitting("My mum's tortoise wakes up from hibernation a little earlier each year.") == ALL_MONTHS
    assert months_fitting("My daughter won the class spelling bee on Thursday.") == ALL_MONTHS - {8}


def test_heat_the_clocks_and_new_grass_keep_to_their_season():
    """Round eleven: thirty-four degrees and overheated tracks in January, "the heat has warped the sign" in
    March, "since the clocks changed" in late June."""
    assert 1 not in months_fitting("When it hit thirty-four degrees here, the trains were cancelled.")
    assert 3 not in months_fitting("The heat has warped the open sign on the chemist's door.")
    assert 6 not in months_fitting("I've been sleeping badly since the clocks changed.")
    assert 8 not in months_fitting("Pollen goes sky high as soon as the grass starts growing.")


def test_an_update_never_shows_its_switch_by_a_past_the_earlier_option_rules_out(tax):
    """A reader met lily of the valley in February and, in July's switch to citrus, "after a run of headaches
    I gave away my heavy musk": a change cue telling a past (``taxonomy/change_pasts.yaml``) gives way after an
    earlier option that past rules out, to the other change cue, and when both rule it out to a plain cue."""
    from llm.offline_signal import cue_for
    from schemas.generation import SignalRequest

    scenario = tax.scenarios["beauty.signature_scent"]
    citrus = next(o for o in scenario.options if o.id == "citrus")
    musk = next(c for c in citrus.change_cues if "heavy musk" in c)
    assert musk in citrus.change_cues and "floral" in tax.cannot_follow[musk]

    def pick(previous: str, repeat: int, option=citrus, past=tax.cannot_follow) -> str:
        req = SignalRequest.model_construct(
            key="p00001.s003", kind="update", scenario_id=scenario.id, option_id=option.id,
            previous_option_id=previous, scenario_repeat=repeat, session_date=date(2025, 7, 9),
            unfit_life=[], avoid_cues=[], relation=None, contact=None, previous_date=None,
        )  # fmt: skip
        return cue_for(0, req, option, past)

    one = {musk: frozenset({"floral"})}
    picks = {pick("floral", r, past=one) for r in range(6)}
    assert musk not in picks and picks & set(citrus.change_cues)  # the other change cue
    assert musk in {pick("woody", r, past=one) for r in range(6)}  # a heavy woody scent was a heavy one
    ruled_out = {c for c in citrus.change_cues if "floral" in tax.cannot_follow.get(c, ())}
    assert len(ruled_out) == 2 and not {pick("floral", r) for r in range(6)} & ruled_out
    assert {pick("floral", r) for r in range(6)} <= set(citrus.change_cues)  # the past-free one written for it
    both = {cue: frozenset({"floral"}) for cue in citrus.change_cues}
    assert {pick("floral", r, past=both) for r in range(6)} <= set(citrus.cues)


def test_season_signs_readers_met_in_the_wrong_month():
    """Orion in a May evening, bracken to pull in January, numb fingers at the end of May, a frost-cracked
    step as July news, "back on the bowls green by summer" at the end of August."""
    met = {
        "Last night I picked out Orion's belt and the Plough from the back garden for the first time.": 5,
        "The heath by our town needs people to pull out bracken, and my waterproofs are ready by the door.": 1,
        "Last weekend my fingers were too numb for a touchscreen, so I used the laminated sheet.": 5,
        "Our front step cracked across the middle in a hard frost and now wobbles underfoot.": 7,
        "My dad's hip replacement went well, and the surgeon says he'll be back on the bowls green by summer.": 8,
        "In the heat the chemist's automatic doors keep opening and shutting on their own.": 2,
    }
    for sentence, month in met.items():
        assert month not in months_fitting(sentence), sentence
        assert len(months_fitting(sentence)) >= 4, sentence  # still told in its own season


def test_a_return_to_an_earlier_option_tells_no_first_start(tax):
    """A reader met "I picked up an old scope at a lab clearance sale recently" two months after the user
    stained cheek cells under one (microscope -> electronics -> microscope): an update back to an option the
    user showed before takes a cue that tells no first start, where the bank has one; a first switch to it
    may still tell one."""
    from llm.offline_signal import _FIRST_START, cue_for
    from schemas.generation import SignalRequest

    option = next(o for s in tax.scenarios.values() for o in s.options if o.id == "microscope")
    scenario = next(s for s in tax.scenarios.values() if option in s.options)
    base = dict(kind="update", scenario_id=scenario.id, option_id=option.id, unfit_life=[], session_date=None,
                previous_option_id=next(o.id for o in scenario.options if o.id != option.id))  # fmt: skip
    firsts = back = 0
    for persona in range(30):
        key = f"p{persona:05d}.s003"
        first = cue_for(0, SignalRequest.model_construct(**base, key=key, scenario_repeat=1, avoid_cues=[]), option)
        again = SignalRequest.model_construct(**base, key=key, scenario_repeat=2, avoid_cues=[option.cues[0]])
        returned = cue_for(0, again, option)
        firsts += _FIRST_START.search(first) is not None
        back += 1
        assert _FIRST_START.search(returned) is None, returned
    assert firsts and back == 30


def test_a_village_fete_is_a_summer_one():
    """A reader met "I came second in the bake-off at the village fete" in March."""
    from llm.timing import months_fitting

    fete = "I came second in the bake-off at the village fete and won a jar of chutney I'll never open."
    assert months_fitting(fete) == frozenset({5, 6, 7, 8, 9})
