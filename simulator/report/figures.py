"""Figures of the report (seaborn, colour-blind-safe palette), returned as PNG bytes with their alt text.

Each function takes tidy DataFrames from :mod:`simulator.results` and returns ``(png_bytes, alt_text)``, or
``None`` when the results hold nothing to draw (a scenario without shelters has no occupancy curve). Services,
needs, regimes and parameters are shown by their human labels (:class:`~simulator.report.labels.Labels`).

Every figure is drawn at most :data:`WIDTH` inches wide, the text width of an A4 or Letter page, so that the
PDF prints it at its own size: a figure that is wider is shrunk, and its text with it. Legends sit below the
axes, where they hide no data.
"""

from __future__ import annotations

import io
import math
import struct
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no display: figures are rendered to PNG only

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.dates import num2date
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.report.labels import ADJUSTMENT_TYPES, Labels, capitalise

PALETTE = "colorblind"
Figure = tuple[bytes, str]
#: CSS pixels per inch: a figure shown this many CSS pixels per inch prints at its own size
CSS_PX_PER_INCH = 96
#: the widest figure, in inches: the text width of an A4 or Letter page with the report's margins
WIDTH = 7.2
DPI = 120


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def css_size(png: bytes) -> tuple[int, int]:
    """The width and height, in CSS pixels, at which a PNG of this module prints at its own size in inches."""
    width, height = struct.unpack(">II", png[16:24])  # the PNG header (IHDR) holds them
    return round(width * CSS_PX_PER_INCH / DPI), round(height * CSS_PX_PER_INCH / DPI)


def _style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=0.85)


def _wrap(text: str, width: int = 34) -> str:
    return textwrap.fill(text, width)


def _colours(regimes: Sequence[str]) -> dict[str, Any]:
    return dict(zip(regimes, sns.color_palette(PALETTE, len(regimes)), strict=True))


def _legend_below(fig: Any, handles: list[Any], title: str | None = None) -> None:
    """One legend for the whole figure, under the axes: the constrained layout makes room for it inside the
    figure, so that neither the legend nor the tick labels widen the figure beyond :data:`WIDTH`."""
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False, title=title,
               fontsize=8, title_fontsize=8)


def _whole(value: float, _position: float | None = None) -> str:
    """A tick label as a whole number with thousands separators, never "-0"."""
    text = f"{value:,.0f}"
    return "0" if text == "-0" else text


def _first_point(frame: pd.DataFrame) -> pd.DataFrame:
    first: pd.DataFrame = frame[frame["point"] == frame["point"].min()]
    return first


def waits(metrics: pd.DataFrame, regimes: list[str], labels: Labels | None = None) -> Figure | None:
    """Mean wait per replication, per service and regime: a box per regime, each dot a replication.

    The boxes are Matplotlib's own (``orientation="horizontal"``): seaborn 0.13's ``boxplot`` passes
    Matplotlib's deprecated ``vert`` argument whatever its ``orient``.
    """
    labels = labels or Labels()
    data = _first_point(metrics)
    data = data[(data["metric"] == "wait_mean_days") & data["value"].notna()]
    if data.empty:
        return None
    present = set(data["dimension"])
    services = [s for s in labels.services if s in present] + sorted(present - set(labels.services))
    shown = [r for r in regimes if r in set(data["regime"])]
    colours = _colours(regimes)
    _style()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * len(services) + 1.4), layout="constrained")
    band = 0.8 / max(len(shown), 1)
    rng = np.random.default_rng(0)  # the dots' vertical jitter only
    for j, regime in enumerate(shown):
        offset = (j - (len(shown) - 1) / 2) * band
        for i, service in enumerate(services):
            values = data[(data["regime"] == regime) & (data["dimension"] == service)]["value"].to_numpy(float)
            if len(values) == 0:
                continue
            position = len(services) - 1 - i - offset  # the first service at the top, its first regime on top
            ax.boxplot([values], positions=[position], widths=band * 0.85, orientation="horizontal",
                       patch_artist=True, showfliers=False, manage_ticks=False,
                       boxprops={"facecolor": colours[regime], "alpha": 0.55, "linewidth": 0.7},
                       medianprops={"color": "black", "linewidth": 0.9}, whiskerprops={"linewidth": 0.7},
                       capprops={"linewidth": 0.7})
            jitter = rng.uniform(-band * 0.25, band * 0.25, len(values))
            ax.scatter(values, position + jitter, s=6, color=colours[regime], edgecolor="black", linewidth=0.3,
                       zorder=3)
    ax.set_yticks(range(len(services)), [_wrap(labels.service(s)) for s in reversed(services)])
    ax.set_ylim(-0.6, len(services) - 0.4)
    ax.set_xscale("symlog", linthresh=1.0)  # clinic waits of days and housing waits of months on one axis
    ax.set_xlim(0, max(float(data["value"].max()) * 1.5, 2.0))
    ax.xaxis.set_major_formatter(FuncFormatter(_whole))
    ax.set(xlabel="mean wait per replication (days; logarithmic above 1 day)", ylabel="")
    ax.grid(axis="y", visible=False)
    _legend_below(fig, [Patch(facecolor=colours[r], alpha=0.55, label=labels.regime(r)) for r in shown],
                  "regime")
    alt = ("Box plots of the mean wait in days at each service, one box per coordination regime; "
           "each dot is one replication.")
    return _png(fig), alt


