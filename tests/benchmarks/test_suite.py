"""The benchmark suite's own checks (``benchmarks/checks.py``) on tiny inputs: each accepts a right output and
rejects a deliberately wrong one, so that a fast but wrong engine cannot score; and the runner's exit status
depends on the checks, never on speed."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

import benchmarks.__main__ as suite
from benchmarks import _child, mmc_vs_simpy
from benchmarks.checks import (
    CheckFailed,
    QueueSample,
    check_arrivals,
    check_mmc,
    check_records,
    check_scenario_run,
    erlang_c_wait,
    expected_arrivals,
    loglog_exponent,
)
from benchmarks.common import in_subprocess, record
from simulator import load_config
from simulator.engine.simulation import simulate_records

LAM, MU, C, WARMUP = mmc_vs_simpy.parameters()


def test_erlang_c_matches_the_config_comment() -> None:
    # configs/textbook/mmc.yaml: Wq = 1.0787 hours for lambda 2.4, mu 1 per hour, c = 3
    assert erlang_c_wait(2.4, 1.0, 3) == pytest.approx(1.0787, abs=1e-4)
    assert erlang_c_wait(LAM, MU, C) == pytest.approx(1.0787 / 24, abs=1e-5)
    assert math.isfinite(erlang_c_wait(LAM * 400, MU, C * 400))  # scaled runs: no overflow


@pytest.fixture(scope="module")
def plain_samples() -> list[QueueSample]:
    return [mmc_vs_simpy.plain_simpy(LAM, MU, C, 400.0, WARMUP, seed) for seed in range(2)]


def test_mmc_check_accepts_plain_simpy(plain_samples: list[QueueSample]) -> None:
    found = check_mmc("plain", plain_samples, LAM, MU, C)
    assert found["wait"] == pytest.approx(found["theory"], rel=0.2)


def test_mmc_check_accepts_the_engine() -> None:
    scenario = load_config(mmc_vs_simpy.CONFIG, {"horizon": "400 days"})
    sample = mmc_vs_simpy.sample_from_engine(mmc_vs_simpy.ours_engine(scenario, 0))
    check_mmc("engine", [sample], LAM, MU, C, max_rel_se=0.2)
    with pytest.raises(CheckFailed, match="Erlang C"):
        check_mmc("engine", [dataclasses.replace(sample, waits=[w * 1.5 for w in sample.waits])], LAM, MU, C,
                  max_rel_se=0.2)


@pytest.mark.parametrize(("wrong", "message"), [
    (lambda s: dataclasses.replace(s, waits=[w * 1.4 for w in s.waits]), "Erlang C"),
    (lambda s: dataclasses.replace(s, waits=[w * 0.6 for w in s.waits]), "Erlang C"),
    (lambda s: dataclasses.replace(s, services=[x * 1.1 for x in s.services]), "service time"),
    (lambda s: dataclasses.replace(s, arrivals=s.arrivals // 2), "arrivals"),
    (lambda s: dataclasses.replace(s, arrival_times=[], waits=[], services=[]), "served"),
])
def test_mmc_check_rejects_a_wrong_output(plain_samples: list[QueueSample], wrong, message: str) -> None:
    with pytest.raises(CheckFailed, match=message):
        check_mmc("wrong", [wrong(s) for s in plain_samples], LAM, MU, C)


def test_mmc_check_refuses_runs_too_short_to_tell() -> None:
    short = [mmc_vs_simpy.plain_simpy(LAM, MU, C, 15.0, WARMUP, 0)]
    with pytest.raises(CheckFailed, match="too short"):
        check_mmc("short", short, LAM, MU, C)


def test_ciw_sample_is_checked_when_installed() -> None:
    if not mmc_vs_simpy.ciw_available():
        pytest.skip("ciw is not installed (optional extra 'bench')")
    result = mmc_vs_simpy.ciw_run(LAM, MU, C, 300.0, WARMUP, 3)
    sample = mmc_vs_simpy.sample_from_ciw(result, 300.0, WARMUP)
    check_mmc("ciw", [sample], LAM, MU, C, max_rel_se=0.2)
    with pytest.raises(CheckFailed):
        check_mmc("ciw", [dataclasses.replace(sample, waits=[w * 1.5 for w in sample.waits])], LAM, MU, C,
                  max_rel_se=0.2)


@pytest.fixture(scope="module")
def small_run():
    scenario = load_config(Path(__file__).resolve().parents[2] / "configs" / "small_town.yaml",
                           {"horizon": "40 days"})
    return scenario, simulate_records(scenario, scenario.seed, 0).tables


def test_scenario_check_accepts_a_real_run(small_run) -> None:
    scenario, tables = small_run
    found = check_scenario_run("small_town", scenario, tables)
    assert found["episodes"] > 0
    assert found["census_mean"] > 0


def _edited(tables, name: str, column: str, edit):
    out = {k: {c: list(v) for c, v in cols.items()} for k, cols in tables.items()}
    out[name][column] = edit(out[name][column])
    return out


@pytest.mark.parametrize(("name", "column", "edit", "message"), [
    ("episodes", "source", lambda v: [], "no client episodes"),
    ("episodes", "source", lambda v: ["stock" if s == "inflow" and i % 2 else s for i, s in enumerate(v)],
     "inflow"),
    ("census", "sheltered", lambda v: [x + 1 for x in v], "sheltered"),
    ("census", "outdoors", lambda v: [-1 for _ in v], "negative"),
    ("census", "other", lambda v: [x + 10**6 for x in v], "clients ever created"),
])
def test_scenario_check_rejects_a_wrong_output(small_run, name, column, edit, message) -> None:
    scenario, tables = small_run
    with pytest.raises(CheckFailed, match=message):
        check_scenario_run("wrong", scenario, _edited(tables, name, column, edit))


def test_scenario_check_rejects_missing_census_nights(small_run) -> None:
    scenario, tables = small_run
    short = {k: dict(v) for k, v in tables.items()}
    short["census"] = {c: list(v)[:10] for c, v in tables["census"].items()}
    with pytest.raises(CheckFailed, match="census nights"):
        check_scenario_run("wrong", scenario, short)


def test_expected_arrivals_follow_the_seasons(small_run) -> None:
    scenario, _ = small_run
    flat = scenario.model_copy(update={"population": scenario.population.model_copy(update={
        "inflow": scenario.population.inflow.model_copy(update={"seasonal": None})})})
    assert expected_arrivals(flat) == pytest.approx(scenario.population.inflow.rate * scenario.end_time)
    # small_town starts on 1 November: 0.80 for most of November, 1.20 in December
    assert expected_arrivals(scenario) != pytest.approx(expected_arrivals(flat))
    assert expected_arrivals(scenario, 2.0) == pytest.approx(2 * expected_arrivals(scenario))


def test_scaling_measurement_counts_its_arrivals() -> None:
    out = _child.measure({"kind": "mmc", "days": 20, "factor": 2})
    assert out["expected"] == pytest.approx(2 * LAM * (20 + WARMUP))
    check_arrivals("mmc x2", out["arrivals"], out["expected"])
    with pytest.raises(CheckFailed, match="arrivals"):
        check_arrivals("mmc x2 against x1", out["arrivals"], out["expected"] / 2)
    assert out["seconds"] > 0
    assert out["run_mb"] >= 0


def test_measurement_in_a_subprocess() -> None:
    out = in_subprocess({"kind": "scenario", "config": "small_town.yaml", "days": 10, "factor": 1})
    check_arrivals("small_town", out["arrivals"], out["expected"])
    assert out["peak_mb"] > out["run_mb"] >= 0


def test_loglog_exponent() -> None:
    assert loglog_exponent([1, 2, 4, 8], [3 * x**2 for x in (1, 2, 4, 8)]) == pytest.approx(2.0)
    assert loglog_exponent([1, 2, 4], [5, 5, 5]) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(CheckFailed):
        loglog_exponent([1, 2, 4], [0.0, 0.0, 0.0])


def test_records_are_checked() -> None:
    good = [record("b", "m", 1.0, "s"), record("b", "m", 2.0, "x/s", "plain-simpy", 0.5)]
    assert check_records([{**good[0], "extra": 1}, good[1]], "t") == good
    for bad in ({"benchmark": "b", "metric": "m", "value": 1.0},
                {**good[0], "value": float("nan")},
                {**good[0], "ratio": 2.0},
                {**good[1], "ratio": -1.0}):
        with pytest.raises(CheckFailed):
            check_records([bad], "t")


def _run_suite(monkeypatch, tmp_path: Path, runner) -> tuple[int, list[dict]]:
    monkeypatch.setattr(suite, "BENCHMARKS", [("fake", "a fake benchmark", runner)])
    path = tmp_path / "out.json"
    status = suite.main(["--quick", "--json", str(path)])
    return status, json.loads(path.read_text())


def test_suite_fails_on_a_wrong_output_never_on_speed(monkeypatch, tmp_path: Path, capsys) -> None:
    slow = [record("fake", "customers_per_s", 1.0, "customers/s", "plain-simpy", 1e-6)]
    status, records = _run_suite(monkeypatch, tmp_path, lambda quick: slow)
    assert status == 0
    assert records == slow
    assert "| fake | customers_per_s |" in capsys.readouterr().out

    def wrong(quick: bool):
        raise CheckFailed("mean wait 9 days is not within 4 standard errors of Erlang C")

    status, records = _run_suite(monkeypatch, tmp_path, wrong)
    assert status == 1
    assert records == []
    assert "OUTPUT CHECK FAILED" in capsys.readouterr().out

    def crash(quick: bool):
        raise ZeroDivisionError("boom")

    assert _run_suite(monkeypatch, tmp_path, crash)[0] == 1


def test_suite_skips_a_missing_sweep_benchmark(monkeypatch, tmp_path: Path, capsys) -> None:
    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(suite.importlib, "import_module", missing)
    monkeypatch.setattr(suite, "BENCHMARKS", [b for b in suite.BENCHMARKS if b[0] == "sweep"])
    assert suite.main(["--quick", "--json", str(tmp_path / "out.json")]) == 0
    assert "sweep_scaling.py is not there" in capsys.readouterr().out
