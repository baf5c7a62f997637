"""Helpers of the sweep tests: tiny specs written on the fly, the CLI in a fresh process, table comparison."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas.testing as pdt
import yaml

from simulator import results

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
SMALL_TOWN = CONFIGS / "small_town.yaml"
DATA = Path(__file__).resolve().parent / "data"
TABLES = ("metrics", "nights", "census")

#: a located problem, as the CLI prints it: ``FILE:LINE:COL: field: message``
PROBLEM = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<field>[^\s:]+): (?P<message>.+)$")
SUMMARY_LINE = re.compile(r"^\d+ problems? found$")

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


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (f"$ simulator {' '.join(self.args)}\nexit {self.returncode}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")

    def problems(self) -> list[re.Match[str]]:
        return [m for m in map(PROBLEM.match, self.stderr.splitlines()) if m]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env["NO_COLOR"] = "1"
    env["PYTHONWARNINGS"] = "default"
    return env


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "simulator", *map(str, args)]


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Result:
    """``python -m simulator ARGS`` in a fresh process, as a user runs it."""
    done = subprocess.run(command(*args), cwd=cwd or ROOT, env=cli_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    return Result([str(a) for a in args], done.returncode, done.stdout, done.stderr)


def assert_user_error(result: Result) -> None:
    """Exit 2, a message on standard error, no traceback."""
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert result.stderr.strip(), result.describe()


def assert_same_tables(left: Path, right: Path, tables: tuple[str, ...] = TABLES) -> None:
    """The tables of two results folders are equal, row for row and type for type."""
    a, b = results.open(left), results.open(right)
    for name in tables:
        frame = a.table(name)
        assert len(frame), f"{left}: table {name} is empty"
        pdt.assert_frame_equal(frame, b.table(name), obj=f"{name} of {left.name} vs {right.name}")
