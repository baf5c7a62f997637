"""The validation document: how far the default scenario can be trusted, generated from runs, never typed.

:func:`build_validation` runs (or reads) everything the document reports and returns its Markdown:

1. **Published figures**: the scenario as written, run with its own seed and the calibration spec's check
   replications, beside each published figure it was calibrated to (mean and 95% t-interval), then the
   published figures it was *not* fitted to (winter refusals, mental-health waits).
2. **Calibration**: the method, the calibrated parameters, their ranges and whether one sits at a bound, and
   (with the calibration's output folder) the search's history.
3. **What was not calibrated, and why**: the ``[A]`` assumptions of the scenario file, read from its
   comments, by section, each section with the reason it was left alone.
4. **The engine against queueing theory**: the textbook scenarios beside their closed-form results.
5. **Sensitivity of the conclusions** (with a Morris sweep's results folder): for each regime compared with
   the baseline and each output, where across the plausible ranges the comparison holds or flips, and which
   assumptions drive it (mu*).

``simulator validation-report`` is the command line; ``docs/validation.md`` is its output for the packaged
scenario.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.calibration import Calibration, check_table, load_calibration

log = logging.getLogger(__name__)

#: the outputs screened for the regime comparisons: (metric, dimension, words); lower is better for each
OUTPUTS: list[tuple[str, str, str]] = [
    ("unmet_need_days_per_client", "all", "unmet-need days per person"),
    ("unsheltered_nights_per_client", "all", "unsheltered nights per person"),
    ("wait_mean_days", "mental_health", "mean wait for specialised mental health (days)"),
    ("wait_mean_days", "clsc_first_line", "mean wait at the CLSC first line (days)"),
]

#: why the ``[A]`` parameters of each section were not calibrated
REASONS: dict[str, str] = {
    "Population": "Shares and prevalences are taken from counts and the meta-analysis where sourced; the "
                  "assumed ones (age groups, needs by pattern, episodic and chronic stays and gaps, exits "
                  "of episodic users, returns after self-resolution) have no Montreal figure to be fitted to: no "
                  "published series of returns or of time homeless by shelter-use pattern (the chronic exits "
                  "and the housed return share are set to the retention trial of section 1). How the cold "
                  "changes shelter seeking (`winter_outdoor_gap`, `winter_seek`) is assumed: only the fact that "
                  "refusals peak in winter is published, and one parameter (the winter overflow beds) is "
                  "fitted to it. The channels through which a met need changes a life (hazard ratios of "
                  "self-resolution and returns, stay ratios, seeking a bed once treated) are assumptions with "
                  "ranges in the sensitivity screen; only their joint effect on retention is checked (section 1).",
    "Services": "Capacities are sourced or derived. Staff numbers, service times, opening hours and patience "
                "of clinics are assumptions: the full-time equivalents serving homeless people are not "
                "published. The two published waits (first-line and specialised mental health) pin the CLSC's "
                "staff and the specialised clinic's visit length and patience (fitted); they cannot pin the "
                "other clinics.",
    "Resources": "Hourly costs and paid hours are assumptions of the order of Quebec public and community "
                 "pay scales; they set the cost column, not the outcomes. The access point's staff and the "
                 "equal-resources rule are screened.",
    "Clients who go on their own": "Walk-in probabilities and delays are not observed anywhere.",
    "Referral network": "Referral probabilities and tie densities (beyond Fleury et al.'s network density) "
                        "are not observed; they shape every regime alike.",
    "Handoffs (what each adjustment type does)": "Referral loss, latency, information carried, staff time "
                        "and priority by adjustment type were not found for Montreal (the data file's gap). "
                        "They decide which regime wins, so they are not fitted to anything: the sensitivity "
                        "section screens them over their plausible ranges instead.",
    "Regimes": "The daily case conference of the multilateral regime is a counterfactual: nothing to fit.",
    "Calendar and run": "Run settings (warm-up, winter season), not properties of the city.",
}


@dataclass
class Section:
    title: str
    body: str


def share_percent(x: float) -> str:
    """A share as a whole percentage that never rounds a few points away: 319 of 320 is ">99%", not "100%"."""
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


def _fmt(value: float, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _interval(sample: np.ndarray, level: float = 0.95, share: bool = False) -> tuple[float, float, float]:
    """Mean and t-interval; a share's interval is clipped to [0, 1] (the mean never is)."""
    from scipy import stats

    mean = float(sample.mean()) if len(sample) else math.nan
    if len(sample) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(sample) - 1) * sample.std(ddof=1) / math.sqrt(len(sample)))
    low, high = mean - half, mean + half
    return (mean, max(low, 0.0), min(high, 1.0)) if share else (mean, low, high)


