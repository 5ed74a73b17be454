"""Stage 6, queries: for each active preference and each of its persona's histories, one MCQ (four
options, one gold, distractors with roles) and one open-ended query with a rubric.

Cases (ARCHITECTURE §2, PersonaMem-v2 facts):
- self: the preference's answer is gold; other options of the scenario are distractors (``stereotype``
  when a population stereotype ties them to this persona, else ``other_preference``) plus ``generic``;
- updated: as self, and the replaced option is the ``outdated`` distractor;
- other (about someone the user knows): ``generic`` is gold, that person's option a distractor;
- forget: ``generic`` is gold, the forgotten option an ``outdated`` distractor;
- opposite (the user and someone they know hold different options of one scenario): only the user's own
  query is made, with the other person's option as its first (``other_preference``) distractor.
Gold letters come from ``_gold_letters`` (balanced per persona, unpredictable from query order,
independent of ``shard_size``); distractor letters are shuffled by a per-query seed. Preferences whose
scenario has too few options to make four are returned as skips (the quality stage records them in
``rejected_queries``), never dropped silently.
"""

from __future__ import annotations

from flows.stages.preferences import stereotype_option_ids
from llm.base import Generator
from llm.callsites import QUERY_OPTIONS
from llm.seeding import rng_for
from llm.tokens import count_tokens
from schemas.config import SynthConfig
from schemas.core import History, MCQQuery, OpenQuery, Option, Persona, Preference, Session
from schemas.generation import QueryRequest, RoleOption
from taxonomy import Taxonomy

LETTERS = ("A", "B", "C", "D")


def _request(
    pref: Preference,
    persona: Persona,
    by_id: dict[str, Preference],
    tax: Taxonomy,
    key: str,
    theirs: str | None = None,
) -> QueryRequest | str:
    """The structure of one query, or the reason it cannot be made. ``theirs``: the option someone the
    user knows holds in this same scenario; it becomes the first distractor of the user's own query."""
    scenario = tax.scenarios[pref.scenario_id]
    tied = stereotype_option_ids(scenario, persona)
    previous = by_id[pref.previous_preference_id].option_id if pref.previous_preference_id else None
    if pref.forget or pref.who == "other":
        case, gold = ("forget" if pref.forget else "other"), None
        first = RoleOption(role="outdated" if pref.forget else "other_preference", option_id=pref.option_id)
        slots = 2
    else:
        case, gold = ("updated" if previous and previous != pref.option_id else "self"), pref.option_id
        first = RoleOption(role="outdated", option_id=previous) if case == "updated" else None
        if first is None and theirs is not None:
            first = RoleOption(role="other_preference", option_id=theirs)
        slots = 2 if first is None else 1
    used = {pref.option_id} | ({first.option_id} if first else set())
    rest = [o.id for o in scenario.options if o.id not in used]
    rng = rng_for(key, "distractors")
    rng.shuffle(rest)
    rest.sort(key=lambda o: o not in tied)  # a stereotype distractor first when one exists
    if len(rest) < slots:
        return f"scenario {scenario.id} has {len(scenario.options)} options; a four-option MCQ needs more"
    distractors = ([first] if first else []) + [
        RoleOption(role="stereotype" if o in tied else "other_preference", option_id=o) for o in rest[:slots]
    ]
    return QueryRequest(
        key=key,
        scenario_id=scenario.id,
        gold_option_id=gold,
        case=case,
        relation=pref.relation,
        distractors=distractors,
    )


SAFE_GOLD_SHARE = 0.25
"""Most a history's MCQs may have the assumption-free (generic) answer as gold (other and forget cases):
a reader who always picks the answer that assumes nothing then scores at chance, not above it."""


