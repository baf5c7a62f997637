"""Building the funders' report from a results folder.

``build_report(RESULTS, OUT)`` writes ``OUT/report.html`` (one self-contained file: figures embedded as PNG
data, styles inline, nothing fetched from the network, every user-supplied name escaped) and
``OUT/report.pdf`` (the same page printed by headless Chromium). Every number in the text comes from
:mod:`simulator.results`: :func:`headline_facts` and :func:`paired_facts` return them as data, with the
sentences that say them, so that tests can check each one; :func:`headline_summary` picks the few the headline
says. Intervals are shown clipped to their measure's natural bounds (:func:`bounds`); the data keep the API's
numbers.

The page is laid out by jinja2 templates shipped in ``simulator/report/templates/``: ``report.html.j2`` (the
page), ``macros.html.j2`` (a table of measures, a figure) and ``report.css`` (the style sheet, inlined into the
page's ``<style>`` so that the report stays one file). This module computes and formats every number and
sentence; the templates hold no arithmetic. ``build_report(..., template_dir=DIR)`` (``simulator report
--template-dir DIR``) looks in ``DIR`` first: a ``report.css`` there restyles the page, and a ``report.html.j2``
there replaces the page, usually by extending the packaged one, which is always reachable as
``base/report.html.j2``, and overriding some of its blocks::

    {% extends "base/report.html.j2" %}
    {% block footer %}<p class='note'>Prepared for the board.</p>{% endblock %}

The blocks: ``head`` (holding ``style``), ``body``, and within ``body``: ``header``, ``headline``, ``measures``,
``for_whom``, ``figures``, ``sweep``, ``all_measures``, ``methods`` (holding ``model``, ``regimes``,
``intervals``, ``parameters``, ``stress_des``, ``limitations`` and ``reproducibility``) and ``footer`` (empty).
``{{ super() }}`` in a block keeps the packaged content; ``{{ inline("NAME") }}`` writes a file of the template
folders as it is (how ``report.css`` gets into the page). Every ``{{ value }}`` is escaped by
:func:`html.escape`; an undefined variable is an error. The variables: ``title``; ``scenario`` and
``description``; ``regimes`` (each with ``label`` and ``description``), ``regime_list`` (their names, comma
separated) and ``regimes_keep``; ``replications``, ``points``, ``horizon`` and ``warmup`` (days); ``headline``,
``facts`` and ``paired`` (sentences); ``baseline`` (the baseline regime's name in prose); ``measures``,
``waits`` and ``groups`` (each a :class:`Table` or None); ``figures`` and ``sweep`` (lists of :class:`Picture`;
``sweep`` is None for a single point); ``parameters`` (:class:`Parameters` or None); ``stress`` (each with
``name`` and ``text``); ``limitations`` (one sentence without its full stop); ``run`` (:class:`Run`). A folder
that does not exist, or a template that cannot be parsed or rendered, is a :class:`ReportError` naming the file
(and the line).
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

import jinja2
import pandas as pd
from markupsafe import Markup

from simulator.io.store import ResultsError
from simulator.metrics.summary import FEW_MARK, MIN_OBSERVATIONS, MIN_REPLICATIONS
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
#: the measures as the funders' programmes define them (docs/model.md section 9): (metric, dimension, label,
#: unit, scale, decimals); the label names the measure mirrored
FUNDERS: list[tuple[str, str, str, str, float, int]] = [
    ("returns_within_share", "6m", "returned within 6 months of an exit to housing [HUD SPM 2]",
     "% of exits followed", 100, 1),
    ("returns_within_share", "12m", "returned within 12 months of an exit to housing [HUD SPM 2]",
     "% of exits followed", 100, 1),
    ("returns_within_share", "24m", "returned within 24 months of an exit to housing [HUD SPM 2]",
     "% of exits followed", 100, 1),
    ("housing_retention_share", "6m", "still housed 6 months after an exit to housing [HUD SPM 7]", "%", 100, 1),
    ("housing_retention_share", "12m", "still housed 12 months after an exit to housing [HUD SPM 7]", "%", 100,
     1),
    ("first_time_share", "all", "entries that are first-time homelessness [HUD SPM 5; Reaching Home]", "%", 100,
     1),
    ("chronic_homeless", "count_night", "chronically homeless on the count night [Reaching Home]", "people", 1,
     0),
    ("chronic_homeless_share", "count_night", "of those counted that night, chronically homeless", "%", 100, 1),
    ("chronic_homeless", "year", "chronically homeless at some time in the observed period [Reaching Home]",
     "people", 1, 0),
    ("inflow_per_month", "all", "entering homelessness per month [Built for Zero]", "people", 1, 0),
    ("outflow_per_month", "all", "leaving homelessness per month [Built for Zero]", "people", 1, 0),
    ("months_outflow_above_inflow", "all", "months in which more left than entered [Built for Zero]", "months",
     1, 1),
    ("functional_zero_ratio", "all",
     "people homeless on a night per monthly exit; functional zero at 1 or less [Built for Zero]", "ratio", 1, 2),
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

    def said(regime: str, metric: str, dimension: str, scale: float, decimals: int) -> tuple[str, str] | None:
        where: Any = (regime, metric, dimension)
        if where not in indexed.index or pd.isna(indexed.loc[where]["mean"]):
            return None
        row = indexed.loc[where]
        return (_fmt(row["mean"], scale, decimals),
                _interval(metric, row["ci_low"], row["ci_high"], scale, decimals))

    def add(key: str, regime: str, metric: str, dimension: str, sentence: str, scale: float = 1.0,
            decimals: int = 1, **extra: str) -> None:
        where: Any = (regime, metric, dimension)
        if where not in indexed.index:
            return
        row = indexed.loc[where]
        if pd.isna(row["mean"]):
            return
        text = sentence.format(value=_fmt(row["mean"], scale, decimals),
                               interval=_interval(metric, row["ci_low"], row["ci_high"], scale, decimals),
                               **extra)
        if bool(row.get("few", False)):
            text += f" {_few_note(row)}"
        facts.append(Fact(key, regime, metric, dimension, float(row["mean"]), float(row["ci_low"]),
                          float(row["ci_high"]), text))

    period = f"{float(results.manifest.get('horizon_days', 0)):g}"
    waits = summary[summary["metric"] == "wait_median_days"]["dimension"].unique().tolist()
    mental = next((s for s in waits if "mental" in s), waits[0] if waits else None)
    for regime in results.regimes:
        under = f"Under the {labels.regime_prose(regime)} regime"
        if mental is not None:
            # a wait never stands without those who gave up: a shorter wait can hide more people leaving
            gave_up = said(regime, "abandonment_share", mental, 100, 1)
            line = said(regime, "line_time_median_days", mental, 1, 1)
            before = ""
            if gave_up is not None:
                before = (f"{gave_up[0]}% of those who joined the line at {labels.service(mental)} gave up or "
                          f"were turned away {gave_up[1]}")
                if line is not None:
                    before += f" and the median time in line of all who joined is {line[0]} days {line[1]}"
                before += "; "
            add("wait", regime, "wait_median_days", mental,
                f"{under}, {{before}}the median wait of those served for a first appointment at "
                f"{labels.service(mental)} is {{value}} days {{interval}}.", decimals=1,
                before=before.replace("{", "{{").replace("}", "}}"))
        add("unsheltered", regime, "unsheltered_nights_per_client", "all",
            f"{under}, a person spends {{value}} nights outdoors on average over the {period} observed days "
            "{interval}.")
        add("lost", regime, "referral_loss_share", "all",
            f"{under}, {{value}}% of referrals are lost in handoffs {{interval}}.", 100, 1)
        add("unmet", regime, "unmet_need_days_per_client", "all",
            f"{under}, each person carries {{value}} unmet-need days {{interval}}.", 1, 0)
    return facts


def _few_note(row: pd.Series) -> str:
    """What the text says of a figure that rests on few data (docs/model.md section 10)."""
    observations = row.get("observations", math.nan)
    if pd.notna(observations):
        return (f"(Few data: {int(observations):,} observations over {int(row['n'])} replications; read this "
                "figure with care.)")
    return f"(Few data: {int(row['n'])} replication{'s' if int(row['n']) != 1 else ''}; read this figure with care.)"


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
            if bool(row.get("few", False)):
                text += f" (Few data: {int(row['n'])} pairs, or a side resting on few observations; read with care.)"
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


@dataclass(frozen=True)
class Cell:
    """One regime's mean of a measure, formatted, and its 95% interval clipped to the measure's bounds
    (``low`` and ``high`` None with one replication); ``few`` when it rests on few data (greyed out, with a
    footnote)."""

    mean: str
    low: str | None = None
    high: str | None = None
    few: bool = False


@dataclass(frozen=True)
class TableRow:
    """A measure: its label (with its unit) and a cell per regime, None where the regime lacks the measure."""

    label: str
    cells: tuple[Cell | None, ...]


@dataclass(frozen=True)
class Table:
    """A table of means with their 95% intervals, a column per regime."""

    first: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    caption: str = ""
    notes: tuple[str, ...] = ()
    """footnotes under the table (few data, censored follow-ups)"""

    @property
    def keep(self) -> bool:
        """Short enough to be kept on one printed page."""
        return len(self.rows) <= SHORT_TABLE_ROWS


@dataclass(frozen=True)
class Picture:
    """A figure as the page shows it: the PNG as a ``data:`` URI, its size in CSS pixels, alt text, caption."""

    src: str
    width: int
    height: int
    alt: str
    caption: str


@dataclass(frozen=True)
class RegimeRow:
    label: str
    description: str


@dataclass(frozen=True)
class ParameterLine:
    name: str
    value: str
    note: str


@dataclass(frozen=True)
class ParameterSection:
    """A top-level section of the scenario file, its own note (None when it has none) and its lines."""

    title: str
    note: str | None
    lines: tuple[ParameterLine, ...]


@dataclass(frozen=True)
class Parameters:
    """The labelled lines of the scenario file: the file, the files it extends (comma-separated, "" for none),
    the stored scenario to read instead when the file has changed since the run (None when it has not), the
    legend of the labels, and the sections."""

    file: str
    extended: str
    changed: str | None
    legend: str
    sections: tuple[ParameterSection, ...]


@dataclass(frozen=True)
class StressItem:
    name: str
    text: str


@dataclass(frozen=True)
class Run:
    """What the Reproducibility section says: the results folder, hashes, seed, commands and build time."""

    results: str
    spec_hash: str
    scenario_hash: str
    seed: str
    command: str
    built: str


#: the footnote of a table with figures on few data
FEW_NOTE = (f"Greyed, with {FEW_MARK}: the figure rests on few data, fewer than {MIN_OBSERVATIONS} observations "
            f"(visits, people, exits...) over all replications, or fewer than {MIN_REPLICATIONS} replications. "
            "Read it with care; more replications (simulator run --precision) narrow it.")


def _cell(metric: str, row: pd.Series, scale: float, decimals: int) -> Cell:
    low, high = clip(row["ci_low"], row["ci_high"], bounds(metric))
    mean = _fmt(row["mean"], scale, decimals)
    few = bool(row.get("few", False))
    if pd.isna(low):
        return Cell(mean, few=few)
    return Cell(mean, _fmt(low, scale, decimals), _fmt(high, scale, decimals), few)


#: a quantile of the time in line that the Kaplan-Meier curve never reaches: the cell, and the table's note
NOT_REACHED = "not reached"
NOT_REACHED_NOTE = (f"{capitalise(NOT_REACHED)}: too many of those who joined were still waiting when the run "
                    "ended (censored) for the median time in line to be known; it is longer than the run can tell.")


def _measures_table(summary: pd.DataFrame, regimes: list[str], labels: Labels,
                    rows: Sequence[tuple[str, str, str, str, float, int]], first: str = "measure",
                    caption: str = "", notes: Sequence[str] = ()) -> Table | None:
    """A table of means with their 95% intervals (clipped to the measures' bounds), a column per regime; None
    when no regime has any of the measures. A median time in line is "not reached" where the service had
    visits but the curve never fell to one half."""
    body = []
    indexed = summary.set_index(["regime", "metric", "dimension"])
    unknown = False
    for metric, dimension, label, unit, scale, decimals in rows:
        cells: list[Cell | None] = []
        for regime in regimes:
            key: Any = (regime, metric, dimension)
            visited: Any = (regime, "visits", dimension)
            if key in indexed.index and pd.notna(indexed.loc[key]["mean"]):
                cells.append(_cell(metric, indexed.loc[key], scale, decimals))
            elif metric == "line_time_median_days" and visited in indexed.index:
                cells.append(Cell(NOT_REACHED))
                unknown = True
            else:
                cells.append(None)
        if any(cell is not None for cell in cells):
            body.append(TableRow(f"{label} ({unit})" if unit else label, tuple(cells)))
    if not body:
        return None
    few = any(cell is not None and cell.few for row in body for cell in row.cells)
    return Table(first, tuple(labels.regime(r) for r in regimes), tuple(body), caption,
                 (*notes, *([NOT_REACHED_NOTE] if unknown else []), *([FEW_NOTE] if few else [])))


def _figure(made: tuple[bytes, str] | None, caption: str) -> Picture | None:
    if made is None:
        return None
    png, alt = made
    width, height = figures.css_size(png)  # printed at the size it was drawn, its text at its own size
    return Picture(f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}", width, height, alt, caption)


#: tables of at most this many rows are kept on one page; longer ones break between rows
SHORT_TABLE_ROWS = 8

#: the packaged templates: the page (report.html.j2), the pieces it repeats (macros.html.j2), its style (report.css)
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: the files a template folder of the user's may hold to override the packaged ones
TEMPLATE_NAMES = ("report.html.j2", "report.css", "macros.html.j2")
#: the packaged style sheet, which the page inlines
STYLE = (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _escaped(value: Any) -> Markup:
    """A value as the page writes it: escaped by :func:`html.escape` (``&``, ``<``, ``>`` and both quotes),
    unless it is markup already (a macro's output, a block, an inlined style sheet)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


@jinja2.pass_environment
def _inline(env: jinja2.Environment, name: str) -> Markup:
    """A file of the template folders as it is, not rendered (a style sheet to inline into ``<style>``)."""
    if env.loader is None:
        raise jinja2.TemplateNotFound(name)
    source, _, _ = env.loader.get_source(env, name)
    return Markup(source)


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The jinja2 environment of the report's templates.

    A name is looked up in ``template_dir`` first (when given), then among the packaged templates; ``base/NAME``
    always names the packaged ``NAME``, so that a user's ``report.html.j2`` can extend the packaged page.
    Every ``{{ value }}`` is escaped, and an undefined variable is an error rather than an empty string.
    """
    packaged = jinja2.FileSystemLoader(TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"base": packaged})]
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            what = "not a folder" if folder.exists() else "no such template folder"
            raise ReportError(f"{folder}: {what} (a template folder holds a report.css and/or a report.html.j2 "
                              "of your own)")
        if not any((folder / name).is_file() for name in TEMPLATE_NAMES):
            raise ReportError(f"{folder}: the template folder holds none of {', '.join(TEMPLATE_NAMES)}, so "
                              "it would change nothing")
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(packaged)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(("html", "htm", "xml", "html.j2"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        finalize=_escaped,  # html.escape's entities, as the page has always written them
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["e"] = env.filters["escape"] = _escaped
    env.globals["inline"] = _inline
    env.globals["few_mark"] = FEW_MARK
    return env


def _where(exc: BaseException) -> str:
    """``FILE, line N: `` of the innermost template line an error came from, or "" (jinja2 puts the templates'
    lines into the traceback)."""
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not name.endswith(".py") and not name.startswith("<"):
            found = f"{name}, line {tb.tb_lineno}: "
        tb = tb.tb_next
    return found


def _template_error(exc: Exception) -> ReportError:
    """The report's error for a template that cannot be read, parsed or rendered, naming the file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return ReportError(f"{exc.filename or exc.name or 'a template'}, line {exc.lineno}: template syntax error: "
                           f"{exc.message}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return ReportError(f"{_where(exc)}template {exc.name!r} not found (the packaged templates are "
                           "\"base/report.html.j2\", \"base/macros.html.j2\" and \"base/report.css\")")
    if isinstance(exc, UnicodeDecodeError):
        return ReportError(f"a template file is not UTF-8 text: {exc}")
    return ReportError(f"{_where(exc)}the template failed: {exc}")


def _template(template_dir: str | Path | None) -> jinja2.Template:
    """The page's template, ``report.html.j2``: the user's when ``template_dir`` holds one, else the packaged."""
    try:
        return environment(template_dir).get_template("report.html.j2")
    except (jinja2.TemplateError, UnicodeDecodeError) as exc:
        raise _template_error(exc) from None


def build_html(results: Results, title: str, baseline: str | None = None,
               template_dir: str | Path | None = None) -> str:
    """The report as one self-contained HTML document, laid out by the template ``report.html.j2`` (the
    packaged one, or the one in ``template_dir``, with its ``report.css``: see the module's docstring)."""
    template = _template(template_dir)  # a wrong folder or a broken template fails before the figures are drawn
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

    group_rows: list[tuple[str, str, str, str, float, int]] = []
    for group in SUBGROUPS:
        name = labels.group(group)
        group_rows += [("unmet_need_days_per_client", group, f"unmet-need days per person: {name}", "days", 1, 0),
                       ("unsheltered_nights_per_client", group, f"unsheltered nights per person: {name}",
                        "nights", 1, 1),
                       ("housed_share", group, f"share housed: {name}", "%", 100, 1)]
    shown = [
        _figure(figures.waits(metrics, regimes, labels), "Waits at each service by regime."),
        _figure(figures.unmet_needs(metrics, regimes, labels), "Unmet-need days by need and regime."),
        _figure(figures.flows(metrics, regimes, labels),
                "People entering and leaving homelessness each month (Built for Zero's inflow and outflow)."),
        _figure(figures.occupancy(results.nights, regimes, start, labels),
                "Shelter occupancy and refusals over the observed period."),
        _figure(figures.funnel(metrics, regimes, labels),
                "What became of the referrals, by regime and adjustment type."),
    ]
    if len(regimes) > 1:
        shown.append(_figure(figures.forest(results.paired(baseline), FOREST_ROWS, labels),
                             f"Paired differences from the {labels.regime_prose(baseline)} regime."))
    sweep: list[Picture | None] | None = None
    if parameters and len(results.points) > 1:
        measure = "unmet-need days per person"
        sweep = [_figure(figures.response(summary, results.points, parameter, "unmet_need_days_per_client", "all",
                                          regimes, labels, measure),
                         f"Unmet-need days per person against {labels.parameter(parameter)} ({parameter}).")
                 for parameter in parameters]
        sweep.append(_figure(figures.tornado(summary, results.points, parameters, "unmet_need_days_per_client",
                                             "all", baseline, labels, measure),
                             "Which swept parameters move unmet-need days most."))
    context: dict[str, Any] = {
        "title": title,
        "scenario": str(manifest.get("name", "")),
        "description": str(scenario.get("description") or "").strip(),
        "regimes": [RegimeRow(labels.regime(r), capitalise(labels.describe_regime(r)) or "(no description)")
                    for r in regimes],
        "regime_list": ", ".join(labels.regime(r) for r in regimes),
        "regimes_keep": len(regimes) <= SHORT_TABLE_ROWS,
        "replications": manifest.get("replications"),
        "points": int(manifest.get("points", 1) or 1),
        "horizon": f"{float(manifest.get('horizon_days') or 0):g}",
        "warmup": f"{float(manifest.get('warmup_days') or 0):g}",
        "headline": [f.text for f in headline],
        "measures": _measures_table(first, regimes, labels, MEASURES),
        "waits": _measures_table(first, regimes, labels, _wait_rows(first, labels), "service",
                                 "Median waits by service, in two forms: of those served, and the time in line of "
                                 "all who joined (served, gone or turned away; those still waiting at the "
                                 "horizon censored, Kaplan-Meier), with the share who gave up or were turned away",
                                 ["A shorter wait of those served can hide more people leaving the line: read "
                                  "the three rows of a service together."]),
        "funders": _measures_table(first, regimes, labels, FUNDERS, "measure",
                                   "As the funders' programmes define them (HUD System Performance Measures, "
                                   "Reaching Home, Built for Zero; definitions in docs/model.md section 9)",
                                   _follow_up_notes(first, regimes)),
        "groups": _measures_table(first, regimes, labels, group_rows),
        "figures": [f for f in shown if f is not None],
        "sweep": None if sweep is None else [f for f in sweep if f is not None],
        "facts": [f.text for f in facts],
        "baseline": labels.regime_prose(baseline),
        "paired": [f.text for f in paired],
        **_methods(results, scenario, labels),
    }
    try:
        return template.render(context)
    except (jinja2.TemplateError, UnicodeDecodeError) as exc:
        raise _template_error(exc) from None


def _wait_rows(summary: pd.DataFrame, labels: Labels) -> list[tuple[str, str, str, str, float, int]]:
    """Each service's waits in their two forms, with the share who gave up beside them."""
    present = set(summary[summary["metric"] == "wait_median_days"]["dimension"])
    services = [s for s in labels.services if s in present] + sorted(present - set(labels.services))
    rows: list[tuple[str, str, str, str, float, int]] = []
    for service in services:
        name = labels.service(service)
        rows += [("wait_median_days", service, f"{name}: wait of those served", "days", 1, 1),
                 ("line_time_median_days", service, f"{name}: time in line of all who joined", "days", 1, 1),
                 ("abandonment_share", service, f"{name}: gave up or were turned away", "%", 100, 1)]
    return rows


def _follow_up_notes(summary: pd.DataFrame, regimes: list[str]) -> list[str]:
    """What the returns table cannot say: exits to housing too recent to be followed that long."""
    notes = []
    means = {(str(r), str(m), str(d)): float(v) for r, m, d, v in zip(
        summary["regime"], summary["metric"], summary["dimension"], summary["mean"], strict=True)}
    for period, months in (("6m", 6), ("12m", 12), ("24m", 24)):
        followed = [means[key] for r in regimes if (key := (r, "housing_exits_followed", period)) in means]
        unfollowed = [means[key] for r in regimes if (key := (r, "housing_exits_unfollowed", period)) in means]
        if unfollowed and max(unfollowed) > 0:
            share = sum(unfollowed) / max(sum(followed) + sum(unfollowed), 1e-12)
            what = ("none of them can be followed: lengthen the horizon to measure it" if sum(followed) == 0
                    else "they are left out, not counted as staying housed")
            notes.append(f"Returns within {months} months: {share:.0%} of the exits to housing in the observed "
                         f"period come too late to be followed {months} months before it ends (censored); {what}.")
    return notes


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


def _parameter_table(sources: ScenarioSources, labels: Labels) -> tuple[str, tuple[ParameterSection, ...]]:
    """The legend of the source labels, and the scenario file's labelled lines by section."""
    sections = []
    for section, rows in sources.sections():
        # a note on a whole top-level block (``referrals:  # ...``) goes into the section's heading row
        whole = [row.note for row in rows if not row.value and "." not in row.path]
        lines = tuple(ParameterLine(labels.parameter(row.path),
                                    _value_text(row.value, labels) if row.value else "(the lines below)", row.note)
                      for row in rows if row.value or "." in row.path)
        sections.append(ParameterSection(section, " ".join(whole) if whole else None, lines))
    legend = ", ".join(f"[{k}] {v}" for k, v in LABELS.items() if k != "C" or sources.count("C"))
    return legend, tuple(sections)


def _methods(results: Results, scenario: dict[str, Any], labels: Labels) -> dict[str, Any]:
    """What the section "Methods and assumptions" says beyond its fixed text: the template's variables
    ``parameters``, ``stress``, ``limitations`` and ``run``."""
    manifest = results.manifest
    spec = results.root / "spec.json"
    try:
        spec_base = str(json.loads(spec.read_text(encoding="utf-8")).get("base", "")) if spec.is_file() else ""
    except (OSError, ValueError):
        spec_base = ""
    sources = find(str(scenario.get("name", manifest.get("name", ""))), manifest.get("command", []), spec_base)
    parameters = None
    if sources.parameters:
        legend, sections = _parameter_table(sources, labels)
        changed = (None if _file_matches(sources, manifest)
                   else f"scenarios/point={int(results.points['point'].min()):05d}.json")
        parameters = Parameters(_shown_path(sources.files[-1]), ", ".join(_shown_path(f) for f in sources.files[:-1]),
                                changed, legend, sections)
    replications = int(manifest.get("replications") or 0)
    stress = [
        StressItem("Objectives", "Compare coordination regimes on waits, unmet needs, unsheltered nights, referral "
                                 "losses and staff time."),
        StressItem("Model logic", "Discrete-event simulation (SimPy) of clients, shelters, clinics, outreach and "
                                  "housing; every referral is a handoff whose effect depends on its adjustment type "
                                  "(docs/model.md)."),
        StressItem("Data", _data_row(scenario, sources)),
        StressItem("Experimentation", f"{replications} replications per regime and point, warm-up "
                                      f"{float(manifest.get('warmup_days') or 0):g} days, seed {manifest.get('seed')}, "
                                      "common random numbers across regimes and points; 95% Student t intervals over "
                                      "replications, paired by replication for differences between regimes."),
        StressItem("Implementation", f"simulator {manifest.get('versions', {}).get('simulator', '?')}, Python "
                                     f"{manifest.get('versions', {}).get('python', '?')}."),
        StressItem("Code access", "The scenario, results folder and commands below regenerate every number."),
    ]
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
    run = Run(results=str(results.root), spec_hash=str(manifest.get("spec_hash")),
              scenario_hash=str(manifest.get("base_config_hash")), seed=str(manifest.get("seed")),
              command=shlex.join(manifest.get("command", [])) or "(not recorded)",
              built=datetime.now(UTC).isoformat(timespec="seconds"))
    return {"parameters": parameters, "stress": stress, "limitations": "; ".join(limitations), "run": run}


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
                 baseline: str | None = None, verify: bool = True,
                 template_dir: str | Path | None = None) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) for a results folder; return the files written.

    ``verify=False`` skips checking the table files against their recorded checksums (see
    :func:`simulator.results.open`). ``template_dir``: a folder whose ``report.css`` and/or ``report.html.j2``
    replace the packaged ones (see the module's docstring).
    """
    if template_dir is not None:
        environment(template_dir)  # a wrong folder fails before the results are read
    try:
        results = open_results(results_dir, verify=verify)
    except ResultsError as exc:
        raise ReportError(str(exc)) from None
    if results.metrics.empty:
        raise ReportError(f"{results_dir}: the results hold no metrics")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    name = str(results.manifest.get("name", "results"))
    document = build_html(results, title or f"What the model says: {name}", baseline, template_dir)
    html_path = out / "report.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(document, encoding="utf-8")
    os.replace(tmp, html_path)
    written = [html_path]
    if pdf:
        print_pdf(html_path, out / "report.pdf")
        written.append(out / "report.pdf")
    return written
