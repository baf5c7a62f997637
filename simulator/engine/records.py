"""What the engine writes down: plain columnar records, one table per kind of fact.

The engine appends tuples to lists (cheap in the event loop) and hands back a :class:`RunRecords`, plain data
that pickles across processes. Turning records into DataFrames and statistics is the job of
:mod:`simulator.metrics`; the engine itself never imports pandas.

Tables (columns in :data:`COLUMNS`):

``episodes``   one row per episode of homelessness of a client (a return opens a new episode, same client id)
``needs``      one row per need of an episode: onset, end, outcome (met / open_at_exit / censored)
``referrals``  one row per handoff: sender, receiver, adjustment type, times, outcome
``visits``     one row per queue visit at a clinic, access point or housing programme
``staff``      staff time spent on coordination (sender, receiver, accompaniment, conference, assessment)
``locations``  where each client slept from a time on (shelter, outdoors, other) until the next row
``nights``     per night and shelter: capacity, occupancy at the census hour, admissions, refusals
``census``     per night at the census hour: clients sheltered, outdoors, elsewhere
``nodes``      per service: staff, available server hours, time-average number present (an independent
               monitor used to check Little's law), arrivals and the work they asked for (offered hours)
``events``     the optional HMIS/HIFIS-shaped event log
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLUMNS: dict[str, tuple[str, ...]] = {
    "episodes": ("client", "episode", "source", "gender", "age_group", "indigenous", "pattern", "avoidant",
                 "needs_at_entry", "start", "homeless_since", "end", "exit_reason", "refused_nights"),
    "needs": ("client", "episode", "need", "onset", "end", "outcome", "met_by"),
    "referrals": ("referral", "client", "episode", "need", "source", "target", "adjustment", "priority",
                  "created", "arrived", "start", "end", "outcome"),
    "visits": ("client", "episode", "service", "need", "referral", "adjustment", "arrival", "start", "end",
               "outcome"),
    "staff": ("service", "time", "hours", "purpose", "adjustment"),
    "locations": ("client", "episode", "time", "location"),
    "nights": ("day", "shelter", "capacity", "occupancy", "admitted", "refused"),
    "census": ("day", "time", "sheltered", "outdoors", "other"),
    "nodes": ("service", "kind", "staff", "available_hours", "time_avg_present", "arrivals_observed",
              "offered_hours"),
    "events": ("time", "client", "episode", "event", "service", "need", "adjustment", "outcome"),
}


@dataclass
class RunRecords:
    """All records of one replication, as columns of plain Python values."""

    scenario: str
    regime: str
    replication: int
    seed: int
    warmup: float
    end_time: float
    tables: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    #: calendar of the run, for seasonal and one-night-count metrics: ``start_date`` (ISO), ``winter_start``,
    #: ``winter_end`` and ``count_date`` (MM-DD)
    calendar: dict[str, str] = field(default_factory=dict)
    counters: dict[str, float] = field(default_factory=dict)


class Recorder:
    """Row buffers for every table; ``finish`` turns them into columns."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}

    def columns(self) -> dict[str, dict[str, list[Any]]]:
        out: dict[str, dict[str, list[Any]]] = {}
        for name, names in COLUMNS.items():
            rows = self.rows[name]
            out[name] = {col: [row[i] for row in rows] for i, col in enumerate(names)}
        return out
