"""Quantities with units: durations, rates and times of day, as written in scenario files."""

from __future__ import annotations

import math
from datetime import time

import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.config.units import (
    MAX_DURATION_DAYS,
    MAX_DURATION_YEARS,
    MAX_RATE_PER_DAY,
    Duration,
    Rate,
    TimeOfDay,
    parse_duration,
    parse_rate,
    parse_time_of_day,
)

DAY_MINUTES = 24 * 60


# ---------------------------------------------------------------------------------------------- durations

@pytest.mark.parametrize(("text", "days"), [
    ("45 min", 45 / DAY_MINUTES),
    ("45min", 45 / DAY_MINUTES),
    ("90 minutes", 90 / DAY_MINUTES),
    ("30 s", 30 / 86400),
    ("1 second", 1 / 86400),
    ("1 hour", 1 / 24),
    ("1.5 h", 1.5 / 24),
    ("2 hrs", 2 / 24),
    ("3 days", 3.0),
    ("1 day", 1.0),
    ("3 d", 3.0),
    ("7 nights", 7.0),
    ("2 weeks", 14.0),
    ("1 w", 7.0),
    ("1 month", 365 / 12),
    ("6 months", 182.5),
    ("1 year", 365.0),
    ("1.8 years", 1.8 * 365),
    (".5 days", 0.5),
    ("1e2 min", 100 / DAY_MINUTES),
    ("  3   Days  ", 3.0),
    ("3 DAYS", 3.0),
    ("0 days", 0.0),
    ("+2 days", 2.0),
])
def test_duration_with_unit(text, days):
    assert parse_duration(text) == pytest.approx(days, rel=1e-12)


@pytest.mark.parametrize("zero", [0, 0.0])
def test_zero_duration_may_be_written_without_unit(zero):
    assert parse_duration(zero) == 0.0


@pytest.mark.parametrize("bare", [3, 3.0, 45, 0.5, -2, "3", "45", "1.5"])
def test_bare_number_duration_is_refused(bare):
    with pytest.raises(ValueError, match="unit"):
        parse_duration(bare)


@pytest.mark.parametrize("text", ["3 parsecs", "3 fortnights", "10 ms", "2 dayz"])
def test_unknown_duration_unit_is_refused(text):
    with pytest.raises(ValueError, match="unknown unit"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["-3 days", "-1 min", "-0.5 h"])
def test_negative_duration_is_refused(text):
    with pytest.raises(ValueError, match="negative"):
        parse_duration(text)


@pytest.mark.parametrize("value", [None, True, False, [], {}, "days", "", "three days", "3 days 2 hours",
                                   "3 per day", float("nan"), float("inf")])
def test_unreadable_duration_is_refused(value):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


def test_duration_type_converts_to_days_and_reports_problems():
    adapter = TypeAdapter(Duration)
    assert adapter.validate_python("2 weeks") == 14.0
    with pytest.raises(ValidationError, match="no unit"):
        adapter.validate_python(5)
    assert adapter.dump_python(14.0) == "14 days"


def test_duration_serialisation_round_trips():
    adapter = TypeAdapter(Duration)
    for text in ("45 min", "1.8 years", "3 days", "0.5 h"):
        days = adapter.validate_python(text)
        assert adapter.validate_python(adapter.dump_python(days)) == pytest.approx(days, rel=1e-5)


# ---------------------------------------------------------------------------------------------- rates

@pytest.mark.parametrize(("text", "per_day"), [
    ("38 per day", 38.0),
    ("38/day", 38.0),
    ("38 / day", 38.0),
    ("2/week", 2 / 7),
    ("2 per week", 2 / 7),
    ("2.4 per hour", 57.6),
    ("300 per year", 300 / 365),
    ("1 per 2 years", 1 / 730),
    ("3 per 2 days", 1.5),
    ("0.02 per day", 0.02),
    ("21 per day", 21.0),
    ("0 per day", 0.0),
    ("5 per DAY", 5.0),
])
def test_rate(text, per_day):
    assert parse_rate(text) == pytest.approx(per_day, rel=1e-12)


def test_zero_rate_may_be_written_without_unit():
    assert parse_rate(0) == 0.0


@pytest.mark.parametrize("bare", [5, 2.5, "5", "5 days"])
def test_bare_number_rate_is_refused(bare):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(bare)


@pytest.mark.parametrize("text", ["5 per parsec", "5/fortnight"])
def test_unknown_rate_unit_is_refused(text):
    with pytest.raises(ValueError, match="unknown unit"):
        parse_rate(text)


def test_negative_rate_is_refused():
    with pytest.raises(ValueError, match="negative"):
        parse_rate("-5 per day")


