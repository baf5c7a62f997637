"""Building the funders' report from a results folder.

``build_report(RESULTS, OUT)`` writes ``OUT/report.html`` (one self-contained file: figures embedded as PNG
data, styles inline, nothing fetched from the network, every user-supplied name escaped) and
``OUT/report.pdf`` (the same page printed by headless Chromium). Every number in the text comes from
:mod:`simulator.results`: :func:`headline_facts` and :func:`paired_facts` return them as data, with the
sentences that say them, so that tests can check each one; :func:`headline_summary` picks the few the headline
says. Intervals are shown clipped to their measure's natural bounds (:func:`bounds`); the data keep the API's
numbers.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.io.store import ResultsError
from simulator.report import figures
from simulator.report.labels import NEEDS, Labels, capitalise, words
from simulator.report.sources import LABELS, ScenarioSources, find
from simulator.results import Results
from simulator.results import open as open_results


class ReportError(Exception):
    """The report cannot be built (no results, no browser for the PDF...)."""


@dataclass(frozen=True)
class Fact:
    """One number of the text: what it measures, its mean and 95% interval, and the sentence that says it.

    ``mean``, ``ci_low`` and ``ci_high`` are the results API's numbers, unrounded and unclipped; the sentence
    rounds them and clips the interval to the measure's natural bounds (:func:`bounds`). A fact that states
    the absence of a clear difference (key ``no_clear_difference``) has no numbers (NaN) and names in
    ``measures`` every ``(metric, dimension)`` it speaks of.
    """

    key: str
    regime: str
    metric: str
    dimension: str
    mean: float
    ci_low: float
    ci_high: float
    text: str
    measures: tuple[tuple[str, str], ...] = ()


#: measures funders track: (metric, dimension, label, unit, scale, decimals)
MEASURES: list[tuple[str, str, str, str, float, int]] = [
    ("time_homeless_mean_days", "exits", "length of time homeless at exit", "days", 1, 0),
    ("exits", "housed", "exits to housing", "", 1, 0),
    ("returns", "all", "returns to homelessness", "", 1, 0),
    ("new_inflow", "all", "new inflow", "people", 1, 0),
    ("chronic_clients", "all", "chronic shelter users served", "people", 1, 0),
    ("turnaway_rate", "all", "shelter requests refused", "%", 100, 2),
    ("unsheltered_nights_per_client", "all", "unsheltered nights per person", "nights", 1, 1),
    ("unmet_need_days_per_client", "all", "unmet-need days per person", "days", 1, 0),
    ("referral_completion_share", "all", "referrals completed", "%", 100, 1),
    ("referral_loss_share", "all", "referrals lost in handoffs", "%", 100, 1),
    ("coordination_staff_hours", "all", "staff hours spent on coordination", "hours", 1, 0),
    ("staff_hours", "all", "paid staff hours (all staff of the regime)", "hours", 1, 0),
    ("staff_cost", "all", "cost of the paid staff hours", "", 1, 0),
    ("count_total", "all", "people homeless on a given night", "people", 1, 0),
    ("count_outdoors", "all", "of whom outdoors", "people", 1, 0),
]
SUBGROUPS = ["women", "indigenous", "high_complexity"]
#: paired differences in the text and the forest plot: (metric, dimension, label, unit)
FOREST_ROWS: list[tuple[str, str, str, str]] = [
    ("unmet_need_days_per_client", "all", "unmet-need days per person", "days"),
    ("unsheltered_nights_per_client", "all", "unsheltered nights per person", "nights"),
    ("referral_loss_share", "all", "the share of referrals lost", "percentage points"),
    ("time_homeless_mean_days", "exits", "the time homeless at exit", "days"),
]
#: the order of one regime's facts in the headline
HEADLINE_ORDER = ("unmet", "lost", "wait", "unsheltered")
#: the most sentences the headline holds, and the most of them that are paired differences
HEADLINE_MAX = 8
HEADLINE_PAIRED_MAX = 3


def bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take: shares and rates (``*_share``, ``*_rate``) lie in [0, 1]; every other
    metric the simulator records is a count, a duration or a number per person, never negative.

    The t-interval over a few replications can cross these bounds; the report shows it clipped.
    """
    if metric.endswith(("_share", "_rate")):
        return 0.0, 1.0
    return 0.0, math.inf


