"""The taxonomy loads and validates; a broken file is reported with its path and field."""

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from taxonomy import TAXONOMY_DIR, TaxonomyError, load_taxonomy, near_duplicate_scenarios


def test_taxonomy_shape(tax):
    assert len(tax.domains) >= 12
    assert len(tax.scenarios) >= 48
    assert all(len(s.options) >= 2 for s in tax.scenarios.values())
    assert len(tax.task_types) >= 5  # the persona tasks the offline writer can really carry out
    assert any(s.sensitive for s in tax.scenarios.values())


def test_no_duplicate_or_near_duplicate_scenarios(tax):
    assert near_duplicate_scenarios(tax) == []


def test_near_duplicate_check_catches_rewordings(tax):
    original = next(iter(tax.scenarios.values()))
    reworded = original.model_copy(
        update={
            "id": original.id + "_again",
            "name": original.name + "s",
            "request": original.request.replace("?", " please?"),
        }
    )
    planted = dataclasses.replace(tax, scenarios={**tax.scenarios, reworded.id: reworded})
    assert [(a, b) for a, b, _ in near_duplicate_scenarios(planted)] == [(original.id, reworded.id)]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _each_edit_is_named(root, path, base: dict, cases, prefix: str) -> None:
    """For each (edit, message): ``path`` written as ``base`` with that edit alone fails to load with an error
    matching ``prefix`` then ``message``."""
    for edit, message in cases:
        data = yaml.safe_load(yaml.safe_dump(base))
        edit(data)
        path.write_text(yaml.safe_dump(data))
        with pytest.raises(TaxonomyError, match=prefix + message):
            load_taxonomy(root)


def test_bad_field_is_named_with_its_file(tmp_path):
    root = _copy(tmp_path)
    path = sorted((root / "scenarios").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text())
    data["scenarios"][1]["options"][0]["cues"] = "not a list"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=rf"{path.name}: field 'scenarios.1.options.0.cues'"):
        load_taxonomy(root)


def test_unknown_stereotype_value_is_named(tmp_path):
    root = _copy(tmp_path)
    path = sorted((root / "scenarios").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text())
    data["scenarios"][0]["options"][0]["stereotype"] = {"age_band": ["teen"]}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"stereotype.age_band: unknown values \['teen'\]"):
        load_taxonomy(root)


def test_duplicate_scenario_id_across_files(tmp_path):
    root = _copy(tmp_path)
    files = sorted((root / "scenarios").glob("*.yaml"))
    first = yaml.safe_load(files[0].read_text())
    second = yaml.safe_load(files[1].read_text())
    second["scenarios"][0]["id"] = first["scenarios"][0]["id"]
    files[1].write_text(yaml.safe_dump(second))
    with pytest.raises(TaxonomyError, match="already defined"):
        load_taxonomy(root)


def test_content_hash_changes_with_content(tmp_path, tax):
    root = _copy(tmp_path)
    assert load_taxonomy(root).content_hash == tax.content_hash
    (root / "filler.yaml").write_text((root / "filler.yaml").read_text() + "\n# edited\n")
    from taxonomy import _load

    _load.cache_clear()
    assert load_taxonomy(root).content_hash != tax.content_hash


def test_overlaps_are_read_both_ways_and_bad_entries_are_named(tmp_path, tax):
    """``overlaps.yaml``: each pair bars its two scenarios from one persona, both ways; an unknown option
    or a pair inside one scenario is an error naming the entry."""
    data = yaml.safe_load((TAXONOMY_DIR / "overlaps.yaml").read_text())
    assert data["overlaps"], "overlaps.yaml lists no pair"
    for entry in data["overlaps"]:
        a, b = (ref.rpartition(".")[0] for ref in entry["options"])
        assert b in tax.apart[a] and a in tax.apart[b]
    root = _copy(tmp_path)
    path = root / "overlaps.yaml"
    bad = {"overlaps": [data["overlaps"][0], {"options": ["home.deep_clean.hired", "home.deep_clean.no_such"],
                                             "reason": "an option that does not exist"}]}  # fmt: skip
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(TaxonomyError, match=r"overlaps\.yaml: overlaps\[1\]\.options: unknown scenario option "):
        load_taxonomy(root)
    bad["overlaps"][1]["options"] = ["home.deep_clean.hired", "home.deep_clean.natural"]
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(TaxonomyError, match=r"overlaps\[1\]\.options: both options are of scenario 'home.deep_clean'"):
        load_taxonomy(root)


