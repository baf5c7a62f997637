"""A morris sweep as a user runs it: ``simulator sweep`` then ``simulator summarize --morris``; broken specs.

The end-to-end sweep is tiny (2 parameters x 2 trajectories = 6 points, 2 regimes, 1 replication of 15 days of
the small test network: 12 short runs); the analysis itself is tested on exact functions in test_morris.py.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from simulator import results
from simulator.batch import load_sweep, run_sweep
from simulator.batch.sweep import MORRIS_COLUMNS
from tests.sweeps._helpers import (
    ROOT,
    SHORT,
    SUMMARY_LINE,
    Result,
    assert_user_error,
    cli_env,
    command,
    run_cli,
    write_spec,
)

SMALL_NETWORK = ROOT / "tests" / "data" / "small_network.yaml"
PARAMETERS = [{"path": "handoffs.unilateral.loss.base", "bounds": [0.1, 0.4]},
              {"path": "services.men_shelter.capacity", "bounds": [20, 40], "integer": True}]
OUTPUT = "unmet_need_days_per_client"
USER_ERRORS = [  # summarize arguments, and what the message says
    (["--morris", "no_such_metric"], "metric 'no_such_metric' is not in these results"),
    (["--morris", f"{OUTPUT}:nowhere"], "has no dimension 'nowhere'"),
    (["--morris", OUTPUT, "--pair", "organic"], "give two regimes as A,B"),
    (["--morris", OUTPUT, "--pair", "organic,intergrated"], "regime 'intergrated' is not in these results"),
    (["--pair", "organic,integrated"], "--pair goes with --morris"),
]


@pytest.fixture(scope="module")
def morris_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("morris")
    spec = write_spec(base / "morris.yaml", {
        "name": "morris", "base": str(SMALL_NETWORK), "overrides": SHORT, "regimes": ["organic", "integrated"],
        "replications": 1, "seed": 4, "design": {"sampler": "morris", "trajectories": 2, "levels": 4},
        "parameters": PARAMETERS})
    out = base / "out"
    sweep = run_cli("sweep", spec, "--out", out, "-q", "--executor", "serial")
    calls = {"screening": ["--morris", OUTPUT, "--pair", "organic,integrated", "--salib", base / "problem.json"],
             "regimes": ["--morris", "wait_mean_days:clsc"],
             **{f"error {i}": args for i, (args, _) in enumerate(USER_ERRORS)}}
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(calls, pool.map(lambda args: run_cli("summarize", out, *args), calls.values()),
                        strict=True))
    return {"out": out, "sweep": sweep, "salib": base / "problem.json", **done}


def test_sweep_writes_the_trajectories_with_the_points(morris_run) -> None:
    assert morris_run["sweep"].returncode == 0, morris_run["sweep"].describe()
    out = morris_run["out"]
    raw = pd.read_parquet(out / "points.parquet")
    assert len(raw) == 2 * (2 + 1)
    assert raw["morris_trajectory"].tolist() == [0, 0, 0, 1, 1, 1]
    assert raw["morris_step"].tolist() == [0, 1, 2, 0, 1, 2]
    res = results.open(out)
    # the parameters alone in points (what summarize and the report read), the design apart
    assert list(res.points.columns) == ["point", "config_hash", *[p["path"] for p in PARAMETERS]]
    assert list(res.design.columns) == ["point", *MORRIS_COLUMNS]
    table = res.morris(OUTPUT, pair=("organic", "integrated"))
    assert sorted(table["parameter"]) == sorted(p["path"] for p in PARAMETERS)
    assert (table["n"] == 2).all()


def test_summarize_morris_prints_the_screening(morris_run) -> None:
    result = morris_run["screening"]
    assert result.returncode == 0, result.describe()
    text = " ".join(result.stdout.split())
    assert f"Morris screening of {OUTPUT} (all), integrated - organic" in text
    for column in ("mu*", "sigma", "mu* 95% bootstrap"):
        assert column in text
    for parameter in PARAMETERS:
        assert parameter["path"] in text
    assert "point 0:" not in text  # the screening replaces the tables per point
    assert f"integrated - organic in {OUTPUT} (all): positive at" in text
    assert "the comparison" in text or "no difference" in text
    assert morris_run["salib"].stat().st_size > 0  # the files asked for are still written


def test_summarize_morris_numbers_are_the_api(morris_run) -> None:
    res = results.open(morris_run["out"])
    text = " ".join(morris_run["screening"].stdout.split())
    for row in res.morris(OUTPUT, pair=("organic", "integrated")).itertuples():
        assert f"{row.mu_star:,.3g}" in text


def test_summarize_morris_of_each_regime_and_a_dimension(morris_run) -> None:
    result = morris_run["regimes"]
    assert result.returncode == 0, result.describe()
    text = " ".join(result.stdout.split())
    assert "Morris screening of wait_mean_days (clsc), organic" in text
    assert "Morris screening of wait_mean_days (clsc), integrated" in text


@pytest.mark.parametrize("case", range(len(USER_ERRORS)))
def test_summarize_morris_user_errors(morris_run, case: int) -> None:
    result = morris_run[f"error {case}"]
    assert_user_error(result)
    assert USER_ERRORS[case][1] in result.stderr, result.describe()


def test_summarize_morris_of_a_grid_sweep_is_refused(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "grid.yaml", {
        "name": "grid", "base": str(SMALL_NETWORK), "overrides": SHORT, "replications": 1,
        "parameters": [{"path": "services.men_shelter.capacity", "values": [20]}]})
    run_sweep(load_sweep(spec), tmp_path / "out", executor="serial")
    result = run_cli("summarize", tmp_path / "out", "--morris", OUTPUT)
    assert_user_error(result)
    assert "no morris design" in result.stderr, result.describe()


# --- broken specs: exit 2, FILE:LINE:COL: field: message -----------------------------------------------------

HEADER = "name: bad\nbase: {base}\nreplications: 1\n"
PARAMETER = "parameters:\n  - path: services.men_shelter.capacity\n    bounds: [20, 40]\n"
BAD = {  # name: (the rest of the spec after the header, line of the mistake, field, what the message says)
    "morris_with_points": ("design:\n  sampler: morris\n  points: 6\n" + PARAMETER, 6, "design.points",
                           "give 'trajectories', not 'points'"),
    "morris_odd_levels": ("design:\n  sampler: morris\n  levels: 3\n" + PARAMETER, 6, "design.levels",
                          "even number of levels"),
    "morris_one_level": ("design:\n  sampler: morris\n  levels: 1\n" + PARAMETER, 6, "design.levels",
                         "greater than or equal to 2"),
    "grid_with_trajectories": ("design:\n  sampler: grid\n  trajectories: 4\nparameters:\n"
                               "  - path: services.men_shelter.capacity\n    values: [20, 40]\n", 6,
                               "design.trajectories", "belongs to the morris sampler"),
    "morris_one_value": ("design: {sampler: morris}\nparameters:\n  - path: services.men_shelter.capacity\n"
                         "    values: [20]\n", 7, "parameters[0].values", "at least two values"),
    "morris_one_whole_number": ("design: {sampler: morris}\nparameters:\n  - path: services.men_shelter.capacity\n"
                                "    bounds: [20.2, 21.5]\n    integer: true\n", 7, "parameters[0].bounds",
                                "at least two whole numbers"),
}


@pytest.fixture(scope="module")
def bad_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    folder = tmp_path_factory.mktemp("bad_morris")
    for name, (rest, *_) in BAD.items():
        (folder / f"{name}.yaml").write_text(HEADER.format(base=ROOT / "configs" / "small_town.yaml") + rest,
                                             encoding="utf-8")

    def sweep(name: str) -> Result:
        args = ["sweep", f"{name}.yaml", "--out", "never_written", "-q", "--executor", "serial"]
        done = subprocess.run(command(*args), cwd=folder, env=cli_env(), capture_output=True, text=True,
                              timeout=120, check=False)
        return Result(args, done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(BAD, pool.map(sweep, BAD), strict=True))


@pytest.mark.parametrize("name", list(BAD))
def test_bad_morris_spec_names_file_and_field(bad_outcomes: dict[str, Result], name: str) -> None:
    result = bad_outcomes[name]
    _, line, field, says = BAD[name]
    assert_user_error(result)
    assert result.stdout == "", result.describe()
    assert SUMMARY_LINE.match(result.stderr.splitlines()[-1]), result.describe()
    first = result.problems()[0]
    assert first["file"] == f"{name}.yaml", result.describe()
    assert int(first["line"]) == line, result.describe()
    assert first["field"] == field, result.describe()
    assert says in first["message"], result.describe()
