"""Running replications: one (:func:`simulate`) or a batch over regimes (:func:`run_batch`).

Replication ``i`` of every regime uses the same random streams (common random numbers), so the regimes are
compared on the same clients arriving at the same times. Replications run serially or in worker processes;
results are gathered by (regime, replication), so they are identical whatever the number of workers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.config import Scenario, load_config, with_regime
from simulator.engine.simulation import simulate_records
from simulator.metrics import metrics_from_arrays, summarise, tables_from_records

Progress = Callable[[int, int], None]


@dataclass
class Run:
    """One replication: every record table and the replication's metrics."""

    scenario: Scenario
    seed: int
    replication: int
    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame


@dataclass
class BatchResult:
    """Many replications of one scenario, under one or several regimes.

    Attributes
    ----------
    metrics
        Long table ``replication, regime, metric, dimension, value``.
    nights
        Nightly shelter capacity, occupancy, admissions and refusals per replication and regime.
    census
        Nightly point-in-time counts (sheltered, outdoors, elsewhere) per replication and regime.
    events
        The HMIS-shaped event log, when the scenario asks for it (``outputs.event_log``).
    """

    scenario: Scenario
    seed: int
    replications: int
    regimes: list[str]
    metrics: pd.DataFrame
    nights: pd.DataFrame
    census: pd.DataFrame
    events: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    precision: list[Any] = field(default_factory=list)
    """with precision targets: the last :class:`simulator.batch.precision.Assessment` of each target and
    regime (``replications`` is then the count it took)"""

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean, confidence interval and quantiles of every metric, per regime."""
        return summarise(self.metrics, level)


def resolve(config: Scenario | str | os.PathLike[str]) -> Scenario:
    """A scenario from a :class:`Scenario` or the path of a scenario file."""
    if isinstance(config, Scenario):
        return config
    return load_config(Path(config))


def simulate(config: Scenario | str | os.PathLike[str], seed: int | None = None, replication: int = 0,
             regime: str | None = None, engine: str = "simpy") -> Run:
    """Run one replication and return all its tables and metrics.

    Parameters
    ----------
    config
        A scenario or the path of a scenario file.
    seed
        Root seed; defaults to the scenario's ``seed``.
    replication
        Replication index: with the same seed, index ``i`` gives the same streams in every regime.
    regime
        Regime name overriding the scenario's ``regime``.
    engine
        ``simpy`` (the whole model) or ``fast`` (the compiled engine, :mod:`simulator.fast`: networks of
        clinics; :class:`simulator.fast.FastEngineError` lists what else a scenario uses).
    """
    scenario = resolve(config)
    if regime is not None:
        scenario = with_regime(scenario, regime)
    seed = scenario.seed if seed is None else seed
    if engine == "simpy":
        records = simulate_records(scenario, seed, replication)
    else:
        from simulator.fast.batch import records_function

        records = records_function(engine)(scenario, seed, replication)
    tables = tables_from_records(records)
    metrics = metrics_from_arrays(records, scenario.outputs.census_time)
    return Run(scenario, seed, replication, tables, metrics)


def run_batch(config: Scenario | str | os.PathLike[str], replications: int | None = None,
              seed: int | None = None, regimes: Sequence[str] | None = None, workers: int = 1,
              progress: Progress | None = None, executor: str | None = None,
              scheduler: str | None = None, precision: Sequence[Any] | None = None,
              max_replications: int | None = None, engine: str = "simpy") -> BatchResult:
    """Run ``replications`` replications of a scenario under each regime, in memory.

    Parameters
    ----------
    config
        A scenario or the path of a scenario file.
    replications
        Number of replications per regime; defaults to the scenario's ``replications``.
    seed
        Root seed; defaults to the scenario's ``seed``.
    regimes
        Regime names to run; defaults to the scenario's own ``regime``.
    workers
        Worker processes (1 runs in this process). The results do not depend on it.
    progress
        Called as ``progress(done, total)`` after each replication.
    executor, scheduler
        ``serial``, ``processes`` or ``dask`` (default: processes when ``workers`` > 1), and a Dask
        scheduler address.
    precision, max_replications
        Precision targets (:func:`simulator.batch.precision.parse_targets`): ``replications`` is then the
        first batch, and batches are added until every target is met under every regime, or until
        ``max_replications`` (default: 100 times the first batch, at most 100,000).
    engine
        ``simpy`` or ``fast`` (the compiled engine, on any executor; a scenario it does not support raises
        :class:`simulator.fast.FastEngineError` before anything runs).
    """
    from simulator.batch.executors import execute
    from simulator.batch.precision import assess, next_count
    from simulator.batch.tasks import Task

    scenario = resolve(config)
    replications = scenario.replications if replications is None else replications
    seed = scenario.seed if seed is None else seed
    names = list(regimes) if regimes else [scenario.regime]
    for name in names:
        with_regime(scenario, name)  # unknown names fail here, before anything runs
    if engine != "simpy":
        from simulator.fast.batch import check_regimes, records_function

        records_function(engine)  # an unknown engine fails here
        check_regimes(scenario, names)
    maximum = max(replications, max_replications or min(100 * replications, 100_000))
    results: dict[Any, dict[str, pd.DataFrame]] = {}
    tasks: list[Task] = []
    chosen = executor or ("processes" if workers > 1 else "serial")

    def stack(name: str) -> pd.DataFrame:
        frames = [results[task][name] for task in tasks if name in results[task]]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return frame.drop(columns=["point"], errors="ignore")

    done, target, assessments = 0, replications, []
    while True:
        batch = [Task(0, name, i, i + 1) for name in names for i in range(done, target)]
        tasks += batch
        total = len(tasks)

        def on_done(task: Any, frames: dict[str, pd.DataFrame], total: int = total) -> None:
            results[task] = frames
            if progress is not None:
                progress(len(results), total)

        execute([scenario], seed, batch, on_done, chosen, workers, scheduler, engine)
        done = target
        if not precision:
            break
        assessments = assess(stack("metrics"), precision, names)
        target = next_count(done, assessments, maximum)
        if target == done:
            break
    tasks.sort(key=lambda task: (names.index(task.regime), task.first))  # the same tables whatever the batches
    events = stack("events") if scenario.outputs.event_log else None
    return BatchResult(scenario, seed, done, names, stack("metrics"), stack("nights"), stack("census"),
                       events, precision=list(assessments))


def run_sweep(sweep: Any, out: str | os.PathLike[str], executor: str = "serial", workers: int = 1,
              scheduler: str | None = None, resume: bool = False, command: list[str] | None = None,
              progress: Progress | None = None, engine: str | None = None) -> Path:
    """Run every task of a sweep that the results folder ``out`` does not hold yet; return the folder.

    Parameters
    ----------
    sweep
        A :class:`simulator.batch.sweep.Sweep` (``load_sweep(path)``, or ``single_point(...)`` for one scenario).
    out
        The results folder. A folder holding another spec is refused; one holding part of this spec needs
        ``resume=True`` and then only the missing tasks run.
    executor, workers, scheduler
        ``serial``, ``processes`` (``workers`` processes) or ``dask`` (a ``LocalCluster`` of ``workers``
        workers, or the running scheduler at ``scheduler``). The tables do not depend on the choice.
    progress
        Called as ``progress(replications_done, replications_total)``.
    engine
        ``simpy`` or ``fast``, overriding the spec's ``engine`` (default: the spec's). With ``fast``, every
        point under every regime is checked first: :class:`simulator.fast.FastEngineError` lists each field
        the compiled engine does not cover, before anything is written. The manifest records the engine, and
        a folder written by the other engine is refused (:class:`simulator.io.store.ResultsError`).
    """
    from simulator.batch.executors import execute
    from simulator.batch.sweep import check_engine, with_engine
    from simulator.batch.tasks import make_tasks
    from simulator.io import store

    root = Path(out)
    sweep = with_engine(sweep, engine)
    check_engine(sweep)
    spec = sweep.spec
    if spec.precision is not None:
        return _run_precise_sweep(sweep, root, executor, workers, scheduler, resume, command or [], progress)
    tasks = make_tasks(len(sweep.points), sweep.regimes, spec.replications, spec.replications_per_task)
    done = store.prepare(root, sweep, tasks, command or [], resume)
    todo = [task for task in tasks if task.key not in done]
    total = sum(task.replications for task in tasks)
    finished = sum(task.replications for task in tasks if task.key in done)
    store.log(root, f"start: {len(todo)} of {len(tasks)} tasks to run, executor {executor}, workers {workers}")
    if progress is not None:
        progress(finished, total)

    def on_done(task: Any, frames: dict[str, pd.DataFrame]) -> None:
        nonlocal finished
        store.write_task(root, task, frames)
        finished += task.replications
        store.log(root, f"done {task.key}")
        if progress is not None:
            progress(finished, total)

    scenarios = [point.scenario for point in sweep.points]
    try:
        execute(scenarios, spec.seed, todo, on_done, executor, workers, scheduler, spec.engine)
    except KeyboardInterrupt:
        store.log(root, f"interrupted: {finished} of {total} replications written; rerun with --resume")
        raise
    store.log(root, "finished")
    return root


def _run_precise_sweep(sweep: Any, root: Path, executor: str, workers: int, scheduler: str | None, resume: bool,
                       command: list[str], progress: Progress | None) -> Path:
    """A sweep with precision targets: batches of replications per point until its targets are met.

    The decisions are replayed from the first batch on every (re)start, each from replications ``0 .. n - 1``
    only, so an interrupted sweep resumes to the same replications as one that never stopped.
    """
    from simulator.batch.executors import execute
    from simulator.batch.precision import assess, describe, next_count, parse_targets
    from simulator.batch.tasks import Task
    from simulator.io import store
    from simulator.io.results import write_json

    spec = sweep.spec
    targets = parse_targets(spec.precision.targets)
    step = spec.replications_per_task
    maximum = max(spec.precision.max_replications, spec.replications)
    first = step * -(-spec.replications // step)

    def blocks(point: int, start: int, stop: int) -> list[Task]:
        return [Task(point, regime, i, min(i + step, stop)) for regime in sweep.regimes
                for i in range(start, stop, step)]

    count = {point.index: min(first, maximum) for point in sweep.points}
    planned = [task for point in sweep.points for task in blocks(point.index, 0, count[point.index])]
    done = store.prepare(root, sweep, planned, command, resume)
    universe = [task for point in sweep.points for task in blocks(point.index, 0, maximum)]
    done = store.done_tasks(root, universe)
    manifest_path = root / "manifest.json"
    finished = sum(task.replications for task in planned if task.key in done)
    store.log(root, f"start (precision {', '.join(str(t) for t in targets)}, at most {maximum} replications): "
                    f"executor {executor}, workers {workers}")
    open_points = set(count)
    verdicts: dict[int, list[str]] = {}
    batch = planned
    while True:
        todo = [task for task in batch if task.key not in done]
        total = sum(task.replications for task in planned)
        if progress is not None:
            progress(finished, total)

        def on_done(task: Any, frames: dict[str, pd.DataFrame], total: int = total) -> None:
            nonlocal finished
            store.write_task(root, task, frames)
            done.add(task.key)
            finished += task.replications
            store.log(root, f"done {task.key}")
            if progress is not None:
                progress(finished, total)

        try:
            execute([point.scenario for point in sweep.points], spec.seed, todo, on_done, executor, workers,
                    scheduler, spec.engine)
        except KeyboardInterrupt:
            store.log(root, f"interrupted: {finished} replications written; rerun with --resume")
            raise
        batch = []
        for point in sorted(open_points):
            mine = [task for task in planned if task.point == point]
            metrics = pd.concat([pd.read_parquet(store.task_path(root, "metrics", task)) for task in mine],
                                ignore_index=True)
            assessments = assess(metrics.drop(columns=["point"], errors="ignore"), targets, sweep.regimes)
            verdicts[point] = describe(assessments)
            wanted = next_count(count[point], assessments, maximum, step)
            if wanted == count[point]:
                open_points.discard(point)
                continue
            batch += blocks(point, count[point], wanted)
            count[point] = wanted
        if not batch:
            break
        planned += batch
        planned.sort(key=lambda task: (task.point, sweep.regimes.index(task.regime), task.first))
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["tasks"] = [task.key for task in planned]  # open() then wants them all: --resume completes
        write_json(manifest, manifest_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tasks"] = [task.key for task in planned]
    manifest["replications"] = max(count.values())  # each point's own count is under "precision"
    manifest["precision"] = {"targets": [str(t) for t in targets], "max_replications": maximum,
                             "points": {str(point): {"replications": count[point], "verdicts": verdicts[point]}
                                        for point in sorted(count)}}
    write_json(manifest, manifest_path)
    store.log(root, "finished")
    return root
