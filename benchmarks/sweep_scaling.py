"""A sweep on 2 workers: parallel efficiency of worker processes and of Dask, and the cost of a task.

Two measurements, each through :func:`simulator.batch.run_sweep` into a fresh results folder (so the time
includes writing the Parquet files, as a user's sweep does):

* **efficiency** on a realistic workload: ``configs/montreal_centre.yaml`` as in
  ``configs/sweeps/montreal_winter_study.yaml``, reduced by a temporary spec to 2 points (winter overflow beds
  300 or 900) x 1 regime (``--quick``; 2 regimes otherwise) x 2 replications of 30 days' warm-up + 60 days, one
  replication per task (about 3 s each). Efficiency = T_serial / (2 x T_parallel): 1 is a perfect speed-up
  on 2 workers. Executors: ``processes`` (a process pool, started by the sweep), ``dask`` (a LocalCluster
  started by the sweep: what ``--executor dask`` costs a user) and ``dask@scheduler`` (a cluster already
  running, reached by its address: the per-task cost without the start-up).
* **overhead per task** on many tiny tasks: ``configs/textbook/mmc.yaml`` for 1 day without warm-up,
  40 tasks of one replication (tens of milliseconds each). Two figures per executor:
  ``overhead_per_task`` = (T_executor - T_serial) / tasks, the wall time each task adds (negative when 2
  workers already win on tasks this small), and ``worker_time_lost_per_task`` = (2 x T_executor - T_serial) /
  tasks, the worker time each task costs beyond its own work (0 = a perfect 2-worker run), whose ratio to the
  process pool's compares Dask with processes.

Every measured run checks its own output: its results folder must hold every task, and its metrics, nights and
census tables must equal the serial run's (``pandas.testing.assert_frame_equal``), so a wrong run cannot score.

    python -m benchmarks.sweep_scaling [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas.testing as pdt
import yaml

from simulator import results
from simulator.batch import load_sweep, run_sweep

try:  # the suite's runner reports this exception as a failed output check rather than a crash
    from benchmarks.checks import CheckFailed
except ImportError:  # pragma: no cover - the module runs alone too

    class CheckFailed(AssertionError):  # type: ignore[no-redef]
        """A benchmark's output is wrong: the benchmark fails whatever its speed."""


ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
WORKERS = 2
TABLES = ("metrics", "nights", "census")
Record = dict[str, Any]


# ------------------------------------------------------------------------------------------- workloads
def montreal_spec(quick: bool) -> dict[str, Any]:
    """montreal_winter_study.yaml reduced: 2 points x 1 or 2 regimes x 2 replications of 90 days."""
    return {
        "name": "sweep_scaling_montreal",
        "base": str(CONFIGS / "montreal_centre.yaml"),
        "overrides": {"horizon": "60 days", "warmup": "30 days"},
        "regimes": ["organic"] if quick else ["organic", "integrated"],
        "replications": 2,
        "replications_per_task": 1,
        "seed": 2022,
        "design": {"sampler": "grid"},
        "parameters": [{"path": "services.winter_overflow.winter_capacity", "values": [300, 900]}],
    }


def tiny_spec(tasks: int = 40) -> dict[str, Any]:
    """M/M/3 for one day: ``tasks`` tasks of one replication, tens of milliseconds each."""
    return {
        "name": "sweep_scaling_tiny",
        "base": str(CONFIGS / "textbook" / "mmc.yaml"),
        "overrides": {"horizon": "1 days", "warmup": "0 days"},
        "replications": tasks,
        "replications_per_task": 1,
        "seed": 1,
    }


# ------------------------------------------------------------------------------------------- measuring
def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_same(reference: Path, out: Path, label: str) -> None:
    """The run's folder is complete and its tables equal the serial run's."""
    try:
        a, b = results.open(reference), results.open(out)
        if b.metrics.empty:
            raise CheckFailed(f"{label}: no metrics")
        for name in TABLES:  # nights are empty where there is no shelter (the M/M/c clinic)
            pdt.assert_frame_equal(a.table(name), b.table(name), obj=f"{label}: {name}")
    except results.ResultsError as error:
        raise CheckFailed(f"{label}: {error}") from None
    except AssertionError as error:
        raise CheckFailed(f"{label}: tables differ from the serial run's: {error}") from None


def check_serial(out: Path, points: int, regimes: int, replications: int) -> None:
    metrics = results.open(out).metrics
    runs = metrics[["point", "regime", "replication"]].drop_duplicates()
    if len(runs) != points * regimes * replications or metrics["value"].isna().all():
        raise CheckFailed(f"serial run in {out}: {len(runs)} runs, expected {points * regimes * replications}")


class Cluster:
    """A Dask LocalCluster of 2 single-threaded worker processes, started once and reached by address."""

    def __init__(self) -> None:
        from distributed import LocalCluster

        start = time.perf_counter()
        self.cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                    dashboard_address=None)
        self.start_s = time.perf_counter() - start

    @property
    def address(self) -> str:
        return str(self.cluster.scheduler_address)

    def close(self) -> None:
        self.cluster.close()


