"""Offered load: from the rates before a run, and measured in a run (docs/model.md sections 4.2 and 9)."""

from __future__ import annotations

import math

import pytest

import simulator
from simulator import load_config
from simulator.analysis.load import expected_loads, overloaded
from tests.cli import ROOT

TEXTBOOK = ROOT / "configs" / "textbook"


@pytest.mark.parametrize(("name", "rho"), [("mmc_rho050", 0.5), ("mmc_rho080", 0.8), ("mmc_rho095", 0.95),
                                           ("mmc_patience", 1.0), ("mm1", None)])
def test_the_load_from_rates_is_lambda_over_c_mu(name: str, rho: float | None) -> None:
    scenario = load_config(TEXTBOOK / f"{name}.yaml")
    [(service, load)] = expected_loads(scenario).items()
    if rho is None:  # M/M/1: lambda / mu from its own file
        spec = scenario.services[service]
        rho = scenario.population.inflow.rate * spec.service_time.mean / spec.staff  # type: ignore[union-attr]
    assert load == pytest.approx(rho, rel=1e-9)
    assert [s for s, _ in overloaded({service: load})] == ([service] if rho >= 1 else [])


def test_the_first_walk_in_drawn_is_the_one_taken() -> None:
    """Two entries for one need: the second is reached only when the first is not drawn."""
    data = load_config(TEXTBOOK / "mmc.yaml").model_dump(mode="json", by_alias=True)
    data["services"]["other"] = {**data["services"]["clinic"]}
    data["entry"] = [{"need": "primary_care", "service": "clinic", "probability": 0.25},
                     {"need": "primary_care", "service": "other", "probability": 0.5}]
    from simulator.config.loader import validate_data

    loads = expected_loads(validate_data(data, {}, "<test>"))
    base = expected_loads(load_config(TEXTBOOK / "mmc.yaml"))["clinic"]
    assert loads["clinic"] == pytest.approx(0.25 * base)
    assert loads["other"] == pytest.approx(0.75 * 0.5 * base)


def test_the_measured_offered_load_matches_lambda_over_c_mu() -> None:
    """M/M/3 at rho 0.8 for 400 days (about 29,000 arrivals): the work asked of the staff over their hours.
    Its relative standard deviation is about sqrt(2 / 29,000) = 0.8% (Poisson count, exponential work);
    the tolerance, 4%, is five of them."""
    scenario = load_config(TEXTBOOK / "mmc_rho080.yaml", {"horizon": "400 days"})
    run = simulator.simulate(scenario, seed=3)
    m = run.metrics
    offered = float(m.loc[(m["metric"] == "offered_load") & (m["dimension"] == "clinic"), "value"].iloc[0])
    utilisation = float(m.loc[(m["metric"] == "utilisation") & (m["dimension"] == "clinic"), "value"].iloc[0])
    assert offered == pytest.approx(0.8, rel=0.04)
    assert not math.isnan(utilisation)
    assert utilisation == pytest.approx(offered, rel=0.04)  # no abandonment: all that is offered is carried
