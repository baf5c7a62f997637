"""Properties of ``design_matrix``: sizes, bounds, strata, integers, units and determinism.

The specs are built directly as :class:`SweepSpec` objects (no base scenario is read): the design depends only on
the spec.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.batch.sweep import SweepSpec, design_matrix

FAST = settings(max_examples=60, deadline=None)
UNITS = (None, "days", "hours")


def number(value: Any, unit: str | None) -> float:
    """The number of a design value; with a unit, the value is the text 'NUMBER UNIT'."""
    if unit is None:
        assert isinstance(value, int | float), value
        assert not isinstance(value, bool)
        return float(value)
    assert isinstance(value, str), value
    text, _, suffix = value.partition(" ")
    assert suffix == unit, value
    return float(text)


@st.composite
def float_parameter(draw: st.DrawFn, path: str) -> dict[str, Any]:
    low = draw(st.floats(-1000, 1000, allow_nan=False, allow_infinity=False))
    width = draw(st.floats(1e-3, 1000, allow_nan=False, allow_infinity=False))
    return {"path": path, "bounds": [low, low + width], "unit": draw(st.sampled_from(UNITS))}


@st.composite
def integer_parameter(draw: st.DrawFn, path: str) -> dict[str, Any]:
    low = draw(st.integers(-50, 50))
    return {"path": path, "bounds": [low, low + draw(st.integers(1, 100))], "integer": True,
            "unit": draw(st.sampled_from(UNITS))}


@st.composite
def sampled_specs(draw: st.DrawFn, samplers: tuple[str, ...] = ("random", "latin_hypercube", "sobol"),
                  integers: bool = True) -> SweepSpec:
    sampler = draw(st.sampled_from(samplers))
    points = 2 ** draw(st.integers(0, 6)) if sampler == "sobol" else draw(st.integers(1, 64))
    kinds = [float_parameter, integer_parameter] if integers else [float_parameter]
    dims = draw(st.integers(1, 4))
    parameters = [draw(draw(st.sampled_from(kinds))(f"group.p{i}")) for i in range(dims)]
    design: dict[str, Any] = {"sampler": sampler, "points": points}
    if draw(st.booleans()):
        design["seed"] = draw(st.integers(0, 2**32 - 1))
    return SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1,
                                     "seed": draw(st.integers(0, 2**32 - 1)), "design": design,
                                     "parameters": parameters})


@FAST
@given(sampled_specs())
def test_samplers_give_the_points_asked_within_bounds(spec: SweepSpec) -> None:
    design = design_matrix(spec)
    assert len(design) == spec.design.points
    for row in design:
        assert list(row) == [p.path for p in spec.parameters]
        for parameter in spec.parameters:
            assert parameter.bounds is not None
            low, high = parameter.bounds
            value = row[parameter.path]
            x = number(value, parameter.unit)
            assert low <= x <= high, (parameter, value)
            if parameter.integer:
                raw = value if parameter.unit is None else value.split()[0]
                assert isinstance(raw, int) or (isinstance(raw, str) and raw.lstrip("-").isdigit()), value


@FAST
@given(sampled_specs(samplers=("latin_hypercube", "sobol"), integers=False))
def test_latin_hypercube_and_sobol_put_one_point_in_each_stratum(spec: SweepSpec) -> None:
    """With n points, each of the n equal strata of [low, high] holds exactly one point, in every dimension.

    This is the definition of a Latin hypercube; a scrambled Sobol set of 2^m points has it too (every
    one-dimensional projection is a (0, m, 1)-net).
    """
    design = design_matrix(spec)
    n = len(design)
    for parameter in spec.parameters:
        assert parameter.bounds is not None
        low, high = parameter.bounds
        strata = sorted(min(n - 1, math.floor((number(row[parameter.path], parameter.unit) - low)
                                              / (high - low) * n)) for row in design)
        assert strata == list(range(n)), (parameter.path, strata)


@st.composite
def grid_specs(draw: st.DrawFn) -> SweepSpec:
    parameters: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            values = draw(st.lists(st.one_of(st.integers(-100, 100), st.text("abc", min_size=1, max_size=3)),
                                   min_size=1, max_size=4, unique=True))
            parameters.append({"path": f"p{i}", "values": values})
        else:
            start = draw(st.integers(-100, 100))
            parameters.append({"path": f"p{i}", "range": {"start": start, "stop": start + draw(st.integers(1, 50)),
                                                          "num": draw(st.integers(2, 5))},
                               "integer": draw(st.booleans()), "unit": draw(st.sampled_from(UNITS))})
    return SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1, "parameters": parameters})


@FAST
@given(grid_specs())
def test_grid_is_the_product_of_the_values(spec: SweepSpec) -> None:
    design = design_matrix(spec)
    grids = [p.grid_values() for p in spec.parameters]
    assert len(design) == math.prod(len(g) for g in grids)
    combos = [tuple(row[p.path] for p in spec.parameters) for row in design]
    assert combos == list(itertools.product(*grids))  # every combination once, first parameter slowest
    for parameter, grid in zip(spec.parameters, grids, strict=True):
        if parameter.values is not None:
            assert grid == parameter.values  # explicit values are used as written
        else:
            assert parameter.range is not None
            assert len(grid) == parameter.range.num
            xs = [number(v, parameter.unit) for v in grid]
            assert xs[0] == pytest.approx(parameter.range.start, abs=0.5)
            assert xs[-1] == pytest.approx(parameter.range.stop, abs=0.5)
            if parameter.integer:
                assert all(x == int(x) for x in xs)


@FAST
@given(st.one_of(sampled_specs(), grid_specs()))
def test_same_spec_same_design(spec: SweepSpec) -> None:
    again = SweepSpec.model_validate(spec.model_dump())
    assert design_matrix(spec) == design_matrix(again) == design_matrix(spec)


def _lhs(seed: int, design_seed: int | None = None) -> SweepSpec:
    design: dict[str, Any] = {"sampler": "latin_hypercube", "points": 8}
    if design_seed is not None:
        design["seed"] = design_seed
    return SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1, "seed": seed,
                                     "design": design, "parameters": [{"path": "a", "bounds": [0, 1]}]})


def test_design_seed_is_the_seed_of_the_draw() -> None:
    assert design_matrix(_lhs(1, design_seed=5)) == design_matrix(_lhs(5))
    assert design_matrix(_lhs(1)) != design_matrix(_lhs(2))


def test_unit_is_appended_to_sampled_and_range_values() -> None:
    spec = SweepSpec.model_validate({
        "name": "t", "base": "b.yaml", "replications": 1,
        "parameters": [{"path": "a", "range": {"start": 1, "stop": 3, "num": 3}, "unit": "days", "integer": True},
                       {"path": "b", "values": ["2 hours", "3 hours"], "unit": "hours"}]})
    assert design_matrix(spec)[:2] == [{"a": "1 days", "b": "2 hours"}, {"a": "1 days", "b": "3 hours"}]
    assert [row["a"] for row in design_matrix(spec)][::2] == ["1 days", "2 days", "3 days"]


def test_integer_parameter_with_fractional_bounds_stays_inside() -> None:
    spec = SweepSpec.model_validate({
        "name": "t", "base": "b.yaml", "replications": 1, "design": {"sampler": "latin_hypercube", "points": 20},
        "parameters": [{"path": "a", "bounds": [1.4, 3], "integer": True}]})
    assert all(1.4 <= row["a"] <= 3 for row in design_matrix(spec))
