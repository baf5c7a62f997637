"""The compiled engine on the default scenario: replications of ``configs/montreal_centre.yaml`` per second
against the SimPy engine, on one core and on all cores, and a sweep end to end on both engines.

**What runs.** The whole scenario, its own warm-up and year, under one regime (default ``bilateral``), on both
engines.

**One core.** A replication end to end as a batch runs it (:func:`simulator.batch.tasks.run_task`: the
engine, the metrics from the record arrays and the nightly tables), interleaved between the engines (the order
rotates each repeat), replications 0, 1, ... on both. The figure is replications per second of wall time and
per CPU second, and the ratio compiled / SimPy the median of ratios taken side by side.

**All cores.** ``run_batch`` with one worker process per core on each engine (the compiled kernel is loaded
before the workers fork), ``cores`` replications per core.

**A sweep end to end.** ``run_sweep`` of a small sweep (two values of one parameter x two regimes x
replications) into a results folder, on both engines with one worker per core: the time from the call to a
complete folder (points, scenarios, Parquet tables, manifest).

**Checks.** Each SimPy replication passes :func:`benchmarks.checks.check_scenario_run` (episodes, the
Poisson inflow count, a census that matches the shelters' occupancy and capacity), and the compiled
replication of the same seed has the same metrics (the engines draw the same streams in the same order on
what the compiled engine covers); the two sweep folders hold the same metrics.

    python -m benchmarks.fast_montreal [--regime bilateral] [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from benchmarks.checks import CheckFailed, check_scenario_run
from benchmarks.common import CONFIGS, Record, log, median, record, rotated, timed
from simulator import with_regime
from simulator.config.loader import load_data, validate_data
from simulator.config.schema import Scenario

CONFIG = CONFIGS / "montreal_centre.yaml"


def scenario_of(regime: str) -> tuple[dict[str, Any], Scenario]:
    """The data and the scenario of ``montreal_centre`` under ``regime``, whole (the compiled engine refusing
    any of it fails the benchmark)."""
    from simulator.fast import unsupported

    raw, _ = load_data(CONFIG)
    data: dict[str, Any] = copy.deepcopy(raw)
    data["regime"] = regime
    scenario = validate_data(data, {}, str(CONFIG))
    refused = unsupported(scenario)
    if refused:
        raise CheckFailed(f"the compiled engine refuses part of {CONFIG.name} under {regime}: {refused}")
    return data, scenario


def replication(engine: str, scenario: Scenario, regime: str, i: int) -> dict[str, pd.DataFrame]:
    """Replication ``i`` end to end, as a batch task runs it."""
    from simulator.batch.tasks import Task, run_task

    return run_task(scenario, scenario.seed, Task(0, regime, i, i + 1), engine)


def same_metrics(label: str, fast: pd.DataFrame, simpy: pd.DataFrame) -> None:
    """The two engines' metrics of one seed, row for row (values to 1e-9 relative)."""
    keys = ["replication", "regime", "metric", "dimension"]
    a = fast.sort_values(keys).reset_index(drop=True)
    b = simpy.sort_values(keys).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    except AssertionError as error:
        raise CheckFailed(f"{label}: the compiled and SimPy engines' metrics differ on the same seed: "
                          f"{str(error).splitlines()[0]}") from None


def one_core(scenario: Scenario, regime: str, name: str, repeats: int) -> list[Record]:
    from simulator.engine.simulation import simulate_records
    from simulator.fast import simulate_records as fast_records

    fast_records(with_regime(scenario, regime), scenario.seed, 0)  # the kernel loaded outside the timings
    seconds: dict[str, list[float]] = {"simpy": [], "fast": []}
    cpu: dict[str, list[float]] = {"simpy": [], "fast": []}
    for i in range(repeats):
        outputs: dict[str, dict[str, pd.DataFrame]] = {}
        for engine in rotated(["simpy", "fast"], i):
            wall, cpu_seconds, tables = timed(partial(replication, engine, scenario, regime, i))
            seconds[engine].append(wall)
            cpu[engine].append(cpu_seconds)
            outputs[engine] = tables
        same_metrics(f"{name} replication {i}", outputs["fast"]["metrics"], outputs["simpy"]["metrics"])
        log(f"  replication {i}: SimPy {seconds['simpy'][-1]:.2f} s, compiled {seconds['fast'][-1]:.3f} s "
            f"({seconds['simpy'][-1] / seconds['fast'][-1]:.1f}x)")
    check_scenario_run(f"{name} (SimPy)", with_regime(scenario, regime),
                       simulate_records(with_regime(scenario, regime), scenario.seed, 0).tables)
    out: list[Record] = []
    for metric, table, unit in (("replications_per_s", seconds, "replications/s"),
                                ("replications_per_cpu_s", cpu, "replications/CPU s")):
        ratio = median([s / f for s, f in zip(table["simpy"], table["fast"], strict=True)])
        out.append(record(f"{name}[fast, 1 core]", metric, 1 / median(table["fast"]), unit, "simpy, 1 core", ratio))
        out.append(record(f"{name}[simpy, 1 core]", metric, 1 / median(table["simpy"]), unit))
    return out


