"""The calibrated default scenario, run as users run it, lands within tolerance of every published target.

The check runs ``configs/montreal_centre.yaml`` as written with its own seed (not the calibration's) and the
spec's check replications (5): the model's mean of each target must lie within the spec's tolerance of the
published figure. The tolerances (5% of the count, 3 points of each share, 1 point of the refusal rate, 0.5 of
the people-per-counted ratio) are set in the spec from how precise the published figures are, not from the
model's noise; the replication-to-replication spread of the mean is well inside them (a few tenths of a
tolerance), so a failure means the scenario moved away from the figures, not bad luck.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator import calibration as cal

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_montreal_centre_lands_within_tolerance_of_each_target() -> None:
    loaded = cal.load_calibration(ROOT / "configs" / "calibration" / "montreal_centre.yaml")
    table = cal.check(loaded, workers=min(os.cpu_count() or 1, 5))
    assert len(table) == len(loaded.spec.targets)
    missed = table[~table["met"]]
    assert missed.empty, "targets missed:\n" + table.to_string()