def flows(metrics: pd.DataFrame, regimes: list[str], labels: Labels | None = None) -> Figure | None:
    """Monthly inflow into and outflow from homelessness, mean over replications, one panel per regime; the
    months in which more people left than entered are shaded (Built for Zero's test)."""
    labels = labels or Labels()
    data = _first_point(metrics)
    data = data[data["metric"].isin(["monthly_inflow", "monthly_outflow"])]
    if data.empty:
        return None
    shown = [r for r in regimes if r in set(data["regime"])]
    means = data.groupby(["regime", "metric", "dimension"])["value"].mean()
    _style()
    columns = min(len(shown), 3)
    rows = -(-len(shown) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(WIDTH, 2.3 * rows + 0.9), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    for k, regime in enumerate(shown):
        ax = axes[k // columns][k % columns]
        inflow = means[regime]["monthly_inflow"].sort_index()
        outflow = means[regime]["monthly_outflow"].reindex(inflow.index)
        months = np.arange(1, len(inflow) + 1)
        for month, (a, b) in enumerate(zip(inflow, outflow, strict=True), start=1):
            if b > a:
                ax.axvspan(month - 0.5, month + 0.5, color="#009e73", alpha=0.12, linewidth=0)
        ax.plot(months, inflow.to_numpy(), marker="o", markersize=3, color="#d55e00", label="entered")
        ax.plot(months, outflow.to_numpy(), marker="s", markersize=3, color="#0072b2", label="left")
        ax.set_title(labels.regime(regime), fontsize=9)
        ax.yaxis.set_major_formatter(FuncFormatter(_whole))
    for k in range(len(shown), rows * columns):
        axes[k // columns][k % columns].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("month of the observed period")
    for ax in axes[:, 0]:
        ax.set_ylabel("people per month")
    _legend_below(fig, [Line2D([], [], color="#d55e00", marker="o", label="entered homelessness"),
                        Line2D([], [], color="#0072b2", marker="s", label="left homelessness"),
                        Patch(facecolor="#009e73", alpha=0.12, label="more left than entered")], "")
    alt = ("Line charts, one per regime, of the people entering and leaving homelessness each month of the "
           "observed period (means over replications); months in which more left than entered are shaded.")
    return _png(fig), alt


def unmet_needs(metrics: pd.DataFrame, regimes: list[str], labels: Labels | None = None) -> Figure | None:
    """Unmet-need days by need, one bar per regime, with 95% bootstrap intervals over replications."""
    labels = labels or Labels()
    data = _first_point(metrics)
    data = data[data["metric"] == "unmet_need_days"].copy()
    if data.empty or data["value"].sum() == 0:
        return None
    data["need"] = data["dimension"].map(lambda n: capitalise(labels.need(n)))
    data["regime_label"] = data["regime"].map(labels.regime)
    _style()
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8), layout="constrained")
    sns.barplot(data=data, x="need", y="value", hue="regime_label",
                hue_order=[labels.regime(r) for r in regimes if r in set(data["regime"])],
                errorbar=("ci", 95), seed=0, ax=ax, legend=False)  # seeded: the same report every build
    ax.set(xlabel="", ylabel="unmet-need days (observed period)")
    ax.yaxis.set_major_formatter(FuncFormatter(_whole))
    shown = [r for r in regimes if r in set(data["regime"])]
    colours = _colours(shown)
    _legend_below(fig, [Patch(facecolor=colours[r], label=labels.regime(r)) for r in shown], "regime")
    alt = ("Bar chart of unmet-need days by need (primary care, mental health, substance use, housing, income "
           "and documents), one bar per regime, with 95% confidence intervals over replications.")
    return _png(fig), alt


def occupancy(nights: pd.DataFrame, regimes: list[str], start: str,
              labels: Labels | None = None) -> Figure | None:
    """Beds occupied against capacity, and requests refused, night by night, per regime."""
    labels = labels or Labels()
    if nights.empty:
        return None
    data = nights[(nights["shelter"] == "all") & (nights["point"] == nights["point"].min())].copy()
    if data.empty:
        return None
    data["date"] = pd.Timestamp(start) + pd.to_timedelta(data["day"], unit="D")
    shown = [r for r in regimes if r in set(data["regime"])]
    colours = _colours(shown)
    _style()
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 5.0), sharex=True, layout="constrained")
    sns.lineplot(data=data, x="date", y="occupancy", hue="regime", hue_order=shown, palette=colours,
                 errorbar=("pi", 90), ax=axes[0], legend=False, linewidth=1)
    capacity = data.groupby("date")["capacity"].first()
    axes[0].plot(capacity.index, capacity.to_numpy(), color="black", linestyle="--", linewidth=1)
    axes[0].set(ylabel="beds occupied", xlabel="")
    sns.lineplot(data=data, x="date", y="refused", hue="regime", hue_order=shown, palette=colours,
                 errorbar=("pi", 90), ax=axes[1], legend=False, linewidth=1)
    axes[1].set(ylabel="requests refused", xlabel="")
    top = max(float(data["refused"].max()) * 1.05, 1.0)
    axes[1].set_ylim(-0.04 * top, top)
    axes[1].yaxis.set_major_locator(MaxNLocator(integer=True))
    if float(data["refused"].max()) == 0:
        axes[1].text(0.5, 0.5, "no shelter request refused on any night, under any regime", ha="center",
                     va="center", transform=axes[1].transAxes, fontsize=9, color="#444444")
    for ax in axes:
        ax.yaxis.set_major_formatter(FuncFormatter(_whole))
    to_date = cast(Callable[[float], datetime], num2date)  # Matplotlib's date numbers (untyped there)
    short = (data["date"].max() - data["date"].min()).days <= 120  # a few weeks: days; a year: months
    axes[1].xaxis.set_major_formatter(FuncFormatter(lambda v, _: to_date(v).strftime("%d %b" if short else "%b %Y")))
    handles = [Line2D([], [], color=colours[r], label=labels.regime(r)) for r in shown]
    handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1, label="capacity"))
    _legend_below(fig, handles)
    alt = ("Two line charts over the observed period: beds occupied each night against capacity (dashed), "
           "and shelter requests refused each night, per regime, with bands holding 90% of replications; "
           "the legend is below the charts.")
    return _png(fig), alt


