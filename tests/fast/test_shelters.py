"""Shelters, shelter use and locations on the compiled engine: the SimPy engine's tables, row for row
(``docs/model.md`` sections 4.1 and 5.1).

Each scripted scenario below is small (a few beds, fixed stays and gaps, so that many events fall at the same
instants: the 08:00 checkouts, the intake's opening, the last close, the 12:00 schedule) and checks, in the
SimPy engine's tables, that the mechanism it is about happens (a refusal, an eviction, a winter capacity, a
``serves`` restriction, a stock client mid-stay, an avoidant client who seeks a bed in winter or once a need
is met, a contact at admission), then that both engines write the same tables (:func:`_compare.compare`:
every table, ``locations``, ``nights`` and ``census`` included, the counters and the metrics). Random shelter
networks and the shipped cities (without what the compiled engine does not run yet) follow.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator.config.loader import validate_data
from simulator.config.schema import Scenario
from simulator.fast import unsupported
from tests.fast import _compare, _random
from tests.fast._cities import part_of
from tests.fast.test_support import variant

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CHECKOUT = 8 / 24

#: two beds, a desk and a doctor (the scripted scenario of :mod:`tests.fast._micro`), clients who stay two
#: nights and come back a day later, and a shelter worker who refers the need to the desk
SHELTERED: list[tuple[str, Any]] = [
    ("horizon", "12 days"), ("warmup", "2 days"), ("start_date", "2022-06-01"),
    ("population.inflow.rate", "2 per day"),
    ("population.exits", {"exit_when_needs_met": False, "self_resolution_mean": {"transitional": "8 days"}}),
    ("services.beds", {"kind": "shelter", "capacity": 2, "staff": 1}),
    ("population.shelter_use", {"transitional": {"stay": "2 days", "gap": "1 day", "gap_other_share": 0.3}}),
    ("referrals", [{"from": "beds", "to": "desk", "needs": ["primary_care"], "probability": 0.6},
                   {"from": "desk", "to": "doctor", "needs": ["primary_care"], "probability": 1.0}]),
    ("entry", []),
]


def sheltered(*edits: tuple[str, Any]) -> Scenario:
    scenario = variant(*SHELTERED, *edits)
    assert unsupported(scenario) == []
    return scenario


def rows_of(tables: dict[str, pd.DataFrame], shelter: str = "all") -> pd.DataFrame:
    nights = tables["nights"]
    return nights[nights["shelter"] == shelter].set_index("day")


def test_refusals_and_the_census() -> None:
    """Two beds for a dozen clients: the line is refused every night; refusals after the warm-up count in
    the episodes, every refusal in the network's row of the next census."""
    scenario = sheltered()
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        network = rows_of(tables)
        assert (network["refused"] > 0).sum() >= 5
        assert (network["occupancy"] <= network["capacity"]).all()
        episodes = tables["episodes"]
        assert episodes["refused_nights"].sum() >= network.loc[network.index >= 2, "refused"].sum() > 0
        census = tables["census"]
        assert (census["time"] % 1).round(9).eq(round(3 / 24, 9)).all()
        assert (census["outdoors"] > 0).all()
        assert (census["sheltered"] == network["occupancy"].to_numpy()).all()
        # the contact at admission: referrals from the shelter, its staff time recorded
        referrals = tables["referrals"]
        assert (referrals["source"] == "beds").sum() > 5
        assert set(_compare.counts(tables, "locations", "location")) == {"shelter", "outdoors", "other", "exited"}


def test_winter_capacity_and_eviction() -> None:
    """Six winter beds, two after the season (its last day, 04-15, is day 5): at 12:00 of day 6 the last
    admitted leave and start a gap."""
    scenario = sheltered(("start_date", "2022-04-10"), ("population.inflow.rate", "4 per day"),
                         ("services.beds", {"kind": "shelter", "capacity": 2, "winter_capacity": 6}),
                         ("population.shelter_use.transitional.stay", "4 days"),
                         ("population.shelter_use.transitional.winter_outdoor_gap", 0.5))
    tables = _compare.compare(scenario)
    beds = rows_of(tables, "beds")
    assert (beds.loc[beds.index <= 5, "capacity"] == 6).all()
    assert (beds.loc[beds.index >= 6, "capacity"] == 2).all()
    assert beds.loc[5, "occupancy"] > 2
    locations = tables["locations"]
    evicted = locations[(locations["time"] == 6.5) & locations["location"].isin(["outdoors", "other"])]
    assert len(evicted) >= 2  # (some of night 5's occupants checked out at 08:00, before the schedule)
    assert beds.loc[6, "occupancy"] <= 2


