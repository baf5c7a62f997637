"""Executors: run tasks in this process, in worker processes, or on a Dask cluster.

Each finished task is handed to ``on_done`` in the calling process (which writes it to disk), in whatever
order tasks finish; the tables do not depend on that order. On Ctrl-C no new task starts, pending ones are
cancelled, and everything already handed to ``on_done`` stays written.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

import pandas as pd

from simulator.batch.tasks import Task, run_task
from simulator.config import Scenario

logger = logging.getLogger(__name__)

EXECUTORS = ("serial", "processes", "dask")
OnDone = Callable[[Task, dict[str, pd.DataFrame]], None]


class ExecutorError(Exception):
    """The executor cannot run (e.g. Dask is not installed, the scheduler is unreachable)."""


def execute(scenarios: Sequence[Scenario], seed: int, tasks: Sequence[Task], on_done: OnDone,
            executor: str = "serial", workers: int = 1, scheduler: str | None = None,
            engine: str = "simpy") -> None:
    """Run ``tasks`` (each on ``scenarios[task.point]``, on ``engine``) and hand each result to ``on_done``.

    With the compiled engine, the kernel is loaded (or compiled) here first, and worker processes are forked
    from this one so that they start with it; Dask workers load it from numba's cache on disk.
    """
    if not tasks:
        return
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if engine != "simpy" and executor != "dask":
        from simulator.fast.batch import compile_kernel

        compile_kernel(scenarios[tasks[0].point])
    if executor == "serial" or (executor == "processes" and workers <= 1):
        for task in tasks:
            on_done(task, run_task(scenarios[task.point], seed, task, engine))
    elif executor == "processes":
        _processes(scenarios, seed, tasks, on_done, workers, engine)
    else:
        _dask(scenarios, seed, tasks, on_done, workers, scheduler, engine)


def _processes(scenarios: Sequence[Scenario], seed: int, tasks: Sequence[Task], on_done: OnDone,
               workers: int, engine: str) -> None:
    context = None
    if engine != "simpy" and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")  # the workers keep the compiled kernel
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context)
    pending: dict[Future[dict[str, pd.DataFrame]], Task] = {}
    queue = list(tasks)
    try:
        # keep a bounded number of tasks in flight, so Ctrl-C has little to cancel and memory stays flat
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                task = queue.pop(0)
                pending[pool.submit(run_task, scenarios[task.point], seed, task, engine)] = task
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                on_done(task, future.result())
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(scenarios: Sequence[Scenario], seed: int, tasks: Sequence[Task], on_done: OnDone, workers: int,
          scheduler: str | None, engine: str) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ExecutorError("the dask executor needs Dask: pip install 'simulator[dask]'") from None
    cluster: Any = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    futures: dict[Any, Task] = {}
    try:
        shared = client.scatter(list(scenarios), broadcast=True)
        for task in tasks:
            future = client.submit(run_task, shared[task.point], seed, task, engine, pure=False,
                                   key=f"simulator-{task.key}-{id(tasks)}")
            futures[future] = task
        for future in as_completed(list(futures)):
            task = futures.pop(future)
            on_done(task, future.result())
    finally:
        for future in futures:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
