"""Morris screening: which swept parameters move an output, or the difference between two regimes.

A sweep with ``design: {sampler: morris}`` (see :mod:`simulator.batch.sweep`) runs r trajectories of k + 1
points; between two consecutive points of a trajectory exactly one parameter moves, by a known share of its
range. The *elementary effect* of that move is the change of the output divided by the move::

    EE = (y(step) - y(step - 1)) / delta        delta = move as a share of the parameter's range

so an effect reads as "the change of the output if the parameter crossed its whole range at this rate". The
output ``y`` of a point is the mean over replications of one metric (and dimension) under one regime, or the
mean of the paired differences ``regime_b - regime_a`` (common random numbers: replication ``i`` of both
regimes sees the same clients), which screens the parameters that decide *which regime does better*.

Per parameter, over its r effects (Morris 1991; Campolongo, Cariboni & Saltelli 2007):

* ``mu_star``, the mean of ``|EE|``: how much the parameter matters at all; rank parameters by it. A
  parameter with ``mu_star`` near zero can be fixed anywhere in its range.
* ``sigma``, the standard deviation of ``EE``: how much its effect depends on where the others are
  (interactions) or on its own value (non-linearity). ``sigma`` large against ``mu_star`` means the effect is
  not one number.
* ``mu``, the mean of ``EE``: its sign is the direction of a monotone effect; ``|mu|`` much below
  ``mu_star`` means effects of both signs cancel.

The effects are computed from means over a few replications, so they carry simulation noise: a bootstrap
interval of ``mu_star`` over the trajectories shows how far the ranking can be trusted. The functions here
are pure: they read a :class:`~simulator.results.Results` and return DataFrames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.io.store import ResultsError

if TYPE_CHECKING:
    from simulator.results import Results

__all__ = ["PairedSigns", "elementary_effects", "morris", "morris_indices", "paired_signs", "point_outputs"]

DESIGN = ("morris_trajectory", "morris_step", "morris_parameter", "morris_delta")
INDEX_COLUMNS = ["parameter", "n", "mu", "mu_star", "sigma", "mu_star_ci_low", "mu_star_ci_high"]


def _values(results: Results, metric: str, dimension: str) -> pd.DataFrame:
    """The rows of one metric and dimension, with a message naming what exists when it is not there."""
    metrics = results.metrics
    if metrics.empty or metric not in set(metrics["metric"]):
        known = sorted(set(metrics["metric"])) if not metrics.empty else []
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        raise ResultsError(f"metric {metric!r} is not in these results (metrics: {shown or 'none'})")
    rows = metrics[metrics["metric"] == metric]
    if dimension not in set(rows["dimension"]):
        dims = ", ".join(sorted(map(str, set(rows["dimension"]))))
        raise ResultsError(f"metric {metric!r} has no dimension {dimension!r} (dimensions: {dims})")
    return rows[rows["dimension"] == dimension]


def _check_regime(results: Results, regime: str) -> None:
    if regime not in results.regimes:
        raise ResultsError(f"regime {regime!r} is not in these results ({', '.join(results.regimes)})")


def _paired_differences(results: Results, metric: str, dimension: str, pair: tuple[str, str]) -> pd.DataFrame:
    """``regime_b - regime_a`` per point and replication, where both regimes have a value."""
    regime_a, regime_b = pair
    for regime in pair:
        _check_regime(results, regime)
    if regime_a == regime_b:
        raise ResultsError(f"a pair needs two different regimes, got {regime_a!r} twice")
    rows = _values(results, metric, dimension)
    keys = ["point", "replication"]
    a = rows[rows["regime"] == regime_a].set_index(keys)["value"]
    b = rows[rows["regime"] == regime_b].set_index(keys)["value"]
    joined = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
    return (joined["b"] - joined["a"]).rename("difference").reset_index()


def point_outputs(results: Results, metric: str, dimension: str = "all", *, regime: str | None = None,
                  pair: tuple[str, str] | None = None) -> pd.Series:
    """The output of each point: the mean over replications of a metric under one regime, or of a difference.

    Parameters
    ----------
    results
        An opened results folder.
    metric, dimension
        The output, as in the metrics table (``dimension`` defaults to ``"all"``).
    regime
        The regime whose values are averaged (default: the first regime); ignored when ``pair`` is given.
    pair
        ``(regime_a, regime_b)``: average ``regime_b - regime_a`` over the replications where both have a
        value (paired by point and replication).

    Returns
    -------
    pandas.Series
        Indexed by ``point`` (every point of the folder; NaN where the output has no value).
    """
    if pair is not None:
        frame = _paired_differences(results, metric, dimension, pair)
        means = frame.groupby("point")["difference"].mean()
    else:
        regime = regime or results.regimes[0]
        _check_regime(results, regime)
        rows = _values(results, metric, dimension)
        means = rows[rows["regime"] == regime].groupby("point")["value"].mean()
    points = pd.Index(results.points["point"].to_numpy(), name="point")
    return means.reindex(points).astype(float).rename("output")


def elementary_effects(design: pd.DataFrame, outputs: pd.Series) -> pd.DataFrame:
    """The elementary effect of every step of every trajectory.

    Parameters
    ----------
    design
        One row per point: ``point``, ``morris_trajectory``, ``morris_step``, ``morris_parameter`` (the
        parameter moved to reach the point; none at step 0) and ``morris_delta`` (the signed move as a share
        of its range), as :attr:`Results.design` gives them.
    outputs
        The output of each point, indexed by point.

    Returns
    -------
    pandas.DataFrame
        ``trajectory, step, parameter, delta, effect``, one row per step; ``effect`` is
        ``(y(step) - y(step - 1)) / delta`` and NaN where either output is missing.
    """
    missing = [c for c in ("point", *DESIGN) if c not in design.columns]
    if missing:
        raise ResultsError("these results have no morris design (no " + ", ".join(missing) + " in the points "
                           "table): run a spec with design: {sampler: morris}")
    ordered = design.sort_values(["morris_trajectory", "morris_step"], kind="stable")
    for trajectory, part in ordered.groupby("morris_trajectory", sort=True):
        if part["morris_step"].tolist() != list(range(len(part))):
            raise ResultsError(f"trajectory {trajectory} of the morris design is incomplete (steps "
                               f"{part['morris_step'].tolist()})")
    y = ordered["point"].map(outputs).astype(float)
    before = y.groupby(ordered["morris_trajectory"]).shift(1)
    steps = ordered["morris_step"] > 0
    delta = ordered["morris_delta"].astype(float)
    return pd.DataFrame({
        "trajectory": ordered["morris_trajectory"][steps].to_numpy(),
        "step": ordered["morris_step"][steps].to_numpy(),
        "parameter": ordered["morris_parameter"][steps].to_numpy(),
        "delta": delta[steps].to_numpy(),
        "effect": ((y - before) / delta)[steps].to_numpy(),
    })


def morris_indices(effects: pd.DataFrame, parameters: list[str] | None = None, *, level: float = 0.95,
                   resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """mu, mu_star, sigma and a bootstrap interval of mu_star per parameter, from elementary effects.

    Parameters
    ----------
    effects
        As :func:`elementary_effects` returns (``parameter`` and ``effect`` are used; NaN effects are left out).
    parameters
        Parameters to report, in this order before sorting (default: those in ``effects``, in order of
        appearance). A parameter without effects gets ``n = 0`` and NaN statistics.
    level
        Level of the interval of ``mu_star``.
    resamples
        Bootstrap resamples: the effects of a parameter are drawn with replacement and ``mu_star`` recomputed;
        the interval holds the central ``level`` share of the resampled values (percentile bootstrap).
    seed
        Seed of the bootstrap; the generator of the i-th parameter is ``numpy.random.default_rng([seed, i])``,
        so the same effects give the same intervals.

    Returns
    -------
    pandas.DataFrame
        ``parameter, n, mu, mu_star, sigma, mu_star_ci_low, mu_star_ci_high``, sorted by ``mu_star``, largest
        first (NaN last). ``sigma`` is the sample standard deviation (``ddof = 1``), NaN for fewer than 2
        effects.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    names = list(parameters) if parameters is not None else list(dict.fromkeys(effects["parameter"]))
    rows = []
    for i, name in enumerate(names):
        values = effects.loc[effects["parameter"] == name, "effect"].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        n = len(values)
        row: dict[str, object] = {"parameter": name, "n": n, "mu": math.nan, "mu_star": math.nan,
                                  "sigma": math.nan, "mu_star_ci_low": math.nan, "mu_star_ci_high": math.nan}
        if n:
            absolute = np.abs(values)
            draws = np.random.default_rng([seed, i]).integers(0, n, size=(resamples, n))
            resampled = absolute[draws].mean(axis=1)
            row.update(mu=float(values.mean()), mu_star=float(absolute.mean()),
                       sigma=float(values.std(ddof=1)) if n > 1 else math.nan,
                       mu_star_ci_low=float(np.quantile(resampled, (1 - level) / 2)),
                       mu_star_ci_high=float(np.quantile(resampled, (1 + level) / 2)))
        rows.append(row)
    table = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    table["n"] = table["n"].astype(int)
    return table.sort_values("mu_star", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def morris(results: Results, metric: str, dimension: str = "all", *, regime: str | None = None,
           pair: tuple[str, str] | None = None, level: float = 0.95, resamples: int = 1000,
           seed: int = 0) -> pd.DataFrame:
    """Morris screening of a morris sweep's parameters for one output.

    Parameters
    ----------
    results
        A results folder written by a sweep with ``design: {sampler: morris}``.
    metric, dimension
        The output (``dimension`` defaults to ``"all"``).
    regime
        The regime whose output is screened (default: the first regime of the folder).
    pair
        ``(regime_a, regime_b)``: screen the paired difference ``regime_b - regime_a`` instead (averaged over
        replications at each point): which parameters decide how much, and which way, the regimes differ.
    level, resamples, seed
        The bootstrap interval of ``mu_star`` (see :func:`morris_indices`).

    Returns
    -------
    pandas.DataFrame
        ``parameter, n, mu, mu_star, sigma, mu_star_ci_low, mu_star_ci_high``, largest ``mu_star`` first, in
        units of the output per full range of the parameter.

    Raises
    ------
    ResultsError
        If the folder has no morris design, or the metric, dimension or a regime is not in it.
    """
    effects = elementary_effects(results.design, point_outputs(results, metric, dimension, regime=regime,
                                                               pair=pair))
    parameters = list(results.manifest.get("parameters") or dict.fromkeys(effects["parameter"]))
    return morris_indices(effects, parameters, level=level, resamples=resamples, seed=seed)


@dataclass(frozen=True)
class PairedSigns:
    """Where in a sweep ``regime_b - regime_a`` is positive or negative.

    ``points`` has one row per point with a paired difference: ``point, n, mean_difference, ci_low, ci_high``
    (paired t-interval, NaN for one replication) and ``sign`` (+1, -1 or 0, of the mean). The shares are over
    those points; a point counts as *clearly* positive (negative) when its whole interval is above (below) 0.
    """

    regime_a: str
    regime_b: str
    metric: str
    dimension: str
    points: pd.DataFrame

    def _share(self, mask: pd.Series) -> float:
        return float(mask.mean()) if len(self.points) else math.nan

    @property
    def positive(self) -> float:
        return self._share(self.points["sign"] > 0)

    @property
    def negative(self) -> float:
        return self._share(self.points["sign"] < 0)

    @property
    def zero(self) -> float:
        return self._share(self.points["sign"] == 0)

    @property
    def clearly_positive(self) -> float:
        return self._share(self.points["ci_low"] > 0)

    @property
    def clearly_negative(self) -> float:
        return self._share(self.points["ci_high"] < 0)

    @property
    def verdict(self) -> str:
        """``holds`` (one sign wherever the regimes differ), ``flips`` (both signs), ``none`` (no difference
        or no points)."""
        if not len(self.points) or self.zero == 1:
            return "none"
        return "flips" if self.positive > 0 and self.negative > 0 else "holds"

    def describe(self) -> str:
        """One sentence for people: where the difference is positive, negative, and whether it flips."""
        what = f"{self.regime_b} - {self.regime_a} in {self.metric} ({self.dimension})"
        count = len(self.points)
        if not count:
            return f"{what}: no point has a paired difference"
        positive, negative = round(self.positive * count), round(self.negative * count)
        if self.points["ci_low"].notna().any():
            text = (f"{what}: positive at {positive} of {count} points ({self.positive:.0%}; interval above 0 at "
                    f"{self.clearly_positive:.0%}), negative at {negative} ({self.negative:.0%}; interval below 0 "
                    f"at {self.clearly_negative:.0%})")
        else:  # one replication per point: no intervals
            text = (f"{what}: positive at {positive} of {count} points ({self.positive:.0%}), negative at "
                    f"{negative} ({self.negative:.0%}); one replication, no intervals")
        verdicts = {"holds": "the comparison holds across the range", "flips": "the comparison flips",
                    "none": "no difference anywhere"}
        return f"{text}: {verdicts[self.verdict]}"


def paired_signs(results: Results, metric: str, dimension: str = "all", *, pair: tuple[str, str],
                 level: float = 0.95) -> PairedSigns:
    """For each point of a sweep, the mean paired difference ``regime_b - regime_a``, and its sign.

    Works on any sweep (not only morris designs): it answers whether the comparison of two regimes holds
    across the swept range or flips somewhere.
    """
    from scipy import stats

    frame = _paired_differences(results, metric, dimension, pair)
    rows = []
    for point, part in frame.groupby("point", sort=True):
        diff = part["difference"].to_numpy(dtype=float)
        n = len(diff)
        mean = float(diff.mean())
        low = high = math.nan
        if n > 1:
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * diff.std(ddof=1) / math.sqrt(n))
            low, high = mean - half, mean + half
        rows.append({"point": point, "n": n, "mean_difference": mean, "ci_low": low, "ci_high": high,
                     "sign": int(np.sign(mean))})
    columns = ["point", "n", "mean_difference", "ci_low", "ci_high", "sign"]
    return PairedSigns(pair[0], pair[1], metric, dimension, pd.DataFrame(rows, columns=columns))
