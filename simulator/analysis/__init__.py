"""Analyses that go beyond summaries: sensitivity screening of a sweep's parameters, and the engine against
queueing theory (closed-form results in :mod:`~simulator.analysis.queueing`, the textbook scenarios run and
judged by :mod:`~simulator.analysis.textbook`)."""

from __future__ import annotations

from simulator.analysis.sensitivity import (
    PairedSigns,
    elementary_effects,
    morris,
    morris_indices,
    paired_signs,
    point_outputs,
)
from simulator.analysis.textbook import check_scenario, textbook_checks

__all__ = [
    "PairedSigns",
    "check_scenario",
    "elementary_effects",
    "morris",
    "morris_indices",
    "paired_signs",
    "point_outputs",
    "textbook_checks",
]
