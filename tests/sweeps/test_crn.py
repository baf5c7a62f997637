"""Common random numbers: comparing regimes replication by replication removes most of the sampling noise.

Replication ``i`` of every regime uses the same random streams (same seed): the same clients arrive at the same
times with the same needs, and only what the regime changes differs. The difference between two regimes in
replication ``i`` is then ``X_i - Y_i`` with ``X`` and ``Y`` strongly positively correlated, and

    Var(X - Y) = Var(X) + Var(Y) - 2 Cov(X, Y)

is much smaller than ``Var(X) + Var(Y)``, the variance of the difference of independent runs (another seed
for the second regime). That is why the simulator uses common random numbers and why ``Results.paired`` gives a
paired interval: the same number of replications estimates the effect of a regime far more precisely.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator import results
from simulator.batch import load_sweep, run_sweep
from tests.sweeps._helpers import SMALL_TOWN, write_spec

REPLICATIONS = 20
METRIC = ("unmet_need_days_per_client", "all")  # integrated coordination clearly changes it in the small town
#: the paired variance must be below half the unpaired one (with 20 replications a ratio of sample variances
#: stays within a factor 2.5 of the true ratio 95% of the time; 20 rather than 10 since only a share of exits
#: returns in the small town, which makes the regimes' difference smaller)
MARGIN = 0.5


def _spec(name: str, regimes: list[str], seed: int) -> dict[str, object]:
    return {"name": name, "base": str(SMALL_TOWN), "overrides": {"horizon": "30 days", "warmup": "5 days"},
            "regimes": regimes, "replications": REPLICATIONS, "replications_per_task": 5, "seed": seed}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, results.Results]:
    base = tmp_path_factory.mktemp("crn")
    common = write_spec(base / "common.yaml", _spec("common", ["organic", "integrated"], seed=5))
    other = write_spec(base / "other.yaml", _spec("other_seed", ["integrated"], seed=6))
    return {name: results.open(run_sweep(load_sweep(path), base / name, executor="processes", workers=2))
            for name, path in (("common", common), ("other", other))}


def _values(res: results.Results, regime: str, metric: tuple[str, str] = METRIC) -> pd.Series:
    m = res.metrics
    part = m[(m["regime"] == regime) & (m["metric"] == metric[0]) & (m["dimension"] == metric[1])]
    return part.set_index("replication")["value"].sort_index()


def test_same_seed_gives_the_same_arrivals_in_both_regimes(runs) -> None:
    inflow = ("new_inflow", "all")
    common, other = runs["common"], runs["other"]
    pd.testing.assert_series_equal(_values(common, "organic", inflow), _values(common, "integrated", inflow))
    assert not _values(common, "integrated", inflow).equals(_values(other, "integrated", inflow))


def test_paired_difference_has_a_smaller_variance(runs) -> None:
    organic = _values(runs["common"], "organic")
    paired = _values(runs["common"], "integrated") - organic
    unpaired = _values(runs["other"], "integrated") - organic
    assert len(paired) == len(unpaired) == REPLICATIONS
    var_paired, var_unpaired = float(np.var(paired, ddof=1)), float(np.var(unpaired, ddof=1))
    assert var_paired < MARGIN * var_unpaired, (var_paired, var_unpaired)


def test_paired_interval_is_narrower_and_shows_the_effect(runs) -> None:
    table = runs["common"].paired("organic")
    row = table[(table["metric"] == METRIC[0]) & (table["dimension"] == METRIC[1])].iloc[0]
    assert row["regime"] == "integrated"
    assert row["n"] == REPLICATIONS
    diff = _values(runs["common"], "integrated") - _values(runs["common"], "organic")
    assert row["mean_difference"] == pytest.approx(diff.mean())
    paired_width = row["ci_high"] - row["ci_low"]
    unpaired_width = row["unpaired_ci_high"] - row["unpaired_ci_low"]
    # widths go as standard deviations: the square root of the variance margin
    assert paired_width < math.sqrt(MARGIN) * unpaired_width, (paired_width, unpaired_width)
    assert row["ci_low"] > 0 or row["ci_high"] < 0, row  # the paired interval settles the sign of the effect
