"""The calendar: simulated days as dates, weekdays, months and the winter season, parsed once.

The clock counts days from ``start_date`` (day 0 starts at its midnight). Services open on weekdays, the
inflow follows the months, shelters add winter beds and clients change their habits in the winter season,
which may wrap over the new year (``11-15`` to ``04-15``). Every question is answered from the season's
bounds parsed once, and memoised by day.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Protocol

from simulator.config.schema import WEEKDAYS

MonthDay = tuple[int, int]


class SeasonLike(Protocol):
    @property
    def start(self) -> str: ...

    @property
    def end(self) -> str: ...


def month_day(text: str) -> MonthDay:
    """``"11-15"`` as ``(11, 15)``."""
    month, day = text.split("-")
    return int(month), int(day)


def season_bounds(season: SeasonLike) -> tuple[MonthDay, MonthDay]:
    return month_day(season.start), month_day(season.end)


def in_bounds(day: date, bounds: tuple[MonthDay, MonthDay]) -> bool:
    """Whether ``day`` lies in the season from ``bounds[0]`` to ``bounds[1]`` (both included; may wrap)."""
    key = (day.month, day.day)
    start, end = bounds
    if start <= end:
        return start <= key <= end
    return key >= start or key <= end


def in_season(day: date, season: SeasonLike) -> bool:
    """Whether ``day`` lies in the season (which may wrap over the new year)."""
    return in_bounds(day, season_bounds(season))


class Calendar:
    """Dates, weekdays, months and the winter season of a run."""

    def __init__(self, start_date: date, winter: SeasonLike):
        self.start_date = start_date
        self.winter = winter
        self._bounds = season_bounds(winter)
        self._start_weekday = start_date.weekday()
        self._month_of_day: list[int] = []
        self._winter_of_day: dict[int, bool] = {}
        self._season_change: dict[int, float] = {}

    def weekday(self, day: int) -> str:
        """The weekday (``"mon"`` ... ``"sun"``) of simulated day ``day``."""
        return WEEKDAYS[(self._start_weekday + day) % 7]

    def days_until(self, weekday: str) -> int:
        """Days from day 0 to the first ``weekday`` (0 if day 0 is one)."""
        return (WEEKDAYS.index(weekday) - self._start_weekday) % 7

    def date(self, day: int) -> date:
        return self.start_date + timedelta(days=day)

    def in_winter(self, t: float) -> bool:
        """Whether time ``t`` falls in the winter season (memoised by day)."""
        day = int(t)
        known = self._winter_of_day.get(day)
        if known is None:
            known = self._winter_of_day[day] = in_bounds(self.date(day), self._bounds)
        return known

    def season_change(self, t: float) -> float:
        """The first midnight after ``t`` at which the winter season begins or ends (inf if it never does)."""
        if math.isinf(t):
            return t
        day = int(t)
        known = self._season_change.get(day)
        if known is None:
            winter = self.in_winter(day)
            known = math.inf
            for later in range(day + 1, day + 368):
                if self.in_winter(later) != winter:
                    known = float(later)
                    break
            self._season_change[day] = known
        return known

    def month(self, t: float) -> int:
        """The month (0 = January) of time ``t``."""
        day = int(t)
        months = self._month_of_day
        while len(months) <= day:
            months.append(self.date(len(months)).month - 1)
        return months[day]
