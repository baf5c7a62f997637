"""Figures of the report (seaborn, colour-blind-safe palette), returned as PNG bytes with their alt text.

Each function takes tidy DataFrames from :mod:`simulator.results` and returns ``(png_bytes, alt_text)``, or
``None`` when the results hold nothing to draw (a scenario without shelters has no occupancy curve).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: figures are rendered to PNG only

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

PALETTE = "colorblind"
Figure = tuple[bytes, str]


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=0.9)


def waits(metrics: pd.DataFrame, regimes: list[str]) -> Figure | None:
    """Mean wait per replication, per service and regime (each dot a replication)."""
    data = metrics[(metrics["metric"] == "wait_mean_days") & (metrics["point"] == metrics["point"].min())]
    if data.empty:
        return None
    _style()
    fig, ax = plt.subplots(figsize=(8, 0.45 * data["dimension"].nunique() + 1.5))
    sns.boxplot(data=data, y="dimension", x="value", hue="regime", hue_order=regimes, ax=ax, fliersize=0,
                linewidth=0.8)
    sns.stripplot(data=data, y="dimension", x="value", hue="regime", hue_order=regimes, ax=ax, dodge=True,
                  size=2.5, alpha=0.6, legend=False)
    ax.set_xscale("symlog", linthresh=1.0)  # clinic waits of days and housing waits of months on one axis
    ax.set(xlabel="mean wait per replication (days, logarithmic above 1 day)", ylabel="")
    ax.legend(title="regime", loc="lower right")
    alt = ("Box plots of the mean wait in days at each service, one box per coordination regime; "
           "each dot is one replication.")
    return _png(fig), alt


def unmet_needs(metrics: pd.DataFrame, regimes: list[str]) -> Figure | None:
    data = metrics[(metrics["metric"] == "unmet_need_days") & (metrics["point"] == metrics["point"].min())]
    if data.empty or data["value"].sum() == 0:
        return None
    _style()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    sns.barplot(data=data, x="dimension", y="value", hue="regime", hue_order=regimes, errorbar=("ci", 95),
                ax=ax)
    ax.set(xlabel="", ylabel="unmet-need days (observed period)")
    ax.tick_params(axis="x", rotation=20)
    alt = ("Bar chart of unmet-need days by need (primary care, mental health, substance use, housing, income "
           "and documents), one bar per regime, with 95% confidence intervals over replications.")
    return _png(fig), alt


def occupancy(nights: pd.DataFrame, regimes: list[str], start: str) -> Figure | None:
    if nights.empty:
        return None
    data = nights[(nights["shelter"] == "all") & (nights["point"] == nights["point"].min())].copy()
    if data.empty:
        return None
    data["date"] = pd.Timestamp(start) + pd.to_timedelta(data["day"], unit="D")
    data["occupancy_rate"] = data["occupancy"] / data["capacity"].where(data["capacity"] > 0)
    _style()
    fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    sns.lineplot(data=data, x="date", y="occupancy", hue="regime", hue_order=regimes, errorbar=("pi", 90),
                 ax=axes[0])
    capacity = data.groupby("date")["capacity"].first()
    axes[0].plot(capacity.index, capacity.to_numpy(), color="black", linestyle="--", linewidth=1,
                 label="capacity")
    axes[0].set(ylabel="beds occupied", xlabel="")
    axes[0].legend(loc="lower left", fontsize=8)
    sns.lineplot(data=data, x="date", y="refused", hue="regime", hue_order=regimes, errorbar=("pi", 90),
                 ax=axes[1], legend=False)
    axes[1].set(ylabel="requests refused", xlabel="")
    alt = ("Two line charts over the observed period: beds occupied each night against capacity (dashed), "
           "and shelter requests refused each night, per regime, with bands holding 90% of replications.")
    return _png(fig), alt


def funnel(metrics: pd.DataFrame, regimes: list[str]) -> Figure | None:
    keys = {"referrals_sent": "sent", "referrals_completed": "completed", "referrals_lost": "lost"}
    data = metrics[metrics["metric"].isin(keys) & (metrics["dimension"] != "all")
                   & (metrics["point"] == metrics["point"].min())].copy()
    if data.empty:
        return None
    data["stage"] = data["metric"].map(keys)
    _style()
    grid = sns.catplot(data=data, x="dimension", y="value", hue="stage", col="regime", col_order=[
        r for r in regimes if r in set(data["regime"])], kind="bar", errorbar=("ci", 95), height=3.2,
        aspect=0.9, hue_order=["sent", "completed", "lost"])
    grid.set_axis_labels("adjustment type", "referrals")
    grid.set_titles("{col_name}")
    for ax in grid.axes.flat:
        ax.tick_params(axis="x", rotation=30)
    alt = ("Bar charts per regime of referrals sent, completed and lost, by adjustment type (unilateral, "
           "bilateral, multilateral, integrated).")
    return _png(grid.figure), alt


def forest(paired: pd.DataFrame, rows: list[tuple[str, str, str]]) -> Figure | None:
    """Paired differences (regime minus baseline) with 95% intervals, one line per metric and regime."""
    if paired.empty:
        return None
    chosen = []
    for metric, dimension, label in rows:
        part = paired[(paired["metric"] == metric) & (paired["dimension"] == dimension)
                      & (paired["point"] == paired["point"].min())]
        for _, row in part.iterrows():
            if pd.notna(row.get("ci_low")):
                scale = 100.0 if metric.endswith("share") else 1.0  # shares in percentage points, as in the text
                unit = " (pp)" if scale == 100 else ""
                chosen.append((f"{label}{unit}: {row['regime']}", scale * row["mean_difference"],
                               scale * row["ci_low"], scale * row["ci_high"]))
    if not chosen:
        return None
    _style()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(chosen) + 1.2))
    for i, (_label, mean, low, high) in enumerate(reversed(chosen)):
        ax.plot([low, high], [i, i], color=sns.color_palette(PALETTE)[0], linewidth=2)
        ax.plot([mean], [i], "o", color=sns.color_palette(PALETTE)[1])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(chosen)), [c[0] for c in reversed(chosen)])
    ax.set_xlabel(f"difference from {paired['baseline'].iloc[0]} (paired by replication, 95% interval)")
    alt = ("Forest plot: for each headline measure and regime, the mean difference from the baseline regime "
           "with its 95% paired confidence interval; the vertical line marks no difference.")
    return _png(fig), alt


def response(summary: pd.DataFrame, points: pd.DataFrame, parameter: str, metric: str, dimension: str,
             regimes: list[str]) -> Figure | None:
    """A sweep's response curve: the mean of one metric against one swept parameter, per regime."""
    data = summary[(summary["metric"] == metric) & (summary["dimension"] == dimension)].merge(
        points[["point", parameter]], on="point")
    if data.empty:
        return None
    data["x"] = pd.to_numeric(data[parameter].astype(str).str.split().str[0], errors="coerce")
    data = data.groupby(["regime", "x"], as_index=False)[["mean", "ci_low", "ci_high"]].mean()
    _style()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    sns.lineplot(data=data, x="x", y="mean", hue="regime", hue_order=[r for r in regimes if r in set(
        data["regime"])], marker="o", ax=ax)
    ax.set(xlabel=parameter, ylabel=f"{metric} ({dimension})")
    alt = (f"Line chart of the mean {metric.replace('_', ' ')} against {parameter}, one line per regime, "
           "averaged over the other swept parameters.")
    return _png(fig), alt


