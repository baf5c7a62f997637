"""Small scenarios for the compiled engine, and a reference computed by hand for one of them.

:data:`MICRO` is a desk (one staff member, 15 fixed minutes, a waiting room of 2, a fixed patience of 25
minutes, treats nothing) that refers everyone on to a doctor (two staff, 50 fixed minutes, meets the need).
With fixed durations the only randomness is the arrival times, which :func:`arrival_times` reads straight from
the ``arrivals`` stream (``docs/model.md`` sections 3.3 and 7). :func:`expected_visits` then works out every
visit by the FIFO recursion (a client starts when they arrive or when the first server frees up after the
clients ahead of them, whichever is later; gives up at arrival + patience if that comes first; is turned away
if the waiting room is full), independently of both engines.
"""

from __future__ import annotations

import copy
import heapq
import math
from typing import Any

import pandas as pd

from simulator.config.loader import validate_data
from simulator.config.schema import Scenario
from simulator.engine.streams import Streams

MICRO: dict[str, Any] = {
    "name": "micro",
    "horizon": "1 day",
    "warmup": "0 days",
    "seed": 42,
    "regime": "unilateral",
    "population": {
        "needs": {"base": {"primary_care": 1.0}},
        "inflow": {"rate": "3 per hour"},
        "exits": {"exit_when_needs_met": True},
    },
    "services": {
        "desk": {"kind": "clinic", "staff": 1, "discipline": "fifo", "service_time": "15 min", "waitlist_cap": 2,
                 "patience": "25 min", "treats": {"primary_care": 0.0}},
        "doctor": {"kind": "clinic", "staff": 2, "discipline": "fifo", "service_time": "50 min",
                   "treats": {"primary_care": 1.0}},
    },
    "entry": [{"need": "primary_care", "service": "desk", "probability": 1.0}],
    "referrals": [{"from": "desk", "to": "doctor", "needs": ["primary_care"], "probability": 1.0}],
}

DESK_SERVICE, DESK_CAP, DESK_PATIENCE = 15 / 1440, 2, 25 / 1440
DOCTOR_SERVICE, DOCTOR_STAFF = 50 / 1440, 2


def scenario(data: dict[str, Any] | None = None, **changes: Any) -> Scenario:
    """A validated scenario from ``data`` (default :data:`MICRO`) with top-level ``changes``."""
    raw = copy.deepcopy(MICRO if data is None else data)
    raw.update(changes)
    return validate_data(raw, {}, "test")


def arrival_times(sc: Scenario, seed: int, replication: int = 0) -> list[float]:
    """The inflow's arrival times, drawn as ``Episodes.arrivals`` draws them (SimPy's clock arithmetic)."""
    stream = Streams(seed, replication)["arrivals"]
    rate = sc.population.inflow.rate
    t, now, out = 0.0, 0.0, []
    while True:
        t += stream.std_exponential() / rate
        if t >= sc.end_time:
            return out
        now = now + (t - now)
        out.append(now)


def fifo(arrivals: list[float], staff: int, duration: float, horizon: float, cap: int | None = None,
         patience: float | None = None) -> list[tuple[float, float, float, str]]:
    """(arrival, start, end, outcome) of each arrival at a FIFO clinic, with the horizon's censoring."""
    free = [0.0] * staff  # when each server is next free, after the clients admitted so far
    admitted: list[tuple[float, float]] = []  # (arrival, time the client stops waiting) of those admitted
    rows = []
    for a in arrivals:
        waiting = sum(1 for arrived, left in admitted if arrived <= a < left)
        if cap is not None and waiting >= cap:
            rows.append((a, math.nan, math.nan, "balked"))
            continue
        start = max(a, free[0])
        deadline = a + patience if patience is not None else math.inf
        if deadline < start:  # gave up before a server freed up (the server stays free for the next)
            admitted.append((a, deadline))
            rows.append((a, math.nan, deadline, "reneged") if deadline < horizon else (a, math.nan, math.nan,
                                                                                       "censored"))
            continue
        heapq.heapreplace(free, start + duration)
        admitted.append((a, start))
        end = start + duration
        if end < horizon:
            rows.append((a, start, end, "served"))
        else:
            rows.append((a, start if start < horizon else math.nan, math.nan, "censored"))
    return rows


def expected_visits(sc: Scenario, seed: int) -> pd.DataFrame:
    """The visits table of :data:`MICRO` worked out from its arrival times alone."""
    arrivals = arrival_times(sc, seed)
    horizon = sc.end_time
    desk = fifo(arrivals, 1, DESK_SERVICE, horizon, DESK_CAP, DESK_PATIENCE)
    rows = []
    onward = []  # (time, client): the desk's served clients, referred on at once, in the order they left
    for client, (a, s, e, outcome) in enumerate(desk):
        rows.append((client, "desk", -1, "walk_in", a, s, e, outcome))
        if outcome == "served":
            onward.append((e, client))
    onward.sort()
    doctor = fifo([t for t, _ in onward], DOCTOR_STAFF, DOCTOR_SERVICE, horizon)
    for referral, ((_, client), (a, s, e, outcome)) in enumerate(zip(onward, doctor, strict=True), start=1):
        rows.append((client, "doctor", referral, "unilateral", a, s, e, outcome))
    frame = pd.DataFrame(rows, columns=["client", "service", "referral", "adjustment", "arrival", "start", "end",
                                        "outcome"])
    return frame.sort_values(["service", "client"]).reset_index(drop=True)


def visits_of(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The visits table in the layout of :func:`expected_visits`."""
    visits = tables["visits"][["client", "service", "referral", "adjustment", "arrival", "start", "end", "outcome"]]
    return visits.sort_values(["service", "client"]).reset_index(drop=True)
