"""Summaries across replications: mean, 95% confidence interval and quantiles of each metric."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["regime", "metric", "dimension"]


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
    grouped = metrics.groupby(keys, sort=True)["value"]
    out = grouped.agg(n="count", mean="mean", std="std", q05=lambda v: v.quantile(0.05),
                      median="median", q95=lambda v: v.quantile(0.95)).reset_index()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * out["std"].to_numpy() / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def t_interval(values: np.ndarray | list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of one sample (NaN bounds with fewer than two values)."""
    from scipy import stats

    sample = np.asarray(values, dtype=float)
    mean = float(sample.mean()) if len(sample) else float("nan")
    if len(sample) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(sample) - 1) * sample.std(ddof=1) / np.sqrt(len(sample)))
    return mean, mean - half, mean + half
