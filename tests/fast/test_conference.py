"""The case conference and multilateral handoffs on the compiled engine: the SimPy engine's tables, row for row
(``docs/model.md`` sections 5.3, 5.4, 5.6 and 5.7, and the regimes of section 6).

Each scripted scenario below is small (the desk and the doctor of :mod:`tests.fast._micro`, a few clients a day,
fixed latencies) and checks, in the SimPy engine's tables, that the mechanism it is about happens (a
multilateral referral decided at the next meeting, no meeting on a weekend or a holiday, a seat missed by a
closed clinic, ``max_cases`` carrying cases over, an escalation of the longest-stuck needs, a conference client
taking a reserved housing place), then that both engines write the same tables (:func:`_compare.compare`: every
table, the counters and the metrics). The shipped cities under the ``multilateral`` and ``organic`` regimes
(without the access point and cohorts) follow.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from simulator.config.schema import Scenario
from simulator.engine.simulation import simulate_records
from simulator.fast import unsupported
from tests.fast import _compare
from tests.fast._cities import part_of
from tests.fast.test_support import variant

START = date(2022, 1, 1)  # a Saturday
HOUR = 1 / 24

#: a few clients a day walk in to the desk, which refers every one of them on to the doctor; every handoff goes
#: through the conference (a meeting every day at 10:00 by default here), then an hour's latency
MULTI: list[tuple[str, Any]] = [
    ("horizon", "20 days"), ("warmup", "0 days"),
    ("population.inflow.rate", "4 per day"),
    ("regime", "multilateral"),
    ("handoffs.multilateral", {"latency": "1 hour", "conference": {"every": "1 day", "weekday": "mon"}}),
]


def multi(*edits: tuple[str, Any]) -> Scenario:
    scenario = variant(*MULTI, *edits)
    assert unsupported(scenario) == []
    return scenario


def multilateral(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    referrals = tables["referrals"]
    return referrals[referrals["adjustment"] == "multilateral"].reset_index(drop=True)


def decided_at(referrals: pd.DataFrame) -> pd.Series:
    """When each referral that reached its receiver was decided (its arrival less the hour's latency)."""
    arrived = referrals[referrals["arrived"].notna()]
    return (arrived["arrived"] - HOUR).round(9)


def test_a_referral_decided_at_the_next_meeting() -> None:
    """Each multilateral referral waits for the next meeting (every working day at 10:00, from Monday 3
    January), then the latency; it reaches the doctor with the conference's priority."""
    scenario = multi()
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        referrals = multilateral(tables)
        arrived = referrals[referrals["arrived"].notna()]
        assert len(arrived) > 20
        decided = decided_at(referrals)
        assert ((decided - decided.apply(math.floor)).round(9) == round(10 * HOUR, 9)).all()
        assert (decided >= 2).all()  # the first meeting: Monday, day 2
        created = arrived["created"]
        meeting = created.apply(lambda t: math.floor(t) + 10 * HOUR if t - math.floor(t) <= 10 * HOUR
                                else math.floor(t) + 1 + 10 * HOUR)
        weekday = (meeting.apply(math.floor) + START.weekday()) % 7
        on_weekdays = weekday < 5
        assert (decided[on_weekdays] == meeting[on_weekdays].round(9)).all()  # the next meeting, no later
        assert (arrived["priority"] == 1.0).all()
        assert _compare.counts(tables, "visits", "adjustment")["multilateral"] == len(arrived)
        assert _compare.counts(tables, "referrals", "source") == {"desk": len(referrals)}


def test_no_meeting_on_a_weekend_or_a_holiday() -> None:
    """A daily conference meets Monday to Friday, and not on its holidays: the cases wait over the weekend and
    the holiday for the next working day."""
    holiday = date(2022, 1, 12)  # a Wednesday
    scenario = multi(("handoffs.multilateral.conference.holidays", [holiday.isoformat()]))
    tables = _compare.compare(scenario)
    decided = decided_at(multilateral(tables))
    days = set(decided.apply(math.floor))
    dates = {START + timedelta(days=day) for day in days}
    assert all(day.weekday() < 5 for day in dates)
    assert holiday not in dates
    assert holiday + timedelta(days=1) in dates
    assert tables["staff"].empty or not (tables["staff"]["purpose"] == "conference").any()  # no participants


def test_a_seat_missed_by_a_closed_clinic() -> None:
    """The desk opens at 9:00 on weekdays and the doctor has no hours: at an 8:00 meeting the desk misses its
    seat (counted, no staff time), the doctor sits (staff time, a staff member taken from the doctor)."""
    scenario = multi(("services.desk.hours", {"open": "09:00", "close": "17:00",
                                              "days": ["mon", "tue", "wed", "thu", "fri"]}),
                     ("handoffs.multilateral.conference.time", "08:00"),
                     ("handoffs.multilateral.conference.participants", ["desk", "doctor"]))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        staff = tables["staff"]
        seats = staff[staff["purpose"] == "conference"]
        assert set(seats["service"]) == {"doctor"}
        assert (seats["adjustment"] == "multilateral").all()
        assert (seats["hours"].round(9) == 1.5).all()
        counters = simulate_records(scenario, scenario.seed, replication).counters
        assert counters["conferences"] == len(seats) > 5
        assert counters["conference_seats_missed"] == len(seats)


def test_max_cases_carries_cases_over() -> None:
    """A weekly conference that decides one case at a time: the others wait for the following meetings."""
    scenario = multi(("horizon", "40 days"), ("population.inflow.rate", "1 per day"),
                     ("handoffs.multilateral.conference", {"every": "7 days", "weekday": "tue", "max_cases": 1}))
    tables = _compare.compare(scenario)
    referrals = multilateral(tables)
    decided = decided_at(referrals)
    assert decided.value_counts().max() == 1  # one case a meeting
    arrived = referrals[referrals["arrived"].notna()]
    assert ((decided - arrived["created"]) > 7).any()  # carried over a meeting at least once
    assert referrals["arrived"].isna().sum() > 3  # still waiting at the horizon


#: clients with two needs that nothing refers (no walk-ins, no contacts): the organic regime's escalation takes up
#: the needs stuck for two days, at a daily conference with room for three cases; the doctor treats primary care
#: best, the psychiatrist mental health
STUCK: list[tuple[str, Any]] = [
    ("horizon", "30 days"), ("warmup", "0 days"),
    ("population.inflow.rate", "2 per day"),
    ("population.needs.base", {"primary_care": 1.0, "mental_health": 1.0}),
    ("population.exits", {"exit_when_needs_met": True, "self_resolution_mean": {"transitional": "40 days"}}),
    ("services.psychiatrist", {"kind": "clinic", "staff": 1, "service_time": "1 hour",
                               "treats": {"mental_health": 0.8, "primary_care": 0.1}}),
    ("entry", []),
    ("referrals", []),
    ("regimes", {"mine": {"assignment": "ties", "escalation": {"min_open_needs": 2, "after": "2 days"}}}),
    ("regime", "mine"),
    ("handoffs.multilateral", {"latency": "2 hours", "loss": {"base": 0.1, "hazard": "0.05 per day"},
                               "staff_time": {"sender": "30 min", "receiver": "20 min"},
                               "conference": {"every": "1 day", "weekday": "mon", "max_cases": 3,
                                              "participants": ["doctor", "psychiatrist"]}}),
]


def test_an_escalation_of_the_longest_stuck() -> None:
    """Needs open two days and never referred, of clients with two needs not met, are escalated to the
    conference (source ``conference``), the longest stuck first, at most the room left; each to the service
    most likely to meet it."""
    scenario = variant(*STUCK)
    assert unsupported(scenario) == []
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        referrals = tables["referrals"]
        assert len(referrals) > 10
        assert (referrals["source"] == "conference").all()
        assert (referrals["adjustment"] == "multilateral").all()
        target = dict(zip(referrals["need"], referrals["target"], strict=False))
        assert target == {"primary_care": "doctor", "mental_health": "psychiatrist"}
        per_meeting = referrals["created"].round(9).value_counts()
        assert per_meeting.max() <= 3
        staff = tables["staff"]
        assert set(staff[staff["purpose"] == "sender"]["service"]) == {"conference"}
        outcomes = set(referrals["outcome"])
        assert {"served", "lost_handoff"} <= outcomes


def test_a_conference_client_takes_a_reserved_place() -> None:
    """A programme whose places are all reserved: only the conference's applications (escalated housing needs)
    may take them; without ``reserved_slot`` nobody is housed."""
    edits = [*STUCK,
             ("population.needs.base", {"primary_care": 1.0, "housing": 1.0}),
             ("services.homes", {"kind": "housing", "slots": 3, "tenancy": "10 days", "initial_occupancy": 0.0,
                                 "reserved_share": 1.0, "move_in": "1 day"})]
    scenario = variant(*edits)
    tables = _compare.compare(scenario)
    visits = tables["visits"]
    homes = visits[visits["service"] == "homes"]
    served = homes[homes["outcome"] == "served"]
    assert len(served) >= 3
    assert (served["adjustment"] == "multilateral").all()
    assert _compare.counts(tables, "episodes", "exit_reason")["housed"] == len(served)
    closed = variant(*edits, ("handoffs.multilateral.reserved_slot", False))
    tables = _compare.compare(closed)
    assert "housed" not in _compare.counts(tables, "episodes", "exit_reason")
    assert (tables["visits"]["service"] == "homes").any()


def test_a_mix_with_multilateral_handoffs_and_escalation() -> None:
    """A regime that draws unilateral, bilateral or multilateral per handoff, with escalation."""
    scenario = variant(*STUCK, ("entry", [{"need": "primary_care", "service": "desk", "probability": 0.5}]),
                       ("referrals", [{"from": "desk", "to": "doctor", "needs": ["primary_care"],
                                       "probability": 1.0, "tie": 0.5}]),
                       ("regimes", {"mine": {"assignment": {"unilateral": 0.4, "bilateral": 0.3,
                                                            "multilateral": 0.3},
                                             "escalation": {"min_open_needs": 2, "after": "3 days"}}}))
    tables = _compare.compare(scenario)
    kinds = _compare.counts(tables, "referrals", "adjustment")
    assert set(kinds) == {"unilateral", "bilateral", "multilateral"}
    assert (tables["referrals"]["source"] == "conference").any()


def city(config: str, horizon: str, regime: str, warmup: str = "10 days") -> Scenario:
    """The scenario of ``config`` with the case conference, without the access point, under ``regime``
    (``multilateral`` or ``organic``, as the file defines them)."""
    return part_of(config, horizon, regime, warmup, conference=True)


@pytest.mark.parametrize("regime", ["multilateral", "organic"])
def test_small_town(regime: str) -> None:
    scenario = city("small_town.yaml", "60 days", regime)
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert "multilateral" in set(tables["referrals"]["adjustment"])


@pytest.mark.parametrize("regime", ["multilateral", "organic"])
def test_montreal_centre(regime: str) -> None:
    scenario = city("montreal_centre.yaml", "20 days", regime)
    tables = _compare.compare(scenario)
    assert "multilateral" in set(tables["referrals"]["adjustment"])


@pytest.mark.slow
@pytest.mark.parametrize("config", ["small_town.yaml", "montreal_centre.yaml"])
@pytest.mark.parametrize("regime", ["multilateral", "organic"])
def test_a_year_of_a_city_with_the_conference(config: str, regime: str) -> None:
    scenario = city(config, "365 days", regime, warmup="60 days")
    tables = _compare.compare(scenario)
    assert "multilateral" in set(tables["referrals"]["adjustment"])