def _sample(metrics: pd.DataFrame, metric: str, dimension: str) -> np.ndarray:
    rows = metrics[(metrics["metric"] == metric) & (metrics["dimension"] == dimension)]
    return rows.sort_values("replication")["value"].to_numpy(dtype=float)


# ------------------------------------------------------------------------------------------ sections

def published_section(calibration: Calibration, metrics: pd.DataFrame, replications: int, seed: int) -> Section:
    """Section 1: every calibration target, then the published figures the fit did not use."""
    table = check_table(metrics, calibration.spec.targets)
    rows = []
    for row in table.to_dict("records"):
        rows.append([str(row["target"]).replace("_", " "), row["source"], _fmt(row["published"]),
                     f"{_fmt(row['mean'])} [{_fmt(row['low'])}, {_fmt(row['high'])}]", f"± {_fmt(row['tolerance'])}",
                     "yes" if row["met"] else "**no**"])
    met = int(table["met"].sum())
    missed = [t for t, ok in zip(calibration.spec.targets, table["met"], strict=True) if not ok]
    body = [f"The scenario as written (`{_shown(calibration.base_path)}`, regime `{calibration.spec.regime}`), "
            f"run with its own seed ({seed}) and {replications} replications: streams the calibration never "
            f"saw (it used seed {calibration.spec.seed}). A target is met when the model's mean lies within "
            f"the tolerance of the published figure; the interval is the 95% t-interval over replications. "
            f"**{met} of {len(table)} targets met.**", "",
            _table(["figure", "source", "published", "model mean [95% CI]", "tolerance", "met"], rows), ""]
    for target in missed:
        why = target.note or "the spec gives no reason."
        body += [f"*{target.name.replace('_', ' ')}* is missed: {why}", ""]

    extra = []
    winter = _interval(_sample(metrics, "turnaway_rate", "winter"), share=True)
    rest = _interval(_sample(metrics, "turnaway_rate", "rest"), share=True)
    seasons_fitted = any(t.metric == "turnaway_winter_excess" for t in calibration.spec.targets)
    if seasons_fitted and math.isfinite(winter[0]) and math.isfinite(rest[0]):
        body += [f"Refusal rates by season: winter {winter[0]:.1%} [{winter[1]:.1%}, {winter[2]:.1%}], rest of "
                 f"the year {rest[0]:.1%} [{rest[1]:.1%}, {rest[2]:.1%}].", ""]
    elif math.isfinite(winter[0]) and math.isfinite(rest[0]):
        holds = "yes" if winter[0] > rest[0] else "**no**"
        extra.append(["refusals higher in winter", "[S] CBC 2022: winter peaks of 20+ a night at one shelter",
                      "winter > rest of year",
                      f"winter {winter[0]:.1%} [{winter[1]:.1%}, {winter[2]:.1%}]; rest {rest[0]:.1%} "
                      f"[{rest[1]:.1%}, {rest[2]:.1%}]", holds])
    fitted = {(t.metric, t.dimension) for t in calibration.spec.targets}
    for service, published, words in (("clsc_first_line", 9.0, "first-line (CLSC) wait"),
                                      ("mental_health", 26.0, "specialised mental-health wait")):
        if ("wait_mean_days", service) in fitted:
            continue
        wait = _interval(_sample(metrics, "wait_mean_days", service))
        if math.isfinite(wait[0]):
            ratio = wait[0] / published
            extra.append([words, "[S] MSSS 2023, CIUSSS Centre-Sud", f"{published:g} days",
                          f"{wait[0]:.1f} days [{wait[1]:.1f}, {wait[2]:.1f}]",
                          f"{ratio:.2f} x published"])
    if extra:
        body += ["Published figures the calibration did not use (a check, not a fit: the waits depend on "
                 "clinic staffing, which is an assumption; the model's wait is for every need the service "
                 "treats, the published one for mental health):", "",
                 _table(["figure", "source", "published", "model", "agrees"], extra), ""]
    body.append("The published figures mix years (2014 for refusals, 2022 for the count and its split, 2023 for "
                "waits, 1996-97 for the ratio of people in a year to a one-night count) and the split is for "
                "Greater Montreal: the tolerances are wide on purpose.")
    return Section("1. Published figures", "\n".join(body))


