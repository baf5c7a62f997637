"""The event log on the compiled engine (``outputs.event_log``): the SimPy engine's ``events`` table, row for row.

Every call of the SimPy engine's ``ctx.log`` (episodes, visits at the clinics and the access point, handoffs,
prerequisites, needs met, shelters, housing programmes, outreach) is a row of the kernel's log, written at the
same instant with the same client, episode, service, need, adjustment and outcome. Small scenarios exercise
every kind of row between them (checked in the SimPy engine's log), the shipped cities run under every regime
they define, and random networks run with the log kept. Without the log the compiled engine writes no row;
``simulator run --engine fast --event-log --out`` writes the SimPy engine's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator.config.loader import load_config, validate_data
from simulator.config.schema import Scenario
from simulator.fast import simulate_records, unsupported
from tests.cli import ROOT, assert_ok, run_cli
from tests.fast import _compare, _random
from tests.fast.test_folders import assert_same_tables
from tests.fast.test_housing import housed
from tests.fast.test_prerequisites import RULE
from tests.fast.test_shelters import shelter_network, sheltered
from tests.fast.test_support import variant

#: every kind of row of the SimPy engine's log (the event argument of each ``ctx.log`` call)
KINDS = frozenset({
    "episode_start", "episode_end", "service_requested", "service_left_queue", "service_started", "service_ended",
    "prerequisite_missing", "need_met", "referral_sent", "referral_closed", "shelter_admitted", "shelter_refused",
    "waitlist_joined", "housing_offer_refused", "housing_matched", "outreach_contact"})


def logged(scenario: Scenario, horizon: str | None = None, warmup: str | None = None) -> Scenario:
    """``scenario`` with its event log kept (and another horizon or warm-up, if given)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["outputs"]["event_log"] = True
    if horizon is not None:
        data["horizon"] = horizon
    if warmup is not None:
        data["warmup"] = warmup
    result = validate_data(data, {}, scenario.name)
    assert unsupported(result) == []
    return result


def kinds(tables: dict[str, pd.DataFrame]) -> set[str]:
    return set(tables["events"]["event"])


#: small scenarios that, between them, write every kind of row
SCRIPTED: dict[str, list[tuple[str, Any]]] = {
    # the desk and the doctor: queued, balked (a waiting room of 2), reneged (25 minutes), served, referred on
    "clinics": [("outputs.event_log", True), ("population.inflow.rate", "6 per hour")],
    # two beds, a worker who refers to the desk, a street team: admitted, refused, outreach contacts
    "shelters": [("outputs.event_log", True), ("horizon", "6 days"),
                 ("services.street", {"kind": "outreach", "staff": 1, "contacts": "8 per day",
                                      "offers_shelter": 0.5}),
                 ("population.inflow.rate", "4 per day")],
    # a programme of one place, offers refused, patience, walk-ins blocked by a prerequisite
    "housing": [("outputs.event_log", True),
                ("services.homes", {"kind": "housing", "slots": 1, "tenancy": "3 days", "move_in": "1 day",
                                    "discipline": "fifo", "offer_refusal": 0.5, "patience": "6 days"}),
                ("prerequisites", [{**RULE, "delay": "12 hours"}])],
}


def scripted(name: str) -> Scenario:
    edits = SCRIPTED[name]
    if name == "shelters":
        return sheltered(*edits)
    if name == "housing":
        return housed(*edits)
    return variant(*edits)


def test_every_kind_of_row() -> None:
    """The scripted scenarios write every kind of row between them, the same on both engines; a handoff's rows
    name its sender, receiver, need and adjustment, a walk-in's its service and ``walk_in``."""
    seen: set[str] = set()
    for name in SCRIPTED:
        for replication in (0, 1):
            tables = _compare.compare(scripted(name), replication)
            events = tables["events"]
            assert len(events) > 0
            seen |= kinds(tables)
            sent = events[events["event"] == "referral_sent"]
            assert set(sent["adjustment"]) <= {"unilateral", "bilateral", "multilateral", "integrated"}
            walked = events[(events["event"] == "service_requested") & (events["adjustment"] == "walk_in")]
            assert name == "shelters" or len(walked) > 0
    assert seen == KINDS, KINDS - seen


