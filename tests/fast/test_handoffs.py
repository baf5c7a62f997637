"""Handoffs on the compiled engine under the unilateral and bilateral regimes: the SimPy engine's tables, row for
row (``docs/model.md`` sections 5.3 to 5.6).

Every parameter of a handoff type: the latency, the loss (the base draw after the latency, the hazard as one
loss time that runs during the latency and in the receiver's line), the intake added to the receiver's
service, the staff time (sender, receiver, accompaniment: a row of the ``staff`` table and work that takes a
staff member of the clinic, ahead of the clients in a priority line), and queue jumps (priority 2 in a
priority line); the regimes that assign one type to every handoff, a type by the edge's ties, or a mix.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.fast import _compare, _random
from tests.fast.test_support import variant

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]

#: three clinics (a desk, a doctor, a psychologist) that refer to each other, with hours, patience and a cap
NETWORK: list[tuple[str, Any]] = [
    ("horizon", "20 days"), ("warmup", "2 days"),
    ("population.needs.base", {"primary_care": 1.0, "mental_health": 0.5}),
    ("population.exits.exit_when_needs_met", False),
    ("services.desk", {"kind": "clinic", "staff": 2, "discipline": "priority", "service_time": "15 min",
                       "hours": {"open": "08:00", "close": "18:00", "days": WEEKDAYS},
                       "patience": {"dist": "exponential", "mean": "3 days"},
                       "treats": {"primary_care": 0.1, "mental_health": 0.1}}),
    ("services.doctor", {"kind": "clinic", "staff": 2, "discipline": "priority", "service_time": "50 min",
                         "hours": {"open": "09:00", "close": "17:00"}, "treats": {"primary_care": 0.6}}),
    ("services.psy", {"kind": "clinic", "staff": 1, "discipline": "fifo",
                      "service_time": {"dist": "lognormal", "mean": "1 hour", "cv": 0.5},
                      "patience": {"dist": "exponential", "mean": "10 days"}, "waitlist_cap": 15,
                      "treats": {"mental_health": 0.7}}),
    ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
               {"need": "mental_health", "service": "desk", "probability": 0.7,
                "delay": {"dist": "exponential", "mean": "1 day"}},
               {"need": "mental_health", "service": "psy", "probability": 1.0}]),
    ("referrals", [{"from": "desk", "to": "doctor", "needs": ["primary_care"], "probability": 0.8, "tie": 0.5},
                   {"from": "desk", "to": "psy", "needs": ["mental_health"], "probability": 0.8, "tie": 1.0},
                   {"from": "doctor", "to": "desk", "needs": ["primary_care"], "probability": 0.3},
                   {"from": "psy", "to": "desk", "needs": ["mental_health"], "probability": 0.2, "tie": 0.3}]),
    ("handoffs.unilateral", {"latency": {"dist": "lognormal", "median": "1 day", "sigma": 0.7},
                             "loss": {"base": 0.1, "hazard": "0.2 per day"}, "intake": "10 min",
                             "staff_time": {"sender": "10 min"}}),
    ("handoffs.bilateral", {"latency": "2 hours", "loss": {"base": 0.05, "hazard": "0.1 per day"},
                            "intake": "5 min", "staff_time": {"sender": "20 min", "receiver": "30 min"},
                            "accompaniment": {"probability": 0.3, "staff_time": "2 hours"}, "queue_jump": 0.5}),
]


def _network(*edits: tuple[str, Any]) -> Any:
    return variant(*NETWORK, *edits)


@pytest.mark.parametrize("regime", ["unilateral", "bilateral"])
def test_every_handoff_parameter_under_one_type(regime: str) -> None:
    scenario = _network(("regime", regime))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        referrals = tables["referrals"]
        assert set(referrals["adjustment"]) == {regime}
        assert {"served", "lost_handoff", "lost_waiting", "reneged", "censored"} <= set(referrals["outcome"])
        staff = tables["staff"]
        assert (staff["time"] >= 2).all()  # written from the warm-up on
        if regime == "bilateral":
            assert set(referrals["priority"]) == {2.0, 3.0}  # queue jumps
            assert set(staff["purpose"]) == {"sender", "receiver", "accompaniment"}
        else:
            assert set(referrals["priority"]) == {3.0}
            assert set(staff["purpose"]) == {"sender"}


@pytest.mark.parametrize("assignment", ["ties", {"bilateral": 0.4, "unilateral": 0.6}], ids=["ties", "mix"])
def test_regimes_that_assign_both_types(assignment: Any) -> None:
    scenario = _network(("regimes", {"mine": {"assignment": assignment}}), ("regime", "mine"))
    tables = _compare.compare(scenario)
    adjustments = _compare.counts(tables, "referrals", "adjustment")
    assert adjustments["unilateral"] > 50
    assert adjustments["bilateral"] > 50
    if assignment == "ties":  # an edge with tie 1 is always bilateral, one without a tie never
        referrals = tables["referrals"]
        to_psy = referrals[(referrals["source"] == "desk") & (referrals["target"] == "psy")]
        assert set(to_psy["adjustment"]) == {"bilateral"}
        assert set(referrals[referrals["source"] == "doctor"]["adjustment"]) == {"unilateral"}


@pytest.mark.parametrize("discipline", ["fifo", "priority"])
def test_coordination_work_takes_the_clinics_staff(discipline: str) -> None:
    """Instantaneous handoffs whose staff time (fixed, as the services) falls at the same instants as the
    clients' services: in a priority line the work goes ahead of the waiting clients, in a plain FIFO line
    (no hours) it waits its turn."""
    scenario = variant(("horizon", "3 days"), ("services.desk.discipline", discipline),
                       ("services.doctor.discipline", discipline),
                       ("handoffs.unilateral", {"staff_time": {"sender": "15 min", "receiver": "25 min"},
                                                "accompaniment": {"probability": 0.5, "staff_time": "30 min"}}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        assert _compare.counts(tables, "staff", "purpose")["receiver"] > 30
        nodes = tables["nodes"].set_index("service")
        visits = tables["visits"]
        served = visits[(visits["service"] == "desk") & (visits["arrival"] >= 0)]
        # the desk's offered hours count its clients' services and its coordination work
        assert nodes.loc["desk", "offered_hours"] > len(served) * 0.25


def test_queue_jumps_in_a_priority_line_only() -> None:
    """Every bilateral handoff jumps the queue: ahead of the walk-ins at a priority clinic, not at a FIFO one."""
    jump = ("handoffs.bilateral", {"queue_jump": 1.0})
    for discipline in ("priority", "fifo"):
        scenario = variant(("horizon", "5 days"), ("regime", "bilateral"), jump,
                           ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
                                      {"need": "primary_care", "service": "doctor", "probability": 0.5}]),
                           ("services.doctor.discipline", discipline))
        tables = _compare.compare(scenario)
        assert set(tables["referrals"]["priority"]) == {2.0}


def test_lost_on_the_way_and_in_line() -> None:
    """A high loss hazard and a long fixed latency: referrals lost on the way end at their loss time, the
    others may be lost in the receiver's line (lost_waiting), or gone on arrival when patience is nil."""
    scenario = variant(("horizon", "10 days"), ("services.doctor.patience", {"dist": "uniform", "low": "0 min",
                                                                             "high": "2 hours"}),
                       ("handoffs.unilateral", {"latency": "6 hours", "loss": {"base": 0.2, "hazard": "2 per day"}}))
    tables = _compare.compare(scenario)
    outcomes = _compare.counts(tables, "referrals", "outcome")
    assert outcomes["lost_handoff"] > 20
    assert outcomes["lost_waiting"] + outcomes["reneged"] > 5
    referrals = tables["referrals"]
    lost = referrals[referrals["outcome"] == "lost_handoff"]
    assert lost["arrived"].isna().all()
    assert ((lost["end"] - lost["created"]) <= 0.25 + 1e-12).all()


@pytest.mark.parametrize("seed", range(8))
def test_random_networks_with_handoffs(seed: int) -> None:
    _compare.compare(_random.network(seed, handoffs=True))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8, 200))
def test_more_random_networks_with_handoffs(seed: int) -> None:
    _compare.compare(_random.network(seed, handoffs=True))


def test_walk_ins_keep_the_unilateral_intake() -> None:
    """Under the bilateral regime a walk-in's visit still adds the unilateral intake (section 4.2)."""
    scenario = variant(("horizon", "2 days"), ("regime", "bilateral"), ("handoffs.unilateral", {"intake": "1 hour"}),
                       ("handoffs.bilateral", {"intake": "0 min"}))
    tables = _compare.compare(scenario)
    desk = tables["visits"]
    desk = desk[(desk["service"] == "desk") & (desk["outcome"] == "served")]
    pd.testing.assert_series_equal((desk["end"] - desk["start"]).round(9).reset_index(drop=True),
                                   pd.Series([round(75 / 1440, 9)] * len(desk)), check_names=False)
