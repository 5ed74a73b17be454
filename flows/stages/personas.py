"""Stage 1, personas: sample demographics from the taxonomy's weighted tables, then let the backend
expand each into a profile (name, personality, hobbies, values, speaking style).

Ids are ``p00000``-style indices, so a persona keeps its id whatever the shard size. Uniqueness: a
name collision inside a shard is resolved by re-asking with a salted key.
"""

from __future__ import annotations

from llm.base import Generator
from llm.callsites import PERSONA_PROFILE
from llm.seeding import rng_for, weighted_choice
from schemas.config import SynthConfig
from schemas.core import Persona, SpeakingStyle
from schemas.generation import PersonaProfile, PersonaSeed
from taxonomy import Taxonomy

_AGE_RANGES = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65+": (65, 88),
}


def persona_id(index: int) -> str:
    return f"p{index:05d}"


def persona_index(pid: str) -> int:
    return int(pid.removeprefix("p"))


def sample_seed(config: SynthConfig, index: int, tax: Taxonomy) -> PersonaSeed:
    """Demographics for persona ``index``, drawn from the weighted tables."""
    a = tax.attributes
    rng = rng_for(config.seed, "persona", index)
    demo = {}
    for field in ("age_band", "gender", "orientation", "ethnicity", "occupation", "education", "income", "household"):
        choices = getattr(a, field)
        demo[field] = weighted_choice(rng, [c.value for c in choices], [c.weight for c in choices])
    place = rng.choices(a.places, weights=[p.weight for p in a.places], k=1)[0]
    demo["country"] = place.country
    lo, hi = _AGE_RANGES[demo["age_band"]]
    age = rng.randint(lo, hi)
    _make_coherent(demo, age, rng, tax)
    return PersonaSeed(
        key=persona_id(index),
        demographics=demo,
        age=age,
        city=place.city,
        languages=list(place.languages),
    )


_SELF_EMPLOYED = frozenset(["farmer", "small business owner", "musician", "writer", "lawyer"])


def _make_coherent(demo: dict, age: int, rng, tax: Taxonomy) -> None:
    """Attributes drawn one by one must still describe one life: nobody retires before 60 or studies
    full time after 30 (either is drawn again among the working occupations), most people over 70 are
    retired, under-21s do not head a family, over-50s do not live "with parents" (they share a
    multigenerational home), and over-75s no longer have their children at home."""
    working = [c for c in tax.attributes.occupation if c.value not in ("retired", "student")]
    job = demo["occupation"]
    if (job == "retired" and age < 60) or (job == "student" and age > 30):
        if age <= 24:
            demo["occupation"] = "student"
        else:
            demo["occupation"] = weighted_choice(rng, [c.value for c in working], [c.weight for c in working])
    if age >= 70 and demo["occupation"] not in _SELF_EMPLOYED:
        demo["occupation"] = "retired"
    home = demo["household"]
    if age < 21 and home in ("with partner and children", "single parent"):
        demo["household"] = "with parents"
    elif age >= 50 and home == "with parents":
        demo["household"] = "multigenerational"
    elif age >= 75 and home == "with partner and children":
        demo["household"] = "with partner"


def _build(seed: PersonaSeed, profile: PersonaProfile, tax: Taxonomy) -> Persona:
    styles = {s.id: s for s in tax.attributes.styles}
    if profile.style_id not in styles:
        raise ValueError(f"persona {seed.key}: unknown style_id {profile.style_id!r}")
    style = SpeakingStyle(style_id=profile.style_id, **styles[profile.style_id].model_dump(exclude={"id"}))
    return Persona(
        persona_id=seed.key,
        name=profile.name,
        age=seed.age,
        city=seed.city,
        languages=seed.languages,
        personality=profile.personality,
        hobbies=profile.hobbies,
        values=profile.values,
        style=style,
        **seed.demographics,
    )


def generate_personas(config: SynthConfig, shard: int, tax: Taxonomy, gen: Generator) -> list[Persona]:
    """The personas of one shard, in index order."""
    seeds = [sample_seed(config, i, tax) for i in config.shard_persona_indices(shard)]
    profiles = gen.generate(PERSONA_PROFILE, seeds)
    personas, names = [], set()
    for seed, profile in zip(seeds, profiles, strict=True):
        salt = 0
        while profile.name in names and salt < 20:
            salt += 1
            profile = gen.generate(PERSONA_PROFILE, [seed.model_copy(update={"key": f"{seed.key}#{salt}"})])[0]
        names.add(profile.name)
        personas.append(_build(seed, profile, tax))
    return personas