def test_the_outcomes_of_the_rows() -> None:
    """The clinics' rows carry the outcomes of the visits and the handoffs: a balk, a renege, a service, a need
    met and the episode's exit."""
    tables = _compare.compare(scripted("clinics"))
    events = tables["events"]
    requested = events[events["event"] == "service_requested"]
    assert set(requested["outcome"]) == {"queued", "balked"}
    assert set(events[events["event"] == "service_left_queue"]["outcome"]) == {"reneged"}
    assert set(events[events["event"] == "need_met"]["outcome"]) == {"met"}
    assert set(events[events["event"] == "episode_end"]["outcome"]) == {"needs_met"}
    assert set(events[events["event"] == "referral_sent"]["outcome"]) == {"desk"}
    assert "served" in set(events[events["event"] == "referral_closed"]["outcome"])


def regimes(config: str) -> list[str]:
    scenario = load_config(ROOT / "configs" / config)
    return [name for name, regime in scenario.all_regimes().items()
            if regime.assignment != "integrated" or scenario.handoffs.integrated is not None]


def city(config: str, regime: str, horizon: str) -> Scenario:
    scenario = load_config(ROOT / "configs" / config)
    return logged(scenario.model_copy(update={"regime": regime}), horizon, "2 days")


CITIES = [(config, regime) for config in ("small_town.yaml", "montreal_centre.yaml") for regime in regimes(config)]


@pytest.mark.parametrize(("config", "regime"), CITIES)
def test_a_city_under_each_regime(config: str, regime: str) -> None:
    """Each shipped city, whole, over a short horizon: the log row for row under every regime of its file."""
    tables = _compare.compare(city(config, regime, "10 days" if config.startswith("montreal") else "15 days"))
    seen = kinds(tables)
    assert {"episode_start", "referral_sent", "referral_closed", "shelter_admitted", "waitlist_joined"} <= seen


@pytest.mark.slow
@pytest.mark.parametrize(("config", "regime"), CITIES)
def test_two_months_of_a_city_under_each_regime(config: str, regime: str) -> None:
    for replication in (0, 1):
        _compare.compare(city(config, regime, "60 days"), replication)


def logged_network(seed: int) -> Scenario:
    """A random network (of clinics for an even seed, of clinics and shelters for an odd one) with its log."""
    if seed % 2:
        return logged(shelter_network(seed, outreach=True))
    return logged(_random.network(seed, handoffs=True, episodes=True))


@pytest.mark.parametrize("seed", range(4))
def test_random_networks_with_the_log(seed: int) -> None:
    tables = _compare.compare(logged_network(seed))
    assert len(tables["events"]) > 0


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 300))
def test_more_random_networks_with_the_log(seed: int) -> None:
    _compare.compare(logged_network(seed))


def test_no_rows_without_the_log() -> None:
    """Without ``outputs.event_log`` the compiled engine writes no row of the log (its columns stay empty)."""
    scenario = scripted("housing").model_copy(
        update={"outputs": scripted("housing").outputs.model_copy(update={"event_log": False})})
    records = simulate_records(scenario, scenario.seed, 0)
    assert records.tables["events"] == {column: [] for column in records.tables["events"]}
    assert len(records.tables["episodes"]["client"]) > 0


def test_run_event_log_out_writes_the_simpy_engines_folder(tmp_path: Path) -> None:
    """``simulator run --event-log --out``: the folder of the compiled engine holds the SimPy engine's tables, the
    event log included."""
    jackson = ROOT / "configs" / "textbook" / "jackson.yaml"
    args = ("run", jackson, "-n", "2", "--horizon", "5 days", "--warmup", "1 day", "--event-log", "-q", "-w", "1")
    out = {engine: tmp_path / engine for engine in ("fast", "simpy")}
    for engine, folder in out.items():
        assert_ok(run_cli(*args, "--engine", engine, "--out", folder, timeout=300))
    assert (out["fast"] / "tables" / "events").exists()
    assert_same_tables(out["fast"], out["simpy"])
