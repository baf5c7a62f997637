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
