"""Shared fixtures: paths of the repository's configs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"


@pytest.fixture(scope="session")
def configs_dir() -> Path:
    return CONFIGS


@pytest.fixture(scope="session")
def montreal_path() -> Path:
    return CONFIGS / "montreal_centre.yaml"


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say at the top of the run when the report's external tools are missing, and what that does."""
    from tests.report._helpers import INSTALL, find_tool, in_ci

    missing = [tool for tool in ("chromium", "pdftotext", "pdfinfo") if find_tool(tool) is None]
    if not missing:
        return None
    effect = "their tests FAIL (CI is set)" if in_ci() else "their tests are skipped"
    return f"report tools missing: {', '.join(missing)}: {effect}; install with: {INSTALL}"
