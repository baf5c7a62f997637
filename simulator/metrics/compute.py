"""Per-replication metrics, computed from the engine's records by pure functions.

Every metric is measured over the observed window ``[warmup, end]``; what happened during the warm-up only
sets the initial state. Clients, needs and visits still open at the horizon are censored, never dropped: they
are counted (``needs_open_at_horizon``, ``visits_censored``) and their time so far enters the unmet-need days.

The result is one long, tidy table: ``metric``, ``dimension`` (a service, need, adjustment type, subgroup or
``all``) and ``value``. ``docs/model.md`` defines each metric.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
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
from simulator.engine.records import COLUMNS, RunRecords
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


def tables_from_records(records: RunRecords) -> dict[str, pd.DataFrame]:
    """The records of one replication as DataFrames (one per table of :data:`COLUMNS`)."""
    out = {}
    for name, columns in COLUMNS.items():
        data = records.tables.get(name, {})
        out[name] = pd.DataFrame({col: data.get(col, []) for col in columns})
    return out


def _overlap(start: np.ndarray, end: np.ndarray, lo: float, hi: float) -> np.ndarray:
    overlap: np.ndarray = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    return overlap


def _census_nights(start: np.ndarray, end: np.ndarray, lo: float, hi: float, census: float) -> np.ndarray:
    """How many census instants (day + census hour) in ``[max(start, lo), min(end, hi))``."""
    a = np.maximum(start, lo)
    b = np.minimum(end, hi)
    first = np.ceil(a - census)
    last = np.ceil(b - census)  # census instants strictly before b
    nights: np.ndarray = np.clip(last - first, 0, None)
    return nights


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
    nights = _census_nights(loc["time"].to_numpy(dtype=float), end, lo, hi, census)
    frame = pd.DataFrame({"client": loc["client"].to_numpy(), "episode": loc["episode"].to_numpy(),
                          "location": loc["location"].to_numpy(), "nights": nights})
    frame = frame[frame["location"] != "exited"]
    wide = frame.pivot_table(index=["client", "episode"], columns="location", values="nights", aggfunc="sum",
                             fill_value=0.0)
    for col in ("shelter", "outdoors", "other"):
        if col not in wide:
            wide[col] = 0.0
    return wide.reset_index()


def _winter_days(days: np.ndarray, calendar: dict[str, str]) -> np.ndarray:
    """Whether each simulated day (0 = ``start_date``) lies in the scenario's winter season."""
    start = date.fromisoformat(calendar["start_date"])
    season = Season(start=calendar["winter_start"], end=calendar["winter_end"])
    flags = {int(day): in_season(start + timedelta(days=int(day)), season) for day in np.unique(days)}
    return np.array([flags[int(day)] for day in days], dtype=bool)


def _count_night(days: np.ndarray, calendar: dict[str, str]) -> int | None:
    """Row index of the first census night falling on the count date (``MM-DD``), if the window has one."""
    start = date.fromisoformat(calendar["start_date"])
    month, day = (int(x) for x in calendar["count_date"].split("-"))
    for index, offset in enumerate(days):
        when = start + timedelta(days=int(offset))
        if (when.month, when.day) == (month, day):
            return index
    return None


