"""Output paths are checked before anything runs: a path that cannot be written is refused at once, with exit
code 2, one message naming the option, no traceback, and nothing written (not even a folder).

The first cases run the command in a fresh process, as a user would, on a run long enough (two years of the
small town, ten replications: about a minute) that only a check made before the simulation returns in
seconds. The others call :func:`simulator.cli.main` in this process, which saves the start of a process
each.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from simulator import cli
from tests.e2e._helpers import CONFIGS, Result, assert_clean_user_error, run_cli

SMALL_TOWN = CONFIGS / "small_town.yaml"
#: a run of about a minute: a refusal that comes within seconds was made before it started
LONG_RUN = ["run", str(SMALL_TOWN), "-n", "10", "--horizon", "730 days", "-w", "1", "-q"]
#: seconds within which a refusal must come (a process starts in two or three; the run would take ~60)
QUICK = 20.0


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder holding one file, ``a_file``: every case's paths go through it."""
    (tmp_path / "a_file").write_text("not a folder\n", encoding="utf-8")
    return tmp_path


def quick_refusal(*args: str | Path) -> Result:
    started = time.perf_counter()
    result = run_cli(*args, timeout=120)
    elapsed = time.perf_counter() - started
    assert_clean_user_error(result)
    assert elapsed < QUICK, f"refused only after {elapsed:.0f} s: the simulation ran first\n{result.describe()}"
    return result


def error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.describe()
    return lines[0]


# --- in a fresh process: refused before the simulation -------------------------------------------------------


def test_run_out_is_a_file(place: Path) -> None:
    result = quick_refusal(*LONG_RUN, "--out", place / "a_file")
    assert "--out" in error_line(result)
    assert "is a file" in error_line(result)
    assert (place / "a_file").read_text(encoding="utf-8") == "not a folder\n"
    assert listing(place) == ["a_file"]


def test_run_out_under_a_file(place: Path) -> None:
    result = quick_refusal(*LONG_RUN, "--out", place / "a_file" / "results")
    assert "a_file is a file, not a folder" in error_line(result), result.describe()
    assert listing(place) == ["a_file"]


def test_run_csv_that_cannot_be_written_is_refused_before_the_run(place: Path) -> None:
    result = quick_refusal(*LONG_RUN, "--out", place / "results", "--csv", place / "a_file" / "summary.csv")
    assert "--csv" in error_line(result), result.describe()
    assert listing(place) == ["a_file"], "the results folder was made although the command was refused"


# --- in this process ------------------------------------------------------------------------------------------


def run_main(args: list[str | Path], capsys: pytest.CaptureFixture[str]) -> Result:
    capsys.readouterr()
    code = cli.main([str(a) for a in args])  # an exception escaping here is the traceback a user would see
    out, err = capsys.readouterr()
    return Result([str(a) for a in args], code, out, err)


SPEC = CONFIGS / "sweeps" / "example_small.yaml"
CALIBRATION = CONFIGS / "calibration" / "montreal_centre.yaml"

