"""The clinics of the shipped cities on the compiled engine: ``configs/small_town.yaml`` and
``configs/montreal_centre.yaml`` reduced to their clinics (no shelters and shelter use, outreach, housing
programmes, access point, prerequisites or case conference), under the unilateral and
bilateral regimes: their clinics with opening hours, walk-ins, referral edges between clinics, handoff
parameters, the initial stock, self-resolution with hazard ratios and returns, all together, give the SimPy
engine's tables row for row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.config.schema import Scenario
from tests.fast import _compare
from tests.fast._cities import part_of

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def clinics_of(config: str, horizon: str, regime: str) -> Scenario:
    """The scenario of ``config`` reduced to its clinics (the edges between them, the walk-ins to them)."""
    return part_of(config, horizon, regime, kinds=frozenset({"clinic"}), shelter_use=False, prerequisites=False)


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
