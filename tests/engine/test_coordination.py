"""The access point, the case conference, housing and episodes, scripted with fixed durations."""

from __future__ import annotations

import pytest

from simulator.engine.clients import MET, OPEN
from simulator.engine.nodes import NORMAL
from simulator.engine.outcomes import HOUSED, INELIGIBLE, NEEDS_MET, SELF_RESOLVED, SERVED
from tests.engine._scripted import client, rows, world

HOUR = 1 / 24


def carry(sim, person, need: str, target: str, adjustment: str, source: str = "shelter") -> dict:
    result: dict = {}

    def process():
        result["outcome"] = yield from sim.handoffs.send(person, person.needs[need], source, target, adjustment)

    sim.env.process(process())
    return result


# ---- the access point ----------------------------------------------------------------------------------
def test_integrated_goes_through_one_assessment_then_the_receiver() -> None:
    sim = world({"regime": "integrated"})
    person = client(sim, "primary_care")
    result = carry(sim, person, "primary_care", "clinic", "integrated")
    sim.env.run(until=5)
    assert result["outcome"] == SERVED
    visits = rows(sim, "visits")
    assert [(v["service"], v["outcome"]) for v in visits] == [("point", SERVED), ("clinic", SERVED)]
    assert visits[0]["end"] == pytest.approx(1 * HOUR)  # the assessment takes an hour
    assert person.assessed
    [staff] = rows(sim, "staff")
    assert (staff["service"], staff["purpose"], staff["hours"]) == ("point", "assessment", pytest.approx(1.0))


def test_a_second_referral_of_the_episode_takes_only_data_entry() -> None:
    sim = world({"regime": "integrated", "handoffs.integrated.data_entry": "6 min"})
    person = client(sim, "primary_care", "mental_health")
    person.assessed = True
    carry(sim, person, "primary_care", "clinic", "integrated")
    sim.env.run(until=5)
    assert rows(sim, "visits")[0]["end"] == pytest.approx(0.1 * HOUR)


def test_eligibility_refuses_until_the_required_need_is_met() -> None:
    sim = world({"regime": "integrated",
                 "handoffs.integrated.eligibility": [{"service": "clinic", "requires_met": ["income_documents"]}]})
    person = client(sim, "primary_care", "income_documents")
    assert not sim.handoffs.access_point.eligible(person, "clinic")  # type: ignore[union-attr]
    result = carry(sim, person, "primary_care", "clinic", "integrated")
    sim.env.run(until=5)
    assert result["outcome"] == INELIGIBLE
    person.needs["income_documents"].status = MET
    assert sim.handoffs.access_point.eligible(person, "clinic")  # type: ignore[union-attr]


def test_the_score_follows_its_weights() -> None:
    sim = world({"regime": "integrated", "handoffs.integrated.priority": {
        "complexity": 1.0, "chronic": 2.0, "years_homeless": 0.5, "indigenous": 3.0, "woman": 4.0},
        "handoffs.integrated.target_pressure": 0.25})
    person = client(sim, "primary_care", "housing", gender="woman", pattern="chronic", since=-365.0)
    person.indigenous = True
    point = sim.handoffs.access_point
    assert point is not None
    # 1 x 2 open + 2 chronic + 0.5 x 1 year + 3 Indigenous + 4 woman - 0.25 x 2 open = 11
    assert point.priority(person, 0.0) == pytest.approx(NORMAL - 11.0)


# ---- the case conference -------------------------------------------------------------------------------
def test_escalation_takes_the_longest_stuck_complex_clients_first() -> None:
    sim = world({"regime": "organic", "regimes": {"organic": {
        "assignment": "ties", "escalation": {"min_open_needs": 2, "after": "5 days"},
        "conference": {"every": "7 days", "weekday": "mon", "time": "10:00", "max_cases": 1}}}})
    simple = client(sim, "primary_care")
    sim.env.run(until=1)
    complex_late = client(sim, "primary_care", "mental_health")
    complex_early = client(sim, "primary_care", "mental_health")
    complex_early.needs["primary_care"].onset = -10.0
    sim.env.process(sim.conference.meetings())
    # meetings on Mondays at 10:00: day 0 (nobody stuck yet) and day 7, where both complex clients are stuck
    # and there is room for one case: the need open longest (onset day -10) goes, decided at once and served
    sim.env.run(until=7.5)
    escalated = [(r["client"], r["need"], r["adjustment"], r["outcome"]) for r in rows(sim, "referrals")
                 if r["source"] == "conference"]
    assert escalated == [(complex_early.id, "primary_care", "multilateral", SERVED)]
    assert complex_late.needs["primary_care"].status == OPEN
    assert simple.needs["primary_care"].status == OPEN  # one need: not complex


# ---- housing -------------------------------------------------------------------------------------------
def test_a_free_place_is_taken_at_once_and_the_episode_ends_on_moving_in() -> None:
    sim = world({"population.needs.base": {"housing": 1.0},
                 "referrals": [{"from": "shelter", "needs": ["housing"], "to": "housing", "probability": 1.0}]})
    person = client(sim, "housing")
    result = carry(sim, person, "housing", "housing", "unilateral")
    sim.env.run(until=5)
    assert result["outcome"] == HOUSED
    [visit] = rows(sim, "visits")
    assert visit["arrival"] == pytest.approx(1.0)
    assert visit["start"] == pytest.approx(1.0)
    assert visit["end"] == pytest.approx(2.0)  # move-in 1 day
    [episode] = rows(sim, "episodes")
    assert episode["exit_reason"] == HOUSED
    assert episode["end"] == pytest.approx(2.0)
    assert person.id not in sim.episodes.active


def test_the_second_applicant_waits_for_the_place() -> None:
    sim = world({"population.needs.base": {"housing": 1.0}})
    first, second = client(sim, "housing"), client(sim, "housing")
    carry(sim, first, "housing", "housing", "unilateral")
    carry(sim, second, "housing", "housing", "unilateral")
    sim.env.run(until=30)
    programme = sim.housing["housing"]
    assert len(programme.waiting) == 1
    sim.finish()
    censored = [v for v in rows(sim, "visits") if v["outcome"] == "censored"]
    assert [v["client"] for v in censored] == [second.id]


# ---- episodes ------------------------------------------------------------------------------------------
def test_needs_met_ends_the_episode_when_asked() -> None:
    sim = world({"population.exits": {"exit_when_needs_met": True}})
    person = client(sim, "primary_care")
    sim.pathways.start(person, person.needs["primary_care"], "walk_in", "clinic")
    sim.env.run(until=1)
    [episode] = rows(sim, "episodes")
    assert episode["exit_reason"] == NEEDS_MET
    assert episode["end"] == pytest.approx(2 * HOUR)
    [need] = rows(sim, "needs")
    assert (need["outcome"], need["met_by"]) == ("met", "clinic")


def test_ending_an_episode_stops_the_client_and_writes_open_needs() -> None:
    sim = world()
    person = client(sim, "primary_care", "housing")
    sim.pathways.start(person, person.needs["primary_care"], "shelter", "clinic")
    sim.env.run(until=0.5)
    sim.episodes.end(person, SELF_RESOLVED)
    sim.env.run(until=3)
    needs = rows(sim, "needs")
    assert sorted((n["need"], n["outcome"]) for n in needs) == [("housing", "open_at_exit"),
                                                                ("primary_care", "open_at_exit")]
    [referral] = rows(sim, "referrals")
    assert referral["outcome"] == "client_exited"
