"""Sweep specifications: a base scenario, parameters to vary, a design, regimes and replications.

A sweep spec is a YAML file::

    name: winter_beds_x_bilateral
    base: ../montreal_centre.yaml          # a scenario file, relative to the spec
    overrides: {horizon: 180 days}         # fixed changes applied to every point (optional)
    regimes: [organic, integrated]
    replications: 50
    seed: 7
    replications_per_task: 5               # replications run together as one task
    design: {sampler: grid}                # grid | random | latin_hypercube | sobol (+ points, seed) | morris
    parameters:
      - path: services.winter_overflow.winter_capacity
        values: [300, 580, 900]
      - path: handoffs.unilateral.loss.base
        range: {start: 0.1, stop: 0.4, num: 4}

For ``random``, ``latin_hypercube`` and ``sobol`` every parameter gives ``bounds: [low, high]`` (with an
optional ``unit``, e.g. ``days``, and ``integer: true``) and the design draws ``points`` points with
``scipy.stats.qmc``. Paths are dotted keys into the scenario file (list items by index), as written in YAML.

``morris`` screens which parameters matter with Morris's elementary effects (Morris 1991; Campolongo,
Cariboni & Saltelli 2007)::

    design: {sampler: morris, trajectories: 10, levels: 4, seed: 5}   # defaults r = 10, p = 4

It draws ``trajectories`` (r) random one-at-a-time paths on a grid of ``levels`` (p, even) levels in
[0, 1]^k, each of k + 1 points: a random start, then every parameter moved once, in random order, by
Δ = p / (2 (p - 1)) of its range (up or down). The design has r (k + 1) points, in trajectory order. A
parameter with ``bounds`` takes ``low + u (high - low)`` at level ``u`` (rounded to evenly spaced whole
numbers from the first to the last whole number within the bounds if ``integer``); one with ``values`` (or
``range``) takes the value at position ``round(u (m - 1))`` of its m values (m >= 2), so a discrete setting,
even a word, is read as evenly spaced levels in the order written. Each point records its trajectory
(``morris_trajectory``), its position in it (``morris_step``, 0 at the start), the parameter moved to reach
it (``morris_parameter``) and the signed move as a share of the parameter's range (``morris_delta``), in the
points table of the results folder; :mod:`simulator.analysis.sensitivity` turns them into elementary effects.
The trajectories come from ``numpy.random.default_rng(seed)``: the same spec and seed give the same design.

Every point uses the same seed, so replication ``i`` of every point and every regime sees the same random
streams (common random numbers): differences between points and regimes are not drowned in sampling noise.

``precision`` asks for replications until named metrics are known well enough, at each point::

    replications: 10                        # the first batch
    precision:
      targets: [count_total=2%, "wait_mean_days:mental_health=1.5"]   # METRIC[:DIMENSION]=HALF_WIDTH[%]
      max_replications: 200

After each batch, a point whose 95% interval of a target is wider than asked under some regime gets more
replications (:mod:`simulator.batch.precision`); the others stop. The manifest records each point's count.

``engine`` picks the engine every task runs on: ``simpy`` (default, the whole model) or ``fast`` (the compiled
engine, :mod:`simulator.fast`). ``simulator sweep --engine`` overrides it (:func:`with_engine`). With ``fast``,
every point under every regime is checked before anything runs, and a folder holds one engine's results only.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, ValidationInfo, model_validator

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
from simulator.config.schema import Frozen, Replications, Scenario, Seed

SAMPLERS = ("grid", "random", "latin_hypercube", "sobol", "morris")
ENGINES = ("simpy", "fast")
"""The engines a spec may name (:data:`simulator.fast.batch.ENGINES`, without importing the compiled engine)."""
Engine = Literal["simpy", "fast"]

# the defaults of the morris sampler, r = 10 trajectories on p = 4 levels (Δ = 2/3): the values that Saltelli et
# al., Global Sensitivity Analysis: The Primer (2008), report as working well for screening
MORRIS_TRAJECTORIES = 10
MORRIS_LEVELS = 4
MAX_POINTS = 1_000_000
"""The most points of a design (``design.points``, a range's ``num``)."""
MAX_TRAJECTORIES = 100_000
"""The most morris trajectories."""
MAX_LEVELS = 1_000
"""The most levels of a morris grid."""

#: columns of the points table that describe a morris design rather than a parameter
MORRIS_COLUMNS = ("morris_trajectory", "morris_step", "morris_parameter", "morris_delta")


class Range(Frozen):
    """Evenly spaced values from ``start`` to ``stop`` (both included)."""

    start: float
    stop: float
    num: Annotated[int, NOT_BOOL, Field(ge=2), at_most(MAX_POINTS)]


class Parameter(Frozen):
    """One swept parameter: a dotted path into the scenario and its values, range or bounds."""

    path: Annotated[str, Field(min_length=1)]
    values: list[Any] | None = None
    range: Range | None = None
    bounds: tuple[float, float] | None = None
    unit: str | None = Field(default=None, description="unit appended to sampled numbers, e.g. 'days'")
    integer: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> Parameter:
        given = [name for name in ("values", "range", "bounds") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values', 'range' or 'bounds'")
        if self.values is not None and not self.values:
            raise ValueError("'values' is empty")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be increasing, got [{self.bounds[0]:g}, {self.bounds[1]:g}]")
        return self

    def grid_values(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        values = np.linspace(self.range.start, self.range.stop, self.range.num).tolist()
        return [self._cast(v) for v in values]

    def _cast(self, number: float) -> Any:
        value: Any = round(number) if self.integer else float(number)
        return f"{value} {self.unit}" if self.unit else value

    def scaled(self, unit_value: float) -> Any:
        """The value at ``unit_value`` in [0, 1) of the bounds; whole numbers equally likely if integer."""
        assert self.bounds is not None
        low, high = self.bounds
        if self.integer:
            first, last = math.ceil(low), math.floor(high)
            return self._cast(first + min(math.floor(unit_value * (last - first + 1)), last - first))
        return self._cast(low + unit_value * (high - low))


class Design(Frozen):
    sampler: Literal["grid", "random", "latin_hypercube", "sobol", "morris"] = "grid"
    points: Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_POINTS)] | None = None
    seed: Seed | None = None
    trajectories: Annotated[int, NOT_BOOL, Field(ge=1, description="morris: number of trajectories (r, default 10)"),
                            at_most(MAX_TRAJECTORIES)] | None = None
    levels: Annotated[int, NOT_BOOL, Field(ge=2, description="morris: levels of the grid (p, even, default 4)"),
                      at_most(MAX_LEVELS)] | None = None

    @property
    def morris_trajectories(self) -> int:
        return self.trajectories if self.trajectories is not None else MORRIS_TRAJECTORIES

    @property
    def morris_levels(self) -> int:
        return self.levels if self.levels is not None else MORRIS_LEVELS

    @property
    def morris_step(self) -> float:
        """Δ = p / (2 (p - 1)): the move of one morris step, as a share of a parameter's range."""
        return self.morris_levels / (2 * (self.morris_levels - 1))


class Precision(Frozen):
    """Replications on demand: targets ``METRIC[:DIMENSION]=HALF_WIDTH[%]`` and the most replications."""

    targets: list[str] = Field(min_length=1)
    max_replications: Replications

    @model_validator(mode="after")
    def _targets_read(self) -> Precision:
        from simulator.batch.precision import PrecisionError, parse_targets

        try:
            parse_targets(self.targets)
        except PrecisionError as exc:
            raise ValueError(str(exc)) from None
        return self


class SweepSpec(Frozen):
    """A validated sweep specification (see the module docstring)."""

    name: str
    description: str = ""
    base: str
    overrides: dict[str, Any] = {}
    regimes: list[str] = Field(default=[], description="regimes to run at every point (default: the base's)")
    replications: Replications
    seed: Seed = 0
    replications_per_task: Replications = 1
    design: Design = Design()
    parameters: list[Parameter] = []
    precision: Precision | None = None
    engine: Engine = Field(default="simpy", description="simpy (the whole model) or fast (the compiled engine)")

    @model_validator(mode="after")
    def _design_fits(self, info: ValidationInfo) -> SweepSpec:
        # a spec read from a file reports these problems at their own lines (see load_sweep)
        if not (info.context or {}).get("located"):
            problems = design_problems(self)
            if problems:
                raise ValueError(problems[0][1])
        return self


def design_problems(spec: SweepSpec) -> list[tuple[PathKey, str]]:
    """Problems of the design as a whole, each at the field where it is written."""
    found: list[tuple[PathKey, str]] = []
    sampler = spec.design.sampler
    seen: dict[str, int] = {}
    for i, parameter in enumerate(spec.parameters):
        if sampler == "grid" and parameter.bounds is not None:
            found.append((("parameters", i, "bounds"), f"parameter {parameter.path!r}: the grid sampler needs "
                          "'values' or 'range', not 'bounds'"))
        if sampler not in ("grid", "morris") and parameter.bounds is None:
            found.append((("parameters", i), f"parameter {parameter.path!r}: the {sampler} sampler needs 'bounds'"))
        if parameter.integer and parameter.bounds is not None and \
                math.ceil(parameter.bounds[0]) > math.floor(parameter.bounds[1]):
            found.append((("parameters", i, "bounds"), f"parameter {parameter.path!r}: no whole number lies "
                          "within the bounds"))
        elif sampler == "morris" and parameter.integer and parameter.bounds is not None and \
                math.ceil(parameter.bounds[0]) == math.floor(parameter.bounds[1]):
            found.append((("parameters", i, "bounds"), f"parameter {parameter.path!r}: the morris sampler needs "
                          "at least two whole numbers within the bounds, to move the parameter"))
        if sampler == "morris" and parameter.values is not None and len(parameter.values) < 2:
            found.append((("parameters", i, "values"), f"parameter {parameter.path!r}: the morris sampler needs "
                          "at least two values, to move the parameter"))
        if parameter.path in seen:
            found.append((("parameters", i, "path"), f"parameter path {parameter.path!r} appears twice"))
        seen[parameter.path] = i
    if sampler not in ("grid", "morris") and spec.design.points is None:
        found.append((("design",), f"the {sampler} sampler needs 'points'"))
    if sampler == "morris":
        if spec.design.points is not None:
            found.append((("design", "points"), "the morris sampler draws trajectories x (parameters + 1) points: "
                          "give 'trajectories', not 'points'"))
        if spec.design.morris_levels % 2:
            found.append((("design", "levels"), f"the morris sampler needs an even number of levels (so that a "
                          f"step of p / (2 (p - 1)) lands on the grid), got {spec.design.morris_levels}"))
    else:
        for name in ("trajectories", "levels"):
            if getattr(spec.design, name) is not None:
                found.append((("design", name), f"'{name}' belongs to the morris sampler, not {sampler}"))
    points = spec.design.points
    if sampler == "sobol" and points is not None and points & (points - 1):
        found.append((("design", "points"), f"the sobol sampler needs a power of two points, got {points}"))
    if sampler != "grid" and not spec.parameters:
        found.append((("parameters",), f"the {sampler} sampler needs at least one parameter"))
    return found


@dataclass(frozen=True)
class Point:
    """One design point: its index, the parameter values, and the resulting scenario."""

    index: int
    values: dict[str, Any]
    scenario: Scenario
    design: dict[str, Any] = field(default_factory=dict)  # morris: trajectory, step, moved parameter, move


@dataclass(frozen=True)
class Sweep:
    """A loaded sweep: the spec, its file, the base scenario and every design point."""

    spec: SweepSpec
    path: Path | None
    base: Scenario
    points: list[Point]

    @property
    def regimes(self) -> list[str]:
        return list(self.spec.regimes) or [self.base.regime]

    def spec_hash(self) -> str:
        """SHA-256 of everything that determines the results: the spec and every point's scenario."""
        spec = self.spec.model_dump(mode="json")
        if spec.get("precision") is None:
            spec.pop("precision", None)  # specs without it keep the hash they had before it existed
        if spec.get("engine") == "simpy":
            spec.pop("engine")  # so do specs on the SimPy engine: the folders written before the field resume
        if self.spec.design.sampler != "morris":
            # settings of the morris sampler only: other specs keep the hash they had before it existed
            for name in ("trajectories", "levels"):
                spec["design"].pop(name)
        payload = {
            "spec": spec,
            "points": [json.loads(point.scenario.model_dump_json(by_alias=True)) for point in self.points],
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def salib_problem(self) -> dict[str, Any]:
        """The design as a SALib problem (names and bounds) for Sobol or Morris analysis of the outputs.

        Parameters whose values are not numbers (a discipline, a regime name) cannot be a SALib variable:
        they are listed under ``categorical`` instead.
        """
        names, bounds, categorical = [], [], []
        for parameter in self.spec.parameters:
            if parameter.bounds is not None:
                names.append(parameter.path)
                bounds.append(list(parameter.bounds))
                continue
            try:
                numbers = [float(str(v).split()[0]) for v in parameter.grid_values()]
            except ValueError:
                categorical.append(parameter.path)
                continue
            names.append(parameter.path)
            bounds.append([min(numbers), max(numbers)])
        return {"num_vars": len(names), "names": names, "bounds": bounds, "categorical": categorical}


def design_matrix(spec: SweepSpec) -> list[dict[str, Any]]:
    """Parameter values of every point, in a fixed order."""
    parameters = spec.parameters
    if not parameters:
        return [{}]
    sampler = spec.design.sampler
    if sampler == "grid":
        grids = [p.grid_values() for p in parameters]
        return [dict(zip([p.path for p in parameters], combo, strict=True)) for combo in itertools.product(*grids)]
    if sampler == "morris":
        return [row for row, _ in _morris_points(spec)]
    from scipy.stats import qmc

    n, d = spec.design.points or 0, len(parameters)
    seed = spec.design.seed if spec.design.seed is not None else spec.seed
    rng = np.random.default_rng(seed)
    if sampler == "random":
        unit = rng.random((n, d))
    elif sampler == "latin_hypercube":
        unit = qmc.LatinHypercube(d=d, rng=rng).random(n)
    else:
        unit = qmc.Sobol(d=d, scramble=True, rng=rng).random(n)
    return [{p.path: p.scaled(float(u)) for p, u in zip(parameters, row, strict=True)} for row in unit]


def design_columns(spec: SweepSpec) -> list[dict[str, Any]]:
    """What the design records about each point beside its values (the morris columns; empty otherwise)."""
    if spec.design.sampler != "morris" or not spec.parameters:
        return [{} for _ in design_matrix(spec)]
    return [columns for _, columns in _morris_points(spec)]


def morris_levels(parameters: int, trajectories: int, levels: int, rng: np.random.Generator) -> np.ndarray:
    """Morris trajectories as grid levels: an integer array of shape (trajectories, parameters + 1, parameters).

    Level ``i`` stands for ``i / (levels - 1)`` in [0, 1]. Each trajectory starts at a random base point whose
    levels lie in the lower half of the grid, flipped to the upper half in the parameters that will move
    down; then each parameter, in a random order, moves once by ``levels / 2`` levels (Δ = p / (2 (p - 1)) in
    [0, 1]), up or down. This is Morris's (1991) orientation matrix B* = (J x* + Δ/2 ((2B - J) D* + J)) P*,
    built row by row. ``levels`` must be even.
    """
    half = levels // 2
    out = np.empty((trajectories, parameters + 1, parameters), dtype=np.int64)
    for t in range(trajectories):
        base = rng.integers(0, half, size=parameters)       # x* on {0, ..., 1 - Δ}
        up = rng.integers(0, 2, size=parameters) == 1       # D*: the direction of each parameter's move
        order = rng.permutation(parameters)                 # P*: the order of the moves
        point = np.where(up, base, base + half)
        out[t, 0] = point
        for step, moved in enumerate(order, start=1):
            point = point.copy()
            point[moved] += half if up[moved] else -half
            out[t, step] = point
    return out


def _morris_points(spec: SweepSpec) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each point of a morris design: its parameter values, and its trajectory, step, moved parameter and move."""
    parameters = spec.parameters
    design = spec.design
    seed = design.seed if design.seed is not None else spec.seed
    grid = morris_levels(len(parameters), design.morris_trajectories, design.morris_levels,
                         np.random.default_rng(seed))
    unit = grid / (design.morris_levels - 1)
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for t in range(grid.shape[0]):
        previous: list[float] | None = None
        for step in range(grid.shape[1]):
            values, positions = {}, []
            for parameter, u in zip(parameters, unit[t, step], strict=True):
                value, position = _morris_value(parameter, float(u))
                values[parameter.path] = value
                positions.append(position)
            columns: dict[str, Any] = {"morris_trajectory": t, "morris_step": step,
                                       "morris_parameter": None, "morris_delta": math.nan}
            if previous is not None:
                moved = int(np.flatnonzero(grid[t, step] != grid[t, step - 1])[0])
                columns["morris_parameter"] = parameters[moved].path
                columns["morris_delta"] = positions[moved] - previous[moved]
            previous = positions
            out.append((values, columns))
    return out


def _morris_value(parameter: Parameter, unit_value: float) -> tuple[Any, float]:
    """The value of a parameter at a grid level in [0, 1], and where that value lies in its range (0 to 1).

    The position is the value actually used: a rounded whole number, or the index of a discrete value over the
    number of gaps between values, so elementary effects divide by the move the model really saw.
    """
    if parameter.bounds is None:
        choices = parameter.grid_values()
        index = math.floor(unit_value * (len(choices) - 1) + 0.5)
        return choices[index], index / (len(choices) - 1)
    low, high = parameter.bounds
    if parameter.integer:
        first, last = math.ceil(low), math.floor(high)
        number = math.floor(first + unit_value * (last - first) + 0.5)
        return parameter._cast(number), (number - low) / (high - low)
    return parameter._cast(low + unit_value * (high - low)), unit_value



def apply_path(data: dict[str, Any], path: PathKey, value: Any) -> str | None:
    """Set ``value`` at ``path`` in nested data; return a message if the path does not exist."""
    node: Any = data
    for depth, part in enumerate(path[:-1]):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            where = ".".join(str(p) for p in path[: depth + 1])
            return f"'{where}' is not in the base scenario"
    last = path[-1]
    if isinstance(node, dict):
        node[last] = value
        return None
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = value
        return None
    return f"'{'.'.join(str(p) for p in path)}' is not in the base scenario"


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep spec and every scenario it implies; every problem is reported together.

    Raises
    ------
    ConfigError
        Listing each problem with the spec's file, line and field (or the base scenario's).
    """
    path = Path(path)
    shown = display_path(path)
    raw, marks = read_yaml(path)
    default = Mark(shown, 1, 1)
    if not isinstance(raw, dict):
        raise ConfigError([Problem(default, "", "a sweep spec must be a mapping of fields")])
    problems: list[Problem] = []
    try:
        spec = SweepSpec.model_validate(raw, context={"located": True})
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc, raw, marks, default)) from None
    design = design_problems(spec)
    if design:
        raise ConfigError([Problem(mark_for(where, marks, default), dotted(where), message)
                           for where, message in design])

    base_path = (path.parent / spec.base).resolve()
    if not base_path.exists():
        raise ConfigError([Problem(mark_for(("base",), marks, default), "base", f"file {spec.base!r} not found")])
    base_data, base_marks = load_data(base_path)
    base_shown = display_path(base_path)
    for name, value in spec.overrides.items():
        base_data[name] = value
    base = validate_data(copy.deepcopy(base_data), base_marks, base_shown)
    known = base.all_regimes()
    for i, regime in enumerate(spec.regimes):
        if regime not in known:
            problems.append(Problem(mark_for(("regimes", i), marks, default), f"regimes[{i}]",
                                    f"unknown regime {regime!r}; known regimes: {', '.join(sorted(known))}"))
        elif known[regime].assignment == "integrated" and base.handoffs.integrated is None:
            problems.append(Problem(mark_for(("regimes", i), marks, default), f"regimes[{i}]",
                                    f"regime {regime!r} needs a 'handoffs.integrated' section in the base"))
    for i, parameter in enumerate(spec.parameters):
        missing = apply_path(copy.deepcopy(base_data), split_path(parameter.path), 0)
        if missing is not None:
            problems.append(Problem(mark_for(("parameters", i, "path"), marks, default),
                                    f"parameters[{i}].path", missing))
    if problems:
        raise ConfigError(problems)

    points: list[Point] = []
    extra = design_columns(spec)
    for index, values in enumerate(design_matrix(spec)):
        data = copy.deepcopy(base_data)
        for parameter_path, value in values.items():
            apply_path(data, split_path(parameter_path), value)
        try:
            scenario = validate_data(data, base_marks, base_shown)
        except ConfigError as error:
            # a value of the design that the scenario refuses: name the parameter and the point
            for problem in error.problems:
                hit = next((i for i, p in enumerate(spec.parameters)
                            if problem.field.startswith(dotted(split_path(p.path)))), None)
                where = ("parameters", hit) if hit is not None else ("parameters",)
                problems.append(Problem(mark_for(where, marks, default), problem.field,
                                        f"at point {index} ({_describe(values)}): {problem.message}"))
            if len(problems) > 20:
                break
            continue
        points.append(Point(index, values, scenario, extra[index]))
    if problems:
        raise ConfigError(problems)
    if not math.isfinite(len(points)) or not points:
        raise ConfigError([Problem(default, "parameters", "the design has no points")])
    return Sweep(spec, path, base, points)


