"""The metrics of one replication: from arrays (what the runs use) against the reference on DataFrames.

Each scenario is simulated once; then the two ways from its records to the metrics table are timed on those
same records, interleaved (the order rotates each repeat):

* ``reference``: :func:`simulator.metrics.tables_from_records` (a DataFrame of every record table) and
  :func:`simulator.metrics.replication_metrics`, what a run did before;
* ``arrays``: :func:`simulator.metrics.arrays.metrics_from_arrays`, the record columns as NumPy arrays.

Scenarios: a year of ``configs/small_town.yaml`` (30 days' warm-up), a year of ``configs/montreal_centre.yaml``
(its 120 days' warm-up; quick: 90 observed days) on the SimPy engine, and a year of the Jackson network of
``configs/textbook/jackson.yaml`` on the compiled engine (``simulator.fast``), whose replication the metrics
dominated. The figures are milliseconds per replication (medians over the repeats), in wall and CPU time, and
the speed-up (reference over arrays, the median of the ratios of runs made side by side); the engine's own
time, measured once, gives the scale.

Check: every repeat's two tables are the same (:func:`simulator.metrics.arrays.mismatches`: columns, types,
rows and their order, every value to the last bit but in the few group sums that pandas adds up with
compensated summation, within 1e-12 relative there), and hold a few hundred metrics.

    python -m benchmarks.metrics_speed [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import pandas as pd

from benchmarks.checks import CheckFailed
from benchmarks.common import CONFIGS, Record, log, markdown_table, median, record, rotated, timed
from simulator import load_config
from simulator.engine.records import RunRecords
from simulator.metrics import replication_metrics, tables_from_records
from simulator.metrics.arrays import metrics_from_arrays, mismatches

#: label, config, overrides (full, quick), engine
SCENARIOS: list[tuple[str, str, dict[str, str], dict[str, str], str]] = [
    ("small_town 365d", "small_town.yaml", {"horizon": "365 days", "warmup": "30 days"},
     {"horizon": "365 days", "warmup": "30 days"}, "simpy"),
    ("montreal_centre 365d", "montreal_centre.yaml", {}, {"horizon": "90 days"}, "simpy"),
    ("jackson 365d, compiled engine", "textbook/jackson.yaml", {"horizon": "365 days"}, {"horizon": "365 days"},
     "fast"),
]


def _simulate(engine: str) -> Callable[..., RunRecords]:
    if engine == "fast":
        from simulator.fast import simulate_records as fast_records

        return fast_records
    from simulator.engine.simulation import simulate_records

    return simulate_records


def check_tables(label: str, reference: pd.DataFrame, arrays: pd.DataFrame) -> None:
    """The two tables agree, and are not empty."""
    differences = mismatches(reference, arrays)
    if differences:
        raise CheckFailed(f"{label}: the metrics from arrays differ from the reference: "
                          + "; ".join(differences[:10]))
    if len(reference) < 50 or reference["value"].isna().all():
        raise CheckFailed(f"{label}: only {len(reference)} metric rows")


def measure(label: str, config: str, overrides: dict[str, str], engine: str, repeats: int) -> list[Record]:
    scenario = load_config(CONFIGS / config, overrides)
    census_time = scenario.outputs.census_time
    if engine == "fast":
        from simulator.fast.batch import compile_kernel

        compile_kernel(scenario)  # the one-time compile or cache load is not the engine's time
    engine_s, _, records = timed(lambda: _simulate(engine)(scenario, scenario.seed, 0))
    runners: dict[str, Callable[[], pd.DataFrame]] = {
        "reference": lambda: replication_metrics(records, census_time, tables_from_records(records)),
        "arrays": lambda: metrics_from_arrays(records, census_time),
    }
    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for i in range(repeats):
        tables: dict[str, Any] = {}
        for name in rotated(list(runners), i):
            seconds, cpu_seconds, tables[name] = timed(runners[name])
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
        check_tables(f"metrics[{label}] repeat {i + 1}", tables["reference"], tables["arrays"])
        log(f"  {label} repeat {i + 1}/{repeats}: reference {wall['reference'][-1] * 1e3:.0f} ms, arrays "
            f"{wall['arrays'][-1] * 1e3:.0f} ms")

    def ratio(times: dict[str, list[float]]) -> float:
        return median([r / a for r, a in zip(times["reference"], times["arrays"], strict=True)])

    name = f"metrics[{label}]"
    return [
        record(name, "reference_ms", median(wall["reference"]) * 1e3,
               "ms per replication: DataFrames of every table + replication_metrics"),
        record(name, "arrays_ms", median(wall["arrays"]) * 1e3, "ms per replication: metrics_from_arrays",
               "reference", ratio(wall)),
        record(name, "reference_cpu_ms", median(cpu["reference"]) * 1e3, "ms of CPU"),
        record(name, "arrays_cpu_ms", median(cpu["arrays"]) * 1e3, "ms of CPU", "reference", ratio(cpu)),
        record(name, "engine_s", engine_s, f"s: the {engine} engine's replication, once (for scale)"),
        record(name, "metric_rows", len(tables["arrays"]), "rows (both tables the same, checked)"),
    ]


def run(quick: bool = False, repeats: int | None = None) -> list[Record]:
    """The suite's entry: every scenario, 5 repeats (quick: 3, and a shorter Montreal run)."""
    count = repeats or (3 if quick else 5)
    records: list[Record] = []
    for label, config, full, short, engine in SCENARIOS:
        if quick and short != full:
            label = label.replace("365d", f"{short['horizon'].split()[0]}d")
        log(f"[metrics] {label}")
        records += measure(label, config, short if quick else full, engine, count)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(markdown_table(run(args.quick, args.repeats)))


if __name__ == "__main__":
    main()
