"""Figures that rest on few data are flagged (``docs/model.md`` section 10), in the summary and in the paired
differences; the Kaplan-Meier helpers behind the time in line, on samples worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.metrics.summary import MIN_OBSERVATIONS, observations, summarise
from simulator.metrics.survival import kaplan_meier


def _rows(regime: str, replication: int, values: dict[tuple[str, str], float]) -> list[dict[str, object]]:
    return [{"replication": replication, "regime": regime, "metric": m, "dimension": d, "value": v}
            for (m, d), v in values.items()]


def _metrics(served: tuple[int, int], exits: tuple[int, int] = (40, 40)) -> pd.DataFrame:
    rows = []
    for rep in (0, 1):
        rows += _rows("organic", rep, {
            ("wait_mean_days", "clinic"): 1.0 + rep, ("visits_served", "clinic"): served[rep],
            ("line_time_mean_days", "clinic"): 2.0, ("visits", "clinic"): served[rep] + 5,
            ("time_homeless_mean_days", "exits"): 100.0, ("exits", "all"): exits[rep],
            ("time_homeless_mean_days", "housed"): 50.0, ("exits", "housed"): 1,
            ("count_total", "all"): 10.0 + rep})
    return pd.DataFrame(rows)


def test_observations_are_the_sample_behind_each_value() -> None:
    frame = _metrics((10, 12))
    got = dict(zip(zip(frame["replication"], frame["metric"], frame["dimension"], strict=True),
                   observations(frame), strict=True))
    assert got[(0, "wait_mean_days", "clinic")] == 10  # served visits
    assert got[(1, "line_time_mean_days", "clinic")] == 17  # every visit that joined
    assert got[(0, "time_homeless_mean_days", "exits")] == 40  # all exits
    assert got[(0, "time_homeless_mean_days", "housed")] == 1  # exits to housing
    assert math.isnan(got[(0, "count_total", "all")])  # a count of the whole replication: no sample


def test_summary_flags_a_figure_from_few_observations() -> None:
    summary = summarise(_metrics((10, 12))).set_index(["metric", "dimension"])
    assert summary.loc[("wait_mean_days", "clinic"), "observations"] == 22
    assert bool(summary.loc[("wait_mean_days", "clinic"), "few"])  # 22 < 30
    assert not bool(summary.loc[("line_time_mean_days", "clinic"), "few"])  # 15 + 17 = 32
    assert bool(summary.loc[("time_homeless_mean_days", "housed"), "few"])  # 2 exits to housing
    assert not bool(summary.loc[("count_total", "all"), "few"])  # two replications, no sample
    assert MIN_OBSERVATIONS == 30


def test_summary_flags_a_single_replication() -> None:
    one = _metrics((100, 100))
    summary = summarise(one[one["replication"] == 0]).set_index(["metric", "dimension"])
    assert bool(summary.loc[("count_total", "all"), "few"])  # no interval from one replication
    assert bool(summary.loc[("wait_mean_days", "clinic"), "few"])


def test_kaplan_meier_without_censoring_is_the_sample() -> None:
    curve = kaplan_meier(np.array([3.0, 1.0, 2.0, 2.0]), np.ones(4, dtype=bool))
    assert curve.restricted_mean() == pytest.approx((3 + 1 + 2 + 2) / 4)
    assert curve.quantile(0.5) == 2.0  # 1 -> 3/4, 2 -> 1/4: first at or below 1/2
    assert curve.quantile(0.9) == 3.0


def test_kaplan_meier_quantile_is_absent_when_censoring_hides_it() -> None:
    # 1 event at 1 of 4 at risk (-> 3/4), then 3 censored: the curve never reaches 1/2
    curve = kaplan_meier(np.array([1.0, 5.0, 6.0, 7.0]), np.array([True, False, False, False]))
    assert math.isnan(curve.quantile(0.5))
    assert curve.restricted_mean() == pytest.approx(1.0 + 0.75 * 6.0)  # a lower bound: area up to 7


def test_kaplan_meier_counts_the_censored_at_a_tie_as_still_at_risk() -> None:
    curve = kaplan_meier(np.array([2.0, 2.0, 4.0]), np.array([True, False, True]))
    assert list(curve.survival) == pytest.approx([2 / 3, 0.0])  # at 2: 1 event of 3 at risk


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.25, 1.0, 2.0, 3.5, 7.0]), st.booleans()), min_size=1,
                max_size=40),
       st.lists(st.tuples(st.floats(0, 30), st.booleans()), max_size=20))
def test_kaplan_meier_is_the_product_limit_of_its_definition(tied: list[tuple[float, bool]],
                                                             spread: list[tuple[float, bool]]) -> None:
    """The curve, exactly, against the product-limit estimator written from its definition: at each distinct
    time with events, S falls by the factor 1 - events / at risk (those lasting at least that long), ties of
    events and censorings included."""
    pairs = tied + spread
    durations = np.array([d for d, _ in pairs])
    observed = np.array([o for _, o in pairs])
    curve = kaplan_meier(durations, observed)
    times, levels, level = [], [], 1.0
    for t in sorted(set(durations[observed].tolist())):
        events = int(np.sum((durations == t) & observed))
        level *= 1.0 - events / int(np.sum(durations >= t))
        times.append(t)
        levels.append(level)
    assert curve.times.tolist() == times
    assert curve.survival.tolist() == pytest.approx(levels, rel=1e-12, abs=0)
    assert curve.horizon == durations.max()


def test_a_paired_difference_is_few_when_either_side_is(tmp_path: object) -> None:
    from pathlib import Path

    from simulator import results

    rows = []
    for regime, served in (("organic", 40), ("integrated", 4)):
        for rep in range(3):
            rows += [{"point": 0, **row} for row in _rows(regime, rep, {
                ("wait_mean_days", "clinic"): 1.0 + rep / 10 + (regime == "integrated"),
                ("visits_served", "clinic"): served, ("count_total", "all"): 10.0 + rep})]
    manifest = {"regimes": ["organic", "integrated"], "horizon_days": 20.0, "tasks": [], "spec_hash": "x",
                "name": "synthetic", "replications": 3}
    made = results.Results(Path(str(tmp_path)), manifest, pd.DataFrame({"point": [0]}))
    made._cache["metrics"] = pd.DataFrame(rows)
    paired = made.paired("organic").set_index(["metric", "dimension"])
    assert bool(paired.loc[("wait_mean_days", "clinic"), "few"])  # 12 served visits under integrated
    assert not bool(paired.loc[("count_total", "all"), "few"])
    assert paired.loc[("wait_mean_days", "clinic"), "mean_difference"] == pytest.approx(1.0)
