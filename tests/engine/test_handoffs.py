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
    [visit] = rows(sim, "visits")
    assert (visit["service"], visit["need"], visit["referral"], visit["adjustment"]) == (
        "clinic", "primary_care", referral["referral"], "unilateral")


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


# ---- what a referral writes, and the parts of each type a whole run rarely shows -----------------------
def test_referrals_are_numbered_from_one_with_their_client_and_episode() -> None:
    sim = world()
    people = [client(sim, "primary_care") for _ in range(3)]
    for person in people:
        sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic", adjustment="unilateral")
    sim.env.run(until=5)
    referrals = sorted(rows(sim, "referrals"), key=lambda r: r["referral"])
    assert [(r["referral"], r["client"], r["episode"]) for r in referrals] == [
        (1, people[0].id, 1), (2, people[1].id, 1), (3, people[2].id, 1)]
    assert [r["priority"] for r in referrals] == [NORMAL] * 3


def test_the_event_log_shows_a_referral_sent_and_closed() -> None:
    sim = world({"outputs": {"event_log": True}})
    send(sim, "bilateral")
    events = [(r["event"], r["service"], r["need"], r["adjustment"], r["outcome"]) for r in rows(sim, "events")
              if r["event"].startswith("referral")]
    assert events == [("referral_sent", "clinic", "primary_care", "bilateral", "shelter"),
                      ("referral_closed", "clinic", "primary_care", "bilateral", SERVED)]


def test_staff_rows_name_the_adjustment_and_an_accompaniment() -> None:
    sim = world({"handoffs.bilateral.accompaniment": {"probability": 1.0, "staff_time": "2 hours"}})
    send(sim, "bilateral")
    staff = sorted((r["service"], r["purpose"], r["adjustment"], round(r["hours"], 6)) for r in rows(sim, "staff"))
    assert staff == [("clinic", "receiver", "bilateral", 0.25), ("shelter", "accompaniment", "bilateral", 2.0),
                     ("shelter", "sender", "bilateral", 0.5)]
    sim = world({"handoffs.bilateral.accompaniment": {"probability": 0.0, "staff_time": "2 hours"}})
    send(sim, "bilateral")
    assert "accompaniment" not in {r["purpose"] for r in rows(sim, "staff")}


def many(sim, adjustment: str | None, count: int = 40, until: float = 60.0, target: str = "clinic") -> list[dict]:
    """``count`` clients referred at time 0 from the shelter; the referrals table at ``until``."""
    for _ in range(count):
        person = client(sim, "primary_care" if target == "clinic" else "housing")
        need = next(iter(person.needs))
        sim.pathways.start(person, person.needs[need], "shelter", target, adjustment=adjustment)
    sim.env.run(until=until)
    return rows(sim, "referrals")


def test_a_small_loss_hazard_still_loses_referrals_on_a_long_way() -> None:
    # 0.5 a day over a 10-day latency: a referral survives with probability exp(-5), under 1%
    sim = world({"handoffs.unilateral.latency": "10 days", "handoffs.unilateral.loss": {"hazard": "0.5 per day"}})
    outcomes = [r["outcome"] for r in many(sim, "unilateral")]
    assert outcomes.count(LOST_HANDOFF) >= 36, outcomes  # binomial(40, 0.993): 36 or more with p > 0.9999


def test_a_referral_under_way_is_the_need_s_and_is_censored_at_the_horizon() -> None:
    sim = world({"handoffs.unilateral.latency": "100 days", "horizon": "10 days"})
    person = client(sim, "primary_care")
    sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic", adjustment="unilateral")
    sim.env.run(until=5)
    referral = person.needs["primary_care"].referral
    assert referral is not None
    assert (referral.source, referral.target, referral.adjustment) == ("shelter", "clinic", "unilateral")
    sim.env.run(until=sim.ctx.end_time)
    sim.finish()
    [row] = rows(sim, "referrals")
    assert row["outcome"] == "censored"
    assert row["referral"] == referral.id


def test_ties_decide_the_type_of_a_referral_sent_without_one() -> None:
    sim = world({"regime": "organic", "referrals": [
        {"from": "shelter", "needs": ["primary_care"], "to": "clinic", "probability": 1.0, "tie": 1.0}]})
    assert {r["adjustment"] for r in many(sim, None, count=5)} == {"bilateral"}


