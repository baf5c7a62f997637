"""Fixtures of the sweep tests: the tiny spec and its serial results folder, the reference of every comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.batch import load_sweep, run_sweep
from tests.sweeps._helpers import tiny_spec, write_spec


@pytest.fixture(scope="session")
def sweep_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sweeps")


@pytest.fixture(scope="session")
def tiny_path(sweep_root: Path) -> Path:
    return write_spec(sweep_root / "specs" / "tiny.yaml", tiny_spec())


@pytest.fixture(scope="session")
def tiny_serial(sweep_root: Path, tiny_path: Path) -> Path:
    """The tiny spec run serially in this process: 2 points x 2 regimes x 3 replications, 8 tasks."""
    return run_sweep(load_sweep(tiny_path), sweep_root / "tiny_serial", executor="serial")
