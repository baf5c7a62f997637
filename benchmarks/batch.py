"""A batch of replications through ``simulator.run_batch``: the pipeline's overhead and the process pool.

Three ways to run the same ``R`` replications of ``configs/small_town.yaml`` (its own 130 days), interleaved:

* ``engine-loop``: a bare loop of ``simulate_records`` (the engine alone, nothing kept);
* ``serial``: ``run_batch(workers=1)``: engine, DataFrames, metrics, nights and census gathered;
* ``processes x2``: ``run_batch(workers=2)``, a process pool, start-up included.

Ratios: serial over the engine loop (below 1: the share of time spent outside the engine) and the pool over
serial (the speed-up of two workers). Checks: every replication present in the metrics, census rows for every
observed night of every replication, the engine loop's own output plausible, and the pool's tables
identical to the serial ones (the results must not depend on the executor).
"""

from __future__ import annotations

import pandas as pd

from benchmarks.checks import CheckFailed, check_scenario_run
from benchmarks.common import CONFIGS, Record, log, median, record, rotated, timed
from simulator import load_config, run_batch
from simulator.engine.simulation import simulate_records

CONFIG = CONFIGS / "small_town.yaml"


def check_batch(label: str, batch: object, replications: int, nights: float) -> None:
    metrics: pd.DataFrame = batch.metrics  # type: ignore[attr-defined]
    census: pd.DataFrame = batch.census  # type: ignore[attr-defined]
    found = sorted(metrics["replication"].unique().tolist()) if len(metrics) else []
    if found != list(range(replications)):
        raise CheckFailed(f"{label}: metrics hold replications {found}, expected 0..{replications - 1}")
    if metrics["value"].isna().all():
        raise CheckFailed(f"{label}: every metric is missing")
    expected = replications * nights
    if abs(len(census) - expected) > 1.5 * replications:
        raise CheckFailed(f"{label}: {len(census)} census rows, expected about {expected:g}")


def measure(replications: int, repeats: int, workers: int = 2) -> list[Record]:
    scenario = load_config(CONFIG)
    nights = scenario.end_time - scenario.warmup

    def engine_loop() -> list[dict[str, float]]:
        return [check_scenario_run(f"small_town replication {i}", scenario,
                                   simulate_records(scenario, scenario.seed, i).tables)
                for i in range(replications)]

    pool = f"processes x{workers}"
    runners = {
        "engine-loop": engine_loop,
        "serial": lambda: run_batch(scenario, replications=replications, workers=1),
        pool: lambda: run_batch(scenario, replications=replications, workers=workers, executor="processes"),
    }
    names = list(runners)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        outputs = {}
        for name in rotated(names, i):
            seconds, _, outputs[name] = timed(runners[name])  # wall time: the pool's work is in its children
            rates[name].append(replications / seconds)
        for name in ("serial", pool):
            check_batch(f"run_batch[{name}]", outputs[name], replications, nights)
        for table in ("metrics", "nights", "census"):
            try:
                pd.testing.assert_frame_equal(getattr(outputs["serial"], table), getattr(outputs[pool], table))
            except AssertionError as error:
                raise CheckFailed(f"run_batch: the {table} of {pool} differ from serial: {error}") from None
        log(f"  repeat {i + 1}/{repeats}: " + ", ".join(f"{n} {rates[n][-1]:.2f} replications/s" for n in names))

    def ratio(a: str, b: str) -> float:
        return median([x / y for x, y in zip(rates[a], rates[b], strict=True)])

    name = f"batch[small_town x{replications}]"
    return [
        record(name + "[engine-loop]", "replications_per_s", median(rates["engine-loop"]), "replications/s"),
        record(name + "[serial]", "replications_per_s", median(rates["serial"]), "replications/s",
               "engine-loop", ratio("serial", "engine-loop")),
        record(name + f"[{pool}]", "replications_per_s", median(rates[pool]), "replications/s",
               "serial", ratio(pool, "serial")),
    ]


def run(quick: bool = False) -> list[Record]:
    """The suite's entry: 4 replications once (quick), or 8 replications, median of 3."""
    return measure(4, 1) if quick else measure(8, 3)


if __name__ == "__main__":
    from benchmarks.common import markdown_table

    print(markdown_table(run()))
