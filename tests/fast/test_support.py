"""What the compiled engine refuses: every feature it does not implement is named by its field path, and a
scenario using it is refused before anything runs (``simulate``, ``run_batch``). It implements the whole model;
what it refuses is what the schema itself refuses (a regime mixing in integrated handoffs), built here past the
schema."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import load_config, run_batch, simulate
from simulator.config.loader import validate_data
from simulator.config.schema import Regime, Scenario, with_regime
from simulator.fast import FastEngineError, unsupported
from tests.fast import _micro

ROOT = Path(__file__).resolve().parents[2]


def variant(*edits: tuple[str, Any]) -> Any:
    """:data:`_micro.MICRO` with each (dotted path, value) set; validated like a file."""
    raw = copy.deepcopy(_micro.MICRO)
    for path, value in edits:
        node = raw
        *head, last = path.split(".")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = copy.deepcopy(value)  # a later edit below this path must not change the caller's value
    return validate_data(raw, {}, "test")


POINT: list[tuple[str, Any]] = [("services.point", {"kind": "access_point", "staff": 1}),
                                 ("handoffs.integrated", {"access_point": "point", "assessment": "30 min"})]


def mixing_in_integrated(*edits: tuple[str, Any]) -> Scenario:
    """A scenario with an access point under a regime ``mine`` that mixes in integrated handoffs (built past the
    schema, which refuses such a mix)."""
    scenario = variant(*POINT, *edits)
    mine = Regime.model_construct(assignment={"unilateral": 0.5, "integrated": 0.5})
    return scenario.model_copy(update={"regimes": {**scenario.regimes, "mine": mine}, "regime": "mine"})


MIXED = "regime: 'mine' mixes in integrated handoffs, which the schema does not allow"


def test_each_unsupported_feature_is_named_by_its_field() -> None:
    scenario = mixing_in_integrated()
    problems = unsupported(scenario)
    assert problems == [MIXED]
    with pytest.raises(FastEngineError, match="cannot run on the fast engine") as caught:
        simulate(scenario, engine="fast")
    assert caught.value.problems == problems
    assert MIXED in str(caught.value)


def test_supported_variants_run() -> None:
    """What the engine does take beyond the textbook: attribute mixes, needs by pattern, walk-in delays,
    the unilateral intake, a priority line without priorities, seasonal inflow, other distributions, opening
    hours."""
    scenario = variant(
        ("population.attributes", {"gender": {"man": 0.6, "woman": 0.4}, "indigenous": 0.1,
                                   "pattern": {"transitional": 0.7, "chronic": 0.3}}),
        ("population.needs.by_pattern", {"chronic": {"mental_health": 0.5}}),
        ("population.inflow.seasonal", [1.0, 1.2] * 6),
        ("entry", [{"need": "primary_care", "service": "desk", "probability": 0.9,
                    "delay": {"dist": "uniform", "low": "0 min", "high": "1 hour"}},
                   {"need": "mental_health", "service": "doctor", "probability": 1.0}]),
        ("handoffs.unilateral.intake", "5 min"),
        ("services.desk.discipline", "priority"),
        ("services.desk.hours", {"open": "08:00", "close": "18:00", "days": ["mon", "wed", "thu", "sat"]}),
        ("services.doctor.service_time", {"dist": "lognormal", "median": "40 min", "sigma": 0.5}),
        ("services.doctor.patience", {"dist": "gamma", "mean": "3 hours", "cv": 0.8}),
        ("services.doctor.treats", {"primary_care": 1.0, "mental_health": 0.7}),
    )
    assert unsupported(scenario) == []
    fast = simulate(scenario, engine="fast")
    slow = simulate(scenario)
    assert set(fast.tables["episodes"]["gender"]) == {"man", "woman"}
    assert set(fast.tables["needs"]["need"]) == {"primary_care", "mental_health"}
    # every stream drawn in the same order as on the SimPy engine: the same records, the same metrics
    for name, keys in (("episodes", ["client"]), ("needs", ["client", "need"]),
                       ("visits", ["client", "service", "arrival"]), ("referrals", ["referral"])):
        mine, theirs = (run.tables[name].sort_values(keys).reset_index(drop=True) for run in (fast, slow))
        pd.testing.assert_frame_equal(mine, theirs, obj=name)
    pd.testing.assert_frame_equal(fast.metrics, slow.metrics)


def test_shelters_shelter_use_and_outreach_are_supported() -> None:
    scenario = variant(("services.beds", {"kind": "shelter", "capacity": 10, "winter_capacity": 12,
                                          "serves": {"gender": ["man"]}}),
                       ("services.street", {"kind": "outreach", "staff": 1, "contacts": "2 per day",
                                            "offers_shelter": 0.5}),
                       ("population.shelter_use", {"transitional": {"stay": "2 days", "gap": "3 days",
                                                                    "avoidance": 0.2, "winter_seek": 0.5}}),
                       ("referrals", [{"from": ["beds", "street"], "to": "desk", "needs": ["primary_care"],
                                       "probability": 0.5},
                                      {"from": "desk", "to": "doctor", "needs": ["primary_care"], "probability": 1.0}]))
    assert unsupported(scenario) == []


def test_housing_and_prerequisites_are_supported() -> None:
    scenario = variant(("population.needs.base", {"primary_care": 1.0, "housing": 1.0}),
                       ("services.homes", {"kind": "housing", "slots": 4, "tenancy": "30 days", "reserved_share": 0.5,
                                           "initial_occupancy": 0.5, "patience": "10 days", "offer_refusal": 0.2,
                                           "move_in": "2 days", "support": ["primary_care"]}),
                       ("services.stock", {"kind": "housing", "vacancies": "1 per week", "discipline": "fifo",
                                           "reserved_share": 0.3, "reserved_release": None}),
                       ("population.exits", {"return_after_housing_mean": "1 year",
                                             "return_hazard_ratio": {"primary_care": 2.0}}),
                       ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
                                  {"need": "housing", "service": "homes", "probability": 0.5}]),
                       ("prerequisites", [{"service": "homes", "need": "housing", "requires_met": ["primary_care"],
                                           "delay": "1 day"}]))
    assert unsupported(scenario) == []


def test_the_case_conference_is_supported() -> None:
    for regime in ("multilateral", "organic"):
        assert unsupported(variant(("regime", regime))) == []
    assert unsupported(variant(("regimes", {"mine": {"assignment": {"unilateral": 0.5, "multilateral": 0.5},
                                                     "escalation": {}, "conference": {"every": "1 day"}}}),
                               ("regime", "mine"))) == []


def test_the_access_point_and_the_integrated_regime_are_supported() -> None:
    point = [("services.point", {"kind": "access_point", "staff": 1}),
             ("handoffs.integrated", {"access_point": "point", "assessment": "30 min"})]
    for regime in ("integrated", "unilateral", "organic"):
        assert unsupported(variant(*point, ("regime", regime))) == []


def test_cohorts_and_the_event_log_are_supported() -> None:
    assert unsupported(variant(("population.cohort", {"count": 3, "at": "1 day", "needs": {"mental_health": 1.0},
                                                      "entry": [{"need": "mental_health", "service": "doctor",
                                                                 "probability": 1.0}]}),
                               ("outputs.event_log", True))) == []


def test_textbook_configs_and_the_shipped_cities_are_supported() -> None:
    for path in sorted((ROOT / "configs" / "textbook").glob("*.yaml")):
        assert unsupported(load_config(path)) == [], path.name
    for name in ("montreal_centre.yaml", "small_town.yaml"):
        scenario = load_config(ROOT / "configs" / name)
        for regime in scenario.all_regimes():  # every regime the city defines, the integrated one included
            assert unsupported(with_regime(scenario, regime)) == [], (name, regime)
        assert unsupported(scenario.model_copy(update={"outputs": scenario.outputs.model_copy(
            update={"event_log": True})})) == []


def test_batch_refuses_before_running() -> None:
    calls: list[tuple[int, int]] = []
    with pytest.raises(FastEngineError) as caught:
        run_batch(mixing_in_integrated(), replications=2, engine="fast",
                  progress=lambda done, total: calls.append((done, total)))
    assert calls == []
    assert caught.value.problems == [MIXED]
    # every regime asked for is checked, not only the scenario's
    with pytest.raises(FastEngineError, match="mixes in integrated handoffs"):
        run_batch(mixing_in_integrated(("regime", "unilateral")).model_copy(update={"regime": "unilateral"}),
                  replications=1, regimes=["unilateral", "integrated", "mine"], engine="fast",
                  progress=lambda done, total: calls.append((done, total)))
    assert calls == []


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown engine 'turbo'"):
        simulate(_micro.scenario(), engine="turbo")
    with pytest.raises(ValueError, match="unknown engine 'turbo'"):
        run_batch(_micro.scenario(), replications=1, engine="turbo")
