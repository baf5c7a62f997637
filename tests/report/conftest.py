"""Fixtures of the report tests: each results folder and each report is made once per session.

* ``run_results``: ``simulator run`` of the small town, organic vs integrated, 3 replications of 20 days.
* ``sweep_results``: ``simulator sweep`` of a tiny spec, 2 points x 2 regimes x 3 replications of 15 days.
* ``run_report`` / ``sweep_report``: ``simulator report`` of each (HTML and PDF); the run's report has a
  hostile title, to check that what the user types is escaped. Without Chromium the reports are built with
  ``--no-pdf``: the tests of the HTML run, and a test that reads the PDF skips (or fails under CI).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator import results
from simulator.report import headline_facts
from simulator.report.build import Fact
from tests.report._helpers import SMALL_TOWN, Result, assert_ok, chromium, find_tool, run_cli

#: a title a user might type, with every character HTML cares about
HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" \'apostrophes\''


@dataclass
class Report:
    results: Path
    out: Path
    result: Result
    title: str | None
    has_pdf: bool

    @property
    def html_path(self) -> Path:
        return self.out / "report.html"

    @property
    def pdf_path(self) -> Path:
        """The PDF; a test that asks for it when the report was built without Chromium skips (fails under CI)."""
        if not self.has_pdf:
            chromium()
        return self.out / "report.pdf"

    @property
    def html(self) -> str:
        return self.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def run_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "results"
    assert_ok(run_cli("run", SMALL_TOWN, "--regime", "organic", "--regime", "integrated", "-n", "3",
                      "--horizon", "20 days", "--warmup", "5 days", "--out", out, "-q"))
    return out


@pytest.fixture(scope="session")
def sweep_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    spec = {
        "name": "tiny_report",
        "base": str(SMALL_TOWN),
        "overrides": {"horizon": "15 days", "warmup": "5 days"},
        "regimes": ["organic", "integrated"],
        "replications": 3,
        "replications_per_task": 3,
        "seed": 5,
        "design": {"sampler": "grid"},
        "parameters": [{"path": "services.men_shelter.capacity", "values": [20, 40]}],
    }
    path = folder / "tiny_report.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = folder / "results"
    assert_ok(run_cli("sweep", path, "--out", out, "-q"))
    return out


def _report(results_dir: Path, out: Path, title: str | None) -> Report:
    # without the browser that prints the PDF, the HTML only: the tests that need the PDF skip on their own
    has_pdf = find_tool("chromium") is not None
    args: list[str | Path] = ["report", results_dir, "-o", out]
    if not has_pdf:
        args.append("--no-pdf")
    if title is not None:
        args += ["--title", title]
    result = run_cli(*args)
    assert_ok(result)
    return Report(results_dir, out, result, title, has_pdf)


@pytest.fixture(scope="session")
def run_report(run_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _report(run_results, tmp_path_factory.mktemp("run_report"), HOSTILE_TITLE)


@pytest.fixture(scope="session")
def sweep_report(sweep_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _report(sweep_results, tmp_path_factory.mktemp("sweep_report"), None)


@pytest.fixture(scope="session", params=["run", "sweep"])
def report(request: pytest.FixtureRequest) -> Report:
    """Each report in turn (the run's and the sweep's)."""
    made: Report = request.getfixturevalue(f"{request.param}_report")
    return made


@pytest.fixture(scope="session")
def opened(report: Report) -> results.Results:
    """The results folder of ``report``, opened with the results API."""
    return results.open(report.results)


@pytest.fixture(scope="session")
def summary(opened: results.Results) -> pd.DataFrame:
    """``opened.summary()`` of the first point (the one the headline speaks of), computed once."""
    table = opened.summary()
    first: pd.DataFrame = table[table["point"] == table["point"].min()].reset_index(drop=True)
    return first


@pytest.fixture(scope="session")
def facts(opened: results.Results) -> list[Fact]:
    """``headline_facts(opened)``, computed once."""
    return headline_facts(opened)