def calibration_section(calibration: Calibration, output: Path | None) -> Section:
    """Section 2: method, calibrated parameters and, with the output folder, the search."""
    spec = calibration.spec
    method = spec.method
    lines = [f"Spec: `{_shown(calibration.path)}`. Objective: the sum over targets of "
             "((model mean - published) / tolerance)^2, the model mean taken over "
             f"{spec.replications} replication(s) with seed {spec.seed} at every evaluation (common random "
             "numbers: two candidates differ by their parameters, not by sampling noise)."]
    if method.first_guess == "littles_law":
        lines.append(f"\nFirst guess by Little's law: a pilot run measures the count L0 at the start inflow; since "
                     f"L = lambda W, the inflow (`{method.inflow}`) is scaled by {method.count} / L0, holding the "
                     "time homeless W.")
    own = [f"`{p.path}` {p.step:g}" for p in spec.parameters if p.step is not None]
    steps = f" ({', '.join(own)} for {'its' if len(own) == 1 else 'their'} own)" if own else ""
    search = {"least_squares": "a bounded least-squares search (trust-region Gauss-Newton, scipy) with a "
                               f"forward-difference Jacobian of step {method.step:g} of each range{steps}",
              "nelder_mead": "a bounded Nelder-Mead search"}[method.search]
    lines.append(f"\nThen {search}, at most `budget` simulations ({method.budget} in the spec; `--budget` may set "
                 "another); the best point seen is kept. A calibration may run in stages: with `--write`, each "
                 "stage's fitted values are the next stage's start. 'Before calibration' is the file's value "
                 "before the first stage (the `was` of its `[C]` comment).")
    info: dict[str, Any] = {}
    if output is not None:
        import json

        path = output / "calibration.json"
        if path.exists():
            info = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    before = _before(calibration)
    for parameter in spec.parameters:
        value = calibration.start[parameter.path]
        unit = calibration.units[parameter.path]
        low, high = parameter.bounds
        edge = abs(value - low) <= 0.01 * (high - low) or abs(value - high) <= 0.01 * (high - low)
        started = info.get("start", {}).get("values", {}).get(parameter.path)
        rows.append([f"`{parameter.path}`", before.get(parameter.path, ""), f"{_fmt(value, 4)} {unit}".strip(),
                     f"{_fmt(started, 4)} {unit}".strip() if started is not None else "",
                     f"[{low:g}, {high:g}]", "**at a bound**" if edge else "", parameter.note])
    lines += ["", _table(["parameter", "before calibration", "calibrated (in the file)", "start of the last search",
                          "range searched", "", "what is known of it"], rows), ""]
    if info:
        lines.append(f"The search ({info.get('command') and ' '.join(info['command'])}) ran "
                     f"{info['evaluations']} simulations ({info['stopped']}); objective "
                     f"{info['start']['objective']:.2f} at the start, {info['best']['objective']:.2f} at the "
                     "best point.")
    lines.append("\nA parameter at a bound of its range means the targets pull it beyond what was judged "
                 "plausible: read it as a sign of what the model leaves out, not as a finding.")
    return Section("2. Calibration", "\n".join(lines))