def _cap_safe_gold(seed: int, plans: list, skips: list) -> tuple[list, list]:
    """Keep, per history, at most ``SAFE_GOLD_SHARE`` of its MCQs with the generic answer as gold (a seeded
    choice of which); the others become skips with the reason, never dropped silently."""
    by_history: dict[str, list] = {}
    for plan in plans:
        by_history.setdefault(plan[2].history_id, []).append(plan)
    kept, skips = [], list(skips)
    for hid in sorted(by_history):
        own = [p for p in by_history[hid] if p[3].gold_option_id is not None]
        safe = sorted(
            (p for p in by_history[hid] if p[3].gold_option_id is None),
            key=lambda p: rng_for(seed, "safe_gold", p[0]).random(),
        )
        room = int(SAFE_GOLD_SHARE * len(own) / (1 - SAFE_GOLD_SHARE))
        kept_ids = {p[0] for p in own + safe[:room]}
        kept += [p for p in by_history[hid] if p[0] in kept_ids]
        skips += [
            (f"{qid}.mcq", pref.preference_id, f"the generic answer is gold in at most {SAFE_GOLD_SHARE:.0%} of a "
             "history's MCQs (always picking the answer that assumes nothing must not beat chance)", "safe_gold_cap")
            for qid, pref, _, _ in safe[room:]
        ]  # fmt: skip
    return kept, skips


LONGEST_GOLD_SHARE = 0.25
"""Most a history's MCQs may have a gold option strictly longer than every other option: at chance, so
always picking the longest option (PersonaMem-v2's length tell: 44.7%) wins nothing."""


def _cap_longest_gold(seed: int, plans: list, drafts: list, skips: list) -> tuple[list, list, list]:
    """Keep, per history, at most ``LONGEST_GOLD_SHARE`` of its MCQs whose gold is strictly the longest
    option (a seeded choice of which); the others become skips with the reason (check ``longest_gold_cap``)."""

    def longest(draft) -> bool:
        gold = next(len(o.text) for o in draft.options if o.role == "gold")
        return all(len(o.text) < gold for o in draft.options if o.role != "gold")

    by_history: dict[str, list[int]] = {}
    for i, plan in enumerate(plans):
        by_history.setdefault(plan[2].history_id, []).append(i)
    keep, skips = set(), list(skips)
    for hid in sorted(by_history):
        rest = [i for i in by_history[hid] if not longest(drafts[i])]
        tell = sorted(
            (i for i in by_history[hid] if longest(drafts[i])),
            key=lambda i: rng_for(seed, "long_gold", plans[i][0]).random(),
        )
        # rounded, not floored: flooring per history left the gold longest in 18-19% of MCQs, under chance,
        # so "never the longest" became the tell (length-only accuracy 0.198 on small)
        room = round(LONGEST_GOLD_SHARE * len(rest) / (1 - LONGEST_GOLD_SHARE))
        keep |= set(rest) | set(tell[:room])
        skips += [
            (f"{plans[i][0]}.mcq", plans[i][1].preference_id, f"the gold option is strictly the longest in at most "
             f"{LONGEST_GOLD_SHARE:.0%} of a history's MCQs (always picking the longest must not beat chance)",
             "longest_gold_cap")
            for i in tell[room:]
        ]  # fmt: skip
    kept = sorted(keep)
    return [plans[i] for i in kept], [drafts[i] for i in kept], skips


def _gold_letters(seed: int, mcq_ids: list[str]) -> dict[str, str]:
    """Gold letter per MCQ: balanced, unpredictable from order, independent of how personas are sharded.

    Each persona's MCQs are put in a seeded order (a hash of the seed and the query id, not the id
    order); every block of four in that order gets a seeded permutation of A-D. So each persona is
    balanced to within one query per letter, a query's letter says nothing about the next query's in id
    order, and nothing depends on the shard a persona falls in. A last, partial block takes consecutive
    letters from an offset set by the persona's index (``p00006`` -> C, D, ...), in a seeded order: four
    neighbouring personas with equal leftovers then cover every letter alike, where random partial
    blocks left a 20-persona version up to 2 points off balance.
    """
    by_persona: dict[str, list[str]] = {}
    for qid in mcq_ids:
        by_persona.setdefault(qid.split(".", 1)[0], []).append(qid)
    letters = {}
    for persona, ids in by_persona.items():
        ids = sorted(ids, key=lambda q: rng_for(seed, "letter_order", q).random())
        for start in range(0, len(ids), 4):
            block = list(LETTERS)
            left = len(ids) - start
            if left < 4:  # the partial block: consecutive letters from the persona's offset
                offset = int(persona.removeprefix("p")) if persona.removeprefix("p").isdigit() else 0
                block = [LETTERS[(offset + j) % 4] for j in range(left)]
            rng_for(seed, "letter_block", persona, start).shuffle(block)
            letters.update(zip(ids[start : start + 4], block, strict=False))
    return letters


