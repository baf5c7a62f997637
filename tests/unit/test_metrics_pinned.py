"""Every metric of ``docs/model.md`` section 9, pinned against a value worked out by hand.

A few hand-written replications (``MAIN`` and three small ones for the edge cases) go through
``replication_metrics``; each expected value below is a literal, or a small sum over literals, with its working
in the comment beside it. The set of (metric, dimension) pairs of each replication is pinned as well, so that a
metric that appears or vanishes fails here until this file says why.

Times are in days and chosen as multiples of 1/8 so that every figure is exact in binary. The census hour is
03:00 (0.125 day): census instants are ``k + 0.125``. In ``MAIN`` the window is ``[10.125, 40.125)``, so both of
its ends fall on a census instant (the first counts, the last does not).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pandas as pd
import pytest

from simulator.engine.records import COLUMNS, RunRecords
from simulator.metrics.compute import replication_metrics

NAN = math.nan
CENSUS = 3 / 24  # 0.125 day: census instants are k + 0.125
REL = 1e-9

#: metric names added to section 9 after this file was written; a pair with such a name may appear unpinned
DEFINED_AFTER_THIS_TEST: frozenset[str] = frozenset()


def run_records(warmup: float, end_time: float, calendar: dict[str, str], counters: dict[str, float],
                **tables: list[tuple[Any, ...]]) -> RunRecords:
    columns = {name: {col: [row[i] for row in tables.get(name, [])] for i, col in enumerate(names)}
               for name, names in COLUMNS.items()}
    return RunRecords(scenario="pinned", regime="organic", replication=3, seed=1, warmup=warmup, end_time=end_time,
                      tables=columns, calendar=calendar, counters=counters)


# =============================================================================================================
# MAIN: window [10.125, 40.125), 30 days; day 0 is 2023-11-18, so night 13 (2023-12-01) is the first of winter
# =============================================================================================================

MAIN_CALENDAR = {"start_date": "2023-11-18", "winter_start": "12-01", "winter_end": "03-15", "count_date": "12-05"}

# client, episode, source, gender, age_group, indigenous, pattern, avoidant, needs_at_entry, start, homeless_since,
# end, exit_reason, refused_nights
MAIN_EPISODES = [
    (1, 1, "stock", "woman", "adult", True, "chronic", False, 3, 0.0, -200.0, 40.125, "censored", 4),  # A
    (2, 1, "inflow", "man", "youth", False, "episodic", False, 2, 5.0, 5.0, 25.125, "housed", 2),  # B
    (3, 1, "inflow", "man", "adult", True, "transitional", False, 0, 2.0, 2.0, 8.0, "self_resolved", 0),  # C
    (3, 2, "return", "man", "adult", True, "transitional", False, 2, 12.0, 12.0, 30.0, "self_resolved", 1),  # D
    (4, 1, "inflow", "man", "youth", False, "chronic", True, 4, 15.0, 15.0, 35.0, "needs_met", 3),  # E
    (5, 1, "inflow", "woman", "senior", False, "episodic", False, 3, 20.0, 20.0, 40.125, "censored", 0),  # F
    (6, 1, "stock", "other", "adult", False, "episodic", False, 1, 0.0, -50.0, 10.125, "self_resolved", 0),  # G
    (2, 2, "return", "man", "youth", False, "episodic", False, 2, 32.0, 32.0, 40.125, "censored", 0),  # H
]
# In the window (end >= 10.125 and start < 40.125): A, B, D, E, F, G (ends exactly at lo), H; not C (ended at 8).
# Groups: women A F; men B D E H; indigenous A D; youth B E H; high_complexity (>= 3 needs) A E F; chronic A E.

# client, episode, need, onset, end, outcome, met_by; unmet days = overlap of [onset, end] with [10.125, 40.125]
MAIN_NEEDS = [
    (1, 1, "housing", 0.0, 40.125, "censored", ""),  # n1: open at the horizon, 40.125 - 10.125 = 30
    (1, 1, "primary_care", 0.0, 12.125, "met", "clinic"),  # n2: 2 unmet days, met after 12.125
    (1, 1, "mental_health", 0.0, 10.375, "met", "clinic"),  # n3: 0.25 unmet days, met after 10.375
    (2, 1, "housing", 5.0, 25.125, "met", "housing"),  # n4: 15 unmet days, met after 20.125
    (2, 1, "mental_health", 5.0, 25.125, "open_at_exit", ""),  # n16: open at the housed exit, 15
    (3, 2, "mental_health", 12.0, 30.0, "open_at_exit", ""),  # n5: open at the self-resolved exit, 18
    (3, 2, "primary_care", 12.0, 16.5, "met", "clinic"),  # n6: 4.5, met after 4.5
    (4, 1, "primary_care", 15.0, 17.0, "met", "clinic"),  # n7: 2, met after 2
    (4, 1, "mental_health", 15.0, 22.0, "met", "clinic"),  # n8: 7, met after 7
    (4, 1, "substance_use", 15.0, 26.5, "met", "clinic"),  # n9: 11.5, met after 11.5
    (4, 1, "income_documents", 15.0, 35.0, "met", "access"),  # n10: 20, met after 20 (the last: needs_met exit)
    (5, 1, "housing", 20.0, 40.125, "censored", ""),  # n11: 20.125
    (5, 1, "substance_use", 20.0, 40.125, "censored", ""),  # n12: 20.125
    (5, 1, "primary_care", 20.0, 23.0, "met", "clinic"),  # n13: 3, met after 3
    (6, 1, "income_documents", 0.0, 4.0, "met", "access"),  # n14: met in the warm-up: 0, not counted as met
    (2, 2, "housing", 32.0, 40.125, "censored", ""),  # n15: 8.125
    (2, 2, "primary_care", 32.0, 40.125, "censored", ""),  # n17: 8.125
]
# unmet days per episode: A 30 + 2 + 0.25 = 32.25; B 15 + 15 = 30; D 18 + 4.5 = 22.5; E 2 + 7 + 11.5 + 20 = 40.5;
# F 20.125 + 20.125 + 3 = 43.25; G 0; H 8.125 + 8.125 = 16.25; all together 184.75

# referral, client, episode, need, source, target, adjustment, priority, created, arrived, start, end, outcome
MAIN_REFERRALS = [
    (1, 1, 1, "primary_care", "shelter_north", "clinic", "unilateral", 3, 11.0, 11.0, 12.0, 12.125, "served"),
    (2, 1, 1, "housing", "shelter_north", "housing", "integrated", 3, 12.5, 13.5, 38.0, NAN, "censored"),
    (3, 3, 2, "primary_care", "shelter_south", "clinic", "bilateral", 3, 13.0, 14.0, 16.0, 16.5, "served"),
    (4, 2, 1, "housing", "clinic", "housing", "bilateral", 2, 11.5, 12.0, 20.0, 25.125, "housed"),
    (5, 4, 1, "mental_health", "outreach", "clinic", "unilateral", 3, 17.5, 18.0, 21.5, 22.0, "served"),
    (6, 4, 1, "substance_use", "clinic", "detox", "integrated", 3, 19.0, 20.0, NAN, 20.0, "lost_waiting"),
    (7, 5, 1, "primary_care", "conference", "clinic", "multilateral", 1, 20.5, 21.0, 22.5, 23.0, "served"),
    (8, 5, 1, "substance_use", "clinic", "detox", "unilateral", 3, 21.0, 22.0, NAN, 25.0, "reneged"),
    (9, 5, 1, "housing", "access", "housing", "integrated", 3, 25.5, 26.0, NAN, NAN, "censored"),
    (10, 2, 1, "mental_health", "shelter_north", "clinic", "unilateral", 3, 23.0, NAN, NAN, 25.125, "client_exited"),
    (11, 3, 2, "mental_health", "shelter_south", "clinic", "multilateral", 1, 15.0, NAN, NAN, 17.0, "lost_handoff"),
    (12, 5, 1, "substance_use", "shelter_south", "clinic", "bilateral", 3, 23.5, 24.0, NAN, 24.0, "balked"),
    (13, 2, 2, "housing", "outreach", "housing", "unilateral", 3, 38.0, NAN, NAN, NAN, "censored"),
    (14, 1, 1, "mental_health", "shelter_north", "clinic", "unilateral", 3, 4.0, 5.0, 9.875, 10.375, "served"),
    (15, 5, 1, "housing", "shelter_south", "housing", "integrated", 3, 24.0, 25.25, NAN, 25.25, "ineligible"),
    (16, 4, 1, "primary_care", "outreach", "clinic", "integrated", 3, 15.5, 16.0, 16.5, 17.0, "served"),
]
# created in [10.125, 40.125): all but r14 (created at 4.0). Latency (arrived - created) of those that arrived:
# r1 0, r2 1, r3 1, r4 0.5, r5 0.5, r6 1, r7 0.5, r8 1, r9 0.5, r12 0.5, r15 1.25, r16 0.5 (r10, r11, r13 never did)

# client, episode, service, need, referral, adjustment, arrival, start, end, outcome
MAIN_VISITS = [
    (1, 1, "clinic", "primary_care", 1, "unilateral", 11.0, 12.0, 12.125, "served"),  # v1: wait 1, sojourn 1.125
    (3, 2, "clinic", "primary_care", 3, "bilateral", 14.0, 16.0, 16.5, "served"),  # v2: wait 2, sojourn 2.5
    (4, 1, "clinic", "primary_care", 16, "integrated", 16.0, 16.5, 17.0, "served"),  # v3: wait 0.5, sojourn 1
    (4, 1, "clinic", "mental_health", 5, "unilateral", 18.0, 21.5, 22.0, "served"),  # v4: wait 3.5, sojourn 4
    (5, 1, "clinic", "primary_care", 7, "multilateral", 21.0, 22.5, 23.0, "served"),  # v5: wait 1.5, sojourn 2
    (2, 1, "clinic", "mental_health", -1, "", 12.5, NAN, 14.5, "reneged"),  # v6
    (5, 1, "clinic", "substance_use", 12, "bilateral", 24.0, NAN, 24.0, "balked"),  # v7
    (2, 1, "clinic", "mental_health", -1, "", 24.5, NAN, 25.125, "exited"),  # v8: the client was housed
    (2, 2, "clinic", "primary_care", -1, "", 39.5, 40.0, NAN, "censored"),  # v9: in service at the horizon
    (5, 1, "clinic", "substance_use", -1, "", 39.75, NAN, NAN, "censored"),  # v10: waiting at the horizon
    (1, 1, "clinic", "mental_health", 14, "unilateral", 5.0, 9.875, 10.375, "served"),  # v11: arrived in warm-up
    (5, 1, "detox", "substance_use", 8, "unilateral", 22.0, NAN, 25.0, "reneged"),  # v12
    (4, 1, "detox", "substance_use", 6, "integrated", 20.0, NAN, 20.0, "lost_waiting"),  # v13: zero-length
    (4, 1, "access", "income_documents", -1, "", 33.0, 34.5, 35.0, "served"),  # v14: wait 1.5, sojourn 2
    (1, 1, "access", "housing", 2, "integrated", 13.0, 13.25, 13.5, "served"),  # v15: wait 0.25, sojourn 0.5
    (6, 1, "access", "income_documents", -1, "", 3.0, 3.5, 4.0, "served"),  # v16: in the warm-up
    (5, 1, "access", "housing", 15, "integrated", 24.5, 25.0, 25.25, "served"),  # v20: wait 0.5, sojourn 0.75
    (2, 1, "housing", "housing", 4, "bilateral", 12.0, 20.0, 25.125, "served"),  # v17: match 8, move-in 13.125
    (5, 1, "housing", "housing", 9, "integrated", 26.0, NAN, NAN, "censored"),  # v18: on the list at the horizon
    (1, 1, "housing", "housing", 2, "integrated", 13.5, 38.0, NAN, "censored"),  # v19: moving in at the horizon
]

# service, time, hours, purpose, adjustment
MAIN_STAFF = [
    ("shelter_north", 11.0, 0.5, "sender", "unilateral"),  # s1
    ("clinic", 11.0, 0.25, "receiver", "unilateral"),  # s2
    ("clinic", 11.5, 1.0, "sender", "bilateral"),  # s3
    ("outreach", 17.5, 1.5, "accompaniment", "bilateral"),  # s4
    ("clinic", 20.0, 2.0, "conference", "multilateral"),  # s5
    ("detox", 20.0, 2.0, "conference", "multilateral"),  # s6
    ("access", 13.0, 0.75, "assessment", "integrated"),  # s7
    ("access", 25.5, 0.5, "sender", "integrated"),  # s8
    ("housing", 25.5, 0.25, "receiver", "integrated"),  # s9
    ("conference", 20.5, 0.5, "sender", "multilateral"),  # s10
    ("access", 24.5, 0.25, "assessment", "integrated"),  # s11
]

# client, episode, time, location; a spell runs to the client's next row (or to hi = 40.125)
MAIN_LOCATIONS = [
    (1, 1, 0.0, "outdoors"),  # A: [0, 12.125) -> instants 10.125 (= lo, counted), 11.125: 2 outdoors
    (1, 1, 12.125, "shelter"),  # A: [12.125, 20.5) -> 12.125 .. 20.125: 9 sheltered
    (1, 1, 20.5, "outdoors"),  # A: [20.5, 25.125) -> 21.125 .. 24.125: 4 outdoors
    (1, 1, 25.125, "other"),  # A: [25.125, 40.125) -> 25.125 .. 39.125: 15 (40.125 = hi is not counted)
    (2, 1, 5.0, "shelter"),  # B: [5, 11) -> 10.125: 1 sheltered
    (2, 1, 11.0, "outdoors"),  # B: [11, 25.125) -> 11.125 .. 24.125: 14 outdoors
    (2, 1, 25.125, "exited"),  # B: housed
    (2, 2, 32.0, "outdoors"),  # H: [32, 40.125) -> 32.125 .. 39.125: 8 outdoors
    (3, 1, 2.0, "other"),  # C: before the window
    (3, 1, 8.0, "exited"),
    (3, 2, 12.0, "outdoors"),  # D: [12, 14.125) -> 12.125, 13.125: 2 outdoors
    (3, 2, 14.125, "shelter"),  # D: [14.125, 30) -> 14.125 .. 29.125: 16 sheltered
    (3, 2, 30.0, "exited"),
    (4, 1, 15.0, "outdoors"),  # E: [15, 35) -> 15.125 .. 34.125: 20 outdoors
    (4, 1, 35.0, "exited"),
    (5, 1, 20.0, "other"),  # F: [20, 27.25) -> 20.125 .. 27.125: 8 elsewhere
    (5, 1, 27.25, "outdoors"),  # F: [27.25, 27.75) holds no census instant: 0
    (5, 1, 27.75, "shelter"),  # F: [27.75, 28.5) crosses 28.125: 1 sheltered
    (5, 1, 28.5, "outdoors"),  # F: [28.5, 40.125) -> 29.125 .. 39.125: 11 outdoors
    (6, 1, 0.0, "outdoors"),  # G: [0, 10.125) ends exactly at lo: 0
    (6, 1, 10.125, "exited"),
]
# outdoors per episode: A 2 + 4 = 6; B 14; D 2; E 20; F 0 + 11 = 11; G 0; H 8; all together 61

# day (night), shelter, capacity, occupancy, admitted, refused; winter from night 13 (2023-12-01)
MAIN_NIGHTS = [
    (10, "north", 10, 9, 2, 0), (10, "south", 10, 9, 1, 0), (10, "all", 20, 18, 3, 0),  # 2023-11-28, rest
    (12, "north", 10, 10, 2, 0), (12, "south", 10, 10, 2, 0), (12, "all", 20, 20, 4, 2),  # 2023-11-30, rest
    (13, "north", 15, 15, 4, 0), (13, "south", 10, 10, 2, 0), (13, "all", 25, 25, 6, 5),  # 2023-12-01, winter
    (17, "north", 15, 14, 1, 0), (17, "south", 10, 10, 1, 0), (17, "all", 25, 24, 2, 1),  # 2023-12-05, winter
    (25, "north", 15, 15, 1, 0), (25, "south", 10, 10, 0, 0), (25, "all", 25, 25, 1, 4),  # 2023-12-13, winter
]

# day (night), time (census instant), sheltered, outdoors, other
MAIN_CENSUS = [
    (10, 11.125, 18, 7, 3),  # total 28
    (12, 13.125, 20, 9, 4),  # total 33
    (13, 14.125, 25, 6, 2),  # total 33
    (17, 18.125, 24, 8, 5),  # total 37; 2023-12-05, the count date
    (25, 26.125, 25, 10, 3),  # total 38
]

MAIN_NODES = [  # service, kind, staff, available_hours, time_avg_present, arrivals_observed, offered_hours
    ("clinic", "clinic", 2, 480.0, 0.75, 9, 72.0),  # 9 joined the queue: v1-v6, v8-v10 (v7 balked)
    ("detox", "clinic", 1, 240.0, 0.25, 1, 10.0),  # v12 (v13 was dropped on arrival)
    ("access", "access_point", 1, 120.0, 0.125, 3, 6.0),  # v14, v15, v20
    ("housing", "housing", 5, NAN, 1.5, 3, NAN),  # v17, v18, v19
]

MAIN_COUNTERS = {"outreach_contacts": 7.0, "conferences": 2.0, "conference_seats_missed": 1.0,
                 "reserved_places_released": 1.0, "referrals_blocked": 3.0, "reserved_places_idle": 0.75,
                 "staff_fte": 4.5, "staff_hours": 5400.0, "staff_cost": 162000.0}

MAIN_RECORDS = run_records(10.125, 40.125, MAIN_CALENDAR, MAIN_COUNTERS, episodes=MAIN_EPISODES, needs=MAIN_NEEDS,
                           referrals=MAIN_REFERRALS, visits=MAIN_VISITS, staff=MAIN_STAFF, locations=MAIN_LOCATIONS,
                           nights=MAIN_NIGHTS, census=MAIN_CENSUS, nodes=MAIN_NODES)

MAIN: dict[tuple[str, str], float] = {
    # ---- visits: clinic (v1-v10 arrive in [10.125, 40.125); v11 arrived at 5.0, in the warm-up) ----------------
    ("visits", "clinic"): 10,  # v1 .. v10, all outcomes
    ("visits_served", "clinic"): 5,  # v1 .. v5
    ("visits_reneged", "clinic"): 1,  # v6
    ("visits_balked", "clinic"): 1,  # v7
    ("visits_censored", "clinic"): 2,  # v9 (in service) and v10 (waiting)
    ("balk_share", "clinic"): 1 / 10,  # v7 / 10
    ("renege_share", "clinic"): 1 / 10,  # v6 / 10
    ("abandonment_share", "clinic"): (1 + 1) / 10,  # (v6 + v7) / 10; v8 exited is neither
    ("wait_mean_days", "clinic"): (1.0 + 2.0 + 0.5 + 3.5 + 1.5) / 5,  # served v1 .. v5 only
    ("wait_median_days", "clinic"): 1.5,  # sorted 0.5, 1, 1.5, 2, 3.5: the third
    ("wait_p90_days", "clinic"): 2.0 + 0.6 * (3.5 - 2.0),  # position 0.9 * (5 - 1) = 3.6
    ("wait_p95_days", "clinic"): 2.0 + 0.8 * (3.5 - 2.0),  # position 0.95 * (5 - 1) = 3.8
    ("sojourn_mean_days", "clinic"): (1.125 + 2.5 + 1.0 + 4.0 + 2.0) / 5,  # end - arrival of v1 .. v5
    # ---- visits: detox, no served visit: no wait and no sojourn --------------------------------------------------
    ("visits", "detox"): 2,  # v12, v13
    ("visits_served", "detox"): 0,  # v12 reneged, v13 lost_waiting
    ("visits_reneged", "detox"): 1,  # v12
    ("visits_balked", "detox"): 0,  # none
    ("visits_censored", "detox"): 0,  # none
    ("balk_share", "detox"): 0 / 2,  # no balk among v12, v13
    ("renege_share", "detox"): 1 / 2,  # v12 / 2
    ("abandonment_share", "detox"): (1 + 0) / 2,  # v12 reneged; v13 lost_waiting is not abandonment
    # ---- visits: access point (v14, v15, v20; v16 arrived at 3.0) -----------------------------------------------
    ("visits", "access"): 3,  # v14, v15, v20
    ("visits_served", "access"): 3,  # v14, v15, v20
    ("visits_reneged", "access"): 0,  # all served
    ("visits_balked", "access"): 0,  # all served
    ("visits_censored", "access"): 0,  # all served
    ("balk_share", "access"): 0 / 3,  # no balk / 3 visits
    ("renege_share", "access"): 0 / 3,  # no renege / 3 visits
    ("abandonment_share", "access"): 0 / 3,  # (0 reneged + 0 balked) / 3
    ("wait_mean_days", "access"): (1.5 + 0.25 + 0.5) / 3,  # v14, v15, v20
    ("wait_median_days", "access"): 0.5,  # sorted 0.25, 0.5, 1.5
    ("wait_p90_days", "access"): 0.5 + 0.8 * (1.5 - 0.5),  # position 0.9 * (3 - 1) = 1.8
    ("wait_p95_days", "access"): 0.5 + 0.9 * (1.5 - 0.5),  # position 0.95 * (3 - 1) = 1.9
    ("sojourn_mean_days", "access"): (2.0 + 0.5 + 0.75) / 3,  # v14, v15, v20
    # ---- visits: housing (the wait is the time to a match; v19 matched but still moving in is censored) --------
    ("visits", "housing"): 3,  # v17, v18, v19
    ("visits_served", "housing"): 1,  # v17
    ("visits_reneged", "housing"): 0,  # v17 served, v18 v19 censored
    ("visits_balked", "housing"): 0,  # v17 served, v18 v19 censored
    ("visits_censored", "housing"): 2,  # v18, v19
    ("balk_share", "housing"): 0 / 3,  # no balk / 3 visits
    ("renege_share", "housing"): 0 / 3,  # no renege / 3 visits
    ("abandonment_share", "housing"): 0 / 3,  # (0 + 0) / 3
    ("wait_mean_days", "housing"): 20.0 - 12.0,  # v17 only
    ("wait_median_days", "housing"): 20.0 - 12.0,  # one served visit: every quantile is its wait
    ("wait_p90_days", "housing"): 20.0 - 12.0,  # v17 only
    ("wait_p95_days", "housing"): 20.0 - 12.0,  # v17 only
    ("sojourn_mean_days", "housing"): 25.125 - 12.0,  # includes the move-in
    # ---- time in line of ALL who joined (Kaplan-Meier; censored only if still waiting at hi = 40.125) ---------
    # clinic: v1 1, v2 2, v3 0.5, v4 3.5, v5 1.5 (served: start - arrival); v6 2 (reneged: end - arrival); v7 0
    # (balked); v8 0.625 (left when housed); v9 0.5 (in service at hi: its line ended at 40.0); v10 0.375
    # censored. Curve: at 0, 1 of 10 -> 0.9; 0.375 censored; at 0.5, 2 of 8 -> 0.675; at 0.625, 1 of 6 -> 0.5625;
    # at 1, 1 of 5 -> 0.45; at 1.5, 1 of 4 -> 0.3375; at 2, 2 of 3 -> 0.1125; at 3.5, 1 of 1 -> 0
    ("line_time_mean_days", "clinic"): (0.9 * 0.5 + 0.675 * 0.125 + 0.5625 * 0.375 + 0.45 * 0.5 + 0.3375 * 0.5
                                        + 0.1125 * 1.5),  # area under the curve up to 3.5
    ("line_time_median_days", "clinic"): 1.0,  # the curve first falls to 0.5 or below at 1 (0.45)
    ("line_time_p90_days", "clinic"): 3.5,  # at 2 it is still 0.1125 > 0.1
    # detox: v12 3 (reneged), v13 0 (dropped on arrival): at 0 -> 1/2, at 3 -> 0
    ("line_time_mean_days", "detox"): 0.5 * 3.0,  # area
    ("line_time_median_days", "detox"): 0.0,  # 1/2 <= 0.5 at 0
    ("line_time_p90_days", "detox"): 3.0,  # 0 only at 3
    # access: 1.5, 0.25, 0.5, all served and none censored: the plain mean and order statistics
    ("line_time_mean_days", "access"): (1.5 + 0.25 + 0.5) / 3,  # no censoring: the mean
    ("line_time_median_days", "access"): 0.5,  # at 0.25 -> 2/3, at 0.5 -> 1/3
    ("line_time_p90_days", "access"): 1.5,  # 0 at 1.5
    # housing: v17 8 (matched), v18 censored at 40.125 - 26 = 14.125, v19 24.5 (matched at 38, moving in):
    # at 8 -> 2/3; at 24.5, 1 of 1 -> 0
    ("line_time_mean_days", "housing"): 8.0 + (2 / 3) * (24.5 - 8.0),  # area
    ("line_time_median_days", "housing"): 24.5,  # 2/3 > 0.5 until 24.5
    ("line_time_p90_days", "housing"): 24.5,  # idem
    # ---- nodes ----------------------------------------------------------------------------------------------
    ("time_avg_present", "clinic"): 0.75,  # from the nodes table
    ("time_avg_present", "detox"): 0.25,  # from the nodes table
    ("time_avg_present", "access"): 0.125,  # from the nodes table
    ("time_avg_present", "housing"): 1.5,  # from the nodes table
    ("arrival_rate_per_day", "clinic"): 9 / 30,  # arrivals_observed / (40.125 - 10.125)
    ("arrival_rate_per_day", "detox"): 1 / 30,  # v12 / 30 days
    ("arrival_rate_per_day", "access"): 3 / 30,  # v14, v15, v20 / 30 days
    ("arrival_rate_per_day", "housing"): 3 / 30,  # v17, v18, v19 / 30 days
    ("offered_load", "clinic"): 72.0 / 480.0,  # offered_hours / available_hours
    ("offered_load", "detox"): 10.0 / 240.0,  # offered_hours / available_hours
    ("offered_load", "access"): 6.0 / 120.0,  # offered_hours / available_hours
    # busy days v1 0.125 + v2 0.5 + v3 0.5 + v4 0.5 + v5 0.5 + v9 (40 to hi) 0.125 + v11 (lo to 10.375) 0.25 = 2.5;
    # staff at the clinic s2 0.25 + s3 1 + s5 2 = 3.25 h
    ("utilisation", "clinic"): (2.5 * 24 + 3.25) / 480.0,  # (busy + staff hours) / available
    ("utilisation", "detox"): (0.0 * 24 + 2.0) / 240.0,  # no visit started; s6 2 h
    ("utilisation", "access"): ((0.5 + 0.25 + 0.25) * 24 + 0.5) / 120.0,  # v14, v15, v20 (v16 before lo); s8
    # ---- needs ----------------------------------------------------------------------------------------------
    ("unmet_need_days", "primary_care"): 2.0 + 4.5 + 2.0 + 3.0 + 8.125,  # n2, n6, n7, n13, n17
    ("unmet_need_days", "mental_health"): 0.25 + 15.0 + 18.0 + 7.0,  # n3, n16, n5, n8
    ("unmet_need_days", "substance_use"): 11.5 + 20.125,  # n9, n12
    ("unmet_need_days", "housing"): 30.0 + 15.0 + 20.125 + 8.125,  # n1, n4, n11, n15
    ("unmet_need_days", "income_documents"): 20.0 + 0.0,  # n10, n14 (in the warm-up)
    ("needs_open_at_horizon", "primary_care"): 1,  # n17
    ("needs_open_at_horizon", "mental_health"): 0,  # n5 and n16 were open at exit, not at the horizon
    ("needs_open_at_horizon", "substance_use"): 1,  # n12
    ("needs_open_at_horizon", "housing"): 3,  # n1, n11, n15
    ("needs_open_at_horizon", "income_documents"): 0,  # n10 and n14 were met
    ("needs_open_at_horizon", "all"): 1 + 0 + 1 + 3 + 0,  # n17, n12, n1, n11, n15
    ("needs_met", "primary_care"): 4,  # n2, n6, n7, n13
    ("needs_met", "mental_health"): 2,  # n3 (met at 10.375 >= lo), n8
    ("needs_met", "substance_use"): 1,  # n9
    ("needs_met", "housing"): 1,  # n4
    ("needs_met", "income_documents"): 1,  # n10 (n14 met at 4.0, before lo)
    ("time_to_need_met_mean_days", "primary_care"): (12.125 + 4.5 + 2.0 + 3.0) / 4,  # end - onset of n2, n6, n7, n13
    ("time_to_need_met_median_days", "primary_care"): (3.0 + 4.5) / 2,  # sorted 2, 3, 4.5, 12.125
    ("time_to_need_met_mean_days", "mental_health"): (10.375 + 7.0) / 2,  # n3, n8
    ("time_to_need_met_median_days", "mental_health"): (7.0 + 10.375) / 2,  # two values: their midpoint
    ("time_to_need_met_mean_days", "substance_use"): 11.5,  # n9: 26.5 - 15
    ("time_to_need_met_median_days", "substance_use"): 11.5,  # n9 only
    ("time_to_need_met_mean_days", "housing"): 25.125 - 5.0,  # n4
    ("time_to_need_met_median_days", "housing"): 25.125 - 5.0,  # n4 only
    ("time_to_need_met_mean_days", "income_documents"): 35.0 - 15.0,  # n10
    ("time_to_need_met_median_days", "income_documents"): 35.0 - 15.0,  # n10 only
    # ---- shelters and counts (network rows only; the per-shelter rows would double the occupancy) -------------
    ("turnaways", "all"): 0 + 2 + 5 + 1 + 4,  # refused, network rows of nights 10, 12, 13, 17, 25
    ("turnaway_rate", "all"): 12 / (12 + 18 + 20 + 25 + 24 + 25),  # refused / (refused + occupancy)
    ("occupancy_rate", "all"): (18 + 20 + 25 + 24 + 25) / (20 + 20 + 25 + 25 + 25),  # occupancy / capacity
    ("nights_at_capacity_share", "all"): 3 / 5,  # nights 12, 13, 25
    ("turnaway_rate", "winter"): (5 + 1 + 4) / (5 + 1 + 4 + 25 + 24 + 25),  # nights 13 (12-01), 17, 25
    ("turnaway_rate", "rest"): (0 + 2) / (0 + 2 + 18 + 20),  # nights 10 and 12 (11-30)
    ("turnaway_winter_excess", "all"): 10 / 84 - 2 / 40,  # winter rate - rest rate
    ("count_sheltered", "all"): (18 + 20 + 25 + 24 + 25) / 5,  # mean over the 5 census rows
    ("count_outdoors", "all"): (7 + 9 + 6 + 8 + 10) / 5,  # mean over the 5 census rows
    ("count_other", "all"): (3 + 4 + 2 + 5 + 3) / 5,  # mean over the 5 census rows
    ("count_total", "all"): (28 + 33 + 33 + 37 + 38) / 5,  # sheltered + outdoors + other per row, then the mean
    ("unsheltered_nights", "all"): 7 + 9 + 6 + 8 + 10,  # sum of outdoors over the census rows
    ("count_on_date", "total"): 24 + 8 + 5,  # night 17 = 2023-12-05
    ("count_on_date", "sheltered"): 24,  # night 17
    ("count_on_date", "outdoors"): 8,  # night 17
    ("count_on_date", "other"): 5,  # night 17
    ("count_on_date_share", "sheltered"): 24 / 37,  # sheltered / total of night 17
    ("count_on_date_share", "outdoors"): 8 / 37,  # outdoors / total of night 17
    ("count_on_date_share", "other"): 5 / 37,  # other / total of night 17
    # ---- episodes, flows and time homeless -----------------------------------------------------------------------
    ("clients_served", "all"): 7,  # A, B, D, E, F, G, H
    ("people_homeless", "all"): 6,  # clients 1 .. 6 (client 2 twice: B and H)
    ("people_to_count_ratio", "all"): 6 / 37,  # people_homeless / count_on_date total
    ("new_inflow", "all"): 2,  # E (15), F (20); B started at 5, in the warm-up
    ("returns", "all"): 2,  # D (12), H (32)
    ("exits", "housed"): 1,  # B
    ("exits", "self_resolved"): 2,  # D, G (at exactly lo); C ended before the window
    ("exits", "needs_met"): 1,  # E
    ("exits", "all"): 1 + 2 + 1,  # B, D, G, E
    ("time_homeless_mean_days", "exits"): (20.125 + 18.0 + 20.0 + 60.125) / 4,  # B, D, E, G (G since -50)
    ("time_homeless_median_days", "exits"): (20.0 + 20.125) / 2,  # sorted 18, 20, 20.125, 60.125
    ("time_homeless_mean_days", "housed"): 25.125 - 5.0,  # B
    ("chronic_clients", "all"): 2,  # A, E
    # ---- measures funders track ---------------------------------------------------------------------------
    # the one exit to housing (B at 25.125) cannot be followed 182.5 days or more before hi = 40.125
    ("housing_exits_followed", "6m"): 0,  # 25.125 + 182.5 > 40.125
    ("housing_exits_followed", "12m"): 0,  # idem
    ("housing_exits_followed", "24m"): 0,  # idem
    ("housing_exits_unfollowed", "6m"): 1,  # B
    ("housing_exits_unfollowed", "12m"): 1,  # B
    ("housing_exits_unfollowed", "24m"): 1,  # B
    ("first_time_share", "all"): 2 / (2 + 2),  # new inflow E, F against returns D, H
    # count night 17, census instant 18.125: present A, B, D, E (start <= 18.125 < end). Days homeless over the
    # past year: A 18.125 - -200 = 218.125 >= 180; B 13.125; D (8 - 2) + (18.125 - 12) = 12.125; E 3.125
    ("chronic_homeless", "count_night"): 1,  # A
    ("chronic_homeless_share", "count_night"): 1 / 4,  # A of A, B, D, E
    # at each episode's last instant in the window: A 240.125 (chronic); B 20.125; D 6 + 18 = 24; E 20; F 20.125;
    # G 60.125 (since -50); H (25.125 - 5) + 8.125 = 28.25 (its earlier episode B counts)
    ("chronic_homeless", "year"): 1,  # client 1
    ("chronic_homeless_share", "year"): 1 / 6,  # of the 6 people homeless
    # ---- subgroups --------------------------------------------------------------------------------------------
    ("clients", "all"): 7,  # episodes in the window
    ("clients", "women"): 2,  # A, F
    ("clients", "men"): 4,  # B, D, E, H (G is "other")
    ("clients", "indigenous"): 2,  # A, D
    ("clients", "youth"): 3,  # B, E, H
    ("clients", "high_complexity"): 3,  # A (3), E (4), F (3)
    ("clients", "chronic"): 2,  # A, E
    ("unsheltered_nights_per_client", "all"): (6 + 14 + 2 + 20 + 11 + 0 + 8) / 7,  # A B D E F G H
    ("unsheltered_nights_per_client", "women"): (6 + 11) / 2,  # A, F
    ("unsheltered_nights_per_client", "men"): (14 + 2 + 20 + 8) / 4,  # B, D, E, H
    ("unsheltered_nights_per_client", "indigenous"): (6 + 2) / 2,  # A, D
    ("unsheltered_nights_per_client", "youth"): (14 + 20 + 8) / 3,  # B, E, H
    ("unsheltered_nights_per_client", "high_complexity"): (6 + 20 + 11) / 3,  # A, E, F
    ("unsheltered_nights_per_client", "chronic"): (6 + 20) / 2,  # A, E
    ("unmet_need_days_per_client", "all"): (32.25 + 30.0 + 22.5 + 40.5 + 43.25 + 0 + 16.25) / 7,  # A B D E F G H
    ("unmet_need_days_per_client", "women"): (32.25 + 43.25) / 2,  # A, F
    ("unmet_need_days_per_client", "men"): (30.0 + 22.5 + 40.5 + 16.25) / 4,  # B, D, E, H
    ("unmet_need_days_per_client", "indigenous"): (32.25 + 22.5) / 2,  # A, D
    ("unmet_need_days_per_client", "youth"): (30.0 + 40.5 + 16.25) / 3,  # B, E, H
    ("unmet_need_days_per_client", "high_complexity"): (32.25 + 40.5 + 43.25) / 3,  # A, E, F
    ("unmet_need_days_per_client", "chronic"): (32.25 + 40.5) / 2,  # A, E
    ("refused_nights_per_client", "all"): (4 + 2 + 1 + 3 + 0 + 0 + 0) / 7,  # refused_nights of A, B, D, E, F, G, H
    ("refused_nights_per_client", "women"): (4 + 0) / 2,  # A, F
    ("refused_nights_per_client", "men"): (2 + 1 + 3 + 0) / 4,  # B, D, E, H
    ("refused_nights_per_client", "indigenous"): (4 + 1) / 2,  # A, D
    ("refused_nights_per_client", "youth"): (2 + 3 + 0) / 3,  # B, E, H
    ("refused_nights_per_client", "high_complexity"): (4 + 3 + 0) / 3,  # A, E, F
    ("refused_nights_per_client", "chronic"): (4 + 3) / 2,  # A, E
    ("housed_share", "all"): 1 / 7,  # B
    ("housed_share", "women"): 0 / 2,  # A censored, F censored
    ("housed_share", "men"): 1 / 4,  # B housed among B, D, E, H
    ("housed_share", "indigenous"): 0 / 2,  # A censored, D self-resolved
    ("housed_share", "youth"): 1 / 3,  # B housed among B, E, H
    ("housed_share", "high_complexity"): 0 / 3,  # A, E, F: none housed
    ("housed_share", "chronic"): 0 / 2,  # A, E: none housed
    # ---- referrals (created in the window: all but r14) ----------------------------------------------------------
    ("referrals_sent", "all"): 15,  # r1 .. r16 but r14
    ("referrals_completed", "all"): 5 + 1,  # served r1 r3 r5 r7 r16, housed r4
    ("referrals_lost", "all"): 5,  # r6 lost_waiting, r8 reneged, r11 lost_handoff, r12 balked, r15 ineligible
    ("referral_completion_share", "all"): 6 / 15,  # r10 client_exited and r2 r9 r13 censored are neither
    ("referral_loss_share", "all"): 5 / 15,  # lost / sent
    # arrived - created of the 12 that arrived, r1 r2 r3 r4 r5 r6 r7 r8 r9 r12 r15 r16 (not r10, r11, r13)
    ("handoff_latency_mean_days", "all"): (0 + 1 + 1 + 0.5 + 0.5 + 1 + 0.5 + 1 + 0.5 + 0.5 + 1.25 + 0.5) / 12,
    ("referrals_arrived", "all"): 12,  # r1 .. r9, r12, r15, r16
    ("referrals_arrived", "unilateral"): 3,  # r1, r5, r8
    ("referrals_arrived", "bilateral"): 3,  # r3, r4, r12
    ("referrals_arrived", "multilateral"): 1,  # r7
    ("referrals_arrived", "integrated"): 5,  # r2, r6, r9, r15, r16
    ("referrals_sent", "unilateral"): 5,  # r1, r5, r8, r10, r13
    ("referrals_completed", "unilateral"): 2,  # r1, r5
    ("referrals_lost", "unilateral"): 1,  # r8
    ("referral_completion_share", "unilateral"): 2 / 5,  # completed / sent
    ("referral_loss_share", "unilateral"): 1 / 5,  # lost / sent
    ("handoff_latency_mean_days", "unilateral"): (0.0 + 0.5 + 1.0) / 3,  # r1, r5, r8
    ("referrals_sent", "bilateral"): 3,  # r3, r4, r12
    ("referrals_completed", "bilateral"): 2,  # r3 served, r4 housed
    ("referrals_lost", "bilateral"): 1,  # r12
    ("referral_completion_share", "bilateral"): 2 / 3,  # completed / sent
    ("referral_loss_share", "bilateral"): 1 / 3,  # lost / sent
    ("handoff_latency_mean_days", "bilateral"): (1.0 + 0.5 + 0.5) / 3,  # r3, r4, r12
    ("referrals_sent", "multilateral"): 2,  # r7, r11
    ("referrals_completed", "multilateral"): 1,  # r7
    ("referrals_lost", "multilateral"): 1,  # r11
    ("referral_completion_share", "multilateral"): 1 / 2,  # completed / sent
    ("referral_loss_share", "multilateral"): 1 / 2,  # lost / sent
    ("handoff_latency_mean_days", "multilateral"): 0.5,  # r7 (r11 never arrived)
    ("referrals_sent", "integrated"): 5,  # r2, r6, r9, r15, r16
    ("referrals_completed", "integrated"): 1,  # r16
    ("referrals_lost", "integrated"): 2,  # r6, r15
    ("referral_completion_share", "integrated"): 1 / 5,  # completed / sent
    ("referral_loss_share", "integrated"): 2 / 5,  # lost / sent
    ("handoff_latency_mean_days", "integrated"): (1.0 + 1.0 + 0.5 + 1.25 + 0.5) / 5,  # r2, r6, r9, r15, r16
    ("referral_outcomes", "served"): 5,  # r1, r3, r5, r7, r16 (r14 was created in the warm-up)
    ("referral_outcomes", "housed"): 1,  # r4
    ("referral_outcomes", "censored"): 3,  # r2, r9, r13
    ("referral_outcomes", "lost_waiting"): 1,  # r6
    ("referral_outcomes", "reneged"): 1,  # r8
    ("referral_outcomes", "client_exited"): 1,  # r10
    ("referral_outcomes", "lost_handoff"): 1,  # r11
    ("referral_outcomes", "balked"): 1,  # r12
    ("referral_outcomes", "ineligible"): 1,  # r15
    # ---- coordination and counters ------------------------------------------------------------------------------
    ("coordination_staff_hours", "all"): 0.5 + 0.25 + 1 + 1.5 + 2 + 2 + 0.75 + 0.5 + 0.25 + 0.5 + 0.25,  # s1 .. s11
    ("coordination_staff_hours", "unilateral"): 0.5 + 0.25,  # s1, s2
    ("coordination_staff_hours", "bilateral"): 1.0 + 1.5,  # s3, s4
    ("coordination_staff_hours", "multilateral"): 2.0 + 2.0 + 0.5,  # s5, s6, s10
    ("coordination_staff_hours", "integrated"): 0.75 + 0.5 + 0.25 + 0.25,  # s7, s8, s9, s11 (assessment included)
    ("coordination_staff_hours_by_purpose", "sender"): 0.5 + 1.0 + 0.5 + 0.5,  # s1, s3, s8, s10
    ("coordination_staff_hours_by_purpose", "receiver"): 0.25 + 0.25,  # s2, s9
    ("coordination_staff_hours_by_purpose", "accompaniment"): 1.5,  # s4
    ("coordination_staff_hours_by_purpose", "conference"): 2.0 + 2.0,  # s5, s6
    ("coordination_staff_hours_by_purpose", "assessment"): 0.75 + 0.25,  # s7, s11
    ("outreach_contacts", "all"): 7.0,  # the counters, as recorded
    ("conferences", "all"): 2.0,  # counter
    ("conference_seats_missed", "all"): 1.0,  # counter
    ("reserved_places_released", "all"): 1.0,  # counter
    ("referrals_blocked", "all"): 3.0,  # counter
    ("reserved_places_idle", "all"): 0.75,  # counter
    ("staff_fte", "all"): 4.5,  # counter
    ("staff_hours", "all"): 5400.0,  # counter
    ("staff_cost", "all"): 162000.0,  # counter
}

#: pairs that MAIN must not produce, and why
MAIN_ABSENT = {
    ("wait_mean_days", "detox"): "no served visit",
    ("wait_median_days", "detox"): "no served visit",
    ("wait_p90_days", "detox"): "no served visit",
    ("wait_p95_days", "detox"): "no served visit",
    ("sojourn_mean_days", "detox"): "no served visit",
    ("utilisation", "housing"): "clinics and the access point only",
    ("offered_load", "housing"): "clinics and the access point only",
    ("visits", "shelter_north"): "no visit at a shelter",
    ("time_homeless_median_days", "housed"): "only the mean is defined for housed exits",
    ("exits", "censored"): "a censored episode is not an exit",
    ("referral_outcomes", "exited"): "no referral ended that way",
}


# =============================================================================================================
# LONG: window [5, 405) holds the count date (01-10) twice: 2023-01-10 (night 9) and 2024-01-10 (night 374)
# =============================================================================================================

LONG_RECORDS = run_records(
    5.0, 405.0,
    {"start_date": "2023-01-01", "winter_start": "12-01", "winter_end": "02-28", "count_date": "01-10"}, {},
    episodes=[(1, 1, "inflow", "man", "adult", False, "transitional", False, 1, 6.0, 6.0, 405.0, "censored", 5)],
    needs=[(1, 1, "primary_care", 6.0, 405.0, "censored", "")],
    locations=[(1, 1, 6.0, "outdoors"), (1, 1, 200.5, "shelter")],
    nights=[(9, "all", 10, 10, 2, 2), (200, "all", 10, 4, 1, 0), (374, "all", 10, 8, 0, 1)],
    census=[(9, 10.125, 3, 1, 1), (200, 201.125, 2, 2, 2), (374, 375.125, 4, 4, 4)],
)

LONG: dict[tuple[str, str], float] = {
    ("unmet_need_days", "primary_care"): 405.0 - 6.0,  # open from the episode start to the horizon
    ("unmet_need_days", "mental_health"): 0,  # the one need is primary_care
    ("unmet_need_days", "substance_use"): 0,  # idem
    ("unmet_need_days", "housing"): 0,  # idem
    ("unmet_need_days", "income_documents"): 0,  # idem
    ("needs_open_at_horizon", "primary_care"): 1,  # censored at 405
    ("needs_open_at_horizon", "mental_health"): 0,  # no such need
    ("needs_open_at_horizon", "substance_use"): 0,  # no such need
    ("needs_open_at_horizon", "housing"): 0,  # no such need
    ("needs_open_at_horizon", "income_documents"): 0,  # no such need
    ("needs_open_at_horizon", "all"): 1,  # the primary_care need
    ("needs_met", "primary_care"): 0,  # none met: no time to need met
    ("needs_met", "mental_health"): 0,  # no such need
    ("needs_met", "substance_use"): 0,  # no such need
    ("needs_met", "housing"): 0,  # no such need
    ("needs_met", "income_documents"): 0,  # no such need
    ("turnaways", "all"): 2 + 0 + 1,  # refused on nights 9, 200, 374
    ("turnaway_rate", "all"): 3 / (3 + 10 + 4 + 8),  # refused / (refused + occupancy)
    ("occupancy_rate", "all"): (10 + 4 + 8) / 30,  # occupancy / capacity 3 * 10
    ("nights_at_capacity_share", "all"): 1 / 3,  # night 9
    ("turnaway_rate", "winter"): (2 + 1) / (2 + 1 + 10 + 8),  # nights 9 (01-10) and 374 (01-10)
    ("turnaway_rate", "rest"): 0 / (0 + 4),  # night 200 (07-20)
    ("turnaway_winter_excess", "all"): 3 / 21 - 0.0,  # winter rate - rest rate
    ("count_sheltered", "all"): (3 + 2 + 4) / 3,  # mean over the 3 census rows
    ("count_outdoors", "all"): (1 + 2 + 4) / 3,  # mean over the 3 census rows
    ("count_other", "all"): (1 + 2 + 4) / 3,  # mean over the 3 census rows
    ("count_total", "all"): (5 + 6 + 12) / 3,  # row totals 5, 6, 12
    ("unsheltered_nights", "all"): 1 + 2 + 4,  # sum of outdoors
    ("count_on_date", "total"): 3 + 1 + 1,  # night 9, the first on 01-10 (night 374 would give 12)
    ("count_on_date", "sheltered"): 3,  # night 9
    ("count_on_date", "outdoors"): 1,  # night 9
    ("count_on_date", "other"): 1,  # night 9
    ("count_on_date_share", "sheltered"): 3 / 5,  # 3 of the 5 counted on night 9
    ("count_on_date_share", "outdoors"): 1 / 5,  # 1 of 5
    ("count_on_date_share", "other"): 1 / 5,  # 1 of 5
    ("clients_served", "all"): 1,  # the one episode, [6, 405)
    ("people_homeless", "all"): 1,  # client 1
    ("people_to_count_ratio", "all"): 1 / 5,  # 1 person / count of 5
    ("new_inflow", "all"): 1,  # started at 6 >= 5
    ("returns", "all"): 0,  # no return episode
    ("exits", "housed"): 0,  # no exit: no time homeless
    ("exits", "self_resolved"): 0,  # censored at the horizon
    ("exits", "needs_met"): 0,  # censored at the horizon
    ("exits", "all"): 0,  # censored at the horizon
    ("chronic_clients", "all"): 0,  # pattern transitional
    **{("housing_exits_followed", f): 0 for f in ("6m", "12m", "24m")},  # no exit to housing
    **{("housing_exits_unfollowed", f): 0 for f in ("6m", "12m", "24m")},  # idem
    ("first_time_share", "all"): 1 / (1 + 0),  # one new inflow, no return
    ("chronic_homeless", "count_night"): 0,  # night 9, instant 10.125: homeless 10.125 - 6 = 4.125 days
    ("chronic_homeless_share", "count_night"): 0 / 1,  # of the one present
    ("chronic_homeless", "year"): 1,  # at 405, 365 of the past 365 days homeless
    ("chronic_homeless_share", "year"): 1 / 1,  # of the one person
    # 400 days hold 13 months of 365 / 12 days (13 * 30.4167 = 395.4): month 1 is [5, 35.42)
    **{("monthly_inflow", f"{m:02d}"): (1 if m == 1 else 0) for m in range(1, 14)},  # the start at 6
    **{("monthly_outflow", f"{m:02d}"): 0 for m in range(1, 14)},  # nobody left
    ("inflow_per_month", "all"): 1 / 13,  # one entry over 13 months
    ("outflow_per_month", "all"): 0.0,  # no exit: no functional-zero ratio
    ("months_observed", "all"): 13,  # 400 // (365 / 12)
    ("months_outflow_above_inflow", "all"): 0,  # outflow never above inflow
    ("clients", "all"): 1,  # the one episode
    ("clients", "women"): 0,  # an empty group has its count and nothing else
    ("clients", "men"): 1,  # gender man
    ("clients", "indigenous"): 0,  # not indigenous
    ("clients", "youth"): 0,  # adult
    ("clients", "high_complexity"): 0,  # 1 need at entry < 3
    ("clients", "chronic"): 0,  # transitional
    ("unsheltered_nights_per_client", "all"): 200 - 6 + 1,  # [6, 200.5): instants 6.125 .. 200.125
    ("unsheltered_nights_per_client", "men"): 200 - 6 + 1,  # the same one episode
    ("unmet_need_days_per_client", "all"): 399.0,  # 405 - 6, one episode
    ("unmet_need_days_per_client", "men"): 399.0,  # idem
    ("refused_nights_per_client", "all"): 5,  # refused_nights of the episode
    ("refused_nights_per_client", "men"): 5,  # idem
    ("housed_share", "all"): 0 / 1,  # censored, not housed
    ("housed_share", "men"): 0 / 1,  # idem
    ("referrals_sent", "all"): 0,  # no referral: counts only, no share, no latency, no outcome
    ("referrals_completed", "all"): 0,  # no referral
    ("referrals_lost", "all"): 0,  # no referral
    ("referrals_arrived", "all"): 0,  # no referral
    ("coordination_staff_hours", "all"): 0.0,  # an empty staff table: no adjustment, no purpose
}


# =============================================================================================================
# SUMMER: window [2, 12) in June, outside winter and missing the count date (01-15)
# =============================================================================================================

SUMMER_RECORDS = run_records(
    2.0, 12.0,
    {"start_date": "2023-06-01", "winter_start": "12-01", "winter_end": "02-28", "count_date": "01-15"}, {},
    episodes=[(1, 1, "stock", "woman", "adult", False, "episodic", False, 0, 0.0, -10.0, 7.5, "self_resolved", 1)],
    locations=[(1, 1, 0.0, "outdoors"), (1, 1, 7.5, "exited")],
    nights=[(2, "all", 5, 5, 1, 1), (5, "all", 5, 4, 0, 0)],
    census=[(2, 3.125, 5, 2, 0), (5, 6.125, 4, 1, 1)],
)

SUMMER: dict[tuple[str, str], float] = {
    **{("unmet_need_days", need): 0 for need in ("primary_care", "mental_health", "substance_use", "housing",
                                                  "income_documents")},  # no need at all
    **{("needs_open_at_horizon", need): 0 for need in ("primary_care", "mental_health", "substance_use",
                                                        "housing", "income_documents", "all")},
    **{("needs_met", need): 0 for need in ("primary_care", "mental_health", "substance_use", "housing",
                                            "income_documents")},
    ("turnaways", "all"): 1 + 0,  # refused on nights 2 and 5
    ("turnaway_rate", "all"): 1 / (1 + 5 + 4),  # refused / (refused + occupancy)
    ("occupancy_rate", "all"): (5 + 4) / (5 + 5),  # occupancy / capacity
    ("nights_at_capacity_share", "all"): 1 / 2,  # night 2
    ("turnaway_rate", "rest"): 1 / (1 + 5 + 4),  # both nights; no winter night: no winter rate, no excess
    ("count_sheltered", "all"): (5 + 4) / 2,  # mean over the 2 census rows
    ("count_outdoors", "all"): (2 + 1) / 2,  # mean over the 2 census rows
    ("count_other", "all"): (0 + 1) / 2,  # mean over the 2 census rows
    ("count_total", "all"): (7 + 6) / 2,  # row totals 7 and 6
    ("unsheltered_nights", "all"): 2 + 1,  # sum of outdoors
    ("clients_served", "all"): 1,  # the one episode, ends at 7.5 >= 2
    ("people_homeless", "all"): 1,  # no count night in the window: no people_to_count_ratio
    ("new_inflow", "all"): 0,  # a stock episode
    ("returns", "all"): 0,  # a stock episode
    ("exits", "housed"): 0,  # self-resolved
    ("exits", "self_resolved"): 1,  # at 7.5 < 12
    ("exits", "needs_met"): 0,  # self-resolved
    ("exits", "all"): 1,  # the self-resolved exit
    **{("housing_exits_followed", f): 0 for f in ("6m", "12m", "24m")},  # no exit to housing
    **{("housing_exits_unfollowed", f): 0 for f in ("6m", "12m", "24m")},  # idem
    ("chronic_homeless", "year"): 0,  # at 7.5: 17.5 days since -10
    ("chronic_homeless_share", "year"): 0 / 1,  # of the one person; no count night, no first-time share
    ("time_homeless_mean_days", "exits"): 7.5 - -10.0,  # no housed exit: no housed mean
    ("time_homeless_median_days", "exits"): 7.5 - -10.0,  # one exit
    ("chronic_clients", "all"): 0,  # pattern episodic
    ("clients", "all"): 1,  # the one episode
    ("clients", "women"): 1,  # gender woman
    ("clients", "men"): 0,  # gender woman
    ("clients", "indigenous"): 0,  # not indigenous
    ("clients", "youth"): 0,  # adult
    ("clients", "high_complexity"): 0,  # no need at entry
    ("clients", "chronic"): 0,  # episodic
    ("unsheltered_nights_per_client", "all"): 7 - 2 + 1,  # [2, 7.5): instants 2.125 .. 7.125
    ("unsheltered_nights_per_client", "women"): 7 - 2 + 1,  # the same one episode
    ("unmet_need_days_per_client", "all"): 0.0,  # no need
    ("unmet_need_days_per_client", "women"): 0.0,  # no need
    ("refused_nights_per_client", "all"): 1,  # refused_nights of the episode
    ("refused_nights_per_client", "women"): 1,  # idem
    ("housed_share", "all"): 0 / 1,  # self-resolved, not housed
    ("housed_share", "women"): 0 / 1,  # idem
    ("referrals_sent", "all"): 0,  # no referral
    ("referrals_completed", "all"): 0,  # no referral
    ("referrals_lost", "all"): 0,  # no referral
    ("referrals_arrived", "all"): 0,  # no referral
    ("coordination_staff_hours", "all"): 0.0,  # an empty staff table
}


# =============================================================================================================
# QUIET: shelters nobody asked for, and a count night with nobody counted: every rate there is 0 / 0
# =============================================================================================================

QUIET_RECORDS = run_records(
    1.0, 4.0,
    {"start_date": "2023-07-01", "winter_start": "12-01", "winter_end": "02-28", "count_date": "07-03"}, {},
    nights=[(1, "all", 3, 0, 0, 0), (2, "all", 3, 0, 0, 0)],
    census=[(1, 2.125, 0, 0, 0), (2, 3.125, 0, 0, 0)],
)

QUIET: dict[tuple[str, str], float] = {
    **{("unmet_need_days", need): 0 for need in ("primary_care", "mental_health", "substance_use", "housing",
                                                  "income_documents")},
    **{("needs_open_at_horizon", need): 0 for need in ("primary_care", "mental_health", "substance_use",
                                                        "housing", "income_documents", "all")},
    **{("needs_met", need): 0 for need in ("primary_care", "mental_health", "substance_use", "housing",
                                            "income_documents")},
    ("turnaways", "all"): 0,  # nobody refused
    ("occupancy_rate", "all"): 0 / (3 + 3),  # nobody in a bed
    ("nights_at_capacity_share", "all"): 0 / 2,  # 0 < 3 on both nights
    ("count_sheltered", "all"): 0.0,  # zeros
    ("count_outdoors", "all"): 0.0,  # zeros
    ("count_other", "all"): 0.0,  # zeros
    ("count_total", "all"): 0.0,  # zeros
    ("unsheltered_nights", "all"): 0,  # zeros
    ("count_on_date", "total"): 0,  # night 2 = 07-03
    ("count_on_date", "sheltered"): 0,  # night 2
    ("count_on_date", "outdoors"): 0,  # night 2
    ("count_on_date", "other"): 0,  # night 2
    ("clients_served", "all"): 0,  # no episode
    ("people_homeless", "all"): 0,  # a count of 0: no people_to_count_ratio
    ("new_inflow", "all"): 0,  # no episode
    ("returns", "all"): 0,  # no episode
    ("exits", "housed"): 0,  # no episode
    ("exits", "self_resolved"): 0,  # no episode
    ("exits", "needs_met"): 0,  # no episode
    ("exits", "all"): 0,  # no episode
    ("chronic_clients", "all"): 0,  # no episode
    **{("housing_exits_followed", f): 0 for f in ("6m", "12m", "24m")},  # no episode
    **{("housing_exits_unfollowed", f): 0 for f in ("6m", "12m", "24m")},  # no episode
    ("chronic_homeless", "count_night"): 0,  # nobody present on the count night: no share
    **{("clients", group): 0 for group in ("all", "women", "men", "indigenous", "youth", "high_complexity",
                                           "chronic")},
    ("referrals_sent", "all"): 0,  # no referral
    ("referrals_completed", "all"): 0,  # no referral
    ("referrals_lost", "all"): 0,  # no referral
    ("referrals_arrived", "all"): 0,  # no referral
    ("coordination_staff_hours", "all"): 0.0,  # an empty staff table
}

#: undefined (0 / 0) in QUIET: section 9 says a metric with no data is omitted
QUIET_UNDEFINED = [
    ("turnaway_rate", "all"),  # 0 refused / (0 refused + 0 occupied)
    ("turnaway_rate", "rest"),  # idem, both nights in July
    ("count_on_date_share", "sheltered"),  # 0 / a count of 0
    ("count_on_date_share", "outdoors"),
    ("count_on_date_share", "other"),
]

RECORDS = {"main": MAIN_RECORDS, "long": LONG_RECORDS, "summer": SUMMER_RECORDS, "quiet": QUIET_RECORDS}
EXPECTED = {"main": MAIN, "long": LONG, "summer": SUMMER, "quiet": QUIET}


@functools.cache
def metrics_of(name: str) -> pd.DataFrame:
    return replication_metrics(RECORDS[name], census_time=CENSUS)


def value(name: str, metric: str, dimension: str) -> float:
    table = metrics_of(name)
    rows = table[(table["metric"] == metric) & (table["dimension"] == dimension)]
    assert len(rows) == 1, f"{metric} [{dimension}]: {len(rows)} rows"
    return float(rows["value"].iloc[0])


def pairs(name: str) -> set[tuple[str, str]]:
    table = metrics_of(name)
    return set(zip(table["metric"], table["dimension"], strict=True))


CASES = [pytest.param(name, metric, dimension, expected, id=f"{name}:{metric}[{dimension}]")
         for name, table in EXPECTED.items() for (metric, dimension), expected in table.items()]


@pytest.mark.parametrize(("name", "metric", "dimension", "expected"), CASES)
def test_metric_has_the_value_worked_out_by_hand(name: str, metric: str, dimension: str, expected: float) -> None:
    got = value(name, metric, dimension)
    assert not math.isnan(got)
    assert got == pytest.approx(expected, rel=REL)


def _unexpected(name: str) -> set[tuple[str, str]]:
    return {pair for pair in pairs(name) - set(EXPECTED[name]) if pair[0] not in DEFINED_AFTER_THIS_TEST}


@pytest.mark.parametrize("name", ["main", "long", "summer", "quiet"])
def test_the_metrics_produced_are_exactly_those_expected(name: str) -> None:
    missing = set(EXPECTED[name]) - pairs(name)
    assert not missing, f"missing: {sorted(missing)}"
    extra = _unexpected(name)
    assert not extra, f"not pinned here: {sorted(extra)}"


@pytest.mark.parametrize("name", list(RECORDS))
def test_each_metric_and_dimension_appears_once_with_the_run_identity(name: str) -> None:
    table = metrics_of(name)
    assert list(table.columns) == ["replication", "regime", "metric", "dimension", "value"]
    assert len(table) == len(pairs(name))
    assert set(table["replication"]) == {3}
    assert set(table["regime"]) == {"organic"}


@pytest.mark.parametrize(("metric", "dimension"),
                         [pytest.param(m, d, id=f"main:{m}[{d}]") for m, d in MAIN_ABSENT])
def test_metric_without_data_is_absent(metric: str, dimension: str) -> None:
    assert (metric, dimension) not in pairs("main"), MAIN_ABSENT[(metric, dimension)]


@pytest.mark.parametrize(("name", "metric", "dimension"), [
    pytest.param("long", "wait_mean_days", "clinic", id="long:no visits, no nodes"),
    pytest.param("long", "time_to_need_met_mean_days", "primary_care", id="long:no need met"),
    pytest.param("long", "time_to_need_met_median_days", "primary_care", id="long:no need met, median"),
    pytest.param("long", "time_homeless_mean_days", "exits", id="long:no exit"),
    pytest.param("long", "unsheltered_nights_per_client", "women", id="long:empty subgroup"),
    pytest.param("long", "housed_share", "youth", id="long:empty subgroup, housed share"),
    pytest.param("long", "referral_completion_share", "all", id="long:no referral, share"),
    pytest.param("long", "handoff_latency_mean_days", "all", id="long:no referral, latency"),
    pytest.param("summer", "turnaway_rate", "winter", id="summer:no winter night"),
    pytest.param("summer", "turnaway_winter_excess", "all", id="summer:one season only"),
    pytest.param("summer", "count_on_date", "total", id="summer:no count night in the window"),
    pytest.param("summer", "count_on_date_share", "sheltered", id="summer:no count night, share"),
    pytest.param("summer", "people_to_count_ratio", "all", id="summer:no count night, ratio"),
    pytest.param("summer", "time_homeless_mean_days", "housed", id="summer:no housed exit"),
    pytest.param("summer", "first_time_share", "all", id="summer:no entry, no first-time share"),
    pytest.param("summer", "chronic_homeless", "count_night", id="summer:no count night, no chronic count"),
    pytest.param("summer", "monthly_inflow", "01", id="summer:10 days hold no month"),
    pytest.param("main", "returns_within_share", "6m", id="main:no exit to housing can be followed"),
    pytest.param("main", "housing_retention_share", "6m", id="main:no exit followed, no retention"),
    pytest.param("long", "functional_zero_ratio", "all", id="long:no outflow, no functional-zero ratio"),
    pytest.param("quiet", "chronic_homeless_share", "count_night", id="quiet:nobody on the count night"),
    pytest.param("quiet", "people_to_count_ratio", "all", id="quiet:a count of zero"),
    pytest.param("quiet", "turnaway_rate", "winter", id="quiet:no winter night"),
    pytest.param("quiet", "turnaway_winter_excess", "all", id="quiet:one season only"),
])
def test_metric_without_data_is_absent_in_the_small_runs(name: str, metric: str, dimension: str) -> None:
    assert (metric, dimension) not in pairs(name)


@pytest.mark.parametrize(("metric", "dimension"), [
    pytest.param(m, d, id=f"quiet:{m}[{d}]") for m, d in QUIET_UNDEFINED])
def test_a_rate_of_zero_over_zero_is_absent(metric: str, dimension: str) -> None:
    assert (metric, dimension) not in pairs("quiet")


# =============================================================================================================
# FOLLOW: window [10, 420): exits to housing that can and cannot be followed, a return, monthly flows
# =============================================================================================================

FOLLOW_RECORDS = run_records(
    10.0, 420.0,
    {"start_date": "2023-01-01", "winter_start": "12-01", "winter_end": "02-28", "count_date": "12-31"}, {},
    episodes=[
        (1, 1, "inflow", "man", "adult", False, "episodic", False, 1, 20.0, 20.0, 50.0, "housed", 0),  # P
        (1, 2, "return", "man", "adult", False, "episodic", False, 1, 150.0, 150.0, 420.0, "censored", 0),  # P again
        (2, 1, "inflow", "woman", "adult", False, "episodic", False, 1, 30.0, 30.0, 100.0, "housed", 0),  # Q
        (3, 1, "inflow", "woman", "adult", False, "episodic", False, 1, 40.0, 40.0, 300.0, "housed", 0),  # R
        (4, 1, "stock", "man", "adult", False, "episodic", False, 1, 0.0, -30.0, 5.0, "housed", 0),  # S: before lo
    ],
    census=[(100, 100.125, 2, 1, 0), (200, 200.125, 1, 0, 0)],
)

FOLLOW: dict[tuple[str, str], float] = {
    # exits to housing in [10, 420): P at 50, Q at 100, R at 300 (S at 5 is in the warm-up)
    ("housing_exits_followed", "6m"): 2,  # P (50 + 182.5 = 232.5 <= 420), Q (282.5); not R (482.5)
    ("housing_exits_unfollowed", "6m"): 1,  # R
    ("returns_within_share", "6m"): 1 / 2,  # P returned at 150, 100 days after; Q never returned
    ("housing_retention_share", "6m"): 1 - 1 / 2,  # Q still housed
    ("housing_exits_followed", "12m"): 1,  # P (50 + 365 = 415 <= 420); not Q (465) nor R
    ("housing_exits_unfollowed", "12m"): 2,  # Q, R
    ("returns_within_share", "12m"): 1 / 1,  # P, within 100 days
    ("housing_retention_share", "12m"): 0 / 1,  # P did not stay housed
    ("housing_exits_followed", "24m"): 0,  # 50 + 730 > 420: no share at 24 months
    ("housing_exits_unfollowed", "24m"): 3,  # P, Q, R
    ("first_time_share", "all"): 3 / (3 + 1),  # inflow P Q R against the return of P
    # 410 days hold 13 months of 365 / 12 days; month k is [10 + (k - 1) 30.4167, 10 + k 30.4167)
    ("months_observed", "all"): 13,  # 410 // 30.4167 = 13.48 -> 13
    ("monthly_inflow", "01"): 3,  # starts at 20, 30, 40 (< 40.4167)
    ("monthly_inflow", "05"): 1,  # the return at 150, in [131.67, 162.08)
    ("monthly_outflow", "02"): 1,  # P's exit at 50, in [40.42, 70.83)
    ("monthly_outflow", "03"): 1,  # Q's exit at 100, in [70.83, 101.25)
    ("monthly_outflow", "10"): 1,  # R's exit at 300, in [283.75, 314.17); S's at 5 is before the first month
    ("monthly_inflow", "02"): 0,  # nobody entered
    ("monthly_outflow", "01"): 0,  # nobody left
    ("inflow_per_month", "all"): 4 / 13,  # four entries over 13 months
    ("outflow_per_month", "all"): 3 / 13,  # three exits over 13 months
    ("months_outflow_above_inflow", "all"): 3,  # months 2, 3 and 10
    ("functional_zero_ratio", "all"): ((2 + 1 + 0) + (1 + 0 + 0)) / 2 / (3 / 13),  # count_total / outflow
}


@pytest.mark.parametrize(("metric", "dimension", "expected"),
                         [pytest.param(m, d, v, id=f"follow:{m}[{d}]") for (m, d), v in FOLLOW.items()])
def test_follow_up_and_flows_have_the_values_worked_out_by_hand(metric: str, dimension: str,
                                                                 expected: float) -> None:
    table = replication_metrics(FOLLOW_RECORDS, census_time=CENSUS)
    rows = table[(table["metric"] == metric) & (table["dimension"] == dimension)]
    assert len(rows) == 1, f"{metric} [{dimension}]: {len(rows)} rows"
    assert float(rows["value"].iloc[0]) == pytest.approx(expected, rel=REL)


def test_follow_up_at_24_months_is_absent_when_no_exit_can_be_followed() -> None:
    table = replication_metrics(FOLLOW_RECORDS, census_time=CENSUS)
    assert not ((table["metric"] == "returns_within_share") & (table["dimension"] == "24m")).any()
    assert not ((table["metric"] == "housing_retention_share") & (table["dimension"] == "24m")).any()


def test_the_catalog_of_metrics_is_what_the_code_produces_and_the_docs_define() -> None:
    """``METRICS`` (what a precision target may name) holds every metric produced here, and section 9 of
    docs/model.md defines each of them."""
    from pathlib import Path

    from simulator.metrics.compute import METRICS

    produced = {m for name in RECORDS for m, _ in pairs(name)}
    produced |= set(replication_metrics(FOLLOW_RECORDS, census_time=CENSUS)["metric"])
    assert produced == set(METRICS)
    model = (Path(__file__).resolve().parents[2] / "docs" / "model.md").read_text(encoding="utf-8")
    section = model.split("## 9. Metrics of one replication", 1)[1].split("\n## 10.", 1)[0]
    assert not [m for m in METRICS if f"`{m}`" not in section and f"`{m}," not in section]
