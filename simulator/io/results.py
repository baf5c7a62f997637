"""Provenance and atomic writing: the hash of a scenario, package versions, files written atomically.

The layout of results folders is in :mod:`simulator.io.store`. Each file is written to a temporary name in
the same folder and renamed into place, so a reader never sees a half-written file, and an interrupted run
never corrupts a table already written.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.config import Scenario

PACKAGES = ("simulator", "simpy", "numpy", "pandas", "pyarrow", "pydantic", "scipy")


def scenario_json(scenario: Scenario) -> str:
    """The scenario as canonical JSON (sorted keys), the basis of its hash."""
    return json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))


def config_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario: equal hashes mean equal models."""
    return hashlib.sha256(scenario_json(scenario).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared like any file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data: Any, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n",
                                                  encoding="utf-8"))
