"""Shared pieces of the suite: records, interleaving, the machine's description, the markdown table, and
measurements in a fresh subprocess (time and peak memory of one run)."""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
T = TypeVar("T")

Record = dict[str, Any]


def record(benchmark: str, metric: str, value: float, unit: str, baseline: str | None = None,
           ratio: float | None = None) -> Record:
    """One line of the results: ``ratio`` is our throughput over the baseline's (above 1 = faster)."""
    return {"benchmark": benchmark, "metric": metric, "value": float(value), "unit": unit,
            "baseline": baseline, "ratio": None if ratio is None else float(ratio)}


def rotated(items: Sequence[T], repeat: int) -> list[T]:
    """``items`` starting at position ``repeat``: interleaved repeats change who runs first, so that warm
    caches, frequency steps and neighbours' load do not always favour the same side."""
    k = repeat % len(items)
    return list(items[k:]) + list(items[:k])


def timed(function: Callable[[], T]) -> tuple[float, float, T]:
    """Wall time and CPU time of ``function()`` (garbage of earlier runs collected first, outside the timing).

    CPU time (``time.process_time``: every thread of this process) is reported beside wall time because the
    machines are shared: when neighbours load the cores, wall time counts the time slices lost to them and CPU
    time does not, so CPU-time ratios between single-threaded implementations stay steadier."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - start, time.process_time() - cpu, result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout holds the table alone."""
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------- the machine
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 0
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = []
    versions = {}
    for name in ("simpy", "ciw", "dask", "numpy", "pandas"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
        commit = commit + ("+dirty" if dirty else "") if commit else "unknown"
    except OSError:
        commit = "unknown"
    return {"nproc": cores, "cpu": cpu_model(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "os": platform.platform(terse=True),
            "load_avg_1_5_15": load, "versions": versions, "commit": commit}


def describe_machine(info: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    load = "/".join(str(x) for x in info["load_avg_1_5_15"])
    return (f"{info['nproc']} cores ({info['cpu']}), {info['implementation']} {info['python']}, "
            f"{info['os']}; load average {load} (1/5/15 min) at the start; {versions}; commit {info['commit']}")


# ------------------------------------------------------------------------------------------- the table
def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.0f}"
        if magnitude >= 10:
            return f"{value:.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def markdown_table(records: Sequence[Record]) -> str:
    lines = ["| benchmark | metric | value | unit | baseline | ratio |", "|---|---|---:|---|---|---:|"]
    for r in records:
        lines.append(f"| {r['benchmark']} | {r['metric']} | {fmt(r['value'])} | {r['unit']} | "
                     f"{fmt(r['baseline'])} | {fmt(r['ratio'])} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- subprocesses
def in_subprocess(spec: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
    """Run one measurement (see :mod:`benchmarks._child`) in a fresh interpreter and return its result.

    A fresh process per measurement because the peak resident set size is a high-water mark of the whole
    process that cannot be reset, and memory freed by one run is not handed back to the system before the
    next: in one process, every measurement after the largest would read the largest.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-m", "benchmarks._child", json.dumps(spec)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measurement {spec} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
