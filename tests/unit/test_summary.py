"""Summaries over replications: mean, Student-t confidence interval and quantiles of each metric."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.metrics import summarise


def long_metrics(values_by_key: dict[tuple[str, str, str], list[float]]) -> pd.DataFrame:
    rows = [
        {"replication": i, "regime": regime, "metric": metric, "dimension": dimension, "value": value}
        for (regime, metric, dimension), values in values_by_key.items()
        for i, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


def row(summary: pd.DataFrame, regime: str, metric: str, dimension: str) -> pd.Series:
    found = summary[(summary["regime"] == regime) & (summary["metric"] == metric)
                    & (summary["dimension"] == dimension)]
    assert len(found) == 1
    return found.iloc[0]


def test_interval_uses_student_t_with_n_minus_1_degrees_of_freedom():
    summary = summarise(long_metrics({("organic", "wait", "clinic"): [1.0, 2.0, 3.0, 4.0]}))
    r = row(summary, "organic", "wait", "clinic")
    assert r["n"] == 4
    assert r["mean"] == pytest.approx(2.5)
    std = math.sqrt(5 / 3)
    assert r["std"] == pytest.approx(std)
    half = 3.182446305284263 * std / 2  # t(0.975, 3 df)
    assert r["ci_low"] == pytest.approx(2.5 - half, rel=1e-12)
    assert r["ci_high"] == pytest.approx(2.5 + half, rel=1e-12)
    # a normal interval would be much narrower with 4 replications
    assert r["ci_high"] - r["mean"] > 1.96 * std / 2 * 1.5


@pytest.mark.parametrize("n", [2, 3, 5, 10, 30])
def test_interval_matches_scipy(n):
    values = list(np.random.default_rng(n).normal(10, 2, n))
    r = row(summarise(long_metrics({("a", "m", "all"): values})), "a", "m", "all")
    mean = np.mean(values)
    low, high = stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(values))
    assert r["mean"] == pytest.approx(mean, rel=1e-12)
    assert r["ci_low"] == pytest.approx(low, rel=1e-10)
    assert r["ci_high"] == pytest.approx(high, rel=1e-10)


def test_level_is_the_confidence_level():
    values = [3.0, 5.0, 4.0, 8.0, 6.0]
    r90 = row(summarise(long_metrics({("a", "m", "all"): values}), level=0.90), "a", "m", "all")
    r99 = row(summarise(long_metrics({("a", "m", "all"): values}), level=0.99), "a", "m", "all")
    sem = stats.sem(values)
    assert r90["ci_high"] - r90["mean"] == pytest.approx(stats.t.ppf(0.95, 4) * sem)
    assert r99["ci_high"] - r99["mean"] == pytest.approx(stats.t.ppf(0.995, 4) * sem)


def test_single_replication_has_no_interval():
    r = row(summarise(long_metrics({("a", "m", "all"): [7.0]})), "a", "m", "all")
    assert r["n"] == 1
    assert r["mean"] == 7.0
    assert math.isnan(r["ci_low"])
    assert math.isnan(r["ci_high"])


def test_constant_values_have_a_zero_width_interval():
    r = row(summarise(long_metrics({("a", "m", "all"): [2.0, 2.0, 2.0]})), "a", "m", "all")
    assert r["ci_low"] == r["mean"] == r["ci_high"] == 2.0


def test_quantiles():
    values = [float(v) for v in range(1, 21)]
    r = row(summarise(long_metrics({("a", "m", "all"): values})), "a", "m", "all")
    assert r["median"] == pytest.approx(10.5)
    assert r["q05"] == pytest.approx(np.quantile(values, 0.05))
    assert r["q95"] == pytest.approx(np.quantile(values, 0.95))


def test_groups_by_regime_metric_and_dimension():
    metrics = long_metrics({
        ("organic", "wait", "clinic"): [1.0, 3.0],
        ("organic", "wait", "housing"): [10.0, 30.0],
        ("integrated", "wait", "clinic"): [5.0, 7.0],
        ("organic", "exits", "housed"): [4.0, 6.0],
    })
    summary = summarise(metrics)
    assert len(summary) == 4
    assert row(summary, "organic", "wait", "clinic")["mean"] == 2.0
    assert row(summary, "organic", "wait", "housing")["mean"] == 20.0
    assert row(summary, "integrated", "wait", "clinic")["mean"] == 6.0
    assert row(summary, "organic", "exits", "housed")["mean"] == 5.0
    for column in ("regime", "metric", "dimension", "n", "mean", "std", "q05", "median", "q95", "ci_low",
                   "ci_high"):
        assert column in summary.columns


def test_missing_values_are_left_out_of_the_count():
    r = row(summarise(long_metrics({("a", "m", "all"): [1.0, float("nan"), 3.0]})), "a", "m", "all")
    assert r["n"] == 2
    assert r["mean"] == 2.0
    half = stats.t.ppf(0.975, 1) * math.sqrt(2) / math.sqrt(2)
    assert r["ci_high"] == pytest.approx(2.0 + half)


def test_without_a_regime_column():
    metrics = long_metrics({("a", "m", "all"): [1.0, 2.0, 3.0]}).drop(columns="regime")
    summary = summarise(metrics)
    assert "regime" not in summary.columns
    assert summary.iloc[0]["mean"] == 2.0
