"""The config hash of a results folder's manifest: equal models hash equal, different models differ."""

from __future__ import annotations

import pytest

from simulator import load_config
from simulator.io.results import config_hash, scenario_json, versions


@pytest.fixture(scope="module")
def mmc(configs_dir):
    return load_config(configs_dir / "textbook" / "mmc.yaml")


def test_equal_models_hash_equal(mmc, configs_dir):
    again = load_config(configs_dir / "textbook" / "mmc.yaml")
    assert again == mmc
    assert config_hash(again) == config_hash(mmc)
    assert len(config_hash(mmc)) == 64


def test_the_hash_is_independent_of_how_a_value_is_written(mmc, configs_dir):
    in_hours = load_config(configs_dir / "textbook" / "mmc.yaml", {"horizon": "48000 hours"})
    assert in_hours.horizon == mmc.horizon
    assert config_hash(in_hours) == config_hash(mmc)


@pytest.mark.parametrize("update", [{"seed": 2}, {"horizon": 1999.0}, {"warmup": 21.0}, {"name": "other"},
                                    {"replications": 6}])
def test_different_models_hash_differently(mmc, update):
    assert config_hash(mmc.model_copy(update=update)) != config_hash(mmc)


def test_small_differences_change_the_hash(mmc, configs_dir):
    close = load_config(configs_dir / "textbook" / "mmc.yaml", {"horizon": "2000.001 days"})
    assert close != mmc
    assert config_hash(close) != config_hash(mmc)


def test_scenario_json_is_canonical(mmc):
    text = scenario_json(mmc)
    assert text == scenario_json(mmc.model_copy())
    assert " " not in text.split('"description"')[0]  # compact separators


def test_versions_name_the_packages():
    found = versions()
    for package in ("python", "simulator", "numpy", "pandas", "simpy", "pydantic", "scipy", "pyarrow"):
        assert found[package] != "not installed", package
