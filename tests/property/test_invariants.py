"""Property tests: invariants of the records of any small scenario, under any regime and seed.

The scenarios come from :mod:`tests.strategies` (a scaled-down montreal_centre whose capacities, staff,
losses, latencies, calendar and regime vary). Each check below is a plain function that raises
``AssertionError``; the hypothesis tests run them on simulated records, and a meta-test runs them on
deliberately corrupted records to show that they can fail.

Invariants checked:

* conservation: every episode that starts ends exactly once (exit or censoring at the horizon); every need of
  every episode ends exactly once (met, open at exit, censored); every referral ever created has exactly one
  row and one outcome; visits and referrals agree;
* time: no negative wait or duration anywhere, every time within ``[0, warmup + horizon]``, every record
  within its client's episode;
* shelters: occupancy never above capacity, capacity follows the (winter) schedule, and the nightly count
  reconstructed from the ``locations`` table equals the engine's census and the shelters' occupancy;
* services: never more clients in service than staff, no service started while a clinic is closed, and the
  node monitors (arrivals, time-average number present) equal what the visits table implies (Little's law
  bookkeeping);
* determinism: same scenario and seed, same tables; ``run_batch`` gives the same metrics with 1 or 2 workers;
* common random numbers: for one seed, the initial stock and the inflow (who arrives, when, with which
  attributes and needs) are identical under every regime.

The end of the file holds regression and known-bug tests (``xfail(strict=True)``: they fail loudly once the
engine is fixed, so that the marker gets removed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator
from simulator import Scenario
from simulator.config.schema import Clinic, Housing, Shelter
from tests.strategies import (
    BUILTIN_REGIMES,
    REGIMES,
    base_data,
    base_scenario,
    build,
    scenarios,
    seeds,
)

EXIT_REASONS = {"housed", "self_resolved", "needs_met"}
NEED_OUTCOMES = {"met", "open_at_exit", "censored"}
REFERRAL_OUTCOMES = {"served", "housed", "lost_handoff", "lost_waiting", "reneged", "balked", "ineligible",
                     "client_exited", "censored"}
VISIT_OUTCOMES = {"served", "reneged", "lost_waiting", "balked", "exited", "censored"}
LOCATIONS = {"shelter", "outdoors", "other", "exited"}
STAFF_PURPOSES = {"sender", "receiver", "accompaniment", "conference", "assessment"}
REGIME_TYPES = {
    "organic": {"unilateral", "bilateral", "multilateral"},
    "unilateral": {"unilateral"},
    "bilateral": {"bilateral"},
    "multilateral": {"multilateral"},
    "integrated": {"integrated"},
    "mixed": {"unilateral", "bilateral", "multilateral"},
}
TABLES = ("episodes", "needs", "referrals", "visits", "staff", "locations", "nights", "census", "nodes",
          "events")

# time comparisons: the engine adds and subtracts floats; allow for rounding, never for a real gap
EPS = 1e-9

SMALL = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                 print_blob=True)


# ================================================================================================ checks
def _within(values: pd.Series, lo: float, hi: float, what: str) -> None:
    v = values.dropna().to_numpy(dtype=float)
    bad = (v < lo - EPS) | (v > hi + EPS)
    assert not bad.any(), f"{what}: {bad.sum()} values outside [{lo}, {hi}], e.g. {v[bad][:5]}"


def _ordered(first: pd.Series, then: pd.Series, what: str) -> None:
    """``first <= then`` wherever both are present (a negative wait or duration fails)."""
    a = first.to_numpy(dtype=float)
    b = then.to_numpy(dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    bad = both & (b < a - EPS)
    assert not bad.any(), f"{what}: {bad.sum()} negative durations, e.g. {(b - a)[bad][:5]}"


def _episode_of(frame: pd.DataFrame, episodes: pd.DataFrame, what: str) -> pd.DataFrame:
    """``frame`` joined with its episode's start, end and exit reason; every row must have an episode."""
    keyed = episodes[["client", "episode", "start", "end", "exit_reason"]].rename(
        columns={"start": "ep_start", "end": "ep_end"})
    merged = frame.merge(keyed, on=["client", "episode"], how="left", validate="many_to_one")
    orphans = merged["ep_start"].isna()
    assert not orphans.any(), f"{what}: {orphans.sum()} rows name an episode that has no episode row"
    return merged


