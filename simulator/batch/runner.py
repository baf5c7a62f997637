"""Running replications: one (:func:`simulate`) or a batch over regimes (:func:`run_batch`).

Replication ``i`` of every regime uses the same random streams (common random numbers), so the regimes are
compared on the same clients arriving at the same times. Replications run serially or in worker processes;
results are gathered by (regime, replication), so they are identical whatever the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulator.config import Scenario, load_config, with_regime
from simulator.engine.simulation import simulate_records
from simulator.metrics import replication_metrics, summarise, tables_from_records

Progress = Callable[[int, int], None]


@dataclass
class Run:
    """One replication: every record table and the replication's metrics."""

    scenario: Scenario
    seed: int
    replication: int
    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame


@dataclass
class BatchResult:
    """Many replications of one scenario, under one or several regimes.

    Attributes
    ----------
    metrics
        Long table ``replication, regime, metric, dimension, value``.
    nights
        Nightly shelter capacity, occupancy, admissions and refusals per replication and regime.
    census
        Nightly point-in-time counts (sheltered, outdoors, elsewhere) per replication and regime.
    events
        The HMIS-shaped event log, when the scenario asks for it (``outputs.event_log``).
    """

    scenario: Scenario
    seed: int
    replications: int
    regimes: list[str]
    metrics: pd.DataFrame
    nights: pd.DataFrame
    census: pd.DataFrame
    events: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean, confidence interval and quantiles of every metric, per regime."""
        return summarise(self.metrics, level)


def resolve(config: Scenario | str | os.PathLike[str]) -> Scenario:
    """A scenario from a :class:`Scenario` or the path of a scenario file."""
    if isinstance(config, Scenario):
        return config
    return load_config(Path(config))


def simulate(config: Scenario | str | os.PathLike[str], seed: int | None = None, replication: int = 0,
             regime: str | None = None) -> Run:
    """Run one replication and return all its tables and metrics.

    Parameters
    ----------
    config
        A scenario or the path of a scenario file.
    seed
        Root seed; defaults to the scenario's ``seed``.
    replication
        Replication index: with the same seed, index ``i`` gives the same streams in every regime.
    regime
        Regime name overriding the scenario's ``regime``.
    """
    scenario = resolve(config)
    if regime is not None:
        scenario = with_regime(scenario, regime)
    seed = scenario.seed if seed is None else seed
    records = simulate_records(scenario, seed, replication)
    tables = tables_from_records(records)
    metrics = replication_metrics(records, scenario.outputs.census_time, tables)
    return Run(scenario, seed, replication, tables, metrics)


def _one(scenario: Scenario, seed: int, replication: int) -> tuple[pd.DataFrame, ...]:
    """Worker: one replication reduced to what a batch keeps (metrics and nightly series)."""
    records = simulate_records(scenario, seed, replication)
    tables = tables_from_records(records)
    metrics = replication_metrics(records, scenario.outputs.census_time, tables)
    kept = []
    for name in ("nights", "census", "events"):
        frame = tables[name]
        frame.insert(0, "replication", replication)
        frame.insert(1, "regime", scenario.regime)
        kept.append(frame)
    return (metrics, *kept)


def run_batch(config: Scenario | str | os.PathLike[str], replications: int | None = None,
              seed: int | None = None, regimes: Sequence[str] | None = None, workers: int = 1,
              progress: Progress | None = None) -> BatchResult:
    """Run ``replications`` replications of a scenario under each regime.

    Parameters
    ----------
    config
        A scenario or the path of a scenario file.
    replications
        Number of replications per regime; defaults to the scenario's ``replications``.
    seed
        Root seed; defaults to the scenario's ``seed``.
    regimes
        Regime names to run; defaults to the scenario's own ``regime``.
    workers
        Worker processes (1 runs in this process). The results do not depend on it.
    progress
        Called as ``progress(done, total)`` after each replication.
    """
    scenario = resolve(config)
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    names = list(regimes) if regimes else [scenario.regime]
    variants = {name: with_regime(scenario, name) for name in names}
    tasks = [(name, i) for name in names for i in range(replications)]
    results: dict[tuple[str, int], tuple[pd.DataFrame, ...]] = {}
    total = len(tasks)
    if workers <= 1 or total <= 1:
        for done, (name, i) in enumerate(tasks, start=1):
            results[(name, i)] = _one(variants[name], seed, i)
            if progress is not None:
                progress(done, total)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, total)) as pool:
            futures = {pool.submit(_one, variants[name], seed, i): (name, i) for name, i in tasks}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, total)
    ordered = [results[task] for task in tasks]

    def stack(index: int) -> pd.DataFrame:
        frames = [r[index] for r in ordered if len(r[index])]
        return pd.concat(frames, ignore_index=True) if frames else ordered[0][index].iloc[0:0]

    events = stack(3) if scenario.outputs.event_log else None
    return BatchResult(scenario, seed, replications, names, stack(0), stack(1), stack(2), events)
