"""History ids are unique by construction: one id per budget, never shared by two budgets, and a config
whose budgets could not be told apart (or are not positive) is refused before any work."""

import pytest

from flows.stages.histories import history_id
from schemas.config import ConfigError, load_preset


def test_whole_thousand_budgets_keep_their_short_ids():
    assert history_id("p00007", 32_000) == "p00007.h32k"
    assert history_id("p00000", 128_000) == "p00000.h128k"
    assert history_id("p00000", 8_000) == "p00000.h8k"


def test_budgets_in_the_same_thousand_get_distinct_ids():
    assert history_id("p00000", 8_000) != history_id("p00000", 8_500)
    assert history_id("p00000", 8_500) == "p00000.h8500"
    budgets = [8, 999, 1_000, 1_001, 7_999, 8_000, 8_001, 8_500, 8_999, 9_000, 80_000, 1_000_000]
    ids = [history_id("p00000", b) for b in budgets]
    assert len(set(ids)) == len(ids), ids


def test_config_accepts_budgets_in_the_same_thousand():
    config = load_preset("tiny", overrides={"budgets": [8_000, 8_500]})
    assert config.budgets == [8_000, 8_500]


@pytest.mark.parametrize("budgets", [[0], [-500], [8_000, -1], [8_000, 8_000]])
def test_config_rejects_bad_budgets_naming_the_field(budgets):
    with pytest.raises(ConfigError, match="budgets"):
        load_preset("tiny", overrides={"budgets": budgets})
