"""``simulator summarize`` writes its three files; ``simulator run --out`` writes the layout of a sweep."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from simulator import load_config, results
from simulator.batch import load_sweep, run_batch, run_sweep
from simulator.batch.sweep import Sweep, SweepSpec
from tests.sweeps._helpers import SHORT, SMALL_TOWN, TABLES, assert_user_error, run_cli, write_spec

LHS_PARAMETERS = [
    {"path": "handoffs.unilateral.loss.base", "bounds": [0.1, 0.3]},
    {"path": "handoffs.unilateral.latency.median", "bounds": [1, 5], "unit": "days"},
    {"path": "services.men_shelter.capacity", "bounds": [20, 40], "integer": True},
]


@pytest.fixture(scope="module")
def lhs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A 2-point Latin hypercube over three parameters, organic vs integrated, summarised by the CLI."""
    base = tmp_path_factory.mktemp("lhs")
    spec = write_spec(base / "lhs.yaml", {
        "name": "lhs", "base": str(SMALL_TOWN), "overrides": SHORT, "regimes": ["organic", "integrated"],
        "replications": 2, "replications_per_task": 2, "seed": 8,
        "design": {"sampler": "latin_hypercube", "points": 2}, "parameters": LHS_PARAMETERS})
    out = run_sweep(load_sweep(spec), base / "out", executor="serial")
    files = {"csv": base / "summary.csv", "paired": base / "paired.csv", "salib": base / "problem.json"}
    result = run_cli("summarize", out, "--csv", files["csv"], "--paired-csv", files["paired"],
                     "--salib", files["salib"])
    return {"out": out, "result": result, **files}


def test_summarize_writes_the_three_files(lhs) -> None:
    result = lhs["result"]
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.output
    for key in ("csv", "paired", "salib"):
        assert lhs[key].stat().st_size > 0, key
    text = " ".join(result.stdout.split())
    assert "point 0:" in text
    assert "point 1:" in text
    assert "paired differences vs organic" in text


def test_summary_csv_is_the_summary(lhs) -> None:
    res = results.open(lhs["out"])
    written = pd.read_csv(lhs["csv"], keep_default_na=False, na_values=[""])
    summary = res.summary()
    assert list(written.columns) == list(summary.columns)
    assert set(written["point"]) == {0, 1}
    assert set(written["regime"]) == {"organic", "integrated"}
    keys = ["point", "regime", "metric", "dimension"]
    pdt.assert_frame_equal(written[keys], summary[keys].astype(written[keys].dtypes.to_dict()))
    assert written["mean"].to_numpy() == pytest.approx(summary["mean"].to_numpy(), nan_ok=True)


def test_paired_csv_is_the_paired_table(lhs) -> None:
    res = results.open(lhs["out"])
    written = pd.read_csv(lhs["paired"], keep_default_na=False, na_values=[""])
    paired = res.paired("organic")
    assert len(written) == len(paired) > 0
    assert set(written["regime"]) == {"integrated"}
    assert set(written["baseline"]) == {"organic"}
    assert written["n"].max() == 2  # a metric undefined in a replication (no exits, say) has fewer pairs
    assert written["mean_difference"].to_numpy() == pytest.approx(paired["mean_difference"].to_numpy())
    for column in ("ci_low", "ci_high", "unpaired_ci_low", "unpaired_ci_high"):
        assert column in written.columns


def test_salib_problem_matches_the_spec(lhs) -> None:
    problem = json.loads(lhs["salib"].read_text(encoding="utf-8"))
    assert problem == {"num_vars": 3, "names": [p["path"] for p in LHS_PARAMETERS],
                       "bounds": [[float(x) for x in p["bounds"]] for p in LHS_PARAMETERS], "categorical": []}
    assert results.open(lhs["out"]).salib_problem() == problem
    # and every point lies inside those bounds
    points = results.open(lhs["out"]).points
    for name, (low, high) in zip(problem["names"], problem["bounds"], strict=True):
        for value in points[name]:
            assert low <= float(str(value).split()[0]) <= high, (name, value)


