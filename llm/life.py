"""What a persona's life rules out: the people and the sentences that would contradict its attributes.

What: ``unfit_tags(persona)`` names the kinds of life detail a persona cannot have (a flatmate for
someone who lives with a partner and children, a manager or a colleague for someone retired, a newborn
at 70, "since I retired" at 35, a grandmother at 65, a mum at 85, "the kids" for someone without children
at home, a toddler beside a teenager: a family's children are either small or teenagers, by age; "our
flat" beside "our house", "the man upstairs" beside "our pond", "our landlord" beside "our mortgage": a home
is one or the other, rented or owned; a son's first job beside a toddler; "the breakup"
told by someone who lives with a partner; a workplace of another occupation: "our office" for a nurse;
"my new knee" at 24, revision notes at 40),
``fits_life(text, tags)`` says whether a sentence is free of them, and ``relations_for(persona, relations)``
keeps the people of ``persona_attributes.yaml`` that the persona can have (no roommate unless it lives with
roommates, no manager or coworker once retired, no grandmother from 60, no mum or dad from 80, no son or daughter
under 23 or, for someone without children at home, under 45; no school of one's children without children
at home or from 62; a parent of teenagers aged 45-61 gets a son or daughter at school or one grown up,
never both: "my daughter's school" beside "after graduating, my daughter moved back home" is two daughters
or a contradiction). Why: a careful reader who meets "my roommate Aaron" and "my partner Kenji" in one home, or a
retiree's manager, stops believing the history; attributes are drawn one by one
(``flows.stages.personas`` makes them coherent), and the sentence banks are shared by every persona, so
each persona takes only what its life allows. How: word rules, deterministic (a memory of a late parent
is left out too: the rules err towards leaving a sentence unused);
``python -c "from llm.life import LIFE_WORDS; print(sorted(LIFE_WORDS))"``.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache

LIFE_WORDS = {
    "flatmate": r"\b(?:flatmate|roommate|housemate)s?\b",
    "work": r"\bmy (?:manager|boss|coworker|colleague|team|job|employer|workplace|payslip)s?\b|\bat work\b|"
    r"\bmy office\b|\b(?:each way|way|cycle|walk|drive|pedal|commute|travel|late|early|straight) (?:to|from) work\b|"
    r"\bclient's office\b|\bopen-plan office\b|\bmy (?:work )?badge\b|\b(?:my|\w+day's) presentation\b|"
    r"\bour works (?:festive do|party|do|outing|canteen)\b|\b(?:team|staff) meetings?\b|\bthrough every meeting\b|"
    r"\bmy shift\b|\bpayday\b|\b(?:a|our) colleagues?\b|\bcolleagues\b|\bannual leave\b|\bpay rise\b|"
    r"\bholiday request\b|\b(?:my )?(?:yearly|annual) review\b|\bnew hires\b|\bprofessional membership\b|"
    r"\bmy appraisal\b",
    "retired": r"\b(?:I retired|I've retired|since retiring|retiring set|my retirement|retirement (?:brought|in)|"
    r"since I retired)\b",
    "baby": r"\b(?:the baby|our baby|my baby|newborn|nappies|night feeds?|parental leave|maternity leave|"
    r"paternity leave)\b",
    "grandchildren": r"\bgrand(?:children|kids|son|daughter)\b",
    "parents": r"\bmy (?:mum|dad|parents|mother|father)\b|\bour parents\b",
    "grandparents": r"\bmy (?:partner's )?(?:grandmother|grandad|grandfather|gran|nan|grandma|grandpa|grandparents)\b",
    # the world's mum and dad are alive while the persona is under eighty: no "my late father's ledger"
    "late_parent": r"\bmy late (?:mum|mother|dad|father)\b|\b(?:mum|dad|mother|father)'s funeral\b|"
    r"\binherited my (?:mum|dad|mother|father)'s\b|\bsince (?:my )?(?:mum|dad|mother|father) (?:died|passed)\b",
    # the world has a grandmother and no grandfather: he is remembered ("the plane my grandfather left me"),
    # never visited, never still at it ("a short visit to my grandad" beside "the tuning fork he left me")
    "grandad_alive": r"\bmy grandad (?:keeps|forgets|gave)\b|\bstill counts coins\b|\bvisit to my grandad\b|"
    r"\bmy grandad's new\b|\bmy grandparents still\b|\bfrom my grandparents\b|\bwe still play a correspondence\b",
    # a couple is at one stage all year: about to propose, engaged, or married ("the ring is hidden in a
    # walking boot" beside "a year since we hung the wedding photos" is what a reader met)
    "proposing": r"\bmarry me\b|\bthe ring is hidden\b|\bpractised the (?:actual )?question\b|\bproposal clip\b|"
    r"\bhalf-time announcement\b|\bresize the ring\b|\bpop the question\b",
    "engaged": r"\b(?:since|after) (?:we )?(?:got|getting) engaged\b|\bgetting engaged has\b|\bsince the engagement\b|"
    r"\bmother-in-law-to-be\b|\bplanning our (?:small )?wedding\b|\bour wedding reception\b|"
    r"\bmy engagement party\b",
    "married": r"\b(?:our|my) wedding (?:photos|china|album|video)\b|\bhung the wedding photos\b|"
    r"\bsince (?:the|our) wedding\b|\bwedding anniversary\b|\bmy (?:mother|father)-in-law\b(?!-to-be)|"
    r"\b(?:my|the) in-laws\b|\bmy (?:husband|wife)\b",
    "past_sixty": r"\bsince turning sixty\b|\bsince I turned sixty\b",
    # the user grew up here (infant school, "where I grew up" on the news): no citizenship test of their own
    "newcomer": r"\bI sat my citizenship test\b|\brenew my residence permit\b",
    # the world's grandmother posts, texts and hosts: she is not in a care home
    "gran_in_care": r"\b(?:my )?(?:grandmother|gran|nan)'s care home\b",
    # the world's parents work until the user is about 42 and are retired after: no pension before, no shifts after
    "parents_retired": r"\bmy (?:mum|dad)'s pension\b|\bmy (?:mum|dad) has (?:just )?retired\b",
    "parents_working": r"\bmy (?:mum|dad)\b[^.!?]*\b(?:between shifts|her boss|his boss|her office|his office|"
    r"her shift|his shift)\b",
    "parents_seventy": r"\bmy (?:mum|dad) turned seventy\b",
    # a home is in a village or a town, for good: the village hall and the next village, or our high street
    "village": r"\b(?:our|my) village\b|\b(?:the|our) village (?:hall|fete|fête|green|shop|school|preschool|"
    r"noticeboard|tennis|show|square)\b|\bthe next (?:village|parish)\b|\bround the village\b|\bfrom the village\b|"
    r"\bout to the village\b|\ba village match\b",
    "town": r"\b(?:our|my|this) town(?:'s)?\b|\bour (?:high street|estate)\b|\bthe (?:town|city) centre\b",
    # a grandparent remembered as dead: not beside "my grandmother Thea", alive in the persona's world
    "late_grandparent": r"\b(?:my|our) late (?:gran|grandmother|nan|grandma|grandad|grandfather)\b|"
    r"\b(?:gran|grandmother|nan)'s funeral\b",
    "children": r"\b(?:my|our) (?:(?:two|three|four) )?(?:son|daughter|kids|children|boys|girls)\b|"
    r"\bmy (?:son|daughter)'s\b|\b(?:my|our) (?:eldest|youngest)\b|\b(?:we|us) parents\b|\bantenatal\b",
    # children living at home, at two stages a reader keeps apart: small ones and teenagers
    "kids_at_home": r"\bthe (?:kids|children|twins)\b(?! (?:next door|from|at school|of|on|in (?:the|our) street))|"
    r"\b(?:our|the) (?:two )?(?:boys|girls)\b|\bschool run\b|\bbedtime stor|"
    r"\bboth (?:kids|children)\b",
    "little": r"\bstabilisers\b|\bcoin-operated (?:rocket|ride|horse)\b|"
    r"\b(?:toddlers?|little ones?|car seats?|pushchair|buggy|pram|potty|the twins arrived|"
    r"nursery pick-?up|playgroup|spelling tests?|bath ?time|school gates?|primary school|joined-up|front tooth|"
    r"tooth fairy|where babies come from|reading book|egg-box|times tables|nativity|class assembly)\b|"
    r"\b(?:my|our) (?:one|two|three|four|five|six|seven|eight|nine|ten|\d)-year-olds?\b|"
    r"\b(?:the )?nursery (?:sent|teacher|staff|fees|place|run)\b|\b(?:at|from|to) nursery\b|\breward chart\b|"
    r"\bcount to (?:ten|twenty)\b|\bis learning to read\b|\bchickenpox (?:finally caught up with|a week apart)\b",
    "school_kids": r"\b(?:my|our) (?:son|daughter|kids|children|youngest|eldest)\b[^.!?]*\b(?:school|nursery|homework|"
    r"teacher|year (?:one|two|three|four|five|six))\b|"
    r"\b(?:school|nursery|homework)[^.!?]*\b(?:my|our) (?:son|daughter|kids|children|youngest|eldest)\b|"
    # a parent of a child at school, though no child is named: the school writes to us, parents' evening
    r"\bthe school (?:asked parents|sent home)\b|\bletter from the school nurse\b|"
    r"\bparents' evening (?:on|is|lasted)\b|\bduring a parents' evening\b|\bour parents' group\b|"
    r"\bschool's secondhand uniform\b|\bitem of school uniform\b|\bschool shoes\b|\bname tapes\b",
    # a home is a flat or a house, the same one in every session: neighbours above and below, "our
    # building", a lift to the door; or a loft, a roof, a garden, a shed, a pond of one's own
    "flat": r"\b(?:our|my|the)(?: whole| tiny| little| new| old)? flat\b"
    r"(?! (?:white|tyre|cap|rate|fee|pack|shoes?|screen))|"
    r"\bour (?:stairwell|lift|block)\b|\bmy balcony\b|"
    r"\blives? (?:above|below|downstairs from|upstairs from) (?:me|us)\b|"
    r"\b(?:my|our) (?:downstairs|upstairs) neighbours?\b|"
    r"\bthe (?:man|woman|couple|family|people|flat|neighbours?) (?:upstairs|downstairs)\b|"
    r"\b(?:our|my) (?:building|block)\b|\bfire stairs\b|\bcommunal (?:hallway|stairs|bins|laundry)\b|"
    r"\bso much as a balcony\b|\bfrom the lift to our door\b|\bup three flights of stairs\b|\bthe lift doors\b|"
    r"\bentrance hall\b|\ball (?:three|four|five|six) floors\b|\bour ground floor\b|"
    r"\b(?:the )?flats? (?:below|above)(?: ours| us| me| mine)?\b|\b(?:our|my) flat number\b|\bpigeonholes\b|"
    r"\bmailboxes downstairs\b|\ba communal tray\b|\bour shared entrance\b|"
    r"\b(?:I live|we live|my flat is|our flat is) on the \w+ floor\b",
    "house": r"\b(?:our|my)(?: whole| new| old)? house\b|"
    r"\bthe(?: whole)? house\b(?! (?:of|party|wine|style|rules|special))|"
    r"\b(?:our|my) (?:driveway|lawn|garage|loft|attic|back garden|front garden)\b|\bthe (?:loft|attic|driveway)\b|"
    r"\b(?:our|my) (?:pond|cellar|eaves|chimney|conservatory|porch|extension|hedges?|back step|garden|"
    r"garden (?:fence|wall)|shed)\b|(?<!under )\bour roof\b|\bend of our garden\b|\bthe (?:front|back) lawn\b|"
    r"\bthe whole terrace\b|\b(?:our|my) (?:front|back|garden) gate\b|\bthe fence between us\b|"
    r"\bover (?:the|our) (?:garden |back )?fence\b|\bour (?:back door|front path|front hedge|front wall|back wall)\b|"
    r"\bpath to our (?:front )?door\b|\bcupboard under (?:our|the) stairs\b|\bbehind our terrace\b|"
    r"\bstep up to our (?:front )?door\b|\bthe chimney swept\b|\b(?:our|the) fireplace\b|\bthe fence line\b|"
    r"\b(?:our|my) vegetable beds\b|\b(?:our|the) courtyard\b|\bthe shed padlock\b|\b(?:our|my) front steps?\b|"
    r"\b(?:on|from|by) the front steps?\b|\bchimney breast\b|\bour gate\b|\b(?:by|behind|from|in|on|to) the shed\b|"
    r"\bthe shed (?:wall|door|roof|window|key|shelf|now|padlock)\b",
    # a home is rented or owned, for good: a landlord and a tenancy, or a mortgage and the previous owners
    "renting": r"\b(?:our|my|the) (?:landlord|landlady|letting agent|letting agency)\b(?! at the)|"
    r"\b(?:our|my) rent\b|\btenancy agreement\b|\bprevious tenants?\b|\bhousing association\b|"
    r"\bthe rent (?:again|on our)\b|\bwhat the landlord charges\b|\bwe owe the landlord\b",
    "owning": r"\b(?:our|my) mortgage\b|\bmortgage deal\b|\bthe previous owners\b|\bprevious owner's tree\b|"
    r"\bvaluer\b|\bremortgag\w*|\bvalue the house\b",
    # a son or daughter with an adult life: not the child of someone whose children are small or teenagers
    "grown_children": r"\bmy (?:son|daughter)\b[^.!?]*\b(?:first job|university|graduat\w*|conference|his own flat|"
    r"her own flat|moved out|moved back home|engaged|wedding|mortgage|promotion)\b|"
    r"\b(?:first job|graduat\w*|his own flat|her own flat|engaged|mortgage|promotion)\b[^.!?]*\bmy (?:son|daughter)\b|"
    r"\b(?:kids|children) (?:have )?(?:left|flown) home|\bempty nest",
    # a single person's life: not told by someone who lives with a partner
    "single_life": r"\b(?:the break-?up|broke up with|the divorce|my divorce|single again|dating apps?|first dates?|"
    r"my ex\b|my ex's|years together ended|since (?:we|my) split|since the split|a match who|my match)",
    "teen": r"\bteen(?:age|ager|agers|s)?\b|\bGCSEs?\b|\bsixth form\b|\bschool prom\b|"
    r"\b(?:my|our) (?:eleven|twelve)-year-olds?\b",  # older than small children: not a 24-year-old's
    # living with a partner: not said by someone whose household has none; and a partner so new that the
    # user has yet to meet the parents: not beside the children they are raising together
    "cohabiting": r"\bmoved in together\b",
    # a partner of any kind: not in the texts of someone single (who dates, or got over a breakup)
    "partnered": r"\bmy (?:new )?(?:partner|other half|husband|wife)\b|\bour wedding\b|\bwedding anniversary\b",
    "new_partner": r"\bmy new partner\b|\bmy partner's parents for the first time\b",
    # the user's own age shows: reading glasses from 40, a new knee or a sixtieth from 50, exams while studying
    "past_forty": r"\bmy reading glasses\b|\bfor my fortieth\b",
    "past_fifty": r"\bmy new (?:knee|hip)\b|\b(?:arrived|was|came) on my fiftieth\b|"
    r"\bmy (?:sixtieth|seventieth|eightieth)\b",
    "studying": r"\bmy revision\b|\brevision (?:notes|folders?|timetable|cards)\b|\bmy exam results\b",
    # the home is not new: "our new flat" in March, then "nine years after moving in" and a loft the previous
    # owners painted shut; and the world's mum and dad are together: no widower who makes mum laugh
    "just_moved": r"\bour new (?:flat|place|house|home)\b|\bthe new flat\b|\bafter moving house\b|"
    r"\bhousewarming\b|\bwe moved house this\b|\bkeys to our new\b|\bsince the move\b|\bmy removal boxes\b|"
    r"\ba month into life in\b|\bin the new place\b|\bat the new place\b|\b(?:our|the) old flat\b|"
    r"\bwhen I moved here\b|\bmoving to the city\b|\bafter moving to the edge\b|\bsince moving near\b|"
    r"\bweeks after moving house\b",
    # and every history has a car in it (136 sentences of the banks): nobody there has none
    "no_car": r"\bsold the car\b|\bdriving theory test\b|\bI've got no car\b|\bwalked or taken the bus everywhere\b",
    "parents_apart": r"\bmy (?:mum|dad|mother|father)\b[^.!?]*\b(?:widow|widower|boyfriend|girlfriend|dating)\b",
    # a brother or sister of the writer: in the notes of the user's child or sibling, another of the family
    "sibling": r"\bmy (?:(?:big|little|older|younger|twin) )?(?:brother|sister)s?\b(?!-in-law)",
    "aunt_uncle": r"\bmy (?:great-)?(?:aunt|auntie|uncle)s?\b",
    # the writer is a mother or a father: "another mum and I took over" is not a man's, nor his notes'
    "as_mum": r"\b(?:another|other|fellow) mums?\b|\bus mums\b|\b(?:sports )?bra\b|\bmy handbag\b|\bher bridesmaid\b",
    "as_dad": r"\b(?:another|other|fellow) dads?\b|\bus dads\b",
}
_HER_KIN = r"(?!'s (?:grandmother|gran|nan|mum|mother|sister|aunt|niece|cousin|daughter|godmother)\b)"
_HIS_KIN = r"(?!'s (?:grandfather|grandad|dad|father|brother|uncle|nephew|cousin|son|godfather)\b)"
_HE, _SHE = r"\b(?:he|him|his|himself)\b", r"\b(?:she|her|hers|herself)\b"
for _tag, _who in (
    ("partner", r"\bmy (?:new )?(?:partner|other half)"),
    ("best_friend", r"\bmy best friend"),
    ("manager", r"\bmy manager"),
):
    LIFE_WORDS[f"{_tag}_he"] = rf"{_who}\b{_HIS_KIN}[^.!?]*{_HE}"
    LIFE_WORDS[f"{_tag}_she"] = rf"{_who}\b{_HER_KIN}[^.!?]*{_SHE}"
WORLD_PRONOUN_TAGS = {"my partner": "partner", "my best friend": "best_friend", "my manager": "manager"}
"""People of the persona's world whom scenario and neutral sentences call "he" or "she" ("my partner ...
him"): the world gives each a pronoun of its own (``llm.world``), and a sentence giving them the other one
contradicts it (``world_unfit_tags``)."""
_OFFICE_JOBS = ("software engineer", "accountant", "lawyer", "graphic designer", "sales manager", "researcher",
                "social worker", "small business owner")  # fmt: skip
_SHIFT_JOBS = ("nurse", "doctor", "retail worker", "chef", "truck driver", "construction worker", "electrician",
               "social worker", "musician")  # fmt: skip
WORKPLACES = {
    "office": (
        r"\b(?:our|my) (?:office|firm)\b|\b(?:in|at|to|from|around) the office\b|"
        r"\boffice (?:canteen|kettle|printer|radio|party|sweepstake|secret santa)\b|\ball-staff\b|\bexpenses system\b|"
        r"\bworking in payroll\b",
        _OFFICE_JOBS,
    ),
    "shift_work": (
        r"\b(?:my|rotating|night|early|late|long|weekend) shifts?\b|\bworking shifts\b|\bshift pattern",
        _SHIFT_JOBS,
    ),
    "hospital": (
        r"\bshifts? (?:at|on) (?:a|the) (?:hospital|ward)\b|\bon the wards?\b|\bbetween patients\b|\bmy patients\b|"
        r"\bhospital where I work\b",
        ("nurse", "doctor"),
    ),
    "warehouse": (r"\bwarehouse where I work\b|\bshifts? at the warehouse\b", ("retail worker", "truck driver")),
    "lab": (r"\b(?:our|my) lab\b|\b(?:staff kitchen|office) at the lab\b|\bautoclave\b", ("researcher",)),
    "shop_floor": (
        r"\bshifts? at the (?:bakery|shop|supermarket|café|cafe)\b|\breception desk all day\b|"
        r"\bmy (?:customers|till)\b",
        ("retail worker", "chef", "small business owner"),
    ),
    "classroom": (r"\bmy (?:pupils|classroom)\b|\bmarking (?:books|essays|homework)\b", ("teacher",)),
    "farm": (r"\bour (?:herd|flock|ewes|farm)\b|\bmy (?:herd|flock|tractor)\b|\blambing\b", ("farmer",)),
}
"""Where a sentence says the user works, and the occupations that work there: a nurse's history has no
"our office", an accountant's no "between patients" (a reader who meets a hospital shift and a warehouse
shift five days apart stops believing the user)."""
LIFE_WORDS |= {tag: words for tag, (words, _) in WORKPLACES.items()}
_COMPILED = {tag: re.compile(words.lower()) for tag, words in LIFE_WORDS.items()}
"""Matched against lowercased text: nearly twice as fast as case-blind matching, the same tags on every bank
sentence (the patterns use no upper-case escapes such as \\B or \\W)."""
_AS_PARENT_OF_GENDER = {"woman": ("as_dad",), "trans woman": ("as_dad",), "man": ("as_mum",), "trans man": ("as_mum",)}


_WITH_CHILDREN = ("with partner and children", "single parent", "multigenerational")
PARENTS_RETIRED_FROM = 42  # a persona this old has parents near seventy or past it: retired (llm.people)
_SMALL_CHILDREN_UNTIL = 36  # a parent younger than this has no teenager
_TEENAGERS_FROM = 50  # a parent from this age has no toddler
_GROWN_CHILDREN_FROM = 45  # someone younger has no son with a job of his own
_CHILDREN_LEFT_HOME_FROM = 45  # someone younger whose household has no children has none
_NO_SCHOOL_CHILDREN_FROM = 62  # the children of someone this old have left school
_RELATIONS_OF = {
    "flatmate": ("my roommate",),
    "partnered": ("my partner",),
    "work": ("my manager", "my coworker"),
    "children": ("my son", "my daughter"),
    "parents": ("my mum", "my dad"),
    "grandparents": ("my grandmother",),
}


def world_unfit_tags(world: dict) -> frozenset[str]:
    """The tags of sentences that give a person of ``world`` (relation -> ``Contact``) a pronoun other than
    theirs: with a partner who is "he", "my partner ... her" contradicts the history; "they" fits neither."""
    tags = set()
    for relation, tag in WORLD_PRONOUN_TAGS.items():
        contact = world.get(relation)
        if contact is not None:
            tags |= {f"{tag}_{p}" for p in ("he", "she") if p != contact.pronoun}
    return frozenset(tags)


def unfit_tags(persona, world: dict | None = None) -> frozenset[str]:
    """The ``LIFE_WORDS`` tags that would contradict ``persona`` (a ``schemas.core.Persona``), and with its
    ``world`` (``llm.world.world_for``) those giving its partner or best friend the other pronoun."""
    tags = set(world_unfit_tags(world)) if world is not None else set()
    if persona.household != "with roommates":
        tags.add("flatmate")
    if persona.occupation == "retired":
        tags.add("work")
    else:
        tags.add("retired")
    if persona.household not in _WITH_CHILDREN:
        tags |= {"baby", "little", "teen", "kids_at_home"}
    elif persona.age >= _TEENAGERS_FROM or (persona.age >= _SMALL_CHILDREN_UNTIL and _older_children(persona)):
        tags |= {"baby", "little"}  # the children at home are teenagers (or older)
    else:
        tags.add("teen")  # the children at home are small
    if persona.age < 50:
        tags.add("grandchildren")
    if persona.age < 23 or (persona.age < _CHILDREN_LEFT_HOME_FROM and persona.household not in _WITH_CHILDREN):
        tags.add("children")  # too young for children, or young enough that they would live at home
    tags.add("house" if lives_in_flat(persona) else "flat")
    tags.add("town" if lives_in_village(persona) else "village")
    tags.add("owning" if rents_home(persona) else "renting")
    small_at_home = persona.household in _WITH_CHILDREN and "teen" in tags
    if small_at_home or persona.age < _GROWN_CHILDREN_FROM:  # no son with a job beside a toddler
        tags.add("grown_children")
    # a partner at home, or a new one living apart, or none: "our six years together ended" and "dating
    # apps" beside a partner named all year is what a reader met, so a single life comes with no partner
    tags.add("single_life" if has_partner(persona) else "partnered")
    if "my partner" not in _HOUSEHOLD.get(persona.household, ()):  # no partner at home
        tags.add("cohabiting")
    if persona.household in ("with partner and children", "multigenerational"):
        tags.add("new_partner")
    if persona.household not in _WITH_CHILDREN or persona.age >= _NO_SCHOOL_CHILDREN_FROM:
        tags.add("school_kids")
    if not {"grown_children", "school_kids"} & tags:  # one "my daughter": at school or graduated, never both
        tags.add("grown_children" if _coin(f"stage:{persona.persona_id}") else "school_kids")
    if "school_kids" in tags:  # children past school: no teenager, no small child ("my teenage son" beside a graduate)
        tags |= {"teen", "little", "baby"}
    if persona.age >= 60:  # grandparents past a hundred
        tags.add("grandparents")
    else:  # "my grandmother" is alive in its world
        tags.add("late_grandparent")
    if persona.age >= 80:  # parents past a hundred
        tags.add("parents")
    else:
        tags.add("late_parent")
    tags |= {"grandad_alive", "newcomer", "gran_in_care"}
    # parents: working until the user is past forty, retired after; seventy when the user is about 35-52
    tags.add("parents_working" if persona.age >= PARENTS_RETIRED_FROM else "parents_retired")
    if not 35 <= persona.age <= 52:
        tags.add("parents_seventy")
    tags |= set(_COUPLE_STAGES) - {couple_stage(persona)}
    tags |= {place for place, (_, jobs) in WORKPLACES.items() if persona.occupation not in jobs}
    if persona.age < 40:
        tags.add("past_forty")
    if persona.age < 50:
        tags.add("past_fifty")
    if persona.age < 60:
        tags.add("past_sixty")
    if persona.occupation != "student" and persona.age > 25:
        tags.add("studying")
    tags |= set(_AS_PARENT_OF_GENDER.get(persona.gender, ("as_mum", "as_dad")))
    tags |= {"just_moved", "parents_apart", "no_car"}  # a settled home, parents together, a car
    return frozenset(tags)


_FLAT_SHARE = {"with roommates": 1.0, "lives alone": 0.7, "with partner": 0.5, "with parents": 0.2}


def lives_in_flat(persona) -> bool:
    """Whether the persona's home is a flat (else a house): most sharers and people alone live in flats,
    most families in houses; a stable draw from the persona id, the same in every session."""
    share = _FLAT_SHARE.get(persona.household, 0.2)
    return zlib.crc32(f"home:{persona.persona_id}".encode()) % 100 < share * 100


_RENT_SHARE = {"with roommates": 1.0, "lives alone": 0.6, "single parent": 0.5, "with partner": 0.45}
_RENTING_UNTIL = 25  # someone younger rents (or lives in a home someone else rents)


_VILLAGE_SHARE = 0.3


def lives_in_village(persona) -> bool:
    """Whether ``persona``'s home is in a village (else a town or a city), the same in every session: about
    three in ten of those in a house, never someone in a flat ("our village hall" beside "our high street"
    and a seventh-floor flat is what a reader met)."""
    if lives_in_flat(persona):
        return False
    return zlib.crc32(f"village:{persona.persona_id}".encode()) % 100 < _VILLAGE_SHARE * 100


def rents_home(persona) -> bool:
    """Whether the persona's home is rented (else owned): sharers and the young rent, most families own, and
    a flat is likelier rented; a stable draw from the persona id ("our landlord" in March and "our mortgage
    deal ends soon" in May is what a reader met)."""
    if persona.age < _RENTING_UNTIL:
        return True
    share = _RENT_SHARE.get(persona.household, 0.25) + (0.2 if lives_in_flat(persona) else 0.0)
    return zlib.crc32(f"tenure:{persona.persona_id}".encode()) % 100 < share * 100


_PARTNER_APART_SHARE = 0.5


def has_partner(persona) -> bool:
    """Whether ``persona``'s world has a partner: always when one lives at home; for the others a stable
    coin from the persona id (a new partner living apart, or single). A single persona's world has no
    partner and its texts none; a partnered one's texts no breakup and no dating."""
    if "my partner" in _HOUSEHOLD.get(persona.household, ()):
        return True
    return zlib.crc32(f"partner:{persona.persona_id}".encode()) % 100 < _PARTNER_APART_SHARE * 100


_COUPLE_STAGES = ("proposing", "engaged", "married")


def couple_stage(persona) -> str | None:
    """Where ``persona`` and its partner stand, the same all year: about to propose, engaged, or married
    (half of those living together; a partner living apart is never a spouse), or None without a partner."""
    if not has_partner(persona):
        return None
    draw = zlib.crc32(f"couple:{persona.persona_id}".encode()) % 4
    if "my partner" in _HOUSEHOLD.get(persona.household, ()):
        return (*_COUPLE_STAGES, "married")[draw]
    return _COUPLE_STAGES[draw % 2]


def _older_children(persona) -> bool:
    """Between the two ages either stage fits; a stable coin from the persona id picks one for good."""
    return _coin(persona.persona_id)


def _coin(key: str) -> bool:
    """A stable coin: the same key always lands the same way, in every process."""
    return zlib.crc32(key.encode()) % 2 == 0


def life_tags(text: str) -> frozenset[str]:
    """The ``LIFE_WORDS`` tags ``text`` carries (cached)."""
    return _tags_of(text)


@lru_cache(maxsize=65536)
def _tags_of(text: str) -> frozenset[str]:
    low = text.lower()
    return frozenset(tag for tag, rx in _COMPILED.items() if rx.search(low))


@lru_cache(maxsize=1024)
def rules_read(words: str) -> bool:
    """Whether a life rule reads ``words`` (a relation such as "my son" or "my best friend"): a tag of their own
    (``LIFE_WORDS``: "my son" is ``children``) or a pronoun the world fixes (``WORLD_PRONOUN_TAGS``). A
    sentence that names only people outside both has the tags of its template."""
    return bool(_tags_of(words)) or words in WORLD_PRONOUN_TAGS


def fits_life(text: str, unfit: frozenset[str]) -> bool:
    """Whether ``text`` says nothing of the kinds ``unfit`` names."""
    return not (unfit and _tags_of(text) & unfit)


_HOUSEHOLD = {
    "with partner": ("my partner",),
    "with partner and children": ("my partner", "my son", "my daughter"),
    "single parent": ("my son", "my daughter"),
    "multigenerational": ("my partner", "my son", "my daughter", "my mum", "my dad", "my grandmother"),
    "with roommates": ("my roommate",),
    "with parents": ("my mum", "my dad"),
}
MESSAGE_TASKS = ("message", "reply")
"""Task types whose text goes to the contact: a catch-up or a reply, never to someone one lives with."""


def living_with(persona) -> frozenset[str]:
    """The relations ``persona`` lives with (its household): nobody of them comes round or rings."""
    return frozenset(_HOUSEHOLD.get(persona.household, ()))


def correspondents(persona, people: list) -> list:
    """The people (``schemas.generation.Contact``) the persona would write a message to: not those it
    lives with (a partner at home does not send "a letter asking what's new"); all of them if none is left."""
    home = set(_HOUSEHOLD.get(persona.household, ()))
    away = [c for c in people if c.relation not in home]
    return away or list(people)


def holders_for(persona, relations: list[str]) -> list[str]:
    """The people who can hold a preference the user relays (``who = other``): ``relations_for``, without a
    son or daughter while the persona's children are small or teenagers (their texts would tell of office
    desks and mortgages: a reader met a 36-year-old's son with a workplace facilities department)."""
    people = relations_for(persona, relations)
    if "grown_children" in unfit_tags(persona):
        people = [r for r in people if r not in ("my son", "my daughter")]
    return people


def relations_for(persona, relations: list[str]) -> list[str]:
    """The relations (``my sister``, ...) the persona can have, in the taxonomy's order."""
    unfit = unfit_tags(persona)
    gone = {r for tag in unfit for r in _RELATIONS_OF.get(tag, ())}
    return [r for r in relations if r not in gone]
