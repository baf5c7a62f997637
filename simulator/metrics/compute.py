"""Per-replication metrics, computed from the engine's records by pure functions.

Every metric is measured over the observed window ``[warmup, end]``; what happened during the warm-up only
sets the initial state. Clients, needs and visits still open at the horizon are censored, never dropped: they
are counted (``needs_open_at_horizon``, ``visits_censored``) and their time so far enters the unmet-need days.

The result is one long, tidy table: ``metric``, ``dimension`` (a service, need, adjustment type, subgroup or
``all``) and ``value``. ``docs/model.md`` defines each metric.

Two implementations give that table. :func:`replication_metrics`, here, is the reference: it reads the records
as pandas DataFrames and selects, groups and joins them with pandas.
:func:`simulator.metrics.arrays.metrics_from_arrays` selects, groups and joins NumPy arrays instead, several
times faster, and is what the runs use. What each metric is, once its rows are picked, is written once, in the
functions on arrays below (:func:`service_rows`, :func:`need_rows`, :func:`subgroup_rows`, ...) that both
call, with the constants of this module.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from simulator.config.schema import SERVICE_NEEDS, Season
from simulator.engine.calendar import in_season
from simulator.engine.outcomes import (
    BALKED,
    CENSORED,
    COMPLETED,
    HOUSED,
    LOST,
    MET,
    NEEDS_MET,
    RENEGED,
    SELF_RESOLVED,
    SERVED,
)
from simulator.engine.records import COLUMNS, RunRecords, Words
from simulator.metrics.survival import kaplan_meier

HIGH_COMPLEXITY = 3
#: follow-up periods of the returns after an exit to housing (HUD System Performance Measure 2), in days
FOLLOW_UP: dict[str, float] = {"6m": 182.5, "12m": 365.0, "24m": 730.0}
#: a month of the monthly flows: complete blocks of this many days from the end of the warm-up (a 365-day
#: window holds 12)
MONTH_DAYS = 365.0 / 12
#: Reaching Home's chronic homelessness: at least 180 days homeless over the past year, or at least 546 days
#: over the past three years
CHRONIC_YEAR_DAYS, CHRONIC_RECURRENT_DAYS = 180.0, 546.0

#: every metric a replication can have (docs/model.md section 9), counters included: what a precision target or
#: a sweep may name
METRICS: frozenset[str] = frozenset({
    "visits", "visits_served", "visits_reneged", "visits_balked", "visits_censored", "balk_share", "renege_share",
    "abandonment_share", "wait_mean_days", "wait_median_days", "wait_p90_days", "wait_p95_days",
    "sojourn_mean_days", "line_time_mean_days", "line_time_median_days", "line_time_p90_days",
    "time_avg_present", "arrival_rate_per_day", "offered_load", "utilisation",
    "unmet_need_days", "needs_open_at_horizon", "needs_met", "time_to_need_met_mean_days",
    "time_to_need_met_median_days",
    "turnaways", "turnaway_rate", "occupancy_rate", "nights_at_capacity_share", "turnaway_winter_excess",
    "count_sheltered", "count_outdoors", "count_other", "count_total", "unsheltered_nights", "count_on_date",
    "count_on_date_share",
    "clients_served", "people_homeless", "people_to_count_ratio", "new_inflow", "returns", "exits",
    "time_homeless_mean_days", "time_homeless_median_days", "chronic_clients",
    "housing_exits_followed", "housing_exits_unfollowed", "returns_within_share", "housing_retention_share",
    "first_time_share", "chronic_homeless", "chronic_homeless_share", "monthly_inflow", "monthly_outflow",
    "inflow_per_month", "outflow_per_month", "months_observed", "months_outflow_above_inflow",
    "functional_zero_ratio",
    "clients", "unsheltered_nights_per_client", "unmet_need_days_per_client", "refused_nights_per_client",
    "housed_share",
    "referrals_sent", "referrals_completed", "referrals_lost", "referral_completion_share", "referral_loss_share",
    "referrals_arrived", "handoff_latency_mean_days", "referral_outcomes",
    "coordination_staff_hours", "coordination_staff_hours_by_purpose",
    # counters of the engine (RunRecords.counters)
    "outreach_contacts", "conferences", "conference_seats_missed", "reserved_places_released",
    "reserved_places_idle", "referrals_blocked", "staff_fte", "staff_hours", "staff_cost",
})

#: for each metric estimated from a sample inside a replication, the count metric (and dimension, ``None``:
#: the same) of that sample: the summaries add it up over replications and flag a figure that rests on few
#: observations (``docs/model.md`` section 10)
BASIS: dict[str, tuple[str, str | None]] = {
    **{m: ("visits_served", None) for m in ("wait_mean_days", "wait_median_days", "wait_p90_days",
                                            "wait_p95_days", "sojourn_mean_days")},
    **{m: ("visits", None) for m in ("balk_share", "renege_share", "abandonment_share", "line_time_mean_days",
                                     "line_time_median_days", "line_time_p90_days")},
    **{m: ("needs_met", None) for m in ("time_to_need_met_mean_days", "time_to_need_met_median_days")},
    "time_homeless_median_days": ("exits", "all"),
    **{m: ("clients", None) for m in ("unsheltered_nights_per_client", "unmet_need_days_per_client",
                                      "refused_nights_per_client", "housed_share")},
    "referral_completion_share": ("referrals_sent", None),
    "referral_loss_share": ("referrals_sent", None),
    "handoff_latency_mean_days": ("referrals_arrived", None),
    "returns_within_share": ("housing_exits_followed", None),
    "housing_retention_share": ("housing_exits_followed", None),
}
#: dimensions of ``time_homeless_mean_days`` and the ``exits`` dimension that counts its sample
TIME_HOMELESS_BASIS = {"exits": "all", "housed": "housed"}


Row = tuple[str, str, float]
#: services whose staff serve a queue: the only ones with a utilisation and an offered load
QUEUE_KINDS = ("clinic", "access_point")
#: the exit reasons that end homelessness (``exits``, the monthly outflow)
EXIT_REASONS = (HOUSED, SELF_RESOLVED, NEEDS_MET)


class Rows(list[Row]):
    """The rows ``metric, dimension, value`` of one replication, in the order they are added (a value of
    ``None`` is NaN)."""

    def add(self, metric: str, dimension: Any, value: Any) -> None:
        self.append((metric, str(dimension), float(value) if value is not None else math.nan))


def long_table(records: RunRecords, rows: list[Row]) -> pd.DataFrame:
    """The long table ``replication, regime, metric, dimension, value`` of one replication's rows."""
    out = pd.DataFrame(rows, columns=["metric", "dimension", "value"])
    out.insert(0, "replication", records.replication)
    out.insert(1, "regime", records.regime)
    return out


