"""Calibrating a scenario's unobserved parameters to published figures.

A calibration spec is a YAML file::

    name: montreal_centre
    base: ../montreal_centre.yaml          # the scenario to calibrate, relative to the spec
    regime: organic                        # the regime the published figures were observed under
    replications: 2                        # per evaluation
    seed: 2022                             # the same at every evaluation: common random numbers
    method: {first_guess: littles_law, inflow: population.inflow.rate, count: one_night_count,
             search: least_squares, budget: 30, step: 0.05}
    targets:
      - {name: one_night_count, metric: count_on_date, dimension: total, value: 4690, tolerance: 235,
         source: "[S] 2022 count"}
    parameters:
      - {path: population.inflow.rate, bounds: [20, 70], unit: per day}

**Objective.** Each target ``i`` gives a standardised residual ``r_i = (m_i - t_i) / tol_i`` where ``m_i`` is
the model's mean over the replications and ``t_i`` the published value; the calibration minimises
``sum(r_i ** 2)``. A target is *met* when ``|r_i| <= 1``: the tolerance says how close is close enough,
given how precise the published figure is. Every evaluation uses the same seed and replications (common
random numbers), so the objective is a deterministic function of the parameters: two candidates differ by
their parameters, not by sampling noise.

**Method.**

1. *First guess by Little's law* (optional): a pilot run at the start values measures the count ``L0``
   under the inflow ``lambda0``. Since ``L = lambda W``, scaling the inflow by ``L* / L0`` gives the target
   count ``L*`` if the mean time homeless ``W`` does not move; it moves a little (crowding), which the
   search corrects.
2. *Search* in the unit cube of the parameters' bounds: ``least_squares`` (scipy's bounded trust-region
   Gauss-Newton, with a forward-difference Jacobian of step ``step`` in unit coordinates, wide enough to
   see through the discreteness of a simulation) or ``nelder_mead`` (derivative-free). Every simulation
   counts towards ``budget``; the best point seen is kept.

The engine never sees this module: it only edits scenario data and runs batches, so calibration is an edge
of the system like sweeps. ``engine: fast`` in the spec (or ``simulator calibrate --engine fast``) runs the
batches on the compiled engine; a scenario it does not cover is refused before the first simulation, every
field listed.
"""

from __future__ import annotations

import copy
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from simulator.analysis.retention import ARMS, Cohort, retention
from simulator.config.bounds import NOT_BOOL, at_most
from simulator.config.loader import (
    ConfigError,
    Mark,
    PathKey,
    Problem,
    display_path,
    dotted,
    load_data,
    mark_for,
    read_yaml,
    split_path,
    validate_data,
    validation_problems,
)
from simulator.config.schema import (
    MAX_BUDGET,
    MAX_REPLICATIONS,
    Frozen,
    Housing,
    Need,
    Pattern,
    Probability,
    Replications,
    Scenario,
    Seed,
    with_regime,
)
from simulator.config.units import Duration
from simulator.metrics.summary import t_interval

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


