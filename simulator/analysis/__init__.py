"""Analyses of results folders that go beyond summaries: sensitivity screening of a sweep's parameters."""

from __future__ import annotations

from simulator.analysis.sensitivity import (
    PairedSigns,
    elementary_effects,
    morris,
    morris_indices,
    paired_signs,
    point_outputs,
)

__all__ = ["PairedSigns", "elementary_effects", "morris", "morris_indices", "paired_signs", "point_outputs"]
