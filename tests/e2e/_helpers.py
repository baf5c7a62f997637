"""Helpers of the end-to-end tests: the shipped configs and sweep specs; the CLI in a fresh process comes from
:mod:`tests.cli`."""

from __future__ import annotations

from pathlib import Path

from tests.cli import (  # noqa: F401  (re-exported for the end-to-end tests)
    PROBLEM,
    ROOT,
    SUMMARY_LINE,
    Result,
    assert_clean_user_error,
    assert_ok,
    run_cli,
)

DATA = Path(__file__).resolve().parent / "data"
CONFIGS = ROOT / "configs"
MMC = CONFIGS / "textbook" / "mmc.yaml"


def all_configs() -> list[Path]:
    """Every scenario file shipped under ``configs/`` (found afresh, so new files are picked up); sweep
    specs live in ``configs/sweeps/`` (checked by :func:`all_sweeps`), calibration specs in
    ``configs/calibration/`` (checked by the calibration tests)."""
    specs = {"sweeps", "calibration"}
    return sorted(p for p in CONFIGS.rglob("*.yaml") if not specs & set(p.relative_to(CONFIGS).parts))


def all_sweeps() -> list[Path]:
    """Every sweep spec shipped under ``configs/sweeps/``."""
    return sorted((CONFIGS / "sweeps").rglob("*.yaml"))