def _describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def single_point(scenario: Scenario, regimes: list[str], replications: int, seed: int,
                 replications_per_task: int = 1, precision: Precision | None = None,
                 engine: str = "simpy") -> Sweep:
    """A scenario as a one-point sweep, so that ``simulator run --out`` writes the same layout as a sweep."""
    spec = SweepSpec(name=scenario.name, base="(scenario)", regimes=regimes, replications=replications, seed=seed,
                     replications_per_task=replications_per_task, precision=precision, engine=engine)
    return Sweep(spec, None, scenario, [Point(0, {}, scenario)])


def with_engine(sweep: Sweep, engine: str | None) -> Sweep:
    """The sweep run on ``engine`` instead of its spec's (``None``: the spec's own); ValueError if unknown."""
    if engine is None or engine == sweep.spec.engine:
        return sweep
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return dataclasses.replace(sweep, spec=sweep.spec.model_copy(update={"engine": engine}))


def engine_problems(sweep: Sweep) -> list[str]:
    """What keeps the sweep's points from running on its engine: for the compiled engine, each field it does
    not cover of every point under every regime, once each (with the points it concerns when not all);
    nothing for the SimPy engine."""
    if sweep.spec.engine == "simpy":
        return []
    from simulator.config.schema import with_regime
    from simulator.fast.support import unsupported

    where: dict[str, list[int]] = {}
    for point in sweep.points:
        for regime in sweep.regimes:
            for problem in unsupported(with_regime(point.scenario, regime)):
                seen = where.setdefault(problem, [])
                if point.index not in seen:
                    seen.append(point.index)
    out = []
    for problem, points in where.items():
        if len(sweep.points) > 1 and len(points) < len(sweep.points):
            shown = ", ".join(str(p) for p in points[:10]) + (", ..." if len(points) > 10 else "")
            problem += f" (point{'s' if len(points) > 1 else ''} {shown})"
        out.append(problem)
    return out


def check_engine(sweep: Sweep) -> None:
    """Raise :class:`simulator.fast.FastEngineError` listing :func:`engine_problems` if there are any."""
    problems = engine_problems(sweep)
    if problems:
        from simulator.fast.support import FastEngineError

        raise FastEngineError(sweep.base.name, problems)
