"""Building the funders' report from a results folder.

``build_report(RESULTS, OUT)`` writes ``OUT/report.html`` (one self-contained file: figures embedded as PNG
data, styles inline, nothing fetched from the network, every user-supplied name escaped) and
``OUT/report.pdf`` (the same page printed by headless Chromium). Every number in the text comes from
:mod:`simulator.results`; :func:`headline_facts` returns them as data so that tests can check each one.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
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
from simulator.results import Results
from simulator.results import open as open_results


class ReportError(Exception):
    """The report cannot be built (no results, no browser for the PDF...)."""


@dataclass(frozen=True)
class Fact:
    """One headline number: what it measures, its mean and 95% interval, and the sentence that says it."""

    key: str
    regime: str
    metric: str
    dimension: str
    mean: float
    ci_low: float
    ci_high: float
    text: str


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
    ("count_total", "all", "people homeless on a given night", "people", 1, 0),
    ("count_outdoors", "all", "of whom outdoors", "people", 1, 0),
]
SUBGROUPS = [("women", "women"), ("indigenous", "Indigenous people"), ("high_complexity",
                                                                        "high-complexity clients")]
FOREST_ROWS = [("unmet_need_days_per_client", "all", "unmet-need days per person"),
               ("unsheltered_nights_per_client", "all", "unsheltered nights per person"),
               ("referral_loss_share", "all", "share of referrals lost"),
               ("time_homeless_mean_days", "exits", "time homeless at exit (days)")]


def _fmt(value: float, scale: float = 1.0, decimals: int = 1) -> str:
    if pd.isna(value):
        return "n/a"
    text = f"{value * scale:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.0"


def _interval(row: pd.Series, scale: float, decimals: int) -> str:
    if pd.isna(row["ci_low"]):
        return "(one replication: no interval)"
    return f"(95% interval {_fmt(row['ci_low'], scale, decimals)} to {_fmt(row['ci_high'], scale, decimals)})"


def headline_facts(results: Results) -> list[Fact]:
    """The numbers of the report's headline, each with its sentence (first point of a sweep)."""
    summary = results.summary()
    point = summary["point"].min()
    summary = summary[summary["point"] == point]
    indexed = summary.set_index(["regime", "metric", "dimension"])
    facts: list[Fact] = []

    def add(key: str, regime: str, metric: str, dimension: str, sentence: str, scale: float = 1.0,
            decimals: int = 1) -> None:
        if (regime, metric, dimension) not in indexed.index:
            return
        row = indexed.loc[(regime, metric, dimension)]
        if pd.isna(row["mean"]):
            return
        text = sentence.format(value=_fmt(row["mean"], scale, decimals), interval=_interval(row, scale, decimals))
        facts.append(Fact(key, regime, metric, dimension, float(row["mean"]), float(row["ci_low"]),
                          float(row["ci_high"]), text))

    period = f"{float(results.manifest.get('horizon_days', 0)):g}"
    waits = summary[summary["metric"] == "wait_median_days"]["dimension"].unique().tolist()
    mental = next((s for s in waits if "mental" in s), waits[0] if waits else None)
    for regime in results.regimes:
        if mental is not None:
            add("wait", regime, "wait_median_days", mental,
                f"Under the {regime} regime, the median wait for a first appointment at {mental} is "
                "{value} days {interval}.", decimals=1)
        add("unsheltered", regime, "unsheltered_nights_per_client", "all",
            f"Under the {regime} regime, a person spends {{value}} nights outdoors on average over the "
            f"{period} observed days {{interval}}.")
        add("lost", regime, "referral_loss_share", "all",
            f"Under the {regime} regime, {{value}}% of referrals are lost in handoffs {{interval}}.", 100, 1)
        add("unmet", regime, "unmet_need_days_per_client", "all",
            f"Under the {regime} regime, each person carries {{value}} unmet-need days {{interval}}.", 1, 0)
    return facts


def paired_facts(results: Results, baseline: str) -> list[Fact]:
    """Paired differences of the main measures, regime minus baseline (first point)."""
    paired = results.paired(baseline)
    if paired.empty:
        return []
    paired = paired[paired["point"] == paired["point"].min()]
    facts = []
    for metric, dimension, label in FOREST_ROWS:
        for _, row in paired[(paired["metric"] == metric) & (paired["dimension"] == dimension)].iterrows():
            if pd.isna(row.get("ci_low")):
                continue
            mean, low, high = row["mean_difference"], row["ci_low"], row["ci_high"]
            scale = 100.0 if metric.endswith("share") else 1.0
            unit = " percentage points" if scale == 100 else ""
            sure = ("a difference the replications can tell from zero" if low > 0 or high < 0
                    else "not distinguishable from zero with these replications")
            text = (f"Compared with {baseline}, the {row['regime']} regime changes {label} by "
                    f"{_fmt(mean, scale, 1)}{unit} (paired 95% interval {_fmt(low, scale, 1)} to "
                    f"{_fmt(high, scale, 1)}): {sure}.")
            facts.append(Fact("paired", row["regime"], metric, dimension, float(mean), float(low), float(high),
                              text))
    return facts