def test_rate_over_zero_period_is_refused():
    with pytest.raises(ValueError, match="zero period"):
        parse_rate("5 per 0 days")


@pytest.mark.parametrize("value", [None, True, [], "per day", "five per day", "5 per -2 days"])
def test_unreadable_rate_is_refused(value):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(value)


def test_rate_type():
    adapter = TypeAdapter(Rate)
    assert adapter.validate_python("14 per week") == pytest.approx(2.0)
    with pytest.raises(ValidationError):
        adapter.validate_python(14)


# ---------------------------------------------------------------------------------------------- ceilings

def test_stated_ceilings():
    assert MAX_DURATION_YEARS == 100
    assert MAX_DURATION_DAYS == 36_500.0
    assert MAX_RATE_PER_DAY == 100_000.0


@pytest.mark.parametrize("text", ["100 years", "36500 days", "1200 months", "5214 weeks"])
def test_duration_up_to_the_ceiling_is_accepted(text):
    assert 0 < parse_duration(text) <= MAX_DURATION_DAYS


@pytest.mark.parametrize("text", ["1e400 days", "1e400 min", "1e308 years", "101 years", "36501 days",
                                  "5215 weeks", "1e20 s", "9" * 400 + " days"])
def test_duration_over_the_ceiling_is_refused(text):
    """A number that overflows to infinity is too long, not infinite: a run would never end."""
    with pytest.raises(ValueError, match="too long: at most 100 years"):
        parse_duration(text)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, "inf", "nan", "-inf", "infinity"])
def test_infinite_or_nan_duration_is_refused(value):
    with pytest.raises(ValueError, match="not a finite number"):
        parse_duration(value)


@pytest.mark.parametrize("text", ["inf days", "nan days", "infinity years"])
def test_inf_words_with_a_unit_are_unreadable(text):
    with pytest.raises(ValueError, match="cannot read duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["100000 per day", "4166 per hour", "1 per 1 min"])
def test_rate_up_to_the_ceiling_is_accepted(text):
    assert 0 < parse_rate(text) <= MAX_RATE_PER_DAY


@pytest.mark.parametrize("text", ["1e400 per day", "100001 per day", "5000 per hour", "2 per s", "1e6/day"])
def test_rate_over_the_ceiling_is_refused(text):
    with pytest.raises(ValueError, match="too high: at most 100,000 per day"):
        parse_rate(text)


@pytest.mark.parametrize("value", [math.inf, math.nan, -math.inf])
def test_infinite_or_nan_rate_is_refused(value):
    with pytest.raises(ValueError, match="not a finite number"):
        parse_rate(value)


def test_rate_over_an_unreadably_long_period_is_refused():
    with pytest.raises(ValueError, match="rate"):
        parse_rate("1 per " + "9" * 400 + " days")


def test_duration_type_refuses_what_the_parser_refuses():
    adapter = TypeAdapter(Duration)
    with pytest.raises(ValidationError, match="at most 100 years"):
        adapter.validate_python("1e400 days")
    with pytest.raises(ValidationError, match="not a finite number"):
        adapter.validate_python(math.inf)


# ---------------------------------------------------------------------------------------------- times of day

@pytest.mark.parametrize(("text", "fraction"), [
    ("00:00", 0.0),
    ("0:00", 0.0),
    ("08:00", 8 / 24),
    ("8:30", 8.5 / 24),
    ("10:00", 10 / 24),
    ("17:00", 17 / 24),
    ("23:59", (23 * 60 + 59) / DAY_MINUTES),
    ("24:00", 1.0),
    (" 12:15 ", (12 * 60 + 15) / DAY_MINUTES),
])
def test_time_of_day(text, fraction):
    assert parse_time_of_day(text) == pytest.approx(fraction, rel=1e-12)


def test_time_object_is_accepted():
    assert parse_time_of_day(time(17, 30)) == pytest.approx(17.5 / 24)


@pytest.mark.parametrize("text", ["24:01", "25:00", "12:60", "12:99"])
def test_time_of_day_out_of_range_is_refused(text):
    with pytest.raises(ValueError, match="out of range"):
        parse_time_of_day(text)


@pytest.mark.parametrize("value", [17, 1020, 17.0, None, True, "17", "17h", "5pm", "17:0", "17:00:00", "-1:00",
                                   "noon"])
def test_unreadable_time_of_day_is_refused(value):
    with pytest.raises(ValueError, match="time of day"):
        parse_time_of_day(value)


def test_time_of_day_type():
    adapter = TypeAdapter(TimeOfDay)
    assert math.isclose(adapter.validate_python("17:00"), 17 / 24)
    with pytest.raises(ValidationError, match="17:00"):
        adapter.validate_python(1020)