def difference_bounds(metric: str) -> tuple[float, float]:
    """The values a difference between two regimes can take: ±1 for shares, anything otherwise."""
    low, high = bounds(metric)
    return low - high, high - low


def clip(low: float, high: float, limits: tuple[float, float]) -> tuple[float, float]:
    """An interval clipped to ``limits`` (NaN stays NaN)."""
    if pd.isna(low) or pd.isna(high):
        return low, high
    return max(low, limits[0]), min(high, limits[1])


def _fmt(value: float, scale: float = 1.0, decimals: int = 1) -> str:
    if pd.isna(value):
        return "n/a"
    text = f"{value * scale:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.0"


def _interval(metric: str, low: float, high: float, scale: float, decimals: int) -> str:
    if pd.isna(low):
        return "(one replication: no interval)"
    low, high = clip(low, high, bounds(metric))
    return f"(95% interval {_fmt(low, scale, decimals)} to {_fmt(high, scale, decimals)})"


def _first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["point"] == frame["point"].min()] if not frame.empty else frame


def scenario_of(results: Results) -> dict[str, Any] | None:
    """The resolved scenario of the results' first point (``scenarios/point=NNNNN.json``), if stored."""
    if results.points.empty:
        return None
    path = results.root / "scenarios" / f"point={int(results.points['point'].min()):05d}.json"
    if not path.is_file():
        return None
    try:
        scenario: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return scenario


def default_baseline(regimes: Sequence[str]) -> str:
    """The regime others are compared with: ``organic`` (the system as it is) when present."""
    return "organic" if "organic" in regimes else regimes[0]


def headline_facts(results: Results, labels: Labels | None = None) -> list[Fact]:
    """Every fact of the report's sentences, four for each regime (first point of a sweep).

    For each regime: the median wait at the mental health service, unsheltered nights per person, the share
    of referrals lost and unmet-need days per person, each with its 95% interval. The headline says a few
    of them (:func:`headline_summary`); the section "All measures, sentence by sentence" says them all.
    """
    labels = labels or Labels.from_scenario(scenario_of(results))
    summary = _first(results.summary())
    indexed = summary.set_index(["regime", "metric", "dimension"])
    facts: list[Fact] = []

    def add(key: str, regime: str, metric: str, dimension: str, sentence: str, scale: float = 1.0,
            decimals: int = 1) -> None:
        where: Any = (regime, metric, dimension)
        if where not in indexed.index:
            return
        row = indexed.loc[where]
        if pd.isna(row["mean"]):
            return
        text = sentence.format(value=_fmt(row["mean"], scale, decimals),
                               interval=_interval(metric, row["ci_low"], row["ci_high"], scale, decimals))
        facts.append(Fact(key, regime, metric, dimension, float(row["mean"]), float(row["ci_low"]),
                          float(row["ci_high"]), text))

    period = f"{float(results.manifest.get('horizon_days', 0)):g}"
    waits = summary[summary["metric"] == "wait_median_days"]["dimension"].unique().tolist()
    mental = next((s for s in waits if "mental" in s), waits[0] if waits else None)
    for regime in results.regimes:
        under = f"Under the {labels.regime_prose(regime)} regime"
        if mental is not None:
            add("wait", regime, "wait_median_days", mental,
                f"{under}, the median wait for a first appointment at {labels.service(mental)} is "
                "{value} days {interval}.", decimals=1)
        add("unsheltered", regime, "unsheltered_nights_per_client", "all",
            f"{under}, a person spends {{value}} nights outdoors on average over the {period} observed days "
            "{interval}.")
        add("lost", regime, "referral_loss_share", "all",
            f"{under}, {{value}}% of referrals are lost in handoffs {{interval}}.", 100, 1)
        add("unmet", regime, "unmet_need_days_per_client", "all",
            f"{under}, each person carries {{value}} unmet-need days {{interval}}.", 1, 0)
    return facts


def is_clear(fact: Fact) -> bool:
    """Whether a paired difference's 95% interval excludes zero."""
    return bool(fact.ci_low > 0 or fact.ci_high < 0)