class Target(Frozen):
    """A published figure the model should reproduce: a metric of the results and its tolerance."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    metric: Annotated[str, Field(min_length=1)]
    dimension: str = "all"
    value: float
    tolerance: Annotated[float, Field(gt=0)]
    source: str = ""
    note: str = Field(default="", description="what a reader should know when the target is missed")


class CalibratedParameter(Frozen):
    """An unobserved parameter: a dotted path into the scenario file and the range searched."""

    path: Annotated[str, Field(min_length=1)]
    bounds: tuple[float, float]
    unit: str | None = Field(default=None, description="unit of the value, e.g. 'days'; default: the base's")
    note: str = Field(default="", description="what is known of it, to set the fitted value against")
    integer: bool = Field(default=False, description="whole numbers only (beds, staff): values are rounded")
    step: Annotated[float, Field(gt=0, le=0.5)] | None = Field(
        default=None, description="finite-difference step, share of the range (default: the method's step)")

    @model_validator(mode="after")
    def _increasing(self) -> CalibratedParameter:
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be increasing, got [{self.bounds[0]:g}, {self.bounds[1]:g}]")
        return self

    def at(self, unit_value: float) -> float:
        low, high = self.bounds
        value = low + float(np.clip(unit_value, 0.0, 1.0)) * (high - low)
        return float(round(value)) if self.integer else value

    def unit_of(self, value: float) -> float:
        low, high = self.bounds
        return float(np.clip((value - low) / (high - low), 0.0, 1.0))


class Method(Frozen):
    first_guess: Literal["littles_law", "none"] = "none"
    inflow: str | None = Field(default=None, description="path of the inflow parameter (Little's law)")
    count: str | None = Field(default=None, description="name of the count target (Little's law)")
    search: Literal["least_squares", "nelder_mead"] = "least_squares"
    budget: Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_BUDGET)] = 30
    step: Annotated[float, Field(gt=0, le=0.5)] = 0.05


class Check(Frozen):
    """How the calibrated scenario is checked: its own seed, this many replications."""

    replications: Annotated[int, NOT_BOOL, Field(ge=2), at_most(MAX_REPLICATIONS)] = 5


class ArmTarget(Frozen):
    value: Annotated[float, Field(ge=0, le=1)]
    tolerance: Annotated[float, Field(gt=0)]


class Retention(Frozen):
    """A trial run in the model (:mod:`simulator.analysis.retention`): the share of a high-need cohort housed
    the whole of the last ``last`` days of ``follow_up``, with housing first and under usual care."""

    programme: str
    cohort: Annotated[int, NOT_BOOL, Field(ge=10), at_most(100_000)] = 300
    follow_up: Annotated[Duration, Field(gt=0)] = 730.0
    last: Annotated[Duration, Field(gt=0)] = 182.5
    pattern: Pattern = "chronic"
    needs: dict[Need, Probability] = {"mental_health": 1.0}
    replications: Annotated[int, NOT_BOOL, Field(ge=2), at_most(MAX_REPLICATIONS)] = 3
    housing_first: ArmTarget
    usual_care: ArmTarget
    source: str = ""

    @model_validator(mode="after")
    def _last_within(self) -> Retention:
        if self.last > self.follow_up:
            raise ValueError("'last' must not be longer than 'follow_up'")
        return self

    def cohort_spec(self) -> Cohort:
        return Cohort(self.programme, self.cohort, self.follow_up, self.last, self.pattern,
                      tuple((str(k), v) for k, v in self.needs.items()))


class CalibrationSpec(Frozen):
    name: str
    description: str = ""
    base: str
    overrides: dict[str, Any] = {}
    regime: str = "organic"
    replications: Replications = 2
    seed: Seed = 0
    method: Method = Method()
    targets: Annotated[list[Target], Field(min_length=1)]
    parameters: Annotated[list[CalibratedParameter], Field(min_length=1)]
    check: Check = Check()
    retention: Retention | None = Field(
        default=None, description="a retention trial checked with --check (not fitted)")
    engine: Literal["simpy", "fast"] = Field(
        default="simpy", description="the engine every evaluation runs on: simpy (the whole model) or fast (the "
        "compiled engine); `simulator calibrate --engine` overrides it")


def _get(data: Any, path: PathKey) -> Any:
    node = data
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            raise KeyError(dotted(path))
    return node


def _set(data: Any, path: PathKey, value: Any) -> None:
    from simulator.batch.sweep import apply_path

    missing = apply_path(data, path, value)
    if missing is not None:
        raise KeyError(missing)


def parse_quantity(value: Any) -> tuple[float, str] | None:
    """``38 per day`` -> ``(38.0, "per day")``; a bare number -> ``(x, "")``; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), ""
    if isinstance(value, str):
        match = _NUMBER.match(value)
        if match:
            return float(match.group(1)), match.group(2)
    return None


def _convert(number: float, unit: str, to: str) -> float | None:
    """``number`` in ``unit`` expressed in ``to`` (durations or rates), or None if they do not convert."""
    from simulator.config.units import parse_duration, parse_rate

    for parse in (parse_duration, parse_rate):
        try:
            return parse(f"{number} {unit}") / parse(f"1 {to}")
        except (ValueError, TypeError):
            continue
    return None


