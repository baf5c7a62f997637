"""Golden hashes of the metrics: every metric of a year of the small town, under every regime, is kept.

The record tables have their own golden hashes (``test_golden.py``); this one guards the step from records to
metrics (:mod:`simulator.metrics.compute`): a change to how any metric is computed changes a hash. Values are
rounded to 9 significant digits before hashing, so that the last bits of a pandas or numpy reduction (which
may differ between versions) do not count. Regenerate, in a commit that says why, with

    SIMULATOR_UPDATE_GOLDEN=1 pytest tests/golden
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pytest

from simulator.config import load_config, with_regime
from simulator.engine.simulation import simulate_records
from simulator.metrics.compute import replication_metrics
from tests.golden.test_golden import runnable_regimes

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("metrics_hashes.json")
SCENARIO = load_config(ROOT / "configs" / "small_town.yaml", {"horizon": "365 days", "warmup": "30 days"})
REGIMES = runnable_regimes(SCENARIO)


def _value(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.9g}"


def metrics_hash(regime: str) -> tuple[str, int]:
    """The hash of every (metric, dimension, value) of one run, and how many there are."""
    scenario = with_regime(SCENARIO, regime)
    records = simulate_records(scenario, 1)
    table = replication_metrics(records, scenario.outputs.census_time)
    lines = [f"{m}|{d}|{_value(float(v))}" for m, d, v in zip(table["metric"], table["dimension"], table["value"],
                                                               strict=True)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16], len(lines)


def test_every_regime_has_a_golden_metrics_hash() -> None:
    if os.environ.get("SIMULATOR_UPDATE_GOLDEN"):
        golden = {regime: list(metrics_hash(regime)) for regime in REGIMES}
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert sorted(json.loads(GOLDEN.read_text(encoding="utf-8"))) == sorted(REGIMES)


@pytest.mark.parametrize("regime", REGIMES)
def test_metrics_match_golden_hashes(regime: str) -> None:
    expected_hash, expected_rows = json.loads(GOLDEN.read_text(encoding="utf-8"))[regime]
    actual_hash, rows = metrics_hash(regime)
    assert rows == expected_rows, f"{regime}: {rows} metric rows, golden {expected_rows}"
    assert actual_hash == expected_hash, f"{regime}: metric values changed"