def measure(spec_path: Path, work: Path, executors: Sequence[str], repeats: int,
            cluster: Cluster | None) -> dict[str, list[float]]:
    """Wall time of run_sweep for each executor, repeats interleaved (the order rotates each repeat)."""
    sweep = load_sweep(spec_path)
    times: dict[str, list[float]] = {name: [] for name in executors}
    reference = work / "reference"
    gc.collect()
    start = time.perf_counter()
    run_sweep(sweep, reference, executor="serial")  # the reference tables, and the first serial time
    times["serial"].append(time.perf_counter() - start)
    check_serial(reference, len(sweep.points), len(sweep.regimes), sweep.spec.replications)
    log(f"  {spec_path.stem} serial (reference): {times['serial'][-1]:.2f} s")
    for repeat in range(repeats):
        k = repeat % len(executors)
        for name in [*executors[k:], *executors[:k]]:
            if name == "serial" and repeat == 0:
                continue  # the reference run was this repeat's serial run
            out = work / f"{name.replace('@', '_')}-{repeat}"
            kwargs: dict[str, Any] = {"executor": name.split("@")[0], "workers": 1 if name == "serial" else WORKERS}
            if name == "dask@scheduler":
                assert cluster is not None
                kwargs["scheduler"] = cluster.address
            gc.collect()
            start = time.perf_counter()
            run_sweep(sweep, out, **kwargs)
            times[name].append(time.perf_counter() - start)
            check_same(reference, out, f"{spec_path.stem}/{name}")
            shutil.rmtree(out)
            log(f"  {spec_path.stem} {name}: {times[name][-1]:.2f} s")
    return times


def record(benchmark: str, metric: str, value: float, unit: str, baseline: str | None = None,
           ratio: float | None = None) -> Record:
    return {"benchmark": benchmark, "metric": metric, "value": float(value), "unit": unit, "baseline": baseline,
            "ratio": None if ratio is None or ratio <= 0 else float(ratio)}


def run(quick: bool = False, repeats: int | None = None) -> list[Record]:
    """Measure; return the records (``benchmark, metric, value, unit, baseline, ratio``)."""
    repeats = repeats or (1 if quick else 2)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    median: Callable[[list[float]], float] = statistics.median
    records: list[Record] = []
    with tempfile.TemporaryDirectory(prefix="sweep_scaling_") as tmp:
        work = Path(tmp)
        cluster = Cluster()
        try:
            log(f"sweep_scaling: Dask LocalCluster of {WORKERS} workers started in {cluster.start_s:.2f} s")
            executors = ["serial", "processes", "dask", "dask@scheduler"]

            spec = montreal_spec(quick)
            spec_path = work / "montreal.yaml"
            spec_path.write_text(yaml.safe_dump(spec), encoding="utf-8")
            tasks = 2 * len(spec["regimes"]) * spec["replications"]
            times = measure(spec_path, work / "montreal", executors, repeats, cluster)
            serial = median(times["serial"])
            records.append(record(f"sweep[montreal_90d, {tasks} tasks]", "serial_time", serial, "s"))
            for name in executors[1:]:
                t = median(times[name])
                efficiency = serial / (WORKERS * t)
                records.append(record(f"sweep[montreal_90d, {tasks} tasks, {name}]", "parallel_efficiency",
                                      efficiency, f"T_serial/({WORKERS} T)", "serial", serial / t))

            spec = tiny_spec()
            spec_path = work / "tiny.yaml"
            spec_path.write_text(yaml.safe_dump(spec), encoding="utf-8")
            tasks = spec["replications"]
            times = measure(spec_path, work / "tiny", executors, repeats, cluster)
            serial = median(times["serial"])
            records.append(record(f"sweep[mmc_1d, {tasks} tasks]", "serial_time_per_task", 1000 * serial / tasks,
                                  "ms/task"))
            lost = {name: (WORKERS * median(times[name]) - serial) / tasks for name in executors[1:]}
            for name in executors[1:]:
                wall = (median(times[name]) - serial) / tasks
                records.append(record(f"sweep[mmc_1d, {tasks} tasks, {name}]", "overhead_per_task",
                                      1000 * wall, "ms/task"))
                baseline = None if name == "processes" else "processes"
                ratio = None if baseline is None or lost[name] <= 0 else lost["processes"] / lost[name]
                records.append(record(f"sweep[mmc_1d, {tasks} tasks, {name}]", "worker_time_lost_per_task",
                                      1000 * lost[name], "ms/task", baseline, ratio))
            records.append(record("dask_local_cluster", "start_time", cluster.start_s, "s"))
        finally:
            cluster.close()
    return records


def markdown(records: Sequence[Record]) -> str:
    def fmt(value: Any) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    lines = ["| benchmark | metric | value | unit | baseline | ratio |", "|---|---|---:|---|---|---:|"]
    lines += [f"| {r['benchmark']} | {r['metric']} | {fmt(r['value'])} | {r['unit']} | {fmt(r['baseline'])} | "
              f"{fmt(r['ratio'])} |" for r in records]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 regime instead of 2, one repeat")
    parser.add_argument("--repeats", type=int, help="interleaved repeats (default 1 with --quick, else 2)")
    args = parser.parse_args(argv)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 0
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    records = run(args.quick, args.repeats)
    end = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Sweep scaling on {WORKERS} workers ({cores} cores, load average {load} at the start and {end} at the "
          f"end, {time.perf_counter() - started:.0f} s); every run's tables equal the serial run's.\n")
    print(markdown(records))
    print("\nparallel_efficiency: T_serial / (2 T), ratio = speed-up over serial. overhead_per_task: "
          "(T - T_serial) / tasks. worker_time_lost_per_task: (2 T - T_serial) / tasks, ratio = processes' / this "
          "one's (above 1 = cheaper than processes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