def funnel(metrics: pd.DataFrame, regimes: list[str], labels: Labels | None = None) -> Figure | None:
    """What became of the referrals sent, by regime and adjustment type: one stacked bar per pair.

    Each bar is the mean number of referrals sent over replications, split into those completed, those lost
    in the handoff, and the rest (the client left, gave up or was still waiting at the horizon). A regime
    that uses one adjustment type has one bar; the organic regime has one per type it uses.
    """
    labels = labels or Labels()
    keys = {"referrals_sent": "sent", "referrals_completed": "completed", "referrals_lost": "lost"}
    data = _first_point(metrics)
    data = data[data["metric"].isin(keys) & (data["dimension"] != "all")]
    if data.empty:
        return None
    means: dict[Any, Any] = (data.groupby(["regime", "dimension", "metric"])["value"].mean()
                                          .unstack("metric").rename(columns=keys).to_dict("index"))
    kinds = {kind for _, kind in means}
    order = [k for k in ADJUSTMENT_TYPES if k in kinds] + sorted(kinds - set(ADJUSTMENT_TYPES))
    rows = []
    for regime in regimes:
        for kind in order:
            row = means.get((regime, kind))
            if row is not None:
                sent = float(row.get("sent", math.nan))
                if sent > 0:
                    completed, lost = float(row.get("completed", 0.0)), float(row.get("lost", 0.0))
                    rows.append((regime, kind, sent, completed, lost, max(sent - completed - lost, 0.0)))
    if not rows:
        return None
    _style()
    colours = sns.color_palette(PALETTE)
    parts = [("completed", colours[2]), ("lost in the handoff", colours[3]),
             ("other outcome (left, gave up, still waiting)", (0.78, 0.78, 0.78))]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.42 * len(rows) + 1.6), layout="constrained")
    positions = []
    y = 0.0
    previous = None
    for regime, _kind, *_ in rows:
        if previous is not None and regime != previous:
            y += 0.5  # a gap between regimes
        positions.append(y)
        previous = regime
        y += 1
    positions = [y - 1 - p for p in positions]  # the first regime at the top
    widest = max(r[2] for r in rows)
    for position, (_regime, _kind, sent, completed, lost, other) in zip(positions, rows, strict=True):
        left = 0.0
        for value, (_name, colour) in zip((completed, lost, other), parts, strict=True):
            ax.barh(position, value, left=left, color=colour, height=0.75, edgecolor="white", linewidth=0.5)
            left += value
        ax.text(sent + widest * 0.01, position, f"{sent:,.0f} sent; {lost / sent:.0%} lost", va="center",
                fontsize=7.5)
    ax.set_yticks(positions, [f"{labels.regime(r)}: {labels.adjustment(k)}" for r, k, *_ in rows])
    ax.set_xlim(0, widest * 1.28)
    ax.xaxis.set_major_formatter(FuncFormatter(_whole))
    ax.set(xlabel="referrals in the observed period (mean over replications)", ylabel="")
    ax.grid(axis="y", visible=False)
    _legend_below(fig, [Patch(facecolor=colour, label=name) for name, colour in parts])
    alt = ("Stacked horizontal bars, one per regime and adjustment type (unilateral, bilateral, multilateral, "
           "integrated): the referrals sent, split into completed, lost in the handoff and other outcomes, with "
           "the number sent and the share lost written at the end of each bar.")
    return _png(fig), alt


