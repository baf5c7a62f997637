"""The calibrated default scenario, run as users run it, lands within tolerance of every published target.

The check runs ``configs/montreal_centre.yaml`` as written with its own seed (not the calibration's) and the
spec's check replications (5): the model's mean of each target must lie within the spec's tolerance of the
published figure. The tolerances (5% of the count, 3 points of each share, 1 point of the refusal rate, 0.5 of
the people-per-counted ratio, 3 and 6 days of the two published waits) are set in the spec from how precise
the published figures are, not from the model's noise; the replication-to-replication spread of the mean is
well inside them (a few tenths of a tolerance). Two means sit near an edge (the specialised wait, 20.8 days for
20 to 32, and the refusal rate, 4.3% for 2.6% to 4.6%): a change that moves them is worth a recalibration.
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


@pytest.mark.slow
def test_montreal_centre_reproduces_the_at_home_retention_trial() -> None:
    """The At Home/Chez Soi trial run in the model (the spec's ``retention``): the share of a high-need cohort
    housed the whole last 6 months lies within 10 points of the published 60% (housing first) and 31% (usual
    care). Ten points is about two standard errors of the trial's arms of about 100 people; the model's own
    spread over 3 replications of 300 clients is 2 to 3 points."""
    loaded = cal.load_calibration(ROOT / "configs" / "calibration" / "montreal_centre.yaml")
    table = cal.check_retention(loaded)
    assert len(table) == 2
    assert table["met"].all(), "retention missed:\n" + table.to_string()
    first, usual = table["mean"]
    assert first > usual  # housing first keeps more people housed than usual care
