"""Writing a batch's results folder.

Layout::

    DIR/manifest.json        provenance: config hash, seed, replications, regimes, versions, command
    DIR/scenario.json        the fully resolved scenario (every default made explicit)
    DIR/metrics.parquet      per-replication metrics (replication, regime, metric, dimension, value)
    DIR/summary.parquet      mean, 95% interval and quantiles over replications
    DIR/nights.parquet       nightly shelter capacity, occupancy, admissions, refusals
    DIR/census.parquet       nightly point-in-time counts
    DIR/events.parquet       the HMIS-shaped event log (only when the scenario keeps it)

Each file is written to a temporary name in the same folder and renamed into place, so a reader never sees a
half-written file, and an interrupted run never corrupts a table already written.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
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


def write_batch(out: Path, batch: Any, command: list[str] | None = None) -> list[Path]:
    """Write a :class:`simulator.batch.BatchResult` to ``out``; return the files written."""
    out = Path(out)
    written = []
    tables = {"metrics": batch.metrics, "summary": batch.summary(), "nights": batch.nights,
              "census": batch.census}
    if batch.events is not None:
        tables["events"] = batch.events
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        write_parquet(frame, path)
        written.append(path)
    scenario_path = out / "scenario.json"
    atomic_write(scenario_path, lambda tmp: tmp.write_text(
        json.dumps(batch.scenario.model_dump(mode="json", by_alias=True), indent=2) + "\n", encoding="utf-8"))
    written.append(scenario_path)
    manifest = {
        "scenario": batch.scenario.name,
        "config_hash": config_hash(batch.scenario),
        "seed": batch.seed,
        "replications": batch.replications,
        "regimes": batch.regimes,
        "warmup_days": batch.scenario.warmup,
        "horizon_days": batch.scenario.horizon,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command or [],
        "tables": sorted(p.name for p in written),
    }
    write_json(manifest, out / "manifest.json")
    written.append(out / "manifest.json")
    return written