def paired_facts(results: Results, baseline: str, labels: Labels | None = None) -> list[Fact]:
    """Paired differences of the main measures, regime minus baseline (first point)."""
    labels = labels or Labels.from_scenario(scenario_of(results))
    paired = results.paired(baseline)
    if paired.empty:
        return []
    paired = _first(paired)
    facts = []
    for metric, dimension, label, unit in FOREST_ROWS:
        for _, row in paired[(paired["metric"] == metric) & (paired["dimension"] == dimension)].iterrows():
            if pd.isna(row.get("ci_low")):
                continue
            mean, low, high = float(row["mean_difference"]), float(row["ci_low"]), float(row["ci_high"])
            shown_low, shown_high = clip(low, high, difference_bounds(metric))
            scale = 100.0 if unit == "percentage points" else 1.0
            sure = ("a difference the replications can tell from zero" if low > 0 or high < 0
                    else "not distinguishable from zero with these replications")
            text = (f"Compared with the {labels.regime_prose(baseline)} regime, the "
                    f"{labels.regime_prose(row['regime'])} regime changes {label} by {_fmt(mean, scale, 1)} "
                    f"{unit} (paired 95% interval {_fmt(shown_low, scale, 1)} to {_fmt(shown_high, scale, 1)}): "
                    f"{sure}.")
            facts.append(Fact("paired", str(row["regime"]), metric, dimension, mean, low, high, text))
    return facts


def headline_summary(results: Results, baseline: str | None = None, labels: Labels | None = None,
                     facts: list[Fact] | None = None, paired: list[Fact] | None = None) -> list[Fact]:
    """The headline: a few sentences, each one a fact of :func:`headline_facts` or :func:`paired_facts`.

    First the baseline regime's four measures with their 95% intervals; then, among the paired differences
    whose interval excludes zero, the largest relative to the baseline's mean for each measure, the largest
    first (at most :data:`HEADLINE_PAIRED_MAX`); then one sentence naming the measures on which no regime
    differs clearly from the baseline (key ``no_clear_difference``), if the headline has room
    (:data:`HEADLINE_MAX` sentences in all).
    """
    labels = labels or Labels.from_scenario(scenario_of(results))
    baseline = baseline or default_baseline(results.regimes)
    facts = headline_facts(results, labels) if facts is None else facts
    if paired is None:
        paired = paired_facts(results, baseline, labels) if len(results.regimes) > 1 else []
    chosen = sorted((f for f in facts if f.regime == baseline and f.key in HEADLINE_ORDER),
                    key=lambda f: HEADLINE_ORDER.index(f.key))
    if not paired:
        return chosen[:HEADLINE_MAX]
    summary = _first(results.summary()).set_index(["regime", "metric", "dimension"])

    def relative(fact: Fact) -> float:
        key: Any = (baseline, fact.metric, fact.dimension)
        base = abs(float(summary.loc[key]["mean"])) if key in summary.index else math.nan
        return abs(fact.mean) / base if base and not math.isnan(base) else abs(fact.mean)

    strongest: list[Fact] = []
    quiet: list[tuple[str, str]] = []
    for metric, dimension, *_ in FOREST_ROWS:
        measured = [f for f in paired if f.metric == metric and f.dimension == dimension]
        clear = [f for f in measured if is_clear(f)]
        if clear:
            strongest.append(max(clear, key=relative))
        elif measured:
            quiet.append((metric, dimension))
    strongest.sort(key=relative, reverse=True)
    chosen += strongest[:HEADLINE_PAIRED_MAX]
    if quiet and len(chosen) < HEADLINE_MAX:
        names = {(m, d): label for m, d, label, _ in FOREST_ROWS}
        said = [names[q] for q in quiet]
        listed = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} or {said[-1]}"
        others = [r for r in results.regimes if r != baseline]
        who = (f"The {labels.regime_prose(others[0])} regime does not differ" if len(others) == 1
               else "No other regime differs")
        text = (f"{who} from the {labels.regime_prose(baseline)} regime in {listed} by an amount these "
                "replications can tell from zero: every paired 95% interval includes zero.")
        chosen.append(Fact("no_clear_difference", "", quiet[0][0], quiet[0][1], math.nan, math.nan, math.nan, text,
                           tuple(quiet)))
    return chosen[:HEADLINE_MAX]


