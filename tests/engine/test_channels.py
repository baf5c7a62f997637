"""The channels through which a met need changes a client's path, scripted: exits, returns, shelter use and
prerequisites (docs/model.md sections 3.5, 3.6, 4.1 and 5.1)."""

from __future__ import annotations

import pytest

from simulator.engine.clients import MET, OPEN, Client
from simulator.engine.outcomes import HOUSED, SELF_RESOLVED
from tests.engine._scripted import client, rows, world

HOUR = 1 / 24


def started(sim, *needs: str) -> Client:
    """A client whose episode starts now through the real episode start (no walk-ins), with ``needs``."""
    person = Client(500, "man", "adult", False, "chronic")
    sim.episodes.start(person, sim.ctx.streams["attributes"], "inflow", 0.0, walk_ins=False)
    assert sorted(person.needs) == sorted(needs)
    return person


EXITS = {"self_resolution_mean": {"chronic": "10 days"}, "self_resolution_hazard_ratio": {"mental_health": 0.5}}
NEEDS = {"primary_care": 1.0, "mental_health": 1.0}


def test_an_open_need_slows_self_resolution_by_its_ratio() -> None:
    sim = world({"horizon": "5000 days", "population.exits": EXITS, "population.needs.base": NEEDS,
                 "referrals": []})
    person = started(sim, "primary_care", "mental_health")
    assert person.resolve_mean == pytest.approx(20.0)  # mean 10 days / ratio 0.5 while mental health is open
    budget = person.resolve_budget
    sim.env.run(until=4000)
    [episode] = rows(sim, "episodes")
    assert episode["exit_reason"] == SELF_RESOLVED
    assert episode["end"] == pytest.approx(20.0 * budget)


def test_meeting_the_need_speeds_the_exit_with_the_budget_left() -> None:
    sim = world({"horizon": "5000 days", "population.exits": EXITS, "population.needs.base": NEEDS,
                 "referrals": []})
    person = started(sim, "primary_care", "mental_health")
    budget = person.resolve_budget
    met_at = 20.0 * budget / 2  # half the budget spent at the slow rate
    sim.env.run(until=met_at)
    sim.pathways.met(person, person.needs["mental_health"], "clinic")
    sim.env.run(until=4000)
    [episode] = rows(sim, "episodes")
    assert episode["exit_reason"] == SELF_RESOLVED
    # the other half is spent at the full rate: 10 days per unit
    assert episode["end"] == pytest.approx(met_at + 10.0 * budget / 2)


def test_without_ratios_meeting_a_need_does_not_move_the_exit() -> None:
    sim = world({"horizon": "5000 days", "population.exits": {"self_resolution_mean": {"chronic": "10 days"}},
                 "population.needs.base": NEEDS, "referrals": []})
    person = started(sim, "primary_care", "mental_health")
    budget = person.resolve_budget
    sim.env.run(until=0.1 * budget)
    sim.pathways.met(person, person.needs["mental_health"], "clinic")
    sim.env.run(until=4000)
    [episode] = rows(sim, "episodes")
    assert episode["end"] == pytest.approx(10.0 * budget)


def housed_then_returns(support: list[str]) -> float:
    """Days from moving in to the return of a client housed with mental health still open."""
    sim = world({"horizon": "5000 days", "population.needs.base": {"housing": 1.0, "mental_health": 1.0},
                 "population.exits": {"return_after_housing_mean": "100 days",
                                      "return_hazard_ratio": {"mental_health": 4.0}},
                 "services.housing.support": support, "services.housing.tenancy": "10000 days",
                 "referrals": []})
    person = client(sim, "housing", "mental_health")
    sim.pathways.start(person, person.needs["housing"], "shelter", "housing", adjustment="unilateral")
    sim.env.run(until=4500)
    [housed] = rows(sim, "episodes")[:1]
    assert housed["exit_reason"] == HOUSED
    assert person.episode == 2  # the return's episode, still open
    return person.start - housed["end"]


def test_an_open_need_at_move_in_raises_the_return_hazard_unless_the_programme_supports_it() -> None:
    # the same draw of the returns stream: without support the time is divided by the ratio 4
    assert housed_then_returns([]) == pytest.approx(housed_then_returns(["mental_health"]) / 4)


# ---- shelter use -------------------------------------------------------------------------------------------
def test_a_stay_begun_with_an_open_need_lasts_its_ratio_times_longer() -> None:
    sim = world({"population.shelter_use.chronic": {"stay": "3 days", "gap": "2 days", "gap_other_share": 0.0,
                                                    "stay_ratio": {"substance_use": 2.0}}})
    person = client(sim, "substance_use")
    use = sim.scenario.population.shelter_use["chronic"]
    sim.env.process(sim.episodes.cycles.cycle(person, use, False))  # type: ignore[union-attr]
    sim.env.run(until=6.5)  # a 6-night stay, out at 08:00 on day 6
    sim.pathways.met(person, person.needs["substance_use"], "clinic")
    sim.env.run(until=20)
    moves = [(round(r["time"], 6), r["location"]) for r in rows(sim, "locations")]
    assert moves[1:3] == [(round(18 * HOUR, 6), "shelter"), (round(6 + 8 * HOUR, 6), "outdoors")]
    # the need met: the next stay (from day 8 at 18:00) lasts the drawn 3 nights
    assert moves[3:5] == [(round(8 + 18 * HOUR, 6), "shelter"), (round(11 + 8 * HOUR, 6), "outdoors")]


