"""Housing programmes and the returns after housing on the compiled engine: the SimPy engine's tables, row for
row (``docs/model.md`` sections 3.6, 3.7 and 4.4).

Each scripted scenario below is small (a programme of one or two places, fixed move-ins, tenancies and
patience, so that many events fall at the same instants) and checks, in the SimPy engine's tables, that the
mechanism it is about happens (a match and a move-in, an offer refused and passed on, patience running out, a
reserved place released and taken, a vacancy lost to the outside, an episode ending during the move-in, a
return after housing and a completed tenancy, a handoff from a shelter to a programme), then that both engines
write the same tables (:func:`_compare.compare`: every table, the counters and the metrics). Random networks
with housing and the shipped cities (without the case conference, the access point and cohorts) follow.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pandas as pd
import pytest

from simulator.config.loader import validate_data
from simulator.config.schema import Scenario
from simulator.engine.simulation import simulate_records
from simulator.engine.streams import Streams
from simulator.fast import unsupported
from tests.fast import _compare, _random
from tests.fast._cities import part_of
from tests.fast.test_shelters import shelter_network, sheltered
from tests.fast.test_support import variant

#: clients who all need housing (half of them primary care too) and walk in to a programme of two places
#: twelve hours after their episode starts; the desk and the doctor of :mod:`tests.fast._micro`
HOUSED: list[tuple[str, Any]] = [
    ("horizon", "40 days"), ("warmup", "2 days"),
    ("population.inflow.rate", "1 per day"),
    ("population.needs.base", {"housing": 1.0, "primary_care": 0.5}),
    ("population.exits", {"exit_when_needs_met": False, "self_resolution_mean": {"transitional": "60 days"}}),
    ("services.homes", {"kind": "housing", "slots": 2, "tenancy": "10 days", "initial_occupancy": 0.0,
                        "move_in": "1 day"}),
    ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
               {"need": "housing", "service": "homes", "probability": 1.0, "delay": "12 hours"}]),
]


def housed(*edits: tuple[str, Any]) -> Scenario:
    scenario = variant(*HOUSED, *edits)
    assert unsupported(scenario) == []
    return scenario


def homes(tables: dict[str, pd.DataFrame], service: str = "homes") -> pd.DataFrame:
    visits = tables["visits"]
    return visits[visits["service"] == service].reset_index(drop=True)


def test_a_match_and_a_move_in() -> None:
    """Free places are taken on arrival; the client moves in a day later: the housing need is met by the
    programme, the episode ends ``housed``; the list is served in order; at the horizon the applications still
    waiting, and those moving in, are censored."""
    scenario = housed()
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        served = visits[visits["outcome"] == "served"]
        assert len(served) >= 4
        assert ((served["end"] - served["start"]).round(9) == 1).all()
        assert (served["referral"] == -1).all()
        assert (served["adjustment"] == "walk_in").all()
        first = visits.sort_values("arrival").head(2)
        assert (first["start"] == first["arrival"]).all()  # two free places at the start
        needs = tables["needs"]
        assert (needs[needs["need"] == "housing"]["met_by"].isin(["homes", ""])).all()
        assert (needs["met_by"] == "homes").sum() == len(served)
        assert _compare.counts(tables, "episodes", "exit_reason")["housed"] == len(served)
        censored = visits[visits["outcome"] == "censored"]
        assert censored["start"].isna().any()  # still waiting at the horizon
        nodes = tables["nodes"].set_index("service")
        assert nodes.loc["homes", "kind"] == "housing"
        assert nodes.loc["homes", "staff"] == 2
        assert nodes.loc["homes", "time_avg_present"] > 0


def test_censored_while_moving_in() -> None:
    scenario = housed(("services.homes.move_in", "20 days"))
    tables = _compare.compare(scenario)
    censored = homes(tables)
    censored = censored[censored["outcome"] == "censored"]
    assert censored["start"].notna().any()
    assert censored["end"].isna().all()


def test_an_offer_refused_goes_onwards() -> None:
    """Under ``fifo`` a place goes to the first in line, unless they turn it down: then to the next, and the
    refuser goes to the back of the line (later arrivals are matched before earlier ones)."""
    scenario = housed(("services.homes", {"kind": "housing", "slots": 1, "tenancy": "2 days", "move_in": "1 day",
                                          "discipline": "fifo", "offer_refusal": 0.5}),
                      ("population.inflow.rate", "2 per day"))
    overtaken = 0
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        matched = visits[visits["start"].notna()]
        for _, row in matched.iterrows():
            earlier = visits[(visits["arrival"] < row["arrival"])
                             & ((visits["start"] > row["start"]) | visits["start"].isna())
                             & ((visits["end"] > row["start"]) | visits["end"].isna())]
            overtaken += len(earlier)
    assert overtaken > 0


def test_patience_runs_out() -> None:
    scenario = housed(("services.homes", {"kind": "housing", "slots": 1, "tenancy": "6 days", "move_in": "1 day",
                                          "patience": "3 days"}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        reneged = visits[visits["outcome"] == "reneged"]
        assert len(reneged) >= 3
        assert ((reneged["end"] - reneged["arrival"]).round(9) == 3).all()
        assert reneged["start"].isna().all()
        needs = tables["needs"]
        assert (needs[needs["need"] == "housing"]["outcome"] != "met").sum() >= len(reneged)


def test_a_reserved_place_released_then_taken() -> None:
    """One general and one reserved place free at 0: the reserved one waits for a conference client (none
    comes), is released at day 3 and goes to the first in line; every release after the warm-up is counted and
    the idle reserved places are averaged."""
    scenario = housed(("services.homes", {"kind": "housing", "slots": 2, "tenancy": "30 days", "initial_occupancy": 0.0,
                                          "reserved_share": 0.5, "reserved_release": "3 days", "move_in": "1 day"}),
                      ("entry", [{"need": "housing", "service": "homes", "probability": 1.0}]))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        assert (visits["start"] == 3.0).sum() == 1
        counters = simulate_records(scenario, scenario.seed, replication).counters
        assert counters["reserved_places_released"] >= 1
        assert counters["reserved_places_idle"] > 0  # idle from 0 to 3 (and after the warm-up, from 2)
    later = housed(("services.homes", {"kind": "housing", "slots": 4, "tenancy": "5 days", "initial_occupancy": 1.0,
                                       "reserved_share": 0.5, "reserved_release": "2 days", "move_in": "12 hours"}),
                   ("population.inflow.rate", "6 per week"), ("horizon", "60 days"))
    for replication in (0, 1):
        tables = _compare.compare(later, replication)
        counters = simulate_records(later, later.seed, replication).counters
        assert counters["reserved_places_released"] >= 2
        assert counters["reserved_places_idle"] > 0


def vacancy_times(scenario: Scenario, replication: int, rate: float) -> list[float]:
    """The vacancies of programme ``homes`` (stream ``housing:homes``: the time to the next, then the draw of
    a reserved one), as long as nothing else draws from the stream (no refusal, a fixed move-in)."""
    stream = Streams(scenario.seed, replication)["housing:homes"]
    now, out = 0.0, []
    while True:
        now = now + stream.std_exponential() / rate
        if now >= scenario.end_time:
            return out
        stream.uniform()
        out.append(now)


def test_a_vacancy_lost_to_the_outside() -> None:
    """A vacancy with nobody on the list goes to someone outside the model; the others go to the first in line
    at the instant they arrive."""
    scenario = housed(("services.homes", {"kind": "housing", "vacancies": "1 per day", "move_in": "1 day"}),
                      ("entry", [{"need": "housing", "service": "homes", "probability": 1.0, "delay": "4 days"}]),
                      ("population.inflow.rate", "3 per week"))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        times = vacancy_times(scenario, replication, 1.0)
        matched = set(visits["start"].dropna())
        assert matched
        assert matched <= set(times)
        lost = [t for t in times if t not in matched]
        assert any(t < visits["arrival"].min() for t in lost)


def test_an_episode_that_ends_while_moving_in() -> None:
    """A client who self-resolves during a long move-in: the visit ends ``exited`` with its match time, and the
    place goes at once to the next in line."""
    scenario = housed(("services.homes", {"kind": "housing", "slots": 1, "tenancy": "40 days", "move_in": "8 days",
                                          "initial_occupancy": 0.0}),
                      ("population.exits.self_resolution_mean", {"transitional": "6 days"}),
                      ("population.inflow.rate", "2 per day"))
    handed_on = 0
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        visits = homes(tables)
        exited = visits[(visits["outcome"] == "exited") & visits["start"].notna()]
        assert len(exited) >= 1
        handed_on += sum(1 for end in exited["end"] if (visits["start"] == end).any())
    assert handed_on >= 1


def test_a_return_after_housing_and_a_completed_tenancy() -> None:
    """A housed client returns after ``return_after_housing_mean * E / Q`` (``Q`` the return hazard ratios of
    the needs still open that the programme's support does not cover), or completes the tenancy and never
    returns; the place frees at the earlier of the two."""
    scenario = housed(("services.homes", {"kind": "housing", "slots": 2, "tenancy": "6 days", "move_in": "1 day",
                                          "support": ["mental_health"]}),
                      ("population.needs.base", {"housing": 1.0, "primary_care": 0.5, "mental_health": 0.5}),
                      ("population.exits", {"exit_when_needs_met": False, "return_after_housing_mean": "8 days",
                                            "return_after_housing_share": 0.8,
                                            "return_hazard_ratio": {"primary_care": 2.0, "mental_health": 3.0}}),
                      ("horizon", "60 days"))
    returned = completed = 0
    for replication in (0, 1, 2):
        tables = _compare.compare(scenario, replication)
        episodes = tables["episodes"].sort_values(["client", "episode"])
        housed_rows = episodes[episodes["exit_reason"] == "housed"]
        for _, row in housed_rows.iterrows():
            after = episodes[(episodes["client"] == row["client"]) & (episodes["episode"] == row["episode"] + 1)]
            if len(after):
                assert after.iloc[0]["source"] == "return"
                assert after.iloc[0]["start"] - row["end"] < 6
                returned += 1
            elif row["end"] + 6 < scenario.end_time - 1:
                completed += 1
    assert returned >= 2
    assert completed >= 2


def test_a_handoff_from_a_shelter_to_a_programme() -> None:
    """The shelter worker refers the housing need (a bilateral handoff may jump the line of a ``priority``
    programme); the referral ends ``housed`` with the match time as its start, or ``reneged``."""
    scenario = sheltered(("population.needs.base", {"housing": 1.0, "primary_care": 0.5}),
                         ("services.homes", {"kind": "housing", "slots": 2, "tenancy": "5 days", "move_in": "1 day",
                                             "patience": {"dist": "exponential", "mean": "4 days"}}),
                         ("referrals", [{"from": "beds", "to": "homes", "needs": ["housing"], "probability": 0.8,
                                         "tie": 0.5},
                                        {"from": "beds", "to": "desk", "needs": ["primary_care"], "probability": 0.6},
                                        {"from": "desk", "to": "doctor", "needs": ["primary_care"],
                                         "probability": 1.0}]),
                         ("regimes", {"mine": {"assignment": "ties"}}), ("regime", "mine"),
                         ("handoffs.bilateral.queue_jump", 0.5), ("horizon", "30 days"))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        referrals = tables["referrals"]
        to_homes = referrals[referrals["target"] == "homes"]
        assert {"housed", "reneged"} <= set(to_homes["outcome"])
        assert {2.0, 3.0} <= set(to_homes["priority"])
        visits = homes(tables)
        moved = visits[visits["outcome"] == "served"].merge(to_homes, on="referral", suffixes=("", "_r"))
        assert (moved["start"] == moved["start_r"]).all()


# ---------------------------------------------------------------------------------------------- random
def housing_network(seed: int) -> Scenario:
    """A random shelter network (:func:`tests.fast.test_shelters.shelter_network`, with outreach) and one to
    three housing programmes with every field drawn (slots with a tenancy, reserved places, earlier tenants,
    or vacancies; move-in, discipline, patience, offer refusal, support, reserved release), walk-ins and edges
    from the shelters and outreach to them, returns after housing, and perhaps prerequisites."""
    data = shelter_network(seed, outreach=True).model_dump(mode="json", by_alias=True)
    r = random.Random(seed + 20_000)
    services = data["services"]
    senders = [name for name, spec in services.items() if spec["kind"] in ("shelter", "outreach")]
    clinics = [name for name, spec in services.items() if spec["kind"] == "clinic"]
    programmes = []
    for i in range(r.randint(1, 3)):
        spec: dict[str, Any] = {"kind": "housing", "move_in": r.choice(["0 days", "1 day", "12 hours",
                                                                        {"dist": "exponential", "mean": "2 days"}]),
                                "discipline": r.choice(["fifo", "priority"]),
                                "offer_refusal": r.choice([0.0, 0.0, 0.3, 0.7]),
                                "reserved_share": r.choice([0.0, 0.3, 0.5]),
                                "reserved_release": r.choice([None, "0 days", "1 day", "3 days"])}
        if r.random() < 0.6:
            spec.update(slots=r.randint(0, 4), initial_occupancy=r.choice([0.0, 0.5, 1.0]),
                        tenancy=r.choice(["3 days", {"dist": "exponential", "mean": "4 days"},
                                          {"dist": "uniform", "low": "1 day", "high": "6 days"}]))
        else:
            spec["vacancies"] = f"{r.choice([0, 0.3, 1, 3])} per day"
        if r.random() < 0.6:
            spec["patience"] = r.choice(["2 days", {"dist": "exponential", "mean": "3 days"}])
        if r.random() < 0.5:
            spec["support"] = r.sample(_random.NEEDS, 1)
        services[f"h{i}"] = spec
        programmes.append(f"h{i}")
    data["population"]["needs"]["base"]["housing"] = r.choice([0.5, 1.0])
    for sender in senders:
        left = 0.9
        for target in r.sample(programmes, r.randint(1, len(programmes))):
            p = round(r.random() * left, 2)
            left -= p
            data["referrals"].append({"from": sender, "to": target, "needs": ["housing"], "probability": p,
                                      "tie": r.choice([0.0, 0.5, 1.0])})
    for target in r.sample(programmes, r.randint(0, len(programmes))):
        data["entry"].append({"need": "housing", "service": target, "probability": r.choice([0.3, 1.0]),
                              "delay": r.choice(["0 days", "1 day", {"dist": "exponential", "mean": "2 days"}])})
    exits = data["population"]["exits"]
    exits["return_after_housing_mean"] = r.choice([None, "3 days", "10 days"])
    exits["return_after_housing_share"] = r.choice([1.0, 0.5])
    if r.random() < 0.5:
        exits["return_hazard_ratio"] = {need: r.choice([0.5, 2.0]) for need in r.sample(_random.NEEDS, 2)}
    if r.random() < 0.5:
        rules = [{"service": r.choice(programmes), "need": "housing", "requires_met": r.sample(_random.NEEDS, 1),
                  "delay": r.choice(["0 days", "1 day"])}]
        treated = [(name, need) for name in clinics for need in services[name]["treats"]]
        if treated and r.random() < 0.5:
            service, need = r.choice(treated)
            others = [other for other in _random.NEEDS if other != need]
            rules.append({"service": service, "need": need, "requires_met": r.sample(others, 1)})
        data["prerequisites"] = rules
    scenario = validate_data(data, {}, f"housing_{seed}")
    assert unsupported(scenario) == []
    return scenario


@pytest.mark.parametrize("seed", range(12))
def test_random_housing_networks(seed: int) -> None:
    _compare.compare(housing_network(seed))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12, 300))
def test_more_random_housing_networks(seed: int) -> None:
    _compare.compare(housing_network(seed))


# ---------------------------------------------------------------------------------------------- cities
def city(config: str, horizon: str, regime: str, warmup: str = "10 days") -> Scenario:
    """The scenario of ``config`` with its housing programmes and prerequisites, without the access point and
    the case conference; ``regime``: ``unilateral``, ``bilateral`` or ``ties``."""
    return part_of(config, horizon, regime, warmup)


@pytest.mark.parametrize("regime", ["unilateral", "bilateral", "ties"])
def test_small_town(regime: str) -> None:
    scenario = city("small_town.yaml", "60 days", regime)
    for replication in (0, 1, 2):
        tables = _compare.compare(scenario, replication)
        assert _compare.counts(tables, "episodes", "exit_reason")["housed"] > 10
        assert {"housing_first", "social_housing"} <= set(tables["visits"]["service"])


@pytest.mark.parametrize("regime", ["bilateral", "ties"])
def test_montreal_centre(regime: str) -> None:
    scenario = city("montreal_centre.yaml", "20 days", regime, warmup="5 days")
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert len(homes(tables, "housing_first")) > 0


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["unilateral", "bilateral", "ties"])
@pytest.mark.parametrize("config", ["small_town.yaml", "montreal_centre.yaml"])
def test_a_year_of_a_city_with_housing(config: str, regime: str) -> None:
    scenario = city(config, "365 days", regime, warmup="60 days")
    for replication in (0, 1, 2):
        tables = _compare.compare(scenario, replication)
        assert _compare.counts(tables, "episodes", "exit_reason").get("housed", 0) > 0
        assert not math.isnan(tables["nodes"].set_index("service").loc["housing_first", "time_avg_present"])