def format_quantity(number: float, unit: str) -> Any:
    """A value as the scenario file writes it: a plain number, or a number and its unit."""
    shown = float(f"{number:.4g}")
    if shown.is_integer() and abs(shown) >= 1:
        shown = int(shown)
    return f"{shown} {unit}" if unit else shown


@dataclass
class Calibration:
    """A loaded calibration: the spec, its file, the base scenario's data and the start values."""

    spec: CalibrationSpec
    path: Path
    base_path: Path
    base_data: dict[str, Any]
    base_marks: dict[Any, Mark]
    start: dict[str, float]
    units: dict[str, str]

    def values_at(self, unit: np.ndarray) -> dict[str, float]:
        return {p.path: p.at(float(u)) for p, u in zip(self.spec.parameters, unit, strict=True)}

    def unit_of(self, values: dict[str, float]) -> np.ndarray:
        return np.array([p.unit_of(values[p.path]) for p in self.spec.parameters])

    def data(self, values: dict[str, float]) -> dict[str, Any]:
        """The base scenario's data with the spec's overrides and these parameter values."""
        data = copy.deepcopy(self.base_data)
        for name, value in self.spec.overrides.items():
            data[name] = value
        for path, number in values.items():
            _set(data, split_path(path), format_quantity(number, self.units[path]))
        return data

    def scenario(self, values: dict[str, float]) -> Scenario:
        """The scenario at these parameter values, under the calibration's regime."""
        scenario = validate_data(self.data(values), self.base_marks, display_path(self.base_path))
        return with_regime(scenario, self.spec.regime)


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration spec; every problem names the spec's file, line and field."""
    path = Path(path)
    shown = display_path(path)
    raw, marks = read_yaml(path)
    default = Mark(shown, 1, 1)
    if not isinstance(raw, dict):
        raise ConfigError([Problem(default, "", "a calibration spec must be a mapping of fields")])
    try:
        spec = CalibrationSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, raw, marks, default)) from None

    def problem(where: PathKey, message: str) -> Problem:
        return Problem(mark_for(where, marks, default), dotted(where), message)

    base_path = (path.parent / spec.base).resolve()
    if not base_path.exists():
        raise ConfigError([problem(("base",), f"file {spec.base!r} not found")])
    base_data, base_marks = load_data(base_path)
    problems: list[Problem] = []
    start: dict[str, float] = {}
    units: dict[str, str] = {}
    for i, parameter in enumerate(spec.parameters):
        try:
            current = _get(base_data, split_path(parameter.path))
        except KeyError:
            problems.append(problem(("parameters", i, "path"), f"'{parameter.path}' is not in the base scenario"))
            continue
        quantity = parse_quantity(current)
        if quantity is None:
            problems.append(problem(("parameters", i, "path"),
                                    f"'{parameter.path}' is {current!r} in the base scenario, not a number"))
            continue
        number, unit = quantity
        if parameter.unit is not None and parameter.unit != unit:
            converted = _convert(number, unit, parameter.unit)
            if converted is None:
                problems.append(problem(("parameters", i, "unit"), f"the base scenario writes {current!r}, which "
                                        f"cannot be expressed in {parameter.unit!r}"))
                continue
            number, unit = converted, parameter.unit
        start[parameter.path] = number
        units[parameter.path] = unit
    paths = [p.path for p in spec.parameters]
    for i, name in enumerate(paths):
        if name in paths[:i]:
            problems.append(problem(("parameters", i, "path"), f"'{name}' is calibrated twice"))
    names = [t.name for t in spec.targets]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(problem(("targets", i, "name"), f"two targets are called {name!r}"))
    if spec.method.first_guess == "littles_law":
        if spec.method.inflow not in paths:
            problems.append(problem(("method", "inflow"), "Little's law needs 'inflow': the path of a calibrated "
                                    f"parameter (one of: {', '.join(paths)})"))
        if spec.method.count not in names:
            problems.append(problem(("method", "count"), "Little's law needs 'count': the name of a target "
                                    f"(one of: {', '.join(names)})"))
    if problems:
        raise ConfigError(problems)
    calibration = Calibration(spec, path, base_path, base_data, base_marks, start, units)
    base = validate_data(calibration.data(start), base_marks, display_path(base_path))
    known = base.all_regimes()
    if spec.regime not in known:
        raise ConfigError([problem(("regime",), f"unknown regime {spec.regime!r}; known: {', '.join(sorted(known))}")])
    if spec.retention is not None:
        programme = base.services.get(spec.retention.programme)
        if not isinstance(programme, Housing) or programme.slots is None:
            raise ConfigError([problem(("retention", "programme"), f"{spec.retention.programme!r} is not a housing "
                                       "programme with slots in the base scenario")])
    return calibration


