"""Prerequisites on the compiled engine: the SimPy engine's tables, row for row (``docs/model.md`` section 3.7,
*Prerequisites*).

A handoff or a walk-in to a service for a need is not made while a need its rule requires is in the episode
and was not met at least the rule's delay earlier: the need stays open (no referral row, its last referral
unchanged, so that the next contact may try again) and the block is counted (``referrals_blocked``, after the
warm-up). The check is made when a contact's pathway starts, when a walk-in's delay is over, and before each
onward referral after a visit.
"""

from __future__ import annotations

from typing import Any

from simulator.engine.simulation import simulate_records
from tests.fast import _compare
from tests.fast.test_housing import homes, housed
from tests.fast.test_shelters import sheltered

RULE = {"service": "homes", "need": "housing", "requires_met": ["primary_care"], "delay": "1 day"}


def test_a_prerequisite_blocks_and_later_allows_a_referral() -> None:
    """Shelter admissions refer the housing need to the programme and primary care to the desk: the housing
    referral is blocked until primary care has been met for a day, then made at a later admission."""
    scenario = sheltered(("population.needs.base", {"housing": 1.0, "primary_care": 1.0}),
                         ("services.homes", {"kind": "housing", "slots": 3, "tenancy": "4 days", "move_in": "1 day"}),
                         ("services.beds.capacity", 6),
                         ("referrals", [{"from": "beds", "to": "homes", "needs": ["housing"], "probability": 1.0},
                                        {"from": "beds", "to": "desk", "needs": ["primary_care"], "probability": 1.0},
                                        {"from": "desk", "to": "doctor", "needs": ["primary_care"],
                                         "probability": 1.0}]),
                         ("prerequisites", [RULE]), ("horizon", "30 days"))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        counters = simulate_records(scenario, scenario.seed, replication).counters
        assert counters["referrals_blocked"] > 0
        referrals = tables["referrals"]
        needs = tables["needs"]
        met = needs[(needs["need"] == "primary_care") & (needs["outcome"] == "met")][["client", "episode", "end"]]
        to_homes = referrals[referrals["target"] == "homes"].merge(met, on=["client", "episode"], how="left")
        assert len(to_homes) > 0
        assert (to_homes["created"] >= to_homes["end_y"] + 1).all()  # a day after primary care was met


def test_a_walk_in_blocked() -> None:
    """A walk-in to the programme while primary care is open, or met less than two days ago (the desk and the
    doctor meet it within hours), is not made (no visit), and counted."""
    scenario = housed(("population.needs.base", {"housing": 1.0, "primary_care": 0.5}),
                      ("prerequisites", [{**RULE, "delay": "2 days"}]))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        counters = simulate_records(scenario, scenario.seed, replication).counters
        assert counters["referrals_blocked"] > 0
        episodes = tables["episodes"]
        visits = homes(tables)
        needs = tables["needs"]
        with_care = needs[needs["need"] == "primary_care"][["client", "episode"]]
        blocked = visits.merge(with_care, on=["client", "episode"])
        assert blocked.empty  # nobody with a primary care need walked in to the programme
        assert len(visits) > 0
        assert len(episodes) > len(visits)


def test_an_onward_referral_blocked() -> None:
    """The desk refers primary care on to the doctor, who takes it only once income and documents are met (the
    income desk, walked in to): until then the need is left open after the desk's visit."""
    edits: list[tuple[str, Any]] = [
        ("population.needs.base", {"primary_care": 1.0, "income_documents": 0.7}),
        ("services.income", {"kind": "clinic", "staff": 1, "service_time": "30 min",
                             "treats": {"income_documents": 1.0}}),
        ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
                   {"need": "income_documents", "service": "income", "probability": 1.0, "delay": "1 hour"}]),
        ("prerequisites", [{"service": "doctor", "need": "primary_care", "requires_met": ["income_documents"],
                            "delay": "30 min"}]),
        ("horizon", "1 day"), ("warmup", "0 days"), ("population.inflow.rate", "3 per hour"),
    ]
    scenario = housed(*edits, ("services.homes.slots", 0))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        counters = simulate_records(scenario, scenario.seed, replication).counters
        assert counters["referrals_blocked"] > 0
        referrals = tables["referrals"]
        assert (referrals["target"] == "doctor").sum() > 0