def _measures_table(summary: pd.DataFrame, regimes: list[str],
                    rows: Sequence[tuple[str, str, str, str, float, int]]) -> str:
    head = "".join(f"<th>{html.escape(r)}</th>" for r in regimes)
    body = []
    indexed = summary.set_index(["regime", "metric", "dimension"])
    for metric, dimension, label, unit, scale, decimals in rows:
        cells = []
        for regime in regimes:
            key: Any = (regime, metric, dimension)
            if key in indexed.index and pd.notna(indexed.loc[key]["mean"]):
                row = indexed.loc[key]
                interval = "" if pd.isna(row["ci_low"]) else (
                    f"<br><small>{_fmt(row['ci_low'], scale, decimals)} to {_fmt(row['ci_high'], scale, decimals)}"
                    "</small>")
                cells.append(f"<td>{_fmt(row['mean'], scale, decimals)}{interval}</td>")
            else:
                cells.append("<td>-</td>")
        if any(cell != "<td>-</td>" for cell in cells):
            unit_text = f" ({html.escape(unit)})" if unit else ""
            body.append(f"<tr><th scope='row'>{html.escape(label)}{unit_text}</th>{''.join(cells)}</tr>")
    return (f"<table><thead><tr><th>measure</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _figure(made: tuple[bytes, str] | None, caption: str) -> str:
    if made is None:
        return ""
    png, alt = made
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _parameter_rows(scenario_name: str, command: list[str]) -> list[tuple[str, str, str]]:
    """Parameters with their source labels, read from the comments of the scenario file when found."""
    candidates = [Path("configs") / f"{scenario_name}.yaml",
                  Path(__file__).resolve().parents[2] / "configs" / f"{scenario_name}.yaml"]
    candidates += [Path(arg) for arg in command if arg.endswith(".yaml")]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([A-Za-z_][\w]*):\s*([^#]+?)\s*#\s*(.*\[(S|D|A)\].*)$", line)
        if match:
            rows.append((match.group(1), match.group(2).strip(), match.group(3).strip()))
    return rows


STYLE = """
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #0072b2;padding-bottom:.2rem;margin-top:2rem}
.sub{color:#555}table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:right;vertical-align:top}
thead th{background:#eef4fa}tbody th{text-align:left;font-weight:normal}
figure{margin:1.2rem 0;page-break-inside:avoid}figure img{max-width:100%}figcaption{font-size:.85rem;color:#444}
.facts li{margin:.3rem 0}code,pre{background:#f4f4f4;padding:.1rem .3rem;font-size:.85rem}
pre{padding:.6rem;white-space:pre-wrap;word-break:break-all}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table{page-break-inside:avoid}}
"""


def build_html(results: Results, title: str, baseline: str | None = None) -> str:
    """The report as one self-contained HTML document."""
    manifest = results.manifest
    regimes = results.regimes
    baseline = baseline or ("organic" if "organic" in regimes else regimes[0])
    summary = results.summary()
    first = summary[summary["point"] == summary["point"].min()]
    facts = headline_facts(results)
    paired = paired_facts(results, baseline) if len(regimes) > 1 else []
    metrics = results.metrics
    first_point = int(results.points["point"].min())
    scenario_path = results.root / "scenarios" / f"point={first_point:05d}.json"
    if not scenario_path.exists():
        raise ReportError(f"{scenario_path} is missing: the report needs the scenario of the results")
    scenario = json.loads(scenario_path.read_text(encoding="utf-8"))
    start = scenario.get("start_date", "2022-01-01")
    parameters = [c for c in results.points.columns if c not in ("point", "config_hash")]

    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='sub'>{html.escape(str(manifest.get('name', '')))}: "
             f"{len(regimes)} regime(s) ({html.escape(', '.join(regimes))}), "
             f"{manifest.get('replications')} replications each, {manifest.get('points', 1)} point(s); "
             f"one observed period of {manifest.get('horizon_days')} days after a warm-up of "
             f"{manifest.get('warmup_days')} days. Every figure is a mean over replications with its 95% "
             "interval.</p>",
             "<h2>Headline</h2><ul class='facts'>"]
    parts += [f"<li>{html.escape(f.text)}</li>" for f in facts + paired]
    parts.append("</ul>")
    parts.append("<h2>Measures funders track</h2>")
    parts.append(_measures_table(first, regimes, MEASURES))
    parts.append("<h2>For whom</h2>")
    group_rows = []
    for group, label in SUBGROUPS:
        group_rows += [("unmet_need_days_per_client", group, f"unmet-need days per person: {label}", "days", 1, 0),
                       ("unsheltered_nights_per_client", group, f"unsheltered nights per person: {label}",
                        "nights", 1, 1),
                       ("housed_share", group, f"share housed: {label}", "%", 100, 1)]
    parts.append(_measures_table(first, regimes, group_rows))
    parts.append("<h2>Figures</h2>")
    parts.append(_figure(figures.waits(metrics, regimes), "Waits at each service by regime."))
    parts.append(_figure(figures.unmet_needs(metrics, regimes), "Unmet-need days by need and regime."))
    parts.append(_figure(figures.occupancy(results.nights, regimes, start),
                         "Shelter occupancy and refusals over the observed period."))
    parts.append(_figure(figures.funnel(metrics, regimes), "The referral funnel by adjustment type."))
    if len(regimes) > 1:
        parts.append(_figure(figures.forest(results.paired(baseline), FOREST_ROWS),
                             f"Paired differences from the {baseline} regime."))
    if parameters and len(results.points) > 1:
        parts.append("<h2>Across the swept parameters</h2>")
        for parameter in parameters:
            parts.append(_figure(figures.response(summary, results.points, parameter,
                                                  "unmet_need_days_per_client", "all", regimes),
                                 f"Unmet-need days per person against {parameter}."))
        parts.append(_figure(figures.tornado(summary, results.points, parameters, "unmet_need_days_per_client",
                                             "all", baseline),
                             "Which swept parameters move unmet-need days most."))
    parts.append(_methods(results, scenario, parameters))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")


def _methods(results: Results, scenario: dict[str, Any], parameters: list[str]) -> str:
    manifest = results.manifest
    rows = _parameter_rows(str(scenario.get("name", manifest.get("name", ""))), manifest.get("command", []))
    table = ""
    if rows:
        body = "".join(f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td>"
                       f"<td style='text-align:left'>{html.escape(s)}</td></tr>" for k, v, s in rows)
        table = ("<table><thead><tr><th>parameter</th><th>value</th><th>source ([S] sourced, [D] derived, "
                 f"[A] assumption)</th></tr></thead><tbody>{body}</tbody></table>")
    stress = [
        ("Objectives", "Compare coordination regimes on waits, unmet needs, unsheltered nights, referral losses "
                       "and staff time."),
        ("Model logic", "Discrete-event simulation (SimPy) of clients, shelters, clinics, outreach and housing; "
                        "every referral is a handoff whose effect depends on its adjustment type (docs/model.md)."),
        ("Data", "Sourced figures for Montreal mixing years 2009-2023; assumptions labelled [A] in the scenario."),
        ("Experimentation", f"{manifest.get('replications')} replications per regime and point, warm-up "
                            f"{manifest.get('warmup_days')} days, seed {manifest.get('seed')}, common random "
                            "numbers across regimes and points."),
        ("Implementation", f"simulator {manifest.get('versions', {}).get('simulator', '?')}, Python "
                           f"{manifest.get('versions', {}).get('python', '?')}."),
        ("Code access", "The scenario, results folder and commands below regenerate every number."),
    ]
    stress_rows = "".join(f"<tr><th scope='row'>{html.escape(a)}</th><td style='text-align:left'>"
                          f"{html.escape(b)}</td></tr>" for a, b in stress)
    command = shlex.join(manifest.get("command", [])) or "(not recorded)"
    limitations = ("Parameters marked [A] were not measured and should be swept; figures mix years; the "
                   "network is modelled at city scale; clinic capacities are the staff serving this population, "
                   "not whole clinics; waits of people still waiting at the horizon are censored (counted, "
                   "not averaged).")
    return (
        "<h2>Methods and assumptions</h2>"
        "<p>Clients arrive by a seasonal Poisson inflow and from an initial point-in-time stock, ask for shelter "
        "beds night by night, and are referred between organisations for their needs (primary care, mental "
        "health, substance use, housing, income and documents). Each referral's latency, loss, information "
        "carried, staff time and priority follow its adjustment type: unilateral, bilateral or multilateral "
        "mutual adjustment, or the integrated (bureaucratic) access point. The full specification is "
        "docs/model.md.</p>"
        f"{table}"
        "<h3>Reporting items (STRESS-DES)</h3>"
        f"<table><tbody>{stress_rows}</tbody></table>"
        f"<h3>Limitations</h3><p>{html.escape(limitations)}</p>"
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
                 baseline: str | None = None) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) for a results folder; return the files written."""
    try:
        results = open_results(results_dir)
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
