"""The words of each kind of life detail (``llm.life`` decides which a persona cannot have).

What: ``LIFE_WORDS`` maps a tag ("flat", "house", "late_parent", "married", ...) to a regular expression
over a sentence's words (matched on lowercased text); ``WORKPLACES`` maps a workplace to its words and the
occupations that work there; ``WORLD_PRONOUN_TAGS`` names the people of a world whom sentences give a
pronoun. Why: each rule is a careful reader's finding ("the man upstairs" beside "our pond"); keeping the
words apart from the rules that apply them keeps both readable. How: data only;
``python -c "from llm.life_words import LIFE_WORDS; print(sorted(LIFE_WORDS))"``.
"""

from __future__ import annotations

LIFE_WORDS = {
    "flatmate": r"\b(?:flatmate|roommate|housemate)s?\b",
    "work": r"\bmy (?:manager|boss|coworker|colleague|team|job|employer|workplace|payslip)s?\b|\bat work\b|"
    r"\bmy office\b|\b(?:each way|way|cycle|walk|drive|pedal|commute|travel|late|early|straight) (?:to|from) work\b|"
    r"\bclient's office\b|\bopen-plan office\b|\bmy (?:work )?badge\b|\b(?:my|\w+day's) presentation\b|"
    r"\bour works (?:festive do|party|do|outing|canteen)\b|\b(?:team|staff) meetings?\b|\bthrough every meeting\b|"
    r"\bmy shift\b|\bpayday\b|\b(?:a|our) colleagues?\b|\bcolleagues\b|\bannual leave\b|\bpay rise\b|"
    r"\bholiday request\b|\b(?:my )?(?:yearly|annual) review\b|\bnew hires\b|\bprofessional membership\b|"
    r"\bmy appraisal\b|\boutside work\b|"
    # a grandmother of ninety met by readers "on my days off", chasing holiday pay on old payslips, and
    # panicking at a pension projection: words of someone in work
    r"\bmy days off\b|\bholiday pay\b|\bmy payslips\b|\bmy pension statement\b|\bmy department\b|"
    # and in a grandmother's notes "our company newsletter" and "our work canteen"
    r"\bour company newsletter\b|\bwork canteen\b",
    "retired": r"\b(?:I retired|I've retired|since retiring|retiring set|my retirement|retirement (?:brought|in|left)|"
    r"retired in (?:january|february|march|april|may|june|july|august|september|october|november|december)|"
    r"since I retired)\b|\bmy old role\b",  # "the job advert for my old role went up": left it
    "baby": r"\b(?:the baby|our baby|my baby|newborn|nappies|night feeds?|parental leave|maternity leave|the cot|"
    r"paternity leave)\b",
    "grandchildren": r"\bgrand(?:children|kids|son|daughter)\b",
    "parents": r"\bmy (?:mum|dad|parents|mother|father)\b|\bour parents\b",
    "grandparents": r"\bmy (?:partner's )?(?:grandmother|grandad|grandfather|gran|nan|grandma|grandpa|grandparents)\b",
    # the world's mum and dad are alive while the persona is under eighty: no "my late father's ledger"
    "late_parent": r"\b(?:my|our) late (?:mum|mother|dad|father)(?:'s)?\b|\b(?:mum|dad|mother|father)'s funeral\b|"
    r"\bmy (?:mum|mother) could tell rain\b|"  # told of as gone (a reader met it beside her volunteering)
    r"\binherited my (?:mum|dad|mother|father)'s\b|\bclearing (?:my|our) (?:mum|dad|mother|father)'s (?:flat|house)\b|"
    r"\bsince (?:my )?(?:mum|dad|mother|father) (?:died|passed)\b",
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
    r"\bchanging my surname\b|"
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
    # what the neighbour next door sees as well as the user: the street, the houses beside and across it, the
    # building's shared stairs and lift; never news in a text for the neighbour, nor in a text the user relays
    # for someone else (whose reader may be their neighbour): readers met "Speed bumps have gone in along our
    # road" in Jomo's note to his neighbour, and "the loft next door to us" told to the neighbour next door
    "neighbourhood": r"\b(?:our|my|this|the same) (?:street|road|lane|close|cul-de-sac|crescent|terrace|block|building|"
    r"stairwell|lift|intercom|estate|neighbourhood)\b|\bnext door\b|\bnext-door\b|\b(?:over|across|down|up) the "
    r"(?:road|street)\b|\b(?:near|round|around|opposite|behind|beside) us\b|\b(?:round|around) here\b|"
    r"\bthe (?:street|road|streetlight|lamp post|pavement|kerb|bus stop) outside\b|\bstreetlights?\b|"
    r"\b(?:on|along|in|down) (?:our|the|my) (?:street|road)\b|\bthe (?:man|woman|couple|family|people|neighbours?) "
    r"(?:upstairs|downstairs|opposite|over the road|across the road|at number \w+)\b|\bnew neighbours\b|"
    r"\bcommunal (?:hallway|stairs|bins|laundry|garden)\b|\b(?:everyone|whole|rest of the) (?:in the )?building\b",
    # a grandparent remembered as dead: not beside "my grandmother Thea", alive in the persona's world
    "late_grandparent": r"\b(?:my|our) late (?:gran|grandmother|nan|grandma|grandad|grandfather)\b|"
    r"\b(?:gran|grandmother|nan)'s funeral\b|\bmy grandmother's old \w+ came to me\b",
    "children": r"\b(?:my|our) (?:(?:two|three|four) )?(?:son|daughter|kids|children|boys|girls)\b|"
    r"\bmy (?:son|daughter)'s\b|\b(?:my|our) (?:eldest|youngest)\b|\b(?:we|us) parents\b|\bantenatal\b|"
    r"\bguardianship\b|\bparent chats?\b",  # an eighteen-year-old's will naming guardians, a reader found
    # children living at home, at two stages a reader keeps apart: small ones and teenagers
    "kids_at_home": r"\bthe (?:kids|children|twins)\b(?! (?:next door|from|at school|of|on|in (?:the|our) street))|"
    r"\b(?:our|the) (?:two )?(?:boys|girls)\b|\bschool run\b|\bbedtime stor|"
    r"\bboth (?:kids|children)\b|\bchildcare\b|\b(?:another|other|fellow) (?:mums?|dads?)\b|\bus (?:mums|dads)\b|"
    r"\bfamily ticket\b|\bwho's having the kids\b|\bschool pick-up\b",
    "little": r"\bstabilisers\b|\bcoin-operated (?:rocket|ride|horse)\b|"
    r"\b(?:toddlers?|little ones?|car seats?|pushchair|buggy|pram|potty|the twins arrived|"
    r"nursery pick-?up|playgroup|spelling tests?|bath ?time|school gates?|primary school|joined-up|front tooth|"
    r"tooth fairy|where babies come from|reading book|egg-box|times tables|nativity|class assembly|gold star|"
    r"year (?:one|two|three|four|five|six) (?:trip|class|teacher|play|assembly))\b|"
    r"\b(?:my|our) (?:one|two|three|four|five|six|seven|eight|nine|ten|\d)-year-olds?\b|"
    r"\b(?:the )?nursery (?:sent|teacher|staff|fees|place|run)\b|\b(?:at|from|to) nursery\b|\breward chart\b|"
    r"\bthe new nursery\b|"
    r"\bcount to (?:ten|twenty)\b|\bis learning to read\b|\bchickenpox (?:finally caught up with|a week apart)\b|"
    # a primary school's costume days: a reader met a book-character costume for "my youngest" beside a teenage son
    r"\bbook[- ]character\b|\bdress-up days?\b",
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
    r"\bour (?:stairwell|lift|block|intercom)\b|\bmy balcony\b|\bhalf the building\b|\bbecause the stairwell\b|"
    r"\blives? (?:above|below|downstairs from|upstairs from) (?:me|us)\b|"
    r"\b(?:my|our) (?:downstairs|upstairs) neighbours?\b|"
    r"\bthe (?:man|woman|couple|family|people|flat|neighbours?) (?:upstairs|downstairs)\b|"
    r"\b(?:our|my) (?:building|block)\b|\bfire stairs\b|\bcommunal (?:hallway|stairs|bins|laundry)\b|"
    r"\bso much as a balcony\b|\bfrom the lift to our door\b|\bup three flights of stairs\b|\bthe lift doors\b|"
    r"\bentrance hall\b|\ball (?:three|four|five|six) floors\b|\bour ground floor\b|"
    r"\b(?:the )?flats? (?:below|above)(?: ours| us| me| mine)?\b|\b(?:our|my) flat number\b|\bpigeonholes\b|"
    r"\bmailboxes downstairs\b|\ba communal tray\b|\bour shared entrance\b|"
    r"\b(?:I live|we live|my flat is|our flat is) on the \w+ floor\b|\bour balcony\b|"
    r"\bdown (?:three|four) flights of stairs\b|"
    r"\b(?:our|my) neighbours? (?:upstairs|downstairs)\b|\b(?:everyone|whole|rest of the) (?:in the )?building\b|"
    r"\bsomeone on the \w+ floor\b|\bthe lift stopped between floors\b",
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
    r"\bthe shed (?:wall|door|roof|window|key|shelf|now|padlock)\b|\bI do everything outside\b",
    # a home is rented or owned, for good: a landlord and a tenancy, or a mortgage and the previous owners
    "renting": r"\b(?:our|my|the) (?:landlord|landlady|letting agent|letting agency)\b(?! at the)|"
    r"\b(?:our|my) rent\b|\btenancy agreement\b|\bprevious tenants?\b|\bhousing association\b|"
    r"\bthe rent (?:again|on our)\b|\bwhat the landlord charges\b|\bwe owe the landlord\b",
    "owning": r"\b(?:our|my) mortgage\b|\bservice charge\b|\bmortgage deal\b|"
    r"\bthe previous owners\b|\bprevious owner's tree\b|"
    r"\bvaluer\b|\bremortgag\w*|\bvalue the house\b",
    # a son or daughter with an adult life: not the child of someone whose children are small or teenagers
    "grown_children": r"\bmy (?:son|daughter)\b[^.!?]*\b(?:first job|university|graduat\w*|conference|his own flat|"
    r"her own flat|moved out|moved back home|engaged|wedding|mortgage|promotion)\b|"
    r"\b(?:first job|graduat\w*|his own flat|her own flat|engaged|mortgage|promotion)\b[^.!?]*\bmy (?:son|daughter)\b|"
    r"\b(?:kids|children) (?:have )?(?:left|flown) home|\bempty nest",
    # a son or daughter just grown up (a first job, a degree, a first flat): not the child of someone past
    # sixty-five, whose children are in their forties ("my son started his first job" from an eighty-year-old)
    "young_grown": r"\bmy (?:son|daughter)\b[^.!?]*\b(?:first job|university|graduat\w*|his own flat|her own flat|"
    r"moved out|moved back home|gap year|freshers?)\b|"
    r"\b(?:first job|graduat\w*|his own flat|her own flat|gap year)\b[^.!?]*\bmy (?:son|daughter)\b",
    # a single person's life: not told by someone who lives with a partner
    "single_life": r"\b(?:the break-?up|broke up with|the divorce|my divorce|single again|dating apps?|first dates?|"
    r"my ex\b|my ex's|years together ended|since (?:we|my) split|since the split|a match who|my match|"
    r"single for|been single|relationship of mine ended)",
    # a family of small children has a baby or a toddler as its youngest, or its youngest is at school: a
    # reader met "my youngest made a card for her teacher" beside "the baby has started crawling"
    "youngest_at_school": r"\b(?:my|our) youngest(?:'s)?\b[^.!?]*\b(?:school|teacher|stickers|stabilisers|"
    r"bike)\b",
    # two children: not beside a baby, the third ("both kids came down with chickenpox" beside a daughter at
    # school, a son and a baby pulling herself up, which a reader met)
    "two_children": r"\bboth (?:kids|children)\b",
    "toddler_at_home": r"\bmy (?:two|three)-year-old\b|\b(?:the|our|my) toddler\b|\bwith two toddlers\b",
    "teen": r"\bteen(?:age|ager|agers|s)?\b|\bGCSEs?\b|\bsixth form\b|\bschool prom\b|"
    r"\b(?:my|our) (?:eleven|twelve)-year-olds?\b|"  # older than small children: not a 24-year-old's
    # a child's final exams: no family of a toddler (a reader met "our eldest sat her final exam" beside one)
    r"\b(?:my|our) (?:eldest|son|daughter)\b[^.!?]*\bfinal exams?\b",
    # living with a partner: not said by someone whose household has none; and a partner so new that the
    # user has yet to meet the parents: not beside the children they are raising together
    "cohabiting": r"\bmoved in together\b",
    # a partner of any kind: not in the texts of someone single (who dates, or got over a breakup)
    "partnered": r"\bmy (?:new )?(?:partner|other half|husband|wife)\b|\bour wedding\b|\bwedding anniversary\b",
    "new_partner": r"\bmy new partner\b|\bmy partner's parents for the first time\b|"
    r"\b(?:since (?:we )?)?mov(?:ed|ing) in together\b",
    # the user's own age shows: reading glasses from 40, a new knee or a sixtieth from 50, exams while studying
    "past_forty": r"\bmy reading glasses\b",
    # a fortieth or a fiftieth told of: from that birthday, and not at eighty ("For my fortieth I set it up on
    # social media"); ``llm.life`` bounds the ages
    "recent_fortieth": r"\bfor my fortieth\b|\bmy fortieth shook\b|\bsince my fortieth\b",
    "recent_fiftieth": r"\b(?:arrived|was|came) on my fiftieth\b|\bsince my fiftieth\b",
    "past_fifty": r"\bmy new (?:knee|hip)\b|\bmy (?:sixtieth|seventieth|eightieth)\b",
    "studying": r"\bmy revision\b|\bmy graduation certificate\b|"
    r"\brevision (?:notes|folders?|timetable|cards)\b|\bmy exam results\b",
    # studying or sitting exams now, at any age a course is taken (taxonomy/life_labels.yaml lists most): not
    # said past seventy, nor in a grandmother's notes ("the exam board sent my results")
    "learner": r"\bmy (?:coursework|course reader|course portal)\b",
    # the home is not new: "our new flat" in March, then "nine years after moving in" and a loft the previous
    # owners painted shut; and the world's mum and dad are together: no widower who makes mum laugh
    "just_moved": r"\b(?:our|my) new (?:flat|place|house|home)\b|\bthe new flat\b|\bafter moving house\b|"
    r"\bmoved in together (?:\w+ )?(?:weeks?|months?) ago\b|\bmerging our two\b|"
    r"\bhousewarming\b|\bwe moved house this\b|\bkeys to our new\b|\bsince the move\b|\bmy removal boxes\b|"
    r"\ba month into life in\b|\bin the new place\b|\bat the new place\b|\b(?:our|the) old flat\b|"
    r"\bwhen I moved here\b|\bmoving to the city\b|\bafter moving to the edge\b|\bsince moving near\b|"
    r"\bweeks after moving house\b|\bsince moving (?:to|into|out to|in here)\b|\bafter the move to\b|"
    r"\bsince we moved (?:next to|to)\b|\bmoving into a flat above\b|\bthe same week I moved out\b|"
    r"\ba year on this street\b|\bmy change of address\b",
    # a loft the user's memories are kept in is one they have been into ("never been into our loft" beside
    # "clearing out the loft on Sunday we found my old school workbooks" is what a reader met)
    "loft_unopened": r"\bnever been into our loft\b",
    # a sister's or a cousin's wedding lies ahead or is past, for the whole history: a reader met the sister's
    # wedding invitation pinned to the fridge and her wedding photographer's eight hundred pictures
    "sister_wedding_ahead": r"\bmy sister's wedding (?:invitation|is in)\b|\bmy sister has roped me into tasting\b|"
    r"\bwedding invitations my sister designed\b|\bmy sister \w+ called to say the wedding date\b|"
    r"\bmy sister asked me to be her bridesmaid\b",
    # married already: her husband, their anniversary (a reader met "my sister and her husband are away"
    # beside the wedding date being fixed)
    "sister_wedding_past": r"\bmy sister's wedding photographer\b|\bphotos from my sister's wedding\b|"
    r"\bmy sister and her husband\b|\bmy sister's (?:husband|anniversary)\b",
    "cousin_wedding_ahead": r"\bmy cousin (?:\w+ )?(?:is getting married|got engaged|called to say the wedding date)\b|"
    r"\bwedding fair with my cousin\b|\bmy cousin's wedding overseas\b",
    "cousin_wedding_past": r"\bmy cousin lost her wedding ring\b|\bthrough my cousin's wedding\b",
    # a driver with a car of their own (most personas) never learns to drive or has just passed; one without
    # (``llm.life.drives``) tells of no car of their own: a reader met "I passed my test yesterday" in July
    # beside a garage that "has done my cars for twenty years" and a car squeaking in January
    "no_car": r"\bsold the car\b|\bdriving theory test\b|\bi've got no car\b|\bwalked or taken the bus everywhere\b|"
    r"\bgave up the car\b|\bfrom the scrapyard\b|\bmy old car failed its test\b|\bsince my car came off the road\b|"
    r"\bpassed my (?:driving )?test\b|\bpassing my test\b|\bafter i passed\b|\bprovisional licence\b|"
    r"\bget my driving licence\b|\bwithout a licence\b|\bpermanent passenger\b|\bpass certificate\b|\bhighway code\b|"
    r"\bdriving lessons?\b|\bdriving instructor\b|\bmy own set of wheels\b|\bmy first car\b|\blearner driver\b",
    "own_car": r"\bmy (?:old |new |little |last |next |own )?(?:car|cars|van)\b|\bour (?:old |new |little )?car\b|"
    r"\bthe car\b|\bmy car's\b|\bwindscreen\b|\bmy mirrors\b|\bcup holder\b|\bdashboard\b|\bfootwell\b|"
    r"\bon the hands-free\b|\bthe drive (?:back|home|in|there)\b|\bi drove\b|\bi drive\b|\bjump leads\b|"
    r"\bchanged cars\b|\bcar (?:repair|insurance|tax|battery|wash)\b|\bpetrol\b|\bforecourt\b|\bmotorway\b|"
    r"\bmy cars\b|\bbattery tops up\b|\bparking (?:outside|anywhere near)\b|\bmot\b|\bmy tyres?\b|"
    r"\bfill(?:ed)? up the car\b|\bfilled the tank\b|\bdrove (?:to|home|back|up|down)\b|\bleasing firm\b|"
    r"\bboot of (?:my|our|the) car\b",
    # the world's brother and sister live near enough to come round: none of them lives or moves abroad
    "sibling_abroad": r"\bmy (?:brother|sister) overseas\b|"
    r"\bmy (?:brother|sister)\b[^.!?]*\b(?:moves?|moving) abroad\b|"
    r"\bmy (?:brother|sister) is moving abroad\b|\bmy (?:brother|sister)\b[^.!?]*\bfirst job abroad\b",
    # a niece or nephew is a child or grown, for good ("a gap year overseas" in March, "a school project" in June)
    "sibling_kids_grown": r"\bmy (?:niece|nephew)\b[^.!?]*\b(?:gap year|university|uni\b|studying|degree|graduat\w*|"
    r"semi-professional|contract|first job|driving test|exam results|open day|flat of (?:her|his) own)",
    "sibling_kids_small": r"\bmy (?:niece|nephew)\b[^.!?]*\b(?:school|homework|mohawk|nursery|class\b|teacher|bedtime|"
    r"pocket money|sandcastle|stick insect|wobbly tooth|cartoons?|playground|potty)",
    "petless": r"\bpet I never had\b|\bnever had a pet\b|\bwhatever I get has to be\b",
    "parents_apart": r"\bmy (?:mum|dad|mother|father)\b[^.!?]*\b(?:widow|widower|boyfriend|girlfriend|dating)\b",
    # a brother or sister of the writer: in the notes of the user's child or sibling, another of the family
    "sibling": r"\bmy (?:(?:big|little|older|younger|twin) )?(?:brother|sister)s?\b(?!-in-law)",
    # the brother is a student or works, and at one job: a reader met a funded doctorate, a tree surgeon, a
    # degree left for plumbing and an office with a supervisor, all of one brother in one history
    "brother_student": r"\bmy (?:little )?brother (?:has been offered a funded doctorate|has told the family he's "
    r"leaving his degree)\b",
    "brother_job": r"\bmy brother(?: \w+)?\b[^.!?]*\b(?:supervisor|rotas?|shifts?|his office|his boss|promot\w+|"
    r"colleagues|is a tree surgeon|works in a shoe shop)\b",
    "brother_tree_surgeon": r"\bmy brother is a tree surgeon\b",
    "brother_shoe_shop": r"\bmy brother works in a shoe shop\b",
    # an aunt's funeral: not in a world where she finds the mug she was given (a reader met both, a week apart)
    "aunt_died": r"\bmy aunt's funeral\b",
    "aunt_uncle": r"\bmy (?:great-)?(?:aunt|auntie|uncle)s?\b",
    # the writer is a mother or a father: "another mum and I took over" is not a man's, nor his notes'
    "as_mum": r"\b(?:another|other|fellow) mums?\b|\bus mums\b|\b(?:sports )?bra\b|\bmy handbag\b|\bher bridesmaid\b",
    "as_dad": r"\b(?:another|other|fellow) dads?\b|\bus dads\b|\bmy (?:beard|whiskers|moustache)\b",
    # the user's own animal: a dog or a cat for good ("our old boy" barking at waves and getting a birthday
    # sardine on a saucer is what a reader met), or any animal ("our vet", "the old boy")
    "dog": r"\b(?:my|our|the) (?:(?:new|young|rescue|old) )?(?:dog|puppy|spaniel|lurcher|terrier|collie|collie pup|"
    r"cockapoo|labrador|whippet|greyhound|retriever)(?:'s)?\b(?!-| next door)|\bdog walks\b|\bwalks with the dog\b|"
    r"\bold boy (?:tries to bark|rolled in)\b|\bobedience (?:night|class)\b",
    "cat": r"\b(?:my|our|the) (?:cat|cats|kitten)\b(?!-| next door)|\bcat hair\b|\bcat litter\b|\bcat-sitter\b|"
    r"\bbirthday sardine\b|\badopted a (?:two-year-old )?cat\b",
    "pet": r"\bold boy\b|\bmy animal\b|\bmy pets'?|\bour pets\b|\b(?:our|the) vet(?:'s)?\b(?! (?:nurse|school))|"
    r"\bkennel stay\b|\ba kennel for\b|\bthe annual booster\b|\bflea treatment\b",
    # a home where no dog may live: not the home of the user's spaniel (a reader met both)
    "no_dog": r"\banything that barks\b|\bno dogs allowed\b|\bbans dogs\b",
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
        r"\bworking in payroll\b|\bour IT people\b",
        _OFFICE_JOBS,
    ),
    "shift_work": (
        r"\b(?:my|rotating|night|early|late|long|weekend|extra) shifts?\b|\bworking shifts\b|\bshift pattern|"
        r"\bbank holiday shifts\b",  # "the rota for the bank holiday shifts" beside an office (met by a reader)
        _SHIFT_JOBS,
    ),
    "hospital": (
        r"\bshifts? (?:at|on) (?:a|the) (?:hospital|ward)\b|\bon the wards?\b|\bbetween patients\b|\bmy patients\b|"
        r"\bhospital where I work\b",
        ("nurse", "doctor"),
    ),
    "warehouse": (
        r"\bwarehouse where I work\b|\bshifts? at the warehouse\b|\bforklift licence\b",
        ("retail worker", "truck driver"),
    ),
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
