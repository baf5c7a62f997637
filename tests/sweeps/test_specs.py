"""Broken sweep specs: ``simulator sweep BAD.yaml`` exits 2 with ``FILE:LINE:COL: field: message``, no traceback.

Each fixture in ``tests/sweeps/data`` has one mistake. The CLI is run on all of them at once, in parallel
processes started from the data folder (so FILE is the name as typed), and each test reads its own result.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.sweeps._helpers import DATA, SUMMARY_LINE, Result, cli_env, command


@dataclass(frozen=True)
class Case:
    lines: tuple[int, ...]  # where the mistake is (any of these lines)
    field: str
    says: tuple[str, ...]  # what the message must contain


CASES = {
    "unknown_parameter_path": Case((6,), "parameters[0].path",
                                   ("'services.men_shelterr' is not in the base scenario",)),
    "empty_values": Case((6, 7), "parameters[0]", ("'values' is empty",)),
    "reversed_bounds": Case((7, 8), "parameters[0]", ("bounds must be increasing", "[40, 20]")),
    "unknown_sampler": Case((6,), "design.sampler", ("'grid'", "'latin_hypercube'", "'sobol'")),
    "sobol_not_power_of_two": Case((7,), "design.points", ("power of two", "6")),
    "grid_with_bounds": Case((8,), "parameters[0].bounds", ("grid sampler", "'values' or 'range'")),
    "missing_replications": Case((1, 2), "replications", ("required field is missing",)),
    "unknown_regime": Case((5,), "regimes[1]", ("unknown regime 'intergrated'", "integrated, mixed")),
    "misspelt_field": Case((5,), "replication_per_task", ("unknown field",)),
    "misspelt_parameter_field": Case((7,), "parameters[0].valuess", ("unknown field",)),
    "negative_capacity": Case((8,), "services.men_shelter.capacity",
                              ("at point 1", "services.men_shelter.capacity=-5", "greater than or equal to 0")),
    "missing_base": Case((3,), "base", ("'../no_such_scenario.yaml' not found",)),
    "boolean_replications": Case((4,), "replications", ("expected a number, not true",)),
    "huge_seed": Case((5,), "seed", ("must be at most 9,223,372,036,854,775,807",)),
    "absurd_points": Case((7,), "design.points", ("must be at most 1,000,000",)),
}

def _cases(unlocated_xfail: bool) -> list[object]:
    out: list[object] = []
    for name in CASES:
        marks: list[object] = []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _sweep(name: str) -> Result:
    args = ["sweep", f"{name}.yaml", "--out", "never_written", "-q", "--executor", "serial", "-w", "1"]
    done = subprocess.run(command(*args), cwd=DATA, env=cli_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    return Result(args, done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Result]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(_sweep, CASES), strict=True))


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.stem for p in DATA.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("name", _cases(unlocated_xfail=False))
def test_broken_spec_exits_2_with_a_message(outcomes: dict[str, Result], name: str) -> None:
    result = outcomes[name]
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert result.stdout == "", result.describe()  # nothing starts, nothing is announced
    assert not (DATA / "never_written").exists()
    lines = result.stderr.splitlines()
    assert SUMMARY_LINE.match(lines[-1]), result.describe()
    for text in CASES[name].says:
        assert text in result.stderr, result.describe()


@pytest.mark.parametrize("name", _cases(unlocated_xfail=True))
def test_broken_spec_is_located(outcomes: dict[str, Result], name: str) -> None:
    """Every problem line is ``FILE:LINE:COL: field: message``, the first one at the mistake."""
    result, case = outcomes[name], CASES[name]
    lines = result.stderr.splitlines()[:-1]
    problems = result.problems()
    assert problems, result.describe()
    assert len(problems) == len(lines), f"lines not in FILE:LINE:COL: field: message form:\n{result.describe()}"
    first = problems[0]
    assert first["file"] == f"{name}.yaml", result.describe()
    assert int(first["line"]) in case.lines, result.describe()
    assert int(first["col"]) >= 1
    assert first["field"] == case.field, result.describe()
    for text in case.says:
        assert text in first["message"], result.describe()


def test_unknown_regime_points_at_the_item(outcomes: dict[str, Result]) -> None:
    first = outcomes["unknown_regime"].problems()[0]
    assert (int(first["line"]), int(first["col"])) == (5, 20)  # regimes: [organic, intergrated]


def test_missing_spec_file(tmp_path) -> None:
    done = subprocess.run(command("sweep", "no_such_spec.yaml", "-q"), cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("no_such_spec.yaml:1:1: file not found"), done.stderr
