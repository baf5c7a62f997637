"""Batches on the compiled engine: the engine switch of :func:`simulator.simulate` and :func:`simulator.run_batch`.

:func:`records_function` picks the engine that turns (scenario, seed, replication) into records; the tasks of a
batch run through :func:`simulator.batch.executors.execute` with ``engine="fast"``, which loads the kernel
first (:func:`compile_kernel`) so that forked workers start with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from simulator.config import Scenario, with_regime
from simulator.engine.records import RunRecords
from simulator.fast.engine import simulate_records
from simulator.fast.support import FastEngineError, check_supported

logger = logging.getLogger("simulator.fast")

ENGINES = ("simpy", "fast")
"""The engines: ``simpy`` (:mod:`simulator.engine`, the whole model) and ``fast`` (:mod:`simulator.fast`)."""

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