def uncalibrated_section(calibration: Calibration) -> Section:
    """Section 3: the scenario file's ``[A]`` assumptions the calibration left alone, by section, and why."""
    from simulator.report.sources import read

    _, _, parameters = read(calibration.base_path)
    calibrated = {p.path for p in calibration.spec.parameters}
    groups: dict[str, list[str]] = {}
    counts = {"S": 0, "D": 0, "A": 0}
    for parameter in parameters:
        if "[C]" in parameter.note or parameter.path in calibrated:
            continue
        if parameter.label in counts:
            counts[parameter.label] += 1
        if parameter.label == "A":
            section = parameter.section.split(":")[0]
            groups.setdefault(section, []).append(f"`{parameter.path}`")
    lines = [f"The scenario file labels {counts['S']} values sourced [S], {counts['D']} derived [D] and "
             f"{counts['A']} assumed [A] (besides the {len(calibrated)} calibrated [C]). The assumptions left "
             "alone, by section:", ""]
    for section, paths in groups.items():
        reason = REASONS.get(section, "No published figure to fit it to.")
        shown = ", ".join(paths[:12]) + (f" and {len(paths) - 12} more" if len(paths) > 12 else "")
        lines += [f"- **{section}** ({len(paths)}): {reason} ({shown})"]
    return Section("3. What was not calibrated, and why", "\n".join(lines))


def queueing_section(table: pd.DataFrame, level: float, horizon_scale: float) -> Section:
    """Section 4: the textbook scenarios against closed-form queueing results."""
    rows = []
    for row in table.to_dict("records"):
        rows.append([f"`{row['config']}`", row["check"], row["unit"], _fmt(row["theory"], 4),
                     f"{_fmt(row['mean'], 4)} [{_fmt(row['low'], 4)}, {_fmt(row['high'], 4)}]",
                     f"{row['relative_error']:+.1%}", int(row["replications"]), "yes" if row["ok"] else "**no**"])
    ok = int(table["ok"].sum())
    scale = "" if horizon_scale == 1 else f", over {horizon_scale:g} of each scenario's horizon"
    body = ["Each textbook scenario (`configs/textbook/`) is run with its own seed and replications" + scale +
            "; the theory is computed from the scenario's parameters (Erlang C, M/M/c/K, Erlang A, Jackson "
            f"networks, Little's law). A check agrees when the theory lies in the engine's {level:.0%} "
            "t-interval over replications, widened by 1% of the theory for the warm-up's bias: a correct engine "
            f"misses about {1 - level:.0%} of the checks by chance, and a systematic error misses them all "
            f"(the slow tests run the same checks with more replications). **{ok} of {len(table)} checks "
            "agree.**", "",
            _table(["scenario", "check", "unit", "theory", "engine mean [CI]", "error", "replications", "agrees"],
                   rows)]
    return Section("4. The engine against queueing theory", "\n".join(body))


