"""Metrics from hand-written records: each figure is known in advance, to the day."""

from __future__ import annotations

import math
from typing import Any

import pytest

from simulator.engine.records import COLUMNS, RunRecords
from simulator.metrics.compute import replication_metrics


def records(**tables: list[tuple[Any, ...]]) -> RunRecords:
    columns = {name: {col: [row[i] for row in tables.get(name, [])] for i, col in enumerate(names)}
               for name, names in COLUMNS.items()}
    return RunRecords(scenario="s", regime="organic", replication=0, seed=1, warmup=10.0, end_time=40.0,
                      tables=columns, calendar={"start_date": "2023-01-02", "winter_start": "12-01",
                                                "winter_end": "12-31", "count_date": "01-20"})


def metric(table: Any, name: str, dimension: str) -> float:
    rows = table[(table["metric"] == name) & (table["dimension"] == dimension)]
    return float(rows["value"].iloc[0]) if len(rows) else math.nan


EPISODE = (1, 1, "inflow", "man", "adult", False, "chronic", False, 2, 0.0, 0.0, 40.0, "censored", 0)


def test_unmet_need_days_count_only_the_observed_window() -> None:
    needs = [
        (1, 1, "housing", 0.0, 40.0, "censored", ""),  # open all run: 30 observed days (10 to 40)
        (1, 1, "primary_care", 5.0, 15.0, "met", "clinic"),  # 5 observed days (10 to 15)
        (1, 1, "mental_health", 20.0, 22.5, "open_at_exit", ""),  # 2.5 days
        (1, 1, "substance_use", 1.0, 8.0, "met", "detox"),  # before the window: none
    ]
    table = replication_metrics(records(needs=needs, episodes=[EPISODE]))
    assert metric(table, "unmet_need_days", "housing") == pytest.approx(30.0)
    assert metric(table, "unmet_need_days", "primary_care") == pytest.approx(5.0)
    assert metric(table, "unmet_need_days", "mental_health") == pytest.approx(2.5)
    assert metric(table, "unmet_need_days", "substance_use") == 0.0
    assert metric(table, "unmet_need_days_per_client", "all") == pytest.approx(37.5)
    assert metric(table, "needs_met", "primary_care") == 1  # met inside the window
    assert metric(table, "needs_met", "substance_use") == 0  # met before it
    assert metric(table, "needs_open_at_horizon", "housing") == 1


def test_waits_count_the_served_who_arrived_in_the_window() -> None:
    visits = [
        (1, 1, "clinic", "primary_care", 1, "unilateral", 12.0, 14.0, 14.5, "served"),  # waited 2 days
        (1, 1, "clinic", "primary_care", 2, "unilateral", 20.0, 24.0, 24.5, "served"),  # waited 4 days
        (1, 1, "clinic", "primary_care", 3, "unilateral", 21.0, math.nan, 23.0, "reneged"),
        (1, 1, "clinic", "primary_care", 4, "unilateral", 5.0, 11.0, 11.5, "served"),  # arrived in warm-up
    ]
    table = replication_metrics(records(visits=visits, episodes=[EPISODE]))
    assert metric(table, "wait_mean_days", "clinic") == pytest.approx(3.0)
    assert metric(table, "visits", "clinic") == 3
    assert metric(table, "visits_reneged", "clinic") == 1
    assert metric(table, "renege_share", "clinic") == pytest.approx(1 / 3)


def test_abandonment_counts_those_who_gave_up_or_were_turned_away_among_all_arrivals() -> None:
    visits = [
        (1, 1, "clinic", "primary_care", 1, "unilateral", 12.0, 14.0, 14.5, "served"),
        (1, 1, "clinic", "primary_care", 2, "unilateral", 13.0, math.nan, 20.0, "reneged"),
        (1, 1, "clinic", "primary_care", 3, "unilateral", 14.0, math.nan, math.nan, "balked"),
        (1, 1, "clinic", "primary_care", 4, "unilateral", 15.0, math.nan, 16.0, "exited"),  # left homelessness
        (1, 1, "clinic", "primary_care", 5, "unilateral", 30.0, math.nan, math.nan, "censored"),
        (1, 1, "clinic", "primary_care", 6, "unilateral", 5.0, math.nan, 9.0, "reneged"),  # in the warm-up
    ]
    table = replication_metrics(records(visits=visits, episodes=[EPISODE]))
    # 5 arrivals in the window: one reneged and one balked
    assert metric(table, "abandonment_share", "clinic") == pytest.approx(2 / 5)
    assert metric(table, "abandonment_share", "clinic") == pytest.approx(
        metric(table, "renege_share", "clinic") + metric(table, "balk_share", "clinic"))


def test_referral_completion_and_loss_shares() -> None:
    referrals = [
        (1, 1, 1, "primary_care", "shelter", "clinic", "unilateral", 3.0, 12.0, 13.0, 13.0, 13.5, "served"),
        (2, 1, 1, "primary_care", "shelter", "clinic", "unilateral", 3.0, 14.0, math.nan, math.nan, 14.5,
         "lost_handoff"),
        (3, 1, 1, "primary_care", "shelter", "clinic", "bilateral", 3.0, 15.0, 15.5, 16.0, 16.2, "served"),
    ]
    table = replication_metrics(records(referrals=referrals, episodes=[EPISODE]))
    assert metric(table, "referrals_sent", "unilateral") == 2
    assert metric(table, "referrals_completed", "unilateral") == 1
    assert metric(table, "referrals_lost", "unilateral") == 1
    assert metric(table, "referral_loss_share", "unilateral") == pytest.approx(0.5)
    assert metric(table, "referral_completion_share", "bilateral") == 1.0


def test_refused_nights_feed_the_turnaway_rate() -> None:
    nights = [(d, "all", 10, 10, 1, refused) for d, refused in zip(range(10, 40), [2] * 10 + [0] * 20, strict=True)]
    table = replication_metrics(records(nights=nights, episodes=[EPISODE]))
    assert metric(table, "turnaways", "all") == 20
    assert metric(table, "turnaway_rate", "all") == pytest.approx(20 / (300 + 20))


def test_a_client_with_no_location_rows_spent_no_night_outdoors() -> None:
    # a network without shelters writes no location rows: its clients count zero nights in each place
    table = replication_metrics(records(episodes=[EPISODE]))
    assert metric(table, "clients", "all") == 1
    assert metric(table, "unsheltered_nights_per_client", "all") == 0.0


def test_nights_outdoors_per_client_come_from_the_location_rows() -> None:
    locations = [(1, 1, 5.0, "outdoors"), (1, 1, 20.0, "shelter"), (1, 1, 30.0, "other")]
    table = replication_metrics(records(locations=locations, episodes=[EPISODE]))
    # census at 03:00: outdoors from day 10 (the window) to 20 counts the nights of days 10..19 = 10
    assert metric(table, "unsheltered_nights_per_client", "all") == 10.0
