"""The executors give the same tables: serial, worker processes, a Dask LocalCluster, a running scheduler.

A task depends on nothing but its scenario, the seed and its replication numbers, and the results folder is read
back sorted by point, regime and replication, so the order in which tasks finish cannot show in the tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas.testing as pdt
import pytest

from simulator import load_config
from simulator.batch import load_sweep, run_batch, run_sweep
from tests.sweeps._helpers import SHORT, SMALL_TOWN, TABLES, assert_same_tables

distributed = pytest.importorskip("distributed")


def test_processes_give_the_serial_tables(sweep_root: Path, tiny_path: Path, tiny_serial: Path) -> None:
    out = run_sweep(load_sweep(tiny_path), sweep_root / "tiny_processes", executor="processes", workers=2)
    assert_same_tables(tiny_serial, out)


def test_dask_local_cluster_gives_the_serial_tables(sweep_root: Path, tiny_path: Path, tiny_serial: Path) -> None:
    out = run_sweep(load_sweep(tiny_path), sweep_root / "tiny_dask", executor="dask", workers=2)
    assert_same_tables(tiny_serial, out)


def test_dask_scheduler_address_gives_the_serial_tables(sweep_root: Path, tiny_path: Path,
                                                        tiny_serial: Path) -> None:
    sweep = load_sweep(tiny_path)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster.scheduler_address) as watcher, distributed.get_task_stream(watcher) as stream:
        out = run_sweep(sweep, sweep_root / "tiny_scheduler", executor="dask", scheduler=cluster.scheduler_address)
        workers = set(watcher.scheduler_info()["workers"])
    # every task ran on the cluster's workers (the scheduler saw it), none in this process
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ran = sorted(record["key"] for record in stream.data)
    assert len(ran) == len(manifest["tasks"]) == 8, ran
    assert all(any(task in key for key in ran) for task in manifest["tasks"]), ran
    assert {record["worker"] for record in stream.data} <= workers
    assert_same_tables(tiny_serial, out)
    log = (out / "sweep.log").read_text(encoding="utf-8")
    assert "executor dask" in log, log
    assert log.rstrip().endswith("finished"), log


def test_run_batch_one_or_two_workers_same_tables() -> None:
    scenario = load_config(SMALL_TOWN, SHORT)
    one = run_batch(scenario, 3, seed=4, regimes=["organic", "integrated"], workers=1)
    two = run_batch(scenario, 3, seed=4, regimes=["organic", "integrated"], workers=2)
    for name in TABLES:
        frame = getattr(one, name)
        assert len(frame)
        assert set(frame["regime"]) == {"organic", "integrated"}
        pdt.assert_frame_equal(frame, getattr(two, name), obj=name)