def sensitivity_section(folder: Path, baseline: str = "organic") -> Section:
    """Section 5: where each regime comparison holds or flips across a Morris sweep, and what drives it."""
    from simulator import results as results_api
    from simulator.analysis.sensitivity import morris, paired_signs

    res = results_api.open(folder)
    regimes = [r for r in res.regimes if r != baseline]
    spec_name = res.manifest.get("name", folder.name)
    points = len(res.points)
    lines = [f"Sweep `{spec_name}` ({points} points x {len(res.regimes)} regimes, Morris design; results folder "
             f"`{_shown(folder)}`). At every point the regimes are run on the same streams, so each difference "
             f"below is paired. For each regime against `{baseline}` and each output (lower is better), the "
             "share of points where the regime does better, worse, and whether the comparison **holds** "
             "across the plausible ranges or **flips**; then the three assumptions with the largest Morris "
             "mu* (mean absolute elementary effect, in the output's units per full range of the assumption).",
             ""]
    rows = []
    drivers: list[str] = []
    for regime in regimes:
        for metric, dimension, words in OUTPUTS:
            try:
                signs = paired_signs(res, metric, dimension, pair=(baseline, regime))
                screen = morris(res, metric, dimension, pair=(baseline, regime), resamples=500)
            except Exception as exc:  # a metric absent from this sweep: say so rather than stop
                log.warning("sensitivity of %s %s: %s", regime, metric, exc)
                continue
            frame = signs.points
            if not len(frame):
                continue
            mean = float(frame["mean_difference"].mean())
            top = [f"`{_short(p)}` ({_fmt(m, 2)})"
                   for p, m in zip(screen["parameter"][:3], screen["mu_star"][:3], strict=False)]
            rows.append([f"{regime} vs {baseline}", words, share_percent(signs.negative), share_percent(signs.positive),
                         f"{mean:+.3g}", f"**{signs.verdict}**", ", ".join(top)])
            if signs.verdict == "flips":
                drivers.append(f"- {regime} vs {baseline}, {words}: flips; driven most by {', '.join(top[:2])}.")
    lines.append(_table(["comparison", "output", "regime better at", "regime worse at",
                         "mean difference", "verdict", "largest mu*"], rows))
    held = sum(1 for row in rows if row[5] == "**holds**")
    lines += ["", f"**{held} of {len(rows)} comparisons hold across the plausible ranges; "
              f"{sum(1 for row in rows if row[5] == '**flips**')} flip.**"]
    if drivers:
        lines += ["", "Where a comparison flips, the assumptions that decide it:", "", *drivers]
    lines += ["", "With one replication per point and a few trajectories, a point where two regimes differ by "
              "less than their sampling noise can show either sign: treat a flip driven by small differences "
              "with care, and rerun the sweep with more trajectories and replications before ranking weak "
              "effects (see the sweep spec)."]
    return Section("5. Sensitivity of the conclusions", "\n".join(lines))


def _short(path: str) -> str:
    """A parameter path without its top-level section: ``handoffs.unilateral.loss.base`` -> ``unilateral.loss.base``."""
    head, _, rest = path.partition(".")
    return rest if head in ("handoffs", "services", "population") and rest else path


def _before(calibration: Calibration) -> dict[str, str]:
    """Each calibrated value as the file had it before its first calibration (the ``was`` of its comment)."""
    import re

    from simulator.config.loader import read_yaml, split_path

    lines = calibration.base_path.read_text(encoding="utf-8").split("\n")
    _, marks = read_yaml(calibration.base_path)
    out = {}
    for parameter in calibration.spec.parameters:
        mark = marks.get(split_path(parameter.path))
        found = re.search(r"\[C\] calibrated [^;]*; was (.*?)\)", lines[mark.line - 1]) if mark else None
        if found:
            out[parameter.path] = found.group(1)
    return out


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path.name


def retention_section(calibration: Calibration) -> str:
    """The retention trial of the spec (section 1's last part), as Markdown."""
    from simulator.calibration import check_retention

    spec = calibration.spec.retention
    if spec is None:
        return ""
    trial = check_retention(calibration)
    rows = [[str(r["target"]).replace("_", " "), _fmt(r["published"]),
             f"{_fmt(r['mean'])} [{_fmt(r['low'])}, {_fmt(r['high'])}]", f"± {_fmt(r['tolerance'])}",
             "yes" if r["met"] else "**no**"] for r in trial.to_dict("records")]
    return "\n".join([
        f"**Housing retention** (the At Home/Chez Soi trial run in the model, `docs/model.md` section 14; "
        f"{spec.source}): {spec.cohort} {spec.pattern} clients with {', '.join(spec.needs)}, homeless at the start, "
        f"followed {spec.follow_up:g} days with {spec.replications} replications per arm on the same streams; the "
        f"share housed the whole of the last {spec.last:g} days.", "",
        _table(["arm", "published", "model mean [95% CI]", "tolerance", "met"], rows), ""])


