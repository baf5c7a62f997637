"""The At Home/Chez Soi measure run in the model (simulator/analysis/retention.py, docs/model.md section 14)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_config
from simulator.analysis.retention import Cohort, cohort_scenario, housed_last, retention
from tests.cli import ROOT

SMALL = ROOT / "tests" / "data" / "small_network.yaml"


def test_housed_the_whole_last_stretch_counts_any_overlap_as_homeless() -> None:
    # follow-up 100 days, the last 20: [80, 100); the cohort is every client with an episode of source cohort
    episodes = {
        "client": np.array([0, 0, 1, 2, 3, 3, 4, 9]),
        "source": np.array(["cohort", "return", "cohort", "cohort", "cohort", "return", "cohort", "inflow"]),
        "start": np.array([0.0, 85.0, 0.0, 0.0, 0.0, 79.0, 0.0, 90.0]),
        "end": np.array([10.0, 100.0, 80.0, 81.0, 5.0, 79.5, 30.0, 100.0]),
    }
    # 0: back at 85 (homeless); 1: housed exactly at 80 (not homeless in [80, 100)); 2: until 81 (homeless);
    # 3: two short episodes, both before 80; 4: out at 30; 9: not in the cohort
    assert housed_last(episodes, 100.0, 20.0) == pytest.approx(3 / 5)


def test_the_housing_first_arm_gives_each_member_a_free_place_at_once() -> None:
    base = load_config(SMALL)
    cohort = Cohort("housing_first", size=20, follow_up=120, last=30)
    trial = cohort_scenario(base, cohort, "housing_first")
    usual = cohort_scenario(base, cohort, "usual_care")
    programme = trial.services["housing_first"]
    assert programme.slots == 6 + 20  # type: ignore[union-attr]
    assert round(programme.slots * programme.initial_occupancy) == 6  # type: ignore[union-attr]
    assert usual.services["housing_first"] == base.services["housing_first"]
    for scenario, entry in ((trial, ["housing_first"]), (usual, [])):
        group = scenario.population.cohort
        assert group is not None
        assert (group.count, group.pattern, dict(group.needs), group.at) == (20, "chronic", {"mental_health": 1.0}, 0)
        assert [walk.service for walk in group.entry] == entry
        assert scenario.entry == base.entry  # the city's walk-ins are unchanged
        assert scenario.population.initial_stock == base.population.initial_stock
        assert (scenario.warmup, scenario.horizon) == (0.0, 120.0)


def test_a_cohort_enters_together_with_its_needs_and_its_own_walk_ins_first() -> None:
    import simulator

    base = load_config(SMALL)
    scenario = cohort_scenario(base, Cohort("housing_first", size=15, follow_up=30, last=10), "housing_first")
    run = simulator.simulate(scenario, seed=2)
    episodes = run.tables["episodes"]
    members = episodes[episodes["source"] == "cohort"]
    assert len(members) == 15
    assert (members["start"] == 0).all()
    assert (members["pattern"] == "chronic").all()
    needs = run.tables["needs"]
    mine = needs[needs["client"].isin(members["client"]) & (needs["episode"] == 1)]
    assert set(mine[mine["need"] == "mental_health"]["client"]) == set(members["client"])
    visits = run.tables["visits"]
    applied = visits[(visits["service"] == "housing_first") & visits["client"].isin(members["client"])]
    assert (applied["adjustment"] == "walk_in").all()
    assert set(applied["client"]) == set(members["client"])  # housing first: every member applied at once
    assert (applied["arrival"] == 0).all()


def test_housing_first_keeps_more_of_the_cohort_housed_than_usual_care() -> None:
    """Under common random numbers on the small network: with a place for each at once, more of the cohort is
    housed at the end than when they meet only the usual services (6 slots for everyone)."""
    base = load_config(SMALL)
    shares = retention(base, Cohort("housing_first", size=40, follow_up=200, last=60), 3, seed=1)
    first, usual = np.array(shares["housing_first"]), np.array(shares["usual_care"])
    assert (first > usual).all(), shares