def line_times(visits: pd.DataFrame, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Each visit's time in line and whether it is complete (``False``: still in line at ``hi``).

    The line ends at the start of service (served, or in service at the horizon, or when the episode ended
    in service), when the client left it (reneged, lost, episode ended), or at once for a balk.
    """
    arrival = visits["arrival"].to_numpy(dtype=float)
    start = visits["start"].to_numpy(dtype=float)
    end = visits["end"].to_numpy(dtype=float)
    outcome = visits["outcome"].to_numpy()
    left = np.where(~np.isnan(start), start, np.where(outcome == BALKED, arrival, end))
    observed = ~np.isnan(left)
    duration = np.where(observed, left, hi) - arrival
    return duration, observed


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
    t = both["t"].to_numpy(dtype=float)
    stop = np.minimum(both["end"].to_numpy(dtype=float), t)
    days = np.clip(stop - np.maximum(both["homeless_since"].to_numpy(dtype=float), t - window), 0.0, None)
    total = np.zeros(len(keyed))
    np.add.at(total, both["row"].to_numpy(), days)
    return total


def _chronic(at: pd.DataFrame, episodes: pd.DataFrame) -> np.ndarray:
    """Reaching Home's chronic homelessness at each row's time ``t``."""
    return ((_homeless_days(at, episodes, 365.0) >= CHRONIC_YEAR_DAYS)
            | (_homeless_days(at, episodes, 3 * 365.0) >= CHRONIC_RECURRENT_DAYS))


def funders_measures(episodes: pd.DataFrame, census: pd.DataFrame, calendar: dict[str, str], lo: float,
                     hi: float) -> list[tuple[str, str, float]]:
    """The measures funders track (HUD System Performance Measures, Reaching Home, Built for Zero):
    returns after housing, first-time homelessness, chronic homelessness and monthly flows."""
    rows: list[tuple[str, str, float]] = []

    def add(metric: str, dimension: str, value: Any) -> None:
        rows.append((metric, dimension, float(value)))

    ended = episodes["exit_reason"].isin((HOUSED, SELF_RESOLVED, NEEDS_MET)).to_numpy()
    end = episodes["end"].to_numpy(dtype=float)

    # returns within 6, 12 and 24 months of an exit to housing in the window (HUD SPM 2; SPM 7 retention)
    housed = episodes[(episodes["exit_reason"] == HOUSED) & (end >= lo) & (end < hi)]
    following = episodes[episodes["source"] == "return"][["client", "episode", "start"]]
    following = following.assign(episode=following["episode"] - 1).rename(columns={"start": "returned"})
    housed = housed.merge(following, on=["client", "episode"], how="left")
    after = (housed["returned"] - housed["end"]).to_numpy(dtype=float)  # NaN: no return in the run
    for label, days in FOLLOW_UP.items():
        followed = (housed["end"] + days <= hi).to_numpy()
        add("housing_exits_followed", label, followed.sum())
        add("housing_exits_unfollowed", label, (~followed).sum())
        if followed.any():
            share = float(np.mean(after[followed] <= days))  # NaN compares False: not returned
            add("returns_within_share", label, share)
            if label != "24m":
                add("housing_retention_share", label, 1.0 - share)

    # first-time homeless against returns (HUD SPM 5; Reaching Home's new inflows and returns)
    starts = episodes["start"].to_numpy(dtype=float) >= lo
    first = int(((episodes["source"] == "inflow").to_numpy() & starts).sum())
    again = int(((episodes["source"] == "return").to_numpy() & starts).sum())
    if first + again:
        add("first_time_share", "all", first / (first + again))

    # chronic homelessness on the count night and over the window (Reaching Home)
    night = _count_night(census["day"].to_numpy(), calendar) if len(census) and calendar else None
    if night is not None:
        when = float(census["time"].iloc[night])
        present = episodes[(episodes["start"] <= when) & (end > when)]
        chronic = _chronic(present[["client", "episode"]].assign(t=when), episodes)
        add("chronic_homeless", "count_night", chronic.sum())
        if len(present):
            add("chronic_homeless_share", "count_night", chronic.mean())
    window = episodes[(end >= lo) & (episodes["start"].to_numpy(dtype=float) < hi)]
    if len(window):
        last = window[["client", "episode"]].assign(t=np.minimum(window["end"].to_numpy(dtype=float), hi))
        chronic = _chronic(last, episodes)  # days homeless only grow during an episode: its last instant
        people = window["client"].nunique()
        chronic_people = window.loc[chronic, "client"].nunique()
        add("chronic_homeless", "year", chronic_people)
        add("chronic_homeless_share", "year", chronic_people / people)

    # monthly inflow and outflow (Built for Zero's by-name list dashboard)
    months = int((hi - lo) // MONTH_DAYS + 1e-9)
    if months >= 1:
        edges = lo + MONTH_DAYS * np.arange(months + 1)
        entering = episodes[(episodes["source"] != "stock").to_numpy()]["start"].to_numpy(dtype=float)
        inflow = np.histogram(entering, bins=edges)[0]
        outflow = np.histogram(end[ended], bins=edges)[0]
        for month in range(months):
            add("monthly_inflow", f"{month + 1:02d}", inflow[month])
            add("monthly_outflow", f"{month + 1:02d}", outflow[month])
        add("inflow_per_month", "all", inflow.mean())
        add("outflow_per_month", "all", outflow.mean())
        add("months_observed", "all", months)
        add("months_outflow_above_inflow", "all", (outflow > inflow).sum())
        if len(census) and outflow.mean() > 0:
            homeless = (census["sheltered"] + census["outdoors"] + census["other"]).mean()
            add("functional_zero_ratio", "all", homeless / outflow.mean())
    return rows


def replication_metrics(records: RunRecords, census_time: float = 3 / 24,
                        tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """All metrics of one replication as a long table ``metric, dimension, value``."""
    t = tables if tables is not None else tables_from_records(records)
    lo, hi = records.warmup, records.end_time
    span_days = hi - lo
    rows: list[tuple[str, str, float]] = []

    def add(metric: str, dimension: Any, value: Any) -> None:
        rows.append((metric, str(dimension), float(value) if value is not None else math.nan))

    # ---- waits per service ------------------------------------------------------------------------
    visits = t["visits"]
    observed = visits[(visits["arrival"] >= lo) & (visits["arrival"] < hi)]
    for service, group in observed.groupby("service", sort=True):
        served = group[group["outcome"] == SERVED]
        wait = (served["start"] - served["arrival"]).to_numpy(dtype=float)
        add("visits", service, len(group))
        add("visits_served", service, len(served))
        add("visits_reneged", service, (group["outcome"] == RENEGED).sum())
        add("visits_balked", service, (group["outcome"] == BALKED).sum())
        add("visits_censored", service, (group["outcome"] == CENSORED).sum())
        add("balk_share", service, (group["outcome"] == BALKED).mean())
        add("renege_share", service, (group["outcome"] == RENEGED).mean())
        add("abandonment_share", service, group["outcome"].isin((RENEGED, BALKED)).mean())
        durations, complete = line_times(group, hi)
        line = kaplan_meier(durations, complete)
        add("line_time_mean_days", service, line.restricted_mean())
        for name, q in (("line_time_median_days", 0.5), ("line_time_p90_days", 0.9)):
            value = line.quantile(q)
            if not math.isnan(value):
                add(name, service, value)
        if len(wait):
            add("wait_mean_days", service, wait.mean())
            add("wait_median_days", service, np.median(wait))
            add("wait_p90_days", service, np.quantile(wait, 0.9))
            add("wait_p95_days", service, np.quantile(wait, 0.95))
            sojourn = (served["end"] - served["arrival"]).to_numpy(dtype=float)
            add("sojourn_mean_days", service, sojourn.mean())

    # ---- utilisation and Little's law monitors ---------------------------------------------------
    nodes = t["nodes"]
    staff = t["staff"]
    for _, node in nodes.iterrows():
        name = node["service"]
        add("time_avg_present", name, node["time_avg_present"])
        add("arrival_rate_per_day", name, node["arrivals_observed"] / span_days if span_days > 0 else math.nan)
        available = node["available_hours"]
        if node["kind"] in ("clinic", "access_point") and available and available > 0:
            at = visits[visits["service"] == name]
            start = at["start"].to_numpy(dtype=float)
            end = np.where(np.isnan(at["end"].to_numpy(dtype=float)), hi, at["end"].to_numpy(dtype=float))
            ok = ~np.isnan(start)
            busy = _overlap(start[ok], end[ok], lo, hi).sum() * 24
            coordination = staff[(staff["service"] == name) & (staff["purpose"] != "assessment")]["hours"].sum()
            add("utilisation", name, (busy + coordination) / available)
            add("offered_load", name, node["offered_hours"] / available)

    # ---- needs ----------------------------------------------------------------------------------
    needs = t["needs"]
    onset = needs["onset"].to_numpy(dtype=float)
    end = needs["end"].to_numpy(dtype=float)
    needs = needs.assign(unmet_days=_overlap(onset, end, lo, hi))
    met = needs[(needs["outcome"] == MET) & (needs["end"] >= lo)]
    for need in SERVICE_NEEDS:
        mine = needs[needs["need"] == need]
        add("unmet_need_days", need, mine["unmet_days"].sum())
        add("needs_open_at_horizon", need, (mine["outcome"] == CENSORED).sum())
        got = met[met["need"] == need]
        add("needs_met", need, len(got))
        if len(got):
            add("time_to_need_met_mean_days", need, (got["end"] - got["onset"]).mean())
            add("time_to_need_met_median_days", need, (got["end"] - got["onset"]).median())
    add("needs_open_at_horizon", "all", (needs["outcome"] == CENSORED).sum())

    # ---- shelters, nights and counts -------------------------------------------------------------
    nights = t["nights"]
    census = t["census"]
    system = nights[nights["shelter"] == "all"]
    if len(system):
        refused = system["refused"].sum()
        occupied = system["occupancy"].sum()
        add("turnaways", "all", refused)
        if occupied + refused:  # a rate of 0 / 0 (nobody asked for a bed) is no figure: omitted
            add("turnaway_rate", "all", refused / (occupied + refused))
        if system["capacity"].sum():
            add("occupancy_rate", "all", occupied / system["capacity"].sum())
        add("nights_at_capacity_share", "all", (system["occupancy"] >= system["capacity"]).mean())
        if records.calendar:
            winter = _winter_days(system["day"].to_numpy(), records.calendar)
            rates = {}
            for season, mask in (("winter", winter), ("rest", ~winter)):
                part = system[mask]
                asked = part["occupancy"].sum() + part["refused"].sum()
                if len(part) and asked:
                    rates[season] = part["refused"].sum() / asked
                    add("turnaway_rate", season, rates[season])
            if len(rates) == 2:
                add("turnaway_winter_excess", "all", rates["winter"] - rates["rest"])
    if len(census):
        add("count_sheltered", "all", census["sheltered"].mean())
        add("count_outdoors", "all", census["outdoors"].mean())
        add("count_other", "all", census["other"].mean())
        add("count_total", "all", (census["sheltered"] + census["outdoors"] + census["other"]).mean())
        add("unsheltered_nights", "all", census["outdoors"].sum())
    counted = 0.0  # the one-night count on the count date, when the window holds one
    if len(census) and records.calendar:
        night = _count_night(census["day"].to_numpy(), records.calendar)
        if night is not None:
            row = census.iloc[night]
            counted = float(row["sheltered"] + row["outdoors"] + row["other"])
            add("count_on_date", "total", counted)
            for place in ("sheltered", "outdoors", "other"):
                add("count_on_date", place, row[place])
                if counted:
                    add("count_on_date_share", place, row[place] / counted)

    # ---- episodes: flows, length of time homeless, subgroups ------------------------------------
    episodes = t["episodes"]
    in_window = episodes[(episodes["end"] >= lo) & (episodes["start"] < hi)]
    exits = in_window[(in_window["end"] < hi) & (in_window["exit_reason"] != CENSORED)]
    add("clients_served", "all", len(in_window))
    people = in_window["client"].nunique()
    add("people_homeless", "all", people)
    if counted:
        add("people_to_count_ratio", "all", people / counted)
    add("new_inflow", "all", ((episodes["source"] == "inflow") & (episodes["start"] >= lo)).sum())
    add("returns", "all", ((episodes["source"] == "return") & (episodes["start"] >= lo)).sum())
    for reason in (HOUSED, SELF_RESOLVED, NEEDS_MET):
        add("exits", reason, (exits["exit_reason"] == reason).sum())
    add("exits", "all", exits["exit_reason"].isin((HOUSED, SELF_RESOLVED, NEEDS_MET)).sum())
    if len(exits):
        lot = exits["end"] - exits["homeless_since"]
        add("time_homeless_mean_days", "exits", lot.mean())
        add("time_homeless_median_days", "exits", lot.median())
    housed = exits[exits["exit_reason"] == HOUSED]
    if len(housed):
        add("time_homeless_mean_days", "housed", (housed["end"] - housed["homeless_since"]).mean())
    chronic = in_window["pattern"] == "chronic"
    add("chronic_clients", "all", chronic.sum())

    rows.extend(funders_measures(episodes, census, records.calendar, lo, hi))

    per_client = location_nights(t, lo, hi, census_time)
    frame = in_window.merge(per_client, on=["client", "episode"], how="left").fillna(
        {"outdoors": 0.0, "shelter": 0.0, "other": 0.0})
    unmet = needs.groupby(["client", "episode"], as_index=False)["unmet_days"].sum()
    frame = frame.merge(unmet, on=["client", "episode"], how="left").fillna({"unmet_days": 0.0})
    groups = {
        "all": np.ones(len(frame), dtype=bool),
        "women": (frame["gender"] == "woman").to_numpy(),
        "men": (frame["gender"] == "man").to_numpy(),
        "indigenous": frame["indigenous"].astype(bool).to_numpy(),
        "youth": (frame["age_group"] == "youth").to_numpy(),
        "high_complexity": (frame["needs_at_entry"] >= HIGH_COMPLEXITY).to_numpy(),
        "chronic": (frame["pattern"] == "chronic").to_numpy(),
    }
    for name, mask in groups.items():
        part = frame[mask]
        add("clients", name, len(part))
        if len(part):
            add("unsheltered_nights_per_client", name, part["outdoors"].mean())
            add("unmet_need_days_per_client", name, part["unmet_days"].mean())
            add("refused_nights_per_client", name, part["refused_nights"].mean())
            ended = part[(part["end"] < hi) & (part["exit_reason"] != CENSORED)]
            add("housed_share", name, (ended["exit_reason"] == HOUSED).sum() / len(part))

    # ---- referrals by adjustment type --------------------------------------------------------------
    referrals = t["referrals"]
    sent = referrals[(referrals["created"] >= lo) & (referrals["created"] < hi)]
    for adjustment, group in [("all", sent), *sent.groupby("adjustment", sort=True)]:
        total = len(group)
        completed = group["outcome"].isin(COMPLETED).sum()
        lost = group["outcome"].isin(LOST).sum()
        add("referrals_sent", adjustment, total)
        add("referrals_completed", adjustment, completed)
        add("referrals_lost", adjustment, lost)
        if total:
            add("referral_completion_share", adjustment, completed / total)
            add("referral_loss_share", adjustment, lost / total)
        reached = group[group["arrived"].notna()]
        add("referrals_arrived", adjustment, len(reached))
        if len(reached):
            add("handoff_latency_mean_days", adjustment, (reached["arrived"] - reached["created"]).mean())
    for outcome, count in sent["outcome"].value_counts().items():
        add("referral_outcomes", str(outcome), count)

    # ---- coordination staff time -----------------------------------------------------------------
    add("coordination_staff_hours", "all", staff["hours"].sum())
    for adjustment, hours in staff.groupby("adjustment")["hours"].sum().items():
        add("coordination_staff_hours", str(adjustment), hours)
    for purpose, hours in staff.groupby("purpose")["hours"].sum().items():
        add("coordination_staff_hours_by_purpose", str(purpose), hours)
    for key, value in records.counters.items():
        add(key, "all", value)

    out = pd.DataFrame(rows, columns=["metric", "dimension", "value"])
    out.insert(0, "replication", records.replication)
    out.insert(1, "regime", records.regime)
    return out