def test_salib_problem_of_a_grid_spans_its_values(tiny_serial: Path) -> None:
    assert results.open(tiny_serial).salib_problem() == {
        "num_vars": 1, "names": ["services.men_shelter.capacity"], "bounds": [[20.0, 40.0]], "categorical": []}


def test_salib_problem_lists_text_values_as_categorical() -> None:
    spec = SweepSpec.model_validate({"name": "t", "base": "b.yaml", "replications": 1, "parameters": [
        {"path": "services.clsc.discipline", "values": ["fifo", "priority"]},
        {"path": "handoffs.unilateral.latency.median", "range": {"start": 1, "stop": 3, "num": 3}, "unit": "days"}]})
    problem = Sweep(spec, None, load_config(SMALL_TOWN, SHORT), []).salib_problem()
    assert problem == {"num_vars": 1, "names": ["handoffs.unilateral.latency.median"], "bounds": [[1.0, 3.0]],
                       "categorical": ["services.clsc.discipline"]}


# --- simulator run --out ----------------------------------------------------------------------------------


RUN_ARGS = ["run", str(SMALL_TOWN), "--horizon", SHORT["horizon"], "--warmup", SHORT["warmup"], "-n", "2",
            "--seed", "9", "--regime", "organic", "-w", "1", "-q"]


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("run")
    out = base / "run"
    first = run_cli(*RUN_ARGS, "--out", out)
    again = run_cli(*RUN_ARGS, "--out", out)
    resumed = run_cli(*RUN_ARGS, "--out", out, "--resume")
    summarize = run_cli("summarize", out, "--csv", base / "summary.csv", "--paired-csv", base / "paired.csv")
    return {"out": out, "base": base, "first": first, "again": again, "resumed": resumed, "summarize": summarize}


def test_run_out_writes_the_sweep_layout(run_out) -> None:
    result, out = run_out["first"], run_out["out"]
    assert result.returncode == 0, result.describe()
    for name in ("manifest.json", "spec.json", "points.parquet", "sweep.log", "scenarios/point=00000.json"):
        assert (out / name).is_file(), name
    for table in TABLES:
        files = sorted(p.relative_to(out / "tables" / table).as_posix()
                       for p in (out / "tables" / table).rglob("*.parquet"))
        assert files == ["point=00000/regime=organic/r00000-00000.parquet",
                         "point=00000/regime=organic/r00001-00001.parquet"], (table, files)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["points"] == 1
    assert manifest["parameters"] == []
    assert manifest["regimes"] == ["organic"]
    assert manifest["replications"] == 2
    assert manifest["seed"] == 9
    assert manifest["command"][:2] == ["simulator", "run"]


def test_run_out_is_read_by_results_open_and_equals_run_batch(run_out) -> None:
    res = results.open(run_out["out"])
    batch = run_batch(load_config(SMALL_TOWN, SHORT), 2, seed=9, regimes=["organic"], workers=1)
    for name in TABLES:
        frame = res.table(name)
        assert set(frame["point"]) == {0}
        pdt.assert_frame_equal(frame.drop(columns=["point"]), getattr(batch, name), obj=name)


def test_summarize_reads_a_run_folder(run_out) -> None:
    result = run_out["summarize"]
    assert result.returncode == 0, result.describe()
    assert "point 0: base" in result.stdout
    assert (run_out["base"] / "summary.csv").stat().st_size > 0


def test_summarize_paired_csv_with_one_regime_is_not_silently_dropped(run_out) -> None:
    result = run_out["summarize"]
    if result.returncode == 0:
        assert (run_out["base"] / "paired.csv").exists(), result.describe()
    else:
        assert_user_error(result)


def test_run_out_again_is_refused_then_resume_completes_nothing(run_out) -> None:
    result, out = run_out["again"], run_out["out"]
    assert_user_error(result)
    assert str(out) in result.stderr, result.describe()
    assert "--resume" in result.stderr, result.describe()
    resumed = run_out["resumed"]
    assert resumed.returncode == 0, resumed.describe()
    log = (out / "sweep.log").read_text(encoding="utf-8")
    assert "start: 0 of 2 tasks to run" in log, log
