"""The clinics of the shipped cities on the compiled engine: ``configs/small_town.yaml`` and
``configs/montreal_centre.yaml`` reduced to their clinics (no shelters and shelter use, outreach, housing
programmes, access point, prerequisites or case conference), under the unilateral and
bilateral regimes: their clinics with opening hours, walk-ins, referral edges between clinics, handoff
parameters, the initial stock, self-resolution with hazard ratios and returns, all together, give the SimPy
engine's tables row for row.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from simulator.config.loader import load_data, validate_data
from simulator.config.schema import Scenario
from simulator.fast import unsupported
from tests.fast import _compare

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def clinics_of(config: str, horizon: str, regime: str) -> Scenario:
    """The scenario of ``config`` reduced to its clinics (the edges between them, the walk-ins to them)."""
    raw, _ = load_data(CONFIGS / config)
    data: dict[str, Any] = copy.deepcopy(raw)
    clinics = {name for name, spec in data["services"].items() if spec["kind"] == "clinic"}
    data["services"] = {name: spec for name, spec in data["services"].items() if name in clinics}
    referrals = []
    for edge in data["referrals"]:
        senders = edge["from"] if isinstance(edge["from"], list) else [edge["from"]]
        senders = [sender for sender in senders if sender in clinics]
        if senders and edge["to"] in clinics:
            referrals.append({**edge, "from": senders})
    data["referrals"] = referrals
    data["entry"] = [walk for walk in data["entry"] if walk["service"] in clinics]
    data["population"].pop("shelter_use", None)
    data.pop("prerequisites", None)
    data.pop("regimes", None)
    data["handoffs"].pop("integrated", None)
    data["handoffs"].get("multilateral", {}).pop("conference", None)
    data.update(horizon=horizon, warmup="10 days", regime=regime)
    scenario = validate_data(data, {}, f"{config} (clinics)")
    assert unsupported(scenario) == []
    return scenario


@pytest.mark.parametrize("regime", ["unilateral", "bilateral"])
@pytest.mark.parametrize("config", ["small_town.yaml", "montreal_centre.yaml"])
def test_the_clinics_of_a_city(config: str, regime: str) -> None:
    tables = _compare.compare(clinics_of(config, "60 days", regime))
    sources = _compare.counts(tables, "episodes", "source")
    assert set(sources) == {"stock", "inflow", "return"}
    assert _compare.counts(tables, "episodes", "exit_reason")["self_resolved"] > 100
    assert len(tables["referrals"]) > 10


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["unilateral", "bilateral"])
@pytest.mark.parametrize("config", ["small_town.yaml", "montreal_centre.yaml"])
def test_a_year_of_the_clinics_of_a_city(config: str, regime: str) -> None:
    for replication in (0, 1):
        _compare.compare(clinics_of(config, "365 days", regime), replication)