# ------------------------------------------------------------------------------------------ evaluations

@dataclass
class Evaluation:
    """The model at one parameter point: target means, per-replication values and standardised residuals."""

    index: int
    phase: str
    values: dict[str, float]
    means: dict[str, float]
    replicates: dict[str, list[float]]
    residuals: np.ndarray

    @property
    def objective(self) -> float:
        return float(np.sum(self.residuals ** 2))


def target_values(metrics: pd.DataFrame, targets: list[Target]) -> dict[str, list[float]]:
    """Per-replication values of each target's metric (long metrics table of one regime)."""
    out: dict[str, list[float]] = {}
    for target in targets:
        rows = metrics[(metrics["metric"] == target.metric) & (metrics["dimension"] == target.dimension)]
        out[target.name] = rows.sort_values("replication")["value"].astype(float).tolist()
    return out


Runner = Callable[[Scenario, int, int], pd.DataFrame]


def _run_batch(workers: int, engine: str = "simpy") -> Runner:
    def run(scenario: Scenario, replications: int, seed: int) -> pd.DataFrame:
        from simulator.batch.runner import run_batch

        return run_batch(scenario, replications=replications, seed=seed, workers=workers, engine=engine).metrics

    return run


def engine_problems(calibration: Calibration, engine: str | None = None) -> list[str]:
    """What keeps the calibration from running on ``engine`` (default: the spec's): for the compiled engine,
    each field of the scenario (under the spec's regime, at the start values) it does not cover; nothing for the
    SimPy engine. The parameters searched are numbers, which never change what the compiled engine covers (nor
    does the retention trial's cohort, which it runs too)."""
    engine = engine or calibration.spec.engine
    if engine == "simpy":
        return []
    from simulator.fast.support import unsupported

    return unsupported(calibration.scenario(dict(calibration.start)))


def check_engine(calibration: Calibration, engine: str | None = None) -> None:
    """Raise :class:`simulator.fast.FastEngineError` listing :func:`engine_problems`, if there are any."""
    problems = engine_problems(calibration, engine)
    if problems:
        from simulator.fast.support import FastEngineError

        raise FastEngineError(calibration.spec.name, problems)


class BudgetSpent(Exception):
    """Raised inside the search when every evaluation of the budget has been used."""