@pytest.mark.parametrize(("mix", "expected"), [
    ({"bilateral": 1.0}, {"bilateral"}),
    ({"unilateral": 0.5, "bilateral": 0.5}, {"unilateral", "bilateral"}),
])
def test_a_mix_of_types_is_drawn_for_each_referral(mix: dict[str, float], expected: set[str]) -> None:
    sim = world({"regime": "mix", "regimes": {"mix": {"assignment": mix}}})
    assert {r["adjustment"] for r in many(sim, None)} == expected  # 40 referrals: both halves appear


def test_a_queue_jump_is_drawn_with_its_probability() -> None:
    sim = world({"handoffs.bilateral.queue_jump": 0.5})
    priorities = [r["priority"] for r in many(sim, "bilateral")]
    assert 8 <= priorities.count(QUEUE_JUMP) <= 32, priorities  # binomial(40, 0.5): outside with p < 1e-4


def test_a_case_lost_while_waiting_for_the_conference_leaves_the_table() -> None:
    """With room for one case a meeting, a case dropped while waiting must not take the place of the next."""
    sim = world({"regime": "multilateral", "handoffs.multilateral.conference.max_cases": 1,
                 "handoffs.multilateral.conference.weekday": "fri"})
    lost = client(sim, "primary_care")
    kept = client(sim, "primary_care")
    sim.env.process(sim.conference.meetings())
    sim.pathways.start(lost, lost.needs["primary_care"], "shelter", "clinic", adjustment="multilateral")
    sim.pathways.start(kept, kept.needs["primary_care"], "shelter", "clinic", adjustment="multilateral")
    sim.env.run(until=1)
    lost_referral = lost.needs["primary_care"].referral
    assert lost_referral is not None
    sim.episodes.end(lost, "self_resolved")  # the client leaves before the Friday meeting (day 4)
    sim.env.run(until=4.9)
    by_client = {r["client"]: r for r in rows(sim, "referrals")}
    assert by_client[lost.id]["outcome"] == CLIENT_EXITED
    assert by_client[kept.id]["outcome"] == SERVED
    assert by_client[kept.id]["arrived"] == pytest.approx(4 + 10 * HOUR)


def test_the_loss_clock_runs_while_a_case_waits_for_the_conference() -> None:
    sim = world({"regime": "multilateral", "handoffs.multilateral.loss": {"hazard": "1000 per day"}})
    sim.env.process(sim.conference.meetings())
    [referral] = many(sim, "multilateral", count=1, until=10)
    assert referral["outcome"] == LOST_HANDOFF
    assert referral["end"] < 0.1  # long before the Wednesday meeting
    assert rows(sim, "visits") == []


def test_only_a_conference_referral_takes_a_reserved_housing_place() -> None:
    changes = {"population.needs.base": {"housing": 1.0}, "services.housing.reserved_share": 1.0,
               "referrals": [{"from": "shelter", "needs": ["housing"], "to": "housing", "probability": 1.0}]}
    sim = world({**changes, "regime": "multilateral"})
    sim.env.process(sim.conference.meetings())
    [referral] = many(sim, "multilateral", count=1, target="housing")
    assert referral["outcome"] == "housed"
    sim = world(changes)
    assert many(sim, "unilateral", count=1, target="housing", until=29.9) == []  # still under way: on the list
    programme = sim.housing["housing"]
    assert len(programme.waiting) == 1
    assert programme.reserved_free == 1  # the reserved place stays free until its release, at 30 days


def test_a_reserved_place_nobody_from_the_conference_takes_is_released_to_the_list() -> None:
    changes = {"population.needs.base": {"housing": 1.0}, "services.housing.reserved_share": 1.0,
               "services.housing.reserved_release": "30 days", "services.housing.slots": 2,
               "referrals": [{"from": "shelter", "needs": ["housing"], "to": "housing", "probability": 1.0}]}
    sim = world(changes)
    [referral] = many(sim, "unilateral", count=1, target="housing", until=40)
    assert referral["outcome"] == "housed"
    assert referral["start"] == pytest.approx(30.0)  # matched when the place was released; 1 day to move in
    programme = sim.housing["housing"]
    assert (programme.reserved_free, programme.released_free) == (0, 1)  # the second place: open to anyone
    assert sim.ctx.counters["reserved_places_released"] == 2
    late = client(sim, "housing")
    sim.pathways.start(late, late.needs["housing"], "shelter", "housing", adjustment="unilateral")
    sim.env.run(until=45)
    assert programme.released_free == 0  # took it at once (then 1 day to move in)
    assert late.id not in sim.episodes.active
    # idle reserved places: 2 from 0 to 30, then the released one until the late client, referred at 40 with
    # a 1-day latency, took it at 41
    assert programme.idle_reserved.time_average(45.0) == pytest.approx((2 * 30 + 1 * 11) / 60)
    # a released place is reserved again when its tenant leaves
    programme.free(True)
    assert programme.reserved_free == 1


