"""Calibration: the spec is checked like a config, the search moves the fit towards the targets on a small
budget, the result is deterministic, and calibrated values go back into the scenario file intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from simulator import calibration as cal
from simulator.config import ConfigError, load_config
from tests.e2e._helpers import assert_clean_user_error, assert_ok, run_cli

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "data" / "calibration_small.yaml"


@pytest.fixture(scope="module")
def small() -> cal.Calibration:
    return cal.load_calibration(SPEC)


@pytest.fixture(scope="module")
def result(small: cal.Calibration) -> cal.CalibrationResult:
    return cal.calibrate(small)


def test_reduced_budget_moves_the_fit_towards_the_targets(result: cal.CalibrationResult) -> None:
    # the spec starts off both targets (count about 210 for 150 +- 15): six simulations must cut the objective
    # by more than half and bring the count nearer its target; a search that did nothing would fail both
    assert len(result.history) <= 6
    assert result.start.objective > 4.0
    assert result.best.objective < 0.5 * result.start.objective
    count = result.table().set_index("target").loc["count"]
    assert abs(count["after"] - count["published"]) < abs(count["before"] - count["published"])


def test_littles_law_first_guess_scales_the_inflow(result: cal.CalibrationResult) -> None:
    pilot, guess = result.history[0], result.history[1]
    assert (pilot.phase, guess.phase) == ("start", "littles_law")
    rate = "population.inflow.rate"
    expected = pilot.values[rate] * 150 / pilot.means["count"]
    assert guess.values[rate] == pytest.approx(expected)
    # L = lambda W with W about fixed: the count moves most of the way to its target in one step
    assert abs(guess.means["count"] - 150) < 0.5 * abs(pilot.means["count"] - 150)


def test_same_spec_same_history(small: cal.Calibration, result: cal.CalibrationResult) -> None:
    again = cal.calibrate(small, budget=3)
    for first, second in zip(result.history[:3], again.history, strict=True):
        assert first.values == second.values
        assert first.means == second.means


def test_evaluations_use_common_random_numbers(small: cal.Calibration) -> None:
    # the same point twice gives the same numbers: the objective is deterministic in the parameters
    search = cal.Search(small, cal._run_batch(1), replications=1, budget=5)
    one = search.evaluate(dict(small.start), "start")
    search._memo.clear()
    two = search.evaluate(dict(small.start), "again")
    assert one.means == two.means
    assert len(search.history) == 2


def test_budget_is_respected(small: cal.Calibration) -> None:
    spent = cal.calibrate(small, budget=2)
    assert len(spent.history) == 2
    assert spent.stopped == "budget spent"


def test_save_writes_every_file(result: cal.CalibrationResult, tmp_path: Path) -> None:
    cal.save(result, tmp_path, ["simulator", "calibrate", "spec.yaml"])
    info = json.loads((tmp_path / "calibration.json").read_text())
    assert info["best"]["values"] == result.best.values
    assert info["evaluations"] == len(result.history)
    assert (tmp_path / "history.csv").read_text().count("\n") == len(result.history) + 1
    assert "published" in (tmp_path / "targets.csv").read_text()


def _copy_setup(tmp_path: Path) -> tuple[Path, Path]:
    """The small spec and its base scenario copied side by side, the spec pointing at the copy."""
    scenario = tmp_path / "small_town.yaml"
    shutil.copy(ROOT / "configs" / "small_town.yaml", scenario)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.read_text().replace("base: ../../configs/small_town.yaml", "base: small_town.yaml"))
    return spec, scenario


def test_write_back_changes_only_the_calibrated_values(tmp_path: Path) -> None:
    spec, scenario = _copy_setup(tmp_path)
    before = scenario.read_text().split("\n")
    loaded = cal.load_calibration(spec)
    values = {"population.inflow.rate": 2.5, "population.exits.self_resolution_mean.transitional": 21.75}
    scenario.write_text(cal.write_back(loaded, values, "spec.yaml"))
    after = scenario.read_text().split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 2
    for i in changed:
        assert "[C] calibrated" in after[i]
    reread = load_config(scenario)
    assert reread.population.inflow.rate == pytest.approx(2.5)
    assert cal.load_calibration(spec).start == pytest.approx(values)
    # calibrating again keeps the value the line had before its first calibration
    again = cal.load_calibration(spec)
    scenario.write_text(cal.write_back(again, {k: v * 1.5 for k, v in values.items()}, "spec.yaml"))
    line = next(x for x in scenario.read_text().split("\n") if "rate:" in x and "[C]" in x)
    assert "was 4 per day" in line
    assert line.count("[C]") == 1


def test_check_reports_each_target(small: cal.Calibration) -> None:
    table = cal.check(small, replications=2, seed=3)
    assert list(table["target"]) == ["count", "outdoors"]
    assert (table["low"] <= table["mean"]).all()
    assert (table["mean"] <= table["high"]).all()
    assert table["met"].dtype == bool


def test_cli_calibrate_and_check(tmp_path: Path) -> None:
    spec, scenario = _copy_setup(tmp_path)
    out = tmp_path / "fit"
    done = run_cli("calibrate", spec, "--budget", "3", "-n", "1", "-w", "1", "--out", out, "--write")
    assert_ok(done)
    assert "objective" in done.stdout
    assert (out / "calibration.json").exists()
    assert "[C] calibrated" in scenario.read_text()
    checked = run_cli("calibrate", spec, "--check", "-n", "2", "-w", "1")
    assert checked.returncode in (0, 1), checked.describe()
    assert "Traceback" not in checked.output
    assert "count" in checked.stdout


BROKEN = {
    "unknown_path": ("parameters:\n  - {path: population.inflow.rte, bounds: [1, 8]}", "parameters[0].path",
                     "not in the base scenario"),
    "not_a_number": ("parameters:\n  - {path: population.attributes.gender, bounds: [1, 8]}",
                     "parameters[0].path", "not a number"),
    "bounds_reversed": ("parameters:\n  - {path: population.inflow.rate, bounds: [8, 1]}", "parameters[0]",
                        "increasing"),
    "negative_tolerance": ("targets:\n  - {name: c, metric: count_on_date, dimension: total, value: 1, "
                           "tolerance: -1}", "targets[0].tolerance", "greater than 0"),
    "typo_in_field": ("replicatons: 3", "replicatons", "unknown field"),
    "missing_base": ("base: nowhere.yaml", "base", "not found"),
}


def _spec_with(tmp_path: Path, change: str) -> Path:
    """The small spec with one top-level block replaced (or a field added) by ``change``."""
    text = SPEC.read_text()
    key = change.split(":", 1)[0]
    lines = text.split("\n")
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line):
            continue
        skipping = False
        kept.append(line)
    spec = tmp_path / "broken.yaml"
    base = str(ROOT / "configs" / "small_town.yaml")
    body = "\n".join(kept).replace("../../configs/small_town.yaml", base) + "\n" + change + "\n"
    if key == "base":
        body = body.replace(f"base: {base}\n", "")
    spec.write_text(body)
    return spec


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_specs_name_file_and_field(tmp_path: Path, case: str) -> None:
    change, field, words = BROKEN[case]
    spec = _spec_with(tmp_path, change)
    with pytest.raises(ConfigError) as caught:
        cal.load_calibration(spec)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "broken.yaml" in text
    assert field in text
    assert words in text


def test_broken_spec_on_the_command_line(tmp_path: Path) -> None:
    spec = _spec_with(tmp_path, BROKEN["unknown_path"][0])
    result = run_cli("calibrate", spec)
    assert_clean_user_error(result)
    assert "broken.yaml" in result.stderr
    assert "parameters[0].path" in result.stderr


def test_littles_law_needs_its_names(tmp_path: Path) -> None:
    spec = _spec_with(tmp_path, "method: {first_guess: littles_law, inflow: population.inflow.rte, count: cnt}")
    with pytest.raises(ConfigError) as caught:
        cal.load_calibration(spec)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"method.inflow", "method.count"}


def test_quantities_round_trip() -> None:
    assert cal.parse_quantity("38 per day") == (38.0, "per day")
    assert cal.parse_quantity(0.25) == (0.25, "")
    assert cal.parse_quantity("lognormal") is None
    assert cal.parse_quantity(True) is None
    assert cal.format_quantity(41.23456, "per day") == "41.23 per day"
    assert cal.format_quantity(2400.0, "") == 2400
    assert np.isclose(cal.format_quantity(0.081234, ""), 0.08123)


def test_start_values_are_converted_to_the_spec_unit(tmp_path: Path) -> None:
    # small_town writes 'episodic: 120 days'; a spec in weeks reads it as 120/7 weeks, and a unit that is not
    # a duration is refused at the parameter's unit field
    rate = "  - {path: population.inflow.rate, bounds: [1, 8]}\n"
    spec = _spec_with(tmp_path, f"parameters:\n{rate}  - {{path: population.exits.self_resolution_mean.episodic, "
                      "bounds: [1, 52], unit: weeks}")
    loaded = cal.load_calibration(spec)
    assert loaded.start["population.exits.self_resolution_mean.episodic"] == pytest.approx(120 / 7)
    broken = _spec_with(tmp_path, f"parameters:\n{rate}  - {{path: population.exits.self_resolution_mean.episodic, "
                        "bounds: [1, 52], unit: per day}")
    with pytest.raises(ConfigError) as caught:
        cal.load_calibration(broken)
    assert "parameters[1].unit" in str(caught.value.problems[0])


@pytest.mark.parametrize("spec", sorted((ROOT / "configs" / "calibration").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_specs_load(spec: Path) -> None:
    # every shipped calibration spec names parameters that exist in its base, with values in the spec's units
    loaded = cal.load_calibration(spec)
    for parameter in loaded.spec.parameters:
        low, high = parameter.bounds
        assert low <= loaded.start[parameter.path] <= high, parameter.path


def test_integer_parameters_take_whole_numbers(tmp_path: Path) -> None:
    # beds are whole: every value tried for an integer parameter is rounded, so the scenario validates and
    # the search's values are whole numbers (a fractional capacity would be refused by the schema)
    spec = _spec_with(tmp_path, "parameters:\n  - {path: population.inflow.rate, bounds: [1, 8]}\n"
                      "  - {path: services.men_shelter.capacity, bounds: [10, 60], integer: true}")
    loaded = cal.load_calibration(spec)
    unit = np.array([0.5, 0.123])
    values = loaded.values_at(unit)
    assert values["services.men_shelter.capacity"] == 16.0  # 10 + 0.123 * 50 = 16.15
    assert values["population.inflow.rate"] == pytest.approx(4.5)
    assert loaded.scenario(values).services["men_shelter"].capacity == 16
    search = cal.Search(loaded, cal._run_batch(1), replications=1, budget=2)
    evaluation = search.at_unit(np.array([0.5, 0.77]), "test")
    assert evaluation.values["services.men_shelter.capacity"] == 48.0


def test_each_parameter_may_set_its_finite_difference_step(tmp_path: Path) -> None:
    # a parameter whose target does not bind near the start needs a wider step than the method's to see a
    # signal through the noise: its Jacobian point moves by its own step, the other by the method's (0.08)
    spec = _spec_with(tmp_path, "parameters:\n  - {path: population.inflow.rate, bounds: [1, 8], unit: per day}\n"
                      "  - {path: population.exits.self_resolution_mean.transitional, bounds: [5, 120], unit: days,"
                      " step: 0.25}")
    loaded = cal.load_calibration(spec)
    assert cal.parameter_steps(loaded.spec) == [0.08, 0.25]
    result = cal.calibrate(loaded, budget=4)
    origin = loaded.unit_of(result.history[1].values)  # the Little's-law guess is the search's origin
    jacobian = [e for e in result.history if e.phase == "jacobian"]
    assert len(jacobian) == 2
    moved = [loaded.unit_of(e.values) - origin for e in jacobian]
    assert moved[0] == pytest.approx([0.08, 0.0])
    assert moved[1] == pytest.approx([0.0, 0.25])


def test_integer_steps_move_at_least_one_whole_unit(tmp_path: Path) -> None:
    # a range of 5 beds: the method's step (0.08 of it, 0.4 bed) would round to no move; one bed is 0.2
    spec = _spec_with(tmp_path, "parameters:\n  - {path: population.inflow.rate, bounds: [1, 8]}\n"
                      "  - {path: services.men_shelter.capacity, bounds: [10, 15], integer: true}")
    assert cal.parameter_steps(cal.load_calibration(spec).spec) == [0.08, pytest.approx(0.2)]


@pytest.mark.parametrize(("change", "field", "says"), [
    ("replications: true", "replications", "expected a number, not true"),
    ("seed: 99999999999999999999999", "seed", "must be at most 9,223,372,036,854,775,807"),
    ("method: {budget: 10000000}", "method.budget", "must be at most 100,000"),
    ("check: {replications: 1000001}", "check.replications", "must be at most 100,000"),
], ids=["boolean_replications", "huge_seed", "absurd_budget", "absurd_check"])
def test_spec_numbers_have_ceilings(tmp_path: Path, change: str, field: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        cal.load_calibration(_spec_with(tmp_path, change))
    assert [(p.field, says in p.message) for p in caught.value.problems] == [(field, True)]


def test_budget_on_the_command_line_has_a_ceiling(tmp_path: Path) -> None:
    result = run_cli("calibrate", SPEC, "--budget", "10000000", "--out", tmp_path / "x.yaml")
    assert_clean_user_error(result)
    assert "--budget: must be at most 100,000" in result.stderr
