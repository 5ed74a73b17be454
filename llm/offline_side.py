"""The offline writer of side questions: beside the task, the user asks something unrelated and the
assistant explains it.

What: ``with_side_questions(draft, sides, asks, explained, contact, style, rng)`` ends a user turn with each
question (an ask of ``taxonomy/filler.yaml`` ``side_asks``, dealt by the question's ``variant``, in the
persona's voice) and the reply to it with the explanation of the topic. Why: a session that is only ever a
writing chore is what readers called unnatural; the explanation does what was asked, as every reply must.
The question rides on a turn of the task rather than a turn of its own (a short question that is never a
cue would be a user turn a form detector discards on sight), and each user turn gets one at the same rate
(``flows.stages.side_questions``), so a cue turn holds one as often as any other turn. How: asks that name
a person take the task's person as the user calls them ("Mum", "Nadia"), and only an adult (a son or
daughter may be a toddler); otherwise the walk skips to the next ask that names nobody.
"""

from __future__ import annotations

import random
import re

from llm.offline_tasks import REACTIONS
from llm.voice import voice
from llm.world import CHILDREN, address
from schemas.core import SpeakingStyle
from schemas.generation import Contact, SessionDraft, SideQuestion, TurnDraft


def side_ask(asks: list[str], side: SideQuestion, contact: Contact | None) -> str:
    """The question as the user words it (before the voice): the ``variant``-th ask, or the next that names
    nobody when the task's person cannot be the one who asked."""
    named = contact is not None and contact.relation not in CHILDREN
    first = address(contact) if named else ""  # as the user calls them: "Mum asked me", not "Noor asked me"
    for i in range(len(asks)):
        ask = asks[(side.variant + i) % len(asks)]
        if named or "{first}" not in ask:
            return ask.format(topic=side.topic, first=first)
    raise ValueError("side_asks: every ask names a person; at least one must not")


def with_side_questions(
    draft: SessionDraft,
    sides: list[SideQuestion],
    asks: list[str],
    explained: dict[str, str],
    contact: Contact | None,
    style: SpeakingStyle | None,
    rng: random.Random,
) -> SessionDraft:
    """``draft`` with each side question at the end of its user turn and its explanation at the end of the
    reply to that turn (the cue, if any, stays where it was). A question for a turn the session does not have
    is dropped."""
    turns = list(draft.turns)
    users = [i for i, t in enumerate(turns) if t.role == "user" and i + 1 < len(turns)]
    for side in sides:
        if side.turn >= len(users):
            continue
        at = users[side.turn]
        question = voice(style, side_ask(asks, side, contact), rng, opening=False)
        # the whole explanation: cut to its first sentences, a reader met four of 21 that stopped before the
        # answer (the Rosetta Stone "gave them a known text to compare", with no cartouches and no Champollion)
        whole = explained[side.topic]
        lead = _ANSWER_LEADS[side.variant % len(_ANSWER_LEADS)].format(topic=side.topic)
        answer = whole if _names_first(whole, side.topic) else f"{lead} {whole}"
        turns[at] = TurnDraft(role="user", content=f"{turns[at].content}\n{question}")
        turns[at + 1] = TurnDraft(role="assistant", content=f"{turns[at + 1].content}\n\n{answer}")
        later = users[side.turn + 1] if side.turn + 1 < len(users) else None
        # the user's next turn says the answer landed before going on, unless it opens on a reaction already
        # ("Oh, interesting. Lovely. Add that I'll call Sunday?" stacked two, which a reader flagged)
        if later is not None and not turns[later].content.lower().startswith(_OPENS_ON_REACTION):
            thanks = _THANKS[side.variant % len(_THANKS)]
            thanks = thanks.lower() if style is not None and style.lowercase else thanks  # no aside or sign-off
            turns[later] = TurnDraft(role="user", content=f"{thanks} {turns[later].content}")
    return draft.model_copy(update={"turns": turns})


def _names_first(explanation: str, topic: str) -> bool:
    """Whether the explanation opens on its topic ("The Doppler effect is ..."): it then needs no lead, which
    would say the topic twice ("About the Doppler effect: The Doppler effect is", met by a reader)."""
    bare = re.sub(r"^(?:the|a|an) ", "", topic.lower())
    return re.sub(r"^(?:the|a|an) ", "", explanation.lower()).startswith(bare)


_OPENS_ON_REACTION = tuple(r.lower() for r in REACTIONS)
_THANKS = ("That makes sense, thanks.", "Ah, that helps.", "Good to know!", "Makes sense now, ta.", "Oh, interesting.")
"""What the user says of an answer before going on with the task (a reader met eighteen answers the user never
reacted to); five words or fewer, as they recur."""


_ANSWER_LEADS = ("As for {topic}:", "On {topic}:", "About {topic}:", "Now, {topic}:")
"""How the reply turns from the task to the side question, naming its topic: four fixed lines ("As for your other
question:") were what a reader counted."""
