"""voice(): a persona's greetings and sign-offs vary and do not close every turn."""

from __future__ import annotations

import random
from collections import Counter

from llm.voice import voice
from schemas.core import SpeakingStyle


def _style(tax, style_id: str) -> SpeakingStyle:
    spec = next(s for s in tax.attributes.styles if s.id == style_id)
    fields = spec.model_dump()
    return SpeakingStyle.model_validate({k: v for k, v in fields.items() if k != "id"} | {"style_id": spec.id})


def test_a_chatty_persona_does_not_sign_off_every_turn_the_same_way(tax):
    """A blind reader saw "Honestly you're a lifesaver. Thanks a million! 🙏" on almost every turn and
    "Hello hello!" opening many sessions of one history: the same three phrases, always. Now some opening
    turns just ask (most of them: "Good day." opened 29 sessions of one history), later turns seldom sign
    off, and no phrase dominates."""
    style = _style(tax, "warm_emoji")
    rng = random.Random(3)
    body = "Can you tidy up this note for the school newsletter?"
    opening = [voice(style, body, rng) for _ in range(400)]
    later = [voice(style, "Could you make it a bit shorter?", rng, opening=False) for _ in range(400)]
    greeted = [t for t in opening if not t.startswith("Can you")]
    assert 0.25 < len(greeted) / len(opening) < 0.55  # most people just ask
    signed = lambda turns: [c for t in turns for c in style.closing if c in t]  # noqa: E731
    assert len(signed(later)) / len(later) < 0.5 < len(signed(opening)) / len(opening)
    greetings = Counter(next(g for g in style.greeting if t.startswith(g)) for t in greeted)
    assert len(greetings) >= 5 and greetings.most_common(1)[0][1] / len(greeted) < 0.3
    assert not any(t.startswith(tuple(style.greeting)) for t in later)
