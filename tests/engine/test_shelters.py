"""Shelters and shelter use, scripted: one bed, clients who ask at known times, stays of known length."""

from __future__ import annotations

import pytest

from simulator.config.schema import ShelterUse
from simulator.engine.clients import Client
from simulator.engine.simulation import Simulation
from tests.engine._scripted import client, rows, world

HOUR = 1 / 24


def test_a_bed_is_given_at_the_intake_window_and_the_second_client_is_refused() -> None:
    sim = world()
    shelters = sim.shelters
    assert shelters is not None
    first, second = client(sim), client(sim)
    sim.env.run(until=0.5)  # noon: the intake window (18:00-23:00) is closed
    a, b = shelters.request(first), shelters.request(second)
    assert not a.triggered
    assert not b.triggered
    sim.env.run(until=18 * HOUR + 0.5 / 24)
    assert a.triggered
    assert not b.triggered
    sim.env.run(until=1 + 4 * HOUR)  # past the close (23:00) and the census (03:00 by default)
    assert second.refused_nights == 1
    assert first.refused_nights == 0
    night = [r for r in rows(sim, "nights") if r["shelter"] == "all"]
    assert [(r["day"], r["occupancy"], r["refused"]) for r in night] == [(0, 1, 1)]


def two_ask_for_one_bed(sim: Simulation) -> Client:
    """Two clients ask at time 0 for the one bed; run three nights and their censuses; the one refused."""
    shelters = sim.shelters
    assert shelters is not None
    first, second = client(sim), client(sim)
    shelters.request(first)
    shelters.request(second)
    sim.env.run(until=3 + 4 * HOUR)
    return second


def test_refusals_count_each_night_in_line() -> None:
    sim = world()
    second = two_ask_for_one_bed(sim)
    # the bed stays taken (nobody leaves it here): the second client is refused three nights running
    assert second.refused_nights == 3
    refused = [r["refused"] for r in rows(sim, "nights") if r["shelter"] == "all"]
    assert refused == [1, 1, 1]


def test_refusals_in_the_warm_up_are_not_counted_against_the_client() -> None:
    second = two_ask_for_one_bed(world({"warmup": "2 days"}))
    assert second.refused_nights == 1  # nights 0 and 1 are in the warm-up


def test_a_stay_ends_at_checkout_after_its_nights_then_a_gap_outdoors() -> None:
    sim = world()
    person = client(sim)
    use = sim.scenario.population.shelter_use["chronic"]
    assert isinstance(use, ShelterUse)
    sim.env.process(sim.episodes.cycles.cycle(person, use, False, sim.ctx.streams["x"]))  # type: ignore[union-attr]
    sim.env.run(until=10)
    moves = [(round(r["time"], 6), r["location"]) for r in rows(sim, "locations")]
    # outdoors at 0, a bed at 18:00, three nights, out at 08:00 on day 3, a 2-day gap outdoors, then asks again
    assert moves[:3] == [(0.0, "outdoors"), (round(18 * HOUR, 6), "shelter"), (round(3 + 8 * HOUR, 6), "outdoors")]
    assert moves[3] == (round(5 + 18 * HOUR, 6), "shelter")


def test_surge_beds_closing_evict_the_last_admitted() -> None:
    sim = world({"services.shelter.capacity": 2, "services.shelter.winter_capacity": 3,
                 "winter": {"start": "01-01", "end": "01-02"}})  # days 0 (Jan 2) is the last winter day
    shelters = sim.shelters
    assert shelters is not None
    people = [client(sim) for _ in range(3)]
    for person in people:
        shelters.request(person)
    sim.env.run(until=0.9)
    assert len(shelters.where) == 3
    sim.env.run(until=1.6)  # the schedule changes at midday of day 1: two beds
    assert sorted(shelters.where) == sorted(p.id for p in people[:2])


@pytest.mark.parametrize("census", ["03:00", "21:00"])
def test_the_census_counts_where_everyone_sleeps(census: str) -> None:
    sim = world({"outputs": {"census_time": census}})
    shelters = sim.shelters
    assert shelters is not None
    inside, outside = client(sim), client(sim)
    sim.whereabouts.move(inside, "outdoors")
    sim.whereabouts.move(outside, "outdoors")
    shelters.request(inside)
    shelters.request(outside)
    sim.env.run(until=2)
    first = rows(sim, "census")[0]
    assert (first["sheltered"], first["outdoors"], first["other"]) == (1, 1, 0)
