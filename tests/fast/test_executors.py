"""The compiled engine runs through every executor of the project, with the same tables: in this process, in
forked worker processes (which start with the kernel loaded) and on a real Dask LocalCluster (whose workers
load it from numba's cache)."""

from __future__ import annotations

import pandas.testing as pdt
import pytest

from simulator import run_batch
from simulator.config import load_config

JACKSON = load_config("configs/textbook/jackson.yaml", {"horizon": "20 days", "warmup": "2 days"})


@pytest.mark.parametrize(("executor", "workers"), [("processes", 2), ("dask", 2)])
def test_every_executor_gives_the_serial_tables(executor: str, workers: int) -> None:
    serial = run_batch(JACKSON, 4, seed=3, engine="fast", executor="serial")
    other = run_batch(JACKSON, 4, seed=3, engine="fast", executor=executor, workers=workers)
    pdt.assert_frame_equal(serial.metrics, other.metrics)
    pdt.assert_frame_equal(serial.nights, other.nights)