@dataclass
class Search:
    """Evaluates candidate points (memoised), keeps the history and the best point, and enforces the budget."""

    calibration: Calibration
    run: Runner
    replications: int
    budget: int
    progress: Callable[[Evaluation], None] | None = None
    history: list[Evaluation] = field(default_factory=list)
    _memo: dict[tuple[float, ...], Evaluation] = field(default_factory=dict)

    @property
    def best(self) -> Evaluation:
        return min(self.history, key=lambda e: (e.objective, e.index))

    def evaluate(self, values: dict[str, float], phase: str) -> Evaluation:
        key = tuple(round(values[p.path], 10) for p in self.calibration.spec.parameters)
        if key in self._memo:
            return self._memo[key]
        if len(self.history) >= self.budget:
            raise BudgetSpent
        spec = self.calibration.spec
        metrics = self.run(self.calibration.scenario(values), self.replications, spec.seed)
        replicates = target_values(metrics, spec.targets)
        missing = [t.name for t in spec.targets if not replicates[t.name] or
                   any(math.isnan(v) for v in replicates[t.name])]
        if missing:
            raise ConfigError([Problem(Mark(display_path(self.calibration.path), 1, 1), "targets",
                                       f"the model gives no value for target(s) {', '.join(missing)}: check the "
                                       "metric and dimension names (see docs/model.md) and that the observed "
                                       "window holds the count date")])
        means = {name: float(np.mean(v)) for name, v in replicates.items()}
        residuals = np.array([(means[t.name] - t.value) / t.tolerance for t in spec.targets])
        evaluation = Evaluation(len(self.history), phase, dict(values), means, replicates, residuals)
        self.history.append(evaluation)
        self._memo[key] = evaluation
        log.info("evaluation %d (%s): objective %.3f at %s: %s", evaluation.index, phase, evaluation.objective,
                 ", ".join(f"{k.rsplit('.', 1)[-1]}={v:.4g}" for k, v in values.items()),
                 ", ".join(f"{k}={v:.4g}" for k, v in means.items()))
        if self.progress is not None:
            self.progress(evaluation)
        return evaluation

    def at_unit(self, unit: np.ndarray, phase: str) -> Evaluation:
        return self.evaluate(self.calibration.values_at(unit), phase)


@dataclass
class CalibrationResult:
    calibration: Calibration
    start: Evaluation
    best: Evaluation
    history: list[Evaluation]
    stopped: str
    engine: str = "simpy"

    def table(self) -> pd.DataFrame:
        """One row per target: published value, tolerance, model before and after, met or not."""
        rows = []
        for i, target in enumerate(self.calibration.spec.targets):
            rows.append({"target": target.name, "metric": target.metric, "dimension": target.dimension,
                         "published": target.value, "tolerance": target.tolerance, "source": target.source,
                         "before": self.start.means[target.name], "after": self.best.means[target.name],
                         "residual": float(self.best.residuals[i]),
                         "met": bool(abs(self.best.residuals[i]) <= 1.0)})
        return pd.DataFrame(rows)

    def history_frame(self) -> pd.DataFrame:
        rows = []
        for e in self.history:
            row: dict[str, Any] = {"evaluation": e.index, "phase": e.phase, "objective": e.objective}
            row.update(e.values)
            row.update({f"model:{name}": value for name, value in e.means.items()})
            rows.append(row)
        return pd.DataFrame(rows)


def littles_law_guess(calibration: Calibration, pilot: Evaluation) -> dict[str, float]:
    """Scale the inflow so that the count matches its target if the time homeless stays the same."""
    spec = calibration.spec
    assert spec.method.inflow is not None
    assert spec.method.count is not None
    target = next(t for t in spec.targets if t.name == spec.method.count)
    observed = pilot.means[target.name]
    values = dict(pilot.values)
    if observed > 0:
        parameter = next(p for p in spec.parameters if p.path == spec.method.inflow)
        guess = values[parameter.path] * target.value / observed
        values[parameter.path] = float(np.clip(guess, *parameter.bounds))
    return values


def parameter_steps(spec: CalibrationSpec) -> list[float]:
    """Each parameter's finite-difference step, as a share of its range: its own ``step`` or the method's,
    and at least one whole unit for an integer parameter (a smaller step would round to no move at all)."""
    steps = []
    for parameter in spec.parameters:
        step = parameter.step or spec.method.step
        if parameter.integer:
            step = max(step, 1.0 / (parameter.bounds[1] - parameter.bounds[0]))
        steps.append(min(step, 0.5))
    return steps


