"""The command line: ``simulator run``, ``sweep``, ``summarize``, ``report``, ``validate``, ``regimes``.

This module is the output layer: it turns user errors (a broken config, an unknown regime, a bad duration,
an output path that cannot be written) into short messages on standard error with exit code 2 and no
traceback, shows a progress bar on interactive terminals, and prints the summary table. Every output path of a
command is checked before anything runs, so a command refused for its output leaves nothing behind, and one
that would fail to write does not spend a simulation first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from simulator import __version__
from simulator.batch.precision import PrecisionError
from simulator.batch.sweep import ENGINES
from simulator.config import ConfigError, Scenario, load_config
from simulator.config.loader import staffing_problems
from simulator.config.schema import MAX_BUDGET, MAX_REPLICATIONS, MAX_SEED
from simulator.config.units import parse_duration
from simulator.io.results import OutputError, atomic_write, check_output_file, check_output_folder
from simulator.io.store import ResultsError
from simulator.metrics.summary import FEW_MARK

EXIT_USER_ERROR = 2
DEFAULT_NAME = "montreal_centre.yaml"


def default_config() -> Path | None:
    """The packaged default scenario: in the source tree, or where ``pip install`` put the configs."""
    candidates = [Path(__file__).resolve().parent.parent / "configs" / DEFAULT_NAME,
                  Path(sys.prefix) / "share" / "simulator" / "configs" / DEFAULT_NAME]
    return next((path for path in candidates if path.exists()), None)

#: rows shown under each row of a metric, for the same dimension: (metric, label, scale, decimals); the wait of
#: those served never stands without the time in line of all who joined and the share who gave up or were
#: turned away
COMPANION_ROWS: dict[str, list[tuple[str, str, float, int]]] = {
    "wait_mean_days": [("line_time_mean_days", "  time in line of all who joined (days): {dim}", 1.0, 2),
                       ("abandonment_share", "  gave up or turned away (%): {dim}", 100.0, 1)]}

#: rows of the compact summary: (metric, dimension, label, scale, decimals)
SUMMARY_ROWS: list[tuple[str, str, str, float, int]] = [
    ("wait_mean_days", "*", "mean wait of those served (days): {dim}", 1.0, 2),
    ("turnaway_rate", "all", "shelter requests refused (%)", 100.0, 2),
    ("unsheltered_nights_per_client", "all", "unsheltered nights per client", 1.0, 1),
    ("unmet_need_days_per_client", "all", "unmet-need days per client", 1.0, 0),
    ("referral_loss_share", "all", "referrals lost (%)", 100.0, 1),
    ("referral_completion_share", "all", "referrals completed (%)", 100.0, 1),
    ("exits", "housed", "exits to housing", 1.0, 0),
    ("time_homeless_mean_days", "exits", "time homeless at exit (days)", 1.0, 0),
    ("coordination_staff_hours", "all", "coordination staff hours", 1.0, 0),
    ("staff_hours", "all", "paid staff hours", 1.0, 0),
    ("staff_cost", "all", "staff cost", 1.0, 0),
    ("count_total", "all", "one-night count", 1.0, 0),
    ("count_outdoors", "all", "of whom outdoors", 1.0, 0),
]


class UserError(Exception):
    """An error in what the user asked for: reported without a traceback."""


ENGINE_HELP = ("simpy: the SimPy engine; fast: the compiled engine (the same model, the same records for the "
               "same seed)")
SPEC_ENGINE_HELP = f"{ENGINE_HELP}; default: the spec's engine (simpy if it names none), which this option overrides"


@contextlib.contextmanager
def _engine_errors(engine: str, where: str) -> Iterator[None]:
    """A scenario the compiled engine does not cover (:class:`simulator.fast.FastEngineError`, every field
    listed) as a user error naming ``where`` it was asked for, without a traceback."""
    if engine == "simpy":
        yield
        return
    from simulator.fast.support import FastEngineError

    try:
        yield
    except FastEngineError as exc:
        raise UserError(f"{where}: {exc}") from None


def _chosen_engine(option: str | None, spec_engine: str, fields_set: set[str], spec_path: Path) -> str:
    """The engine a spec runs on: ``--engine`` if given, else the spec's ``engine`` (default simpy). A spec
    that names another engine than the option is overridden, and a warning says so with the spec's line."""
    if option is None:
        return spec_engine
    if option != spec_engine and "engine" in fields_set:
        from simulator.config.loader import Mark, display_path, mark_for, read_yaml

        shown = display_path(spec_path)
        _, marks = read_yaml(spec_path)
        mark = mark_for(("engine",), marks, Mark(shown, 1, 1))
        _warn(f"{mark.file}:{mark.line}:{mark.column}: engine: the spec asks for the {spec_engine} engine; "
              f"--engine {option} overrides it")
    return option


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        # logs and pipes: wide enough that the summary table is not folded into unreadable cells
        console = Console(stderr=stderr, highlight=False, width=160)
    return console


def _whole_number(minimum: int, words: str, maximum: int | None = None) -> Any:
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{words}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, got {value:,}")
        return value

    return parse


MAX_WORKERS = 1024
"""The most worker processes one command may start."""
_parse_workers = _whole_number(1, "must be at least 1", MAX_WORKERS)
_parse_budget = _whole_number(1, "must be at least 1", MAX_BUDGET)
_parse_seed = _whole_number(0, "must not be negative", MAX_SEED)
_parse_replications = _whole_number(1, "must be at least 1", MAX_REPLICATIONS)


