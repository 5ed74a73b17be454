"""Stage 4, filler: sessions that carry no preference.

- a shared pool of generic tasks (math word problems with their correct answers, explanations, small
  talk in a neutral voice), generated and tokenized once per run and referenced by every history;
- per persona, off-topic small talk in the persona's own voice, so filler is not trivially skippable
  by style alone.
Pool sessions have no persona and no timestamp (the history that places them gives them one).
"""

from __future__ import annotations

from flows.stages.conversations import sessions_from_drafts
from llm.base import Generator
from llm.callsites import FILLER_SESSION
from llm.seeding import rng_for
from schemas.config import SynthConfig
from schemas.core import Persona, Session
from schemas.generation import FillerRequest

_POOL_KINDS = ("math", "explain", "chat", "code")


def generate_filler_pool(config: SynthConfig, gen: Generator) -> list[Session]:
    """The shared generic pool, ids ``pool.00000``..., with distinct user texts."""
    rng = rng_for(config.seed, "filler_pool")
    requests = [
        FillerRequest(key=f"pool.{i:05d}", filler_kind=rng.choice(_POOL_KINDS)) for i in range(config.filler_pool_size)
    ]
    drafts = gen.generate(FILLER_SESSION, requests)
    seen, kept_drafts, metas = set(), [], []
    for req, draft in zip(requests, drafts, strict=True):
        fingerprint = tuple(t.content for t in draft.turns if t.role == "user")
        if fingerprint in seen:  # an exact repeat would be a duplicated session in some history
            continue
        seen.add(fingerprint)
        kept_drafts.append(draft)
        metas.append(dict(session_id=req.key, persona_id=None, kind="filler", task_type=f"filler_{req.filler_kind}"))
    return sessions_from_drafts(kept_drafts, metas, config.tokenizer)


def generate_persona_filler(config: SynthConfig, personas: list[Persona], gen: Generator) -> list[Session]:
    """Off-topic sessions in each persona's voice, ids ``<persona>.f000``...; timestamps come later."""
    requests, metas = [], []
    for persona in personas:
        for k in range(config.persona_filler_sessions):
            sid = f"{persona.persona_id}.f{k:03d}"
            requests.append(
                FillerRequest(key=sid, filler_kind="chat", style=persona.style, hobbies=persona.hobbies, variant=k)
            )
            metas.append(dict(session_id=sid, persona_id=persona.persona_id, kind="filler", task_type="filler_chat"))
    return sessions_from_drafts(gen.generate(FILLER_SESSION, requests), metas, config.tokenizer)
