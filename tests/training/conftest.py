"""Training fixtures: a private copy of the tiny synth warehouse (training writes splits and runs into it)
and the tiny offline model built from it once per session. No hub, no network."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session")
def train_db(tiny_run, tmp_path_factory):
    """(db path, version id): a copy of the tiny run's warehouse."""
    db, summary = tiny_run
    copy = tmp_path_factory.mktemp("train") / "tacit.duckdb"
    shutil.copy(db, copy)
    return copy, summary.version_id


@pytest.fixture(scope="session")
def tiny_model(train_db):
    """Path of the tiny model beside the copied warehouse (where ``--base-model tiny`` looks)."""
    from training.tiny import TinyModelConfig, make_tiny_model
    from training.trainers import tiny_dir_for
    from warehouse import connect

    db, vid = train_db
    with connect(db) as con:
        return make_tiny_model(con, vid, tiny_dir_for(db), TinyModelConfig())


@pytest.fixture
def con(train_db):
    from warehouse import connect

    c = connect(train_db[0])
    yield c
    c.close()
