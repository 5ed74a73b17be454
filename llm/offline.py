"""The offline backend: procedural, seeded text for every call site, from the taxonomy's banks.

No network, no key. Each request's ``key`` (with the root seed) seeds its own RNG, so outputs do not
depend on batch order. Persona voice (``llm.voice``) is applied to user turns only. Signal sessions are
written by ``llm.offline_signal`` and persona tasks by ``llm.offline_tasks``, for the people of ``llm.world``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel

from llm.base import GenerationError, check_inputs
from llm.callsites import CallSite
from llm.leakage import judge_lexically
from llm.offline_side import with_side_questions
from llm.offline_signal import place_focus, write_forget_session, write_signal_session
from llm.offline_tasks import write_task_session
from llm.seeding import derive_seed, rng_for
from llm.voice import voice
from schemas.generation import (
    FillerRequest,
    PersonaProfile,
    PersonaSeed,
    QueryDraft,
    QueryRequest,
    RoleText,
    SessionDraft,
    SignalRequest,
    TurnDraft,
)
from taxonomy import Taxonomy, load_taxonomy

EXPLAIN_ASKS = (
    "Can you explain {topic}?",
    "I never really understood {topic}. Quick explanation?",
    "Could you walk me through {topic} in plain words?",
)
"""Asks for an explainer; each takes any topic of ``filler.yaml`` (a noun phrase, plural or not, or a
"how ..." clause), so none has a verb that must agree with the topic ("What is binary numbers")."""


class OfflineGenerator:
    """Procedural writer for every call site; deterministic per (seed, call site, key)."""

    name = "offline"
    version = "offline-1"

    def __init__(self, seed: int, taxonomy: Taxonomy | None = None) -> None:
        self.seed = seed
        self.tax = taxonomy or load_taxonomy()
        self._task_types = {t.id: t for t in self.tax.task_types}
        self._explained = {t.topic: t.explanation for t in self.tax.filler.explain_topics}
        self._name_orders: dict[str, list[int]] = {}  # per first-name list: a seeded order of its pairs
        self._writers = {
            "persona_profile": self._persona_profile,
            "signal_session": self._signal_session,
            "filler_session": self._filler_session,
            "query_options": self._query_options,
            "leakage_judge": lambda req, rng: judge_lexically(req),
        }

    def generate(self, site: CallSite, requests: Sequence[BaseModel]) -> list[BaseModel]:
        check_inputs(site, requests)
        writer = self._writers.get(site.name)
        if writer is None:
            raise GenerationError(f"offline backend has no writer for call site {site.name!r}")
        out = []
        for req in requests:
            rng = rng_for(self.seed, site.name, req.key)
            draft = writer(req, rng)
            if sides := getattr(req, "side_questions", None):  # beside the task, by draws of their own
                asks, contact, style = self.tax.filler.side_asks, getattr(req, "contact", None), req.style
                aside = rng_for(self.seed, "side_question", req.key)
                draft = with_side_questions(draft, sides, asks, self._explained, contact, style, aside)
            out.append(site.output_model.model_validate(draft.model_dump()))
        return out

    # -- persona -------------------------------------------------------------------------------
    def _persona_profile(self, req: PersonaSeed, rng: random.Random) -> PersonaProfile:
        a = self.tax.attributes
        name = self._unique_name(req.key, req.demographics.get("gender", ""))
        return PersonaProfile(
            name=name,
            personality=rng.sample(a.personality, 3),
            hobbies=rng.sample(a.hobbies, 3),
            values=rng.sample(a.values, 2),
            style_id=rng.choice(a.styles).id,
        )

    def _unique_name(self, key: str, gender: str = "") -> str:
        """A first name of the persona's gender (``first_names_women``, ``first_names_men``, else one that fits
        anyone) and a last name: distinct names for distinct persona indices of one gender list, as a seeded
        permutation of its first x last pairs (1,000+ combinations each, so 1,000 personas never share a
        name; the lists share no first name)."""
        a = self.tax.attributes
        kind = "women" if "woman" in gender else "men" if "man" in gender else "anyone"
        firsts = {"women": a.first_names_women, "men": a.first_names_men, "anyone": a.first_names}[kind]
        n_pairs = len(firsts) * len(a.last_names)
        if kind not in self._name_orders:
            self._name_orders[kind] = order = list(range(n_pairs))
            rng_for(self.seed, "names", kind).shuffle(order)
        base, _, salt = key.partition("#")
        index = int(base.removeprefix("p")) if base.removeprefix("p").isdigit() else derive_seed(base)
        pick = self._name_orders[kind][(index + (int(salt) if salt else 0) * 7919) % n_pairs]
        return f"{firsts[pick // len(a.last_names)]} {a.last_names[pick % len(a.last_names)]}"

    # -- signal / update / forget sessions ----------------------------------------------------
    def _signal_session(self, req: SignalRequest, rng: random.Random) -> SessionDraft:
        if req.kind == "forget":
            return write_forget_session(req, rng, self.seed, self._task_types.get(req.task_type))
        return write_signal_session(req, rng, self.seed, self.tax, self._task_types[req.task_type])

    # -- filler ---------------------------------------------------------------------------------
    def _filler_session(self, req: FillerRequest, rng: random.Random) -> SessionDraft:
        f = self.tax.filler
        if req.filler_kind == "task":
            task = self._task_types[req.task_type]
            news = req.news
            sentences, _, added = place_focus(news[0], news[1:], rng, req.added_later) if news else ([], 0, False)
            return write_task_session(
                task,
                style=req.style,
                contact=req.contact,
                owner="other" if req.for_other else "self",
                sentences=sentences,
                cue_index=None,
                variant=req.variant,
                offset=rng_for(self.seed, "bank", req.key.split(".")[0], task.id).randrange(1000),
                followup=bool(req.extra_turns),
                rng=rng,
                add_last=added,
                signer=req.user_name,
            )
        if req.filler_kind == "math":
            return self._math_session(req, rng)
        turns: list[TurnDraft] = []
        for _ in range(rng.choice([1, 2, 2])):
            if req.filler_kind == "code":
                fn = rng.choice(self.tax.stdlib.functions)
                module = fn.name.rsplit(".", 1)[0] if "." in fn.name else "builtins"
                ask = rng.choice(
                    [
                        f"In Python, what does `{fn.name}` do? Saw it in some code.",
                        f"Quick Python question: when would I use `{fn.name}`?",
                        f"Can you explain the signature `{fn.signature}`?",
                    ]
                )
                answer = (
                    f"`{fn.signature}`: {fn.doc} It comes with Python, in `{module}`, so there is nothing to install."
                )
            elif req.filler_kind == "explain":
                explainer = rng.choice(f.explain_topics)
                ask = rng.choice(EXPLAIN_ASKS).format(topic=explainer.topic)
                answer = explainer.explanation
            else:
                topic = rng.choice(f.chat_topics)
                hobby = rng.choice(req.hobbies) if req.hobbies else "reading"
                ask = rng.choice(f.chat_openers).format(topic=topic, hobby=hobby)
                answer = rng.choice(f.chat_replies).format(topic=topic)
            turns.append(TurnDraft(role="user", content=voice(req.style, ask, rng)))
            turns.append(TurnDraft(role="assistant", content=answer))
        return SessionDraft(turns=turns, signal_turn_index=None)

    def _math_session(self, req: FillerRequest, rng: random.Random) -> SessionDraft:
        """A word problem worked step by step; half the time the user asks what changes if one number does,
        and the answer is worked again."""
        a, b, c = rng.randint(3, 500), rng.randint(2, 40), rng.randint(2, 60)
        problem = rng.choice(self.tax.filler.math_templates).format(a=a, b=b, c=c)

        def worked(c: int) -> str:
            total = a + b * c
            return f"First multiply: {b} x {c} = {b * c}. Then add {a}: {a} + {b * c} = {total}. The answer is {total}."

        turns = [
            TurnDraft(role="user", content=voice(req.style, problem, rng)),
            TurnDraft(role="assistant", content=worked(c)),
        ]
        if rng.random() < 0.5:
            c2 = c + rng.randint(1, 9)
            turns += [
                TurnDraft(role="user", content=voice(req.style, f"Thanks. And with {c2} instead of {c}?", rng)),
                TurnDraft(role="assistant", content=worked(c2)),
            ]
        return SessionDraft(turns=turns, signal_turn_index=None)

    # -- queries --------------------------------------------------------------------------------
    def _query_options(self, req: QueryRequest, rng: random.Random) -> QueryDraft:
        scenario = self.tax.scenarios[req.scenario_id]
        answers = {o.id: o.answer for o in scenario.options}
        statements = {o.id: o.statement for o in scenario.options}
        gold = scenario.generic if req.gold_option_id is None else answers[req.gold_option_id]
        options = [RoleText(role="gold", text=gold)]
        if req.gold_option_id is not None:
            options.append(RoleText(role="generic", text=scenario.generic))
        options += [RoleText(role=d.role, text=answers[d.option_id]) for d in req.distractors]
        if len(options) != 4:
            raise GenerationError(f"query_options {req.key}: need 4 options, got {[o.role for o in options]}")
        by_role: dict[str, str] = {}
        for d in req.distractors:  # the first option of a role is the one the case is about
            by_role.setdefault(d.role, d.option_id)
        if req.case == "self" or req.case == "updated":
            rubric = (
                f"Good: a concrete answer consistent with the user's preference (the user "
                f"{statements[req.gold_option_id]}), without announcing that preference. "
                f"Poor: a generic answer or one that assumes otherwise."
            )
        elif req.case == "other":
            own = statements[by_role["other_preference"]]
            rubric = (
                f"Good: an answer for the user themself that does not assume the preference of "
                f"{req.relation} (who {own}). Poor: applying that person's preference to the user."
            )
        else:
            gone = statements[by_role["outdated"]]
            rubric = (
                f"Good: a helpful answer that does not use the fact the user asked to forget (the user "
                f"{gone}). Using or mentioning that fact is wrong."
            )
        return QueryDraft(text=scenario.request, options=options, rubric=rubric)
