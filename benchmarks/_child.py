"""One measurement in a fresh interpreter: ``python -m benchmarks._child '<json spec>'``.

Prints one JSON line: wall seconds of the measured step, the peak resident set size of the process
(``ru_maxrss``) before and after it, and the counts the parent checks. Kinds:

``mmc``       the engine on ``configs/textbook/mmc.yaml`` with ``days`` observed, arrival rate and staff both
              multiplied by ``factor`` (utilisation stays 0.8);
``scenario``  the engine on the scenario ``config`` with ``days`` observed and the arrival rate times ``factor``;
``batch``     ``run_batch`` of ``replications`` replications of ``config`` (serial, in this process), with or
              without the event log; with ``collect``, a full garbage collection before each replication (a
              diagnostic: it tells the memory a batch keeps from the dead replications not yet collected).
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import CONFIGS


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    On Linux, ``VmHWM`` of ``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` would do, but Linux carries it
    over fork and exec, so that a child of a large parent (the suite, after the Montreal year) reads the
    parent's peak. Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def scaled(scenario: Any, factor: float, staff: bool) -> Any:
    """The scenario with its arrival rate (and, with ``staff``, every clinic's staff) times ``factor``."""
    population = scenario.population
    inflow = population.inflow.model_copy(update={"rate": population.inflow.rate * factor})
    update: dict[str, Any] = {"population": population.model_copy(update={"inflow": inflow})}
    if staff:
        services = {name: spec.model_copy(update={"staff": round(spec.staff * factor)})
                    if getattr(spec, "kind", None) == "clinic" else spec
                    for name, spec in scenario.services.items()}
        update["services"] = services
    return scenario.model_copy(update=update)


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.checks import expected_arrivals
    from simulator import load_config

    kind = spec["kind"]
    seed = int(spec.get("seed", 1))
    factor = float(spec.get("factor", 1.0))
    out: dict[str, Any] = {}
    if kind in ("mmc", "scenario"):
        from simulator.engine.simulation import simulate_records

        path = CONFIGS / "textbook" / "mmc.yaml" if kind == "mmc" else CONFIGS / spec["config"]
        scenario = scaled(load_config(path, {"horizon": f"{spec['days']} days"}), factor, staff=kind == "mmc")
        gc.collect()
        before = peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        records = simulate_records(scenario, seed, 0)
        out["seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        tables = records.tables
        if kind == "mmc":
            out["arrivals"] = len(tables["visits"]["arrival"])
            out["expected"] = scenario.population.inflow.rate * scenario.end_time
        else:
            out["arrivals"] = sum(1 for source in tables["episodes"]["source"] if source == "inflow")
            out["expected"] = expected_arrivals(scenario)
            out["episodes"] = len(tables["episodes"]["source"])
            census = tables["census"]
            # person-nights: the people homeless each night, summed; the scenario's work grows with them
            out["person_nights"] = sum(census["sheltered"]) + sum(census["outdoors"]) + sum(census["other"])
        out["rows"] = sum(len(next(iter(columns.values()), [])) for columns in tables.values())
    elif kind == "batch":
        from simulator import run_batch

        if spec.get("collect"):
            from simulator.engine.simulation import Simulation

            run = Simulation.run

            def collecting(self: Simulation) -> Any:
                gc.collect()  # the simulations of earlier replications, dead but not collected yet
                return run(self)

            Simulation.run = collecting  # type: ignore[method-assign]
        scenario = load_config(CONFIGS / spec["config"], {"horizon": f"{spec['days']} days"})
        if spec.get("event_log"):
            scenario = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"event_log": True})})
        gc.collect()
        before = peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        batch = run_batch(scenario, replications=int(spec["replications"]), seed=seed, workers=1)
        out["seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        out["replications"] = int(batch.metrics["replication"].nunique())
        out["event_rows"] = 0 if batch.events is None else len(batch.events)
        out["event_log"] = bool(spec.get("event_log"))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    out["peak_mb"] = peak_mb()
    out["before_mb"] = before
    out["run_mb"] = out["peak_mb"] - before
    return out


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
