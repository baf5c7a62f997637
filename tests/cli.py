"""Running the ``simulator`` command as a user does, for every test layer: in a fresh process, from the
repository root (or a given folder), reading its exit code and output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: one located problem, as the CLI prints it: ``FILE:LINE:COL: field.path: message`` (``rest`` is all after
#: the column; ``field`` is absent for a problem of the file itself, e.g. invalid YAML)
PROBLEM = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
                     r"(?P<rest>(?:(?P<field>[^\s:]+): )?(?P<message>.+))$")
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

    def problems(self) -> list[re.Match[str]]:
        """Every located problem line of standard error."""
        return [m for m in map(PROBLEM.match, self.stderr.splitlines()) if m]

    def describe(self) -> str:
        return (f"$ simulator {' '.join(self.args)}\nexit {self.returncode}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")


def cli_env() -> dict[str, str]:
    """The environment of a user's shell, without terminal width or colour, with warnings shown."""
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env["PYTHONWARNINGS"] = "default"
    env["NO_COLOR"] = "1"
    return env


def command(*args: str | Path, script: bool = False) -> list[str]:
    """``python -m simulator ARGS``, or the installed ``simulator`` script with ``script``."""
    if script:
        exe = shutil.which("simulator")
        assert exe is not None, "the 'simulator' console script is not on PATH (pip install -e .)"
        return [exe, *map(str, args)]
    return [sys.executable, "-m", "simulator", *map(str, args)]


def run_cli(*args: str | Path, cwd: Path | None = None, script: bool = False, timeout: float = 120) -> Result:
    """Run the command in a fresh process and capture everything."""
    done = subprocess.run(command(*args, script=script), cwd=cwd or ROOT, env=cli_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)
    return Result([str(a) for a in args], done.returncode, done.stdout, done.stderr)


def assert_ok(result: Result) -> None:
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.output, result.describe()


def assert_clean_user_error(result: Result, code: int = 2) -> None:
    """A user error: the expected exit code, a message on standard error, and no Python traceback anywhere."""
    assert result.returncode == code, result.describe()
    assert "Traceback" not in result.output, result.describe()
    assert result.stderr.strip(), result.describe()
