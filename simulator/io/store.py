"""The results folder of a run or a sweep: one layout for both, written task by task, atomically.

::

    DIR/manifest.json                      engine, spec hash, seed, regimes, replications, tasks, versions, command
    DIR/spec.json                          the sweep spec (a run is a one-point sweep)
    DIR/points.parquet                     one row per point: its index, parameter values, scenario hash
                                           (and, for a morris design, the columns MORRIS_COLUMNS of sweep.py)
    DIR/scenarios/point=00000.json         the resolved scenario of each point
    DIR/tables/metrics/point=.../regime=.../rNNNNN-MMMMM.parquet    per-replication metrics of one task
    DIR/tables/nights/...  DIR/tables/census/...  (DIR/tables/events/...)   the same partitioning
    DIR/checksums/point=.../regime=.../rNNNNN-MMMMM.json             size, SHA-256 and rows of the task's files
    DIR/sweep.log                          what ran, when, and what was interrupted

A task's files are each written to a temporary name and renamed; its metrics file is written last and marks
the task as done. ``--resume`` runs the tasks without a metrics file, so a run killed at any moment resumes
to exactly the tables of an uninterrupted run. A folder holding another spec is refused, and so is one written
by the other engine (the manifest's ``engine``; ``simpy`` when a folder predates the field).

Checksums. Every table file's size, SHA-256 and row count are recorded when it is written, in a small record
per task, ``DIR/checksums/point=.../regime=.../rNNNNN-MMMMM.json`` (``{"task": KEY, "tables": {NAME: {"path",
"bytes", "sha256", "rows"}}}``); the manifest says so (``"checksums": "per-task"``, layout 2). The record is
written atomically after the task's other tables and just before its metrics file, from the very bytes that
are then renamed into place, so:

* a task marked done (its metrics file exists) always has the record of exactly its files, whatever moment an
  earlier run was killed at: a kill before the metrics file leaves the task not done, and ``--resume``
  rewrites all its files and its record;
* each task has its own record file, so nothing is ever read, merged and rewritten: the manifest is written
  once, before any task runs, and never changes. Tasks run anywhere (this process, worker processes, Dask
  workers) but their tables come back to the driver process, the only writer, one task at a time (two
  commands writing to one folder at once are not supported, as before);
* repairing a folder is deleting a task's files (its tables and its record) and rerunning with ``--resume``.

Readers (:func:`simulator.results.open`) check each finished task's files against its record. Folders written
before the records existed (layout 1, no ``"checksums"`` in the manifest) still open, with the checks that
need no record only: no file is empty, each file's Parquet footer (its row count) can be read, and each
file's rows belong to its path.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.batch.sweep import Sweep
from simulator.batch.tasks import Task
from simulator.io.results import (
    OutputError,
    atomic_write,
    check_output_folder,
    config_hash,
    versions,
    write_bytes,
    write_json,
    write_parquet,
)

LAYOUT_VERSION = 2
DEFAULT_ENGINE = "simpy"  # the engine of a folder whose manifest names none (written before the field)
CHECKSUMS = "per-task"  # the manifest's "checksums": one record per task under DIR/checksums/
KEY = re.compile(r"^point=(?P<point>\d+)/regime=(?P<regime>[^/]+)/r(?P<first>\d+)-(?P<last>\d+)$")


class ResultsError(Exception):
    """A results folder is missing, incomplete, corrupt, or belongs to another spec."""


def task_path(root: Path, table: str, task: Task) -> Path:
    return root / "tables" / table / f"{task.key}.parquet"


def key_path(root: Path, table: str, key: str) -> Path:
    """The file of table ``table`` of the task with key ``key``."""
    return root / "tables" / table / f"{key}.parquet"


def checksum_path(root: Path, key: str) -> Path:
    """The record of sizes, SHA-256 and rows of the files of the task with key ``key``."""
    return root / "checksums" / f"{key}.json"


def task_of(key: str) -> Task:
    """The task a key names (``point=00000/regime=organic/r00000-00001``); ValueError if it names none."""
    match = KEY.match(key)
    if match is None:
        raise ValueError(f"not a task key: {key!r}")
    return Task(int(match["point"]), match["regime"], int(match["first"]), int(match["last"]) + 1)


def repair_hint(key: str) -> str:
    """How to repair a task's files: delete them all, then complete the folder with --resume."""
    return (f"delete this task's files (tables/*/{key}.parquet and checksums/{key}.json) and rerun the same "
            "command with --resume")


def prepare(root: Path, sweep: Sweep, tasks: list[Task], command: list[str], resume: bool) -> set[str]:
    """Create or check the folder; return the keys of the tasks already done."""
    root = Path(root)
    try:
        check_output_folder(root, "results folder", results=True, resume=resume)
    except OutputError as exc:
        raise ResultsError(str(exc)) from None
    spec_hash = sweep.spec_hash()
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{manifest_path}: unreadable manifest ({exc})") from None
        written = manifest_engine(manifest)
        if written != sweep.spec.engine:
            raise ResultsError(
                f"{manifest_path}: this folder holds results of the {written} engine and this command runs the "
                f"{sweep.spec.engine} engine; a folder never mixes engines: rerun with --engine {written}, or "
                "write to another folder")
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
        "checksums": CHECKSUMS,
        "name": sweep.spec.name,
        "engine": sweep.spec.engine,
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


def manifest_engine(manifest: dict[str, Any]) -> str:
    """The engine that wrote a folder: its manifest's ``engine``, ``simpy`` for folders written before the
    field existed."""
    return str(manifest.get("engine", DEFAULT_ENGINE))


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def done_tasks(root: Path, tasks: list[Task]) -> set[str]:
    return {task.key for task in tasks if task_path(root, "metrics", task).exists()}


def write_task(root: Path, task: Task, frames: dict[str, pd.DataFrame]) -> None:
    """Write one task's tables, then the record of their sizes, SHA-256 and rows, then the metrics file last,
    as the mark that the task is complete (see the module's docstring)."""
    encoded: dict[str, bytes] = {}
    for name, frame in frames.items():
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        encoded[name] = buffer.getvalue()
    record = {"task": task.key, "tables": {
        name: {"path": task_path(root, name, task).relative_to(root).as_posix(), "bytes": len(data),
               "sha256": hashlib.sha256(data).hexdigest(), "rows": len(frames[name])}
        for name, data in encoded.items()}}
    for name, data in encoded.items():
        if name != "metrics":
            write_bytes(data, task_path(root, name, task))
    write_json(record, checksum_path(root, task.key))
    write_bytes(encoded["metrics"], task_path(root, "metrics", task))


def log(root: Path, message: str) -> None:
    """Append a line to the folder's log (appends of one short line are atomic on POSIX)."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with open(Path(root) / "sweep.log", "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {message}\n")