def forest(paired: pd.DataFrame, rows: Sequence[tuple[str, str, str, str]],
           labels: Labels | None = None) -> Figure | None:
    """Paired differences (regime minus baseline) with 95% intervals: a panel per measure, a line per regime.

    ``rows`` are ``(metric, dimension, label, unit)``; each panel has its own axis, in the measure's unit.
    Shares are drawn in percentage points, as the text says them, their intervals clipped to the ±100 points a
    difference of shares can span.
    """
    labels = labels or Labels()
    if paired.empty:
        return None
    first = paired[paired["point"] == paired["point"].min()]
    panels = []
    for metric, dimension, label, unit in rows:
        part = first[(first["metric"] == metric) & (first["dimension"] == dimension) & first["ci_low"].notna()]
        if part.empty:
            continue
        share = metric.endswith(("_share", "_rate"))
        scale = 100.0 if share else 1.0
        lines = []
        for _, row in part.iterrows():
            low, high = scale * row["ci_low"], scale * row["ci_high"]
            if share:
                low, high = max(low, -100.0), min(high, 100.0)
            lines.append((labels.regime(str(row["regime"])), scale * row["mean_difference"], low, high))
        panels.append((f"{capitalise(label.removeprefix('the '))} ({unit})", lines))
    if not panels:
        return None
    _style()
    columns = 2 if len(panels) > 1 else 1
    grid_rows = math.ceil(len(panels) / columns)
    height = max(len(lines) for _, lines in panels) * 0.3 + 1.0
    fig, axes = plt.subplots(grid_rows, columns, figsize=(WIDTH, height * grid_rows + 0.4), layout="constrained",
                             squeeze=False)
    line, dot = sns.color_palette(PALETTE)[0], sns.color_palette(PALETTE)[1]
    for ax, (title, lines) in zip(axes.flat, panels, strict=False):
        for i, (_regime, mean, low, high) in enumerate(reversed(lines)):
            clear = low > 0 or high < 0
            ax.plot([low, high], [i, i], color=line, linewidth=2 if clear else 1.2)
            ax.plot([mean], [i], "o", color=dot, markerfacecolor=dot if clear else "white")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(lines)), [regime for regime, *_ in reversed(lines)])
        ax.set_ylim(-0.6, len(lines) - 0.4)
        ax.set_title(_wrap(title, 45), fontsize=9)
        ax.grid(axis="y", visible=False)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    baseline = labels.regime_prose(str(paired["baseline"].iloc[0]))
    fig.supxlabel(f"difference from the {baseline} regime, paired by replication, with its 95% interval "
                  "(filled: the interval excludes zero)", fontsize=8.5)
    alt = ("Forest plots, one panel per headline measure: for each regime, the mean difference from the "
           "baseline regime with its 95% paired confidence interval; the vertical line marks no difference; "
           "hollow dots mark differences the replications cannot tell from zero.")
    return _png(fig), alt


