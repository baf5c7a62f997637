"""Every scenario shipped under ``configs/`` validates and runs.

The files are found when the tests are collected, so a config added later is checked without editing this
module. Runs use a very short horizon and no warm-up: the point is that each file builds a network the engine
can run, not its results (the Montreal scenarios start with a stock of 4,690 clients, which costs about a
second even for a day).
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulator import load_config, simulate
from tests.e2e._helpers import CONFIGS, ROOT, all_configs, all_sweeps, assert_ok, run_cli

CONFIG_FILES = all_configs()
SWEEP_FILES = all_sweeps()
SHORT = {"horizon": "2 days", "warmup": "0 days"}


def _id(path) -> str:
    return str(path.relative_to(CONFIGS))


def test_configs_are_found():
    assert CONFIGS / "montreal_centre.yaml" in CONFIG_FILES
    assert CONFIGS / "textbook" / "mmc.yaml" in CONFIG_FILES


def test_cli_validates_every_config():
    relative = [str(p.relative_to(ROOT)) for p in CONFIG_FILES]
    result = run_cli("validate", *relative)
    assert_ok(result)
    # the only warnings: the Erlang A scenarios offer their staff's capacity (rho = 1) and twice it, on purpose
    assert [line.split(": services.")[0] for line in result.stderr.splitlines()] == \
        ["warning: configs/textbook/mmc_patience.yaml", "warning: configs/textbook/mmc_saturated.yaml"], \
        result.describe()
    ok = [line.split(": ok (")[0] for line in result.stdout.splitlines() if ": ok (" in line]
    assert ok == relative


@pytest.mark.parametrize("path", CONFIG_FILES, ids=_id)
def test_config_runs_a_short_horizon(path):
    scenario = load_config(path, SHORT)
    assert scenario.horizon == 2
    assert scenario.warmup == 0
    assert scenario.regime in scenario.all_regimes()
    run = simulate(scenario, seed=1)
    metrics = run.metrics
    assert isinstance(metrics, pd.DataFrame)
    assert len(metrics) > 0
    assert {"metric", "dimension", "value"} <= set(metrics.columns)
    assert metrics["value"].notna().any()


def test_sweep_specs_are_found():
    assert CONFIGS / "sweeps" / "example_small.yaml" in SWEEP_FILES


@pytest.mark.parametrize("path", SWEEP_FILES, ids=_id)
def test_sweep_spec_loads_every_point(path):
    from simulator.batch.sweep import design_matrix, load_sweep

    sweep = load_sweep(path)
    assert len(sweep.points) == len(design_matrix(sweep.spec)) > 0
    assert sweep.regimes
    assert sweep.spec.replications >= 1
