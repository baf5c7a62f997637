"""Throughput on the textbook M/M/c queue: the compiled engine (``engine="fast"``) against the SimPy engine,
a bare SimPy script of the same queue and Ciw (when installed).

Both run ``configs/textbook/mmc.yaml`` (M/M/3, rho = 0.8: lambda = 57.6 and mu = 24 per day) for the same
warm-up and horizon, interleaved (the order rotates each repeat), with the same seeds, in this one process
(one core). The figures are customers per second (every customer generated over the run, warm-up included)
and the median over repeats of the ratio fast / SimPy, each ratio taken between runs made side by side.
Each engine is timed twice: the engine alone (``simulate_records``: the event loop and its record tables)
and the full replication (``simulate``: engine, DataFrames and metrics, the same pandas code for both).
The same figures in CPU time (``customers_per_cpu_s``) are steadier when neighbours load the machine.

The compiled kernel's one-time costs are measured in fresh processes with their own numba cache folder:
``compile_cold_s`` (nothing cached: numba compiles the kernel and writes the cache) and ``compile_warm_s``
(the cache written by the first: it is loaded), each the time of the first tiny run after the imports.

Each engine's output is checked (:func:`benchmarks.checks.check_mmc`: arrivals, mean service time, mean wait
against Erlang C by batch means), and the two engines' visits must be the same, visit for visit: they draw
the same random streams in the same order (``docs/model.md`` section 7).

    python -m benchmarks.fast_mmc [--repeats 5] [--days 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.checks import CheckFailed, QueueSample, check_mmc
from benchmarks.common import CONFIGS, ROOT, Record, log, median, record
from benchmarks.mmc_vs_simpy import ciw_available, ciw_run, interleaved, plain_simpy, sample_from_ciw
from simulator import load_config

CONFIG: Path = CONFIGS / "textbook" / "mmc.yaml"

_FIRST_RUN = """
import time
start = time.perf_counter()
from simulator import load_config
from simulator.fast import simulate_records
imported = time.perf_counter()
scenario = load_config({config!r}, {{"horizon": "1 day"}})
simulate_records(scenario, 1, 0)
print(imported - start, time.perf_counter() - imported)
"""


def parameters() -> tuple[float, float, int]:
    """(lambda, mu, c) of the M/M/c config, per day."""
    scenario = load_config(CONFIG)
    clinic = scenario.services["clinic"]
    return (scenario.population.inflow.rate, 1 / clinic.service_time.mean,  # type: ignore[union-attr]
            clinic.staff)  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- the engines
def engine_records(engine: str, scenario: Any, seed: int) -> Any:
    """The engine alone: ``simulate_records`` of the SimPy engine or of the compiled one."""
    if engine == "fast":
        from simulator.fast import simulate_records
    else:
        from simulator.engine.simulation import simulate_records
    return simulate_records(scenario, seed, 0)


def full_run(engine: str, scenario: Any, seed: int) -> Any:
    """What ``simulator run`` does per replication: engine, DataFrames, metrics."""
    from simulator import simulate

    return simulate(scenario, seed=seed, engine=engine)


def sample_from_records(records: Any) -> QueueSample:
    visits = records.tables["visits"]
    arrival = np.asarray(visits["arrival"], dtype=float)
    start = np.asarray(visits["start"], dtype=float)
    end = np.asarray(visits["end"], dtype=float)
    served = (np.asarray(visits["outcome"], dtype=object) == "served") & (arrival >= records.warmup)
    return QueueSample(len(arrival), records.end_time, records.warmup, arrival[served].tolist(),
                       (start[served] - arrival[served]).tolist(), (end[served] - start[served]).tolist())


def sample_from_run(run: Any) -> QueueSample:
    visits = run.tables["visits"]
    scenario = run.scenario
    served = visits[(visits["outcome"] == "served") & (visits["arrival"] >= scenario.warmup)]
    return QueueSample(len(visits), scenario.end_time, scenario.warmup, served["arrival"].tolist(),
                       (served["start"] - served["arrival"]).tolist(), (served["end"] - served["start"]).tolist())


def same_visits(fast: QueueSample, simpy: QueueSample) -> None:
    """The two engines' runs of one seed: the same customers, arrivals and waits."""
    if fast.arrivals != simpy.arrivals:
        raise CheckFailed(f"fast engine: {fast.arrivals} customers, SimPy engine {simpy.arrivals} (same seed)")
    order_f, order_s = np.argsort(fast.arrival_times), np.argsort(simpy.arrival_times)
    for name in ("arrival_times", "waits", "services"):
        a = np.asarray(getattr(fast, name))[order_f]
        b = np.asarray(getattr(simpy, name))[order_s]
        if a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=1e-9):
            raise CheckFailed(f"fast and SimPy engines differ in {name} on the same seed")


