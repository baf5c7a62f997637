"""A damaged results folder: ``simulator report`` exits 2 with one message naming what is missing or broken.

Each case copies the run's results folder, damages the copy, and runs ``simulator report --no-pdf`` on it:
in a fresh process for the first cases, as a user would; in this process (``simulator.cli.main``, the same
code after the imports) for the others, which saves the two or three seconds each start costs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator import cli
from tests.report._helpers import Result, run_cli

TASK = "point=00000/regime=organic/r00001-00001"


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:8])


def damaged(run_results: Path, tmp_path: Path, damage: Callable[[Path], None],
            capsys: pytest.CaptureFixture[str] | None = None) -> Result:
    """``simulator report`` of a damaged copy: in a fresh process, or in this one when given ``capsys``."""
    copy = tmp_path / "results"
    shutil.copytree(run_results, copy)
    damage(copy)
    args = ["report", str(copy), "-o", str(tmp_path / "report"), "--no-pdf"]
    if capsys is None:
        return run_cli(*args)
    capsys.readouterr()
    code = cli.main(args)  # an exception escaping here is the traceback a user would see
    out, err = capsys.readouterr()
    return Result(args, code, out, err)


def assert_user_error(result: Result, *names: str) -> None:
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert not result.stdout.strip(), result.describe()
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, f"expected one 'error: ' line:\n{result.describe()}"
    for name in names:
        assert name in lines[0], f"the message does not name {name!r}:\n{result.describe()}"


CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "truncated metrics file": (lambda root: truncate(root / "tables" / "metrics" / f"{TASK}.parquet"),
                               (f"tables/metrics/{TASK}.parquet", "cannot be read")),
    "missing metrics file": (lambda root: (root / "tables" / "metrics" / f"{TASK}.parquet").unlink(),
                             (TASK, "incomplete", "1 of 6 tasks", "--resume")),
    "missing manifest": (lambda root: (root / "manifest.json").unlink(), ("manifest.json", "missing")),
    "truncated manifest": (lambda root: truncate(root / "manifest.json"), ("manifest.json", "unreadable")),
    "missing points table": (lambda root: (root / "points.parquet").unlink(), ("points.parquet", "missing")),
    "truncated nights file": (lambda root: truncate(root / "tables" / "nights" / f"{TASK}.parquet"),
                              (f"tables/nights/{TASK}.parquet", "cannot be read")),
    # a finished task (its metrics file is there) whose other tables are gone: the occupancy figure would
    # silently average fewer replications, or vanish
    "missing nights file": (lambda root: (root / "tables" / "nights" / f"{TASK}.parquet").unlink(),
                            (f"tables/nights/{TASK}.parquet", "missing", "--resume")),
    "missing nights folder": (lambda root: shutil.rmtree(root / "tables" / "nights"),
                              ("tables/nights/point=00000/", "missing")),
    "missing census file": (lambda root: (root / "tables" / "census" / f"{TASK}.parquet").unlink(),
                            (f"tables/census/{TASK}.parquet", "missing")),
}


#: the cases run in a fresh process; the others run in this one
IN_A_PROCESS = {"truncated metrics file", "missing manifest"}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_folder(run_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    damage, names = CASES[case]
    result = damaged(run_results, tmp_path, damage, None if case in IN_A_PROCESS else capsys)
    assert_user_error(result, *names)
    assert not (tmp_path / "report" / "report.html").exists(), "a report was written from damaged results"


def test_no_such_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    code = cli.main(["report", str(missing), "-o", str(tmp_path / "report"), "--no-pdf"])
    out, err = capsys.readouterr()
    assert_user_error(Result([], code, out, err), str(missing), "no such results folder")


def test_missing_scenario_is_named(run_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = damaged(run_results, tmp_path, lambda root: (root / "scenarios" / "point=00000.json").unlink(), capsys)
    assert_user_error(result, "scenarios/point=00000.json")
