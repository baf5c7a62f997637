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
    sim.env.process(sim.episodes.cycles.cycle(person, use, False))  # type: ignore[union-attr]
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


# ---- who a shelter serves, what each night records, and how a cycle reacts -----------------------------
def _person(sim: Simulation, gender: str = "man", age: str = "adult") -> Client:
    person = client(sim, gender=gender)
    person.age_group = age
    return person


@pytest.mark.parametrize(("serves", "who", "admitted"), [
    ({"gender": ["woman"]}, ("man", "adult"), False),
    ({"gender": ["woman"]}, ("woman", "adult"), True),
    ({"age_group": ["youth"]}, ("man", "adult"), False),
    ({"age_group": ["youth"]}, ("man", "youth"), True),
    ({"gender": ["woman"], "age_group": ["youth"]}, ("woman", "adult"), False),
])
def test_a_shelter_takes_only_the_clients_it_serves(serves: dict, who: tuple[str, str], admitted: bool) -> None:
    sim = world({"services.shelter.serves": serves})
    shelters = sim.shelters
    assert shelters is not None
    person = _person(sim, *who)
    event = shelters.request(person)
    sim.env.run(until=1)
    assert event.triggered is admitted
    assert (person.id in shelters.line) is not admitted


def test_each_night_records_capacity_occupancy_admissions_and_refusals_per_shelter() -> None:
    sim = world({"services.shelter.capacity": 2})
    shelters = sim.shelters
    assert shelters is not None
    people = [client(sim) for _ in range(3)]
    for person in people:
        shelters.request(person)
    sim.env.run(until=2 + 4 * HOUR)
    nights = [(r["day"], r["shelter"], r["capacity"], r["occupancy"], r["admitted"], r["refused"])
              for r in rows(sim, "nights")]
    # night 0: two admitted, one refused; night 1: nobody new (the beds are still taken), one refused
    assert nights == [(0, "shelter", 2, 2, 2, 0), (0, "all", 2, 2, 2, 1),
                      (1, "shelter", 2, 2, 0, 0), (1, "all", 2, 2, 0, 1)]
    assert sim.whereabouts.counts["shelter"] == 2


def test_a_client_of_the_initial_stock_may_start_in_a_bed_before_the_intake_opens() -> None:
    # stays of 300 days and gaps of 1 day: a stock client is mid-stay with probability 300/301
    sim = world({"population.shelter_use.chronic": {"stay": "300 days", "gap": "1 day", "gap_other_share": 0.0},
                 "services.shelter.capacity": 5})
    use = sim.scenario.population.shelter_use["chronic"]
    people = [client(sim) for _ in range(5)]
    assert sim.episodes.cycles is not None
    for person in people:
        sim.env.process(sim.episodes.cycles.cycle(person, use, True))
    sim.env.run(until=0.1)  # before the 18:00 intake
    assert sim.whereabouts.counts["shelter"] >= 4
    placed = [r for r in rows(sim, "locations") if r["location"] == "shelter"]
    assert all(r["time"] == 0.0 for r in placed)


def _gap(changes: dict) -> tuple[Simulation, Client]:
    """One gap of a client, run to its end."""
    sim = world(changes)
    person = client(sim)
    use = sim.scenario.population.shelter_use["chronic"]
    assert sim.episodes.cycles is not None
    done = sim.env.process(sim.episodes.cycles.gap(person, use, sim.ctx.streams["x"]))
    sim.env.run(until=done)
    return sim, person


def test_a_gap_is_spent_elsewhere_with_gap_other_share_one() -> None:
    _, person = _gap({"population.shelter_use.chronic": {"stay": "1 day", "gap": "4 days", "gap_other_share": 1.0}})
    assert person.location == "other"


@pytest.mark.parametrize(("season", "length"), [("01-01", 2.0), ("12-01", 4.0)], ids=["winter", "not winter"])
def test_an_outdoor_gap_begun_in_winter_is_shortened(season: str, length: float) -> None:
    sim, person = _gap({"winter": {"start": season, "end": season[:3] + "31"},  # day 0 is 2 January
                        "population.shelter_use.chronic": {"stay": "1 day", "gap": "4 days", "gap_other_share": 0.0,
                                                           "winter_outdoor_gap": 0.5}})
    assert person.location == "outdoors"
    assert sim.env.now == pytest.approx(length)