def test_clashes_keep_two_scenarios_apart_and_bad_entries_are_named(tmp_path, tax):
    """``overlaps.yaml`` ``clashes``: an option whose holder cannot be asked another scenario's question bars
    the two scenarios from one persona, both ways (``apart`` and ``clash``); an unknown option or scenario, or
    a clash with the option's own scenario, is an error naming the entry."""
    data = yaml.safe_load((TAXONOMY_DIR / "overlaps.yaml").read_text())
    assert data["clashes"], "overlaps.yaml lists no clash"
    questions = [e for e in data["clashes"] if e["option"] in tax.scenarios]  # the question itself clashes
    assert questions and len(questions) < len(data["clashes"])
    for entry in data["clashes"]:
        a = entry["option"] if entry in questions else entry["option"].rpartition(".")[0]
        b = entry["scenario"]
        assert b in tax.apart[a] and a in tax.apart[b] and b in tax.clash[a] and a in tax.clash[b]
    root = _copy(tmp_path)
    path = root / "overlaps.yaml"
    first = data["clashes"][0]
    for field, value, message in (
        ("option", "travel.long_distance_route.no_such", r"clashes\[1\]\.option: unknown scenario option"),
        ("scenario", "travel.no_such", r"clashes\[1\]\.scenario: unknown scenario 'travel.no_such'"),
        ("scenario", first["option"].rpartition(".")[0], r"clashes\[1\]: the option is of scenario"),
    ):
        path.write_text(yaml.safe_dump({"overlaps": data["overlaps"], "clashes": [first, {**first, field: value}]}))
        with pytest.raises(TaxonomyError, match=message):
            load_taxonomy(root)


def test_a_stale_or_unknown_lean_entry_is_named(tmp_path, tax):
    """An entry whose sentence was edited since the audit would protect nothing; it is an error."""
    root = _copy(tmp_path)
    path = root / "leans.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["leans"], "leans.yaml lists no sentence"
    data["leans"][3]["sentence"] = "A sentence that no bank holds any more, edited after the audit."
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        TaxonomyError, match=r"leans\.yaml: leans\[3\]\.sentence: not in any neutral, habits, news or topical list"
    ):
        load_taxonomy(root)
    data = yaml.safe_load((TAXONOMY_DIR / "leans.yaml").read_text())
    data["leans"][0]["scenarios"] = ["food.no_such_scenario"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"leans\[0\]\.scenarios: unknown scenario ids \['food.no_such_scenario'\]"):
        load_taxonomy(root)


def test_a_stale_retelling_or_one_sentence_in_two_stories_is_named(tmp_path, tax):
    """``retellings.yaml``: an entry edited since it was read would hold nothing back, and a sentence in two
    stories makes them one; both are errors naming the entry."""
    data = yaml.safe_load((TAXONOMY_DIR / "retellings.yaml").read_text())
    stories = data["retellings"]
    assert len(stories) > 100 and all(tax.story[s] == i for i, st in enumerate(stories) for s in st["sentences"])
    root = _copy(tmp_path)
    path = root / "retellings.yaml"
    stories[2]["sentences"][1] = "A sentence that no bank holds any more, edited after the reading."
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        TaxonomyError,
        match=r"retellings\.yaml: retellings\[2\]\.sentences\[1\]: not in any neutral, habits, news or topical list",
    ):
        load_taxonomy(root)
    data = yaml.safe_load((TAXONOMY_DIR / "retellings.yaml").read_text())
    data["retellings"][5]["sentences"].append(data["retellings"][4]["sentences"][0])
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"retellings\[5\]\.sentences\[\d+\]: also in retellings\[4\]; merge"):
        load_taxonomy(root)


