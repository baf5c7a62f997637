"""Run the benchmark suite: ``python -m benchmarks [--quick] [--json FILE] [--markdown FILE] [--only NAME]``.

Prints a markdown table of every figure on stdout (progress goes to stderr). Each benchmark checks its own
output; the exit status is 1 if a benchmark crashed or its check failed, 0 otherwise, whatever the speed.
A missing optional baseline (Ciw) or a missing ``benchmarks/sweep_scaling.py`` is skipped with a message.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks.checks import CheckFailed, check_records
from benchmarks.common import Record, describe_machine, log, machine, markdown_table


class Skipped(Exception):
    """The benchmark cannot run here (an optional piece is missing): not a failure."""


def _mmc(quick: bool) -> list[Record]:
    from benchmarks import mmc_vs_simpy

    return mmc_vs_simpy.run(quick)


def _fast(quick: bool) -> list[Record]:
    from benchmarks import fast_mmc

    return fast_mmc.run(quick)


def _fast_montreal(quick: bool) -> list[Record]:
    from benchmarks import fast_montreal

    return fast_montreal.run(quick)


def _montreal(quick: bool) -> list[Record]:
    from benchmarks import montreal_year

    return montreal_year.run(quick)


def _metrics(quick: bool) -> list[Record]:
    from benchmarks import metrics_speed

    return metrics_speed.run(quick)


def _batch(quick: bool) -> list[Record]:
    from benchmarks import batch

    return batch.run(quick)


def _sweep(quick: bool) -> list[Record]:
    try:
        module = importlib.import_module("benchmarks.sweep_scaling")
    except ModuleNotFoundError as error:
        if error.name == "benchmarks.sweep_scaling":
            raise Skipped("benchmarks/sweep_scaling.py is not there: the sweep benchmark (serial vs processes "
                          "vs Dask) is skipped") from None
        raise
    run = getattr(module, "run", None)
    if not callable(run):
        raise CheckFailed("benchmarks/sweep_scaling.py has no run(quick) function")
    return list(run(quick))


def _scaling(quick: bool) -> list[Record]:
    from benchmarks import scaling

    return scaling.run_series(quick)


def _memory(quick: bool) -> list[Record]:
    from benchmarks import scaling

    return scaling.run_memory(quick)


#: name, what it measures, runner (``quick`` -> records)
BENCHMARKS: list[tuple[str, str, Callable[[bool], list[Record]]]] = [
    ("mmc", "M/M/c queue: our engine vs a plain SimPy script vs Ciw (interleaved)", _mmc),
    ("fast", "M/M/c queue: the compiled engine vs the SimPy engine, and its compile times", _fast),
    ("fast_montreal", "montreal_centre replications/s and a sweep: the compiled engine vs the SimPy engine, one "
     "core and all cores", _fast_montreal),
    ("montreal", "one simulated year of configs/montreal_centre.yaml", _montreal),
    ("metrics", "the metrics of a replication: from arrays vs the DataFrame reference (small town, Montreal, "
     "compiled Jackson)", _metrics),
    ("batch", "run_batch: engine loop vs serial vs a process pool", _batch),
    ("sweep", "a sweep: serial vs processes vs Dask (benchmarks/sweep_scaling.py)", _sweep),
    ("scaling", "time and peak memory against horizon and arrival rate", _scaling),
    ("memory", "memory per replication with and without the event log", _memory),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short horizons, fewer repeats (a few minutes)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the records as a JSON list")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write the markdown report too")
    parser.add_argument("--only", action="append", choices=[name for name, _, _ in BENCHMARKS],
                        help="run only this benchmark (repeatable)")
    args = parser.parse_args(argv)

    info = machine()
    started = time.perf_counter()
    records: list[Record] = []
    status: list[str] = []
    failures: list[str] = []
    for name, what, runner in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        log(f"[{name}] {what}")
        start = time.perf_counter()
        try:
            found = check_records(runner(args.quick), name)
        except Skipped as skip:
            status.append(f"- **{name}**: skipped: {skip}")
            log(f"[{name}] skipped: {skip}")
            continue
        except CheckFailed as error:
            failures.append(f"{name}: output check failed: {error}")
            status.append(f"- **{name}**: OUTPUT CHECK FAILED: {error}")
            log(f"[{name}] OUTPUT CHECK FAILED: {error}")
            continue
        except Exception as error:
            failures.append(f"{name}: crashed: {type(error).__name__}: {error}")
            status.append(f"- **{name}**: CRASHED: {type(error).__name__}: {error}")
            log(f"[{name}] CRASHED:\n{traceback.format_exc()}")
            continue
        seconds = time.perf_counter() - start
        records += found
        status.append(f"- **{name}** ({what}): checks passed, {seconds:.0f} s")
        log(f"[{name}] checks passed, {seconds:.0f} s")
    total = time.perf_counter() - started
    try:
        load_end = "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load_end = "?"

    mode = "quick" if args.quick else "full"
    report = "\n".join([
        f"# Benchmarks ({mode}, `python -m benchmarks{' --quick' if args.quick else ''}`)",
        "",
        f"Machine: {describe_machine(info)}; load average {load_end} at the end.",
        f"Wall time of the suite: {total:.0f} s. Ratio = our throughput / the baseline's (above 1 = faster "
        "than the baseline), the median over interleaved repeats; – where there is no baseline.",
        "",
        markdown_table(records),
        "",
        *status,
        "",
    ])
    print(report)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(records, indent=1) + "\n")
    if failures:
        print("FAILED:\n" + "\n".join(f"  {f}" for f in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