def _parse_duration(text: str) -> str:
    try:
        parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulator",
        description="Simulate a city's homeless-services network under coordination regimes.")
    parser.add_argument("--version", action="version", version=f"simulator {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run replications of a scenario and print a summary",
                              description="Run replications of a scenario (default: the packaged "
                              "Central Montreal scenario) under one or several regimes.")
    run.add_argument("config", nargs="?", type=Path, help=f"scenario file (default: configs/{DEFAULT_NAME})")
    run.add_argument("-n", "--replications", type=_parse_replications, help="replications per regime")
    run.add_argument("--seed", type=_parse_seed, help="root seed (default: the scenario's seed)")
    run.add_argument("--regime", action="append", metavar="NAME",
                     help="regime to run; repeat to compare, or 'all' (default: the scenario's regime)")
    run.add_argument("--horizon", type=_parse_duration, help="observed period, e.g. '365 days'")
    run.add_argument("--warmup", type=_parse_duration, help="warm-up period, e.g. '90 days'")
    run.add_argument("--equal-resources", action="store_true",
                     help="re-staff every regime to the same total staff by the scenario's resources.rule "
                          "(docs/model.md section 4.5)")
    run.add_argument("-w", "--workers", type=_parse_workers, default=None,
                     help="worker processes (default: the number of CPUs)")
    run.add_argument("--out", type=Path, help="write Parquet tables and manifest.json to this folder")
    run.add_argument("--resume", action="store_true", help="complete an interrupted run in --out")
    run.add_argument("--event-log", action="store_true", help="keep the HMIS-shaped event log (large)")
    run.add_argument("--csv", type=Path, help="also write the summary table as CSV")
    run.add_argument("--precision", metavar="METRIC=HALF_WIDTH[,...]",
                     help="add replications in batches until every named metric's 95%% half-width is within "
                     "target under every regime, e.g. count_total=2%%,wait_mean_days:mental_health=1.5 "
                     "(-n is then the first batch)")
    run.add_argument("--engine", choices=ENGINES, default="simpy", help=f"{ENGINE_HELP}; default: simpy")
    run.add_argument("--max-replications", type=_parse_replications, metavar="N",
                     help="with --precision, stop at N replications per regime (default: 100 x the first batch)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    sweep = commands.add_parser("sweep", help="run a sweep spec: many points x regimes x replications",
                                description="Run every point, regime and replication of a sweep spec into a "
                                "results folder; resumable, and the same tables whatever the executor.")
    sweep.add_argument("spec", type=Path, help="sweep spec (YAML), e.g. configs/sweeps/example_small.yaml")
    sweep.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes")
    sweep.add_argument("-w", "--workers", type=_parse_workers, default=None,
                       help="worker processes or Dask workers (default: the number of CPUs)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (with --executor dask)")
    sweep.add_argument("--out", type=Path, help="results folder (default: results/<spec name>)")
    sweep.add_argument("--resume", action="store_true", help="complete an interrupted sweep in --out")
    sweep.add_argument("--engine", choices=ENGINES, default=None, help=SPEC_ENGINE_HELP)
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    summarize = commands.add_parser("summarize", help="summarise a results folder (run --out or sweep)")
    summarize.add_argument("results", type=Path)
    summarize.add_argument("--baseline", help="regime the others are compared with (default: the first)")
    summarize.add_argument("--csv", type=Path, help="write the full summary per point to this CSV file")
    summarize.add_argument("--paired-csv", type=Path, help="write the paired regime differences to this CSV")
    summarize.add_argument("--salib", type=Path, help="write the design as a SALib problem (JSON)")
    summarize.add_argument("--morris", metavar="METRIC[:DIMENSION]",
                           help="Morris screening of a morris sweep for this output (dimension: all): mu*, sigma "
                           "per parameter, instead of the tables per point")
    summarize.add_argument("--pair", metavar="A,B", help="with --morris: screen the paired difference B - A of two "
                           "regimes, and say where it is positive or negative")
    summarize.add_argument("--no-verify", action="store_true", help="skip checking every table file against "
                           "its recorded size and SHA-256 (for huge folders; empty files are still refused)")

    report = commands.add_parser("report", help="write the funders' report (HTML and PDF) of a results folder")
    report.add_argument("results", type=Path)
    report.add_argument("-o", "--out", type=Path, help="report folder (default: reports/<results name>)")
    report.add_argument("--title", help="the report's title")
    report.add_argument("--baseline", help="regime the others are compared with (default: organic)")
    report.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    report.add_argument("--no-verify", action="store_true", help="skip checking every table file against "
                        "its recorded size and SHA-256 (for huge folders; empty files are still refused)")
    report.add_argument("--template-dir", type=Path, metavar="DIR",
                        help="a folder whose report.css, report.html.j2 (extending base/report.html.j2) or "
                        "macros.html.j2 restyle the report (reports/README.md)")

    calibrate = commands.add_parser(
        "calibrate", help="fit a scenario's unobserved parameters to published figures",
        description="Fit the parameters a calibration spec names to its published targets (Little's law first "
        "guess, then a bounded least-squares search with common random numbers), or --check the scenario as "
        "written against the targets.")
    calibrate.add_argument("spec", type=Path, help="calibration spec, e.g. configs/calibration/montreal_centre.yaml")
    calibrate.add_argument("--budget", type=_parse_budget, help="simulations at most (default: the spec's)")
    calibrate.add_argument("-n", "--replications", type=_parse_replications,
                           help="replications per simulation (default: the spec's; with --check, the check's)")
    calibrate.add_argument("-w", "--workers", type=_parse_workers, default=None,
                           help="worker processes (default: the number of CPUs)")
    calibrate.add_argument("--out", type=Path, help="write targets.csv, history.csv and calibration.json here")
    calibrate.add_argument("--write", action="store_true",
                           help="write the calibrated values back into the base scenario file, marked [C]")
    calibrate.add_argument("--check", action="store_true",
                           help="run the scenario as written with its own seed; exit 1 if a target is missed")
    calibrate.add_argument("--engine", choices=ENGINES, default=None, help=SPEC_ENGINE_HELP)
    calibrate.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    validation = commands.add_parser(
        "validation-report", help="write docs/validation.md: published figures, calibration, theory, sensitivity",
        description="Generate the validation document of a calibrated scenario: each published figure beside "
        "the model's value, the calibration, what was not calibrated, the engine against queueing theory, and "
        "(with a Morris sweep's results) which regime comparisons hold or flip.")
    validation.add_argument("--spec", type=Path, default=Path("configs/calibration/montreal_centre.yaml"),
                            help="calibration spec (default: configs/calibration/montreal_centre.yaml)")
    validation.add_argument("--calibration", type=Path, metavar="DIR",
                            help="output folder of `simulator calibrate --out` (adds the search's history)")
    validation.add_argument("--sensitivity", type=Path, metavar="DIR",
                            help="results folder of a Morris sweep (adds the sensitivity section)")
    validation.add_argument("--comparison", type=Path, metavar="DIR", action="append", default=[],
                            help="results folder of `simulator run --regime all --out DIR` (with or without "
                                 "--equal-resources): adds the regime comparison; repeat for both")
    validation.add_argument("--textbook", type=Path, default=Path("configs/textbook"), metavar="DIR",
                            help="textbook scenarios checked against queueing theory ('none' to skip)")
    validation.add_argument("--textbook-scale", type=float, default=0.5, metavar="X",
                            help="share of each textbook scenario's horizon to run (default: 0.5)")
    validation.add_argument("-n", "--replications", type=_parse_replications,
                            help="replications of the scenario (default: the spec's check replications)")
    validation.add_argument("-w", "--workers", type=_parse_workers, default=None,
                            help="worker processes (default: the number of CPUs)")
    validation.add_argument("-o", "--out", type=Path, default=Path("docs/validation.md"))

    engines = commands.add_parser(
        "compare-engines", help="compare the compiled engine with the SimPy engine, metric by metric",
        description="Run a scenario on both engines (the SimPy engine with the scenario's seed, the compiled one "
        "with an independent seed) and test every metric of docs/model.md section 9 for a difference in "
        "distribution: Welch's t and Kolmogorov-Smirnov per metric, Fisher's exact test where a metric is "
        "sometimes absent, Holm's correction over all of them. Exit code 1 when a metric differs.")
    engines.add_argument("config", nargs="?", type=Path, help=f"scenario file (default: configs/{DEFAULT_NAME})")
    engines.add_argument("--regime", action="append", metavar="NAME",
                         help="regime to compare; repeat, or 'all' (default: the scenario's regime)")
    engines.add_argument("--horizon", type=_parse_duration, help="observed period, e.g. '60 days'")
    engines.add_argument("--warmup", type=_parse_duration, help="warm-up period, e.g. '30 days'")
    engines.add_argument("-n", "--replications", type=_parse_replications, default=30,
                         help="SimPy replications per regime (default: 30)")
    engines.add_argument("--fast-replications", type=_parse_replications, default=300, metavar="N",
                         help="compiled-engine replications per regime (default: 300)")
    engines.add_argument("--seed", type=_parse_seed, help="root seed (default: the scenario's seed)")
    engines.add_argument("--alpha", type=float, default=0.01,
                         help="family-wise error rate of Holm's correction (default: 0.01)")
    engines.add_argument("-w", "--workers", type=_parse_workers, default=None,
                         help="worker processes (default: the number of CPUs)")
    engines.add_argument("--csv", type=Path, help="write the table of every metric's test to this CSV file")
    engines.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    validate = commands.add_parser("validate", help="check scenario files and list every problem")
    validate.add_argument("configs", nargs="+", type=Path)

    regimes = commands.add_parser("regimes", help="list the regimes a scenario defines")
    regimes.add_argument("config", nargs="?", type=Path)
    return parser


