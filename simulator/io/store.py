"""The results folder of a run or a sweep: one layout for both, written task by task, atomically.

::

    DIR/manifest.json                      spec hash, seed, regimes, replications, tasks, versions, command
    DIR/spec.json                          the sweep spec (a run is a one-point sweep)
    DIR/points.parquet                     one row per point: its index, parameter values, scenario hash
                                           (and, for a morris design, the columns MORRIS_COLUMNS of sweep.py)
    DIR/scenarios/point=00000.json         the resolved scenario of each point
    DIR/tables/metrics/point=.../regime=.../rNNNNN-MMMMM.parquet    per-replication metrics of one task
    DIR/tables/nights/...  DIR/tables/census/...  (DIR/tables/events/...)   the same partitioning
    DIR/sweep.log                          what ran, when, and what was interrupted

A task's files are each written to a temporary name and renamed; its metrics file is written last and marks
the task as done. ``--resume`` runs the tasks without a metrics file, so a run killed at any moment resumes
to exactly the tables of an uninterrupted run. A folder holding another spec is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.batch.sweep import Sweep
from simulator.batch.tasks import Task
from simulator.io.results import atomic_write, config_hash, versions, write_json, write_parquet

LAYOUT_VERSION = 1


class ResultsError(Exception):
    """A results folder is missing, incomplete, corrupt, or belongs to another spec."""


def task_path(root: Path, table: str, task: Task) -> Path:
    return root / "tables" / table / f"{task.key}.parquet"


def prepare(root: Path, sweep: Sweep, tasks: list[Task], command: list[str], resume: bool) -> set[str]:
    """Create or check the folder; return the keys of the tasks already done."""
    root = Path(root)
    spec_hash = sweep.spec_hash()
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{manifest_path}: unreadable manifest ({exc})") from None
        if manifest.get("spec_hash") != spec_hash:
            raise ResultsError(
                f"{root} holds results of another spec ({manifest.get('name')!r}, spec hash "
                f"{str(manifest.get('spec_hash'))[:12]}); write to another folder or delete it")
        done = done_tasks(root, tasks)
        if done and not resume:
            raise ResultsError(f"{root} already holds {len(done)} of {len(tasks)} tasks of this spec; "
                               "add --resume to complete it, or write to another folder")
        return done
    if root.exists() and any(root.iterdir()) and not resume:
        raise ResultsError(f"{root} exists and is not a results folder of this spec; choose an empty folder")
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for point in sweep.points:
        row: dict[str, Any] = {"point": point.index, "config_hash": config_hash(point.scenario)}
        row.update({name: str(value) for name, value in point.values.items()})
        row.update(point.design)  # a morris design's trajectory, step, moved parameter and move, as they are
        rows.append(row)
        _write_text(root / "scenarios" / f"point={point.index:05d}.json",
                    point.scenario.model_dump_json(by_alias=True, indent=2) + "\n")
    write_parquet(pd.DataFrame(rows), root / "points.parquet")
    write_json(sweep.spec.model_dump(mode="json"), root / "spec.json")
    manifest = {
        "layout": LAYOUT_VERSION,
        "name": sweep.spec.name,
        "spec_hash": spec_hash,
        "base_config_hash": config_hash(sweep.base),
        "seed": sweep.spec.seed,
        "replications": sweep.spec.replications,
        "replications_per_task": sweep.spec.replications_per_task,
        "regimes": sweep.regimes,
        "points": len(sweep.points),
        "parameters": [p.path for p in sweep.spec.parameters],
        "salib_problem": sweep.salib_problem(),
        "tasks": [task.key for task in tasks],
        "event_log": sweep.base.outputs.event_log,
        "warmup_days": sweep.base.warmup,
        "horizon_days": sweep.base.horizon,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
    }
    write_json(manifest, manifest_path)  # last: a folder with a manifest has its points and scenarios
    return set()


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def done_tasks(root: Path, tasks: list[Task]) -> set[str]:
    return {task.key for task in tasks if task_path(root, "metrics", task).exists()}


def write_task(root: Path, task: Task, frames: dict[str, pd.DataFrame]) -> None:
    """Write one task's tables; the metrics file last, as the mark that the task is complete."""
    for name, frame in frames.items():
        if name != "metrics":
            write_parquet(frame, task_path(root, name, task))
    write_parquet(frames["metrics"], task_path(root, "metrics", task))


def log(root: Path, message: str) -> None:
    """Append a line to the folder's log (appends of one short line are atomic on POSIX)."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with open(Path(root) / "sweep.log", "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {message}\n")
