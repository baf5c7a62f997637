"""The command line: ``simulator run``, ``simulator validate``, ``simulator regimes``.

This module is the output layer: it turns user errors (a broken config, an unknown regime, a bad duration)
into short messages on standard error with exit code 2 and no traceback, shows a progress bar on interactive
terminals, and prints the summary table.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from collections.abc import Sequence
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
from simulator.config import ConfigError, Scenario, load_config
from simulator.config.units import parse_duration

EXIT_USER_ERROR = 2
DEFAULT_NAME = "montreal_centre.yaml"


def default_config() -> Path | None:
    """The packaged default scenario: in the source tree, or where ``pip install`` put the configs."""
    candidates = [Path(__file__).resolve().parent.parent / "configs" / DEFAULT_NAME,
                  Path(sys.prefix) / "share" / "simulator" / "configs" / DEFAULT_NAME]
    return next((path for path in candidates if path.exists()), None)

#: rows of the compact summary: (metric, dimension, label, scale, decimals)
SUMMARY_ROWS: list[tuple[str, str, str, float, int]] = [
    ("wait_mean_days", "*", "mean wait (days): {dim}", 1.0, 2),
    ("turnaway_rate", "all", "shelter requests refused (%)", 100.0, 2),
    ("unsheltered_nights_per_client", "all", "unsheltered nights per client", 1.0, 1),
    ("unmet_need_days_per_client", "all", "unmet-need days per client", 1.0, 0),
    ("referral_loss_share", "all", "referrals lost (%)", 100.0, 1),
    ("referral_completion_share", "all", "referrals completed (%)", 100.0, 1),
    ("exits", "housed", "exits to housing", 1.0, 0),
    ("time_homeless_mean_days", "exits", "time homeless at exit (days)", 1.0, 0),
    ("coordination_staff_hours", "all", "coordination staff hours", 1.0, 0),
    ("count_total", "all", "one-night count", 1.0, 0),
    ("count_outdoors", "all", "of whom outdoors", 1.0, 0),
]


class UserError(Exception):
    """An error in what the user asked for: reported without a traceback."""


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        # logs and pipes: wide enough that the summary table is not folded into unreadable cells
        console = Console(stderr=stderr, highlight=False, width=160)
    return console


def _parse_positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parse_seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


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
    run.add_argument("-n", "--replications", type=_parse_positive_int, help="replications per regime")
    run.add_argument("--seed", type=_parse_seed, help="root seed (default: the scenario's seed)")
    run.add_argument("--regime", action="append", metavar="NAME",
                     help="regime to run; repeat to compare, or 'all' (default: the scenario's regime)")
    run.add_argument("--horizon", type=_parse_duration, help="observed period, e.g. '365 days'")
    run.add_argument("--warmup", type=_parse_duration, help="warm-up period, e.g. '90 days'")
    run.add_argument("-w", "--workers", type=_parse_positive_int, default=None,
                     help="worker processes (default: the number of CPUs)")
    run.add_argument("--out", type=Path, help="write Parquet tables and manifest.json to this folder")
    run.add_argument("--event-log", action="store_true", help="keep the HMIS-shaped event log (large)")
    run.add_argument("--csv", type=Path, help="also write the summary table as CSV")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

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
    low, high = row["ci_low"] * scale, row["ci_high"] * scale
    if math.isnan(low):
        return f"{mean:,.{decimals}f}"
    return f"{mean:,.{decimals}f} [{low:,.{decimals}f}, {high:,.{decimals}f}]"


def summary_table(summary: pd.DataFrame, regimes: list[str], title: str) -> Table:
    """The compact summary: selected metrics (rows) by regime (columns), mean [95% interval]."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for regime in regimes:
        table.add_column(regime, justify="right")
    indexed = summary.set_index(["metric", "dimension", "regime"])
    for metric, dimension, label, scale, decimals in SUMMARY_ROWS:
        if metric not in indexed.index.get_level_values(0):
            continue
        part = indexed.loc[metric]
        dims = sorted(set(part.index.get_level_values(0))) if dimension == "*" else [dimension]
        for dim in dims:
            cells = []
            for regime in regimes:
                key = (dim, regime)
                cells.append(_format_cell(part.loc[key], scale, decimals) if key in part.index else "-")
            if any(cell != "-" for cell in cells):
                table.add_row(label.format(dim=dim), *cells)
    return table


def cmd_run(args: argparse.Namespace) -> int:
    from simulator.batch import run_batch
    from simulator.io import write_batch

    overrides: dict[str, Any] = {}
    if args.horizon:
        overrides["horizon"] = args.horizon
    if args.warmup:
        overrides["warmup"] = args.warmup
    scenario = _load(args.config, overrides or None)
    if args.event_log:
        scenario = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"event_log": True})})
    known = scenario.all_regimes()
    regimes = args.regime or [scenario.regime]
    if "all" in regimes:
        regimes = [name for name in known if _runnable(scenario, name)]
    for name in regimes:
        if name not in known:
            raise UserError(f"unknown regime {name!r}; known regimes: {', '.join(sorted(known))}")
    for name in regimes:
        if not _runnable(scenario, name):
            raise UserError(f"regime {name!r} needs a 'handoffs.integrated' section in the scenario")
    regimes = list(dict.fromkeys(regimes))
    replications = args.replications or scenario.replications
    workers = args.workers or os.cpu_count() or 1
    seed = scenario.seed if args.seed is None else args.seed

    err = _console(stderr=True)
    total = replications * len(regimes)
    show = not args.quiet and err.is_terminal
    started = time.perf_counter()
    if show:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task(f"{scenario.name}: replications", total=total)
            batch = run_batch(scenario, replications, seed, regimes, workers,
                              progress=lambda done, _total: bar.update(task, completed=done))
    else:
        batch = run_batch(scenario, replications, seed, regimes, workers)
    elapsed = time.perf_counter() - started
    summary = batch.summary()
    console = _console()
    title = (f"{scenario.name}: {replications} replication{'s' if replications != 1 else ''} x "
             f"{len(regimes)} regime{'s' if len(regimes) != 1 else ''}, {scenario.horizon:g} days observed after "
             f"{scenario.warmup:g} days warm-up, seed {seed}; mean [95% interval]")
    console.print(summary_table(summary, regimes, title))
    console.print(f"done in {elapsed:.1f} s", markup=False)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        summary.to_csv(args.csv, index=False)
    if args.out:
        written = write_batch(args.out, batch, ["simulator", *sys.argv[1:]])
        console.print(f"wrote {len(written)} files to {args.out}", markup=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handlers = {"run": cmd_run, "validate": cmd_validate, "regimes": cmd_regimes}
    try:
        return handlers[args.command](args)
    except ConfigError as error:
        return _report_config_error(error)
    except UserError as error:
        _error_line(f"error: {error}")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