def _column(values: Any) -> Any:
    """A record column as pandas should get it: a list of numbers as a NumPy array (pandas infers the same
    type from the list, three times slower), words kept as codes as an array of words, anything else as it is."""
    if isinstance(values, Words):
        return values.words()
    if isinstance(values, list) and values and isinstance(values[0], int | float):
        array = np.asarray(values)
        if array.dtype.kind in "biuf":
            return array
    return values


def tables_from_records(records: RunRecords, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The records of one replication as DataFrames: one per table of :data:`COLUMNS`, or of ``names`` only."""
    out = {}
    for name in COLUMNS if names is None else names:
        data = records.tables.get(name, {})
        out[name] = pd.DataFrame({col: _column(data.get(col, [])) for col in COLUMNS[name]})
    return out


# ---- the definitions, on arrays: shared by replication_metrics and simulator.metrics.arrays --------------
def among(words: np.ndarray, vocabulary: Iterable[str]) -> np.ndarray:
    """Whether each of ``words`` (an object or string array) is one of ``vocabulary``."""
    found = np.zeros(len(words), dtype=bool)
    for word in vocabulary:
        found |= words == word
    return found


def distinct(values: np.ndarray) -> int:
    """How many distinct values (client ids: a count of occurrences when they are dense integers)."""
    if values.dtype.kind in "iu" and len(values):
        low = int(values.min())
        if int(values.max()) - low < 4 * len(values) + 1024:
            return int(np.count_nonzero(np.bincount(values - low)))
    return len(np.unique(values))


def overlap(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Length of each ``[start, end]`` within ``[lo, hi]`` (0 when they do not meet)."""
    days: np.ndarray = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    return days


def census_nights(start: np.ndarray, end: np.ndarray, lo: float, hi: float, census: float) -> np.ndarray:
    """How many census instants (day + census hour) in ``[max(start, lo), min(end, hi))``."""
    a = np.maximum(start, lo)
    b = np.minimum(end, hi)
    first = np.ceil(a - census)
    last = np.ceil(b - census)  # census instants strictly before b
    nights: np.ndarray = np.clip(last - first, 0, None)
    return nights


def winter_days(days: np.ndarray, calendar: dict[str, str]) -> np.ndarray:
    """Whether each simulated day (0 = ``start_date``) lies in the scenario's winter season."""
    days = np.asarray(days, dtype=np.int64)
    if not len(days):
        return np.zeros(0, dtype=bool)
    low, high = int(days.min()), int(days.max())
    flags = _winter_flags(calendar["start_date"], calendar["winter_start"], calendar["winter_end"], low, high)
    picked: np.ndarray = flags[days - low]
    return picked


@functools.lru_cache(maxsize=64)
def _winter_flags(start_date: str, winter_start: str, winter_end: str, low: int, high: int) -> np.ndarray:
    """:func:`winter_days` of the days ``low`` to ``high`` (the same at every replication of a scenario)."""
    start = date.fromisoformat(start_date)
    season = Season(start=winter_start, end=winter_end)
    flags = np.array([in_season(start + timedelta(days=day), season) for day in range(low, high + 1)], dtype=bool)
    flags.setflags(write=False)
    return flags


def count_night(days: np.ndarray, calendar: dict[str, str]) -> int | None:
    """Row index of the first census night falling on the count date (``MM-DD``), if the window has one."""
    start = date.fromisoformat(calendar["start_date"])
    month, day = (int(x) for x in calendar["count_date"].split("-"))
    for index, offset in enumerate(days):
        when = start + timedelta(days=int(offset))
        if (when.month, when.day) == (month, day):
            return index
    return None


def visit_line_times(arrival: np.ndarray, start: np.ndarray, end: np.ndarray, balked: np.ndarray,
                     hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Each visit's time in line and whether it is complete (``False``: still in line at ``hi``).

    The line ends at the start of service (served, or in service at the horizon, or when the episode ended
    in service), when the client left it (reneged, lost, episode ended), or at once for a balk.
    """
    left = np.where(~np.isnan(start), start, np.where(balked, arrival, end))
    observed = ~np.isnan(left)
    duration = np.where(observed, left, hi) - arrival
    return duration, observed


def line_times(visits: pd.DataFrame, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`visit_line_times` of the rows of a ``visits`` table."""
    return visit_line_times(visits["arrival"].to_numpy(dtype=float), visits["start"].to_numpy(dtype=float),
                            visits["end"].to_numpy(dtype=float), (visits["outcome"] == BALKED).to_numpy(), hi)


def service_rows(rows: Rows, service: str, arrival: np.ndarray, start: np.ndarray, end: np.ndarray,
                 outcome: np.ndarray, hi: float) -> None:
    """The visit metrics of one service, from its visits arriving in the window (at least one)."""
    served = outcome == SERVED
    reneged = outcome == RENEGED
    balked = outcome == BALKED
    wait = start[served] - arrival[served]
    rows.add("visits", service, len(outcome))
    rows.add("visits_served", service, served.sum())
    rows.add("visits_reneged", service, reneged.sum())
    rows.add("visits_balked", service, balked.sum())
    rows.add("visits_censored", service, (outcome == CENSORED).sum())
    rows.add("balk_share", service, balked.mean())
    rows.add("renege_share", service, reneged.mean())
    rows.add("abandonment_share", service, (reneged | balked).mean())
    durations, complete = visit_line_times(arrival, start, end, balked, hi)
    line = kaplan_meier(durations, complete)
    rows.add("line_time_mean_days", service, line.restricted_mean())
    for name, q in (("line_time_median_days", 0.5), ("line_time_p90_days", 0.9)):
        value = line.quantile(q)
        if not math.isnan(value):
            rows.add(name, service, value)
    if len(wait):
        rows.add("wait_mean_days", service, wait.mean())
        rows.add("wait_median_days", service, np.median(wait))
        p90, p95 = np.quantile(wait, (0.9, 0.95))  # (one partition of the waits: each the same as alone)
        rows.add("wait_p90_days", service, p90)
        rows.add("wait_p95_days", service, p95)
        sojourn = end[served] - arrival[served]
        rows.add("sojourn_mean_days", service, sojourn.mean())


def busy_hours(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> float:
    """Hours of service within ``[lo, hi]`` of a service's visits (``start`` NaN: never served; ``end`` NaN:
    still in service, counted to ``hi``)."""
    end = np.where(np.isnan(end), hi, end)
    ok = ~np.isnan(start)
    return float(overlap(start[ok], end[ok], lo, hi).sum() * 24)


def node_rows(rows: Rows, service: str, kind: str, available: Any, present: Any, arrivals: Any, offered: Any,
              span_days: float, work_hours: Callable[[], float]) -> None:
    """The metrics of one row of the ``nodes`` table; ``work_hours()``: the hours of service
    (:func:`busy_hours`) plus the staff-table hours at the service other than assessments."""
    rows.add("time_avg_present", service, present)
    rows.add("arrival_rate_per_day", service, arrivals / span_days if span_days > 0 else math.nan)
    if kind in QUEUE_KINDS and available and available > 0:
        rows.add("utilisation", service, work_hours() / available)
        rows.add("offered_load", service, offered / available)


def need_rows(rows: Rows, need: np.ndarray, outcome: np.ndarray, onset: np.ndarray, end: np.ndarray, lo: float,
              hi: float) -> np.ndarray:
    """The need metrics, from every row of the ``needs`` table; returns each need's unmet days."""
    unmet = overlap(onset, end, lo, hi)
    censored = outcome == CENSORED
    met = (outcome == MET) & (end >= lo)
    for name in SERVICE_NEEDS:
        mine = need == name
        rows.add("unmet_need_days", name, unmet[mine].sum())
        rows.add("needs_open_at_horizon", name, (censored & mine).sum())
        got = met & mine
        rows.add("needs_met", name, got.sum())
        if got.any():
            took = end[got] - onset[got]
            rows.add("time_to_need_met_mean_days", name, took.mean())
            rows.add("time_to_need_met_median_days", name, np.median(took))
    rows.add("needs_open_at_horizon", "all", censored.sum())
    return unmet


def shelter_rows(rows: Rows, day: np.ndarray, capacity: np.ndarray, occupancy: np.ndarray, refused: np.ndarray,
                 calendar: dict[str, str]) -> None:
    """The shelter metrics, from the network rows (``shelter == "all"``) of the ``nights`` table."""
    if not len(day):
        return
    turned_away = refused.sum()
    occupied = occupancy.sum()
    rows.add("turnaways", "all", turned_away)
    if occupied + turned_away:  # a rate of 0 / 0 (nobody asked for a bed) is no figure: omitted
        rows.add("turnaway_rate", "all", turned_away / (occupied + turned_away))
    if capacity.sum():
        rows.add("occupancy_rate", "all", occupied / capacity.sum())
    rows.add("nights_at_capacity_share", "all", (occupancy >= capacity).mean())
    if calendar:
        winter = winter_days(day, calendar)
        rates = {}
        for season, mask in (("winter", winter), ("rest", ~winter)):
            asked = occupancy[mask].sum() + refused[mask].sum()
            if mask.any() and asked:
                rates[season] = refused[mask].sum() / asked
                rows.add("turnaway_rate", season, rates[season])
        if len(rates) == 2:
            rows.add("turnaway_winter_excess", "all", rates["winter"] - rates["rest"])


def census_rows(rows: Rows, day: np.ndarray, sheltered: np.ndarray, outdoors: np.ndarray, other: np.ndarray,
                calendar: dict[str, str]) -> float:
    """The census metrics, from the ``census`` table; returns the one-night count on the count date (0 when
    the window holds none)."""
    if not len(day):
        return 0.0
    rows.add("count_sheltered", "all", sheltered.mean())
    rows.add("count_outdoors", "all", outdoors.mean())
    rows.add("count_other", "all", other.mean())
    rows.add("count_total", "all", (sheltered + outdoors + other).mean())
    rows.add("unsheltered_nights", "all", outdoors.sum())
    counted = 0.0
    night = count_night(day, calendar) if calendar else None
    if night is not None:
        counted = float(sheltered[night] + outdoors[night] + other[night])
        rows.add("count_on_date", "total", counted)
        for place, values in (("sheltered", sheltered), ("outdoors", outdoors), ("other", other)):
            rows.add("count_on_date", place, values[night])
            if counted:
                rows.add("count_on_date_share", place, values[night] / counted)
    return counted


def flow_rows(rows: Rows, client: np.ndarray, source: np.ndarray, pattern: np.ndarray, start: np.ndarray,
              end: np.ndarray, since: np.ndarray, exit_reason: np.ndarray, counted: float, lo: float,
              hi: float) -> np.ndarray:
    """The flows and time homeless, from every row of the ``episodes`` table; returns which episodes are in
    the window."""
    in_window = (end >= lo) & (start < hi)
    exits = in_window & (end < hi) & (exit_reason != CENSORED)
    rows.add("clients_served", "all", in_window.sum())
    people = distinct(client[in_window])
    rows.add("people_homeless", "all", people)
    if counted:
        rows.add("people_to_count_ratio", "all", people / counted)
    entered = start >= lo
    rows.add("new_inflow", "all", ((source == "inflow") & entered).sum())
    rows.add("returns", "all", ((source == "return") & entered).sum())
    for reason in EXIT_REASONS:
        rows.add("exits", reason, (exits & (exit_reason == reason)).sum())
    rows.add("exits", "all", (exits & among(exit_reason, EXIT_REASONS)).sum())
    if exits.any():
        lot = end[exits] - since[exits]
        rows.add("time_homeless_mean_days", "exits", lot.mean())
        rows.add("time_homeless_median_days", "exits", np.median(lot))
    housed = exits & (exit_reason == HOUSED)
    if housed.any():
        rows.add("time_homeless_mean_days", "housed", (end[housed] - since[housed]).mean())
    rows.add("chronic_clients", "all", (in_window & (pattern == "chronic")).sum())
    return in_window


def follow_up_rows(rows: Rows, housed_end: np.ndarray, after: np.ndarray, hi: float) -> None:
    """Returns after an exit to housing: ``housed_end``, the end of each exit to housing in the window;
    ``after``, the days from it to the client's return (NaN: none in the run)."""
    for label, days in FOLLOW_UP.items():
        followed = housed_end + days <= hi
        rows.add("housing_exits_followed", label, followed.sum())
        rows.add("housing_exits_unfollowed", label, (~followed).sum())
        if followed.any():
            share = float(np.mean(after[followed] <= days))  # NaN compares False: not returned
            rows.add("returns_within_share", label, share)
            if label != "24m":
                rows.add("housing_retention_share", label, 1.0 - share)


def first_time_rows(rows: Rows, source: np.ndarray, start: np.ndarray, lo: float) -> None:
    """First-time homeless against returns, from every row of the ``episodes`` table."""
    starts = start >= lo
    first = int(((source == "inflow") & starts).sum())
    again = int(((source == "return") & starts).sum())
    if first + again:
        rows.add("first_time_share", "all", first / (first + again))


def spell_days(t: np.ndarray | float, since: np.ndarray, end: np.ndarray, window: float) -> np.ndarray:
    """Days of each spell homeless ``[since, min(end, t)]`` within ``[t - window, t]``."""
    stop = np.minimum(end, t)
    days: np.ndarray = np.clip(stop - np.maximum(since, t - window), 0.0, None)
    return days


def is_chronic(homeless_days: Callable[[float], np.ndarray]) -> np.ndarray:
    """Reaching Home's chronic homelessness, from ``homeless_days(window)``: the days homeless over the past
    ``window`` days."""
    return ((homeless_days(365.0) >= CHRONIC_YEAR_DAYS)
            | (homeless_days(3 * 365.0) >= CHRONIC_RECURRENT_DAYS))


def chronic_rows(rows: Rows, night: np.ndarray | None, clients: np.ndarray, chronic: np.ndarray) -> None:
    """Chronic homelessness: ``night``, whether each episode present at the count night's census instant is
    chronic then (``None``: no count night); ``clients`` and ``chronic``, the client of each episode in the
    window and whether it is chronic at its last instant in the window."""
    if night is not None:
        rows.add("chronic_homeless", "count_night", night.sum())
        if len(night):
            rows.add("chronic_homeless_share", "count_night", night.mean())
    if len(clients):
        people = distinct(clients)
        chronic_people = distinct(clients[chronic])
        rows.add("chronic_homeless", "year", chronic_people)
        rows.add("chronic_homeless_share", "year", chronic_people / people)


def monthly_rows(rows: Rows, entering: np.ndarray, leaving: np.ndarray, census_total: np.ndarray, lo: float,
                 hi: float) -> None:
    """Monthly flows: ``entering``, the start of each episode of a source other than ``stock``; ``leaving``,
    the end of each episode ended by an exit; ``census_total``, the clients counted at each census instant."""
    months = int((hi - lo) // MONTH_DAYS + 1e-9)
    if months < 1:
        return
    edges = lo + MONTH_DAYS * np.arange(months + 1)
    inflow = np.histogram(entering, bins=edges)[0]
    outflow = np.histogram(leaving, bins=edges)[0]
    for month in range(months):
        rows.add("monthly_inflow", f"{month + 1:02d}", inflow[month])
        rows.add("monthly_outflow", f"{month + 1:02d}", outflow[month])
    rows.add("inflow_per_month", "all", inflow.mean())
    rows.add("outflow_per_month", "all", outflow.mean())
    rows.add("months_observed", "all", months)
    rows.add("months_outflow_above_inflow", "all", (outflow > inflow).sum())
    if len(census_total) and outflow.mean() > 0:
        rows.add("functional_zero_ratio", "all", census_total.mean() / outflow.mean())


def subgroup_rows(rows: Rows, gender: np.ndarray, indigenous: np.ndarray, age_group: np.ndarray,
                  needs_at_entry: np.ndarray, pattern: np.ndarray, outdoors: np.ndarray, unmet: np.ndarray,
                  refused: np.ndarray, housed: np.ndarray) -> None:
    """The subgroup metrics, one entry per episode in the window: its attributes, census instants outdoors,
    unmet-need days, refused nights and whether it ended by an exit to housing in the window."""
    groups = {
        "all": np.ones(len(gender), dtype=bool),
        "women": gender == "woman",
        "men": gender == "man",
        "indigenous": indigenous.astype(bool),
        "youth": age_group == "youth",
        "high_complexity": needs_at_entry >= HIGH_COMPLEXITY,
        "chronic": pattern == "chronic",
    }
    for name, mask in groups.items():
        size = int(mask.sum())
        rows.add("clients", name, size)
        if size:
            rows.add("unsheltered_nights_per_client", name, outdoors[mask].mean())
            rows.add("unmet_need_days_per_client", name, unmet[mask].mean())
            rows.add("refused_nights_per_client", name, refused[mask].mean())
            rows.add("housed_share", name, housed[mask].sum() / size)


def referral_rows(rows: Rows, adjustment: str, outcome: np.ndarray, created: np.ndarray,
                  arrived: np.ndarray) -> None:
    """The referral metrics of one adjustment type (or ``all``), from its referrals created in the window."""
    total = len(outcome)
    completed = among(outcome, COMPLETED).sum()
    lost = among(outcome, LOST).sum()
    rows.add("referrals_sent", adjustment, total)
    rows.add("referrals_completed", adjustment, completed)
    rows.add("referrals_lost", adjustment, lost)
    if total:
        rows.add("referral_completion_share", adjustment, completed / total)
        rows.add("referral_loss_share", adjustment, lost / total)
    reached = ~np.isnan(arrived)
    rows.add("referrals_arrived", adjustment, reached.sum())
    if reached.any():
        rows.add("handoff_latency_mean_days", adjustment, (arrived[reached] - created[reached]).mean())


# ---- the reference implementation: pandas tables, groupby and merges -----------------------------------------
def _floats(column: pd.Series) -> np.ndarray:
    values: np.ndarray = column.to_numpy(dtype=float)
    return values


def location_nights(tables: dict[str, pd.DataFrame], lo: float, hi: float, census: float) -> pd.DataFrame:
    """Per client episode, nights (census instants) spent in each location within ``[lo, hi]``."""
    locations = tables["locations"]
    if locations.empty:
        empty = {"client": "int64", "episode": "int64", "shelter": "float64", "outdoors": "float64",
                 "other": "float64"}  # typed, so that merging it with an empty episodes table works
        return pd.DataFrame({col: pd.Series(dtype=kind) for col, kind in empty.items()})
    loc = locations.sort_values(["client", "time"], kind="stable")
    nxt = loc["time"].shift(-1).to_numpy(dtype=float)
    same = (loc["client"].shift(-1) == loc["client"]).to_numpy()
    end = np.where(same, nxt, hi)
    nights = census_nights(loc["time"].to_numpy(dtype=float), end, lo, hi, census)
    frame = pd.DataFrame({"client": loc["client"].to_numpy(), "episode": loc["episode"].to_numpy(),
                          "location": loc["location"].to_numpy(), "nights": nights})
    frame = frame[frame["location"] != "exited"]
    wide = frame.pivot_table(index=["client", "episode"], columns="location", values="nights", aggfunc="sum",
                             fill_value=0.0)
    for col in ("shelter", "outdoors", "other"):
        if col not in wide:
            wide[col] = 0.0
    return wide.reset_index()


def _homeless_days(at: pd.DataFrame, episodes: pd.DataFrame, window: float) -> np.ndarray:
    """For each row of ``at`` (client, episode, t): days homeless in ``[t - window, t]`` over that episode and
    the client's earlier ones, each counted from its ``homeless_since`` (time homeless before the run is
    known only for the episode a client was in at the start)."""
    if at.empty:
        return np.zeros(0)
    spells = episodes[["client", "episode", "homeless_since", "end"]].rename(columns={"episode": "spell"})
    keyed = at.reset_index(drop=True).reset_index(names="row")
    both = keyed.merge(spells, on="client")
    both = both[both["spell"] <= both["episode"]]
    days = spell_days(_floats(both["t"]), _floats(both["homeless_since"]), _floats(both["end"]), window)
    total = np.zeros(len(keyed))
    np.add.at(total, both["row"].to_numpy(), days)
    return total


def _chronic(at: pd.DataFrame, episodes: pd.DataFrame) -> np.ndarray:
    """Reaching Home's chronic homelessness at each row's time ``t``."""
    return is_chronic(lambda window: _homeless_days(at, episodes, window))


def funders_measures(episodes: pd.DataFrame, census: pd.DataFrame, calendar: dict[str, str], lo: float,
                     hi: float) -> list[Row]:
    """The measures funders track (HUD System Performance Measures, Reaching Home, Built for Zero):
    returns after housing, first-time homelessness, chronic homelessness and monthly flows."""
    rows = Rows()
    ended = episodes["exit_reason"].isin(EXIT_REASONS).to_numpy()
    end = _floats(episodes["end"])

    # returns within 6, 12 and 24 months of an exit to housing in the window (HUD SPM 2; SPM 7 retention)
    housed = episodes[(episodes["exit_reason"] == HOUSED) & (end >= lo) & (end < hi)]
    following = episodes[episodes["source"] == "return"][["client", "episode", "start"]]
    following = following.assign(episode=following["episode"] - 1).rename(columns={"start": "returned"})
    housed = housed.merge(following, on=["client", "episode"], how="left")
    follow_up_rows(rows, _floats(housed["end"]), _floats(housed["returned"] - housed["end"]), hi)

    # first-time homeless against returns (HUD SPM 5; Reaching Home's new inflows and returns)
    first_time_rows(rows, episodes["source"].to_numpy(), _floats(episodes["start"]), lo)

    # chronic homelessness on the count night and over the window (Reaching Home)
    night = count_night(census["day"].to_numpy(), calendar) if len(census) and calendar else None
    on_night = None
    if night is not None:
        when = float(census["time"].iloc[night])
        present = episodes[(episodes["start"] <= when) & (end > when)]
        on_night = _chronic(present[["client", "episode"]].assign(t=when), episodes)
    window = episodes[(end >= lo) & (_floats(episodes["start"]) < hi)]
    chronic = np.zeros(0, dtype=bool)
    if len(window):
        last = window[["client", "episode"]].assign(t=np.minimum(_floats(window["end"]), hi))
        chronic = _chronic(last, episodes)  # days homeless only grow during an episode: its last instant
    chronic_rows(rows, on_night, window["client"].to_numpy(), chronic)

    # monthly inflow and outflow (Built for Zero's by-name list dashboard)
    entering = _floats(episodes[(episodes["source"] != "stock").to_numpy()]["start"])
    total = (census["sheltered"] + census["outdoors"] + census["other"]).to_numpy()
    monthly_rows(rows, entering, end[ended], total, lo, hi)
    return rows


def replication_metrics(records: RunRecords, census_time: float = 3 / 24,
                        tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """All metrics of one replication as a long table ``metric, dimension, value``.

    The reference implementation: it selects, groups and joins the records as pandas DataFrames
    (:func:`tables_from_records`). :func:`simulator.metrics.arrays.metrics_from_arrays` gives the same table
    from the record columns as NumPy arrays, several times faster; the runs use that one, and the tests hold
    the two equal.
    """
    t = tables if tables is not None else tables_from_records(records)
    lo, hi = records.warmup, records.end_time
    rows = Rows()

    # ---- waits per service ------------------------------------------------------------------------
    visits = t["visits"]
    observed = visits[(visits["arrival"] >= lo) & (visits["arrival"] < hi)]
    for service, group in observed.groupby("service", sort=True):
        service_rows(rows, str(service), _floats(group["arrival"]), _floats(group["start"]), _floats(group["end"]),
                     group["outcome"].to_numpy(), hi)

    # ---- utilisation and Little's law monitors ---------------------------------------------------
    nodes = t["nodes"]
    staff = t["staff"]

    def work_hours(name: str) -> float:
        at = visits[visits["service"] == name]
        coordination = staff[(staff["service"] == name) & (staff["purpose"] != "assessment")]["hours"].sum()
        return busy_hours(_floats(at["start"]), _floats(at["end"]), lo, hi) + coordination

    for _, node in nodes.iterrows():
        name = node["service"]
        node_rows(rows, name, node["kind"], node["available_hours"], node["time_avg_present"],
                  node["arrivals_observed"], node["offered_hours"], hi - lo, partial(work_hours, name))

    # ---- needs ----------------------------------------------------------------------------------
    needs = t["needs"]
    unmet = need_rows(rows, needs["need"].to_numpy(), needs["outcome"].to_numpy(), _floats(needs["onset"]),
                      _floats(needs["end"]), lo, hi)
    needs = needs.assign(unmet_days=unmet)

    # ---- shelters, nights and counts -------------------------------------------------------------
    nights = t["nights"]
    census = t["census"]
    system = nights[nights["shelter"] == "all"]
    shelter_rows(rows, system["day"].to_numpy(), system["capacity"].to_numpy(), system["occupancy"].to_numpy(),
                 system["refused"].to_numpy(), records.calendar)
    counted = census_rows(rows, census["day"].to_numpy(), census["sheltered"].to_numpy(),
                          census["outdoors"].to_numpy(), census["other"].to_numpy(), records.calendar)

    # ---- episodes: flows, length of time homeless, subgroups ------------------------------------
    episodes = t["episodes"]
    window = flow_rows(rows, episodes["client"].to_numpy(), episodes["source"].to_numpy(),
                       episodes["pattern"].to_numpy(), _floats(episodes["start"]), _floats(episodes["end"]),
                       _floats(episodes["homeless_since"]), episodes["exit_reason"].to_numpy(), counted, lo, hi)
    in_window = episodes[window]

    rows.extend(funders_measures(episodes, census, records.calendar, lo, hi))

    per_client = location_nights(t, lo, hi, census_time)
    frame = in_window.merge(per_client, on=["client", "episode"], how="left").fillna(
        {"outdoors": 0.0, "shelter": 0.0, "other": 0.0})
    unmet_days = needs.groupby(["client", "episode"], as_index=False)["unmet_days"].sum()
    frame = frame.merge(unmet_days, on=["client", "episode"], how="left").fillna({"unmet_days": 0.0})
    reason = frame["exit_reason"].to_numpy()
    subgroup_rows(rows, frame["gender"].to_numpy(), frame["indigenous"].to_numpy(), frame["age_group"].to_numpy(),
                  frame["needs_at_entry"].to_numpy(), frame["pattern"].to_numpy(), _floats(frame["outdoors"]),
                  _floats(frame["unmet_days"]), frame["refused_nights"].to_numpy(),
                  (_floats(frame["end"]) < hi) & (reason != CENSORED) & (reason == HOUSED))

    # ---- referrals by adjustment type --------------------------------------------------------------
    referrals = t["referrals"]
    sent = referrals[(referrals["created"] >= lo) & (referrals["created"] < hi)]
    for adjustment, group in [("all", sent), *sent.groupby("adjustment", sort=True)]:
        referral_rows(rows, str(adjustment), group["outcome"].to_numpy(), _floats(group["created"]),
                      _floats(group["arrived"]))
    for outcome, count in sent["outcome"].value_counts().items():
        rows.add("referral_outcomes", str(outcome), count)

    # ---- coordination staff time -----------------------------------------------------------------
    rows.add("coordination_staff_hours", "all", staff["hours"].sum())
    for adjustment, hours in staff.groupby("adjustment")["hours"].sum().items():
        rows.add("coordination_staff_hours", str(adjustment), hours)
    for purpose, hours in staff.groupby("purpose")["hours"].sum().items():
        rows.add("coordination_staff_hours_by_purpose", str(purpose), hours)
    for key, value in records.counters.items():
        rows.add(key, "all", value)
    return long_table(records, rows)
