"""Summaries across replications: mean, 95% confidence interval and quantiles of each metric, and how many
observations stand behind it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.metrics.compute import BASIS, TIME_HOMELESS_BASIS

KEYS = ["regime", "metric", "dimension"]
#: a figure estimated from fewer observations than this (visits, clients, exits... added up over replications)
#: is flagged as resting on few data
MIN_OBSERVATIONS = 30
#: and so is any figure from fewer replications than this (no interval)
MIN_REPLICATIONS = 2
#: the mark of such a figure in tables (the command line's summary, the report)
FEW_MARK = "†"


def observations(metrics: pd.DataFrame) -> pd.Series:
    """For each row of a long per-replication metrics table, the size of the sample its value was estimated
    from inside the replication (:data:`simulator.metrics.compute.BASIS`): NaN for a metric that is a count
    or a total over the whole replication."""
    basis = metrics["metric"].map(lambda m: BASIS.get(m, (None, None))[0])
    dimension = [
        TIME_HOMELESS_BASIS.get(dim) if metric == "time_homeless_mean_days" else (
            BASIS[metric][1] or dim if metric in BASIS else None)
        for metric, dim in zip(metrics["metric"], metrics["dimension"], strict=True)]
    basis = basis.where(metrics["metric"] != "time_homeless_mean_days", "exits")
    context = [k for k in ("point", "regime", "replication") if k in metrics.columns]
    lookup = metrics.set_index([*context, "metric", "dimension"])["value"]
    lookup = lookup[~lookup.index.duplicated()]
    wanted = pd.MultiIndex.from_arrays([*(metrics[k] for k in context), basis, pd.Series(dimension)])
    values = lookup.reindex(wanted).to_numpy(dtype=float)
    return pd.Series(values, index=metrics.index, name="observations")


def summarise(metrics: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean, standard deviation, t-based confidence interval and quantiles over replications.

    Parameters
    ----------
    metrics
        Long per-replication metrics (``replication, regime, metric, dimension, value``).
    level
        Confidence level of the interval on the mean (Student t with n - 1 degrees of freedom).
    """
    from scipy import stats  # imported here: scipy.stats takes a second to import

    keys = [k for k in KEYS if k in metrics.columns]
    counted = observations(metrics).where(metrics["value"].notna()) if len(metrics) else np.nan
    grouped = metrics.assign(observations=counted).groupby(keys, sort=True)
    out = grouped["value"].agg(n="count", mean="mean", std="std", q05=lambda v: v.quantile(0.05),
                               median="median", q95=lambda v: v.quantile(0.95)).reset_index()
    out["observations"] = grouped["observations"].sum(min_count=1).to_numpy()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * out["std"].to_numpy() / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["few"] = is_few(out["n"], out["observations"])
    return out


def is_few(replications: pd.Series, observations: pd.Series) -> pd.Series:
    """Whether a figure rests on few data: fewer than :data:`MIN_REPLICATIONS` replications, or fewer than
    :data:`MIN_OBSERVATIONS` observations in all (NaN observations: a count, judged on replications only)."""
    obs = observations.to_numpy(dtype=float)
    few = (replications.to_numpy() < MIN_REPLICATIONS) | (~np.isnan(obs) & (obs < MIN_OBSERVATIONS))
    return pd.Series(few, index=replications.index, name="few")


def t_interval(values: np.ndarray | list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of one sample (NaN bounds with fewer than two values)."""
    from scipy import stats

    sample = np.asarray(values, dtype=float)
    mean = float(sample.mean()) if len(sample) else float("nan")
    if len(sample) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(sample) - 1) * sample.std(ddof=1) / np.sqrt(len(sample)))
    return mean, mean - half, mean + half
