"""Results folders on the compiled engine: ``simulator run --engine fast --out``, ``simulator sweep --engine
fast`` (or ``engine: fast`` in the spec) and ``simulator calibrate --engine fast`` write what the SimPy engine
writes, the manifest names the engine, a folder never mixes engines, and the tables are the same whatever the
executor.

The two engines write the same records (``tests/fast/test_conformance.py``), some in another order, so a
metric summed over records may differ in its last bits: tables of the two engines are compared as rows with
a relative tolerance of 1e-12; tables of one engine run twice are compared byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator import results
from simulator.batch import load_sweep, run_sweep
from simulator.io.store import ResultsError
from tests.cli import ROOT, assert_clean_user_error, assert_ok, run_cli

JACKSON = ROOT / "configs" / "textbook" / "jackson.yaml"
MMC = ROOT / "configs" / "textbook" / "mmc.yaml"
SHORT = ("--horizon", "10 days", "--warmup", "1 day")
#: fields of a manifest that differ between two runs of the same command on the two engines
PER_RUN = {"engine", "spec_hash", "created", "command"}


def sweep_spec(folder: Path, name: str = "jackson_fast", **changes: Any) -> Path:
    """A grid over the doctors of the Jackson network, unilateral vs bilateral: 2 points x 2 regimes x 3
    replications, 2 per task (8 tasks), 10 days observed."""
    spec: dict[str, Any] = {
        "name": name,
        "base": str(JACKSON),
        "overrides": {"horizon": "10 days", "warmup": "1 day"},
        "regimes": ["unilateral", "bilateral"],
        "replications": 3,
        "replications_per_task": 2,
        "seed": 5,
        "parameters": [{"path": "services.doctor.staff", "values": [3, 4]}],
    }
    spec.update(changes)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def table_files(root: Path) -> dict[str, bytes]:
    """Every table and checksum record of a folder, by path within it."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for folder in ("tables", "checksums") for p in sorted((root / folder).rglob("*")) if p.is_file()}


def assert_same_files(left: Path, right: Path) -> None:
    """Two folders of the same engine hold the same tables, byte for byte (and the same records of them)."""
    a, b = table_files(left), table_files(right)
    assert sorted(a) == sorted(b)
    for path, data in a.items():
        assert data == b[path], path


def rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a set of rows: sorted on every column, fresh index."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), kind="stable", na_position="last").reset_index(drop=True)


def assert_same_tables(left: Path, right: Path) -> None:
    """Two folders (of either engine) hold the same tables: the same files, the same rows, values equal to a
    relative 1e-12."""
    a, b = results.open(left), results.open(right)
    assert a.table_names == b.table_names
    assert sorted(table_files(left)) == sorted(table_files(right))
    for name in a.table_names:
        pd.testing.assert_frame_equal(rows(a.table(name)), rows(b.table(name)), check_exact=False, rtol=1e-12,
                                      obj=name)
    assert len(a.metrics) > 0