def _load(path: Path | None, overrides: dict[str, Any] | None = None) -> Scenario:
    if path is None:
        path = default_config()
        if path is None:
            raise UserError(f"no CONFIG given and the default scenario {DEFAULT_NAME} was not installed")
    return load_config(path, overrides)


def _error_line(text: str) -> None:
    """One line on standard error, never folded (editors and CI parse FILE:LINE:COL lines)."""
    sys.stderr.write(text + "\n")


def _report_config_error(error: ConfigError) -> int:
    for problem in error.problems:
        _error_line(str(problem))
    count = len(error.problems)
    _error_line(f"{count} problem{'s' if count != 1 else ''} found")
    return EXIT_USER_ERROR


def cmd_validate(args: argparse.Namespace) -> int:
    console = _console()
    failed = 0
    for path in args.configs:
        try:
            scenario = load_config(path)
        except ConfigError as error:
            _report_config_error(error)
            failed += 1
            continue
        console.print(f"{path}: ok ({scenario.name}: {len(scenario.services)} services, "
                      f"regime {scenario.regime})", markup=False)
        from simulator.analysis.load import expected_loads, overloaded

        for service, load in overloaded(expected_loads(scenario)):
            _warn(f"{path}: services.{service}: offered load at least {load:.2f} from the walk-ins of new "
                  "clients alone (rates): at or above what its staff can give (utilisation 1)")
    return EXIT_USER_ERROR if failed else 0