#: (arguments, with FILE for the file ``a_file`` and DIR for the case's folder; the option named in the message)
CASES: dict[str, tuple[list[str], str]] = {
    "run --csv is a folder": ([*LONG_RUN, "--csv", "DIR"], "--csv"),
    "run --csv under a file": ([*LONG_RUN, "--csv", "FILE/deeper/summary.csv"], "--csv"),
    "run --out deep under a file": ([*LONG_RUN, "--out", "FILE/a/b/c"], "--out"),
    "run --out a folder of other files": ([*LONG_RUN, "--out", "DIR"], "--out"),
    "sweep --out is a file": (["sweep", str(SPEC), "--out", "FILE", "-q"], "--out"),
    "sweep --out under a file": (["sweep", str(SPEC), "--out", "FILE/results", "-q"], "--out"),
    "summarize --csv under a file": (["summarize", "DIR/nowhere", "--csv", "FILE/s.csv"], "--csv"),
    "summarize --paired-csv is a folder": (["summarize", "DIR/nowhere", "--paired-csv", "DIR"], "--paired-csv"),
    "summarize --salib under a file": (["summarize", "DIR/nowhere", "--salib", "FILE/p.json"], "--salib"),
    "report -o is a file": (["report", "DIR/nowhere", "-o", "FILE", "--no-pdf"], "-o/--out"),
    "report -o under a file": (["report", "DIR/nowhere", "-o", "FILE/report", "--no-pdf"], "-o/--out"),
    "calibrate --out is a file": (["calibrate", str(CALIBRATION), "--out", "FILE", "-q"], "--out"),
    "calibrate --out under a file": (["calibrate", str(CALIBRATION), "--out", "FILE/fit", "-q"], "--out"),
    "validation-report -o is a folder": (["validation-report", "-o", "DIR"], "-o/--out"),
    "validation-report -o under a file": (["validation-report", "-o", "FILE/validation.md"], "-o/--out"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unwritable_output_is_refused_first(place: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    template, flag = CASES[case]
    (place / "other").mkdir()
    (place / "other" / "notes.txt").write_text("mine\n", encoding="utf-8")
    folder = place / "other"
    args = [a.replace("FILE", str(place / "a_file")).replace("DIR", str(folder)) for a in template]
    before = listing(place)
    result = run_main(args, capsys)
    assert_clean_user_error(result)
    line = error_line(result)
    assert line.startswith(f"error: {flag} "), result.describe()
    assert listing(place) == before, "something was written by a refused command"


def test_run_resume_needs_out(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_main([*LONG_RUN, "--resume"], capsys)
    assert_clean_user_error(result)
    assert "--out" in error_line(result)


def test_read_only_place_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder where no file can be created (a superuser can write in a mode 0555 folder: then /proc, where
    nobody can, stands in for it)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        try:
            fd, name = tempfile.mkstemp(dir=locked)
        except OSError:
            target = locked
        else:
            os.close(fd)
            os.unlink(name)
            target = Path("/proc")
            if not target.is_dir():
                pytest.skip("running as a superuser and there is no /proc to stand in for a read-only folder")
        for args in ([*LONG_RUN, "--out", target / "results"], [*LONG_RUN, "--csv", target / "summary.csv"]):
            result = run_main(args, capsys)
            assert_clean_user_error(result)
            assert "cannot write there" in error_line(result), result.describe()
            assert not (target / "results").exists()
    finally:
        locked.chmod(0o755)


def test_writable_outputs_pass_the_check(tmp_path: Path) -> None:
    """The check itself creates nothing: a folder to be made is not made by it."""
    from simulator.io.results import check_output_file, check_output_folder

    check_output_folder(tmp_path / "a" / "b", "--out", results=True)
    check_output_file(tmp_path / "c" / "d.csv", "--csv")
    (tmp_path / "e.csv").write_text("old\n", encoding="utf-8")
    check_output_file(tmp_path / "e.csv", "--csv")
    assert listing(tmp_path) == ["e.csv"]
    assert (tmp_path / "e.csv").read_text(encoding="utf-8") == "old\n"


# --- numbers on the command line are bounded ------------------------------------------------------------------


def test_seed_and_replications_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.config.schema import MAX_REPLICATIONS, MAX_SEED

    cases = [("--seed", MAX_SEED + 1), ("-n", MAX_REPLICATIONS + 1), ("-n", 10**30)]
    for command in (LONG_RUN, ["calibrate", str(CALIBRATION), "-q"], ["validation-report"]):
        for flag, value in cases:
            if flag == "--seed" and command is not LONG_RUN:
                continue
            capsys.readouterr()
            with pytest.raises(SystemExit) as exited:
                cli.main([*command, flag, str(value)])
            err = capsys.readouterr().err
            assert exited.value.code == 2, err
            assert "must be at most" in err, err
            assert "Traceback" not in err