def test_an_avoidant_client_asks_for_beds_once_a_seek_need_is_met() -> None:
    sim = world({"population.shelter_use.chronic": {"stay": "3 days", "gap": "2 days", "gap_other_share": 0.0,
                                                    "seek_when_met": ["mental_health"]}})
    person = client(sim, "mental_health", "primary_care")
    person.avoidant = True
    use = sim.scenario.population.shelter_use["chronic"]
    assert sim.episodes.cycles is not None
    person.shelter_process = sim.env.process(sim.episodes.cycles.cycle(person, use, False))
    sim.env.run(until=2)
    sim.pathways.met(person, person.needs["primary_care"], "clinic")  # not a seek need: still avoiding
    sim.env.run(until=4)
    assert person.location == "outdoors"
    sim.pathways.met(person, person.needs["mental_health"], "clinic")
    sim.env.run(until=5)
    assert person.location == "shelter"  # asked at once, admitted at 18:00 on day 4


# ---- prerequisites -----------------------------------------------------------------------------------------
def test_a_service_refuses_a_need_until_its_prerequisite_is_met_and_the_delay_passed() -> None:
    sim = world({"prerequisites": [{"service": "clinic", "need": "primary_care",
                                    "requires_met": ["income_documents"], "delay": "5 days"}]})
    person = client(sim, "primary_care", "income_documents")
    state = person.needs["primary_care"]
    sim.pathways.start(person, state, "shelter", "clinic", adjustment="unilateral")
    sim.env.run(until=1)
    assert rows(sim, "referrals") == []
    assert state.status == OPEN
    assert sim.ctx.counters["referrals_blocked"] == 1
    sim.pathways.met(person, person.needs["income_documents"], "clinic")  # at day 1: eligible from day 6
    sim.env.run(until=5.9)
    sim.pathways.start(person, state, "walk_in", "clinic")
    sim.env.run(until=6.1)
    assert sim.ctx.counters["referrals_blocked"] == 2
    assert rows(sim, "visits") == []
    sim.pathways.start(person, state, "shelter", "clinic", adjustment="unilateral")
    sim.env.run(until=10)
    [referral] = rows(sim, "referrals")
    assert referral["outcome"] == "served"
    assert state.status == MET


def test_a_prerequisite_the_episode_does_not_have_does_not_block() -> None:
    sim = world({"prerequisites": [{"service": "clinic", "need": "primary_care",
                                    "requires_met": ["income_documents"], "delay": "5 days"}]})
    person = client(sim, "primary_care")
    sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic", adjustment="unilateral")
    sim.env.run(until=3)
    [referral] = rows(sim, "referrals")
    assert referral["outcome"] == "served"


@pytest.mark.parametrize(("rule", "message"), [
    ({"service": "nowhere", "need": "housing", "requires_met": ["income_documents"]}, "unknown service"),
    ({"service": "shelter", "need": "housing", "requires_met": ["income_documents"]}, "prerequisite"),
    ({"service": "clinic", "need": "housing", "requires_met": ["housing"]}, "its own prerequisite"),
])
def test_a_bad_prerequisite_is_refused(rule: dict, message: str) -> None:
    from simulator.config.loader import ConfigError

    with pytest.raises(ConfigError, match=message):
        world({"prerequisites": [rule]})


def test_a_walk_in_to_a_housing_programme_is_an_application_without_a_referral() -> None:
    sim = world({"population.needs.base": {"housing": 1.0},
                 "entry": [{"need": "housing", "service": "housing", "probability": 1.0}]})
    person = client(sim, "housing")
    sim.pathways.start(person, person.needs["housing"], "walk_in", "housing")
    sim.env.run(until=5)
    [visit] = rows(sim, "visits")
    assert (visit["service"], visit["adjustment"], visit["referral"]) == ("housing", "walk_in", -1)
    assert (visit["arrival"], visit["start"], visit["end"]) == (0.0, 0.0, pytest.approx(1.0))
    assert rows(sim, "referrals") == []
    [episode] = rows(sim, "episodes")
    assert episode["exit_reason"] == HOUSED


@pytest.mark.parametrize(("walk", "message"), [
    ({"need": "primary_care", "service": "housing", "probability": 1.0}, "for the housing need"),
    ({"need": "housing", "service": "clinic", "probability": 1.0}, "does not receive the housing need"),
])
def test_walk_ins_match_the_kind_of_service(walk: dict, message: str) -> None:
    from simulator.config.loader import ConfigError

    with pytest.raises(ConfigError, match=message):
        world({"entry": [walk]})
