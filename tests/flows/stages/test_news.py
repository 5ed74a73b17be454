"""NewsSupply: the sentences of a persona's texts keep their number while its banks run down."""

from __future__ import annotations

from datetime import date

from flows.stages.news import NewsSupply
from llm.life import relations_for, unfit_tags
from llm.timing import months_fitting, timeline_months
from llm.world import world_for
from schemas.core import Persona


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


def test_texts_keep_their_length_until_every_bank_is_spent(tax):
    """A text asks for three ordinary sentences; when the source drawn for one is spent (or nothing left
    in it fits the text's months), another source gives it, so the persona's late texts are as long as
    its early ones. Without that, the last third of a persona's 600 own tasks were 15-20% shorter than its
    cue texts, and a form-only detector learnt "long = cue"."""
    persona = _persona()
    everyone = world_for(0, persona.persona_id, tax)
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