#: the measures of the regime comparison: (metric, dimension, label, decimals)
COMPARED = [("count_total", "all", "one-night count (people)", 0),
            ("count_outdoors", "all", "of whom outdoors", 0),
            ("unsheltered_nights_per_client", "all", "unsheltered nights per person", 1),
            ("unmet_need_days_per_client", "all", "unmet-need days per person", 0),
            ("exits", "housed", "exits to housing", 0),
            ("exits", "self_resolved", "exits on one's own", 0),
            ("wait_mean_days", "clsc_first_line", "CLSC wait of those served (days)", 1),
            ("wait_mean_days", "mental_health", "specialised mental-health wait (days)", 1),
            ("reserved_places_idle", "all", "reserved housing places idle (mean number)", 1),
            ("staff_fte", "all", "paid staff (FTE)", 0),
            ("staff_hours", "all", "paid staff hours", 0),
            ("staff_cost", "all", "staff cost ($)", 0)]


def comparison_section(folders: Sequence[Path]) -> Section:
    """Section 6: each regime against organic on the default scenario, as declared and on equal resources."""
    import json

    from scipy import stats

    from simulator import results as results_io

    lines = ["Every regime against `organic` on the default scenario, replication by replication (common random "
             "numbers): the mean of `organic`, then for each regime the mean paired difference and its 95% "
             "paired t-interval. **Bold**: more than 2 paired standard errors from zero (with few replications "
             "the 95% interval is wider than 2 standard errors and may still hold zero)."]
    verdicts: list[str] = []
    for folder in folders:
        res = results_io.open(folder)
        scenario = json.loads((folder / "scenarios" / "point=00000.json").read_text(encoding="utf-8"))
        equal = bool(scenario.get("resources", {}).get("equal", False))
        rule = scenario.get("resources", {}).get("rule", "from_clinics")
        regimes = [r for r in res.regimes if r != "organic"]
        means = {(r["regime"], r["metric"], r["dimension"]): float(r["mean"])
                 for r in res.summary().to_dict("records")}
        paired = {(r["regime"], r["metric"], r["dimension"]): r for r in res.paired("organic").to_dict("records")}
        n = int(res.manifest["replications"])
        title = (f"On equal resources (`--equal-resources`, rule `{rule}`)" if equal
                 else "As declared (each regime with the staff the scenario gives it)")
        rows = []
        for metric, dimension, label, decimals in COMPARED:
            key = ("organic", metric, dimension)
            if key not in means:
                continue
            row = [label, f"{means[key]:,.{decimals}f}"]
            for regime in regimes:
                p = paired.get((regime, metric, dimension))
                if p is None or not math.isfinite(float(p.get("ci_low", math.nan))):
                    row.append("-")
                    continue
                mean, low, high = float(p["mean_difference"]), float(p["ci_low"]), float(p["ci_high"])
                se = (high - low) / 2 / float(stats.t.ppf(0.975, int(p["n"]) - 1))
                cell = f"{mean:+,.{decimals}f} [{low:+,.{decimals}f}, {high:+,.{decimals}f}]"
                strong = se > 0 and abs(mean) > 2 * se
                row.append(f"**{cell}**" if strong else cell)
                if strong and metric in ("count_total", "unsheltered_nights_per_client"):
                    verdicts.append(f"{label} under {regime} ({'equal resources' if equal else 'as declared'}): "
                                    f"{mean:+,.{decimals}f}, {abs(mean) / se:.1f} paired standard errors")
            rows.append(row)
        made = " ".join(str(part) for part in res.manifest.get("command", []))
        lines += ["", f"**{title}**: {n} replications of "
                  f"{float(res.manifest.get('horizon_days', 0) or 0):g} observed days, made by `{made}`.",
                  "", _table(["measure", "organic", *[f"{r} - organic" for r in regimes]], rows)]
    if verdicts:
        lines += ["", "The one-night count or the unsheltered nights differ from `organic` by more than 2 paired "
                  "standard errors in: " + "; ".join(verdicts) + "."]
    else:
        lines += ["", "No regime moves the one-night count or the unsheltered nights by more than 2 paired standard "
                  "errors from `organic` at these replications."]
    return Section("6. Regimes compared on the default scenario", "\n".join(lines))


