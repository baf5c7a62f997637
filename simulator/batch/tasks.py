"""Tasks: the unit of work of a batch or a sweep, and the function that runs one.

A task is (point, regime, a block of consecutive replications). It returns plain DataFrames tagged with
``point``, ``regime`` and ``replication``; it depends on nothing but its arguments, so any executor (this
process, worker processes, a Dask cluster) gives the same tables.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from simulator.config import Scenario, with_regime
from simulator.engine.records import RunRecords
from simulator.engine.simulation import simulate_records
from simulator.metrics.arrays import metrics_from_arrays
from simulator.metrics.compute import tables_from_records

KEPT_TABLES = ("metrics", "nights", "census", "events")


@dataclass(frozen=True, order=True)
class Task:
    point: int
    regime: str
    first: int
    last: int  # exclusive

    @property
    def key(self) -> str:
        return f"point={self.point:05d}/regime={self.regime}/r{self.first:05d}-{self.last - 1:05d}"

    @property
    def replications(self) -> int:
        return self.last - self.first


def make_tasks(points: int, regimes: list[str], replications: int, per_task: int) -> list[Task]:
    """Every task of a design, in a fixed order (point, regime, replications)."""
    return [Task(point, regime, first, min(first + per_task, replications))
            for point in range(points) for regime in regimes for first in range(0, replications, per_task)]


def run_task(scenario: Scenario, seed: int, task: Task, engine: str = "simpy") -> dict[str, pd.DataFrame]:
    """Run the task's replications on ``engine`` (``simpy`` or ``fast``); return its tables (``events`` only
    when the scenario keeps them)."""
    variant = with_regime(scenario, task.regime)
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in KEPT_TABLES}
    simulate: Callable[[Scenario, int, int], RunRecords] = simulate_records
    if engine != "simpy":
        from simulator.fast.batch import records_function

        simulate = records_function(engine)
    for replication in range(task.first, task.last):
        if engine == "simpy":
            # a finished simulation is a web of reference cycles that the raised collector thresholds of a
            # run leave behind: collect it so that memory stays flat across replications (about 60 ms)
            gc.collect()
        records = simulate(variant, seed, replication)
        out["metrics"].append(metrics_from_arrays(records, variant.outputs.census_time))
        tables = tables_from_records(records, ("nights", "census", "events"))
        for name in ("nights", "census", "events"):
            frame = tables[name]
            frame.insert(0, "replication", replication)
            frame.insert(1, "regime", task.regime)
            out[name].append(frame)
    frames = {}
    for name, parts in out.items():
        if name == "events" and not variant.outputs.event_log:
            continue
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(0, "point", task.point)
        frames[name] = frame
    return frames