def generate_queries(
    config: SynthConfig,
    personas: list[Persona],
    preferences: list[Preference],
    histories: list[History],
    tax: Taxonomy,
    gen: Generator,
    sessions: list[Session] | None = None,
) -> tuple[list[MCQQuery | OpenQuery], list[tuple[str, str, str]]]:
    """Queries of a shard, and skips as (query_id, preference_id, reason[, check name]). ``sessions``: the shard's
    signal sessions, whose cue sentences the options are asked to avoid (a backend that writes its own
    cues must see the ones it wrote)."""
    by_persona = {p.persona_id: p for p in personas}
    by_id = {p.preference_id: p for p in preferences}
    shown: dict[str, list[str]] = {}
    for s in sessions or []:
        for sig in s.signals:
            if s.kind != "forget" and sig.evidence:
                shown.setdefault(sig.preference_id, []).append(sig.evidence)
    plans, skips = [], []
    for h in histories:
        active = [p for p in preferences if p.persona_id == h.persona_id and not p.superseded]
        own_scenarios = {p.scenario_id for p in active if p.who == "self"}
        theirs = {p.scenario_id: p.option_id for p in active if p.who == "other" and p.scenario_id in own_scenarios}
        for pref in active:
            if pref.who == "other" and pref.scenario_id in own_scenarios:
                continue  # the user's own query in this scenario tests the attribution (see _request)
            qid = f"{pref.preference_id}.{h.history_id.rsplit('.', 1)[1]}"
            ours = theirs.get(pref.scenario_id) if pref.who == "self" else None
            req = _request(pref, by_persona[h.persona_id], by_id, tax, f"{config.seed}:{qid}", ours)
            if not isinstance(req, str):
                req = req.model_copy(update={"cue_sentences": shown.get(pref.preference_id, [])})
            if isinstance(req, str):
                skips.append((f"{qid}.mcq", pref.preference_id, req))
            else:
                plans.append((qid, pref, h, req))
    plans, skips = _cap_safe_gold(config.seed, plans, skips)
    drafts = gen.generate(QUERY_OPTIONS, [p[3] for p in plans])
    plans, drafts, skips = _cap_longest_gold(config.seed, plans, drafts, skips)
    texts = [o.text for d in drafts for o in d.options]
    counts = iter(count_tokens(texts, config.tokenizer))
    gold_letters = _gold_letters(config.seed, [f"{qid}.mcq" for qid, *_ in plans])
    queries: list[MCQQuery | OpenQuery] = []
    for (qid, pref, h, _), draft in zip(plans, drafts, strict=True):
        gold_letter = gold_letters[f"{qid}.mcq"]
        others = [L for L in LETTERS if gold_letter != L]
        rng_for(config.seed, "letters", qid).shuffle(others)
        letters = iter(others)
        options = [
            Option(
                label=gold_letter if o.role == "gold" else next(letters),
                text=o.text,
                role=o.role,
                n_tokens=next(counts),
            )
            for o in draft.options
        ]
        options.sort(key=lambda o: o.label)
        queries.append(
            MCQQuery(
                query_id=f"{qid}.mcq",
                preference_id=pref.preference_id,
                history_id=h.history_id,
                text=draft.text,
                options=options,
                gold_label=gold_letter,
            )
        )
        queries.append(
            OpenQuery(
                query_id=f"{qid}.open",
                preference_id=pref.preference_id,
                history_id=h.history_id,
                text=draft.text,
                rubric=draft.rubric,
            )
        )
    return queries, skips
