"""How time and peak memory grow: with the horizon, with the arrival rate, and with replications in a batch.

Every point is measured in a fresh subprocess (:func:`benchmarks.common.in_subprocess`): wall time of the
engine's run (``simulate_records``), and peak memory as the growth of the process's peak resident set size
over the run (``VmHWM`` of ``/proc/self/status``, the number ``getrusage``'s ``ru_maxrss`` reports, read from
/proc because Linux carries ``ru_maxrss`` over fork and exec from the parent). Why the peak RSS in a
subprocess rather than ``tracemalloc``: tracemalloc slows every allocation (the engine allocates millions of
small objects), so time and memory could not come from the same run, and it misses memory allocated outside
Python's allocator (NumPy, pandas and Arrow buffers in ``run_batch``). The peak RSS is a high-water mark of
the whole process that cannot be reset, hence one process per measurement.

Series (the exponent is the least-squares slope of log(y) on log(x): 1 = linear):

* ``horizon[mmc]``: ``configs/textbook/mmc.yaml`` (stationary M/M/3, rho 0.8) for 1, 2, 4, 8 years;
* ``rate[mmc]``: the same for one year, arrival rate and staff x1, x2, x4 (utilisation stays 0.8, so the work
  per customer is constant and the exponent measures the engine alone);
* ``horizon[small_town]``: ``configs/small_town.yaml`` for 1, 2, 4, 8 years (one run per point: long);
* ``horizon[montreal_centre]``: ``configs/montreal_centre.yaml`` for 1, 2, 4, 8 years (one run per point;
  ``--scenario-repeats 3`` for medians of three, about 10 minutes);
* ``rate[small_town]``: one year, arrival rate x1, x2, x4 (capacity unchanged: congestion grows too);
* ``replications[small_town, event_log=off|on]``: ``run_batch`` of 1, 2, 4, 8 replications of one year,
  with and without the event log: the memory one more replication costs; and, as a diagnostic, event log off
  with ``gc.collect()`` before each replication: the difference is dead simulations (reference cycles of
  processes, generators and the environment) that the garbage collector has not reclaimed yet.

``--quick`` divides the horizons by 4 and uses one run per point. Checks: every run generated the Poisson
count of arrivals its rate implies; every batch holds its replications, and an event log exactly when asked.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from benchmarks.checks import CheckFailed, check_arrivals, loglog_exponent
from benchmarks.common import Record, in_subprocess, log, markdown_table, median, record, rotated

YEAR = 365.0


def _label(x: float, unit: str) -> str:
    return f"@{x:g}{unit}"


def series(name: str, specs: list[dict[str, Any]], xs: list[float], unit: str, repeats: int) -> list[Record]:
    """Measure every spec ``repeats`` times (interleaved), check arrivals, fit the exponents."""
    results: list[list[dict[str, Any]]] = [[] for _ in specs]
    for i in range(repeats):
        for k in rotated(range(len(specs)), i):
            measured = in_subprocess(specs[k])
            check_arrivals(f"{name}{_label(xs[k], unit)}", measured["arrivals"], measured["expected"])
            results[k].append(measured)
        log(f"  {name} repeat {i + 1}/{repeats}: " + ", ".join(
            f"{_label(x, unit)} {median([o['seconds'] for o in r]):.2f} s" for x, r in zip(xs, results, strict=True)))
    seconds = [median([o["seconds"] for o in r]) for r in results]
    cpu = [median([o["cpu_seconds"] for o in r]) for r in results]
    memory = [median([o["run_mb"] for o in r]) for r in results]
    out: list[Record] = []
    for x, s, m in zip(xs, seconds, memory, strict=True):
        out.append(record(name, f"seconds{_label(x, unit)}", s, "s"))
        out.append(record(name, f"peak_mb{_label(x, unit)}", m, "MiB over the pre-run peak RSS"))
    out.append(record(name, "time_exponent", loglog_exponent(xs, seconds), "log-log slope (1 = linear)"))
    out.append(record(name, "cpu_time_exponent", loglog_exponent(xs, cpu), "log-log slope (1 = linear)"))
    out.append(record(name, "memory_exponent", loglog_exponent(xs, memory), "log-log slope (1 = linear)"))
    if all("person_nights" in o for r in results for o in r):
        # a scenario whose population is still growing asks for more work per simulated day as the run goes
        # on: time against person-nights says whether the engine's cost per unit of work stays the same
        nights = [median([o["person_nights"] for o in r]) for r in results]
        for x, n in zip(xs, nights, strict=True):
            out.append(record(name, f"person_nights{_label(x, unit)}", n, "people homeless, summed over nights"))
        out.append(record(name, "person_nights_exponent", loglog_exponent(xs, nights),
                          "log-log slope of the work against the horizon (1 = a steady population)"))
        out.append(record(name, "time_per_work_exponent", loglog_exponent(nights, seconds),
                          "log-log slope of time against person-nights (1 = constant cost per unit of work)"))
    return out


#: (event log, gc.collect() before each replication): the variants of the memory series
VARIANTS = ((False, False), (True, False), (False, True))


def memory_per_replication(config: str, days: float, counts: list[int]) -> list[Record]:
    """Peak memory of ``run_batch`` for 1..N replications: event log off, on, and off with a full garbage
    collection before each replication (what the batch keeps, apart from dead simulations not yet collected)."""
    out: list[Record] = []
    peaks: dict[tuple[bool, bool], list[float]] = {variant: [] for variant in VARIANTS}
    for n in counts:
        for event_log, collect in VARIANTS:
            result = in_subprocess({"kind": "batch", "config": config, "days": days, "replications": n,
                                    "event_log": event_log, "collect": collect})
            if result["replications"] != n:
                raise CheckFailed(f"run_batch of {n} replications returned {result['replications']}")
            if event_log != (result["event_rows"] > 0):
                raise CheckFailed(f"run_batch event_log={event_log} returned {result['event_rows']} event rows")
            peaks[(event_log, collect)].append(result["run_mb"])
        log(f"  {n} replications: {peaks[(False, False)][-1]:.0f} MiB without the event log, "
            f"{peaks[(True, False)][-1]:.0f} MiB with it, {peaks[(False, True)][-1]:.0f} MiB without it and with "
            "gc.collect() before each replication")
    stem = config.removesuffix(".yaml")
    for event_log, collect in VARIANTS:
        gc_note = ", gc.collect() each" if collect else ""
        name = f"replications[{stem} {days:g}d, event_log={'on' if event_log else 'off'}{gc_note}]"
        values = peaks[(event_log, collect)]
        for n, mb in zip(counts, values, strict=True):
            out.append(record(name, f"peak_mb@{n}rep", mb, "MiB over the pre-run peak RSS"))
        slope = float(np.polyfit(counts, values, 1)[0])
        out.append(record(name, "mb_per_extra_replication", slope, "MiB (least-squares slope)"))
        out.append(record(name, "memory_exponent", loglog_exponent(counts, values),
                          "log-log slope (0 = flat, 1 = linear)"))
    return out


def run_series(quick: bool = False, scenario_repeats: int = 1) -> list[Record]:
    """Time and memory against the horizon and the arrival rate (see the module's docstring);
    ``scenario_repeats`` runs per point of the two scenario horizon series (medians)."""
    scale = 1 / 4 if quick else 1.0
    repeats = 1 if quick else 3
    years = [1.0, 2.0, 4.0, 8.0]
    factors = [1.0, 2.0, 4.0]
    out: list[Record] = []
    out += series("scaling.horizon[mmc]", [{"kind": "mmc", "days": y * YEAR * scale} for y in years],
                  [y * scale for y in years], "y", repeats)
    out += series("scaling.rate[mmc 1y]" if not quick else "scaling.rate[mmc 1/4y]",
                  [{"kind": "mmc", "days": YEAR * scale, "factor": f} for f in factors], factors, "x", repeats)
    out += series("scaling.horizon[small_town]",
                  [{"kind": "scenario", "config": "small_town.yaml", "days": y * YEAR * scale} for y in years],
                  [y * scale for y in years], "y", scenario_repeats)
    out += series("scaling.horizon[montreal_centre]",
                  [{"kind": "scenario", "config": "montreal_centre.yaml", "days": y * YEAR * scale} for y in years],
                  [y * scale for y in years], "y", scenario_repeats)
    out += series("scaling.rate[small_town 1y]" if not quick else "scaling.rate[small_town 1/4y]",
                  [{"kind": "scenario", "config": "small_town.yaml", "days": YEAR * scale, "factor": f}
                   for f in factors], factors, "x", repeats)
    return out


def run_memory(quick: bool = False) -> list[Record]:
    """Memory per replication of ``run_batch``, event log off and on: 1, 2, 4 replications of the default
    120 days (quick) or 1, 2, 4, 8 replications of one year."""
    if quick:
        return memory_per_replication("small_town.yaml", 120.0, [1, 2, 4])
    return memory_per_replication("small_town.yaml", YEAR, [1, 2, 4, 8])


def run(quick: bool = False, scenario_repeats: int = 1) -> list[Record]:
    """The suite's entry (see the module's docstring for the series)."""
    return run_series(quick, scenario_repeats) + run_memory(quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenario-repeats", type=int, default=1,
                        help="runs per point of the small_town and montreal_centre horizon series (median)")
    args = parser.parse_args()
    print(markdown_table(run(args.quick, args.scenario_repeats)))


if __name__ == "__main__":
    main()
