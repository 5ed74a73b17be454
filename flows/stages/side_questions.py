"""Side questions: now and then, beside the task, the user asks an unrelated general-knowledge question.

What: ``SideQuestions(seed, persona_id, preferences, tax, own_tasks)`` deals a persona's side questions;
``draw(session_id, user_turns)`` gives the session's ``SideQuestion`` list (each a topic of
``taxonomy/filler.yaml`` ``explain_topics``, the persona's count so far and the user turn it ends), mostly
empty. Why: readers found every session a writing chore on a few lines of news; a person with the assistant
open also asks what their son asked them at tea, and the assistant explains it.

How: every user turn of a task, cue turn or not, ends with one at the same rate, ``SIDE_SHARE``, by a draw
of its own (no other draw moves), so a side question marks neither a cue turn nor a cue session (one per
session, on its last turn, fell on cue turns more often: a cue text is more often a session's only text).
A persona never asks a topic twice: cue sessions take every ``CUE_EVERY``-th place of its seeded topic
order (a persona has about a sixteenth as many cue sessions as own tasks), own tasks the rest, until they
run out (an even split left own tasks without topics after ~450 sessions, so a 128k history's own tasks
asked less often than its cue sessions). Nor does it ask about a domain it holds a preference in ("how
yeast makes bread rise" beside a baking cue would read as one).
"""

from __future__ import annotations

from llm.seeding import rng_for
from schemas.core import Preference
from schemas.generation import SideQuestion
from taxonomy import Taxonomy

SIDE_SHARE = 0.07
"""The share of user turns of tasks, cue and own alike, that end with a side question: at 0.1 readers counted
about thirty in 137 sessions and called them a syllabus tacked on."""
CUE_EVERY = 8
"""Cue sessions take every eighth topic of a persona's order, own tasks the other seven."""


class SideQuestions:
    """One persona's side questions in one stage: its cue sessions', or with ``own_tasks`` its own tasks'."""

    def __init__(
        self, seed: int, persona_id: str, preferences: list[Preference], tax: Taxonomy, own_tasks: bool
    ) -> None:
        held = {tax.domain_of.get(p.scenario_id) for p in preferences}
        order = [t.topic for t in tax.filler.explain_topics if not held.intersection(t.domains)]
        rng_for(seed, "side_topics", persona_id).shuffle(order)
        mine = [t for i, t in enumerate(order) if (i % CUE_EVERY == 0) != own_tasks]
        self.seed, self.start, self.topics, self.asked = seed, 5 if own_tasks else 0, mine, 0

    def draw(self, session_id: str, user_turns: int) -> list[SideQuestion]:
        """The side questions of ``session_id``'s ``user_turns`` user turns (none once topics run out)."""
        asked = []
        for turn in range(user_turns):
            if self.asked < len(self.topics) and rng_for(self.seed, "side", session_id, turn).random() < SIDE_SHARE:
                # both stages walk every ask (each from its own start): asks split by stage would mark cue turns
                asked.append(SideQuestion(topic=self.topics[self.asked], variant=self.start + self.asked, turn=turn))
                self.asked += 1
        return asked
