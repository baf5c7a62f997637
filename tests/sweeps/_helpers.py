"""Helpers of the sweep tests: tiny specs written on the fly, the CLI in a fresh process, table comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas.testing as pdt
import yaml

from simulator import results
from tests.cli import (  # noqa: F401  (re-exported for the sweep tests)
    PROBLEM,
    SUMMARY_LINE,
    Result,
    cli_env,
    command,
    run_cli,
)
from tests.cli import assert_clean_user_error as assert_user_error  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
SMALL_TOWN = CONFIGS / "small_town.yaml"
DATA = Path(__file__).resolve().parent / "data"
TABLES = ("metrics", "nights", "census")

#: short runs: a small town observed for 15 days after 5 days of warm-up (about 0.15 s per replication)
SHORT = {"horizon": "15 days", "warmup": "5 days"}


def tiny_spec(**changes: Any) -> dict[str, Any]:
    """A grid over the men's shelter capacity, organic vs integrated: 2 points x 2 regimes x 3 replications."""
    spec: dict[str, Any] = {
        "name": "tiny",
        "base": str(SMALL_TOWN),
        "overrides": dict(SHORT),
        "regimes": ["organic", "integrated"],
        "replications": 3,
        "replications_per_task": 2,
        "seed": 3,
        "design": {"sampler": "grid"},
        "parameters": [{"path": "services.men_shelter.capacity", "values": [20, 40]}],
    }
    spec.update(changes)
    return spec


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def assert_same_tables(left: Path, right: Path, tables: tuple[str, ...] = TABLES) -> None:
    """The tables of two results folders are equal, row for row and type for type."""
    a, b = results.open(left), results.open(right)
    for name in tables:
        frame = a.table(name)
        assert len(frame), f"{left}: table {name} is empty"
        pdt.assert_frame_equal(frame, b.table(name), obj=f"{name} of {left.name} vs {right.name}")
