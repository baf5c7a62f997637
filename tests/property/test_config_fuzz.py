"""Fuzzing the loader: a mutated shipped config is either accepted or refused cleanly, never a crash.

Each example is a shipped scenario file (``configs/``, ``configs/regimes/``, ``configs/textbook/``) merged
through its ``extends:`` and mutated by :func:`tests.strategies.mutated_configs` (keys deleted, types swapped,
numbers at extremes, odd unicode, broken dates and units), written to a file, and given to

* ``simulator validate FILE``, and, when it is valid,
* ``simulator run FILE --horizon "3 days" --warmup "0 days" -n 1 -w 1 -q``.

Each command must exit 0, or exit 2 with every line of standard error a located problem
(``FILE:LINE:COL: field: message``, followed by the ``N problems found`` line) or an ``error: ...`` line;
never a traceback, never exit 1, never past :data:`TIME_LIMIT` seconds. The commands run in a forked copy of
this process (``simulator.cli.main``, no new interpreter to start), killed at the time limit.

With the environment variable ``CONFIG_FUZZ_LOG`` set to a file, the tests assert nothing and append one JSON
line per input (source, mutations, command, failure or null) to that file, to count the failures.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.cli import PROBLEM, SUMMARY_LINE
from tests.strategies import dump_config, mutated_configs

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

#: seconds one command may take (a 3-day run of the largest shipped scenario takes about 1.5 s)
TIME_LIMIT = 30.0
#: bytes of address space a command may add to this process's
MEMORY_LIMIT = 4 * 2**30
MM1 = Path(__file__).resolve().parents[2] / "configs" / "textbook" / "mm1.yaml"
RUN = ("--horizon", "3 days", "--warmup", "0 days", "-n", "1", "-w", "1", "-q")
LOG = os.environ.get("CONFIG_FUZZ_LOG")
#: a fixed set of inputs (derandomized), no database; no shrinking: an input's mutations are few and named, and
#: a shrink would run the commands again and again
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_folder = Path(tempfile.mkdtemp(prefix="config-fuzz-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)  # the forked commands leave with os._exit


def _limit_memory() -> None:
    """At most :data:`MEMORY_LIMIT` more bytes of address space than now: a runaway allocation becomes a
    MemoryError (reported as a traceback) instead of exhausting the machine."""
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_LIMIT
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError):
        pass


def simulator(*args: str, timeout: float = TIME_LIMIT) -> tuple[int | None, str, str]:
    """``simulator ARGS`` in a forked copy of this process: exit code (None when killed at the time limit),
    standard output, standard error (with the traceback of an exception that escaped ``main``)."""
    from simulator import cli

    out, err = _folder / "stdout", _folder / "stderr"
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 1
        try:
            _limit_memory()
            with open(out, "w", encoding="utf-8") as sys.stdout, open(err, "w", encoding="utf-8") as sys.stderr:
                try:
                    code = cli.main(list(args))
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:  # what Python would print before exiting 1
                    traceback.print_exc()
                    code = 1
                sys.stdout.flush()
                sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    status: int | None = None
    while status is None:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        else:
            time.sleep(0.005)
    return status, out.read_text(encoding="utf-8", errors="replace"), err.read_text(encoding="utf-8", errors="replace")


def failure(code: int | None, stderr: str) -> str | None:
    """What is wrong with the outcome of a command, or None when it is a success or a clean refusal."""
    if code is None:
        return f"ran past {TIME_LIMIT:g} s"
    if "Traceback" in stderr:
        last = [line for line in stderr.strip().split("\n") if line.strip()][-1]
        return f"exit {code}, traceback: {last}"
    if code == 0:
        return None
    if code != 2:
        return f"exit {code}"
    lines = stderr.rstrip("\n").split("\n")
    if not lines or lines == [""]:
        return "exit 2 with nothing on standard error"
    problems = [line for line in lines if PROBLEM.match(line)]
    summaries = [m for m in map(SUMMARY_LINE.match, lines) if m]
    odd = [line for line in lines
           if not (PROBLEM.match(line) or SUMMARY_LINE.match(line) or line.startswith("error: "))]
    if odd:
        return f"exit 2, a line that is no located problem: {odd[0][:200]!r}"
    if problems and [int(m["count"]) for m in summaries] != [len(problems)]:
        return f"exit 2, {len(problems)} problems but summary {[m.group(0) for m in summaries]}"
    if summaries and not problems:
        return "exit 2, a summary without problems"
    return None


def check(source: Path, data: dict[str, Any], mutations: list[str], *, run: bool) -> None:
    path = _folder / f"{source.stem}.yaml"
    path.write_text(dump_config(data), encoding="utf-8")
    started = time.monotonic()
    args: tuple[str, ...] = ("validate", str(path))
    code, _, stderr = simulator(*args)
    wrong = failure(code, stderr)
    if run and code == 0 and wrong is None:
        args = ("run", str(path), *RUN)
        code, _, stderr = simulator(*args)
        wrong = failure(code, stderr)
    if LOG:
        record = {"source": source.name, "mutations": mutations, "command": args[0], "failure": wrong,
                  "seconds": round(time.monotonic() - started, 3), "stderr": stderr[-3000:] if wrong else ""}
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return
    assert wrong is None, (f"{wrong}\nmutations of {source.name}: {mutations}\n$ simulator {' '.join(args)}\n"
                           f"--- stderr\n{stderr[-5000:]}\n--- file\n{path.read_text(encoding='utf-8')[:5000]}")


@settings(FUZZ, max_examples=160)
@given(mutated_configs())
def test_validate_mutated_configs(example: tuple[Path, dict[str, Any], list[str]]) -> None:
    check(*example, run=False)


@pytest.fixture(scope="module")
def warm() -> None:
    """One short run in this process first, so that each forked run starts warm (lazy imports, caches)."""
    from simulator import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["run", str(MM1), *RUN]) == 0


@settings(FUZZ, max_examples=40)
@given(mutated_configs(max_mutations=1, numbers_only=True))
def test_run_mutated_configs(warm: None, example: tuple[Path, dict[str, Any], list[str]]) -> None:
    check(*example, run=True)


def test_failure_sees_what_is_wrong() -> None:
    """The judge of an outcome is not vacuous."""
    located = "x.yaml:3:5: horizon: must be positive\n1 problem found\n"
    assert failure(0, "") is None
    assert failure(2, located) is None
    assert failure(2, "error: unknown regime 'x'\n") is None
    assert failure(None, "") is not None
    assert failure(1, "boom\n") == "exit 1"
    assert failure(1, "Traceback (most recent call last):\n  ...\nValueError: day is out of range\n") == (
        "exit 1, traceback: ValueError: day is out of range")
    assert failure(2, located.replace("1 problem", "2 problems")) is not None
    assert failure(2, "x.yaml: horizon: no line\n1 problem found\n") is not None
    assert failure(2, "") is not None
    assert re.match(PROBLEM, located.split("\n")[0])
