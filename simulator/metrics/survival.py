"""Kaplan-Meier estimates of a time to an event under right censoring.

The time in line of everyone who joined a queue ends when the client leaves it: served, gone (reneged, lost,
exited) or turned away at once (a balk: time 0). A client still in line at the horizon is censored there: its
time so far is a lower bound. Dropping those clients biases every wait down exactly where the line is long;
counting their time so far as complete does the same. The product-limit estimator uses each censored time only
for as long as it is known, so the median and the 90th percentile of the time in line stay honest whatever the
share censored (``docs/model.md`` section 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Survival:
    """The product-limit curve: ``S(t) = survival[k]`` for ``times[k] <= t < times[k + 1]`` (1 before
    ``times[0]``), and the longest time observed, event or censored (``horizon``)."""

    times: np.ndarray
    survival: np.ndarray
    horizon: float

    def quantile(self, q: float) -> float:
        """The smallest event time by which a share ``q`` has left: ``min {t: S(t) <= 1 - q}``; NaN when the
        curve never falls that low (too much censored before)."""
        below = np.nonzero(self.survival <= 1.0 - q + 1e-12)[0]
        return float(self.times[below[0]]) if len(below) else float("nan")

    def restricted_mean(self) -> float:
        """The area under the curve from 0 to ``horizon``: the mean when nothing is censored past the last
        event, and a lower bound of it otherwise."""
        if not len(self.times):
            return self.horizon
        edges = np.concatenate(([0.0], self.times, [self.horizon]))
        levels = np.concatenate(([1.0], self.survival))
        return float(np.sum(levels * np.diff(edges)))


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> Survival:
    """The Kaplan-Meier curve of ``durations`` (``observed`` False: right-censored there).

    At a time with both events and censorings, the censored are still at risk for the events (the usual
    convention: they were seen to last at least that long).
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if len(durations) == 0:
        return Survival(np.empty(0), np.empty(0), float("nan"))
    if np.isnan(durations).any():  # (np.unique's handling of NaN)
        order = np.argsort(durations, kind="stable")
        durations, observed = durations[order], observed[order]
        times, first = np.unique(durations, return_index=True)
        events = np.add.reduceat(observed.astype(float), first)
    else:  # the same counts from sorted values alone (which of a tie is an event does not matter)
        ended = np.sort(durations[observed])
        durations = np.sort(durations)
        first = np.flatnonzero(np.concatenate(([True], durations[1:] != durations[:-1])))  # each run of ties
        times = durations[first]
        events = (np.searchsorted(ended, times, side="right") - np.searchsorted(ended, times, side="left")
                  ).astype(float)
    at_risk = len(durations) - first
    keep = events > 0
    factors = 1.0 - events[keep] / at_risk[keep]
    return Survival(times[keep], np.cumprod(factors), float(durations[-1]))
