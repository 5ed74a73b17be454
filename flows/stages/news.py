"""The ordinary sentences of a persona's tasks: news about its world and about its preference domains.

What: ``NewsSupply`` hands out sentences for the texts of one persona's tasks, never the same one twice
for that persona: world news (``taxonomy/world.yaml``: ``news`` about a person of the persona's world,
never the person the text is for, and ``habits``, the user's own routines and small events), and domain
news (``neutral`` in each scenario file: touches a domain). Neither is ever a sentence (or a world news
template) that ``taxonomy/leans.yaml`` lists against a scenario the persona is asked about. About 30% of draws come
from the domains the persona holds preferences in, so non-cue tasks touch the same topics as cue tasks
(topical distractors). Closer still, each scenario the persona holds a preference in brings its
``topical`` sentences (the user's own, on the question's very subject, deciding nothing): they stand in
the focus place of own texts (most of the first ones), so a reader who searches a history for a
question's topic finds three or four of the user's sentences on it and must understand which decides.
Someone else's text (notes the user relays or tidies for them) takes domain news from the domains the user
holds no preference in, the near ones only when those run out: three blind readers found a grandmother's,
a dad's and a coworker's notes sharing the user's hobbies (a grandmother servicing her camera lens).
Habits matter as much as topics: a cue is a first-person habit or circumstance, so the user's own texts must be full of
first-person habits and circumstances that imply nothing.
Why: cue and non-cue texts must be made of the same stuff; only the one cue sentence differs: every
text has one sentence in focus (the cue, or in a non-cue text a domain sentence from ``focus``) among
``take``'s ordinary ones. How: a seeded shuffle per persona; the conversations stage (``half=0``, a
tenth: cue sessions need few) and the persona-task stage (``half=1``, the rest) take disjoint parts,
so they never collide.
"""

from __future__ import annotations

from flows.stages.banks import persona_banks
from flows.stages.draws import THEMED_SHARE, Theme, backwards, particular_words, pop
from flows.stages.held import HELD_SHARE
from llm.life import rules_read
from llm.people import someone_elses, speaks_of, unfit_for_reader
from llm.seeding import rng_for
from llm.timing import months_fitting
from llm.world import fits, render_news, rendered_tags
from schemas.core import Preference
from schemas.generation import Contact
from taxonomy import Taxonomy

CUE_SHARE = 10
"""One sentence in ``CUE_SHARE`` goes to cue sessions (about 40 sessions of 3 sentences on ``full``; a
tenth of the banks is about 2.5 times that), the rest to the persona's own tasks, which fill 128k tokens:
with a sixth, the own tasks ran out and the shared generic pool, a different kind of turn, filled ~30
sessions of every 128k history."""

TOPICAL_SHARE = 0.8
"""The chance that an own text's focus sentence is a topical one while any are left: with 16-28
preferences of 3 sentences each, they are spent in a persona's first 60-110 own tasks, and a history takes
a persona's own tasks in the order they were written (``flows.stages.histories``), so a 32k history
(about 110 own tasks) holds nearly all of them, and a 128k history all."""