def test_every_bank_sentence_has_one_area_and_a_stale_or_doubled_entry_is_named(tmp_path, tax):
    """``areas.yaml`` sorts the banks into areas of life (a text keeps to one). Every bank sentence is
    listed, so no text loses its theme silently; an entry edited since it was sorted, or a sentence
    under two areas, is an error naming the entry. Every scenario has the area of its topical sentences."""
    from taxonomy.cross_refs import bank_sentences

    assert set(tax.area) == bank_sentences(tax)
    assert set(tax.scenario_area) == set(tax.scenarios)
    root = _copy(tmp_path)
    path = root / "areas.yaml"
    data = yaml.safe_load((TAXONOMY_DIR / "areas.yaml").read_text())
    data["areas"]["home"][3] = "A sentence that no bank holds any more, edited after the sorting."
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"areas\.yaml: areas\.home\[3\]: not in any neutral, habits, news"):
        load_taxonomy(root)
    data = yaml.safe_load((TAXONOMY_DIR / "areas.yaml").read_text())
    data["areas"]["pets"].append(data["areas"]["food"][0])
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"areas\.pets\[\d+\]: also listed under 'food'; a sentence has one"):
        load_taxonomy(root)
    data["areas"]["pets"].pop()
    data["areas"]["hobbies"] = []
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"areas\.yaml.*hobbies"):
        load_taxonomy(root)


def test_a_stale_or_unknown_life_label_is_named(tmp_path, tax):
    """A life label whose sentence was edited would leave that detail unguarded; an unknown tag would guard
    nothing. Both are errors naming the entry."""
    root = _copy(tmp_path)
    path = root / "life_labels.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["labels"]["little"], "life_labels.yaml lists no small child's sentence"
    data["labels"]["little"][2] = "A sentence that no bank holds any more, edited after the labelling."
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"life_labels\.yaml: labels\.little\[2\]: not in any bank, cue or"):
        load_taxonomy(root)
    data = yaml.safe_load((TAXONOMY_DIR / "life_labels.yaml").read_text())
    data["labels"]["toddlerish"] = data["labels"].pop("little")
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"labels\.toddlerish: not a tag of llm\.life_words\.LIFE_WORDS"):
        load_taxonomy(root)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s[3]["steps"].__setitem__(1, "In March {who} finally heard back."),
            r"storylines\[3\] \(\w+\)\.steps\[1\]: names a month",
        ),
        (
            lambda s: s[0]["steps"].__setitem__(2, "The fence went up at last."),
            r"storylines\[0\] \(\w+\): some steps name the person",
        ),
        (
            lambda s: s[1]["steps"].__setitem__(0, "{Who} lost {their} {hat} on the bus."),
            r"storylines\[1\] \(\w+\)\.steps\[0\]: slot 'hat'",
        ),
        (
            lambda s: s[2]["steps"].__setitem__(1, "{Who} dropped off a tin opener on the way."),
            r"storylines\[2\] \(\w+\)\.steps\[1\]: tells a once event",
        ),
        (lambda s: s[4].__setitem__("unfit", ["my aunt"]), r"storylines\[4\] \(\w+\)\.unfit: not a relation"),
        (lambda s: s[5].__setitem__("id", s[6]["id"]), r"storylines\[6\] \(\w+\): id given twice"),
        (lambda s: s[-1].pop("subject"), r"storylines\[39\] \(\w+\): the user's own story needs a subject"),
        (lambda s: s[-1].__setitem__("subject", "kettle"), r"storylines\[39\] \(\w+\)\.steps\[0\]: does not name"),
    ],
)
def test_a_storyline_that_cannot_be_told_in_order_is_named(tmp_path, tax, edit, message):
    """``storylines.yaml``: a step dated by a month would fight the date the story gives it, a story that
    names its person in some steps only loses them in the others, an unknown slot or relation, a once
    event the banks tell too, and a doubled id are errors naming the entry."""
    assert len(tax.storylines) >= 30 and all("{who}" in s.steps[0].lower() for s in tax.storylines[:6])
    root = _copy(tmp_path)
    path = root / "storylines.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data["storylines"])
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TaxonomyError, match=r"storylines\.yaml: " + message):
        load_taxonomy(root)