def check_times(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Every time in every table lies in [0, warmup + horizon]; nothing is recorded twice in the census."""
    end = scenario.end_time
    for table, columns in {
        "episodes": ("start", "end"),
        "needs": ("onset", "end"),
        "referrals": ("created", "arrived", "start", "end"),
        "visits": ("arrival", "start", "end"),
        "staff": ("time",),
        "locations": ("time",),
        "census": ("time",),
        "events": ("time",),
    }.items():
        for column in columns:
            _within(t[table][column], 0.0, end, f"{table}.{column}")
    # coordination is recorded over the observed window only, and always takes some time
    _within(t["staff"]["time"], scenario.warmup, end, "staff.time (observed window)")
    assert (t["staff"]["hours"] > 0).all(), "staff: a coordination record with no time"
    assert set(t["staff"]["purpose"]) <= STAFF_PURPOSES, f"staff: unknown purposes {set(t['staff']['purpose'])}"
    _within(t["census"]["time"], scenario.warmup, end, "census.time (observed window)")
    assert t["census"]["day"].is_unique, "census: a night counted twice"
    assert t["census"]["day"].diff().dropna().eq(1).all(), "census: nights missing from the count"


def check_episodes(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Every episode that started is closed exactly once: exited before the horizon or censored at it."""
    ep = t["episodes"]
    end = scenario.end_time
    dup = ep.duplicated(["client", "episode"])
    assert not dup.any(), f"episodes: {dup.sum()} (client, episode) recorded twice"
    reasons = set(ep["exit_reason"])
    assert reasons <= EXIT_REASONS | {"censored"}, f"episodes: unknown exit reasons {reasons}"
    censored = ep["exit_reason"] == "censored"
    assert (ep.loc[censored, "end"] == end).all(), "episodes: a censored episode ends before the horizon"
    assert (ep.loc[~censored, "end"] < end).all(), "episodes: an exit recorded at or after the horizon"
    _ordered(ep["start"], ep["end"], "episodes: start -> end")
    _ordered(ep["homeless_since"], ep["start"], "episodes: homeless_since -> start")
    assert (ep["refused_nights"] >= 0).all(), "episodes: negative refused nights"
    assert (ep["needs_at_entry"] >= 0).all(), "episodes: negative number of needs"
    if not scenario.population.exits.exit_when_needs_met:
        assert not (ep["exit_reason"] == "needs_met").any(), "episodes: needs_met exit in a model without it"

    # sources: the stock is placed at time 0 as the first clients, the inflow opens first episodes,
    # returns open later ones
    sources = set(ep["source"])
    assert sources <= {"stock", "inflow", "return"}, f"episodes: unknown sources {sources}"
    stock = ep[ep["source"] == "stock"]
    count = scenario.population.initial_stock.count
    assert len(stock) == count, f"episodes: {len(stock)} stock episodes for an initial stock of {count}"
    assert (stock["start"] == 0).all(), "episodes: a stock episode does not start at time 0"
    assert (stock["episode"] == 1).all(), "episodes: a stock episode is not the client's first"
    assert sorted(stock["client"]) == list(range(count)), "episodes: stock clients are not 0..count-1"
    inflow = ep[ep["source"] == "inflow"]
    assert (inflow["episode"] == 1).all(), "episodes: an inflow episode is not the client's first"
    # (equal up to rounding: the engine computes the clock as now + (t - now))
    assert np.allclose(inflow["homeless_since"], inflow["start"], rtol=0, atol=EPS)
    assert (ep.loc[ep["source"] == "return", "episode"] > 1).all(), "episodes: a return opens episode 1"
    # every client drawn has an episode: ids are 0..n-1 with no gap
    clients = np.sort(ep["client"].unique())
    assert np.array_equal(clients, np.arange(len(clients))), "episodes: a client id has no episode at all"

    # per client: episodes 1..k, one after the other, only the last may be censored
    ordered = ep.sort_values(["client", "episode"], kind="stable")
    same = ordered["client"].shift(-1) == ordered["client"]
    nxt_episode = ordered["episode"].shift(-1)
    nxt_start = ordered["start"].shift(-1)
    assert (nxt_episode[same] == ordered["episode"][same] + 1).all(), "episodes: episode numbers skip"
    assert (nxt_start[same] >= ordered["end"][same] - EPS).all(), "episodes: a client's episodes overlap"
    assert (ordered["exit_reason"][same] != "censored").all(), "episodes: a censored episode is followed"
    firsts = ordered.groupby("client")["episode"].min()
    assert (firsts == 1).all(), "episodes: a client's first episode is not episode 1"


def check_needs(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Every need of every episode ends exactly once: met, open at exit, or censored at the horizon."""
    needs = t["needs"]
    ep = t["episodes"]
    dup = needs.duplicated(["client", "episode", "need"])
    assert not dup.any(), f"needs: {dup.sum()} needs of an episode ended twice"
    outcomes = set(needs["outcome"])
    assert outcomes <= NEED_OUTCOMES, f"needs: unknown outcomes {outcomes}"
    counts = needs.groupby(["client", "episode"]).size().rename("rows")
    joined = ep.set_index(["client", "episode"]).join(counts).fillna({"rows": 0})
    missing = joined["rows"] != joined["needs_at_entry"]
    assert not missing.any(), (f"needs: {missing.sum()} episodes whose needs did not all end exactly once, e.g. "
                               f"{joined.loc[missing, ['needs_at_entry', 'rows']].head().to_dict('index')}")
    m = _episode_of(needs, ep, "needs")
    assert (m["onset"] == m["ep_start"]).all(), "needs: a need's onset is not its episode's start"
    _ordered(m["onset"], m["end"], "needs: onset -> end")
    _ordered(m["end"], m["ep_end"], "needs: need ends after its episode")
    censored_ep = m["exit_reason"] == "censored"
    outcome = m["outcome"]
    assert ((outcome == "censored") == (censored_ep & (outcome != "met"))).all(), (
        "needs: censored needs must be exactly the unmet needs of episodes censored at the horizon")
    assert (m.loc[outcome == "censored", "end"] == scenario.end_time).all()
    assert (m.loc[outcome == "open_at_exit", "end"] == m.loc[outcome == "open_at_exit", "ep_end"]).all(), (
        "needs: a need left open at exit ends at another time than the exit")
    met = m[outcome == "met"]
    assert (met["met_by"].astype(str) != "").all(), "needs: a met need without the service that met it"
    housing = {name for name, spec in scenario.services.items() if isinstance(spec, Housing)}
    clinics = {name for name, spec in scenario.services.items() if isinstance(spec, Clinic)}
    assert set(met["met_by"]) <= housing | clinics, "needs: met by something that is not a service"
    assert set(met.loc[met["need"] == "housing", "met_by"]) <= housing, "needs: housing met by a clinic"
    # a housed client moved in: their housing need (if any) is met at the exit
    housed = m[(m["exit_reason"] == "housed") & (m["need"] == "housing")]
    assert (housed["outcome"] == "met").all(), "needs: a housed client's housing need is not met"
    assert (housed["end"] == housed["ep_end"]).all(), "needs: a housing need met at another time than the move-in"
    if scenario.population.exits.exit_when_needs_met:
        done = m[m["exit_reason"] == "needs_met"]
        assert (done["outcome"] == "met").all(), "needs: exit 'needs_met' with a need still open"


def check_referrals(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Every referral created has exactly one row and one outcome, and its times are in order."""
    ref = t["referrals"]
    if ref.empty:
        return
    ids = np.sort(ref["referral"].to_numpy())
    assert np.array_equal(ids, np.arange(1, len(ids) + 1)), (
        "referrals: ids are not 1..n exactly once (a referral recorded twice, or never closed)")
    assert ref["outcome"].notna().all(), "referrals: a referral without an outcome"
    outcomes = set(ref["outcome"])
    assert outcomes <= REFERRAL_OUTCOMES, f"referrals: unknown outcomes {outcomes - REFERRAL_OUTCOMES}"
    _ordered(ref["created"], ref["arrived"], "referrals: created -> arrived")
    _ordered(ref["arrived"], ref["start"], "referrals: arrived -> start")
    _ordered(ref["created"], ref["start"], "referrals: created -> start")
    _ordered(ref["created"], ref["end"], "referrals: created -> end")
    _ordered(ref["start"], ref["end"], "referrals: start -> end")
    censored = ref["outcome"] == "censored"
    assert ref.loc[censored, "end"].isna().all(), "referrals: a censored referral has an end"
    assert ref.loc[~censored, "end"].notna().all(), "referrals: a closed referral has no end"
    allowed = REGIME_TYPES.get(scenario.regime)
    if allowed is not None:
        used = set(ref["adjustment"])
        assert used <= allowed, f"referrals: types {used - allowed} used under regime {scenario.regime}"
    housing = {name for name, spec in scenario.services.items() if isinstance(spec, Housing)}
    assert ref.loc[ref["outcome"] == "housed", "target"].isin(housing).all()
    assert not ref.loc[ref["outcome"] == "served", "target"].isin(housing).any()
    assert (ref.loc[ref["target"].isin(housing), "need"] == "housing").all()
    m = _episode_of(ref, t["episodes"], "referrals")
    _ordered(m["ep_start"], m["created"], "referrals: created before the episode")
    _ordered(m["created"], m["ep_end"], "referrals: created after the episode")
    _ordered(m["end"], m["ep_end"], "referrals: closed after the episode")
    exited = m[m["outcome"] == "client_exited"]
    assert (exited["exit_reason"] != "censored").all(), "referrals: 'client_exited' but the client never left"
    assert (exited["end"] == exited["ep_end"]).all(), "referrals: 'client_exited' at another time than the exit"
    assert (m.loc[m["outcome"] == "censored", "exit_reason"] == "censored").all()


def check_visits(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Visits: no negative wait or service time; outcomes consistent with times; agree with referrals."""
    v = t["visits"]
    if v.empty:
        return
    outcomes = set(v["outcome"])
    assert outcomes <= VISIT_OUTCOMES, f"visits: unknown outcomes {outcomes - VISIT_OUTCOMES}"
    _ordered(v["arrival"], v["start"], "visits: wait (arrival -> start)")
    _ordered(v["start"], v["end"], "visits: service (start -> end)")
    _ordered(v["arrival"], v["end"], "visits: sojourn (arrival -> end)")
    served = v["outcome"] == "served"
    assert v.loc[served, ["start", "end"]].notna().all().all(), "visits: served without start or end"
    assert v.loc[v["outcome"] == "censored", "end"].isna().all(), "visits: censored with an end"
    balked = v["outcome"] == "balked"
    assert v.loc[balked, ["start", "end"]].isna().all().all(), "visits: a balking client was served"
    gave_up = v["outcome"].isin(["reneged", "lost_waiting"])
    assert v.loc[gave_up, "end"].notna().all(), "visits: left the queue at no time"
    services = scenario.services
    assert set(v["service"]) <= {n for n, s in services.items() if isinstance(s, Clinic | Housing)} | {
        n for n, s in services.items() if s.kind == "access_point"}
    m = _episode_of(v, t["episodes"], "visits")
    _ordered(m["ep_start"], m["arrival"], "visits: arrival before the episode")
    _ordered(m["end"], m["ep_end"], "visits: ended after the episode")
    _ordered(m["arrival"], m["ep_end"], "visits: arrival after the episode")
    exited = m[m["outcome"] == "exited"]
    assert (exited["end"] == exited["ep_end"]).all(), "visits: 'exited' at another time than the exit"
    assert (m.loc[m["outcome"] == "censored", "exit_reason"] == "censored").all()

    # visits made under a referral: at most one per (referral, service), and the referral exists
    referred = v[v["referral"] >= 0]
    dup = referred.duplicated(["referral", "service"])
    assert not dup.any(), f"visits: {dup.sum()} referrals visited the same service twice"
    ref = t["referrals"].set_index("referral")
    assert referred["referral"].isin(ref.index).all(), "visits: a visit under a referral that does not exist"
    # a referral served at a clinic (or housed) shows the matching served visit at its receiver
    done = t["referrals"][t["referrals"]["outcome"].isin(["served", "housed"])]
    if done.empty:
        return
    at_target = done.merge(referred, left_on=["referral", "target"], right_on=["referral", "service"],
                           how="left", suffixes=("", "_visit"))
    assert (at_target["outcome_visit"] == "served").all(), (
        "visits: a referral completed at its receiver without a served visit there")
    assert np.allclose(at_target["start"], at_target["start_visit"], equal_nan=True), (
        "visits: the referral's start differs from its visit's start")


def check_locations(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Locations: valid places, in time order per client, within the episode; exits close the record."""
    loc = t["locations"]
    has_shelters = any(isinstance(s, Shelter) for s in scenario.services.values())
    if not has_shelters:
        assert loc.empty
        return
    assert set(loc["location"]) <= LOCATIONS, f"locations: unknown places {set(loc['location']) - LOCATIONS}"
    # rows are appended as things happen: per client, times never go back and a place is never repeated
    by_client = loc.groupby("client", sort=False)
    assert (by_client["time"].diff().dropna() >= -EPS).all(), "locations: a client's record goes back in time"
    repeated = (by_client["location"].shift() == loc["location"]) & (
        by_client["episode"].shift() == loc["episode"])
    assert not repeated.any(), "locations: a move to the place the client already is"
    m = _episode_of(loc, t["episodes"], "locations")
    _ordered(m["ep_start"], m["time"], "locations: before the episode")
    _ordered(m["time"], m["ep_end"], "locations: after the episode")
    last = m.groupby(["client", "episode"], sort=False).tail(1)
    ended = last["exit_reason"] != "censored"
    assert (last.loc[ended, "location"] == "exited").all(), "locations: an exit without an 'exited' row"
    assert (last.loc[ended, "time"] == last.loc[ended, "ep_end"]).all()
    assert not (last.loc[~ended, "location"] == "exited").any(), "locations: 'exited' while still homeless"
    assert len(last) == len(t["episodes"]), "locations: an episode with no place at all"


def _in_season(day: date, start: str, end: str) -> bool:
    key = (day.month, day.day)
    a = tuple(int(x) for x in start.split("-"))
    b = tuple(int(x) for x in end.split("-"))
    return a <= key <= b if a <= b else (key >= a or key <= b)


def check_shelters(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Occupancy never above capacity; capacity follows the schedule; the 'all' row adds up; the census
    rebuilt from the locations table equals the engine's count."""
    nights = t["nights"]
    census = t["census"]
    shelters = {name: s for name, s in scenario.services.items() if isinstance(s, Shelter)}
    if not shelters:
        assert nights.empty, "nights recorded without shelters"
        assert census.empty, "census taken without shelters"
        return
    for column in ("occupancy", "admitted", "refused"):
        assert (nights[column] >= 0).all(), f"nights: negative {column}"
    over = nights["occupancy"] > nights["capacity"]
    assert not over.any(), (f"nights: occupancy above capacity on {over.sum()} shelter-nights, e.g. "
                            f"{nights[over].head(3).to_dict('records')}")
    each = nights[nights["shelter"] != "all"]
    assert set(each["shelter"]) <= set(shelters)
    assert (each["refused"] == 0).all(), "nights: refusals are counted for the network, not per shelter"
    for row in each.itertuples():
        spec = shelters[row.shelter]
        winter = _in_season(scenario.start_date + timedelta(days=int(row.day)), scenario.winter.start,
                            scenario.winter.end)
        expected = spec.winter_capacity if winter and spec.winter_capacity is not None else spec.capacity
        assert row.capacity == expected, f"nights: {row.shelter} day {row.day}: capacity {row.capacity} != {expected}"
    total = nights[nights["shelter"] == "all"].set_index("day")
    summed = each.groupby("day")[["capacity", "occupancy", "admitted"]].sum()
    pd.testing.assert_frame_equal(total[["capacity", "occupancy", "admitted"]], summed, check_names=False)
    assert (each.groupby("day").size() == len(shelters)).all(), "nights: a shelter missing on some night"
    # the census and the nights are taken at the same instant
    sheltered = census.set_index("day")["sheltered"]
    assert sheltered.index.equals(total.index), "nights and census cover different nights"
    assert (sheltered == total["occupancy"]).all(), "census: sheltered count differs from shelter occupancy"

    # rebuild each count from the locations table: each client's last place at or before the census time
    loc = t["locations"].sort_values("time", kind="stable")
    episodes = t["episodes"]
    times = loc["time"].to_numpy(dtype=float)
    for row in census.itertuples():
        upto = loc.iloc[: np.searchsorted(times, row.time, side="right")]
        where = upto.groupby("client", sort=False)["location"].last()
        counts = where.value_counts()
        rebuilt = (counts.get("shelter", 0), counts.get("outdoors", 0), counts.get("other", 0))
        assert rebuilt == (row.sheltered, row.outdoors, row.other), (
            f"census day {row.day}: engine counts {(row.sheltered, row.outdoors, row.other)}, "
            f"locations give {rebuilt}")
        active = ((episodes["start"] <= row.time) & (episodes["end"] > row.time)).sum()
        assert sum(rebuilt) == active, f"census day {row.day}: {sum(rebuilt)} counted, {active} homeless"


def check_arrivals_are_visits(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Every referral that reached its receiver has exactly one visit there (served, gave up, balked, exited
    or censored): no client vanishes between the handoff and the queue."""
    ref = t["referrals"]
    if ref.empty:
        return
    visits = t["visits"]
    arrived = ref[ref["arrived"].notna()]
    found = arrived.merge(visits[visits["referral"] >= 0], left_on=["referral", "target"],
                          right_on=["referral", "service"], how="left", suffixes=("", "_visit"))
    lost = found["outcome_visit"].isna()
    example = found.loc[lost, ["referral", "target", "arrived", "start", "outcome"]].head(3).to_dict("records")
    assert not lost.any(), f"visits: {lost.sum()} referrals reached their receiver and left no visit there: {example}"
    assert np.allclose(found["arrived"], found["arrival"]), "visits: arrival differs from the referral's"


def _open_at(scenario: Scenario, times: np.ndarray, hours: Any) -> np.ndarray:
    """Whether each time lies in the opening hours (closing time included: a service may start at it)."""
    days = np.floor(times).astype(int)
    weekday = (scenario.start_date.weekday() + days) % 7
    names = np.array(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])[weekday]
    clock = times - days
    return np.isin(names, hours.days) & (clock >= hours.open - EPS) & (clock <= hours.close + EPS)


def check_nodes(scenario: Scenario, t: dict[str, pd.DataFrame]) -> None:
    """Per service: never more clients in service than staff, service starts only in opening hours, and the
    node's own monitors (arrivals, time-average number present) agree with its visits (Little's law)."""
    nodes = t["nodes"]
    assert nodes["service"].is_unique
    assert (nodes["time_avg_present"] >= -EPS).all(), "nodes: a negative number of clients present"
    assert (nodes["arrivals_observed"] >= 0).all()
    visits = t["visits"]
    lo, hi = scenario.warmup, scenario.end_time
    for node in nodes.itertuples():
        mine = visits[visits["service"] == node.service]
        arrival = mine["arrival"].to_numpy(dtype=float)
        start = mine["start"].to_numpy(dtype=float)
        end = mine["end"].to_numpy(dtype=float)
        if node.kind == "housing":
            joined = np.ones(len(mine), dtype=bool)
            leave = np.where(~np.isnan(start), start, np.where(np.isnan(end), hi, end))  # waiting list only
        else:
            dropped = mine["outcome"].isin(["reneged", "lost_waiting"]).to_numpy() & np.isnan(start) & (end == arrival)
            joined = (mine["outcome"] != "balked").to_numpy() & ~dropped
            leave = np.where(np.isnan(end), hi, end)
            # servers: never more clients in service at once than staff
            busy = ~np.isnan(start)
            points = np.concatenate([start[busy], np.where(np.isnan(end[busy]), np.inf, end[busy])])
            steps = np.concatenate([np.ones(busy.sum()), -np.ones(busy.sum())])
            order = np.lexsort((steps, points))  # at equal times a release comes before the next start
            peak = np.cumsum(steps[order]).max(initial=0)
            assert peak <= node.staff, f"nodes: {node.service} serves {peak} at once with {node.staff} staff"
            hours = scenario.services[node.service].hours
            if hours is not None:
                outside = ~_open_at(scenario, start[busy], hours)
                assert not outside.any(), (f"nodes: {node.service} starts {outside.sum()} services while closed, "
                                           f"e.g. at {start[busy][outside][:3]}")
        assert node.arrivals_observed == (joined & (arrival >= lo)).sum(), (
            f"nodes: {node.service} counted {node.arrivals_observed} arrivals, its visits show "
            f"{(joined & (arrival >= lo)).sum()}")
        present = np.clip(np.minimum(leave[joined], hi) - np.maximum(arrival[joined], lo), 0, None).sum()
        assert math.isclose(node.time_avg_present, present / (hi - lo), rel_tol=1e-6, abs_tol=1e-9), (
            f"nodes: {node.service} time-average present {node.time_avg_present:.6g}, its visits give "
            f"{present / (hi - lo):.6g}")


CHECKS = (check_times, check_episodes, check_needs, check_referrals, check_visits, check_arrivals_are_visits,
          check_locations, check_shelters, check_nodes)


def check_all(scenario: Scenario, tables: dict[str, pd.DataFrame]) -> None:
    for check in CHECKS:
        check(scenario, tables)


# ================================================================================================ tests
@SMALL
@given(scenario=scenarios(), seed=seeds)
def test_invariants_hold_for_any_small_scenario(scenario: Scenario, seed: int) -> None:
    run = simulator.simulate(scenario, seed=seed)
    check_all(scenario, run.tables)
    assert set(run.tables) == set(TABLES)
    assert run.metrics["value"].notna().any()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regime=st.sampled_from(REGIMES), seed=seeds, replication=st.integers(0, 50))
def test_invariants_hold_for_the_base_scenario_in_every_regime(regime: str, seed: int, replication: int) -> None:
    scenario = simulator.with_regime(base_scenario(), regime)
    run = simulator.simulate(scenario, seed=seed, replication=replication)
    check_all(scenario, run.tables)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=seeds)
def test_same_seed_same_tables(scenario: Scenario, seed: int) -> None:
    first = simulator.simulate(scenario, seed=seed, replication=1)
    second = simulator.simulate(scenario, seed=seed, replication=1)
    for name in TABLES:
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name], obj=name)
    pd.testing.assert_frame_equal(first.metrics, second.metrics, obj="metrics")


def test_other_seed_or_replication_other_tables() -> None:
    """The determinism test is not vacuous: the seed and the replication index both change the run."""
    scenario = base_scenario()
    base = simulator.simulate(scenario, seed=3, replication=0).tables["episodes"]
    for other in (simulator.simulate(scenario, seed=4, replication=0),
                  simulator.simulate(scenario, seed=3, replication=1)):
        assert not base.equals(other.tables["episodes"])


def test_batch_metrics_do_not_depend_on_workers() -> None:
    data = base_data()
    data["horizon"] = "30 days"
    scenario = build(data)
    kwargs = {"replications": 2, "seed": 11, "regimes": ["organic", "integrated"]}
    serial = simulator.run_batch(scenario, workers=1, **kwargs)
    parallel = simulator.run_batch(scenario, workers=2, **kwargs)
    pd.testing.assert_frame_equal(serial.metrics, parallel.metrics)
    pd.testing.assert_frame_equal(serial.nights, parallel.nights)
    pd.testing.assert_frame_equal(serial.census, parallel.census)
    # and a batch replication is the same run as a single simulate() call
    one = simulator.simulate(scenario, seed=11, replication=1, regime="integrated").metrics
    mine = serial.metrics[(serial.metrics["regime"] == "integrated") & (serial.metrics["replication"] == 1)]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), one.reset_index(drop=True))


ARRIVAL_COLUMNS = ["client", "episode", "source", "start", "homeless_since", "gender", "age_group",
                   "indigenous", "pattern", "avoidant", "needs_at_entry"]


def _first_episodes(tables: dict[str, pd.DataFrame], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ep = tables["episodes"]
    mine = ep[ep["source"] == source][ARRIVAL_COLUMNS].sort_values("client").reset_index(drop=True)
    needs = tables["needs"].merge(mine[["client", "episode"]], on=["client", "episode"])
    drawn = needs[["client", "need", "onset"]].sort_values(["client", "need"]).reset_index(drop=True)
    return mine, drawn


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(regime="organic"), seed=seeds)
def test_common_random_numbers_across_regimes(scenario: Scenario, seed: int) -> None:
    """Replication i of every regime sees the same initial stock and the same arrivals with the same needs."""
    runs = {regime: simulator.simulate(scenario, seed=seed, regime=regime).tables for regime in BUILTIN_REGIMES}
    reference = runs["organic"]
    for source in ("stock", "inflow"):
        episodes, needs = _first_episodes(reference, source)
        assert len(episodes) > 0
        for regime, tables in runs.items():
            other_episodes, other_needs = _first_episodes(tables, source)
            pd.testing.assert_frame_equal(other_episodes, episodes, obj=f"{source} episodes under {regime}")
            pd.testing.assert_frame_equal(other_needs, needs, obj=f"{source} needs under {regime}")


def test_regimes_differ_downstream_of_common_arrivals() -> None:
    """The common-random-numbers test is not trivially true: the regimes change what happens next."""
    scenario = base_scenario()
    runs = {regime: simulator.simulate(scenario, seed=2, regime=regime).tables for regime in BUILTIN_REGIMES}
    for regime, tables in runs.items():
        assert set(tables["referrals"]["adjustment"]) == REGIME_TYPES[regime] or regime == "organic"
    assert {"unilateral", "bilateral"} <= set(runs["organic"]["referrals"]["adjustment"])
    visits = {regime: len(tables["visits"]) for regime, tables in runs.items()}
    assert len(set(visits.values())) > 1


# ================================================================================================ meta-test
@pytest.fixture(scope="module")
def sample_run() -> tuple[Scenario, dict[str, pd.DataFrame]]:
    scenario = base_scenario()
    run = simulator.simulate(scenario, seed=5)
    return scenario, run.tables


def _corrupt(tables: dict[str, pd.DataFrame], name: str,
             change: Callable[[pd.DataFrame], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {key: frame.copy() for key, frame in tables.items()}
    out[name] = change(out[name].copy())
    return out


def _set(frame: pd.DataFrame, mask: pd.Series | slice, column: str, value: Any) -> pd.DataFrame:
    """Set ``column`` to ``value`` in the first row selected by ``mask``."""
    index = frame.index[mask] if isinstance(mask, slice) else frame.index[mask.to_numpy()][:1]
    frame.loc[index, column] = value
    return frame


def _earlier(frame: pd.DataFrame, mask: pd.Series, column: str, reference: str) -> pd.DataFrame:
    """Move ``column`` of the first row selected by ``mask`` (and with ``reference`` > 0.1) to just before
    ``reference``: a negative duration that stays inside the time window."""
    mask = mask & (frame[reference] > 0.1)
    index = frame.index[mask.to_numpy()][:1]
    frame.loc[index, column] = frame.loc[index, reference] - 0.05
    return frame


# name: (table, change, the message the checks must give)
CORRUPTIONS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    "episode recorded twice": ("episodes", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
                               "recorded twice"),
    "episode lost": ("episodes", lambda f: f.iloc[1:], "stock episodes"),
    "episode ends before it starts": ("episodes", lambda f: _earlier(
        f, f["exit_reason"] != "censored", "end", "start"), "start -> end"),
    "need ended twice": ("needs", lambda f: pd.concat([f, f.iloc[[3]]], ignore_index=True), "ended twice"),
    "need never ends": ("needs", lambda f: f.drop(index=f.index[2]), "did not all end exactly once"),
    "referral without outcome": ("referrals", lambda f: _set(f, slice(0, 1), "outcome", None),
                                 "without an outcome"),
    "referral recorded twice": ("referrals", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
                                "exactly once"),
    "negative wait": ("visits", lambda f: _earlier(f, f["outcome"] == "served", "start", "arrival"),
                      r"wait \(arrival -> start\)"),
    "time past the horizon": ("staff", lambda f: _set(f, slice(0, 1), "time", 1e6), "outside"),
    "shelter over capacity": ("nights", lambda f: _set(f, f["shelter"] == "men_shelter", "occupancy", 10_000),
                              "above capacity"),
    "census disagrees with locations": ("census", lambda f: _set(f, slice(0, 1), "outdoors", 10_000),
                                        "locations give"),
    "visit vanished": ("visits", lambda f: f.drop(index=f.index[(f["referral"] >= 0).to_numpy()][:1]),
                       "visit"),
    "more clients in service than staff": ("nodes", lambda f: _set(f, f["service"] == "clsc", "staff", 0),
                                           "at once"),
    "monitor disagrees with visits": ("nodes", lambda f: _set(
        f, f["service"] == "mental_health", "time_avg_present", 99.0), "time-average present"),
    "location goes back in time": ("locations", lambda f: _earlier(
        f.assign(previous=f.groupby("client")["time"].shift()), f.duplicated("client"), "time", "previous"
    ).drop(columns="previous"), "back in time"),
}


def test_checks_pass_on_a_clean_run(sample_run: tuple[Scenario, dict[str, pd.DataFrame]]) -> None:
    scenario, tables = sample_run
    check_all(scenario, tables)


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_checks_catch_corrupted_tables(sample_run: tuple[Scenario, dict[str, pd.DataFrame]],
                                       corruption: str) -> None:
    scenario, tables = sample_run
    name, change, message = CORRUPTIONS[corruption]
    with pytest.raises(AssertionError, match=message):
        check_all(scenario, _corrupt(tables, name, change))


# ================================================================================================ engine bugs
def test_housing_move_in_at_the_horizon_is_a_censored_visit() -> None:
    """Regression: a client matched to a place and still moving in at the horizon used to leave no visit row
    (the referral was censored with a start, the visit vanished), and a client who exited while moving in got
    the exit time as the visit's start. Long move-ins make both frequent."""
    data = base_data()
    data["services"]["housing_first"]["move_in"] = "20 days"
    data["services"]["social_housing"]["move_in"] = "20 days"
    scenario = build(data)
    run = simulator.simulate(scenario, seed=1)
    check_all(scenario, run.tables)
    visits = run.tables["visits"]
    moving_in = visits[visits["service"].isin(["housing_first", "social_housing"]) & visits["start"].notna()
                       & (visits["outcome"] == "censored")]
    assert len(moving_in) > 0


# Shelter clock settings away from the usual "capacity at 12:00, intake in the evening, census at night"
# order must run (or be refused by the loader with a located error), never crash.
SHELTER_CLOCK_CASES = {
    "census in the afternoon": ("outputs", {"census_time": "20:00"}),
    "intake closing before noon": ("intake", {"open": "08:00", "close": "11:00"}),
    "intake over midnight": ("intake", {"open": "22:00", "close": "02:00"}),
}


@pytest.mark.parametrize("case", sorted(SHELTER_CLOCK_CASES))
def test_shelter_clock_settings_run_or_are_refused(case: str) -> None:
    where, value = SHELTER_CLOCK_CASES[case]
    data = base_data()
    if where == "outputs":
        data["outputs"] = value
    else:
        for name in ("men_shelter", "women_shelter", "surge_shelter"):
            data["services"][name]["intake"] = value
    try:
        scenario = build(data)
    except simulator.ConfigError:
        return  # refusing the setting with a located error is an acceptable fix
    run = simulator.simulate(scenario, seed=1)
    check_all(scenario, run.tables)
