"""Opening hours on the compiled engine: the same record tables as the SimPy engine, row for row.

Clinics with hours (``docs/model.md`` section 4.2, the calendar of section 2): requests made while a clinic
is closed wait for its opening, where the clients in line are served in order; a service running at closing
time is finished (its server closes after it); the nodes' available hours count the opening hours of the
observed window. Each scenario below stresses one side of it, with fixed durations where ties put several
events at the same instant (the order of those events decides who is served first, and draws the next
random numbers), and random networks of clinics mix them all.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from simulator.config.loader import load_data, validate_data
from tests.fast import _compare, _random
from tests.fast.test_support import variant

TEXTBOOK = Path(__file__).resolve().parents[2] / "configs" / "textbook"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _served(tables: dict[str, pd.DataFrame], service: str) -> pd.DataFrame:
    visits = tables["visits"]
    return visits[(visits["service"] == service) & (visits["outcome"] == "served")]


def test_clients_wait_for_the_opening_and_are_served_in_turn() -> None:
    """A desk open on weekdays, a doctor (two staff, 50 fixed minutes) open 09:00 to 17:00: the clients who
    waited overnight start together at the opening and finish together; services started before closing
    run past it."""
    scenario = variant(("horizon", "10 days"), ("services.desk.hours", {"open": "09:00", "close": "17:00",
                                                                          "days": WEEKDAYS}),
                       ("services.doctor.hours", {"open": "09:00", "close": "17:00"}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        doctor = _served(tables, "doctor")
        assert doctor["start"].duplicated().any()  # two servers taken at the same instant
        assert doctor["end"].duplicated().any()
        time_of_day = doctor["end"] - doctor["end"].map(math.floor)
        assert (time_of_day > 17 / 24).any()  # finished after closing
        start_of_day = doctor["start"] - doctor["start"].map(math.floor)
        assert ((start_of_day >= 9 / 24 - 1e-12) & (start_of_day < 17 / 24)).all()
        desk = tables["visits"][tables["visits"]["service"] == "desk"]
        assert {"served", "reneged", "balked"} <= set(desk["outcome"])


def test_open_from_midnight_to_midnight_on_some_days() -> None:
    """Hours from 00:00 to 24:00: the closing and the next opening fall at the same instant."""
    hours = {"open": "00:00", "close": "24:00"}
    scenario = variant(("horizon", "15 days"), ("services.desk.hours", {**hours, "days": ["mon", "tue", "sat"]}),
                       ("services.doctor.hours", hours))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert len(_served(tables, "doctor")) > 50


def test_services_longer_than_the_closed_hours() -> None:
    """A service of 20 hours at a clinic open 8 hours a day: a server still busy at the next opening never
    closed (its "closed" request is withdrawn)."""
    scenario = variant(("horizon", "15 days"), ("services.doctor.service_time", "20 hours"),
                       ("services.doctor.staff", 3), ("services.doctor.hours", {"open": "09:00", "close": "17:00"}))
    tables = _compare.compare(scenario)
    doctor = _served(tables, "doctor")
    assert ((doctor["end"] - doctor["start"]) > 0.8).all()
    assert len(doctor) > 10


def test_priority_and_fifo_lines_with_hours_and_a_warmup() -> None:
    """A FIFO desk and a priority doctor, both with hours, short open windows, a warm-up that ends mid-day."""
    scenario = variant(("horizon", "12 days"), ("warmup", "2.7 days"), ("services.desk.waitlist_cap", None),
                       ("services.desk.patience", {"dist": "exponential", "mean": "2 days"}),
                       ("services.desk.hours", {"open": "08:00", "close": "12:00", "days": WEEKDAYS}),
                       ("services.doctor.discipline", "priority"),
                       ("services.doctor.service_time", {"dist": "lognormal", "mean": "40 min", "cv": 0.6}),
                       ("services.doctor.hours", {"open": "13:00", "close": "20:00"}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        nodes = tables["nodes"].set_index("service")
        # days 0 and 1 are a Saturday and a Sunday; of the weekdays 2 to 13, day 2 opens before the warm-up ends
        assert nodes.loc["desk", "available_hours"] == pytest.approx(4 * 9)
        assert "censored" in set(tables["visits"]["outcome"])


def test_a_textbook_network_with_hours() -> None:
    """The Jackson network, its clinics open on different hours and days."""
    data, _ = load_data(TEXTBOOK / "jackson.yaml")
    data.update(horizon="20 days", warmup="2 days")
    services = data["services"]
    services["triage"]["hours"] = {"open": "08:00", "close": "18:00", "days": WEEKDAYS}
    services["doctor"]["hours"] = {"open": "09:00", "close": "17:00"}
    services["social"]["hours"] = {"open": "12:00", "close": "24:00", "days": ["mon", "wed", "fri", "sun"]}
    scenario = validate_data(data, {}, "jackson with hours")
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert len(tables["referrals"]) > 200


@pytest.mark.parametrize("seed", range(8))
def test_random_networks_with_hours(seed: int) -> None:
    _compare.compare(_random.network(seed))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8, 200))
def test_more_random_networks_with_hours(seed: int) -> None:
    _compare.compare(_random.network(seed))