def _runnable(scenario: Scenario, name: str) -> bool:
    """Whether the scenario has what the regime needs (the integrated path needs its settings)."""
    return scenario.all_regimes()[name].assignment != "integrated" or scenario.handoffs.integrated is not None


def cmd_regimes(args: argparse.Namespace) -> int:
    scenario = _load(args.config)
    console = _console()
    for name, regime in scenario.all_regimes().items():
        marker = "*" if name == scenario.regime else " "
        note = "" if _runnable(scenario, name) else " (not available: no handoffs.integrated section)"
        console.print(f"{marker} {name:<14} {regime.description}{note}", markup=False)
    return 0


def _format_cell(row: Any, scale: float, decimals: int) -> str:
    mean = row["mean"] * scale
    if math.isnan(mean):
        return "-"
    mark = f" {FEW_MARK}" if bool(row.get("few", False)) else ""  # docs/model.md section 10
    low, high = row["ci_low"] * scale, row["ci_high"] * scale
    if math.isnan(low):
        return f"{mean:,.{decimals}f}{mark}"
    return f"{mean:,.{decimals}f} [{low:,.{decimals}f}, {high:,.{decimals}f}]{mark}"


def summary_table(summary: pd.DataFrame, regimes: list[str], title: str) -> Table:
    """The compact summary: selected metrics (rows) by regime (columns), mean [95% interval]."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for regime in regimes:
        table.add_column(regime, justify="right")
    indexed = summary.set_index(["metric", "dimension", "regime"])
    metrics = set(indexed.index.get_level_values(0))

    def row(metric: str, dim: str, label: str, scale: float, decimals: int) -> bool:
        part = indexed.loc[metric]
        cells = [_format_cell(part.loc[(dim, regime)], scale, decimals) if (dim, regime) in part.index else "-"
                 for regime in regimes]
        if all(cell == "-" for cell in cells):
            return False
        table.add_row(label.format(dim=dim), *cells)
        return True

    for metric, dimension, label, scale, decimals in SUMMARY_ROWS:
        if metric not in metrics:
            continue
        dims = sorted(set(indexed.loc[metric].index.get_level_values(0))) if dimension == "*" else [dimension]
        for dim in dims:
            if row(metric, dim, label, scale, decimals):
                for companion in COMPANION_ROWS.get(metric, []):
                    if companion[0] in metrics:
                        row(companion[0], dim, *companion[1:])
    if "few" in summary and summary["few"].any():
        from simulator.metrics.summary import MIN_OBSERVATIONS, MIN_REPLICATIONS

        table.caption = (f"{FEW_MARK} few data: fewer than {MIN_OBSERVATIONS} observations (visits, clients, "
                         f"exits...) over all replications, or fewer than {MIN_REPLICATIONS} replications")
        table.caption_justify = "left"
    return table


def _load_with_clock(args: argparse.Namespace) -> Scenario:
    """The scenario of ``args.config`` with the ``--horizon`` and ``--warmup`` given."""
    overrides: dict[str, Any] = {}
    if args.horizon:
        overrides["horizon"] = args.horizon
    if args.warmup:
        overrides["warmup"] = args.warmup
    return _load(args.config, overrides or None)


def _chosen_regimes(scenario: Scenario, asked: list[str] | None) -> list[str]:
    """The regimes of ``--regime`` (default: the scenario's; ``all``: every one it can run), each checked."""
    known = scenario.all_regimes()
    regimes = asked or [scenario.regime]
    if "all" in regimes:
        regimes = [name for name in known if _runnable(scenario, name)]
    for name in regimes:
        if name not in known:
            raise UserError(f"unknown regime {name!r}; known regimes: {', '.join(sorted(known))}")
    for name in regimes:
        if not _runnable(scenario, name):
            raise UserError(f"regime {name!r} needs a 'handoffs.integrated' section in the scenario")
    return list(dict.fromkeys(regimes))


def cmd_run(args: argparse.Namespace) -> int:
    if args.out is not None:
        check_output_folder(args.out, "--out", results=True, resume=args.resume)
    elif args.resume:
        raise UserError("--resume completes a results folder: give it with --out")
    if args.csv is not None:
        check_output_file(args.csv, "--csv")
    scenario = _load_with_clock(args)
    if args.event_log:
        scenario = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"event_log": True})})
    if args.equal_resources:
        scenario = scenario.model_copy(update={"resources": scenario.resources.model_copy(update={"equal": True})})
        for _, message in staffing_problems(scenario):
            raise UserError(f"--equal-resources: {message}")
    regimes = _chosen_regimes(scenario, args.regime)
    replications = args.replications or scenario.replications
    workers = args.workers or os.cpu_count() or 1
    seed = scenario.seed if args.seed is None else args.seed
    precision, maximum = _precision(args, replications)

    if args.engine != "simpy":
        from simulator.fast.batch import check_regimes

        with _engine_errors(args.engine, f"--engine {args.engine}"):
            check_regimes(scenario, regimes)  # every field of every regime, before anything runs
    started = time.perf_counter()
    try:
        with _engine_errors(args.engine, f"--engine {args.engine}"):
            summary, replications, verdicts = _replicate(args, scenario, regimes, replications, seed, workers,
                                                        precision, maximum)
    except PrecisionError as exc:  # a target naming a dimension the metric does not have here
        raise UserError(f"--precision: {exc}") from None
    elapsed = time.perf_counter() - started
    console = _console()
    title = (f"{scenario.name}: {replications} replication{'s' if replications != 1 else ''} x "
             f"{len(regimes)} regime{'s' if len(regimes) != 1 else ''}, {scenario.horizon:g} days observed after "
             f"{scenario.warmup:g} days warm-up, seed {seed}; mean [95% interval]")
    console.print(summary_table(summary, regimes, title))
    if precision is not None:
        reached = all(": met " in line for line in verdicts)
        console.print(f"precision {'reached' if reached else 'NOT reached'} with {replications} replications "
                      f"per regime (at most {maximum}):", markup=False)
        for line in verdicts:
            console.print(f"  {line}", markup=False)
        if not reached:
            _warn(f"--precision: not every target was met within --max-replications {maximum}; the intervals "
                  "above are wider than asked")
    _warn_observed_loads(summary)
    console.print(f"done in {elapsed:.1f} s", markup=False)
    if args.csv:
        _write_csv(summary, args.csv)
    if args.out:
        console.print(f"results in {args.out} (read them with simulator summarize {args.out})", markup=False)
    return 0


