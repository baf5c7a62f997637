"""Fixtures of the end-to-end suite: one ``simulator validate`` process over every fixture file.

Starting the CLI costs about two seconds (numpy, pandas, pydantic, scipy, rich), so the broken fixtures are
validated together, in one process, as a user would (``simulator validate *.yaml``), and each test reads the
block of problems that belongs to its file. Every file that fails prints its problems and then
``N problems found``; files that pass print ``FILE: ok (...)`` on standard output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e._helpers import DATA, SUMMARY_LINE, Result, run_cli


class ValidateAll:
    """The outcome of ``simulator validate`` run in ``tests/e2e/data`` over every fixture file."""

    def __init__(self, result: Result, files: list[str]):
        self.result = result
        self.files = files
        ok = {line.split(": ok (")[0] for line in result.stdout.splitlines() if ": ok (" in line}
        self.passed = [f for f in files if f in ok]
        failed = [f for f in files if f not in ok]
        blocks: list[list[str]] = [[]]
        for line in result.stderr.splitlines():
            blocks[-1].append(line)
            if SUMMARY_LINE.match(line):
                blocks.append([])
        blocks = [b for b in blocks if b]
        assert len(blocks) == len(failed), (
            f"expected one block of problems per failing file ({failed}), got {len(blocks)}:\n"
            + result.describe())
        self.blocks = dict(zip(failed, blocks, strict=True))

    def block(self, name: str) -> list[str]:
        assert name in self.blocks, f"{name} was reported ok:\n{self.result.describe()}"
        return self.blocks[name]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def validate_all() -> ValidateAll:
    files = [*sorted(p.name for p in DATA.glob("*.yaml")), "no_such_file.yaml"]
    result = run_cli("validate", *files, cwd=DATA)
    return ValidateAll(result, files)
