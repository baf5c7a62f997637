"""Running the ``simulator`` command as a user does: in a fresh process, reading its exit code and output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
CONFIGS = ROOT / "configs"
MMC = CONFIGS / "textbook" / "mmc.yaml"

#: one located problem, as the CLI prints it: ``FILE:LINE:COL: field.path: message``
PROBLEM = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")
SUMMARY_LINE = re.compile(r"^(?P<count>\d+) problems? found$")


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def problems(self) -> list[tuple[str, int, int, str]]:
        """Every ``FILE:LINE:COL: rest`` line of standard error."""
        out = []
        for line in self.stderr.splitlines():
            match = PROBLEM.match(line)
            if match:
                out.append((match["file"], int(match["line"]), int(match["col"]), match["rest"]))
        return out

    def describe(self) -> str:
        return (f"$ simulator {' '.join(self.args)}\nexit {self.returncode}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env["PYTHONWARNINGS"] = "default"
    env["NO_COLOR"] = "1"
    return env


def run_cli(*args: str | Path, cwd: Path | None = None, script: bool = False, timeout: float = 120) -> Result:
    """Run ``python -m simulator ARGS`` (or the installed ``simulator`` script) and capture everything."""
    argv = [str(a) for a in args]
    if script:
        exe = shutil.which("simulator")
        assert exe is not None, "the 'simulator' console script is not on PATH (pip install -e .)"
        command = [exe, *argv]
    else:
        command = [sys.executable, "-m", "simulator", *argv]
    done = subprocess.run(command, cwd=cwd or ROOT, env=cli_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    return Result(argv, done.returncode, done.stdout, done.stderr)


def assert_clean_user_error(result: Result, code: int = 2) -> None:
    """A user error: the expected exit code, a message on stderr, and no Python traceback anywhere."""
    assert result.returncode == code, result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert result.stderr.strip(), result.describe()


def assert_ok(result: Result) -> None:
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.output, result.describe()


def all_configs() -> list[Path]:
    """Every scenario file shipped under ``configs/`` (found afresh, so new files are picked up); sweep
    specs live in ``configs/sweeps/`` (checked by :func:`all_sweeps`), calibration specs in
    ``configs/calibration/`` (checked by the calibration tests)."""
    specs = {"sweeps", "calibration"}
    return sorted(p for p in CONFIGS.rglob("*.yaml") if not specs & set(p.relative_to(CONFIGS).parts))


def all_sweeps() -> list[Path]:
    """Every sweep spec shipped under ``configs/sweeps/``."""
    return sorted((CONFIGS / "sweeps").rglob("*.yaml"))
