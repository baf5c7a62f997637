"""A time-weighted count over the observed window: the average number of clients present at a service.

Nodes and housing programmes keep one each, independently of their visit records, so that Little's law
(average present = arrival rate x mean time in the system) can check the engine against itself.
"""

from __future__ import annotations


class Presence:
    """The number of clients present (waiting or in service) and its integral over time after the warm-up."""

    __slots__ = ("_area", "_last", "arrivals_observed", "end_time", "present", "warmup")

    def __init__(self, warmup: float, end_time: float):
        self.warmup = warmup
        self.end_time = end_time
        self.present = 0
        self.arrivals_observed = 0
        self._area = 0.0
        self._last = 0.0

    def tick(self, now: float) -> None:
        """Add the area since the last change, counting only the time after the warm-up."""
        warmup = self.warmup
        if now > warmup:
            last = self._last
            self._area += self.present * (now - (last if last > warmup else warmup))
        self._last = now

    def arrive(self, now: float) -> None:
        self.tick(now)
        self.present += 1
        if now >= self.warmup:
            self.arrivals_observed += 1

    def leave(self, now: float) -> None:
        self.tick(now)
        self.present -= 1

    def time_average(self, now: float) -> float:
        """The time-average number present over the observed window, up to ``now``."""
        self.tick(now)
        span = self.end_time - self.warmup
        return self._area / span if span > 0 else 0.0