def tornado(summary: pd.DataFrame, points: pd.DataFrame, parameters: list[str], metric: str, dimension: str,
            regime: str) -> Figure | None:
    """Sensitivity: how far the mean of one metric moves across each parameter's values (one regime)."""
    data = summary[(summary["metric"] == metric) & (summary["dimension"] == dimension)
                   & (summary["regime"] == regime)].merge(points, on="point")
    if data.empty or not parameters:
        return None
    spans = []
    for parameter in parameters:
        means = data.groupby(parameter)["mean"].mean()
        spans.append((parameter, means.min(), means.max()))
    spans.sort(key=lambda s: s[2] - s[1])
    centre = data["mean"].mean()
    _style()
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(spans) + 1.2))
    for i, (_parameter, low, high) in enumerate(spans):
        ax.barh(i, high - low, left=low, color=sns.color_palette(PALETTE)[2])
    ax.axvline(centre, color="black", linewidth=0.8)
    ax.set_yticks(range(len(spans)), [s[0] for s in spans])
    ax.set_xlabel(f"mean {metric.replace('_', ' ')} ({dimension}) under {regime}")
    alt = (f"Tornado chart: for each swept parameter, the range of the mean {metric.replace('_', ' ')} across "
           "its values, widest at the top.")
    return _png(fig), alt
