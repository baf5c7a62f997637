"""Metrics of the count night and of the seasons, checked against the census and nights tables they read."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import load_config
from simulator.batch.runner import Run, simulate
from simulator.config.schema import Season
from simulator.engine.calendar import in_season
from simulator.metrics.compute import winter_days

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small_network.yaml"


def _value(run: Run, metric: str, dimension: str) -> float:
    rows = run.metrics[(run.metrics["metric"] == metric) & (run.metrics["dimension"] == dimension)]
    assert len(rows) == 1, (metric, dimension)
    return float(rows["value"].iloc[0])


@pytest.fixture(scope="module")
def run() -> Run:
    # small_network starts on 1 November; the count night 20 November lies in its window (days 10-50)
    scenario = load_config(SMALL, {"outputs": {"count_date": "11-20"}})
    return simulate(scenario, seed=5)


def test_count_on_date_is_that_nights_census(run: Run) -> None:
    census = run.tables["census"]
    start = run.scenario.start_date
    day = next(d for d in census["day"] if start + timedelta(days=int(d)) == date(2022, 11, 20))
    row = census[census["day"] == day].iloc[0]
    total = row["sheltered"] + row["outdoors"] + row["other"]
    assert _value(run, "count_on_date", "total") == total
    for place in ("sheltered", "outdoors", "other"):
        assert _value(run, "count_on_date", place) == row[place]
        assert _value(run, "count_on_date_share", place) == pytest.approx(row[place] / total)


def test_people_to_count_ratio(run: Run) -> None:
    assert _value(run, "people_to_count_ratio", "all") == pytest.approx(
        _value(run, "people_homeless", "all") / _value(run, "count_on_date", "total"))
    episodes = run.tables["episodes"]
    lo, hi = run.scenario.warmup, run.scenario.warmup + run.scenario.horizon
    in_window = episodes[(episodes["end"] >= lo) & (episodes["start"] < hi)]
    assert _value(run, "people_homeless", "all") == in_window["client"].nunique()
    assert _value(run, "people_homeless", "all") <= _value(run, "clients_served", "all")


def test_seasonal_turnaway_rates_recombine_to_the_year(run: Run) -> None:
    # winter (11-12 to 11-30 in small_network) and the rest split the observed nights: their refusals and
    # requests add up to the year's, so the annual rate lies between the two seasonal ones
    nights = run.tables["nights"]
    system = nights[nights["shelter"] == "all"]
    start = run.scenario.start_date
    in_winter = [date(2022, 11, 12) <= start + timedelta(days=int(d)) <= date(2022, 11, 30) for d in system["day"]]
    winter = system[in_winter]
    rest = system[[not w for w in in_winter]]
    for part, name in ((winter, "winter"), (rest, "rest")):
        asked = part["occupancy"].sum() + part["refused"].sum()
        assert _value(run, "turnaway_rate", name) == pytest.approx(part["refused"].sum() / asked)
    low, high = sorted((_value(run, "turnaway_rate", "winter"), _value(run, "turnaway_rate", "rest")))
    assert low <= _value(run, "turnaway_rate", "all") <= high
    assert _value(run, "turnaway_winter_excess", "all") == pytest.approx(
        _value(run, "turnaway_rate", "winter") - _value(run, "turnaway_rate", "rest"))


def test_no_count_metrics_when_the_window_misses_the_date() -> None:
    scenario = load_config(SMALL, {"outputs": {"count_date": "06-01"}})
    metrics = simulate(scenario, seed=5).metrics
    assert not metrics["metric"].isin(["count_on_date", "count_on_date_share", "people_to_count_ratio"]).any()
    # the window (11 November to 21 December) holds nights of both seasons
    assert (metrics["metric"] == "turnaway_winter_excess").any()
    assert (metrics["metric"] == "people_homeless").any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 800), max_size=60), st.sampled_from(["2025-01-01", "2025-06-15", "2024-02-28"]),
       st.sampled_from([("12-01", "03-31"), ("11-15", "04-15"), ("03-01", "05-31")]))
def test_winter_days_are_the_season_of_each_date(days: list[int], start: str, season: tuple[str, str]) -> None:
    """Each simulated day's winter flag is whether its date lies in the season (wrapping over the new year or
    not), whatever order and repeats the days come in."""
    calendar = {"start_date": start, "winter_start": season[0], "winter_end": season[1]}
    flags = winter_days(np.array(days, dtype=np.int64), calendar)
    expected = [in_season(date.fromisoformat(start) + timedelta(days=day), Season(start=season[0], end=season[1]))
                for day in days]
    assert flags.dtype == bool
    assert flags.tolist() == expected