def calibrate(calibration: Calibration, budget: int | None = None, replications: int | None = None,
              workers: int = 1, progress: Callable[[Evaluation], None] | None = None,
              run: Runner | None = None, engine: str | None = None) -> CalibrationResult:
    """Run the calibration described by ``calibration.spec`` (see the module docstring), every candidate on
    ``engine`` (default: the spec's ``engine``; a scenario the compiled engine does not cover raises
    :class:`simulator.fast.FastEngineError` before the first simulation)."""
    from scipy.optimize import least_squares, minimize

    spec = calibration.spec
    engine = engine or spec.engine
    if run is None:
        check_engine(calibration, engine)
    search = Search(calibration, run or _run_batch(workers, engine), replications or spec.replications,
                    budget or spec.method.budget, progress)
    start = search.evaluate(dict(calibration.start), "start")
    stopped = "converged"
    try:
        if spec.method.first_guess == "littles_law":
            search.evaluate(littles_law_guess(calibration, start), "littles_law")
        origin = calibration.unit_of(search.best.values)
        steps = parameter_steps(spec)

        def residuals(unit: np.ndarray) -> np.ndarray:
            return search.at_unit(unit, "search").residuals

        if spec.method.search == "least_squares":
            def jacobian(unit: np.ndarray) -> np.ndarray:
                here = residuals(unit)
                columns = []
                for j, step in enumerate(steps):
                    h = step if unit[j] + step <= 1.0 else -step
                    moved = unit.copy()
                    moved[j] += h
                    columns.append((search.at_unit(moved, "jacobian").residuals - here) / h)
                return np.column_stack(columns)

            least_squares(residuals, origin, jac=jacobian, bounds=(0.0, 1.0), method="trf", x_scale=1.0,
                          xtol=1e-3, ftol=1e-3, max_nfev=10 * search.budget)
        else:
            simplex = np.vstack([origin] + [np.clip(origin + step * np.eye(len(origin))[j]
                                                    * (1 if origin[j] + step <= 1 else -1), 0, 1)
                                            for j, step in enumerate(steps)])
            minimize(lambda u: float(np.sum(residuals(u) ** 2)), origin, method="Nelder-Mead",
                     bounds=[(0.0, 1.0)] * len(origin),
                     options={"maxfev": 10 * search.budget, "xatol": 1e-3, "fatol": 1e-3,
                              "initial_simplex": simplex})
    except BudgetSpent:
        stopped = "budget spent"
    return CalibrationResult(calibration, start, search.best, search.history, stopped, engine)


# ------------------------------------------------------------------------------------ writing values back

def write_back(calibration: Calibration, values: dict[str, float], spec_shown: str,
               when: date | None = None) -> str:
    """The base scenario's text with the calibrated values in place, each line's comment saying so.

    Only the values' own characters change (comments, layout and every other line are kept); a line already
    marked ``[C]`` keeps the value it had before its first calibration in its comment.
    """
    text = calibration.base_path.read_text(encoding="utf-8")
    lines = text.split("\n")
    _, marks = read_yaml(calibration.base_path)
    stamp = (when or date.today()).isoformat()
    for parameter in calibration.spec.parameters:
        path = split_path(parameter.path)
        mark = marks.get(path)
        if mark is None:
            raise ConfigError([Problem(Mark(display_path(calibration.base_path), 1, 1), parameter.path,
                                       "value is not written in this file (it comes from a base it extends)")])
        index = mark.line - 1
        line = lines[index]
        key = str(path[-1])
        found = re.compile(re.escape(key) + r"\s*:\s*").match(line, mark.column - 1)
        if found is None:
            raise ConfigError([Problem(mark, parameter.path, "cannot locate the value to rewrite")])
        begin = found.end()
        end = begin
        if line[begin:begin + 1] in ("'", '"'):
            end = line.index(line[begin], begin + 1) + 1
        else:
            while end < len(line) and line[end] not in ",}]#\n":
                end += 1
            while end > begin and line[end - 1] == " ":
                end -= 1
        old = line[begin:end].strip("'\"")
        new = format_quantity(values[parameter.path], calibration.units[parameter.path])
        new_text = str(new)
        line = line[:begin] + new_text + line[end:]
        code, _, comment = line.partition(" #")
        comment = comment.strip()
        if comment.startswith("[C] calibrated"):
            kept = re.search(r"; was (.*?)\)(?:;|$)", comment)
            original = kept.group(1) if kept else old
            rest = comment.split(");", 1)[1].strip() if ");" in comment else ""
        else:
            flow = "{" in code[:begin]
            original, rest = (f"{key} {old}" if flow else old), comment
        note = f"[C] calibrated {stamp} ({spec_shown}; was {original})"
        line = code.rstrip() + "  # " + note + (f"; {rest}" if rest else "")
        lines[index] = line
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ check