def manifest(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return data


# ----------------------------------------------------------------------------------------------------- run

@pytest.fixture(scope="module")
def run_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``simulator run --out`` of the Jackson network, two regimes, on each engine."""
    root = tmp_path_factory.mktemp("run")
    args = ("run", JACKSON, "-n", "2", *SHORT, "--regime", "unilateral", "--regime", "bilateral", "-q", "-w", "1")
    out = {engine: root / engine for engine in ("fast", "simpy")}
    for engine, folder in out.items():
        assert_ok(run_cli(*args, "--engine", engine, "--out", folder, timeout=300))
    return out


def test_run_out_writes_the_simpy_engines_folder_but_the_engine(run_folders: dict[str, Path]) -> None:
    fast, simpy = run_folders["fast"], run_folders["simpy"]
    files = sorted(p.relative_to(fast).as_posix() for p in fast.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(simpy).as_posix() for p in simpy.rglob("*") if p.is_file())
    assert_same_tables(fast, simpy)
    for name in ("points.parquet", "scenarios/point=00000.json"):
        assert (fast / name).read_bytes() == (simpy / name).read_bytes(), name
    a, b = manifest(fast), manifest(simpy)
    assert (a["engine"], b["engine"]) == ("fast", "simpy")
    assert {k: v for k, v in a.items() if k not in PER_RUN} == {k: v for k, v in b.items() if k not in PER_RUN}
    spec = json.loads((fast / "spec.json").read_text(encoding="utf-8"))
    assert spec.pop("engine") == "fast"
    assert spec == {k: v for k, v in json.loads((simpy / "spec.json").read_text()).items() if k != "engine"}
    assert results.open(fast).engine == "fast"
    assert results.open(simpy).engine == "simpy"


def test_summarize_and_report_read_a_fast_folder(run_folders: dict[str, Path], tmp_path: Path) -> None:
    summaries = [run_cli("summarize", run_folders[engine]) for engine in ("fast", "simpy")]
    for done in summaries:
        assert_ok(done)
    assert [line for line in summaries[0].stdout.splitlines() if line.startswith("│")] == \
        [line for line in summaries[1].stdout.splitlines() if line.startswith("│")]
    report = run_cli("report", run_folders["fast"], "-o", tmp_path / "report", "--no-pdf")
    assert_ok(report)
    assert (tmp_path / "report" / "report.html").stat().st_size > 0


def test_a_folder_without_the_engine_field_is_the_simpy_engines(run_folders: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(run_folders["simpy"], old)
    data = manifest(old)
    del data["engine"]
    (old / "manifest.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert results.open(old).engine == "simpy"
    args = ("run", JACKSON, "-n", "2", *SHORT, "--regime", "unilateral", "--regime", "bilateral", "-q", "-w", "1",
            "--out", old, "--resume")
    assert_ok(run_cli(*args))  # the SimPy engine's spec hash is the one it had before the field: it resumes
    refused = run_cli(*args, "--engine", "fast")
    assert_clean_user_error(refused)
    assert f"{old / 'manifest.json'}: this folder holds results of the simpy engine" in refused.stderr
    assert "rerun with --engine simpy" in refused.stderr


def test_run_resume_refuses_the_other_engines_folder(run_folders: dict[str, Path]) -> None:
    before = table_files(run_folders["fast"])
    for engine, other in (("simpy", "fast"), ("fast", "simpy")):
        refused = run_cli("run", JACKSON, "-n", "2", *SHORT, "--regime", "unilateral", "--regime", "bilateral",
                          "-q", "-w", "1", "--engine", engine, "--out", run_folders[other], "--resume")
        assert_clean_user_error(refused)
        assert f"{run_folders[other] / 'manifest.json'}: this folder holds results of the {other} engine and " \
               f"this command runs the {engine} engine" in refused.stderr
    assert table_files(run_folders["fast"]) == before


def test_run_out_with_precision_on_the_fast_engine(tmp_path: Path) -> None:
    args = ("run", JACKSON, "-n", "3", *SHORT, "-q", "-w", "1", "--precision", "wait_mean_days:doctor=40%",
            "--max-replications", "20")
    out = {engine: tmp_path / engine for engine in ("fast", "simpy")}
    reached = []
    for engine, folder in out.items():
        done = run_cli(*args, "--engine", engine, "--out", folder, timeout=300)
        assert_ok(done)
        reached += [line for line in done.stdout.splitlines() if line.startswith("precision ")]
    in_memory = run_cli(*args, "--engine", "fast")  # without --out: the same replications
    assert_ok(in_memory)
    reached += [line for line in in_memory.stdout.splitlines() if line.startswith("precision ")]
    assert len(reached) == 3
    assert reached[0].startswith("precision reached with ")
    assert len(set(reached)) == 1, reached
    fast, simpy = manifest(out["fast"]), manifest(out["simpy"])
    assert fast["engine"] == "fast"
    assert fast["precision"] == simpy["precision"]
    assert fast["replications"] == simpy["replications"] > 3  # the target asked for more than the first batch
    assert_same_tables(out["fast"], out["simpy"])


# --------------------------------------------------------------------------------------------------- sweep

@pytest.fixture(scope="module")
def sweep_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Jackson sweep run by the command line on the compiled engine, with two worker processes, and in this
    process serially (the reference)."""
    root = tmp_path_factory.mktemp("sweep")
    spec = sweep_spec(root)
    cli = root / "cli"
    done = run_cli("sweep", spec, "--engine", "fast", "--out", cli, "-w", "2", "-q", timeout=300)
    assert_ok(done)
    assert "fast engine" in done.stdout
    serial = run_sweep(load_sweep(spec), root / "serial", executor="serial", engine="fast")
    return {"spec": spec, "cli": cli, "serial": serial, "root": root}


def test_sweep_on_the_fast_engine_end_to_end(sweep_folders: dict[str, Path]) -> None:
    cli = sweep_folders["cli"]
    opened = results.open(cli)
    opened.verify()
    assert opened.engine == "fast"
    assert len(opened.manifest["tasks"]) == 8
    assert set(opened.metrics["point"]) == {0, 1}
    assert set(opened.metrics["regime"]) == {"unilateral", "bilateral"}
    assert sorted(set(opened.metrics["replication"])) == [0, 1, 2]
    assert_same_files(cli, sweep_folders["serial"])
    # the same spec on the SimPy engine: the same tables
    simpy = run_sweep(load_sweep(sweep_folders["spec"]), sweep_folders["root"] / "simpy", executor="serial")
    assert manifest(simpy)["engine"] == "simpy"
    assert_same_tables(cli, simpy)


@pytest.mark.parametrize(("executor", "workers"), [("processes", 1), ("processes", 2), ("dask", 2)])
def test_sweep_tables_do_not_depend_on_the_executor(sweep_folders: dict[str, Path], tmp_path: Path,
                                                    executor: str, workers: int) -> None:
    out = run_sweep(load_sweep(sweep_folders["spec"]), tmp_path / "out", executor=executor, workers=workers,
                    engine="fast")
    assert_same_files(out, sweep_folders["serial"])


def test_interrupted_fast_sweep_resumes_to_the_same_tables(sweep_folders: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 4:  # the first call comes before any task: 3 tasks written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_sweep(sweep_folders["spec"]), out, executor="serial", engine="fast", progress=interrupt)
    assert len(list((out / "tables" / "metrics").rglob("*.parquet"))) == 3
    with pytest.raises(ResultsError, match="incomplete"):
        results.open(out)
    assert "interrupted" in (out / "sweep.log").read_text()
    # the command line refuses the folder without --resume, and completes it with it
    again = ("sweep", sweep_folders["spec"], "--engine", "fast", "--out", out, "-w", "2", "-q")
    assert_clean_user_error(run_cli(*again))
    assert_ok(run_cli(*again, "--resume", timeout=300))
    assert_same_files(out, sweep_folders["serial"])


def test_sweep_resume_refuses_the_other_engines_folder(sweep_folders: dict[str, Path], tmp_path: Path) -> None:
    cli = sweep_folders["cli"]
    before = table_files(cli)
    refused = run_cli("sweep", sweep_folders["spec"], "--out", cli, "--resume", "-w", "1", "-q")
    assert_clean_user_error(refused)
    assert f"{cli / 'manifest.json'}: this folder holds results of the fast engine and this command runs the " \
           "simpy engine; a folder never mixes engines: rerun with --engine fast" in refused.stderr
    assert table_files(cli) == before
    # a folder of the SimPy engine, partly done, is not completed by the compiled engine either
    partial = tmp_path / "partial"

    def stop(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_sweep(sweep_folders["spec"]), partial, executor="serial", progress=stop)
    with pytest.raises(ResultsError, match="holds results of the simpy engine"):
        run_sweep(load_sweep(sweep_folders["spec"]), partial, executor="serial", resume=True, engine="fast")
    refused = run_cli("sweep", sweep_folders["spec"], "--out", partial, "--resume", "--engine", "fast", "-q")
    assert_clean_user_error(refused)
    assert "rerun with --engine simpy" in refused.stderr


def test_engine_in_the_spec_and_the_option_that_overrides_it(tmp_path: Path) -> None:
    spec = sweep_spec(tmp_path, name="spec_fast", engine="fast", replications=1, replications_per_task=1)
    done = run_cli("sweep", spec, "--out", tmp_path / "by_spec", "-w", "1", "-q")
    assert_ok(done)
    assert "warning" not in done.stderr
    assert manifest(tmp_path / "by_spec")["engine"] == "fast"
    overridden = run_cli("sweep", spec, "--engine", "simpy", "--out", tmp_path / "by_option", "-w", "1", "-q")
    assert_ok(overridden)
    line = next(i for i, text in enumerate(spec.read_text().splitlines(), 1) if text.startswith("engine:"))
    assert f"warning: {spec}:{line}:1: engine: the spec asks for the fast engine; --engine simpy overrides it" \
        in overridden.stderr, overridden.describe()
    assert manifest(tmp_path / "by_option")["engine"] == "simpy"
    assert json.loads((tmp_path / "by_option" / "spec.json").read_text())["engine"] == "simpy"
    assert_same_tables(tmp_path / "by_spec", tmp_path / "by_option")
    # the same option as the spec: no warning
    same = run_cli("sweep", spec, "--engine", "fast", "--out", tmp_path / "same", "-w", "1", "-q")
    assert_ok(same)
    assert "warning" not in same.stderr
    # an engine that does not exist is a problem of the spec, at its line
    bad = sweep_spec(tmp_path, name="spec_bad", engine="turbo")
    refused = run_cli("sweep", bad, "--out", tmp_path / "bad", "-q")
    assert_clean_user_error(refused)
    problems = refused.problems()
    assert problems, refused.describe()
    assert problems[0]["field"] == "engine", refused.describe()
    assert not (tmp_path / "bad").exists()


#: a shelter of a few beds whose workers refer the need to a desk and on to a doctor (the scripted scenario of
#: tests/fast/test_shelters.py): the nights and census tables have rows
SHELTERED = """\
name: sheltered
horizon: 12 days
warmup: 2 days
start_date: "2022-06-01"
seed: 42
regime: unilateral
population:
  needs: {base: {primary_care: 1.0}}
  inflow: {rate: 2 per day}
  exits: {exit_when_needs_met: false, self_resolution_mean: {transitional: 8 days}}
  shelter_use:
    transitional: {stay: 2 days, gap: 1 day, gap_other_share: 0.3}
services:
  beds: {kind: shelter, capacity: 2, staff: 1}
  desk: {kind: clinic, staff: 1, discipline: fifo, service_time: 15 min, treats: {primary_care: 0.0}}
  doctor: {kind: clinic, staff: 2, discipline: fifo, service_time: 50 min, treats: {primary_care: 1.0}}
entry: []
referrals:
  - {from: beds, to: desk, needs: [primary_care], probability: 0.6}
  - {from: desk, to: doctor, needs: [primary_care], probability: 1.0}
"""


def test_a_shelter_sweep_writes_the_same_nights_and_census_on_both_engines(tmp_path: Path) -> None:
    base = tmp_path / "sheltered.yaml"
    base.write_text(SHELTERED, encoding="utf-8")
    spec = sweep_spec(tmp_path, name="beds", base=str(base), overrides={}, replications=2,
                      parameters=[{"path": "services.beds.capacity", "values": [2, 4]}])
    fast = run_sweep(load_sweep(spec), tmp_path / "fast", executor="processes", workers=2, engine="fast")
    simpy = run_sweep(load_sweep(spec), tmp_path / "simpy", executor="serial")
    opened = results.open(fast)
    assert len(opened.nights) > 0
    assert len(opened.census) > 0
    assert_same_tables(fast, simpy)


def test_sweep_with_precision_on_the_fast_engine(tmp_path: Path) -> None:
    spec = sweep_spec(tmp_path, name="precise", replications=2, replications_per_task=2,
                      precision={"targets": ["wait_mean_days:doctor=25%"], "max_replications": 6})
    fast = run_sweep(load_sweep(spec), tmp_path / "fast", executor="serial", engine="fast")
    simpy = run_sweep(load_sweep(spec), tmp_path / "simpy", executor="serial")
    assert manifest(fast)["precision"] == manifest(simpy)["precision"]
    assert manifest(fast)["replications"] > 2
    assert_same_tables(fast, simpy)


# ----------------------------------------------------------------------------------------------- calibrate

def calibration_spec(folder: Path, **changes: Any) -> Path:
    """The M/M/3 clinic's mean service time fitted to a mean wait, 10 days observed, 2 replications."""
    spec: dict[str, Any] = {
        "name": "mmc_service",
        "base": str(MMC),
        "overrides": {"horizon": "10 days", "warmup": "1 day"},
        "regime": "unilateral",
        "replications": 2,
        "seed": 4,
        "method": {"search": "least_squares", "budget": 4, "step": 0.1},
        "check": {"replications": 3},
        "targets": [{"name": "clinic_wait", "metric": "wait_mean_days", "dimension": "clinic", "value": 0.03,
                     "tolerance": 0.01}],
        "parameters": [{"path": "services.clinic.service_time.mean", "bounds": [40, 80], "unit": "min"}],
    }
    spec.update(changes)
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_calibrate_on_the_fast_engine(tmp_path: Path) -> None:
    spec = calibration_spec(tmp_path)
    for engine in ("fast", "simpy"):
        done = run_cli("calibrate", spec, "--engine", engine, "-w", "1", "-q", "--out", tmp_path / engine,
                       timeout=300)
        assert_ok(done)
        assert f"{engine} engine" in done.stdout
    fast = json.loads((tmp_path / "fast" / "calibration.json").read_text())
    simpy = json.loads((tmp_path / "simpy" / "calibration.json").read_text())
    assert (fast["engine"], simpy["engine"]) == ("fast", "simpy")
    assert fast["evaluations"] == simpy["evaluations"] == 4
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "fast" / "history.csv"),
                                  pd.read_csv(tmp_path / "simpy" / "history.csv"), check_exact=False, rtol=1e-12)
    # engine: fast in the spec, and its check
    spec = calibration_spec(tmp_path, engine="fast")
    checked = run_cli("calibrate", spec, "--check", "-w", "1")
    assert checked.returncode in (0, 1), checked.describe()
    assert "Traceback" not in checked.output
    assert "fast engine" in checked.stdout
    assert "clinic_wait" in checked.stdout
