"""Handoffs, one referral at a time: latency, loss, intake, staff time and priority of each type."""

from __future__ import annotations

import contextlib
import math

import pytest
import simpy

from simulator.engine.handoffs import Referral
from simulator.engine.nodes import MULTILATERAL, NORMAL, QUEUE_JUMP
from simulator.engine.outcomes import CLIENT_EXITED, LOST_HANDOFF, SERVED
from tests.engine._scripted import client, rows, world

HOUR = 1 / 24


def send(sim, adjustment: str | None, until: float = 20.0, source: str = "shelter"):
    person = client(sim, "primary_care")
    state = person.needs["primary_care"]
    outcome = {}

    def carry():
        outcome["value"] = yield from sim.handoffs.send(person, state, source, "clinic", adjustment)

    sim.env.process(carry())
    sim.env.run(until=until)
    return outcome.get("value"), rows(sim, "referrals"), person


def test_unilateral_arrives_after_its_latency_and_is_served() -> None:
    sim = world()
    outcome, referrals, _ = send(sim, "unilateral")
    assert outcome == SERVED
    [referral] = referrals
    assert referral["adjustment"] == "unilateral"
    assert referral["created"] == 0.0
    assert referral["arrived"] == pytest.approx(1.0)  # latency 1 day
    assert referral["start"] == pytest.approx(1.0)  # the clinic is free
    assert referral["end"] == pytest.approx(1.0 + 2 * HOUR)  # no intake, 2 hours of service
    assert referral["priority"] == NORMAL
    assert rows(sim, "staff") == []  # a unilateral handoff costs nobody's time here


def test_bilateral_has_its_own_latency_intake_and_staff_time() -> None:
    sim = world()
    outcome, [referral], _ = send(sim, "bilateral")
    assert outcome == SERVED
    assert referral["arrived"] == pytest.approx(0.5)
    assert referral["end"] == pytest.approx(0.5 + 1 * HOUR + 2 * HOUR)  # intake 1 hour + service 2 hours
    staff = {(r["service"], r["purpose"]): r["hours"] for r in rows(sim, "staff")}
    assert staff == {("shelter", "sender"): pytest.approx(0.5), ("clinic", "receiver"): pytest.approx(0.25)}


def test_the_receiver_time_of_a_call_is_taken_from_the_clinic_staff() -> None:
    sim = world()
    _, [referral], _ = send(sim, "bilateral")
    # the receiver's 15 minutes were taken at the call (time 0), before the client arrived: no delay for them
    assert referral["start"] == pytest.approx(referral["arrived"])
    visits = rows(sim, "visits")
    assert [v["outcome"] for v in visits] == [SERVED]


@pytest.mark.parametrize("adjustment", ["unilateral", "bilateral", "multilateral", "integrated"])
def test_a_loss_drawn_to_happen_loses_the_referral(adjustment: str) -> None:
    sim = world({f"handoffs.{adjustment}.loss": {"base": 1.0}, "regime": "organic"})
    sim.env.process(sim.conference.meetings())
    outcome, [referral], _ = send(sim, adjustment)
    assert outcome == LOST_HANDOFF
    assert referral["outcome"] == LOST_HANDOFF
    assert math.isnan(referral["start"])
    assert rows(sim, "visits") == []  # lost on the way: neither the access point nor the clinic saw the client


def test_the_loss_clock_drops_a_referral_before_its_latency_ends() -> None:
    sim = world({"handoffs.unilateral.loss": {"hazard": "1000 per day"}})
    outcome, [referral], _ = send(sim, "unilateral")
    assert outcome == LOST_HANDOFF
    assert referral["end"] < 0.1  # dropped within minutes, long before the 1-day latency ends


def test_no_loss_keeps_every_referral() -> None:
    sim = world({"handoffs.unilateral.loss": {"base": 0.0, "hazard": "0 per day"}})
    outcomes = []
    for _ in range(20):
        person = client(sim, "primary_care")

        def carry(person=person):
            outcomes.append((yield from sim.handoffs.send(person, person.needs["primary_care"], "shelter",
                                                         "clinic", "unilateral")))

        sim.env.process(carry())
    sim.env.run(until=30)
    assert outcomes == [SERVED] * 20


def test_a_queue_jump_puts_the_referral_ahead() -> None:
    sim = world({"handoffs.bilateral.queue_jump": 1.0})
    _, [referral], _ = send(sim, "bilateral")
    assert referral["priority"] == QUEUE_JUMP


def test_multilateral_waits_for_the_conference_and_gets_its_priority() -> None:
    sim = world({"regime": "multilateral"})
    sim.env.process(sim.conference.meetings())
    outcome, [referral], _ = send(sim, "multilateral")
    assert outcome == SERVED
    # day 0 is a Monday: the conference meets on Wednesday (day 2) at 10:00; latency 0
    assert referral["arrived"] == pytest.approx(2 + 10 * HOUR)
    assert referral["priority"] == MULTILATERAL
    conference = [r for r in rows(sim, "staff") if r["purpose"] == "conference"]
    assert [(r["service"], r["hours"]) for r in conference] == [("clinic", pytest.approx(1.5))]


def test_a_client_who_leaves_ends_the_referral_as_client_exited() -> None:
    sim = world()
    person = client(sim, "primary_care")
    state = person.needs["primary_care"]
    def carry():
        with contextlib.suppress(simpy.Interrupt):  # as a pathway does: the client's process ends
            yield from sim.handoffs.send(person, state, "shelter", "clinic", "unilateral")

    process = sim.env.process(carry())
    sim.env.run(until=0.5)
    process.interrupt("exit")
    sim.env.run(until=2)
    [referral] = rows(sim, "referrals")
    assert referral["outcome"] == CLIENT_EXITED
    assert referral["end"] == pytest.approx(0.5)
    assert state.referral is None


def test_ties_make_a_handoff_bilateral_with_the_edge_share() -> None:
    sim = world({"regime": "organic", "referrals": [
        {"from": "shelter", "needs": ["primary_care"], "to": "clinic", "probability": 1.0, "tie": 1.0}]})
    person = client(sim, "primary_care")
    assert sim.handoffs.assign(person.needs["primary_care"], "shelter", "clinic", sim.ctx.streams["x"]) \
        == "bilateral"
    sim = world({"regime": "organic"})  # tie 0: always unilateral
    person = client(sim, "primary_care")
    assert sim.handoffs.assign(person.needs["primary_care"], "shelter", "clinic", sim.ctx.streams["x"]) \
        == "unilateral"


def test_the_referral_record_is_written_in_column_order() -> None:
    referral = Referral(7, 1, 2, "housing", "a", "b", "bilateral", NORMAL, 1.5, 2.0, 3.0, 4.0, SERVED)
    from simulator.engine.records import COLUMNS

    assert dict(zip(COLUMNS["referrals"], referral.row(), strict=True)) == {
        "referral": 7, "client": 1, "episode": 2, "need": "housing", "source": "a", "target": "b",
        "adjustment": "bilateral", "priority": NORMAL, "created": 1.5, "arrived": 2.0, "start": 3.0, "end": 4.0,
        "outcome": SERVED}
