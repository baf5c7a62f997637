"""``simulator run --engine fast``: the same summary as the SimPy engine on a network of clinics; and a clear
refusal, naming every field, of a scenario the compiled engine does not cover, by ``run``, ``sweep`` (every
point checked before anything runs) and ``calibrate``, before anything is written.

The compiled engine covers everything a scenario file can say (it refuses only what the schema itself refuses),
so the refusals are checked with a stand-in: the commands run in a process whose
:func:`simulator.fast.support.unsupported` also refuses the event log (:func:`run_refusing`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from simulator import calibration as cal
from simulator.config import load_config, with_regime
from simulator.fast import unsupported
from tests.cli import ROOT, Result, assert_clean_user_error, assert_ok, cli_env, run_cli

MMC = "configs/textbook/mmc.yaml"
SMALL_TOWN = ROOT / "configs" / "small_town.yaml"
#: the stand-in refusal: the event log, as a feature the compiled engine would not cover
LOGGED_FIELDS = ["outputs.event_log: refused by this test's stand-in"]
REFUSING = f"""
import sys
import simulator.fast.support as support
covered = support.unsupported
support.unsupported = lambda scenario: covered(scenario) + ({LOGGED_FIELDS!r} if scenario.outputs.event_log else [])
from simulator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_refusing(*args: str | Path, timeout: float = 120) -> Result:
    """``python -m simulator ARGS`` in a process whose compiled engine refuses the event log."""
    done = subprocess.run([sys.executable, "-c", REFUSING, *map(str, args)], cwd=ROOT, env=cli_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)
    return Result([str(a) for a in args], done.returncode, done.stdout, done.stderr)


def logged_town(folder: Path) -> Path:
    """The small town, keeping the event log (which the stand-in refuses)."""
    path = folder / "logged_town.yaml"
    path.write_text(yaml.safe_dump({"extends": str(SMALL_TOWN), "outputs": {"event_log": True}}), encoding="utf-8")
    return path


def test_the_small_town_runs_whole_with_its_event_log(tmp_path: Path) -> None:
    town = load_config(SMALL_TOWN)
    for regime in town.all_regimes():
        assert unsupported(with_regime(town, regime)) == []
    assert unsupported(load_config(logged_town(tmp_path))) == []


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
    result = run_refusing("run", town, "--engine", "fast", "-n", "1", "-q")
    assert_clean_user_error(result)
    for field in LOGGED_FIELDS:
        assert field in result.stderr, result.describe()
    out = tmp_path / "never"
    refused = run_refusing("run", town, "--engine", "fast", "-n", "1", "-q", "--out", out)
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
    refused = run_refusing("sweep", spec, "--engine", "fast", "--out", out, "-q")
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
    refused = run_refusing("sweep", jackson, "--out", out, "-q")
    assert_clean_user_error(refused)
    assert f"{jackson}: scenario 'jackson' cannot run on the fast engine" in refused.stderr
    assert f"{LOGGED_FIELDS[0]} (point 1)" in refused.stderr
    assert not out.exists()


def test_calibrate_with_the_fast_engine_refuses_what_it_does_not_cover(tmp_path: Path) -> None:
    shipped = ROOT / "configs" / "calibration" / "montreal_centre.yaml"
    assert cal.engine_problems(cal.load_calibration(shipped), "fast") == []  # its retention trial included
    spec = _spec(tmp_path, "town_calibration", name="town", base=str(logged_town(tmp_path)), regime="unilateral",
                 engine="fast", replications=1,
                 targets=[{"name": "count", "metric": "count_total", "value": 100, "tolerance": 10}],
                 parameters=[{"path": "population.inflow.rate", "bounds": [1, 10]}])
    assert cal.engine_problems(cal.load_calibration(spec)) == []
    out = tmp_path / "fit"
    for extra in ((), ("--check",)):
        refused = run_refusing("calibrate", spec, "--out", out, "-q", *extra)
        assert_clean_user_error(refused)
        assert f"{spec}: scenario 'town' cannot run on the fast engine" in refused.stderr
        for field in LOGGED_FIELDS:
            assert field in refused.stderr, refused.describe()
        assert not out.exists()