def _replicate(args: argparse.Namespace, scenario: Scenario, regimes: list[str], replications: int, seed: int,
               workers: int, precision: Any, maximum: int) -> tuple[pd.DataFrame, int, list[str]]:
    """Run the replications (in memory, or into --out), adding batches for --precision; return the summary,
    the replications run per regime and the precision verdicts."""
    from simulator.batch import run_batch
    from simulator.batch.precision import describe, parse_targets

    with _progress(not args.quiet, f"{scenario.name}: replications") as progress:
        if args.out:
            from simulator.batch import run_sweep
            from simulator.batch.sweep import single_point
            from simulator.results import open as open_results

            sweep = single_point(scenario, regimes, replications, seed, precision=precision, engine=args.engine)
            run_sweep(sweep, args.out, "processes", workers, resume=args.resume, command=_command(),
                      progress=progress)
            opened = open_results(args.out)
            summary = opened.summary()
            verdicts = opened.manifest.get("precision", {}).get("points", {}).get("0", {}).get("verdicts", [])
            replications = int(opened.manifest.get("replications", replications))
        else:
            batch = run_batch(scenario, replications, seed, regimes, workers, progress=progress,
                              precision=parse_targets(precision.targets) if precision else None,
                              max_replications=maximum, engine=args.engine)
            summary = batch.summary()
            verdicts = describe(batch.precision)
            replications = batch.replications
    return summary, replications, verdicts


def _precision(args: argparse.Namespace, replications: int) -> tuple[Any, int]:
    """The run's precision targets (None without --precision) and its most replications."""
    from simulator.batch.precision import PrecisionError, parse_targets
    from simulator.batch.sweep import Precision

    if args.precision is None:
        if args.max_replications is not None:
            raise UserError("--max-replications goes with --precision")
        return None, replications
    try:
        parse_targets(args.precision)
    except PrecisionError as exc:
        raise UserError(f"--precision: {exc}") from None
    maximum = args.max_replications or min(100 * replications, MAX_REPLICATIONS)
    if maximum < replications:
        raise UserError(f"--max-replications {maximum} is below the first batch (-n {replications})")
    return Precision(targets=[t.strip() for t in args.precision.split(",")], max_replications=maximum), maximum


def _warn(text: str) -> None:
    sys.stderr.write(f"warning: {text}\n")


def _warn_observed_loads(summary: pd.DataFrame) -> None:
    """A clinic asked for as much work as its staff can give, or more, under some regime (mean over
    replications of ``offered_load``)."""
    from simulator.analysis.load import THRESHOLD

    rows = summary[(summary["metric"] == "offered_load") & (summary["mean"] >= THRESHOLD)]
    for service, part in rows.groupby("dimension", sort=False):
        where = ", ".join(f"{load:.2f} under {regime}" for regime, load in zip(part["regime"], part["mean"],
                                                                                 strict=True))
        _warn(f"{service}: offered load {where}: at or above what its staff can give (utilisation 1); its "
              "waits are set by who gives up and by the horizon (docs/model.md section 4.2)")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def _command() -> list[str]:
    return ["simulator", *sys.argv[1:]]