# ------------------------------------------------------------------------------------------- compilation
def first_run_seconds(cache: str) -> tuple[float, float]:
    """(import time, first tiny run) of the compiled engine in a fresh process using ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", _FIRST_RUN.format(config=str(CONFIG))], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    imported, first = (float(x) for x in out.stdout.split()[-2:])
    return imported, first


def compile_times() -> tuple[float, float]:
    """Cold (nothing cached) and warm (cache loaded) first-run times, in fresh processes."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        _, cold = first_run_seconds(cache)
        _, warm = first_run_seconds(cache)
    return cold, warm


# ------------------------------------------------------------------------------------------- the benchmark
def measure(repeats: int, days: float, compile_too: bool = True) -> list[Record]:
    """Interleaved repeats of both engines; checks every output; returns the records."""
    lam, mu, c = parameters()
    scenario = load_config(CONFIG, {"horizon": f"{days} days"})  # read once, outside the timings
    engine_records("fast", load_config(CONFIG, {"horizon": "1 day"}), 0)  # the kernel, loaded outside timings
    warmup = scenario.warmup
    runners: dict[str, tuple[Callable[[int], Any], Callable[[Any], QueueSample]]] = {
        "simpy-engine": (partial(engine_records, "simpy", scenario), sample_from_records),
        "fast-engine": (partial(engine_records, "fast", scenario), sample_from_records),
        "simpy-full": (partial(full_run, "simpy", scenario), sample_from_run),
        "fast-full": (partial(full_run, "fast", scenario), sample_from_run),
        "plain-simpy": (partial(plain_simpy, lam, mu, c, days, warmup), lambda out: out),
    }
    if ciw_available():
        runners["ciw"] = (partial(ciw_run, lam, mu, c, days, warmup), partial(sample_from_ciw, days=days,
                                                                              warmup=warmup))
    else:
        log("  ciw is not installed (pip install -e '.[bench]'): the Ciw baseline is skipped")
    names = list(runners)
    rates, cpu_rates, samples = interleaved(runners, repeats)
    estimates = {name: check_mmc(name, samples[name], lam, mu, c) for name in names}
    for fast, simpy in zip(samples["fast-engine"], samples["simpy-engine"], strict=True):
        same_visits(fast, simpy)

    def ratio(table: dict[str, list[float]], ours: str, theirs: str) -> float:
        return median([a / b for a, b in zip(table[ours], table[theirs], strict=True)])

    out: list[Record] = []
    for kind in ("engine", "full"):
        for metric, table, unit in (("customers_per_s", rates, "customers/s"),
                                    ("customers_per_cpu_s", cpu_rates, "customers/CPU s")):
            out.append(record(f"fast_mmc[{kind}]", metric, median(table[f"fast-{kind}"]), unit,
                              f"simpy-{kind}", ratio(table, f"fast-{kind}", f"simpy-{kind}")))
            out.append(record(f"fast_mmc[simpy-{kind}]", metric, median(table[f"simpy-{kind}"]), unit))
    for baseline in ("plain-simpy", "ciw"):
        if baseline in names:  # the compiled engine against a bare SimPy script and Ciw, on the same queue
            for metric, table, unit in (("customers_per_s", rates, "customers/s"),
                                        ("customers_per_cpu_s", cpu_rates, "customers/CPU s")):
                out.append(record("fast_mmc[engine]", metric, median(table["fast-engine"]), unit, baseline,
                                  ratio(table, "fast-engine", baseline)))
    for name in names:
        est = estimates[name]
        out.append(record(f"fast_mmc[{name}]", "wait_over_erlang_c", est["wait"] / est["theory"], "x Erlang C"))
    if compile_too:
        cold, warm = compile_times()
        log(f"  kernel: {cold:.2f} s to compile (nothing cached), {warm:.2f} s to load from the cache")
        out.append(record("fast_mmc[kernel]", "compile_cold_s", cold, "s (first run, nothing cached)"))
        out.append(record("fast_mmc[kernel]", "compile_warm_s", warm, "s (first run, cache loaded)"))
    return out


def run(quick: bool = False) -> list[Record]:
    """The suite's entry: 3 repeats of 600 days (quick) or 5 of 1,000 days."""
    return measure(3, 600.0) if quick else measure(5, 1000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--days", type=float, default=1000.0)
    parser.add_argument("--no-compile", action="store_true", help="skip the cold and warm compile timings")
    args = parser.parse_args()
    from benchmarks.common import markdown_table

    print(markdown_table(measure(args.repeats, args.days, not args.no_compile)))


if __name__ == "__main__":
    main()