def response(summary: pd.DataFrame, points: pd.DataFrame, parameter: str, metric: str, dimension: str,
             regimes: list[str], labels: Labels | None = None, measure: str | None = None) -> Figure | None:
    """A sweep's response curve: the mean of one metric against one swept parameter, per regime."""
    labels = labels or Labels()
    data = summary[(summary["metric"] == metric) & (summary["dimension"] == dimension)].merge(
        points[["point", parameter]], on="point")
    if data.empty:
        return None
    data["x"] = pd.to_numeric(data[parameter].astype(str).str.split().str[0], errors="coerce")
    data = data.groupby(["regime", "x"], as_index=False)[["mean", "ci_low", "ci_high"]].mean()
    shown = [r for r in regimes if r in set(data["regime"])]
    data["regime_label"] = data["regime"].map(labels.regime)
    measure = measure or metric.replace("_", " ")
    _style()
    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 3.6), layout="constrained")
    sns.lineplot(data=data, x="x", y="mean", hue="regime_label", hue_order=[labels.regime(r) for r in shown],
                 marker="o", ax=ax)
    ax.set(xlabel=labels.parameter(parameter), ylabel=_wrap(measure, 30))
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    colours = _colours(shown)
    _legend_below(fig, [Line2D([], [], color=colours[r], marker="o", label=labels.regime(r)) for r in shown],
                  "regime")
    alt = (f"Line chart of the mean {measure} against {labels.parameter(parameter)}, one line per regime, "
           "averaged over the other swept parameters.")
    return _png(fig), alt


def tornado(summary: pd.DataFrame, points: pd.DataFrame, parameters: list[str], metric: str, dimension: str,
            regime: str, labels: Labels | None = None, measure: str | None = None) -> Figure | None:
    """Sensitivity: how far the mean of one metric moves across each parameter's values (one regime)."""
    labels = labels or Labels()
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
    measure = measure or metric.replace("_", " ")
    _style()
    fig, ax = plt.subplots(figsize=(WIDTH, 0.5 * len(spans) + 1.2), layout="constrained")
    for i, (_parameter, low, high) in enumerate(spans):
        ax.barh(i, high - low, left=low, color=sns.color_palette(PALETTE)[2])
    ax.axvline(centre, color="black", linewidth=0.8)
    ax.set_yticks(range(len(spans)), [_wrap(labels.parameter(s[0]), 40) for s in spans])
    ax.set_xlabel(f"mean {measure} under the {labels.regime_prose(regime)} regime")
    alt = (f"Tornado chart: for each swept parameter, the range of the mean {measure} across its values, "
           "widest at the top.")
    return _png(fig), alt