def _cell(metric: str, row: pd.Series, scale: float, decimals: int) -> str:
    low, high = clip(row["ci_low"], row["ci_high"], bounds(metric))
    interval = "" if pd.isna(low) else (
        f"<br><small>{_fmt(low, scale, decimals)} to {_fmt(high, scale, decimals)}</small>")
    return f"<td>{_fmt(row['mean'], scale, decimals)}{interval}</td>"


def _measures_table(summary: pd.DataFrame, regimes: list[str], labels: Labels,
                    rows: Sequence[tuple[str, str, str, str, float, int]], first: str = "measure",
                    caption: str = "") -> str:
    """A table of means with their 95% intervals (clipped to the measures' bounds), a column per regime."""
    head = "".join(f"<th scope='col'>{html.escape(labels.regime(r))}</th>" for r in regimes)
    body = []
    indexed = summary.set_index(["regime", "metric", "dimension"])
    for metric, dimension, label, unit, scale, decimals in rows:
        cells = []
        for regime in regimes:
            key: Any = (regime, metric, dimension)
            if key in indexed.index and pd.notna(indexed.loc[key]["mean"]):
                cells.append(_cell(metric, indexed.loc[key], scale, decimals))
            else:
                cells.append("<td>-</td>")
        if any(cell != "<td>-</td>" for cell in cells):
            unit_text = f" ({html.escape(unit)})" if unit else ""
            body.append(f"<tr><th scope='row'>{html.escape(label)}{unit_text}</th>{''.join(cells)}</tr>")
    if not body:
        return ""
    short = " class='keep'" if len(body) <= SHORT_TABLE_ROWS else ""
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f"<table{short}>{caption_html}<thead><tr><th scope='col'>{html.escape(first)}</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _figure(made: tuple[bytes, str] | None, caption: str) -> str:
    if made is None:
        return ""
    png, alt = made
    data = base64.b64encode(png).decode("ascii")
    width, height = figures.css_size(png)  # printed at the size it was drawn, its text at its own size
    return (f"<figure><img src='data:image/png;base64,{data}' width='{width}' height='{height}' "
            f"alt='{html.escape(alt, quote=True)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


#: tables of at most this many rows are kept on one page; longer ones break between rows
SHORT_TABLE_ROWS = 8

STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #0072b2;padding-bottom:.2rem;margin-top:2rem}
h3{margin-top:1.4rem}.sub{color:#555}.note{font-size:.85rem;color:#444}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:right;vertical-align:top}
thead th{background:#eef4fa}thead th:first-child{text-align:left}
tbody th{text-align:left;font-weight:normal}table.text td,table.text th{text-align:left}
thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}
table.parameters{font-size:.75rem;table-layout:fixed;line-height:1.3}
table.parameters td,table.parameters th{padding:.15rem .35rem;text-align:left}
table.parameters td.value{overflow-wrap:anywhere}table.parameters tr.group th{background:#f3f3f3;font-weight:bold}
col.name{width:37%}col.value{width:21%}col.note{width:42%}
.section-note{display:block;font-weight:normal}
figure{margin:1.2rem 0;break-inside:avoid;page-break-inside:avoid}figure img{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444}
.facts li{margin:.3rem 0}ul.all{font-size:.9rem}ul.all li{margin:.15rem 0}
code,pre{background:#f4f4f4;padding:.1rem .3rem;font-size:.85rem}
pre{padding:.6rem;white-space:pre-wrap;word-break:break-all;break-inside:avoid;page-break-inside:avoid}
@page{margin:16mm 14mm}
@media print{body{margin:0;max-width:none;padding:0}h2,h3,caption{break-after:avoid;page-break-after:avoid}
table.keep{break-inside:avoid;page-break-inside:avoid}tr.group{break-after:avoid;page-break-after:avoid}}
"""


def build_html(results: Results, title: str, baseline: str | None = None) -> str:
    """The report as one self-contained HTML document."""
    manifest = results.manifest
    regimes = results.regimes
    baseline = baseline or default_baseline(regimes)
    first_point = int(results.points["point"].min())
    scenario_path = results.root / "scenarios" / f"point={first_point:05d}.json"
    if not scenario_path.exists():
        raise ReportError(f"{scenario_path} is missing: the report needs the scenario of the results")
    scenario = scenario_of(results)
    if scenario is None:
        raise ReportError(f"{scenario_path} cannot be read: the report needs the scenario of the results")
    labels = Labels.from_scenario(scenario)
    summary = results.summary()
    first = _first(summary)
    facts = headline_facts(results, labels)
    paired = paired_facts(results, baseline, labels) if len(regimes) > 1 else []
    headline = headline_summary(results, baseline, labels, facts, paired)
    metrics = results.metrics
    start = scenario.get("start_date", "2022-01-01")
    parameters = [c for c in results.points.columns if c not in ("point", "config_hash")]
    description = str(scenario.get("description") or "").strip()
    horizon = f"{float(manifest.get('horizon_days') or 0):g}"
    warmup = f"{float(manifest.get('warmup_days') or 0):g}"
    points = int(manifest.get("points", 1) or 1)

    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='sub'>Scenario <code>{html.escape(str(manifest.get('name', '')))}</code>"
             + (f": {html.escape(description)}" if description else "") + "</p>",
             f"<p class='sub'>{len(regimes)} regime{'s' if len(regimes) != 1 else ''} compared "
             f"({html.escape(', '.join(labels.regime(r) for r in regimes))}), "
             f"{manifest.get('replications')} replications each"
             + (f", at {points} points of a sweep (the text speaks of the first)" if points > 1 else "")
             + f"; one observed period of {horizon} days after a warm-up of {warmup} days. Every number is a "
             "mean over replications with its 95% interval.</p>",
             "<h2>Headline</h2><ul class='facts headline'>"]
    parts += [f"<li>{html.escape(f.text)}</li>" for f in headline]
    parts.append("</ul><p class='note'>Every measure for every regime, sentence by sentence, is in "
                 "<a href='#all-measures'>All measures, sentence by sentence</a>.</p>")
    parts.append("<h2>Measures funders track</h2>")
    parts.append(_measures_table(first, regimes, labels, MEASURES))
    wait_rows = _wait_rows(first, labels)
    if wait_rows:
        parts.append(_measures_table(first, regimes, labels, wait_rows, "service",
                                     "Median wait for a first appointment or a place, by service (days)"))
    parts.append("<h2>For whom</h2>")
    group_rows: list[tuple[str, str, str, str, float, int]] = []
    for group in SUBGROUPS:
        name = labels.group(group)
        group_rows += [("unmet_need_days_per_client", group, f"unmet-need days per person: {name}", "days", 1, 0),
                       ("unsheltered_nights_per_client", group, f"unsheltered nights per person: {name}",
                        "nights", 1, 1),
                       ("housed_share", group, f"share housed: {name}", "%", 100, 1)]
    parts.append(_measures_table(first, regimes, labels, group_rows))
    parts.append("<h2>Figures</h2>")
    parts.append(_figure(figures.waits(metrics, regimes, labels), "Waits at each service by regime."))
    parts.append(_figure(figures.unmet_needs(metrics, regimes, labels), "Unmet-need days by need and regime."))
    parts.append(_figure(figures.occupancy(results.nights, regimes, start, labels),
                         "Shelter occupancy and refusals over the observed period."))
    parts.append(_figure(figures.funnel(metrics, regimes, labels),
                         "What became of the referrals, by regime and adjustment type."))
    if len(regimes) > 1:
        parts.append(_figure(figures.forest(results.paired(baseline), FOREST_ROWS, labels),
                             f"Paired differences from the {labels.regime_prose(baseline)} regime."))
    if parameters and len(results.points) > 1:
        parts.append("<h2>Across the swept parameters</h2>")
        measure = "unmet-need days per person"
        for parameter in parameters:
            parts.append(_figure(figures.response(summary, results.points, parameter,
                                                  "unmet_need_days_per_client", "all", regimes, labels, measure),
                                 f"Unmet-need days per person against {labels.parameter(parameter)} "
                                 f"({parameter})."))
        parts.append(_figure(figures.tornado(summary, results.points, parameters, "unmet_need_days_per_client",
                                             "all", baseline, labels, measure),
                             "Which swept parameters move unmet-need days most."))
    parts.append("<h2 id='all-measures'>All measures, sentence by sentence</h2>")
    parts.append("<h3>Under each regime</h3><ul class='facts all'>")
    parts += [f"<li>{html.escape(f.text)}</li>" for f in facts]
    parts.append("</ul>")
    if paired:
        parts.append(f"<h3>Against the {html.escape(labels.regime_prose(baseline))} regime</h3><ul class='facts all'>")
        parts += [f"<li>{html.escape(f.text)}</li>" for f in paired]
        parts.append("</ul>")
    parts.append(_methods(results, scenario, labels))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")


def _wait_rows(summary: pd.DataFrame, labels: Labels) -> list[tuple[str, str, str, str, float, int]]:
    present = set(summary[summary["metric"] == "wait_median_days"]["dimension"])
    services = [s for s in labels.services if s in present] + sorted(present - set(labels.services))
    return [("wait_median_days", s, labels.service(s), "", 1, 1) for s in services]


def _shown_path(path: Path) -> str:
    """A file's path relative to the working folder or the project, never an absolute path of this machine."""
    resolved = path.resolve()
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def _file_matches(sources: ScenarioSources, manifest: dict[str, Any]) -> bool:
    """Whether the scenario file, read now, is the scenario the results were made from (same hash)."""
    from simulator.config import ConfigError, load_config
    from simulator.io import config_hash

    try:
        return config_hash(load_config(sources.files[-1])) == manifest.get("base_config_hash")
    except (ConfigError, OSError, ValueError):
        return False


def _data_row(scenario: dict[str, Any], sources: ScenarioSources) -> str:
    """STRESS-DES "Data": what the scenario is, and what its file says of where its numbers come from."""
    name = str(scenario.get("name", "?"))
    description = str(scenario.get("description") or "").strip().rstrip(".")
    intro = f"Scenario {name}" + (f": {description}." if description else ".")
    if not sources.files:
        return (f"{intro} Its file was not found beside the results (looked for {', '.join(sources.tried[:3])}), "
                "so where its numbers come from cannot be shown: treat each one as an assumption until checked.")
    shown = _shown_path(sources.files[-1])
    sourced, derived, assumed = sources.count("S"), sources.count("D"), sources.count("A")
    calibrated = sources.count("C")
    if sourced + derived == 0:
        return (f"{intro} Its file ({shown}) cites no sources: the parameters are illustrative, not measured, "
                "so no number in this report describes a real city.")
    years = sources.years()
    span = ""
    if years:
        span = (f" The notes of the sourced and derived figures cite {years[0]}" if years[0] == years[1]
                else f" The notes of the sourced and derived figures cite years from {years[0]} to {years[1]}, "
                "so the data mix years.")
    fitted = f", {calibrated} as calibrated to targets [C]" if calibrated else ""
    return (f"{intro} The comments of {shown} label {sourced} parameters as sourced [S], {derived} as derived "
            f"from sourced figures [D]{fitted} and {assumed} as assumptions [A] (the table above).{span}")


def _value_text(value: str, labels: Labels) -> str:
    """A value as written in the scenario file, in words where that is plain: ``{dist: lognormal, mean: 45 min}``
    -> "lognormal, mean 45 min"; needs and services by their labels; nested values as written."""
    text = value.strip()
    inner = text[1:-1]
    if not inner.strip() or any(c in inner for c in "{}[]"):
        return text
    items = [item.strip() for item in inner.split(",") if item.strip()]
    if text.startswith("{") and text.endswith("}"):
        out = []
        for item in items:
            key, _, written = (part.strip().strip("'\"") for part in item.partition(":"))
            out.append(written if key == "dist" else f"{labels.need(key) if key in NEEDS else words(key)} {written}")
        return ", ".join(out)
    if text.startswith("[") and text.endswith("]"):
        names = [item.strip("'\"") for item in items]
        if all(name in labels.services for name in names):
            return "; ".join(labels.service(name) for name in names)
        return ", ".join(names)
    return text


def _parameter_table(sources: ScenarioSources, labels: Labels) -> str:
    body = []
    for section, rows in sources.sections():
        # a note on a whole top-level block (``referrals:  # ...``) goes into the section's heading row
        whole = [row.note for row in rows if not row.value and "." not in row.path]
        note = f"<span class='section-note'>{html.escape(' '.join(whole))}</span>" if whole else ""
        body.append(f"<tr class='group'><th colspan='3' scope='colgroup'>{html.escape(section)}{note}</th></tr>")
        for row in rows:
            if not row.value and "." not in row.path:
                continue
            value = html.escape(_value_text(row.value, labels)) if row.value else "(the lines below)"
            body.append(f"<tr><th scope='row'>{html.escape(labels.parameter(row.path))}</th>"
                        f"<td class='value'>{value}</td><td class='note'>{html.escape(row.note)}</td></tr>")
    legend = ", ".join(f"[{k}] {v}" for k, v in LABELS.items() if k != "C" or sources.count("C"))
    return ("<table class='parameters'><colgroup><col class='name'><col class='value'><col class='note'>"
            "</colgroup><thead><tr><th scope='col'>parameter</th><th scope='col'>value</th><th scope='col'>source "
            f"and note ({html.escape(legend)})</th></tr></thead><tbody>{''.join(body)}</tbody></table>")


def _regimes_table(regimes: Sequence[str], labels: Labels) -> str:
    rows = "".join(f"<tr><th scope='row'>{html.escape(labels.regime(r))}</th>"
                   f"<td>{html.escape(capitalise(labels.describe_regime(r)) or '(no description)')}</td></tr>"
                   for r in regimes)
    short = " keep" if len(regimes) <= SHORT_TABLE_ROWS else ""
    return (f"<table class='text{short}'><caption>The regimes compared</caption><thead><tr><th scope='col'>regime"
            f"</th><th scope='col'>how referrals are coordinated</th></tr></thead><tbody>{rows}</tbody></table>")


def _methods(results: Results, scenario: dict[str, Any], labels: Labels) -> str:
    manifest = results.manifest
    spec = results.root / "spec.json"
    try:
        spec_base = str(json.loads(spec.read_text(encoding="utf-8")).get("base", "")) if spec.is_file() else ""
    except (OSError, ValueError):
        spec_base = ""
    sources = find(str(scenario.get("name", manifest.get("name", ""))), manifest.get("command", []), spec_base)
    parts = []
    if sources.parameters:
        extended = ", ".join(_shown_path(f) for f in sources.files[:-1])
        caption = (f"<h3>Parameters and their sources</h3><p class='note'>Every labelled line of "
                   f"{html.escape(_shown_path(sources.files[-1]))}"
                   + (f" and of the files it extends ({html.escape(extended)})" if extended else "")
                   + ", grouped by section; a section's own note applies to all its lines.")
        if not _file_matches(sources, manifest):
            caption += (" The file as it is now is not the scenario these results were made from (a command-line "
                        "or sweep override, or an edit since): the values the model used are in the results "
                        f"folder, scenarios/point={int(results.points['point'].min()):05d}.json.")
        parts.append(caption + "</p>" + _parameter_table(sources, labels))
    replications = int(manifest.get("replications") or 0)
    stress = [
        ("Objectives", "Compare coordination regimes on waits, unmet needs, unsheltered nights, referral losses "
                       "and staff time."),
        ("Model logic", "Discrete-event simulation (SimPy) of clients, shelters, clinics, outreach and housing; "
                        "every referral is a handoff whose effect depends on its adjustment type (docs/model.md)."),
        ("Data", _data_row(scenario, sources)),
        ("Experimentation", f"{replications} replications per regime and point, warm-up "
                            f"{float(manifest.get('warmup_days') or 0):g} days, seed {manifest.get('seed')}, common "
                            "random numbers across regimes and points; 95% Student t intervals over replications, "
                            "paired by replication for differences between regimes."),
        ("Implementation", f"simulator {manifest.get('versions', {}).get('simulator', '?')}, Python "
                           f"{manifest.get('versions', {}).get('python', '?')}."),
        ("Code access", "The scenario, results folder and commands below regenerate every number."),
    ]
    stress_rows = "".join(f"<tr><th scope='row'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>"
                          for a, b in stress)
    command = shlex.join(manifest.get("command", [])) or "(not recorded)"
    limitations = []
    if not sources.files or sources.count("S") + sources.count("D") == 0:
        limitations.append("The parameters are illustrative: sweep them before drawing conclusions")
    else:
        limitations.append("Parameters marked [A] were not measured and should be swept")
        if sources.count("C"):
            limitations.append("values marked [C] were fitted to published figures by simulator calibrate, not "
                               "measured, and hold only as far as those targets identify them")
        years = sources.years()
        if years and years[0] != years[1]:
            limitations.append(f"the sourced figures mix years ({years[0]}-{years[1]})")
    limitations += ["each organisation is modelled as one service, and a clinic's capacity is the staff serving "
                    "this population, not the whole clinic",
                    "waits of people still waiting at the horizon are censored (counted, not averaged)"]
    if 0 < replications < 10:
        limitations.append(f"with {replications} replications the intervals are wide: use 10 or more before "
                           "quoting a difference called \"not distinguishable from zero\"")
    return (
        "<h2>Methods and assumptions</h2>"
        "<p>Clients arrive by a seasonal Poisson inflow and from an initial point-in-time stock, ask for shelter "
        "beds night by night, and are referred between organisations for their needs (primary care, mental "
        "health, substance use, housing, income and documents). Each referral's latency, loss, information "
        "carried, staff time and priority follow its adjustment type: unilateral, bilateral or multilateral "
        "mutual adjustment, or the integrated (bureaucratic) access point. The full specification is "
        "docs/model.md.</p>"
        + _regimes_table(results.regimes, labels) +
        "<p>Intervals are 95% Student t intervals over replications; where one crosses a natural bound (a share "
        "below 0% or above 100%, a count, duration or rate below zero) the tables, sentences and figures show it "
        "clipped at that bound, while the results folder and the results API keep the unclipped numbers.</p>"
        + "".join(parts) +
        "<h3>Reporting items (STRESS-DES)</h3>"
        f"<table class='keep text'><tbody>{stress_rows}</tbody></table>"
        f"<h3>Limitations</h3><p>{html.escape('; '.join(limitations))}.</p>"
        "<h3>Reproducibility</h3>"
        f"<pre>results: {html.escape(str(results.root))}\n"
        f"spec hash: {html.escape(str(manifest.get('spec_hash')))}\n"
        f"scenario hash: {html.escape(str(manifest.get('base_config_hash')))}\n"
        f"seed: {html.escape(str(manifest.get('seed')))}\n"
        f"results made by: {html.escape(command)}\n"
        f"report made by: simulator report {html.escape(str(results.root))}\n"
        f"built: {datetime.now(UTC).isoformat(timespec='seconds')}</pre>")


def chromium() -> str | None:
    """The headless browser that prints the PDF (Debian package ``chromium``)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the HTML page to PDF with headless Chromium."""
    browser = chromium()
    if browser is None:
        raise ReportError("the PDF needs headless Chromium (Debian: apt-get install chromium); the HTML report "
                          f"is at {html_path}; use --no-pdf to skip the PDF")
    with tempfile.TemporaryDirectory() as profile:
        tmp_pdf = pdf_path.with_suffix(".pdf.tmp")
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={tmp_pdf}", html_path.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0 or not tmp_pdf.exists():
            raise ReportError(f"Chromium could not print the PDF (exit {done.returncode}): "
                              f"{done.stderr.strip()[-500:]}")
        os.replace(tmp_pdf, pdf_path)


def build_report(results_dir: str | Path, out: str | Path, title: str | None = None, pdf: bool = True,
                 baseline: str | None = None, verify: bool = True) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) for a results folder; return the files written.

    ``verify=False`` skips checking the table files against their recorded checksums (see
    :func:`simulator.results.open`).
    """
    try:
        results = open_results(results_dir, verify=verify)
    except ResultsError as exc:
        raise ReportError(str(exc)) from None
    if results.metrics.empty:
        raise ReportError(f"{results_dir}: the results hold no metrics")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = str(results.manifest.get("name", "results"))
    document = build_html(results, title or f"What the model says: {name}", baseline)
    html_path = out / "report.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(document, encoding="utf-8")
    os.replace(tmp, html_path)
    written = [html_path]
    if pdf:
        print_pdf(html_path, out / "report.pdf")
        written.append(out / "report.pdf")
    return written
