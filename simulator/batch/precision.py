"""Precision on demand: add replications in batches until every named metric is known well enough.

A target names a metric, optionally its dimension, and the largest 95% half-width wanted, absolute (``50``) or
relative to the mean (``2%``): ``count_total=2%``, ``wait_mean_days:mental_health=1.5``. After each batch, every
regime's interval of every target is compared with it (:func:`assess`); when one is too wide, the next batch
aims at the count the central limit theorem asks for, ``(2 s / goal)^2`` with ``s`` the standard deviation
over replications (the half-width shrinks as one over the square root of the replications; 2 is about the
Student quantile of a large sample), at least one more and at most ``max_replications``
(:func:`next_count`). The decision to stop is always the honest one: the Student interval of the replications
run, within the goal.

Replication ``i`` always draws from the same streams (``docs/model.md`` section 7), whatever the batch it
runs in: the regimes stay paired, and the decision after each batch depends only on replications ``0 .. n - 1``.
An interrupted run, resumed, therefore takes the same decisions and ends with the same replications.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.metrics.compute import METRICS
from simulator.metrics.summary import summarise

_TARGET = re.compile(r"^\s*(?P<metric>[a-z0-9_]+)(?::(?P<dimension>[A-Za-z0-9_.-]+))?\s*=\s*"
                     r"(?P<value>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?P<percent>%?)\s*$")


class PrecisionError(ValueError):
    """A precision target that cannot be read or that names no metric of the run."""


@dataclass(frozen=True)
class Target:
    """The 95% half-width wanted for a metric (and dimension): absolute, or a share of the mean."""

    metric: str
    dimension: str
    half_width: float
    relative: bool

    def __str__(self) -> str:
        goal = f"{self.half_width * 100:g}%" if self.relative else f"{self.half_width:g}"
        return f"{self.metric}:{self.dimension}={goal}"


@dataclass(frozen=True)
class Assessment:
    """How one regime's interval of one target compares with it (``ratio`` > 1: too wide)."""

    target: Target
    regime: str
    n: int
    mean: float
    half_width: float
    goal: float
    ratio: float
    std: float = math.nan

    @property
    def met(self) -> bool:
        return self.ratio <= 1.0

    @property
    def required(self) -> float:
        """The replications this interval would need to meet its goal (``n`` when it does)."""
        if self.met:
            return float(self.n)
        if self.goal <= 0 or not math.isfinite(self.std):
            return math.inf
        return (PLANNING_QUANTILE * self.std / self.goal) ** 2


#: the quantile of the planned interval: about Student's t at 0.975 for the sample sizes batches reach
PLANNING_QUANTILE = 2.0


def parse_targets(text: str | Sequence[str]) -> list[Target]:
    """``METRIC[:DIMENSION]=HALF_WIDTH[%]`` items, comma-separated (or a list of them); the dimension is
    ``all`` when not named."""
    items = [text] if isinstance(text, str) else list(text)
    targets: list[Target] = []
    for item in (part for chunk in items for part in chunk.split(",")):
        match = _TARGET.match(item)
        if match is None:
            raise PrecisionError(f"{item.strip()!r}: a precision target reads METRIC[:DIMENSION]=HALF_WIDTH[%], "
                                 "e.g. count_total=2% or wait_mean_days:mental_health=1.5")
        metric = match["metric"]
        if metric not in METRICS:
            close = sorted(m for m in METRICS if m.split("_")[0] == metric.split("_")[0])[:6]
            hint = f"; metrics starting alike: {', '.join(close)}" if close else ""
            raise PrecisionError(f"{item.strip()!r}: unknown metric {metric!r} (docs/model.md section 9){hint}")
        value = float(match["value"])
        relative = bool(match["percent"])
        if value <= 0 or not math.isfinite(value):
            raise PrecisionError(f"{item.strip()!r}: the half-width must be a positive number")
        if relative and value >= 100:
            raise PrecisionError(f"{item.strip()!r}: a relative half-width must be below 100%")
        targets.append(Target(metric, match["dimension"] or "all", value / 100 if relative else value, relative))
    if not targets:
        raise PrecisionError("no precision target given")
    return targets


def assess(metrics: pd.DataFrame, targets: Sequence[Target], regimes: Sequence[str],
           level: float = 0.95) -> list[Assessment]:
    """Each target under each regime, from the long per-replication metrics of one point.

    A target that no replication of a regime has (a misspelt dimension, or a metric the scenario cannot
    produce) raises :class:`PrecisionError` naming the dimensions the metric has.
    """
    summary = summarise(metrics, level).set_index(["regime", "metric", "dimension"])
    out: list[Assessment] = []
    for target in targets:
        for regime in regimes:
            key: Any = (regime, target.metric, target.dimension)
            if key not in summary.index:
                have = sorted({d for r, m, d in summary.index if m == target.metric})
                where = (f"its dimensions here: {', '.join(have)}" if have
                         else "this scenario does not produce it")
                raise PrecisionError(f"{target}: no value of {target.metric} [{target.dimension}] under "
                                     f"{regime} ({where})")
            row = summary.loc[key]
            n, mean = int(row["n"]), float(row["mean"])
            half = (float(row["ci_high"]) - float(row["ci_low"])) / 2 if n > 1 else math.inf
            goal = target.half_width * abs(mean) if target.relative else target.half_width
            if half == 0:
                ratio = 0.0
            elif goal <= 0 or math.isnan(half):
                ratio = math.inf
            else:
                ratio = half / goal
            out.append(Assessment(target, regime, n, mean, half, goal, ratio, float(row["std"])))
    return out


def next_count(n: int, assessments: Sequence[Assessment], maximum: int, step: int = 1) -> int:
    """The replications to have after the next batch: ``n`` when every target is met or ``n`` is already the
    maximum; else the most any unmet interval requires (:attr:`Assessment.required`, at least ``n + 1``), in
    whole ``step`` blocks, at most ``maximum``."""
    unmet = [a.required for a in assessments if not a.met]
    if not unmet or n >= maximum:
        return n
    wanted = max(unmet)
    count = max(n + 1, math.ceil(wanted - 1e-9) if math.isfinite(wanted) else maximum)
    count = step * math.ceil(count / step)
    return int(min(count, maximum))


def describe(assessments: Sequence[Assessment]) -> list[str]:
    """One line per target: its widest interval against the goal, and whether every regime meets it."""
    lines = []
    for target in dict.fromkeys(a.target for a in assessments):
        mine = [a for a in assessments if a.target == target]
        worst = max(mine, key=lambda a: a.ratio)
        shown = (f"{worst.half_width / abs(worst.mean):.2%} of the mean" if target.relative and worst.mean
                 else f"{worst.half_width:.4g}")
        state = "met" if all(a.met for a in mine) else "NOT met"
        lines.append(f"{target}: {state} (widest 95% half-width {shown}, under {worst.regime}, "
                     f"n = {worst.n})")
    return lines


def widest_ratio(assessments: Sequence[Assessment]) -> float:
    return float(np.max([a.ratio for a in assessments])) if assessments else 0.0
