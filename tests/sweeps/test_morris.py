"""The morris sampler and the screening analysis, without simulations.

The design is checked on :class:`SweepSpec` objects (no base scenario is read); the analysis on results folders
written here by hand, whose metrics are analytic functions of the parameters, so the elementary effects are
known exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import results
from simulator.analysis.sensitivity import elementary_effects, morris_indices, paired_signs, point_outputs
from simulator.batch.sweep import MORRIS_COLUMNS, SweepSpec, design_columns, design_matrix, morris_levels
from simulator.batch.tasks import Task
from simulator.io.store import CHECKSUMS, LAYOUT_VERSION, ResultsError, write_task

FAST = settings(max_examples=60, deadline=None)


def morris_spec(parameters: list[dict[str, Any]], spec_seed: int = 0, **design: Any) -> SweepSpec:
    return SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1, "seed": spec_seed,
                                     "design": {"sampler": "morris", **design}, "parameters": parameters})


def unit_parameters(k: int) -> list[dict[str, Any]]:
    return [{"path": f"x{i + 1}", "bounds": [0, 1]} for i in range(k)]


def number(value: Any) -> float:
    return float(str(value).split()[0])


# --- the design -----------------------------------------------------------------------------------------


@FAST
@given(k=st.integers(1, 6), r=st.integers(1, 8), half=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_trajectories_move_one_parameter_by_half_the_levels(k: int, r: int, half: int, seed: int) -> None:
    levels = 2 * half
    grid = morris_levels(k, r, levels, np.random.default_rng(seed))
    assert grid.shape == (r, k + 1, k)
    assert grid.min() >= 0
    assert grid.max() <= levels - 1
    for trajectory in grid:
        steps = np.diff(trajectory, axis=0)                 # k steps of k coordinates
        assert ((steps != 0).sum(axis=1) == 1).all()        # each step moves exactly one parameter
        assert (np.abs(steps.sum(axis=1)) == half).all()    # by p / 2 levels, i.e. Δ = p / (2 (p - 1))
        assert sorted(np.flatnonzero(steps) % k) == list(range(k))  # every parameter once


@st.composite
def mixed_parameters(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["float", "integer", "values"]))
        if kind == "float":
            low = draw(st.floats(-100, 100, allow_nan=False))
            width = draw(st.floats(0.01, 100, allow_nan=False))
            out.append({"path": f"p{i}", "bounds": [low, low + width],
                        "unit": draw(st.sampled_from([None, "days"]))})
        elif kind == "integer":
            low = draw(st.integers(-20, 20))
            out.append({"path": f"p{i}", "bounds": [low, low + draw(st.integers(1, 40))], "integer": True})
        else:
            out.append({"path": f"p{i}", "values": draw(st.lists(st.sampled_from(["fifo", "priority", 3, 7.5]),
                                                                 min_size=2, max_size=4, unique=True))})
    return out


@FAST
@given(parameters=mixed_parameters(), r=st.integers(1, 6), half=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_design_has_r_times_k_plus_1_points_one_move_each(parameters: list[dict[str, Any]], r: int, half: int,
                                                          seed: int) -> None:
    spec = morris_spec(parameters, seed, trajectories=r, levels=2 * half)
    k = len(parameters)
    values, columns = design_matrix(spec), design_columns(spec)
    assert len(values) == len(columns) == r * (k + 1)
    step = spec.design.morris_step
    for index, (row, extra) in enumerate(zip(values, columns, strict=True)):
        assert list(row) == [p["path"] for p in parameters]
        assert list(extra) == list(MORRIS_COLUMNS)
        assert extra["morris_trajectory"] == index // (k + 1)
        assert extra["morris_step"] == index % (k + 1)
        for parameter in parameters:  # inside the bounds, or one of the values
            value = row[parameter["path"]]
            if "values" in parameter:
                assert value in parameter["values"]
            else:
                low, high = parameter["bounds"]
                assert low - 1e-9 <= number(value) <= high + 1e-9
                if parameter.get("unit"):
                    assert value.endswith(" days")
                if parameter.get("integer"):
                    assert isinstance(value, int)
        if extra["morris_step"] == 0:
            assert extra["morris_parameter"] is None
            assert math.isnan(extra["morris_delta"])
            moved: list[str] = []
            continue
        before = values[index - 1]
        changed = [path for path in row if row[path] != before[path]]
        assert changed == [extra["morris_parameter"]]  # exactly one parameter changes, the one recorded
        moved.append(changed[0])
        parameter = next(p for p in parameters if p["path"] == changed[0])
        delta = extra["morris_delta"]
        if "values" in parameter:
            gaps = len(parameter["values"]) - 1
            move = parameter["values"].index(row[changed[0]]) - parameter["values"].index(before[changed[0]])
            assert delta == pytest.approx(move / gaps)
        else:
            low, high = parameter["bounds"]
            assert delta == pytest.approx((number(row[changed[0]]) - number(before[changed[0]])) / (high - low))
            if not parameter.get("integer"):
                assert abs(delta) == pytest.approx(step)  # a continuous parameter moves by exactly ±Δ
        if extra["morris_step"] == k:
            assert sorted(moved) == sorted(p["path"] for p in parameters)  # each parameter once per trajectory


def test_continuous_values_lie_on_the_grid_of_levels() -> None:
    spec = morris_spec([{"path": "a", "bounds": [10, 70]}], 4, trajectories=20, levels=4)
    assert {row["a"] for row in design_matrix(spec)} <= {10.0, 30.0, 50.0, 70.0}
    assert spec.design.morris_step == pytest.approx(2 / 3)


def test_same_spec_and_seed_same_design_distinct_seeds_differ() -> None:
    parameters = unit_parameters(3)
    first = morris_spec(parameters, 5)
    again = SweepSpec.model_validate(first.model_dump())
    assert design_matrix(first) == design_matrix(again) == design_matrix(first)
    assert design_columns(first) == design_columns(again)
    assert design_matrix(morris_spec(parameters, 6)) != design_matrix(first)
    # the design's own seed wins over the spec's
    assert design_matrix(morris_spec(parameters, 1, seed=5)) == design_matrix(first)


def test_defaults_are_ten_trajectories_of_four_levels() -> None:
    spec = morris_spec(unit_parameters(2))
    assert (spec.design.morris_trajectories, spec.design.morris_levels) == (10, 4)
    assert len(design_matrix(spec)) == 30


def test_design_draws_from_its_own_generator() -> None:
    # the legacy global state is what this test watches: the design must leave it alone
    before = np.random.get_state()  # noqa: NPY002
    design_matrix(morris_spec(unit_parameters(3), 2))
    after = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    assert (before[1] == after[1]).all()
    assert before[2:] == after[2:]


@pytest.mark.parametrize(("design", "parameters", "says"), [
    ({"points": 8}, unit_parameters(2), "give 'trajectories', not 'points'"),
    ({"levels": 3}, unit_parameters(2), "even number of levels"),
    ({"levels": 1}, unit_parameters(2), "greater than or equal to 2"),
    ({"trajectories": 0}, unit_parameters(2), "greater than or equal to 1"),
    ({}, [{"path": "a", "values": [1]}], "at least two values"),
    ({}, [{"path": "a", "bounds": [1.2, 2.5], "integer": True}], "at least two whole numbers"),
    ({}, [], "needs at least one parameter"),
])
def test_bad_morris_designs_are_refused(design: dict[str, Any], parameters: list[dict[str, Any]],
                                        says: str) -> None:
    with pytest.raises(ValueError, match=says):
        morris_spec(parameters, **design)


@pytest.mark.parametrize("field", ["trajectories", "levels"])
def test_morris_settings_belong_to_morris(field: str) -> None:
    with pytest.raises(ValueError, match=f"'{field}' belongs to the morris sampler"):
        SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1,
                                  "design": {"sampler": "latin_hypercube", "points": 4, field: 4},
                                  "parameters": unit_parameters(1)})


# --- the analysis, on results folders written by hand -------------------------------------------------------


def write_results(root: Path, spec: SweepSpec, outputs: dict[str, Any], replications: int = 1,
                  metric: str = "y", dimension: str = "all") -> Path:
    """A results folder of a morris spec whose metric is ``outputs[regime](values, replication)``.

    The values given to the functions are the numbers of each point (words are given as their index).
    """
    values, columns = design_matrix(spec), design_columns(spec)
    rows = []
    for index, (row, extra) in enumerate(zip(values, columns, strict=True)):
        rows.append({"point": index, "config_hash": "h", **{k: str(v) for k, v in row.items()}, **extra})
    root.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(root / "points.parquet", index=False)
    metrics = []
    for index, row in enumerate(values):
        numbers = {}
        for parameter in spec.parameters:
            value = row[parameter.path]
            numbers[parameter.path] = parameter.values.index(value) if parameter.values else number(value)
        for regime, function in outputs.items():
            for replication in range(replications):
                metrics.append({"point": index, "replication": replication, "regime": regime, "metric": metric,
                                "dimension": dimension, "value": float(function(numbers, replication))})
    table = pd.DataFrame(metrics)
    keys = []
    for (point, regime), part in table.groupby(["point", "regime"], sort=False):  # one task per point and regime
        task = Task(int(point), str(regime), 0, replications)
        ids = part[["point", "regime", "replication"]].reset_index(drop=True)
        write_task(root, task, {"metrics": part.reset_index(drop=True), "nights": ids, "census": ids})
        keys.append(task.key)
    manifest = {"regimes": list(outputs), "tasks": keys, "spec_hash": "x", "points": len(values),
                "parameters": [p.path for p in spec.parameters], "layout": LAYOUT_VERSION,
                "checksums": CHECKSUMS}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def analytic(x: dict[str, float], replication: int) -> float:
    return 10 * x["x1"] + 0 * x["x2"] + x["x3"] ** 2


def test_analysis_recovers_known_effects(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(3), 7, trajectories=12, levels=4)
    res = results.open(write_results(tmp_path / "r", spec, {"organic": analytic}))
    table = res.morris("y")
    assert list(table.columns) == ["parameter", "n", "mu", "mu_star", "sigma", "mu_star_ci_low",
                                   "mu_star_ci_high"]
    assert table["parameter"].tolist() == ["x1", "x3", "x2"]  # ranked by mu_star
    by = table.set_index("parameter")
    assert (by["n"] == 12).all()
    assert by.loc["x1", "mu_star"] == pytest.approx(10)     # linear: the effect across the range, everywhere
    assert by.loc["x1", "mu"] == pytest.approx(10)
    assert by.loc["x1", "sigma"] == pytest.approx(0, abs=1e-9)
    assert by.loc["x2", "mu_star"] == 0
    assert by.loc["x2", "sigma"] == 0
    # x3^2: (x + Δ)^2 - x^2 over Δ = 2x + Δ with x in {0, 1/3}, Δ = 2/3: effects 2/3 or 4/3
    assert 2 / 3 - 1e-9 <= by.loc["x3", "mu_star"] <= 4 / 3 + 1e-9
    assert by.loc["x3", "sigma"] > 0  # non-linear: the effect depends on where the step is
    for name in ("x1", "x2", "x3"):
        assert by.loc[name, "mu_star_ci_low"] <= by.loc[name, "mu_star"] <= by.loc[name, "mu_star_ci_high"]
    assert by.loc["x1", "mu_star_ci_low"] == pytest.approx(10)  # identical effects: a point interval


def test_effects_are_per_full_range_with_real_moves(tmp_path: Path) -> None:
    """y = 3 a + b + 5 [word == 'priority']: effects 3 * 2 (a spans 2), 20 (b spans 20), 5 (one move)."""
    spec = morris_spec([{"path": "a", "bounds": [1, 3]},
                        {"path": "b", "bounds": [20, 40], "integer": True, "unit": "days"},
                        {"path": "c", "values": ["fifo", "priority"]}], 3, trajectories=6, levels=4)

    def linear(x: dict[str, float], replication: int) -> float:
        return 3 * x["a"] + x["b"] + 5 * x["c"]

    table = results.open(write_results(tmp_path / "r", spec, {"organic": linear})).morris("y")
    by = table.set_index("parameter")
    assert by.loc["a", "mu_star"] == pytest.approx(6)
    assert by.loc["b", "mu_star"] == pytest.approx(20)  # rounded whole numbers: divided by the move made
    assert by.loc["c", "mu_star"] == pytest.approx(5)
    assert by["sigma"].abs().max() == pytest.approx(0, abs=1e-9)


def test_pair_screens_the_difference_averaged_over_replications(tmp_path: Path) -> None:
    """Common noise per replication cancels in the pair: only x2 moves the difference, by 5."""
    spec = morris_spec(unit_parameters(3), 11, trajectories=8)

    def organic(x: dict[str, float], replication: int) -> float:
        return 4 * x["x1"] + 7.0 * replication

    def integrated(x: dict[str, float], replication: int) -> float:
        return 4 * x["x1"] + 5 * x["x2"] + 7.0 * replication + 1

    res = results.open(write_results(tmp_path / "r", spec, {"organic": organic, "integrated": integrated},
                                     replications=3))
    outputs = point_outputs(res, "y", pair=("organic", "integrated"))
    assert len(outputs) == len(res.points)
    table = res.morris("y", pair=("organic", "integrated")).set_index("parameter")
    assert table.loc["x2", "mu_star"] == pytest.approx(5)
    assert table.loc["x1", "mu_star"] == pytest.approx(0, abs=1e-9)
    assert table.loc["x3", "mu_star"] == pytest.approx(0, abs=1e-9)
    # one regime alone: the mean over replications, so x1 moves it by 4
    assert res.morris("y", regime="organic").set_index("parameter").loc["x1", "mu_star"] == pytest.approx(4)
    assert res.morris("y").equals(res.morris("y", regime="organic"))  # the first regime by default


def test_bootstrap_is_seeded_and_deterministic(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(3), 2, trajectories=10, levels=8)

    def interacting(x: dict[str, float], replication: int) -> float:
        return 3 * x["x1"] * x["x2"] * x["x3"] + x["x3"] ** 3

    res = results.open(write_results(tmp_path / "r", spec, {"organic": interacting}))
    first = res.morris("y", seed=4)
    pd.testing.assert_frame_equal(first, res.morris("y", seed=4))
    x3 = first.set_index("parameter").loc["x3"]
    other = res.morris("y", seed=5).set_index("parameter").loc["x3"]
    assert (x3["mu_star_ci_low"], x3["mu_star_ci_high"]) != (other["mu_star_ci_low"], other["mu_star_ci_high"])
    assert x3["mu_star"] == other["mu_star"]  # only the interval is resampled
    narrow = res.morris("y", level=0.5).set_index("parameter").loc["x3"]
    assert narrow["mu_star_ci_high"] - narrow["mu_star_ci_low"] <= x3["mu_star_ci_high"] - x3["mu_star_ci_low"]


def test_missing_outputs_are_left_out_of_the_effects() -> None:
    design = pd.DataFrame({"point": [0, 1, 2, 3, 4, 5], "morris_trajectory": [0, 0, 0, 1, 1, 1],
                           "morris_step": [0, 1, 2, 0, 1, 2], "morris_parameter": [None, "a", "b", None, "b", "a"],
                           "morris_delta": [math.nan, 0.5, -0.5, math.nan, 0.5, 0.5]})
    outputs = pd.Series([1.0, 2.0, math.nan, 0.0, 1.0, 3.0], index=range(6))
    effects = elementary_effects(design, outputs)
    assert effects["parameter"].tolist() == ["a", "b", "b", "a"]
    assert effects["effect"].tolist()[:1] == [2.0]
    assert math.isnan(effects["effect"].iloc[1])
    assert effects["effect"].tolist()[2:] == [2.0, 4.0]
    table = morris_indices(effects, ["a", "b", "c"]).set_index("parameter")
    assert table.loc["a", "n"] == 2
    assert table.loc["b", "n"] == 1
    assert math.isnan(table.loc["b", "sigma"])  # one effect: no spread
    assert table.loc["c", "n"] == 0
    assert math.isnan(table.loc["c", "mu_star"])
    assert table.index[-1] == "c"  # no effects: last


def test_paired_signs_hold_or_flip(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(2), 1, trajectories=5)

    def base(x: dict[str, float], replication: int) -> float:
        return float(replication)

    def better(x: dict[str, float], replication: int) -> float:
        return replication + 1 + x["x1"]

    def crossing(x: dict[str, float], replication: int) -> float:
        return replication + x["x1"] - 0.5

    res = results.open(write_results(tmp_path / "r", spec, {"a": base, "b": better, "c": crossing},
                                     replications=2))
    holds = paired_signs(res, "y", pair=("a", "b"))
    assert holds.verdict == "holds"
    assert (holds.positive, holds.negative) == (1.0, 0.0)
    assert len(holds.points) == len(res.points)
    assert holds.points["n"].eq(2).all()
    assert "holds across the range" in holds.describe()
    flips = paired_signs(res, "y", pair=("a", "c"))
    assert flips.verdict == "flips"
    assert 0 < flips.positive < 1
    assert flips.positive + flips.negative + flips.zero == pytest.approx(1)
    assert "flips" in flips.describe()
    with pytest.raises(ResultsError, match="two different regimes"):
        paired_signs(res, "y", pair=("b", "b"))


def test_points_keep_parameters_and_design_keeps_the_trajectories(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(3), 1, trajectories=2)
    res = results.open(write_results(tmp_path / "r", spec, {"organic": analytic}))
    assert list(res.points.columns) == ["point", "config_hash", "x1", "x2", "x3"]  # what the report and summarize read
    assert list(res.design.columns) == ["point", *MORRIS_COLUMNS]
    assert len(res.design) == 8


def test_analysis_errors_name_what_is_wrong(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(2), 1, trajectories=2)
    res = results.open(write_results(tmp_path / "r", spec, {"organic": lambda x, r: x["x1"]}))
    with pytest.raises(ResultsError, match=r"metric 'nope' is not in these results \(metrics: y\)"):
        res.morris("nope")
    with pytest.raises(ResultsError, match=r"no dimension 'men_shelter' \(dimensions: all\)"):
        res.morris("y", "men_shelter")
    with pytest.raises(ResultsError, match="regime 'integrated' is not in these results"):
        res.morris("y", regime="integrated")
    with pytest.raises(ResultsError, match="regime 'integrated' is not in these results"):
        res.morris("y", pair=("organic", "integrated"))
    # a folder of another design
    grid = results.open(write_results(tmp_path / "g", spec, {"organic": lambda x, r: x["x1"]}))
    grid.design = grid.design[["point"]]
    with pytest.raises(ResultsError, match=r"no morris design .*sampler: morris"):
        grid.morris("y")


def test_paired_signs_of_one_replication_claim_no_interval(tmp_path: Path) -> None:
    spec = morris_spec(unit_parameters(2), 1, trajectories=2)
    res = results.open(write_results(tmp_path / "r", spec, {"a": lambda x, r: 0.0, "b": lambda x, r: x["x1"] - 0.5}))
    signs = paired_signs(res, "y", pair=("a", "b"))
    assert signs.points["ci_low"].isna().all()
    assert "one replication, no intervals" in signs.describe()
    assert "interval above" not in signs.describe()
