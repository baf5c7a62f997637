"""Tiny scripted scenarios for the engine's parts: fixed durations, one or two clients placed by hand.

:func:`world` builds the parts of a small network (one shelter, one clinic, one housing programme, an
access point) through the real assembler, with no inflow and no initial stock, so that a test puts its own
clients in and moves the clock itself. Every duration is fixed unless a test says otherwise.
"""

from __future__ import annotations

import copy
from typing import Any

from simulator.config.loader import validate_data
from simulator.engine.clients import Client, NeedState
from simulator.engine.simulation import Simulation

BASE: dict[str, Any] = {
    "name": "scripted",
    "start_date": "2023-01-02",  # a Monday
    "horizon": "60 days",
    "warmup": "0 days",
    "regime": "unilateral",
    "winter": {"start": "12-01", "end": "12-31"},  # no winter in the run
    "population": {
        "needs": {"base": {"primary_care": 1.0}},
        "inflow": {"rate": "0 per day"},
        "attributes": {"pattern": {"chronic": 1.0}},
        "shelter_use": {"chronic": {"stay": "3 days", "gap": "2 days", "gap_other_share": 0.0}},
    },
    "services": {
        "shelter": {"kind": "shelter", "capacity": 1, "intake": {"open": "18:00", "close": "23:00"}},
        "clinic": {"kind": "clinic", "staff": 1, "service_time": "2 hours", "treats": {"primary_care": 1.0}},
        "point": {"kind": "access_point", "staff": 1},
        "housing": {"kind": "housing", "slots": 1, "tenancy": "400 days", "initial_occupancy": 0.0,
                    "move_in": "1 day"},
    },
    "referrals": [{"from": "shelter", "needs": ["primary_care"], "to": "clinic", "probability": 1.0}],
    "handoffs": {
        "unilateral": {"latency": "1 day"},
        "bilateral": {"latency": "0.5 days", "intake": "1 hour", "staff_time": {"sender": "30 min",
                                                                                "receiver": "15 min"}},
        "multilateral": {"latency": "0 days", "conference": {"every": "7 days", "weekday": "wed",
                                                              "time": "10:00", "participants": ["clinic"]}},
        "integrated": {"access_point": "point", "assessment": "1 hour", "latency": "0 days"},
    },
}


def data() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def world(changes: dict[str, Any] | None = None, seed: int = 1) -> Simulation:
    """The assembled parts of :data:`BASE` with ``changes`` (dotted paths) applied; nothing runs yet."""
    raw = data()
    for path, value in (changes or {}).items():
        node = raw
        *head, last = path.split(".")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    return Simulation(validate_data(raw, {}, "<scripted>"), seed)


def client(sim: Simulation, *needs: str, gender: str = "man", pattern: str = "chronic",
           since: float = 0.0) -> Client:
    """A client in an episode now, with the given needs open, and no process of their own yet."""
    person = Client(len(sim.episodes.active) + 1000, gender, "adult", False, pattern)
    person.episode = 1
    person.source = "inflow"
    person.start = sim.env.now
    person.homeless_since = since
    person.refused_nights = 0
    person.assessed = False
    person.avoidant = False
    person.returns_if_resolved = person.returns_if_housed = True
    person.needs = {need: NeedState(need, sim.env.now) for need in needs}
    person.needs_at_entry = len(person.needs)
    sim.episodes.active[person.id] = person
    return person


def rows(sim: Simulation, table: str) -> list[dict[str, Any]]:
    """The rows written so far to ``table``, as dicts."""
    from simulator.engine.records import COLUMNS

    return [dict(zip(COLUMNS[table], row, strict=True)) for row in sim.ctx.rows[table]]