def test_outreach_convinces_a_client_in_a_gap_to_ask_at_once() -> None:
    sim = world({"population.shelter_use.chronic": {"stay": "1 day", "gap": "30 days", "gap_other_share": 0.0}})
    person = client(sim)
    use = sim.scenario.population.shelter_use["chronic"]
    assert sim.episodes.cycles is not None
    assert sim.shelters is not None
    process = sim.env.process(sim.episodes.cycles.cycle(person, use, False))
    sim.env.run(until=2 + 12 * HOUR)  # one night in, out at 08:00 on day 1, then a 30-day gap
    assert person.location == "outdoors"
    process.interrupt("seek")
    sim.env.run(until=2 + 19 * HOUR)
    assert person.location == "shelter"  # asked at once, admitted at the 18:00 intake


def test_an_avoidant_client_waits_for_outreach_then_uses_shelters() -> None:
    sim = world()
    person = client(sim)
    person.avoidant = True
    use = sim.scenario.population.shelter_use["chronic"]
    assert sim.episodes.cycles is not None
    process = sim.env.process(sim.episodes.cycles.cycle(person, use, False))
    sim.env.run(until=10)
    assert person.location == "outdoors"
    assert [r["location"] for r in rows(sim, "locations")] == ["outdoors"]
    process.interrupt("seek")
    sim.env.run(until=11)
    assert person.location == "shelter"


def test_an_evicted_client_leaves_the_bed_and_goes_on_with_a_gap() -> None:
    sim = world({"population.shelter_use.chronic": {"stay": "30 days", "gap": "2 days", "gap_other_share": 0.0}})
    person = client(sim)
    use = sim.scenario.population.shelter_use["chronic"]
    assert sim.episodes.cycles is not None
    assert sim.shelters is not None
    process = sim.env.process(sim.episodes.cycles.cycle(person, use, False))
    sim.env.run(until=3)
    assert person.location == "shelter"
    sim.shelters.leave(person)
    process.interrupt("evicted")
    sim.env.run(until=3.5)
    assert person.location == "outdoors"
    assert process.is_alive  # the cycle goes on: a gap, then another request


def test_the_event_log_shows_admissions_and_refusals() -> None:
    sim = world({"outputs": {"event_log": True}})
    shelters = sim.shelters
    assert shelters is not None
    first, second = client(sim), client(sim)
    admitted = shelters.request(first)
    shelters.request(second)
    sim.env.run(until=1)
    assert admitted.value == "shelter"  # the request succeeds with the shelter's name
    events = [(r["client"], r["event"], r["service"], r["need"], r["adjustment"], r["outcome"])
              for r in rows(sim, "events")]
    assert events == [(first.id, "shelter_admitted", "shelter", "", "", ""),
                      (second.id, "shelter_refused", "", "", "", "no_bed")]


def test_a_full_shelter_lines_clients_up_and_a_bed_freed_during_intake_goes_to_the_line() -> None:
    sim = world()
    shelters = sim.shelters
    assert shelters is not None
    first, second = client(sim), client(sim)
    sim.env.run(until=19 * HOUR)  # the intake window is open
    assert shelters.request(first).triggered
    waiting = shelters.request(second)
    assert not waiting.triggered  # no bed left: in line, even with the window open
    sim.env.run(until=20 * HOUR)
    shelters.leave(first)
    assert waiting.triggered  # the freed bed went to the line at once
    assert shelters.where[second.id].name == "shelter"


def test_a_full_shelter_has_no_bed_for_the_initial_stock() -> None:
    sim = world()
    shelters = sim.shelters
    assert shelters is not None
    assert shelters.place(client(sim))
    assert not shelters.place(client(sim))


@pytest.mark.parametrize(("census", "first_time"), [("03:00", 1 + 3 * HOUR), ("21:00", 21 * HOUR)])
def test_a_census_counts_the_night_that_began_the_evening_before_or_that_evening(census: str,
                                                                                first_time: float) -> None:
    sim = world({"outputs": {"census_time": census}})
    sim.env.run(until=3)
    first = rows(sim, "census")[0]
    assert first["day"] == 0
    assert first["time"] == pytest.approx(first_time)
    assert [r["day"] for r in rows(sim, "nights") if r["shelter"] == "all"][:2] == [0, 1]


def test_the_intake_window_closes_at_its_closing_time() -> None:
    sim = world()
    shelters = sim.shelters
    assert shelters is not None
    close = shelters.shelters[0].spec.intake.close
    sim.env.run(until=close)  # 23:00 exactly: the window is closed
    assert not shelters.request(client(sim)).triggered