def test_a_stale_change_past_or_a_wrong_option_is_named(tmp_path, tax):
    """``change_pasts.yaml``: a cue edited since it was read would guard nothing, and an option that is not
    another option of its scenario would rule out nothing; both, and an unknown scenario, are errors naming
    the entry."""
    assert len(tax.cannot_follow) > 300
    root = _copy(tmp_path)
    path = root / "change_pasts.yaml"
    base = yaml.safe_load(path.read_text())
    cases = [
        (lambda d: d["cannot_follow"].__setitem__("beauty.no_such", {}), r"cannot_follow\.beauty\.no_such: unknown"),
        (
            lambda d: d["cannot_follow"]["beauty.signature_scent"].__setitem__("I now wear a new scent.", ["woody"]),
            r"cannot_follow\.beauty\.signature_scent\[\d\]: not a change cue of the scenario",
        ),
        (
            lambda d: next(iter(d["cannot_follow"]["beauty.signature_scent"].values())).append("citrus_zest"),
            r"cannot_follow\.beauty\.signature_scent\[0\]: not another option of the scenario: \['citrus_zest'\]",
        ),
    ]
    _each_edit_is_named(root, path, base, cases, r"change_pasts\.yaml: ")


def test_a_doubled_topic_an_unknown_domain_or_a_broken_side_ask_is_named(tmp_path, tax):
    """``filler.yaml``: a topic listed twice would be asked twice, a misspelt domain would filter nothing,
    and an ask with a stray slot would fail mid-run; each is an error naming the entry."""
    root = _copy(tmp_path)
    path = root / "filler.yaml"
    base = yaml.safe_load(path.read_text())
    cases = [
        (lambda d: d["explain_topics"].append(dict(d["explain_topics"][0])), r"explain_topics\[\d+\]: topic listed"),
        (
            lambda d: d["explain_topics"][1].__setitem__("domains", ["sciense"]),
            r"explain_topics\[1\]\.domains: unknown",
        ),
        (lambda d: d["side_asks"].__setitem__(0, "Can you explain {subject}?"), r"side_asks\[0\]: needs \{topic\}"),
        (lambda d: d.__setitem__("side_asks", [a for a in d["side_asks"] if "{first}" in a]), r"side_asks: every ask"),
    ]
    _each_edit_is_named(root, path, base, cases, r"filler\.yaml: ")


@pytest.mark.parametrize(
    ("field", "entry", "message"),
    [
        ("adds", "Also add this.", r"adds\[0\]: needs \{sentence\} once"),
        ("swaps", "Swap {text} in?\n{sentence}", r"swaps\[0\]: needs \{sentence\} once"),
        ("swaps", None, r"swaps: a text being cut needs at least two"),
    ],
)
def test_an_added_part_without_its_text_is_a_load_error(tmp_path, field, entry, message):
    """An add or a swap without ``{sentence}`` would drop the part the user adds (a cue, in a cue session)
    from the turn; a text being cut with no swaps would fail mid-run. Both are load errors naming the file."""
    from taxonomy import _load

    root = _copy(tmp_path)
    path = root / "task_types.yaml"
    data = yaml.safe_load(path.read_text())
    shorten = next(t for t in data["task_types"] if t["id"] == "shorten")
    if entry is None:
        shorten[field] = shorten[field][:1]
    else:
        shorten[field][0] = entry
    path.write_text(yaml.safe_dump(data))
    _load.cache_clear()
    with pytest.raises(TaxonomyError, match=rf"(?s)task_types\.yaml.*{message}"):
        load_taxonomy(root)


def test_a_name_that_is_also_a_month_or_season_is_named(tmp_path):
    """ "Answering a text from June" reads as a date, and the date gate counted it as June named on 13 April:
    no given name of a persona's world is a month or a season."""
    root = _copy(tmp_path)
    path = root / "world.yaml"
    base = yaml.safe_load(path.read_text())
    cases = [
        (lambda d: d["names_she"].append("June"), r"names_she: 'June' is also a month or a season"),
        (lambda d: d["names_he"].append("August"), r"names_he: 'August' is also a month or a season"),
        (lambda d: d["names_she"].append("Summer"), r"names_she: 'Summer' is also a month or a season"),
    ]
    _each_edit_is_named(root, path, base, cases, r"world\.yaml: (?s:.*)")
