"""Quantities with units, as written in scenario files.

Every duration in a scenario says its unit (``"45 min"``, ``"3 days"``, ``"2 weeks"``); the simulation
clock counts days, so every duration is converted to a float number of days when the file is read. Rates
say what they count per unit of time (``"38 per day"``, ``"2/week"``). A bare number is refused for a
duration: ``3`` could mean minutes or days, and a silent guess is how models go wrong.
"""

from __future__ import annotations

import math
import re
from datetime import time as dt_time
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

MINUTES_PER_DAY = 24 * 60

MAX_DURATION_YEARS = 100
"""The longest duration a scenario may give (a horizon, a warm-up, a mean stay, a tenancy...), in years."""
MAX_DURATION_DAYS = MAX_DURATION_YEARS * 365.0
"""The same ceiling in days (a year is 365 days, as for the ``years`` unit)."""
MAX_RATE_PER_DAY = 100_000.0
"""The highest rate a scenario may give (arrivals, contacts, vacancies, a loss hazard), in events per day."""

#: length of each accepted unit, in days
UNIT_DAYS: dict[str, float] = {}
for _names, _days in (
    (("s", "sec", "secs", "second", "seconds"), 1 / 86400),
    (("min", "mins", "minute", "minutes"), 1 / MINUTES_PER_DAY),
    (("h", "hr", "hrs", "hour", "hours"), 1 / 24),
    (("d", "day", "days", "night", "nights"), 1.0),
    (("w", "wk", "week", "weeks"), 7.0),
    (("month", "months"), 365 / 12),
    (("y", "yr", "yrs", "year", "years"), 365.0),
):
    for _name in _names:
        UNIT_DAYS[_name] = _days

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")
_RATE = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:per|/)\s*"
    r"((?:\d+\.?\d*|\.\d+)?)\s*([A-Za-z]+)\s*$"
)


def _not_finite(kind: str, value: Any) -> ValueError:
    return ValueError(f"{kind} {value!r} is not a finite number (too large to read, or not a number)")


def parse_duration(value: Any) -> float:
    """Parse ``"45 min"`` or ``"3 days"`` into days. Zero may be written ``0``.

    A duration is finite, not negative, and at most :data:`MAX_DURATION_YEARS` years.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration with a unit, e.g. '45 min' or '3 days'")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _not_finite("duration", value)
        if value == 0:
            return 0.0
        raise ValueError(f"duration {value!r} has no unit; write e.g. '{value} min' or '{value} days'")
    if not isinstance(value, str):
        raise ValueError("expected a duration with a unit, e.g. '45 min' or '3 days'")
    match = _QUANTITY.match(value)
    if match is None:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"cannot read duration {value!r}; write a number and a unit, e.g. '45 min'") from None
        if not math.isfinite(number):
            raise _not_finite("duration", value)
        if number == 0:
            return 0.0
        text = value.strip()
        raise ValueError(f"duration {value!r} has no unit; write e.g. '{text} min' or '{text} days'")
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit not in UNIT_DAYS:
        known = ", ".join(sorted({"min", "h", "days", "weeks", "months", "years"}))
        raise ValueError(f"unknown unit {unit!r} in {value!r}; use one of {known}")
    days = number * UNIT_DAYS[unit]
    if days < 0:
        raise ValueError(f"duration {value!r} is negative")
    if not days <= MAX_DURATION_DAYS:  # also an overflow to infinity ('1e400 days')
        raise ValueError(f"duration {value!r} is too long: at most {MAX_DURATION_YEARS} years")
    return days


def parse_rate(value: Any) -> float:
    """Parse ``"38 per day"``, ``"2/week"`` or ``"1 per 2 years"`` into events per day.

    A rate is finite, not negative, and at most :data:`MAX_RATE_PER_DAY` per day.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise _not_finite("rate", value)
        if value == 0:
            return 0.0
        raise ValueError(f"rate {value!r} has no unit; write e.g. '{value} per day'")
    if not isinstance(value, str):
        raise ValueError("expected a rate, e.g. '38 per day'")
    match = _RATE.match(value)
    if match is None:
        raise ValueError(f"cannot read rate {value!r}; write e.g. '38 per day' or '2/week'")
    count = float(match.group(1))
    span = float(match.group(2)) if match.group(2) else 1.0
    unit = match.group(3).lower()
    if unit not in UNIT_DAYS:
        raise ValueError(f"unknown unit {unit!r} in rate {value!r}")
    if count < 0:
        raise ValueError(f"rate {value!r} is negative")
    if span <= 0:
        raise ValueError(f"rate {value!r} has a zero period")
    if not math.isfinite(span):
        raise ValueError(f"rate {value!r} has a period too long to read")
    per_day = count / (span * UNIT_DAYS[unit])
    if not per_day <= MAX_RATE_PER_DAY:  # also an overflow to infinity ('1e400 per day')
        raise ValueError(f"rate {value!r} is too high: at most {MAX_RATE_PER_DAY:,.0f} per day")
    return per_day


def parse_time_of_day(value: Any) -> float:
    """Parse ``"17:00"`` into a fraction of a day (0.7083...). ``"24:00"`` is the end of the day."""
    if isinstance(value, dt_time):
        return (value.hour * 60 + value.minute) / MINUTES_PER_DAY
    if not isinstance(value, str):
        raise ValueError("expected a time of day in quotes, e.g. '17:00'")
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", value)
    if match is None:
        raise ValueError(f"cannot read time of day {value!r}; write e.g. '17:00'")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"time of day {value!r} is out of range")
    return (hours * 60 + minutes) / MINUTES_PER_DAY


def _exact(number: float) -> str:
    """Shortest text that reads back to the same float (``repr``), without a trailing ``.0``."""
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e15 else repr(float(number))


def format_duration(days: float) -> str:
    """Days as a duration string that reads back to the same float."""
    return f"{_exact(days)} days"


def format_rate(per_day: float) -> str:
    return f"{_exact(per_day)} per day"


def format_time_of_day(fraction: float) -> str:
    minutes = round(fraction * MINUTES_PER_DAY)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


Duration = Annotated[float, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
"""A duration in days, written with a unit in the file."""

Rate = Annotated[float, BeforeValidator(parse_rate), PlainSerializer(format_rate)]
"""A rate in events per day, written with its period in the file."""

TimeOfDay = Annotated[float, BeforeValidator(parse_time_of_day), PlainSerializer(format_time_of_day)]
"""A time of day as a fraction of a day, written ``"HH:MM"``."""
