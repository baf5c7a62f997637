"""``simulator run --engine fast``: the same summary as the SimPy engine on a network of clinics; and a clear
refusal, naming every field, of a scenario the compiled engine does not cover, by ``run``, ``sweep`` (every
point checked before anything runs) and ``calibrate``, before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulator import calibration as cal
from simulator.config import load_config, with_regime
from simulator.fast import unsupported
from tests.cli import ROOT, assert_clean_user_error, assert_ok, run_cli

MMC = "configs/textbook/mmc.yaml"
SMALL_TOWN = ROOT / "configs" / "small_town.yaml"
#: what the compiled engine refuses in the small town once it keeps the event log (the town itself runs whole)
LOGGED_FIELDS = ["outputs.event_log: the event log is not in the fast engine yet"]


def logged_town(folder: Path) -> Path:
    """The small town, keeping the event log (which the compiled engine refuses)."""
    path = folder / "logged_town.yaml"
    path.write_text(yaml.safe_dump({"extends": str(SMALL_TOWN), "outputs": {"event_log": True}}), encoding="utf-8")
    return path


def test_the_small_town_runs_whole_and_is_refused_with_its_event_log(tmp_path: Path) -> None:
    town = load_config(SMALL_TOWN)
    for regime in town.all_regimes():
        assert unsupported(with_regime(town, regime)) == []
    assert unsupported(load_config(logged_town(tmp_path))) == LOGGED_FIELDS


def test_run_with_the_fast_engine_prints_the_simpy_engines_summary() -> None:
    args = ("run", MMC, "-n", "3", "--horizon", "20 days", "--warmup", "2 days", "-q", "-w", "1")
    fast = run_cli(*args, "--engine", "fast", timeout=300)
    simpy = run_cli(*args)
    assert_ok(fast)
    assert_ok(simpy)
    table = [line for line in fast.stdout.splitlines() if line.startswith("│")]
    assert table
    assert table == [line for line in simpy.stdout.splitlines() if line.startswith("│")]


def test_run_with_the_fast_engine_refuses_what_it_does_not_cover(tmp_path: Path) -> None:
    town = logged_town(tmp_path)
    result = run_cli("run", town, "--engine", "fast", "-n", "1", "-q")
    assert_clean_user_error(result)
    for field in LOGGED_FIELDS:
        assert field in result.stderr, result.describe()
    out = tmp_path / "never"
    refused = run_cli("run", town, "--engine", "fast", "-n", "1", "-q", "--out", out)
    assert_clean_user_error(refused)
    assert "--engine fast: scenario 'small_town' cannot run on the fast engine" in refused.stderr
    assert not out.exists()


def _spec(folder: Path, stem: str, **fields: Any) -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    return path


def test_sweep_with_the_fast_engine_refuses_what_it_does_not_cover(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "town", name="town", base=str(logged_town(tmp_path)), overrides={"horizon": "5 days"},
                 regimes=["organic", "unilateral"], replications=1,
                 parameters=[{"path": "services.men_shelter.capacity", "values": [20, 40]}])
    out = tmp_path / "town_out"
    refused = run_cli("sweep", spec, "--engine", "fast", "--out", out, "-q")
    assert_clean_user_error(refused)
    assert f"{spec} with --engine fast: scenario 'small_town' cannot run on the fast engine" in refused.stderr
    for field in LOGGED_FIELDS:
        assert field in refused.stderr, refused.describe()
    assert not out.exists()
    # every point is checked before anything runs: a design whose second point keeps the event log
    jackson = _spec(tmp_path, "logged", name="logged", base=str(ROOT / "configs" / "textbook" / "jackson.yaml"),
                    overrides={"horizon": "5 days", "warmup": "1 day", "outputs": {"event_log": False}},
                    replications=1, engine="fast",
                    parameters=[{"path": "outputs.event_log", "values": [False, True]}])
    out = tmp_path / "logged_out"
    refused = run_cli("sweep", jackson, "--out", out, "-q")
    assert_clean_user_error(refused)
    assert f"{jackson}: scenario 'jackson' cannot run on the fast engine" in refused.stderr
    assert "outputs.event_log: the event log is not in the fast engine yet (point 1)" in refused.stderr
    assert not out.exists()


def test_calibrate_with_the_fast_engine_refuses_what_it_does_not_cover(tmp_path: Path) -> None:
    shipped = ROOT / "configs" / "calibration" / "montreal_centre.yaml"
    fields = cal.engine_problems(cal.load_calibration(shipped), "fast")
    assert "retention: the retention trial needs a cohort, which is not in the fast engine yet" in fields
    for extra in ((), ("--check",)):
        refused = run_cli("calibrate", shipped, "--engine", "fast", "-q", *extra)
        assert_clean_user_error(refused)
        assert "configs/calibration/montreal_centre.yaml with --engine fast: scenario 'montreal_centre' cannot " \
            "run on the fast engine" in refused.stderr
        assert "services.clsc_first_line" not in refused.stderr  # a clinic: covered
        for field in fields:
            assert field in refused.stderr, refused.describe()
    spec = _spec(tmp_path, "town_calibration", name="town", base=str(logged_town(tmp_path)), regime="unilateral",
                 engine="fast", replications=1,
                 targets=[{"name": "count", "metric": "count_total", "value": 100, "tolerance": 10}],
                 parameters=[{"path": "population.inflow.rate", "bounds": [1, 10]}])
    fields = cal.engine_problems(cal.load_calibration(spec))
    assert fields == LOGGED_FIELDS
    out = tmp_path / "fit"
    refused = run_cli("calibrate", spec, "--out", out, "-q")
    assert_clean_user_error(refused)
    assert f"{spec}: scenario 'town' cannot run on the fast engine" in refused.stderr
    for field in fields:
        assert field in refused.stderr, refused.describe()
    assert not out.exists()
