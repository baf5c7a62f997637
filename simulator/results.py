"""Reading a results folder written by ``simulator run --out`` or ``simulator sweep``.

    from simulator import results
    res = results.open("results/winter_beds")
    res.metrics                 # per-replication metrics: point, replication, regime, metric, dimension, value
    res.summary()               # per point and regime: mean, 95% interval, quantiles
    res.paired("organic")       # each regime minus the baseline, replication by replication, with intervals
    res.salib_problem()         # names and bounds for SALib (Sobol, Morris)
    res.engine                  # the engine that wrote it: simpy or fast
    res.morris("unmet_need_days_per_client", pair=("organic", "integrated"))   # a morris sweep's screening

Every problem with a folder (missing, incomplete, truncated files) raises :class:`ResultsError` naming what
is wrong and how to complete it.

Verification. Opening a folder checks that every table file of every finished task is there and not empty,
and that each task has the record of its files (see :mod:`simulator.io.store`). Each table's files are then
checked against their records (size, Parquet row count, SHA-256) when the table is first read, so a file
changed, truncated or copied in from elsewhere is refused, and :meth:`Results.verify` checks every table at
once (``simulator summarize`` and ``simulator report`` do). ``open(root, verify=False)`` skips the records, for
huge folders; empty files are refused either way, and either way a table file whose rows' ``point``,
``regime`` or ``replication`` do not match its path is refused when its table is read. Folders written before
the records existed (layout 1) open with the checks that need no record (no empty file, a readable Parquet
footer and its row count, contents against paths), and a warning says so.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.batch.sweep import MORRIS_COLUMNS
from simulator.batch.tasks import Task
from simulator.io.results import sha256_file
from simulator.io.store import ResultsError, checksum_path, key_path, manifest_engine, repair_hint, task_of
from simulator.metrics.summary import MIN_REPLICATIONS, summarise

__all__ = ["Results", "ResultsError", "open"]

logger = logging.getLogger(__name__)

TABLES = ("metrics", "nights", "census", "events")


@dataclass
class Results:
    """An opened results folder.

    ``points`` has one row per point: ``point``, ``config_hash`` and one column per parameter path. ``design``
    has, for a morris sweep, the columns that place each point in its trajectory (``point`` and
    :data:`~simulator.batch.sweep.MORRIS_COLUMNS`); for other designs only ``point``.
    """

    root: Path
    manifest: dict[str, Any]
    points: pd.DataFrame
    design: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"point": []}))
    #: whether each table's files are checked against their records when the table is first read
    checked: bool = False
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _verified: set[str] = field(default_factory=set, repr=False)

    @property
    def table_names(self) -> list[str]:
        """The tables every finished task has."""
        return ["metrics", "nights", "census"] + (["events"] if self.manifest.get("event_log") else [])

    def verify(self) -> None:
        """Check every table file against the size, row count and SHA-256 recorded when it was written."""
        for name in self.table_names:
            self._verify_table(name)

    def _verify_table(self, name: str) -> None:
        if name not in self._verified:
            _verify_files(self.root, self.manifest, name)
            self._verified.add(name)

    def table(self, name: str) -> pd.DataFrame:
        """One table over every task, sorted by point, regime and replication."""
        if name not in self._cache:
            if self.checked:
                self._verify_table(name)
            frames = []
            for key in self.manifest["tasks"]:
                path = key_path(self.root, name, key)
                if not path.exists():
                    continue  # open() checked that every finished task has its tables
                try:
                    frame = pd.read_parquet(path)
                except Exception as exc:  # pyarrow raises several types for damaged files
                    raise ResultsError(f"{path}: cannot be read ({type(exc).__name__}: {exc}); "
                                       f"{repair_hint(key)}") from None
                _check_belongs(frame, path, key)
                frames.append(frame)
            if not frames:
                self._cache[name] = pd.DataFrame()
            else:
                frame = pd.concat(frames, ignore_index=True)
                keys = [k for k in ("point", "regime", "replication") if k in frame.columns]
                order = {regime: i for i, regime in enumerate(self.regimes)}
                frame = frame.sort_values(keys, key=lambda col: col.map(order) if col.name == "regime" else col,
                                          kind="stable").reset_index(drop=True)
                self._cache[name] = frame
        return self._cache[name]

    @property
    def regimes(self) -> list[str]:
        return list(self.manifest["regimes"])

    @property
    def engine(self) -> str:
        """The engine that wrote the folder (``simpy`` or ``fast``; ``simpy`` for a folder that predates the
        manifest's ``engine``)."""
        return manifest_engine(self.manifest)

    @property
    def metrics(self) -> pd.DataFrame:
        return self.table("metrics")

    @property
    def nights(self) -> pd.DataFrame:
        return self.table("nights")

    @property
    def census(self) -> pd.DataFrame:
        return self.table("census")

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean, t-interval and quantiles over replications, per point, regime, metric and dimension."""
        out = []
        for point, part in self.metrics.groupby("point", sort=True):
            table = summarise(part, level)
            table.insert(0, "point", point)
            out.append(table)
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def paired(self, baseline: str | None = None, level: float = 0.95) -> pd.DataFrame:
        """Each regime minus ``baseline``, paired by replication (common random numbers).

        Columns: point, regime, metric, dimension, n, mean_difference, ci_low, ci_high (paired t-interval),
        unpaired_ci_low / unpaired_ci_high (Welch interval ignoring the pairing), to show what the common
        random numbers buy, and few (either regime's figure rests on few data, or fewer than two pairs:
        ``docs/model.md`` section 10).
        """
        from scipy import stats

        baseline = baseline or self.regimes[0]
        if baseline not in self.regimes:
            raise ResultsError(f"regime {baseline!r} is not in these results ({', '.join(self.regimes)})")
        metrics = self.metrics
        keys = ["point", "metric", "dimension", "replication"]
        base = metrics[metrics["regime"] == baseline].set_index(keys)["value"]
        rows = []
        for regime in self.regimes:
            if regime == baseline:
                continue
            other = metrics[metrics["regime"] == regime].set_index(keys)["value"]
            joined = pd.concat({"base": base, "other": other}, axis=1, join="inner").dropna()
            for (point, metric, dimension), part in joined.groupby(level=[0, 1, 2], sort=True):
                diff = (part["other"] - part["base"]).to_numpy(dtype=float)
                n = len(diff)
                mean = float(diff.mean())
                row = {"point": point, "regime": regime, "baseline": baseline, "metric": metric,
                       "dimension": dimension, "n": n, "mean_difference": mean}
                if n > 1:
                    t = stats.t.ppf(0.5 + level / 2, n - 1)
                    half = t * diff.std(ddof=1) / np.sqrt(n)
                    a, b = part["other"].to_numpy(dtype=float), part["base"].to_numpy(dtype=float)
                    va, vb = a.var(ddof=1) / n, b.var(ddof=1) / n
                    se = np.sqrt(va + vb)
                    dof = (va + vb) ** 2 / ((va**2 + vb**2) / (n - 1)) if va + vb > 0 else n - 1
                    unpaired = stats.t.ppf(0.5 + level / 2, max(dof, 1)) * se
                    row.update(ci_low=mean - half, ci_high=mean + half, unpaired_ci_low=mean - unpaired,
                               unpaired_ci_high=mean + unpaired)
                rows.append(row)
        out = pd.DataFrame(rows)
        if out.empty:
            return out
        # a difference rests on few data when either side does, or on fewer than MIN_REPLICATIONS pairs
        flags = self.summary(level).set_index(["point", "regime", "metric", "dimension"])["few"]
        keys = ["point", "metric", "dimension"]
        few = np.asarray(out["n"].to_numpy() < MIN_REPLICATIONS)
        for side in ("regime", "baseline"):
            found = flags.reindex(pd.MultiIndex.from_frame(out[["point", side, *keys[1:]]]))
            few |= found.isna().to_numpy() | (found.to_numpy() == True)  # noqa: E712 (an object array)
        out["few"] = few
        return out

    def salib_problem(self) -> dict[str, Any]:
        problem: dict[str, Any] = self.manifest["salib_problem"]
        return problem

    def morris(self, metric: str, dimension: str = "all", *, regime: str | None = None,
               pair: tuple[str, str] | None = None, level: float = 0.95, resamples: int = 1000,
               seed: int = 0) -> pd.DataFrame:
        """Morris screening of a morris sweep: mu, mu_star, sigma per parameter for one output.

        The output is ``metric`` (``dimension``) under ``regime`` (default: the first), or the paired difference
        ``pair[1] - pair[0]``; see :func:`simulator.analysis.sensitivity.morris`.
        """
        from simulator.analysis.sensitivity import morris

        return morris(self, metric, dimension, regime=regime, pair=pair, level=level, resamples=resamples,
                      seed=seed)


def open(root: str | Path, verify: bool = True) -> Results:  # the natural name: results.open(DIR)
    """Open a results folder; raise :class:`ResultsError` if it is missing, incomplete or damaged.

    With ``verify`` (the default) every table file is checked against the size, SHA-256 and row count recorded
    when it was written; without it only that no file is empty (see the module's docstring).
    """
    root = Path(root)
    manifest_path = root / "manifest.json"
    if not root.is_dir():
        raise ResultsError(f"{root}: no such results folder")
    if not manifest_path.exists():
        raise ResultsError(f"{root}: not a results folder (manifest.json is missing)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{manifest_path}: unreadable ({exc})") from None
    for key in ("tasks", "regimes", "spec_hash"):
        if key not in manifest:
            raise ResultsError(f"{manifest_path}: field {key!r} is missing")
    points_path = root / "points.parquet"
    if not points_path.exists():
        raise ResultsError(f"{root}: points.parquet is missing")
    try:
        points = pd.read_parquet(points_path)
    except Exception as exc:
        raise ResultsError(f"{points_path}: cannot be read ({type(exc).__name__})") from None
    missing = [key for key in manifest["tasks"] if not (root / "tables" / "metrics" / f"{key}.parquet").exists()]
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise ResultsError(f"{root}: incomplete, {len(missing)} of {len(manifest['tasks'])} tasks have no "
                           f"metrics ({shown}); complete it with the same command and --resume")
    tables = ["nights", "census"] + (["events"] if manifest.get("event_log") else [])
    lost = [f"tables/{name}/{key}.parquet" for key in manifest["tasks"] for name in tables
            if not (root / "tables" / name / f"{key}.parquet").exists()]
    if lost:
        shown = ", ".join(lost[:3]) + (" ..." if len(lost) > 3 else "")
        raise ResultsError(f"{root}: {len(lost)} table file(s) of finished tasks are missing ({shown}); delete "
                           "those tasks' other files (tables/*/KEY.parquet, checksums/KEY.json) and complete the "
                           "folder with the same command and --resume")
    for key in manifest["tasks"]:
        try:
            task_of(key)
        except (TypeError, ValueError):
            raise ResultsError(f"{manifest_path}: {key!r} in 'tasks' is not a task key") from None
    _check_present(root, manifest, ["metrics", *tables], verify)
    # the design's own columns (a morris trajectory and step) are not parameters: keep them apart
    design_columns = [column for column in points.columns if column in MORRIS_COLUMNS]
    design = points[["point", *design_columns]].copy()
    return Results(root, manifest, points.drop(columns=design_columns), design, checked=verify)


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _check_belongs(frame: pd.DataFrame, path: Path, key: str) -> None:
    """Refuse a table file whose rows are not those of the task its path names (a file swapped or copied)."""
    task: Task = task_of(key)
    wrong: list[str] = []
    if "point" in frame.columns and not frame["point"].eq(task.point).all():
        wrong.append(f"point {_values(frame['point'])} (its path says {task.point})")
    if "regime" in frame.columns and not frame["regime"].astype(str).eq(task.regime).all():
        wrong.append(f"regime {_values(frame['regime'])} (its path says {task.regime})")
    if "replication" in frame.columns and not frame["replication"].between(task.first, task.last - 1).all():
        said = f"{task.first}" if task.replications == 1 else f"{task.first} to {task.last - 1}"
        wrong.append(f"replications {_values(frame['replication'])} (its path says {said})")
    if wrong:
        raise ResultsError(f"{path}: does not belong here, its rows have " + "; ".join(wrong) + " (a file "
                           f"copied or swapped from another task or folder); {repair_hint(key)}")


def _values(column: pd.Series) -> str:
    values = sorted({str(v) for v in column.unique()})
    return ", ".join(values[:4]) + (" ..." if len(values) > 4 else "")


def _check_present(root: Path, manifest: dict[str, Any], tables: list[str], verify: bool) -> None:
    """Every table file of every task is not empty; with ``verify``, every task has its record (if the folder's
    layout has records; a warning says when it has none)."""
    recorded = manifest.get("checksums") is not None
    unrecorded = 0
    for key in manifest["tasks"]:
        for name in tables:
            path = key_path(root, name, key)
            if path.stat().st_size == 0:
                raise ResultsError(f"{path}: is empty (0 bytes); {repair_hint(key)}")
        if verify and not checksum_path(root, key).exists():
            if recorded:
                raise ResultsError(f"{checksum_path(root, key)}: the checksum record of a finished task is "
                                   f"missing; {repair_hint(key)}")
            unrecorded += 1
    if unrecorded:
        logger.warning("%s: %d of %d tasks have no checksum record (written by an older version): checking "
                       "their file sizes and row counts only", root, unrecorded, len(manifest["tasks"]))


def _record(root: Path, key: str) -> dict[str, Any]:
    """The record of a task's files (empty for a task written before records existed)."""
    record_path = checksum_path(root, key)
    if not record_path.exists():
        return {}
    try:
        tables = json.loads(record_path.read_text(encoding="utf-8"))["tables"]
        if not isinstance(tables, dict):
            raise TypeError("'tables' is not a mapping")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{record_path}: unreadable checksum record ({exc}); {repair_hint(key)}") from None
    return tables


def _verify_files(root: Path, manifest: dict[str, Any], name: str) -> None:
    """Check table ``name``'s file of every task: a readable footer, and the size, rows and SHA-256 recorded."""
    import pyarrow.parquet as pq

    recorded = manifest.get("checksums") is not None
    for key in manifest["tasks"]:
        path = key_path(root, name, key)
        if not path.exists():
            continue  # open() checked that every finished task has its tables
        try:
            rows = pq.read_metadata(path).num_rows
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise ResultsError(f"{path}: cannot be read ({type(exc).__name__}: {exc}); {repair_hint(key)}") \
                from None
        entry = _record(root, key).get(name)
        if entry is None:
            if recorded:
                raise ResultsError(f"{checksum_path(root, key)}: has no record of {_relative(root, path)}; "
                                   f"{repair_hint(key)}")
            continue
        try:
            size, digest, expected_rows = int(entry["bytes"]), str(entry["sha256"]), int(entry["rows"])
        except (KeyError, TypeError, ValueError):
            raise ResultsError(f"{checksum_path(root, key)}: the record of {name} is incomplete; "
                               f"{repair_hint(key)}") from None
        actual = path.stat().st_size
        if actual != size or rows != expected_rows or sha256_file(path) != digest:
            what = (f"{actual} bytes instead of {size}" if actual != size else
                    f"{rows} rows instead of {expected_rows}" if rows != expected_rows else
                    "its SHA-256 differs")
            raise ResultsError(f"{path}: is not the file that was written ({what}): it was changed or replaced "
                               f"since; {repair_hint(key)}")