# ------------------------------------------------------------------------------------------- document

def build_validation(spec: Path, command: Sequence[str], calibration_output: Path | None = None,
                     sensitivity: Path | None = None, textbook: Path | None = None, replications: int | None = None,
                     textbook_replications: int | None = None, textbook_scale: float = 0.5,
                     textbook_level: float = 0.99, workers: int = 1,
                     progress: Callable[[str], None] | None = None, comparisons: Sequence[Path] = ()) -> str:
    """The validation document as Markdown (see the module docstring)."""
    from simulator import __version__
    from simulator.batch.runner import run_batch
    from simulator.io.results import config_hash

    calibration = load_calibration(spec)
    scenario = calibration.scenario(dict(calibration.start))
    replications = replications or calibration.spec.check.replications
    say = progress or (lambda _: None)
    say(f"running {scenario.name} ({replications} replications)")
    metrics = run_batch(scenario, replications=replications, seed=scenario.seed, workers=workers).metrics
    published = published_section(calibration, metrics, replications, scenario.seed)
    if calibration.spec.retention is not None:
        say("running the retention trial")
        published = Section(published.title, published.body + "\n\n" + retention_section(calibration))
    sections = [published,
                calibration_section(calibration, calibration_output),
                uncalibrated_section(calibration)]
    if textbook is not None:
        from simulator.analysis.textbook import textbook_checks

        say("running the textbook scenarios")
        checks = textbook_checks(textbook, textbook_replications, workers=workers, horizon_scale=textbook_scale,
                                 level=textbook_level)
        sections.append(queueing_section(checks, textbook_level, textbook_scale))
    if sensitivity is not None:
        say("reading the sensitivity sweep")
        sections.append(sensitivity_section(sensitivity))
    else:
        sections.append(Section("5. Sensitivity of the conclusions", (
            "Not in this edition: no Morris sweep was given (`--sensitivity`). The screen of "
            "`configs/sweeps/montreal_coordination_morris.yaml` (31 parameters: the coordination assumptions, the "
            "channels through which met needs change lives, the release of reserved places, the access point's "
            "staff and equal resources; 10 trajectories, 3 replications, 4 regimes: 3,840 runs) takes about four "
            "hours on 2 cores. Run it, then this command with `--sensitivity`, to state which comparisons hold "
            "across the plausible ranges and which flip.")))
    if comparisons:
        say("reading the regime comparisons")
        sections.append(comparison_section(comparisons))
    header = [f"# Validation of `{scenario.name}`", "",
              f"Generated on {date.today().isoformat()} by `{' '.join(command)}` (simulator {__version__}; "
              f"scenario hash `{config_hash(scenario)[:12]}`). Do not edit by hand: rerun the command.", "",
              "It answers two questions: does the model look like the city (sections 1 to 3), and which "
              "conclusions hinge on assumptions nobody measured (sections 4 to 6: first that the engine "
              "computes queues right, then how the regime comparisons move over the plausible ranges of the "
              "coordination assumptions, and how the regimes compare on the default scenario, as declared "
              "and on equal resources)."]
    body = ["\n".join(header)] + [f"## {s.title}\n\n{s.body}" for s in sections]
    return "\n\n".join(body) + "\n"
