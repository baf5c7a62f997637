"""Results folders survive a hard kill, refuse what would mix results, and say what is missing or damaged.

A task's files are written under temporary names and renamed, the metrics file last; ``--resume`` reruns the
tasks without a metrics file. So a sweep killed with SIGKILL at any moment and then resumed must give exactly the
tables of an uninterrupted run, with each task once, and half-written temporary files must never be read.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from simulator import results
from simulator.batch import load_sweep, run_sweep
from simulator.io.store import ResultsError
from tests.sweeps._helpers import (
    ROOT,
    assert_same_tables,
    assert_user_error,
    cli_env,
    command,
    run_cli,
    tiny_spec,
    write_spec,
)

#: 2 points x 2 regimes x 4 replications, one replication per task: 16 tasks of about 0.15 s each
KILL_SPEC = tiny_spec(name="killed", replications=4, replications_per_task=1, seed=21)
TASKS = 16


def metrics_files(root: Path) -> list[Path]:
    """The task files a reader takes as data (temporary files start with a dot and end in .tmp)."""
    return sorted(p for p in (root / "tables" / "metrics").rglob("*.parquet") if not p.name.startswith("."))


def task_key(root: Path, path: Path) -> str:
    return path.relative_to(root / "tables" / "metrics").with_suffix("").as_posix()


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A sweep killed with SIGKILL part-way (serial, one worker), and an uninterrupted run of the same spec."""
    base = tmp_path_factory.mktemp("killed")
    spec = write_spec(base / "killed.yaml", KILL_SPEC)
    out = base / "out"
    process = subprocess.Popen(command("sweep", spec, "--out", out, "-w", "1", "-q", "--executor", "serial"),
                               cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (out / "tables" / "metrics").exists() and len(metrics_files(out)) >= 3:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
        _, stderr = process.communicate()
    done_at_kill = len(metrics_files(out))
    reference = run_sweep(load_sweep(spec), base / "uninterrupted", executor="serial")
    return {"spec": spec, "out": out, "done_at_kill": done_at_kill, "returncode": process.returncode,
            "reference": reference, "stderr": stderr.decode()}


def test_kill_left_a_partial_folder(killed) -> None:
    assert killed["returncode"] == -signal.SIGKILL, killed["stderr"]
    assert 0 < killed["done_at_kill"] < TASKS, "the sweep was not killed part-way; make its tasks longer"
    assert (killed["out"] / "manifest.json").exists()
    with pytest.raises(ResultsError, match=r"incomplete, \d+ of 16 tasks have no metrics.*--resume"):
        results.open(killed["out"])


@pytest.fixture(scope="module")
def resumed(killed) -> dict[str, object]:
    """The killed folder, refused without --resume, then completed with --resume; with decoy temporary files."""
    out: Path = killed["out"]
    # decoys: valid Parquet files under the names the atomic writer uses for half-written files; if a reader
    # took them as data, the tables would have duplicated rows
    for table in ("metrics", "nights", "census"):
        first = sorted((out / "tables" / table).rglob("*.parquet"))[0]
        shutil.copy(first, first.with_name(f".{first.name}.decoy1234.tmp"))
    refused = run_cli("sweep", killed["spec"], "--out", out, "-w", "1", "-q", "--executor", "serial")
    completed = run_cli("sweep", killed["spec"], "--out", out, "-w", "1", "-q", "--executor", "serial", "--resume")
    return {"refused": refused, "completed": completed}


def test_partial_folder_without_resume_is_refused(killed, resumed) -> None:
    result = resumed["refused"]
    assert_user_error(result)
    assert f"already holds {killed['done_at_kill']} of {TASKS} tasks" in result.stderr, result.describe()
    assert "--resume" in result.stderr, result.describe()


def test_resume_after_sigkill_gives_the_uninterrupted_tables(killed, resumed) -> None:
    result = resumed["completed"]
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.output
    out: Path = killed["out"]
    assert_same_tables(killed["reference"], out)
    log = (out / "sweep.log").read_text(encoding="utf-8").splitlines()
    starts = [line for line in log if " start: " in line]
    # the resumed run ran only what was missing
    assert starts[-1].endswith(f"start: {TASKS - killed['done_at_kill']} of {TASKS} tasks to run, executor serial, "
                               "workers 1"), log
    assert log[-1].endswith(" finished"), log


def test_each_task_is_written_exactly_once(killed, resumed) -> None:
    out: Path = killed["out"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    keys = [task_key(out, path) for path in metrics_files(out)]
    assert sorted(keys) == sorted(manifest["tasks"])
    assert len(manifest["tasks"]) == TASKS
    metrics = results.open(out).metrics
    assert not metrics.duplicated(["point", "regime", "replication", "metric", "dimension"]).any()
    runs = metrics[["point", "regime", "replication"]].drop_duplicates()
    assert len(runs) == 2 * 2 * 4


def test_finished_folder_without_resume_is_refused(killed, resumed) -> None:
    out: Path = killed["out"]
    before = {p: p.stat().st_mtime_ns for p in metrics_files(out)}
    result = run_cli("sweep", killed["spec"], "--out", out, "-w", "1", "-q", "--executor", "serial")
    assert_user_error(result)
    assert str(out) in result.stderr, result.describe()
    assert f"{TASKS} of {TASKS} tasks" in result.stderr, result.describe()
    assert {p: p.stat().st_mtime_ns for p in metrics_files(out)} == before  # nothing was rewritten


def test_another_spec_into_the_folder_is_refused(killed, resumed, tmp_path: Path) -> None:
    out: Path = killed["out"]
    other = write_spec(tmp_path / "other.yaml", {**KILL_SPEC, "seed": 22})
    for extra in ([], ["--resume"]):
        result = run_cli("sweep", other, "--out", out, "-w", "1", "-q", "--executor", "serial", *extra)
        assert_user_error(result)
        assert str(out) in result.stderr, result.describe()
        assert "another spec" in result.stderr, result.describe()
    assert_same_tables(killed["reference"], out)


# --- damaged folders ------------------------------------------------------------------------------------------


@pytest.fixture
def damaged(tiny_serial: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "damaged"
    shutil.copytree(tiny_serial, copy)
    return copy


def test_summarize_names_a_deleted_task_file(damaged: Path) -> None:
    victim = sorted((damaged / "tables" / "metrics").rglob("*.parquet"))[3]
    key = task_key(damaged, victim)
    victim.unlink()
    result = run_cli("summarize", damaged)
    assert_user_error(result)
    for text in (key, "incomplete", "--resume"):
        assert text in result.stderr, result.describe()
    with pytest.raises(ResultsError, match="incomplete"):
        results.open(damaged)


def test_summarize_names_a_truncated_parquet_file(damaged: Path) -> None:
    victim = sorted((damaged / "tables" / "metrics").rglob("*.parquet"))[5]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    result = run_cli("summarize", damaged)
    assert_user_error(result)
    assert str(victim) in result.stderr, result.describe()
    assert "cannot be read" in result.stderr, result.describe()


def test_reading_a_truncated_census_file_names_it(damaged: Path) -> None:
    victim = sorted((damaged / "tables" / "census").rglob("*.parquet"))[1]
    victim.write_bytes(victim.read_bytes()[:100])
    opened = results.open(damaged)
    assert len(opened.metrics)
    with pytest.raises(ResultsError, match=rf"{victim.name}.*cannot be read"):
        _ = opened.census


def test_reading_a_table_with_a_deleted_task_file_names_it(damaged: Path) -> None:
    folder = damaged / "tables" / "nights"
    victim = sorted(folder.rglob("*.parquet"))[2]
    key = victim.relative_to(folder).with_suffix("").as_posix()
    victim.unlink()
    with pytest.raises(ResultsError, match=re.escape(key)):
        results.open(damaged).table("nights")  # what happens instead: fewer nights, no error
