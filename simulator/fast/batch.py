"""Batches on the compiled engine: the engine switch of :func:`simulator.simulate` and :func:`simulator.run_batch`.

:func:`records_function` picks the engine that turns (scenario, seed, replication) into records;
:func:`execute` runs the tasks of a batch on the compiled engine, with the contract of
:func:`simulator.batch.executors.execute` (each task's frames, as :func:`simulator.batch.tasks.run_task` makes
them, handed to ``on_done``; the same tables whatever the executor and the number of workers).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

import pandas as pd

from simulator.batch.tasks import KEPT_TABLES, Task
from simulator.config import Scenario, with_regime
from simulator.engine.records import RunRecords
from simulator.fast.engine import simulate_records
from simulator.fast.support import FastEngineError, check_supported
from simulator.metrics.arrays import metrics_from_arrays
from simulator.metrics.compute import tables_from_records

logger = logging.getLogger("simulator.fast")

ENGINES = ("simpy", "fast")
"""The engines: ``simpy`` (:mod:`simulator.engine`, the whole model) and ``fast`` (:mod:`simulator.fast`)."""

OnDone = Callable[[Task, dict[str, pd.DataFrame]], None]
RecordsFunction = Callable[[Scenario, int, int], RunRecords]


def records_function(engine: str) -> RecordsFunction:
    """The function ``(scenario, seed, replication) -> RunRecords`` of ``engine`` (ValueError if unknown)."""
    if engine == "simpy":
        from simulator.engine.simulation import simulate_records as simpy_records

        return simpy_records
    if engine == "fast":
        return simulate_records
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def check_regimes(scenario: Scenario, regimes: Sequence[str]) -> None:
    """Raise :class:`FastEngineError` before anything runs if the scenario under one of ``regimes`` is not
    supported (every problem of every regime, once each)."""
    problems: list[str] = []
    for name in regimes:
        try:
            check_supported(with_regime(scenario, name))
        except FastEngineError as error:
            problems += [problem for problem in error.problems if problem not in problems]
    if problems:
        raise FastEngineError(scenario.name, problems)


def compile_kernel(scenario: Scenario) -> None:
    """Load (or compile) the kernel in this process with a run of ``scenario`` too short to matter, so that
    worker processes forked afterwards start with it."""
    tiny = scenario.model_copy(update={"horizon": 1e-9, "warmup": 0.0})
    simulate_records(tiny, scenario.seed, 0)


def run_task(scenario: Scenario, seed: int, task: Task) -> dict[str, pd.DataFrame]:
    """The frames of :func:`simulator.batch.tasks.run_task` for ``task``, from the compiled engine."""
    variant = with_regime(scenario, task.regime)
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in KEPT_TABLES if name != "events"}
    for replication in range(task.first, task.last):
        records = simulate_records(variant, seed, replication)
        out["metrics"].append(metrics_from_arrays(records, variant.outputs.census_time))
        tables = tables_from_records(records, ("nights", "census"))
        for name in ("nights", "census"):
            frame = tables[name]
            frame.insert(0, "replication", replication)
            frame.insert(1, "regime", task.regime)
            out[name].append(frame)
    frames = {}
    for name, parts in out.items():
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(0, "point", task.point)
        frames[name] = frame
    return frames


def execute(scenarios: Sequence[Scenario], seed: int, tasks: Sequence[Task], on_done: OnDone,
            executor: str = "serial", workers: int = 1, scheduler: str | None = None) -> None:
    """Run ``tasks`` on the compiled engine, in this process (``serial``) or in ``workers`` processes."""
    from simulator.batch.executors import ExecutorError

    if not tasks:
        return
    if executor not in ("serial", "processes"):
        raise ExecutorError(f"the fast engine runs with the serial or processes executor, not {executor!r}")
    compile_kernel(scenarios[tasks[0].point])
    if executor == "serial" or workers <= 1:
        for task in tasks:
            on_done(task, run_task(scenarios[task.point], seed, task))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)  # workers keep the kernel
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context)
    pending: dict[Future[dict[str, pd.DataFrame]], Task] = {}
    queue = list(tasks)
    try:
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                task = queue.pop(0)
                pending[pool.submit(run_task, scenarios[task.point], seed, task)] = task
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                on_done(task, future.result())
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