def test_with_no_release_a_reserved_place_waits_for_ever() -> None:
    changes = {"population.needs.base": {"housing": 1.0}, "services.housing.reserved_share": 1.0,
               "services.housing.reserved_release": None,
               "referrals": [{"from": "shelter", "needs": ["housing"], "to": "housing", "probability": 1.0}]}
    sim = world(changes)
    assert many(sim, "unilateral", count=1, target="housing", until=59) == []
    assert sim.housing["housing"].reserved_free == 1


def test_an_integrated_referral_carries_the_score_and_arrives_after_the_assessment() -> None:
    sim = world({"regime": "integrated", "handoffs.integrated.latency": "1 day"})
    person = client(sim, "primary_care", "housing", pattern="chronic", since=-365.0)
    sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic", adjustment="integrated")
    sim.env.run(until=5)
    [referral] = rows(sim, "referrals")
    # default weights: complexity 1 x 2 open needs + chronic 2 + 0.5 x (1 year + 1 day of latency + 1 hour)
    years = (365 + 1 + 1 * HOUR) / 365
    assert referral["priority"] == pytest.approx(NORMAL - (2 + 2 + 0.5 * years))
    assert referral["arrived"] == pytest.approx(1 + 1 * HOUR)  # latency, then an hour of assessment
    assert referral["start"] == pytest.approx(1 + 1 * HOUR)


# ---- the conference's calendar -----------------------------------------------------------------------------
def test_a_daily_conference_does_not_meet_on_weekends_or_holidays() -> None:
    # day 0 is Monday 2023-01-02; a daily meeting at 10:00 from Friday (day 4); Monday 9 January is a holiday
    sim = world({"regime": "multilateral",
                 "handoffs.multilateral.conference": {"every": "1 day", "weekday": "fri", "time": "10:00",
                                                      "participants": ["clinic"], "holidays": ["2023-01-09"]}})
    sim.env.process(sim.conference.meetings())
    person = client(sim, "primary_care")
    sim.env.run(until=4.5)  # after Friday's meeting: the case arrives on Friday afternoon
    sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic", adjustment="multilateral")
    sim.env.run(until=12)
    [referral] = rows(sim, "referrals")
    # not Saturday (5), Sunday (6) nor the holiday Monday (7): Tuesday 10 January, day 8, at 10:00
    assert referral["arrived"] == pytest.approx(8 + 10 * HOUR)
    assert sim.ctx.counters["conferences"] == 1


def test_a_closed_participant_misses_the_meeting_and_gives_no_time() -> None:
    # the clinic opens 13:00-17:00; the conference meets at 10:00 with the clinic and the shelter
    sim = world({"regime": "multilateral", "services.clinic.hours": {"open": "13:00", "close": "17:00"},
                 "handoffs.multilateral.conference.participants": ["clinic", "shelter"]})
    sim.env.process(sim.conference.meetings())
    outcome, [referral], _ = send(sim, "multilateral")
    assert outcome == SERVED
    assert referral["arrived"] == pytest.approx(2 + 10 * HOUR)  # decided although the clinic missed it
    conference = [r for r in rows(sim, "staff") if r["purpose"] == "conference"]
    assert [r["service"] for r in conference] == ["shelter"]
    assert sim.ctx.counters["conference_seats_missed"] == 1
    assert all(sim.nodes["clinic"].is_open(r["time"]) or r["service"] != "clinic" for r in rows(sim, "staff"))


def test_the_first_meeting_must_fall_on_a_meeting_day() -> None:
    from simulator.config.loader import ConfigError

    with pytest.raises(ConfigError, match="meeting days"):
        world({"handoffs.multilateral.conference.weekday": "sun"})
