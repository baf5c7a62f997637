"""Avoidant clients whom the cold brings in (``shelter_use.<pattern>.winter_seek``): they ask for beds only
in the winter season, leave on the first morning after it at the latest, and avoid shelters again until
the next winter. Checked on the event log and the census of small_network, whose winter season (12 to 30
November) opens and closes inside the run."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from simulator.batch.runner import Run, simulate
from tests.strategies import base_data, build

WINTER = (date(2022, 11, 12), date(2022, 11, 30))


def _avoidant_run(winter_seek: float, seed: int = 3) -> Run:
    """Every client avoids shelters; outreach never offers a bed; only the cold can bring anyone in."""
    data = base_data()
    for use in data["population"]["shelter_use"].values():
        use["avoidance"] = 1.0
        use["winter_seek"] = winter_seek
    data["services"]["outreach"]["offers_shelter"] = 0.0
    data["outputs"] = {"event_log": True}
    return simulate(build(data), seed=seed)


def _dates(run: Run, times: Any) -> list[date]:
    start = run.scenario.start_date
    return [start + timedelta(days=int(t)) for t in times]


def test_without_winter_seek_avoidant_clients_never_ask() -> None:
    run = _avoidant_run(0.0)
    events = run.tables["events"]
    assert not (events["event"] == "shelter_admitted").any()
    assert run.tables["census"]["sheltered"].sum() == 0


@pytest.mark.parametrize("seed", [3, 4])
def test_the_cold_brings_avoidant_clients_in_for_the_winter_only(seed: int) -> None:
    run = _avoidant_run(1.0, seed)
    events = run.tables["events"]
    admitted = events[events["event"] == "shelter_admitted"]
    assert len(admitted) > 20, "with winter_seek 1 every avoidant client asks for a bed in winter"
    outside = [d for d in _dates(run, admitted["time"]) if not WINTER[0] <= d <= WINTER[1]]
    assert not outside, f"admissions outside the winter season: {sorted(set(outside))[:5]}"

    census = run.tables["census"]
    nights = dict(zip(_dates(run, census["day"]), census["sheltered"], strict=True))
    # the census of night d is taken at 03:00 of day d + 1: the last winter night (30 November) still has
    # people in shelters, the first night after it has none (every stay ended that morning at the latest)
    assert nights[date(2022, 11, 30)] > 0
    after = {d: n for d, n in nights.items() if d > WINTER[1]}
    assert after
    assert all(n == 0 for n in after.values()), f"sheltered after the season: {after}"


def test_winter_seek_is_drawn_once_a_winter() -> None:
    """With winter_seek 0.5 about half of the avoidant clients active at the season's start come in; the
    others stay out all winter (they are not drawn again every night)."""
    run = _avoidant_run(0.5)
    events = run.tables["events"]
    admitted = set(events.loc[events["event"] == "shelter_admitted", "client"])
    episodes = run.tables["episodes"]
    start = (WINTER[0] - run.scenario.start_date).days
    present = set(episodes.loc[(episodes["start"] <= start) & (episodes["end"] > start + 19), "client"])
    assert len(present) > 50
    share = len(admitted & present) / len(present)
    # binomial with n > 50 and p = 0.5: a share outside 0.25-0.75 is over 3.5 standard errors away
    assert 0.25 < share < 0.75, share


@pytest.mark.parametrize("season", [{"start": "01-01", "end": "12-31"}, {"start": "11-20", "end": "11-20"}])
def test_a_season_of_the_whole_year_or_one_day(season: dict[str, str]) -> None:
    """A winter that never ends (no season change to wait for) or lasts one day runs, and keeps clients in
    beds only in winter."""
    data = base_data()
    data["winter"] = season
    for use in data["population"]["shelter_use"].values():
        use["avoidance"] = 1.0
        use["winter_seek"] = 0.5
    data["services"]["outreach"]["offers_shelter"] = 0.0
    run = simulate(build(data), seed=2)
    census = run.tables["census"]
    sheltered = dict(zip(_dates(run, census["day"]), census["sheltered"], strict=True))
    if season["start"] == "01-01":
        assert sum(sheltered.values()) > 0
    else:
        assert all(n == 0 for d, n in sheltered.items() if d != date(2022, 11, 20))