class _progress:
    """A progress bar on interactive terminals (replications done, elapsed, time left); silent otherwise."""

    def __init__(self, enabled: bool, description: str):
        self.console = _console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self.description = description
        self.bar: Progress | None = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=self.console,
                            transient=True)
        self.bar.__enter__()
        task = self.bar.add_task(self.description, total=None)
        bar = self.bar
        return lambda done, total: bar.update(task, completed=done, total=total)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def cmd_sweep(args: argparse.Namespace) -> int:
    from simulator.batch import run_sweep
    from simulator.batch.executors import ExecutorError
    from simulator.batch.sweep import check_engine, load_sweep, with_engine
    from simulator.config.loader import display_path

    sweep = load_sweep(args.spec)
    out = args.out or Path("results") / sweep.spec.name
    workers = args.workers or os.cpu_count() or 1
    if args.scheduler and args.executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    engine = _chosen_engine(args.engine, sweep.spec.engine, sweep.spec.model_fields_set, args.spec)
    sweep = with_engine(sweep, engine)
    where = display_path(args.spec) + ("" if args.engine is None else f" with --engine {engine}")
    with _engine_errors(engine, where):
        check_engine(sweep)  # every point under every regime, before anything runs
    check_output_folder(out, "--out", results=True, resume=args.resume)
    tasks = len(sweep.points) * len(sweep.regimes)
    console = _console()
    console.print(f"{sweep.spec.name}: {len(sweep.points)} points x {len(sweep.regimes)} regimes x "
                  f"{sweep.spec.replications} replications ({tasks * sweep.spec.replications} runs), "
                  f"{engine} engine, executor {args.executor}, {workers} workers -> {out}", markup=False)
    started = time.perf_counter()
    try:
        with _progress(not args.quiet, f"{sweep.spec.name}: {len(sweep.points)} points, replications") as progress, \
                _engine_errors(engine, where):
            run_sweep(sweep, out, args.executor, workers, args.scheduler, args.resume, _command(), progress)
    except ExecutorError as exc:
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        _error_line(f"interrupted: finished tasks are kept in {out}; complete them with the same command "
                    "and --resume")
        return 130
    console.print(f"done in {time.perf_counter() - started:.1f} s; summarise with: simulator summarize {out}",
                  markup=False)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from simulator import calibration as cal
    from simulator.config.loader import display_path

    if args.out is not None:
        check_output_folder(args.out, "--out")
    loaded = cal.load_calibration(args.spec)
    spec = loaded.spec
    workers = args.workers or os.cpu_count() or 1
    engine = _chosen_engine(args.engine, spec.engine, spec.model_fields_set, args.spec)
    where = display_path(args.spec) + ("" if args.engine is None else f" with --engine {engine}")
    with _engine_errors(engine, where):
        cal.check_engine(loaded, engine)  # before the first simulation
    console = _console()
    on = "" if engine == "simpy" else f", {engine} engine"
    if args.check:
        with _engine_errors(engine, where):
            table = cal.check(loaded, args.replications, workers=workers, engine=engine)
        shown = Table(title=f"{spec.name}: the scenario as written, {int(table['replications'].iloc[0])} "
                      f"replications, regime {spec.regime}{on}")
        for column in ("target", "published", "model mean [95% CI]", "tolerance", "met"):
            shown.add_column(column, justify="left" if column == "target" else "right")
        for row in table.itertuples():
            shown.add_row(str(row.target), f"{row.published:.4g}", f"{row.mean:.4g} [{row.low:.4g}, {row.high:.4g}]",
                          f"±{row.tolerance:.3g}", "yes" if row.met else "NO")
        console.print(shown)
        met = bool(table["met"].all())
        if spec.retention is not None:
            with _engine_errors(engine, where):
                trial = cal.check_retention(loaded, engine=engine)
            retained = Table(title=f"retention trial: {spec.retention.cohort} clients ({spec.retention.pattern}, "
                             f"{', '.join(spec.retention.needs)}), followed {spec.retention.follow_up:g} days, "
                             f"{int(trial['replications'].iloc[0])} replications; share housed the whole of the "
                             f"last {spec.retention.last:g} days")
            for column in ("arm", "published", "model mean [95% CI]", "tolerance", "met"):
                retained.add_column(column, justify="left" if column == "arm" else "right")
            for row in trial.itertuples():
                retained.add_row(str(row.target), f"{row.published:.3g}",
                                 f"{row.mean:.3g} [{row.low:.3g}, {row.high:.3g}]", f"±{row.tolerance:.3g}",
                                 "yes" if row.met else "NO")
            console.print(retained)
            met = met and bool(trial["met"].all())
        return 0 if met else 1

    budget = args.budget or spec.method.budget
    console.print(f"{spec.name}: {len(spec.parameters)} parameters, {len(spec.targets)} targets, regime "
                  f"{spec.regime}, budget {budget} simulations of {args.replications or spec.replications} "
                  f"replications, {engine} engine, {workers} workers", markup=False)
    started = time.perf_counter()
    with _progress(not args.quiet, f"{spec.name}: simulations") as progress, _engine_errors(engine, where):
        def seen(evaluation: cal.Evaluation) -> None:
            if progress is not None:
                progress(evaluation.index + 1, budget)

        result = cal.calibrate(loaded, budget=args.budget, replications=args.replications, workers=workers,
                               progress=seen, engine=engine)
    table = result.table()
    shown = Table(title=f"{spec.name}: best of {len(result.history)} simulations ({result.stopped}), objective "
                  f"{result.start.objective:.2f} -> {result.best.objective:.2f}")
    for column in ("target", "published", "tolerance", "before", "after", "met"):
        shown.add_column(column, justify="left" if column == "target" else "right")
    for row in table.itertuples():
        shown.add_row(str(row.target), f"{row.published:.4g}", f"±{row.tolerance:.3g}", f"{row.before:.4g}",
                      f"{row.after:.4g}", "yes" if row.met else "NO")
    console.print(shown)
    values = Table(title="parameters")
    for column in ("path", "start", "calibrated", "bounds"):
        values.add_column(column)
    for parameter in spec.parameters:
        unit = loaded.units[parameter.path]
        values.add_row(parameter.path, f"{result.start.values[parameter.path]:.4g} {unit}",
                       f"{result.best.values[parameter.path]:.4g} {unit}",
                       f"[{parameter.bounds[0]:g}, {parameter.bounds[1]:g}]")
    console.print(values)
    if args.out:
        cal.save(result, args.out, _command())
        console.print(f"wrote {args.out}/targets.csv, history.csv, calibration.json", markup=False)
    if args.write:
        text = cal.write_back(loaded, result.best.values, display_path(args.spec))
        atomic_write(loaded.base_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        console.print(f"wrote the calibrated values into {display_path(loaded.base_path)}", markup=False)
    console.print(f"done in {time.perf_counter() - started:.0f} s", markup=False)
    return 0


def cmd_validation_report(args: argparse.Namespace) -> int:
    from simulator.validation import build_validation

    check_output_file(args.out, "-o/--out")
    for given, what in ((args.calibration, "--calibration"), (args.sensitivity, "--sensitivity"),
                        *((folder, "--comparison") for folder in args.comparison)):
        if given is not None and not given.is_dir():
            raise UserError(f"{what} {given}: no such folder")
    textbook = None if str(args.textbook) == "none" else args.textbook
    if textbook is not None and not textbook.is_dir():
        raise UserError(f"--textbook {textbook}: no such folder")
    console = _console(stderr=True)
    if not 0 < args.textbook_scale <= 10:
        raise UserError(f"--textbook-scale {args.textbook_scale}: give a number in (0, 10]")
    text = build_validation(args.spec, _command(), args.calibration, args.sensitivity, textbook,
                            args.replications, textbook_scale=args.textbook_scale,
                            workers=args.workers or os.cpu_count() or 1,
                            progress=lambda message: console.print(message, markup=False),
                            comparisons=args.comparison)
    atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    _console().print(f"wrote {args.out}", markup=False)
    return 0


def cmd_compare_engines(args: argparse.Namespace) -> int:
    from simulator.analysis.engines import compare_engines

    if args.csv is not None:
        check_output_file(args.csv, "--csv")
    if not 0 < args.alpha < 1:
        raise UserError(f"--alpha {args.alpha}: give a number in (0, 1)")
    scenario = _load_with_clock(args)
    regimes = _chosen_regimes(scenario, args.regime)
    workers = args.workers or os.cpu_count() or 1
    started = time.perf_counter()
    with _progress(not args.quiet, f"{scenario.name}: replications on both engines") as progress, \
            _engine_errors("fast", "compare-engines"):
        comparison = compare_engines(scenario, regimes, args.replications, args.fast_replications, args.seed,
                                     workers, args.alpha, progress=progress)
    console = _console()
    console.print(comparison.describe(), markup=False)
    console.print(f"done in {time.perf_counter() - started:.1f} s", markup=False)
    if args.csv:
        _write_csv(comparison.table, args.csv)
    return 1 if len(comparison.differences) else 0


def cmd_report(args: argparse.Namespace) -> int:
    from simulator.report import ReportError, build_report

    out = args.out or Path("reports") / args.results.name
    check_output_folder(out, "-o/--out")
    try:
        written = build_report(args.results, out, args.title, pdf=not args.no_pdf, baseline=args.baseline,
                               verify=not args.no_verify, template_dir=args.template_dir)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    _console().print("wrote " + ", ".join(str(p) for p in written), markup=False)
    return 0


#: the paired differences `summarize` prints; a wait never without the time in line of all who joined and
#: the share who gave up (sorted next to it)
HEADLINE = [("wait_mean_days", "*"), ("line_time_mean_days", "*"), ("abandonment_share", "*"),
            ("unmet_need_days_per_client", "all"),
            ("unsheltered_nights_per_client", "all"), ("referral_loss_share", "all"),
            ("coordination_staff_hours", "all"), ("staff_hours", "all"), ("staff_cost", "all")]


def _morris_tables(results: Any, output: str, pair_text: str | None) -> list[Any]:
    """``--morris METRIC[:DIMENSION] [--pair A,B]``: the screening table(s), and where a pair's sign flips."""
    from rich.text import Text

    from simulator.analysis.sensitivity import paired_signs

    metric, _, dimension = output.partition(":")
    if not metric:
        raise UserError(f"--morris {output!r}: give METRIC or METRIC:DIMENSION")
    dimension = dimension or "all"
    pair: tuple[str, str] | None = None
    if pair_text is not None:
        names = [name.strip() for name in pair_text.split(",")]
        if len(names) != 2 or not all(names):
            raise UserError(f"--pair {pair_text!r}: give two regimes as A,B (the difference is B - A)")
        pair = (names[0], names[1])
    cases = [(f"{pair[1]} - {pair[0]}", {"pair": pair})] if pair else \
        [(regime, {"regime": regime}) for regime in results.regimes]
    out: list[Any] = []
    for label, how in cases:
        indices = results.morris(metric, dimension, **how)
        table = Table(title=f"Morris screening of {metric} ({dimension}), {label} ({int(indices['n'].max())} "
                      "effects per parameter): effect of moving a parameter across its whole range",
                      title_justify="left")
        for column in ("parameter", "mu*", "mu* 95% bootstrap", "mu", "sigma", "n"):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        def number(x: float) -> str:
            return "-" if math.isnan(x) else f"{x:,.3g}"

        for row in indices.itertuples(index=False):
            interval = "-" if math.isnan(row.mu_star_ci_low) else \
                f"[{number(row.mu_star_ci_low)}, {number(row.mu_star_ci_high)}]"
            table.add_row(Text(str(row.parameter)), number(row.mu_star), Text(interval), number(row.mu),
                          number(row.sigma), str(row.n))
        out.append(table)
    if pair:
        out.append(paired_signs(results, metric, dimension, pair=pair).describe())
    return out


def cmd_summarize(args: argparse.Namespace) -> int:
    from simulator.results import open as open_results

    for path, flag in ((args.csv, "--csv"), (args.paired_csv, "--paired-csv"), (args.salib, "--salib")):
        if path is not None:
            check_output_file(path, flag)
    results = open_results(args.results, verify=not args.no_verify)
    if not args.no_verify:
        results.verify()  # every table, not only the metrics summarised: a damaged folder is said at once
    if args.pair and not args.morris:
        raise UserError("--pair goes with --morris METRIC[:DIMENSION]")
    screening = _morris_tables(results, args.morris, args.pair) if args.morris else []
    summary = results.summary() if not screening or args.csv else pd.DataFrame()  # --morris: only for --csv
    console = _console()
    points = results.points
    parameters = [c for c in points.columns if c not in ("point", "config_hash")]
    # with --morris the screening replaces the tables per point (a morris design has many points)
    for point, part in summary.groupby("point", sort=True) if not screening else []:
        values = points[points["point"] == point]
        label = ", ".join(f"{name}={values[name].iloc[0]}" for name in parameters) if parameters else "base"
        console.print(summary_table(part, results.regimes, f"point {point}: {label}; mean [95% interval]"))
    baseline = args.baseline or results.regimes[0]
    if args.paired_csv and len(results.regimes) < 2:
        columns = ["point", "regime", "baseline", "metric", "dimension", "n", "mean_difference", "ci_low",
                   "ci_high", "unpaired_ci_low", "unpaired_ci_high"]
        _write_csv(pd.DataFrame(columns=columns), args.paired_csv)
        console.print(f"one regime ({results.regimes[0]}): no paired differences; wrote an empty table to "
                      f"{args.paired_csv}", markup=False)
    if len(results.regimes) > 1 and (not screening or args.paired_csv):
        paired = results.paired(baseline)
        wanted = paired["metric"].isin([m for m, d in HEADLINE if d == "*"]) | paired.set_index(
            ["metric", "dimension"]).index.isin([(m, d) for m, d in HEADLINE if d != "*"])
        order = {metric: i for i, (metric, _) in enumerate(HEADLINE)}
        rows = paired[wanted]
        waits = rows["metric"].isin(["wait_mean_days", "line_time_mean_days", "abandonment_share"])
        rows = rows.assign(_after=~waits, _order=rows["metric"].map(order),
                           _service=rows["dimension"].where(waits, ""))
        rows = rows.sort_values(["point", "regime", "_after", "_service", "_order"], kind="stable")
        table = Table(title=f"paired differences vs {baseline} (common random numbers): mean [95% interval]; "
                      f"unpaired interval for comparison; {FEW_MARK}: few data", title_justify="left")
        for column in ("point", "regime", "metric", "dimension", "paired", "unpaired"):
            table.add_column(column, justify="right" if column in ("paired", "unpaired") else "left")
        for _, row in rows.iterrows():
            if "ci_low" not in row or pd.isna(row.get("ci_low")):
                continue
            mark = f" {FEW_MARK}" if bool(row.get("few", False)) else ""
            table.add_row(str(row["point"]), row["regime"], row["metric"], row["dimension"],
                          f"{row['mean_difference']:,.3g} [{row['ci_low']:,.3g}, {row['ci_high']:,.3g}]{mark}",
                          f"[{row['unpaired_ci_low']:,.3g}, {row['unpaired_ci_high']:,.3g}]")
        if not screening:
            console.print(table)
        if args.paired_csv:
            _write_csv(paired, args.paired_csv)
    for renderable in screening:
        console.print(renderable, markup=False)
    if args.csv:
        _write_csv(summary, args.csv)
        console.print(f"summary written to {args.csv}", markup=False)
    if args.salib:
        text = json.dumps(results.salib_problem(), indent=2) + "\n"
        atomic_write(args.salib, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        console.print(f"SALib problem written to {args.salib}", markup=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handlers = {"run": cmd_run, "validate": cmd_validate, "regimes": cmd_regimes, "sweep": cmd_sweep,
                "summarize": cmd_summarize, "report": cmd_report, "calibrate": cmd_calibrate,
                "validation-report": cmd_validation_report, "compare-engines": cmd_compare_engines}
    try:
        return handlers[args.command](args)
    except ConfigError as error:
        return _report_config_error(error)
    except (UserError, ResultsError, OutputError, PrecisionError) as error:
        _error_line(f"error: {error}")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