def all_cores(scenario: Scenario, regime: str, name: str, per_core: int) -> list[Record]:
    from simulator import run_batch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    n = per_core * cores
    rates = {}
    for engine in ("simpy", "fast"):
        started = time.perf_counter()
        result = run_batch(scenario, n, regimes=[regime], workers=cores, executor="processes", engine=engine)
        rates[engine] = n / (time.perf_counter() - started)
        if result.metrics["replication"].nunique() != n:
            raise CheckFailed(f"{name}: run_batch on {engine} returned {result.metrics['replication'].nunique()} "
                              f"replications, not {n}")
        log(f"  {cores} cores, {n} replications: {engine} {rates[engine]:.2f} replications/s")
    return [record(f"{name}[fast, {cores} cores]", "replications_per_s", rates["fast"], "replications/s",
                   f"simpy, {cores} cores", rates["fast"] / rates["simpy"]),
            record(f"{name}[simpy, {cores} cores]", "replications_per_s", rates["simpy"], "replications/s")]


SWEEP = """
name: fast_montreal_sweep
base: {base}
seed: 20240601
replications: {replications}
regimes: [unilateral, bilateral]
parameters:
  - path: handoffs.bilateral.loss.base
    values: [0.02, 0.08]
"""


def sweep(data: dict[str, Any], name: str, replications: int) -> list[Record]:
    from simulator import results
    from simulator.batch.runner import run_sweep
    from simulator.batch.sweep import load_sweep

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    seconds, metrics = {}, {}
    with tempfile.TemporaryDirectory(prefix="fast-sweep-") as folder:
        base = Path(folder) / "montreal.yaml"
        base.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        spec_path = Path(folder) / "sweep.yaml"
        spec_path.write_text(SWEEP.format(base=base.name, replications=replications), encoding="utf-8")
        spec = load_sweep(spec_path)
        for engine in ("simpy", "fast"):
            out = Path(folder) / engine
            started = time.perf_counter()
            run_sweep(spec, out, executor="processes", workers=cores, engine=engine)
            seconds[engine] = time.perf_counter() - started
            metrics[engine] = results.open(out).metrics
            log(f"  sweep of {len(spec.points)} points x 2 regimes x {replications} replications: {engine} "
                f"{seconds[engine]:.1f} s")
    same_metrics(f"{name} sweep", metrics["fast"].drop(columns=["point"]), metrics["simpy"].drop(columns=["point"]))
    runs = len(metrics["simpy"][["point", "regime", "replication"]].drop_duplicates())
    return [record(f"{name}[sweep, fast]", "seconds", seconds["fast"], f"s for {runs} runs on {cores} cores",
                   "sweep, simpy", seconds["simpy"] / seconds["fast"]),
            record(f"{name}[sweep, simpy]", "seconds", seconds["simpy"], f"s for {runs} runs on {cores} cores")]


def measure(regime: str = "bilateral", repeats: int = 3, per_core: int = 2, sweep_replications: int = 2
            ) -> list[Record]:
    data, scenario = scenario_of(regime)
    name = "montreal_centre"
    return (one_core(scenario, regime, name, repeats) + all_cores(scenario, regime, name, per_core)
            + sweep(data, name, sweep_replications))


def run(quick: bool = False) -> list[Record]:
    """The suite's entry: 2 repeats, 1 replication per core, a sweep of 1 replication (quick); or 3, 2, 2."""
    return measure("bilateral", 2, 1, 1) if quick else measure("bilateral", 3, 2, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regime", default="bilateral")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-core", type=int, default=2, help="replications per core of the all-cores batch")
    parser.add_argument("--sweep-replications", type=int, default=2)
    args = parser.parse_args()
    from benchmarks.common import markdown_table

    print(markdown_table(measure(args.regime, args.repeats, args.per_core, args.sweep_replications)))


if __name__ == "__main__":
    main()