class NewsSupply:
    """Sentences for one persona's texts (see the module docstring)."""

    def __init__(
        self,
        seed: int,
        persona_id: str,
        preferences: list[Preference],
        tax: Taxonomy,
        half: int,
        unfit: frozenset[str] = frozenset(),
        retired: frozenset[str] = frozenset({"my grandmother"}),
        at_home: frozenset[str] = frozenset(),
        age: int | None = None,
        avoid: tuple[str, ...] = (),
    ) -> None:
        self.tax = tax
        self.age = age  # the persona's: a sister of a thirty-year-old is not retiring (world.yaml unfit)
        self.at_home = at_home  # the relations the persona lives with (llm.life.living_with): nobody "came over"
        self.young_children = "grown_children" in unfit  # its son and daughter are small or teenagers
        self.unfit = unfit  # life details the persona cannot have (llm.life): such sentences are never taken
        self.retired = retired  # the people of its world who no longer work (llm.people.retired_people)
        self.rng = rng_for(seed, "news", persona_id, half)
        # ``avoid``: the subjects of the user's own running stories (``flows.stages.storylines``)
        banks = persona_banks(seed, persona_id, preferences, tax, half, unfit, CUE_SHARE, avoid)
        self.world, self.habits, self.near, self.far = banks.world, banks.habits, banks.near, banks.far
        self.topical, self.topic_area = banks.topical, banks.topic_area
        self.held, self.held_area = banks.held, banks.held_area  # cues of preferences never asked about
        self.window: frozenset[int] | None = None
        self.unfit_now: frozenset[str] = frozenset()  # what the text being built adds to ``unfit`` (others' texts)
        self.addressee: str | None = None
        self.area: str | None = None  # the area of life the text being built keeps to
        self.strict = False  # a draw takes only a sentence of ``area`` (``draws.backwards``)
        self.themed = False  # the draw keeps to ``area`` (``THEMED_SHARE``)
        # an own text's sources are CUE_SHARE - 1 times a cue text's: a draw looks as far for its area into
        # either (the same share of a source), so own texts are not better kept to one subject (a tell)
        self.thin = 1 if half == 0 else CUE_SHARE - 1
        self.told: set[str] = set()  # the particular things the text being built tells of (``take``)

    def focus(
        self,
        window: frozenset[int] | None = None,
        own_text: bool = True,
        addressee: str | None = None,
        area: str | None = None,
    ) -> str | None:
        """The sentence a non-cue text has where a cue text has its cue: in the user's own texts, with
        ``held.HELD_SHARE`` while any are left, the cue of a preference it holds but is not asked about, else
        with ``TOPICAL_SHARE`` while any are left, a topical sentence of a scenario it holds a preference in;
        otherwise domain news, from the persona's own domains half the time (so cue and non-cue texts are
        made the same way, one such sentence each), then, when domain news is used up, one of the user's habits.
        ``window``: the months the text may be dated in; its calendar words must allow one (``llm.timing``).
        ``addressee``: the relation of the person the text is for, when already chosen (``take``).
        ``area``: an area of life (``taxonomy/areas.yaml``) a domain or habit focus is taken from where the
        next ``draws.THEME_WINDOW`` hold one; the text then keeps to ``area_of`` the focus (``take``)."""
        unfit = unfit_for_reader(addressee) if own_text else someone_elses(addressee, retired=self.retired)
        to = addressee
        held = own_text and self.held and self.rng.random() < HELD_SHARE
        if held and (found := pop(self.held, window, unfit, to=to)):
            return found
        topical = own_text and self.topical and self.rng.random() < TOPICAL_SHARE
        if topical and (found := pop(self.topical, window, unfit, to=to)):
            return found
        self.area, self.themed = area, True
        where = self._theme()
        near_first = bool(self.near) and (self.rng.random() < 0.5 or not self.far)
        if not own_text and self.far:  # someone else's text: domains the user holds nothing in
            near_first = False
        if near_first:
            found = pop(self.near, window, unfit, to, where) or pop(self.far, window, unfit, to, where)
        else:
            found = pop(self.far, window, unfit, to, where) or pop(self.near, window, unfit, to, where)
        # domain news used up (the life rules leave a persona fewer of them): one of the user's own habits
        # stands in the focus place, so a 128k history is still the persona's own tasks, not the shared pool
        # (never in someone else's text: a habit of the user's is not theirs to tell)
        return found or (pop(self.habits, window, unfit, to, where) if own_text else None)

    def area_of(self, focus: str) -> str | None:
        """The area of life a text with this focus keeps to: for a topical sentence its scenario's (as a cue
        text of that scenario does), otherwise the sentence's own."""
        return self.topic_area.get(focus) or self.held_area.get(focus) or self.tax.area.get(focus)

    def _habit_share(self, has_people: bool) -> float:
        """The chance that a world sentence is a habit of the user's: in proportion to what is left."""
        world = len(self.world) if has_people else 0
        return len(self.habits) / max(1, len(self.habits) + world)

    def take(
        self,
        n: int,
        people: list[Contact],
        contact: Contact | None,
        own_text: bool,
        window: frozenset[int] | None = None,
        area: str | None = None,
        told: tuple[str, ...] = (),
    ) -> list[str]:
        """``n`` sentences; world news only in the user's own texts, and never about ``contact``; with
        ``window`` (the months the text may be dated in), only sentences whose calendar words allow a month
        of it that all the text's other sentences allow too; with ``area`` (``taxonomy/areas.yaml``: the
        area of life the text is about), ``THEMED_SHARE`` of them from that area where the next
        ``draws.THEME_WINDOW`` of a source hold one; none telling of a particular thing (a boiler, a water
        bottle: ``draws.particular_words``) another sentence of the text or one of ``told`` tells of. ``told``:
        the text's focus, or for a cue text the cues its option may be shown by (the backend writes the cue
        after this draw, so all of them), so neither kind of text tells of one thing twice."""
        out: list[str | None] = []
        self.window = window
        self.area = area
        self.told = {w for text in told for w in self.particular(text)}
        # someone else's text tells nothing of their family or home (their "my son" would be the user)
        author = (contact.relation, contact.pronoun) if contact else (None, None)
        self.addressee = contact.relation if contact is not None else None  # "Hi Mum": no "Mum's hip" in it
        # and the user's own text for the neighbour tells nothing of the street they share (``unfit_for_reader``)
        self.unfit_now = unfit_for_reader(self.addressee) if own_text else someone_elses(*author, retired=self.retired)
        # nobody the text's reader shares either ("my mum Ada" in a note to the user's sister: "Mum")
        others = [
            p
            for p in people
            if contact is None or (p.name != contact.name and not speaks_of(p.relation, self.addressee))
        ]
        self.rng.shuffle(others)  # one text names each person at most once while it can
        for _ in range(n):
            r = self.rng.random()
            habit = own_text and r < 0.8 and self.rng.random() < self._habit_share(bool(others))
            if r < 0.3:
                order = ("near", "habits", "world", "far")
            elif habit:
                order = ("habits", "world", "far", "near")
            elif r < 0.8:
                order = ("world", "habits", "far", "near")
            else:
                order = ("far", "near", "habits", "world")
            if not own_text:  # their habits and world news are never drawn; far domains first
                order = ("far", "near")
            # the drawn source first; when it has nothing left that fits, the next one, so a text keeps its
            # length as the persona's banks run down (without this, the last third of a persona's own tasks
            # were 15-20% shorter than its cue texts: a form cue)
            # a sentence of the text's area from any source first (a cue text's sources are short: from the
            # drawn one alone, its texts kept to their area less than own texts), then the drawn source's last
            # (a draw keeps to the area only THEMED_SHARE of the time: see there)
            self.themed = self.area is not None and self.rng.random() < THEMED_SHARE
            passes = (True, False) if self.themed else (False,)  # a second plain pass would find nothing new
            out.append(next((x for self.strict in passes for src in order
                             if (x := self._draw(src, own_text, others, len(out)))), None))  # fmt: skip
        out = [x for x in out if x]
        # an own text already tried every source above; someone else's text whose domain news ran out
        # still gets one world sentence rather than none
        if not out and not own_text and self.world and others and (news := self._world_news(others, 0, False)):
            out.append(news)
        return out

    def _draw(self, source: str, own_text: bool, others: list[Contact], start: int) -> str | None:
        """One sentence from ``source`` (near, far, habits, world) that fits the text, or None."""
        if source == "near":
            return self._next(self.near)
        if source == "far":
            return self._next(self.far)
        if not own_text:  # someone else's text tells no habit of the user's and no news of its world
            return None
        if source == "habits":
            return self._next(self.habits)
        return self._world_news(others, start) if others and self.world else None

    def _next(self, items: list[str]) -> str | None:
        item = pop(
            items, self.window, self.unfit_now, self.addressee, self._theme(), self.strict, self.thin, self._repeats
        )
        if item is not None:
            self._tell(item)
        return item

    def particular(self, text: str) -> frozenset[str]:
        """The particular things ``text`` tells of (``draws.particular_words``)."""
        return particular_words(self.tax, text)

    def _repeats(self, sentence: str) -> bool:
        """Whether ``sentence`` (a world news template as written) tells of a particular thing the text
        already does."""
        return not self.told.isdisjoint(self.particular(sentence))

    def _tell(self, sentence: str) -> None:
        """The text now has ``sentence``: its months and particular things bind the next draws."""
        self.told |= self.particular(sentence)
        if self.window is not None:
            self.window = self.window & months_fitting(sentence)

    def _theme(self) -> Theme | None:
        """The area the text keeps to, for ``draws.backwards`` (None: the text keeps to none)."""
        if self.area is None or not self.themed:
            return None
        return self.tax.area, self.area

    def _world_news(self, others: list[Contact], start: int, named: bool = True) -> str | None:
        """The next world template, about the next person (from ``start``) it fits, from the text's area
        first (``draws.pop``); a template no one fits is left for a text with other people in it. Not
        ``named`` (someone else's text), the person is their relation alone: "my sister sat with me" is the
        author's sister, while "my sister Nadia" in a neighbour's notes was the user's (a reader met it)."""
        for back in backwards(self.world, self._theme(), self.strict, self.thin):
            template = self.world[back]
            if self._repeats(template):
                continue
            for i in range(len(others)):
                person = others[(start + i) % len(others)]
                if fits(
                    template,
                    person.relation,
                    self.tax,
                    at_home=self.at_home,
                    young=self.young_children,
                    age=self.age,
                    retired=person.relation in self.retired,
                ) and (self.window is None or months_fitting(template) & self.window):
                    # the person's relation joins the words ("my daughter Yara ... at school"); in the user's
                    # own text only some relations are words a life rule reads, in someone else's any may be
                    # ("my sister Ana" in a child's notes)
                    ruled = rules_read(person.relation) or self.unfit_now
                    if ruled and rendered_tags(template, person.relation, person.pronoun) & (
                        self.unfit | self.unfit_now
                    ):
                        continue
                    news = render_news(template, person, named)
                    if not named and person.name in news:  # a template that names them by "{first}" too
                        continue
                    self._tell(template)
                    del self.world[back]
                    return news
        return None