def check(calibration: Calibration, replications: int | None = None, seed: int | None = None,
          workers: int = 1, run: Runner | None = None, level: float = 0.95,
          engine: str | None = None) -> pd.DataFrame:
    """The scenario as written, run with its own seed (on ``engine``, default the spec's): each target's mean,
    t-interval and whether it is met.

    A target is met when the mean over the replications lies within its tolerance of the published value.
    """
    spec = calibration.spec
    engine = engine or spec.engine
    if run is None:
        check_engine(calibration, engine)
    scenario = calibration.scenario(dict(calibration.start))
    replications = replications or spec.check.replications
    seed = scenario.seed if seed is None else seed
    metrics = (run or _run_batch(workers, engine))(scenario, replications, seed)
    return check_table(metrics, spec.targets, level)


def check_retention(calibration: Calibration, seed: int | None = None, engine: str | None = None) -> pd.DataFrame:
    """The retention trial of the spec on the scenario as written (on ``engine``, default the spec's): each arm's
    share, t-interval and whether it lies within the tolerance of the published figure (empty without a
    ``retention`` section)."""
    spec = calibration.spec.retention
    if spec is None:
        return pd.DataFrame()
    scenario = calibration.scenario(dict(calibration.start))
    values = retention(scenario, spec.cohort_spec(), spec.replications, scenario.seed if seed is None else seed,
                       engine or calibration.spec.engine)
    rows = []
    for arm in ARMS:
        target: ArmTarget = getattr(spec, arm)
        mean, low, high = t_interval(values[arm])
        rows.append({"target": f"housed_last_6_months[{arm}]", "published": target.value,
                     "tolerance": target.tolerance, "source": spec.source, "mean": mean, "low": low, "high": high,
                     "replications": len(values[arm]), "met": bool(abs(mean - target.value) <= target.tolerance)})
    return pd.DataFrame(rows)


def check_table(metrics: pd.DataFrame, targets: list[Target], level: float = 0.95) -> pd.DataFrame:
    """Each target's published value beside the model's mean and t-interval over the replications."""

    values = target_values(metrics, targets)
    rows = []
    for target in targets:
        sample = values[target.name]
        mean, low, high = t_interval(sample, level)
        rows.append({"target": target.name, "metric": target.metric, "dimension": target.dimension,
                     "published": target.value, "tolerance": target.tolerance, "source": target.source,
                     "mean": mean, "low": low, "high": high, "replications": len(sample),
                     "met": bool(abs(mean - target.value) <= target.tolerance)})
    return pd.DataFrame(rows)


def save(result: CalibrationResult, out: Path, command: list[str]) -> None:
    """Write ``targets.csv``, ``history.csv`` and ``calibration.json`` to ``out``, each atomically."""
    from simulator.io.results import atomic_write, config_hash, versions, write_json

    calibration = result.calibration
    table = result.table()
    history = result.history_frame()
    atomic_write(out / "targets.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(out / "history.csv", lambda tmp: history.to_csv(tmp, index=False))
    write_json({
        "name": calibration.spec.name,
        "spec": display_path(calibration.path),
        "base": display_path(calibration.base_path),
        "regime": calibration.spec.regime,
        "engine": result.engine,
        "seed": calibration.spec.seed,
        "replications": len(next(iter(result.best.replicates.values()))),
        "method": calibration.spec.method.model_dump(),
        "evaluations": len(result.history),
        "stopped": result.stopped,
        "start": {"values": result.start.values, "objective": result.start.objective},
        "best": {"evaluation": result.best.index, "values": result.best.values,
                 "objective": result.best.objective, "means": result.best.means},
        "units": calibration.units,
        "calibrated_config_hash": config_hash(calibration.scenario(result.best.values)),
        "command": command,
        "versions": versions(),
    }, out / "calibration.json")
