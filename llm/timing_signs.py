"""The season signs of ``llm.timing``: words that date a sentence to a time of year without naming a month.

What: ``SEASON_SIGNS`` (a sign and the months it can be said in; a habit or a memory ignores it) and
``SIGNS_EVEN_IN_HABITS`` (signs that date this year's time even inside a habit). Why: each is a reader's
finding in a dated history ("heavy snow on Saturday" in June, a flu jab in August); keeping the words apart
from the rules that read them keeps both readable, as ``llm.life_words`` does for life details. How: data
only; the patterns run in Python and, joined, in DuckDB's RE2 (``flows.stages.calendar_gate``): no
look-arounds. ``python -c "from llm.timing_signs import SEASON_SIGNS; print(len(SEASON_SIGNS))"``.
"""

from __future__ import annotations

_WINTER, _COLD = frozenset({12, 1, 2, 3}), frozenset({11, 12, 1, 2, 3})
SEASON_SIGNS: tuple[tuple[str, frozenset[int]], ...] = (
    (r"\bheavy snow\b|\bthe snow shut\b|\bsnow off the path\b|\bcleared (?:the )?snow\b", _WINTER),
    (r"\bice on the\b|\bicy steps\b|\bgritters?\b|\bput grit down\b|\bbrought out the grit\b", _COLD),
    (r"\bsince the frost\b", frozenset({11, 12, 1, 2, 3, 4})),
    (r"\bfrost arrived\b", frozenset({9, 10, 11})),
    (r"\bdark by five\b", frozenset({11, 12, 1})),  # by the end of February it is light till six
    (r"\bdark by half four\b|\bdark by four\b", frozenset({11, 12})),  # by late January sunset is near five
    (r"\bflu jab\b", frozenset({9, 10, 11, 12, 1})),
    (r"\bhay fever has been bad\b", frozenset({4, 5, 6, 7, 8})),  # the pollen months (a reader met it in February)
    (r"\bthirty-\w+ degrees\b|\btracks overheated\b|\bthe heat has\b", frozenset({6, 7, 8, 9})),
    (r"\bsince the clocks changed\b", frozenset({4, 5, 11, 12})),
    (r"\bas soon as the grass starts growing\b", frozenset({3, 4, 5, 6})),
    (r"\btortoise\b", frozenset(range(4, 11))),  # out and about only when not hibernating ("each year" wakes: a habit)
    (
        r"\bclass spelling bee\b|\bschool gates are\b|\bparents' evening\b",
        frozenset(range(1, 13)) - {8},
    ),  # not in the summer holidays
    (r"\bheatwave made\b|\bhosepipe ban from\b|\blast week's heat\b", frozenset({5, 6, 7, 8, 9})),
    (r"\bthe wet spring\b", frozenset({4, 5, 6, 7, 8, 9, 10})),
    (r"\bclocks changed last weekend\b", frozenset({4, 11})),  # the last Sunday of March or October
    (r"\bwettest spring\b", frozenset({5, 6, 7, 8})),
    (r"\bwasp nest\b|\bwasp stung\b", frozenset({5, 6, 7, 8, 9, 10})),
    (r"\bbarbecues? this (?:month|weekend)\b|\bcounty show\b", frozenset({5, 6, 7, 8, 9})),
    (r"\bexam season\b", frozenset({4, 5, 6})),
    (r"\bfestive season\b", frozenset({10, 11, 12})),
    (r"\bpostponed into the new year\b", frozenset({11, 12})),
    (r"\bclocks went back on Sunday\b", frozenset({10, 11})),
    (r"\bsunburn (?:from|on)\b|\bwith sunburn\b", frozenset({4, 5, 6, 7, 8, 9})),
    (r"\bharvest (?:supper|festival)\b", frozenset({8, 9, 10})),
    (r"\bconkers\b", frozenset({9, 10, 11})),
    (r"\bsecret santa\b", frozenset({11, 12})),
    (r"\bpantomime\b", frozenset({11, 12, 1})),
    (r"\bhottest day of the year\b|\bthe sea was (?:so )?warm\b", frozenset({6, 7, 8, 9})),
    (r"\bbring a deckchair\b|\bin a deckchair\b|\boutdoor (?:film|cinema)\b", frozenset({5, 6, 7, 8, 9})),
    (r"\bin the sleet\b", _COLD),  # a reader met sleet in July
    (r"\bVaisakhi\b", frozenset({2, 3, 4})),  # mid-April: a raffle for it promised in June, a reader found
    (r"\blacy holes\b", frozenset(range(4, 11))),  # slugs at the lettuces: not in January
    (r"\bslipp\w* on (?:the )?ice\b|\bin from the cold\b", _COLD),
    (r"\bfirst match of the season\b", frozenset({8, 9, 10})),
    (r"\bnew school uniform\b", frozenset({7, 8, 9})),
    (r"\bon wet leaves\b", frozenset({10, 11, 12})),
    (r"\bbindweed has wound\b", frozenset({6, 7, 8, 9})),
    (r"\bcleared for school uniforms\b", frozenset({7, 8, 9})),
    (r"\bend-of-season (?:dinner|do|party|awards)\b", frozenset({4, 5, 6})),
    (r"\band lilies now\b", frozenset({6, 7, 8})),
    (r"\ba bat flew in\b", frozenset({4, 5, 6, 7, 8, 9, 10})),
    (
        r"\bat (?:the|a|\w+'s)(?: office| neighbours'| street| garden)? barbecue\b|\bneighbour's barbecue saw\b",
        frozenset({5, 6, 7, 8, 9}),
    ),
    (r"\bfrozen fingers\b", _COLD),
    (r"\ba slow winter job\b", frozenset({11, 12, 1, 2, 3})),
    (r"\bend-of-year (?:show|concert|play|assembly|performance)\b", frozenset({6, 7})),
    (r"\bsports day\b|\bthe school fete\b", frozenset({5, 6, 7})),
    (r"\bat the village fete\b", frozenset({5, 6, 7, 8, 9})),  # a bake-off at the village fete, met in March
    (r"\bglassy ice\b", _COLD),
    (r"\bnow the cold has set in\b", frozenset({10, 11, 12, 1})),
    (r"\bsang carols\b", frozenset({11, 12})),  # "A choir sang carols at the station on Friday" (met in July)
    (r"\bswallows have nested\b", frozenset({4, 5, 6, 7, 8})),  # met in January
    # each met by a reader in the wrong season: cup final tickets on sale in July, a summer school over by
    # June, last month's fashion week in January
    (r"\bcup final tickets\b", frozenset({3, 4, 5})),
    (r"\bsummer science school\b", frozenset({7, 8, 9})),
    (r"\bwent to fashion week\b", frozenset({3, 4, 10, 11})),
    # met by readers of this round: a produce show's marrows in March, nephews' presents not yet agreed in
    # April, a snowboard jacket packed for the halfpipe in May, exam results back in May
    (r"\bproduce show\b", frozenset({7, 8, 9, 10})),
    (r"\bwho buys presents for which\b", frozenset({10, 11, 12})),
    (r"\bbaggy jacket is already packed\b", frozenset({11, 12, 1, 2, 3})),
    (r"\bexam results came back\b", frozenset({8, 9, 10})),
    # met by readers of the next round: Orion in a May evening sky, bracken to pull in January, fingers
    # too numb for a touchscreen at the end of May, a frost-cracked step as July news, "back on the bowls
    # green by summer" at the end of August
    (r"\bpicked out orion\b", frozenset({10, 11, 12, 1, 2, 3})),
    (r"\bpull out bracken\b", frozenset({5, 6, 7, 8, 9})),
    (r"\bfingers were too numb\b", _COLD),
    (r"\bcracked across the middle in a hard frost\b", frozenset({11, 12, 1, 2, 3, 4})),
    (r"\bbowls green by summer\b", frozenset({10, 11, 12, 1, 2, 3, 4, 5})),
    (r"\bin the heat the\b", frozenset({5, 6, 7, 8, 9})),  # "In the heat the chemist's doors ..." in February
    # what a friend's message told, answered in a reply: "She went camping." in February (met by a reader)
    (r"\bwent camping\.|\btried paddleboarding\.|\bsent garden photos\.", frozenset({4, 5, 6, 7, 8, 9})),
    # and in the next: two pairs of trainers worn through "this year" by January, a school's science week and a
    # new club in August, a summer reading list in autumn, a garden wedding reception till one in February,
    # Easter told as past a week before it (the 20th of April in 2025)
    (r"\btwo pairs of trainers this year\b", frozenset(range(4, 13))),
    (r"\bscience week at the kids' school\b|\bschool has started a knitting club\b", frozenset(range(1, 13)) - {8}),
    (r"\breading list for the summer holidays\b", frozenset({5, 6, 7})),
    (r"\breception in their garden\b", frozenset({5, 6, 7, 8, 9})),
    (r"\bat Easter my\b", frozenset(range(5, 13))),
)
"""Words that date a told event or a present state to a time of year without naming a month: "heavy
snow on Saturday" is not told in June, "it's already dark by half four" not in July, "before the harvest
supper" not in February (each met by a reader in a dated history). Habits and memories ("every cold
snap", "years ago") fit any month (``_HABITUAL``)."""
SIGNS_EVEN_IN_HABITS: tuple[tuple[str, frozenset[int]], ...] = (
    # news in the months after it (which can fall in early March), not as August news
    (r"\bpancake day\b.*\bthis year\b", frozenset({4, 5})),  # a reader met it in June: "four months late"
    # a habit that says the time is near: told as the UK tax year (April) nears, not in July (met by a reader)
    (r"\bend of the tax year always creeps up\b", frozenset({2, 3, 4})),
    # the first frost "always catches me out": said when it has just come, not in July (met by a reader)
    (r"\bfirst frost of the year always\b", frozenset({10, 11, 12})),
    # a ski week ahead, trained for "every evening": the winter before it, not July (met by a reader)
    (r"\bour week on the snow\b", frozenset({10, 11, 12, 1, 2})),
    # gardening after work "before the light goes": only while it is light after work (met in January)
    (r"\bpottering before the light goes\b", frozenset({4, 5, 6, 7, 8, 9})),
    # weeding dandelions "most evenings": in the months they grow and it is light after work (met in February)
    (r"\bprise out dandelions\b", frozenset({4, 5, 6, 7, 8, 9})),
)
"""Signs that date this year's time even inside a habit ("Every Pancake Day ..., and this year was no
exception": Pancake Day has passed)."""