@pytest.mark.parametrize("window", [("17:00", "23:00"), ("00:00", "24:00"), ("10:00", "14:00")])
def test_eviction_with_intake_windows(window: tuple[str, str]) -> None:
    """Windows open at midnight, at the 12:00 schedule or in the evening: beds freed in the window go to the
    line at once, beds opened at 12:00 to the line if a window is open."""
    scenario = sheltered(("start_date", "2022-04-08"), ("population.inflow.rate", "5 per day"),
                         ("services.beds", {"kind": "shelter", "capacity": 2, "winter_capacity": 5,
                                            "intake": {"open": window[0], "close": window[1]}}),
                         ("services.more", {"kind": "shelter", "capacity": 0, "winter_capacity": 3,
                                            "intake": {"open": "08:00", "close": "12:00"}}),
                         ("winter", {"start": "04-11", "end": "04-14"}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        capacity = rows_of(tables)["capacity"]
        assert set(capacity) == {2, 8}


def test_serves_restrictions() -> None:
    """A women's shelter and a youth shelter with free beds while men and adults are refused elsewhere."""
    scenario = sheltered(("population.attributes", {"gender": {"man": 0.7, "woman": 0.3},
                                                    "age_group": {"youth": 0.2, "adult": 0.8}}),
                         ("population.inflow.rate", "4 per day"),
                         ("services.women", {"kind": "shelter", "capacity": 10, "serves": {"gender": ["woman"]}}),
                         ("services.youth", {"kind": "shelter", "capacity": 10,
                                             "serves": {"age_group": ["youth"], "gender": ["man", "woman"]}}))
    tables = _compare.compare(scenario)
    women, youth, network = rows_of(tables, "women"), rows_of(tables, "youth"), rows_of(tables)
    assert women["occupancy"].max() > 0
    assert (women["occupancy"] < 10).all()
    assert youth["occupancy"].max() > 0
    assert (youth["occupancy"] < 10).all()
    assert network["refused"].sum() > 10  # the men and adults, refused while those beds stay free


def test_the_initial_stock_mid_stay_and_mid_gap() -> None:
    """The stock takes the free beds at 0 whatever the hour (a residual stay, to the next 08:00s), or starts
    mid-gap."""
    scenario = sheltered(("population.initial_stock", {"count": 30}),
                         ("population.exits.self_resolution_mean", {"transitional": "1 year"}),
                         ("services.beds", {"kind": "shelter", "capacity": 6}),
                         ("population.shelter_use.transitional.stay", {"dist": "uniform", "low": "1 day",
                                                                        "high": "5 days"}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        locations = tables["locations"]
        first = locations[(locations["time"] == 0) & (locations["client"] < 30)]
        assert len(first) == 30
        placed = first[first["location"] == "shelter"]
        assert len(placed) == 6
        assert {"outdoors", "other"} <= set(first["location"])
        leaving = locations[locations["client"].isin(placed["client"]) & (locations["time"] > 0)]
        first_move = leaving.groupby("client")["time"].min()
        assert ((first_move % 1).round(9) == round(CHECKOUT, 9)).all()  # checked out at 08:00


@pytest.mark.parametrize("start", ["2022-11-08", "2022-04-08"])
def test_avoidant_clients_who_seek_a_bed_in_winter(start: str) -> None:
    """Everyone avoids shelters; half ask for beds each winter. Before the season (11-15 is day 7) they wait
    for it; at its end (04-15 is day 7) their stays stop on the first morning after it, they leave the line
    at the first midnight after it and avoid shelters again after their gap."""
    scenario = sheltered(("start_date", start), ("population.inflow.rate", "4 per day"),
                         ("population.shelter_use.transitional.avoidance", 1.0),
                         ("population.shelter_use.transitional.winter_seek", 0.5),
                         ("population.shelter_use.transitional.stay", "4 days"),
                         ("population.shelter_use.transitional.winter_outdoor_gap", 0.5),
                         ("services.beds.capacity", 5), ("population.initial_stock", {"count": 10}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        episodes = tables["episodes"]
        assert episodes["avoidant"].all()
        locations = tables["locations"]
        sheltered_rows = locations[locations["location"] == "shelter"]
        assert len(sheltered_rows) > 5
        if start == "2022-11-08":
            assert (sheltered_rows["time"] >= 7).all()  # nobody before the winter
        else:
            assert (sheltered_rows["time"] < 8).all()
            after = locations[(locations["time"] >= 8 + CHECKOUT) & (locations["location"] == "shelter")]
            assert after.empty
            assert (rows_of(tables).loc[8:, "occupancy"] == 0).all()


def test_avoidant_clients_who_seek_a_bed_once_a_need_is_met() -> None:
    """``seek_when_met``: an avoidant client whose need the doctor meets starts asking for beds, with a stay
    ratio for the needs still open."""
    scenario = sheltered(("population.shelter_use.transitional.avoidance", 0.7),
                         ("population.shelter_use.transitional.seek_when_met", ["primary_care"]),
                         ("population.shelter_use.transitional.stay_ratio", {"mental_health": 3.0}),
                         ("population.needs.base", {"primary_care": 1.0, "mental_health": 0.5}),
                         ("services.beds.capacity", 6),
                         ("entry", [{"need": "primary_care", "service": "doctor", "probability": 1.0}]))
    tables = _compare.compare(scenario)
    episodes = tables["episodes"]
    avoidant = episodes.loc[episodes["avoidant"], ["client", "episode"]]
    needs = tables["needs"]
    met = needs[needs["outcome"] == "met"].merge(avoidant)[["client", "episode", "end"]]
    locations = tables["locations"]
    beds = locations[locations["location"] == "shelter"].merge(met)
    assert len(beds) > 3
    assert (beds["time"] >= beds["end"]).all()
    never = locations.merge(avoidant).groupby("client")["location"].agg(set)
    assert any(places == {"outdoors", "exited"} or places == {"outdoors"} for places in never)


@pytest.mark.parametrize("census", ["03:00", "00:00", "13:00", "23:00", "23:30"])
def test_census_hours(census: str) -> None:
    """Whatever the census hour, the network's row counts the refusals since the previous census (a census
    between 12:00 and the last close counts the night before): every night's refusals once, those of the
    warm-up's last night and of the last observed night aside."""
    scenario = sheltered(("outputs.census_time", census))
    tables = _compare.compare(scenario)
    assert len(tables["census"]) >= 10
    counted = rows_of(tables)["refused"]
    refused_nights = tables["episodes"]["refused_nights"].sum()  # every refusal after the warm-up
    assert counted.sum() > 0
    assert abs(counted.sum() - refused_nights) <= 2 * counted.max()


def test_shelter_use_without_shelters() -> None:
    """A shelter-use pattern draws its avoidance even without shelters (and nobody has a location)."""
    no_beds = variant(*[edit for edit in SHELTERED if edit[0] not in ("services.beds", "referrals")],
                      ("population.shelter_use.transitional.avoidance", 0.5))
    tables = _compare.compare(no_beds)
    assert tables["locations"].empty
    assert tables["episodes"]["avoidant"].any()


# ---------------------------------------------------------------------------------------------- random
WINDOWS = [("17:00", "23:00"), ("00:00", "24:00"), ("08:00", "12:00"), ("12:00", "13:00"), ("20:00", "22:00")]
STAYS: list[Any] = ["1 day", "2 days", "5 days", {"dist": "exponential", "mean": "3 days"},
                    {"dist": "lognormal", "median": "2 days", "sigma": 0.8},
                    {"dist": "uniform", "low": "0 days", "high": "4 days"}]
GAPS: list[Any] = ["12 hours", "1 day", {"dist": "exponential", "mean": "2 days"},
                   {"dist": "uniform", "low": "0 days", "high": "3 days"}]


def shelter_network(seed: int, outreach: bool = False) -> Scenario:
    """A random network of clinics (:func:`tests.fast._random.network`) with one to three shelters (tiny,
    perhaps with winter beds, any intake window, perhaps serving some clients only), shelter use for some
    patterns with every parameter drawn, edges from the shelters, a census hour, and a winter season that
    begins or ends during the run; with ``outreach``, an outreach service too."""
    data = _random.network(seed, handoffs=True, episodes=True).model_dump(mode="json", by_alias=True)
    r = random.Random(seed + 10_000)
    services = data["services"]
    clinics = list(services)
    senders = []
    for i in range(r.randint(1, 3)):
        window = r.choice(WINDOWS)
        spec: dict[str, Any] = {"kind": "shelter", "capacity": r.randint(0, 4),
                                "intake": {"open": window[0], "close": window[1]}, "staff": r.randint(0, 2)}
        if r.random() < 0.5:
            spec["winter_capacity"] = r.randint(0, 6)
        if r.random() < 0.3:
            spec["serves"] = r.choice([{"gender": ["woman"]}, {"age_group": ["youth"]},
                                       {"gender": ["man"], "age_group": ["adult"]}])
        services[f"s{i}"] = spec
        senders.append(f"s{i}")
    if outreach:
        services["street"] = {"kind": "outreach", "staff": 2, "contacts": f"{r.choice([2, 10])} per day",
                              "offers_shelter": r.choice([0.0, 0.5, 1.0])}
        senders.append("street")
    uses: dict[str, Any] = {}
    for pattern in _random.PATTERNS:
        use: dict[str, Any] = {"stay": r.choice(STAYS), "gap": r.choice(GAPS),
                               "gap_other_share": r.choice([0.0, 0.3, 1.0]), "avoidance": r.choice([0.0, 0.3, 1.0]),
                               "winter_outdoor_gap": r.choice([1.0, 0.5]), "winter_seek": r.choice([0.0, 0.5, 1.0])}
        if r.random() < 0.4:
            use["stay_ratio"] = {need: r.choice([0.5, 2.0]) for need in r.sample(_random.NEEDS, 2)}
        if r.random() < 0.4:
            use["seek_when_met"] = r.sample(_random.NEEDS, 2)
        uses[pattern] = use
    data["population"]["shelter_use"] = uses
    data["population"]["attributes"]["age_group"] = {"youth": 0.3, "adult": 0.7}
    for sender in senders:
        for need in _random.NEEDS:
            left = 0.9
            treating = [name for name in clinics if need in services[name]["treats"]]
            for target in r.sample(treating, r.randint(0, min(2, len(treating)))):
                p = round(r.random() * left, 2)
                left -= p
                data["referrals"].append({"from": sender, "to": target, "needs": [need], "probability": p,
                                          "tie": r.choice([0.0, 0.5, 1.0])})
    data["handoffs"]["re_referral_after"] = r.choice(["0 days", "1 day", "5 days"])
    data["outputs"]["census_time"] = r.choice(["03:00", "13:00", "23:30", "00:00", "20:00"])
    start = pd.Timestamp(data["start_date"])
    begin, length = start + pd.Timedelta(days=r.choice([-5, 0, 2])), r.choice([1, 3, 10])
    data["winter"] = {"start": begin.strftime("%m-%d"), "end": (begin + pd.Timedelta(days=length)).strftime("%m-%d")}
    scenario = validate_data(data, {}, f"shelters_{seed}")
    assert unsupported(scenario) == []
    return scenario


@pytest.mark.parametrize("seed", range(10))
def test_random_shelter_networks(seed: int) -> None:
    _compare.compare(shelter_network(seed))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 300))
def test_more_random_shelter_networks(seed: int) -> None:
    _compare.compare(shelter_network(seed))


# ---------------------------------------------------------------------------------------------- cities
def city(config: str, horizon: str, regime: str, warmup: str = "10 days") -> Scenario:
    """The scenario of ``config`` with its clinics, shelters and outreach only (no housing programmes,
    prerequisites or conference); ``regime``: ``unilateral``, ``bilateral`` or ``ties``."""
    return part_of(config, horizon, regime, warmup, kinds=frozenset({"clinic", "shelter", "outreach"}),
                   prerequisites=False)


@pytest.mark.parametrize("regime", ["unilateral", "bilateral", "ties"])
def test_small_town(regime: str) -> None:
    scenario = city("small_town.yaml", "60 days", regime)
    for replication in (0, 1, 2):
        tables = _compare.compare(scenario, replication)
        assert rows_of(tables)["refused"].sum() > 100
        sources = set(tables["referrals"]["source"])
        assert {"men_shelter", "women_shelter", "outreach"} <= sources
        assert tables["episodes"]["avoidant"].any()


def test_montreal_centre() -> None:
    scenario = city("montreal_centre.yaml", "30 days", "bilateral", warmup="5 days")
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert len(tables["locations"]) > 10_000
        assert len(tables["nights"]) > 200


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["unilateral", "bilateral", "ties"])
@pytest.mark.parametrize("config", ["small_town.yaml", "montreal_centre.yaml"])
def test_a_year_of_a_city(config: str, regime: str) -> None:
    scenario = city(config, "365 days", regime, warmup="60 days")
    for replication in (0, 1, 2):
        _compare.compare(scenario, replication)
