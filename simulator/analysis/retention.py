"""Housing retention of a high-need cohort, the way At Home/Chez Soi measured it in Montreal.

The trial followed people with serious mental illness who were homeless at entry for two years and reported
the share *housed for the whole of the last six months* (high need: 60% with housing first and its support,
31% under usual care; the project's data file of sourced figures). The same measure comes out of the model
by running the trial in it (docs/model.md section 14):

* the cohort (``population.cohort``): ``size`` clients of one pattern and need profile who become homeless
  together at time 0, in the scenario's city as it stands on its start date (its initial stock, inflow and
  services, with everybody competing for them); no warm-up;
* arm ``usual_care``: the cohort meets the services everybody meets (walk-ins as drawn for new clients);
* arm ``housing_first``: the same, and each member first walks into ``programme``, which has one free place
  for each of them besides its usual places (all held by earlier tenants at the start; none reserved): they
  apply at time 0, before anyone else can, and are housed after the move-in;
* the measure: the share of the cohort with no homeless episode overlapping the last ``last`` days of the
  ``follow_up`` (an episode still open at the horizon counts as homeless). Both arms use the same streams
  (common random numbers), replication by replication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simulator.config.loader import validate_data
from simulator.config.schema import Housing, Scenario

ARMS = ("housing_first", "usual_care")
Arm = Literal["housing_first", "usual_care"]


@dataclass(frozen=True)
class Cohort:
    """The trial: who enters, for how long they are followed, and which programme offers housing first."""

    programme: str
    size: int = 300
    follow_up: float = 730.0
    last: float = 182.5
    pattern: str = "chronic"
    needs: tuple[tuple[str, float], ...] = (("mental_health", 1.0),)


def cohort_scenario(base: Scenario, cohort: Cohort, arm: Arm) -> Scenario:
    """``base`` with the trial's cohort entering at time 0, followed ``follow_up`` days, for one arm."""
    spec = base.services.get(cohort.programme)
    if not isinstance(spec, Housing) or spec.slots is None:
        raise ValueError(f"{cohort.programme!r} is not a housing programme with slots")
    data: dict[str, Any] = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["warmup"] = "0 days"
    data["horizon"] = f"{cohort.follow_up:g} days"
    entry = []
    if arm == "housing_first":
        # the trial's programme: a free place for every member, taken at once by their walk-in at time 0
        data["services"][cohort.programme].update(
            {"slots": spec.slots + cohort.size, "initial_occupancy": spec.slots / (spec.slots + cohort.size),
             "reserved_share": 0.0})
        entry = [{"need": "housing", "service": cohort.programme, "probability": 1.0}]
    data["population"]["cohort"] = {"count": cohort.size, "pattern": cohort.pattern, "needs": dict(cohort.needs),
                                    "entry": entry}
    return validate_data(data, {}, f"<{arm} cohort of {base.name}>")


def housed_last(records_episodes: dict[str, np.ndarray], follow_up: float, last: float) -> float:
    """The share of the cohort (clients with an episode of source ``cohort``) with no episode overlapping
    ``[follow_up - last, follow_up)``."""
    client = records_episodes["client"]
    start = records_episodes["start"]
    end = records_episodes["end"]
    members = np.unique(client[records_episodes["source"] == "cohort"])
    lo = follow_up - last
    homeless = np.isin(client, members) & (start < follow_up) & (end > lo)
    return 1.0 - len(np.unique(client[homeless])) / len(members) if len(members) else float("nan")


def retention(base: Scenario, cohort: Cohort, replications: int, seed: int,
              engine: str = "simpy") -> dict[str, list[float]]:
    """The measure in each arm, one value per replication (the same streams in both arms), on ``engine``
    (``simpy`` or ``fast``: the same records)."""
    if engine == "fast":
        from simulator.fast import simulate_records
    else:
        from simulator.engine.simulation import simulate_records
    out: dict[str, list[float]] = {arm: [] for arm in ARMS}
    for arm in ARMS:
        scenario = cohort_scenario(base, cohort, arm)  # type: ignore[arg-type]
        for replication in range(replications):
            records = simulate_records(scenario, seed, replication)
            episodes = {name: np.asarray(records.tables["episodes"][name])
                        for name in ("client", "source", "start", "end")}
            out[arm].append(housed_last(episodes, cohort.follow_up, cohort.last))
    return out
