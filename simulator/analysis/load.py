"""Offered load of the clinics: is a service asked for more work than its staff can give?

A clinic whose offered load (work asked of it per hour of staff it has open) is 1 or more cannot keep up: its
line grows until patience, balking or the horizon stops it, and every regime comparison at that clinic is a
comparison of how people give up. Two estimates, both named by service (docs/model.md section 4.2):

* :func:`expected_loads`, from the scenario's rates before anything runs: the walk-ins alone (the new
  clients' inflow, the need's prevalence and the walk-in probabilities) times the mean service time plus the
  walk-in intake. Referrals and returns add to it, so it is a lower bound; ``simulator validate`` warns when
  it reaches 1.
* :func:`observed_loads`, from a run: the ``offered_load`` metric (every arrival's drawn service and intake
  time, served or not, and the coordination time taken from the staff, over the staff's open hours), averaged
  over replications; ``simulator run`` warns when it reaches 1.
"""

from __future__ import annotations

import pandas as pd

from simulator.config.schema import Clinic, Scenario

#: the load at or above which a service is flagged
THRESHOLD = 1.0


def _open_hours_per_week(spec: Clinic) -> float:
    if spec.hours is None:
        return 7 * 24.0
    return len(set(spec.hours.days)) * (spec.hours.close - spec.hours.open) * 24


def expected_loads(scenario: Scenario) -> dict[str, float]:
    """A lower bound of each clinic's offered load from the walk-ins of new clients alone (rates)."""
    population = scenario.population
    inflow = population.inflow
    seasonal = inflow.seasonal
    rate = inflow.rate * (sum(seasonal) / len(seasonal) if seasonal else 1.0)
    needs = population.needs
    prevalence: dict[str, float] = {}
    for pattern, share in population.attributes.pattern.items():
        merged = {**needs.base, **needs.by_pattern.get(pattern, {})}
        for need, p in merged.items():
            prevalence[need] = prevalence.get(need, 0.0) + share * p
    work_per_day: dict[str, float] = {}
    intake = scenario.handoffs.unilateral.intake
    reach: dict[tuple[str, str], float] = {}
    left: dict[str, float] = {}
    for entry in scenario.entry:  # the first entry drawn for a need is walked to
        p_left = left.get(entry.need, 1.0)
        key = (str(entry.need), entry.service)
        reach[key] = reach.get(key, 0.0) + p_left * entry.probability
        left[entry.need] = p_left * (1 - entry.probability)
    for (walked, service), p in reach.items():
        spec = scenario.services.get(service)
        if isinstance(spec, Clinic):
            arrivals = rate * prevalence.get(walked, 0.0) * p
            work_per_day[service] = work_per_day.get(service, 0.0) + arrivals * (spec.service_time.mean + intake)
    loads: dict[str, float] = {}
    for name, spec in scenario.services.items():
        if isinstance(spec, Clinic) and name in work_per_day:
            capacity_per_day = spec.staff * _open_hours_per_week(spec) / 7 / 24  # staff-days open per day
            loads[name] = work_per_day[name] / capacity_per_day if capacity_per_day > 0 else float("inf")
    return loads


def observed_loads(metrics: pd.DataFrame) -> pd.DataFrame:
    """The mean ``offered_load`` per regime and service over replications (columns regime, service, load)."""
    rows = metrics[metrics["metric"] == "offered_load"]
    if rows.empty:
        return pd.DataFrame(columns=["regime", "service", "load"])
    by = ["regime", "dimension"] if "regime" in rows else ["dimension"]
    means = rows.groupby(by, sort=False)["value"].mean().reset_index()
    if "regime" not in means:
        means.insert(0, "regime", "")
    return means.rename(columns={"dimension": "service", "value": "load"})


def overloaded(loads: dict[str, float]) -> list[tuple[str, float]]:
    """The services at or above :data:`THRESHOLD`, most loaded first."""
    return sorted(((name, load) for name, load in loads.items() if load >= THRESHOLD), key=lambda item: -item[1])
