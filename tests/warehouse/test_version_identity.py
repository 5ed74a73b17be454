"""A dataset version id changes exactly when rows could: the config (not its preset label or shard size),
the seed, and the files that shape rows; an LLM call's cache key names the endpoint that answers it."""

from __future__ import annotations

import logging
import shutil

import pytest

from llm.callsites import CALL_SITES
from llm.openai_backend import OpenAIGenerator
from schemas.config import PRESETS, load_preset
from warehouse import versions


def test_preset_label_and_shard_size_are_not_part_of_the_version():
    small = load_preset("small")
    tiny_as_small = load_preset("tiny", overrides={k: v for k, v in PRESETS["small"].items()})
    assert tiny_as_small.preset == "tiny" and versions.version_id(tiny_as_small) == versions.version_id(small)
    assert versions.version_id(load_preset("small", overrides={"shard_size": 3})) == versions.version_id(small)
    assert versions.version_id(load_preset("small", overrides={"seed": 1})) != versions.version_id(small)
    assert versions.version_id(load_preset("small", overrides={"forget_rate": 0.2})) != versions.version_id(small)


def test_every_source_file_is_classified():
    listed = set(versions.row_source_files())
    other = {p for pattern in versions.OTHER_SOURCES for p in versions.ROOT.glob(pattern)}
    assert not listed & other, "a file cannot both shape rows and not"
    for package in ("schemas", "taxonomy", "prompts", "llm", "flows", "warehouse"):
        for path in (versions.ROOT / package).rglob("*"):
            if path.suffix in {".py", ".yaml", ".jinja", ".sql", ".json"} and "__pycache__" not in path.parts:
                assert path in listed | other, (
                    f"{path.relative_to(versions.ROOT)}: add it to ROW_SOURCES or OTHER_SOURCES"
                )


def test_touching_a_row_source_changes_the_generator_version_and_nothing_else_does(tmp_path):
    for path in versions.row_source_files():
        target = tmp_path / path.relative_to(versions.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "flows" / "reports.py").write_text("# a report\n")
    before = versions.generator_version(tmp_path)
    (tmp_path / "flows" / "reports.py").write_text("# a report, reworded\n")
    (tmp_path / "notes.txt").write_text("stray")
    versions.generator_version.cache_clear()
    assert versions.generator_version(tmp_path) == before
    with (tmp_path / "warehouse" / "rows.py").open("a") as fh:
        fh.write("\n# a change to how rows are written\n")
    versions.generator_version.cache_clear()
    assert versions.generator_version(tmp_path) != before
    versions.generator_version.cache_clear()


def test_the_llm_cache_key_names_the_endpoint():
    site = CALL_SITES["persona_profile"]
    a = OpenAIGenerator(model="m", base_url="http://127.0.0.1:8001/v1")
    b = OpenAIGenerator(model="m", base_url="http://127.0.0.1:8002/v1")
    from schemas.generation import PersonaSeed

    req = PersonaSeed(key="p00001", demographics={"gender": "woman"}, age=40, city="Leeds", languages=["English"])
    prompt = a.render(site, req)
    assert a.cache_key(site, prompt) != b.cache_key(site, prompt)
    assert a.cache_key(site, prompt) == OpenAIGenerator(model="m", base_url="http://127.0.0.1:8001/v1/").cache_key(
        site, prompt
    )


def test_concurrency_reaches_the_generator_and_leaves_the_version_alone(monkeypatch, tmp_path):
    """``concurrency`` is a flow parameter (an execution setting), not a config field: the synth flow builds
    its generator with it, and the version it registers is the same at any value."""
    import flows.synth as synth_mod
    from schemas.config import SynthConfig

    assert "concurrency" not in SynthConfig.model_fields

    class Registered(Exception):
        pass

    seen: list[tuple[int, str]] = []
    real_get_generator = synth_mod.get_generator

    def get_generator(*args, **kwargs):
        gen = real_get_generator(*args, **kwargs)
        seen.append((gen.concurrency, ""))
        return gen

    def register_version(con, config):
        seen[-1] = (seen[-1][0], versions.version_id(config))
        raise Registered

    monkeypatch.setattr(synth_mod, "get_generator", get_generator)
    monkeypatch.setattr(synth_mod, "register_version", register_version)
    monkeypatch.setattr(synth_mod, "get_run_logger", lambda: logging.getLogger("test"))
    for concurrency in (1, 16, 64):
        with pytest.raises(Registered):
            synth_mod.synth.fn(
                preset="tiny", backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
                db=str(tmp_path / "w.duckdb"), concurrency=concurrency,
            )  # fmt: skip
    assert [c for c, _ in seen] == [1, 16, 64]
    assert len({vid for _, vid in seen}) == 1
