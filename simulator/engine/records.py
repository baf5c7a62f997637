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

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


class Words:
    """A column of words kept as integer codes into a vocabulary: the words are ``names[codes]``.

    The compiled engine writes its words (outcomes, services, needs, adjustment types) this way, so that a
    replication hands back a few integer arrays instead of an object per cell; the metrics read the codes
    (:meth:`simulator.metrics.arrays._Table.codes`) and a DataFrame gets the words themselves
    (:func:`simulator.metrics.compute.tables_from_records`). As a sequence it is the column of words."""

    __slots__ = ("codes", "names")

    def __init__(self, codes: np.ndarray, names: Any) -> None:
        self.names = np.asarray(names, dtype=object)
        codes = np.asarray(codes, dtype=np.int64)
        # (a negative code counts from the end, as an index does)
        self.codes = np.where(codes < 0, codes + len(self.names), codes) if len(codes) and codes.min() < 0 else codes

    def words(self) -> np.ndarray:
        """The column as an object array of words."""
        picked: np.ndarray = self.names[self.codes]
        return picked

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        words = self.words()
        return words if dtype is None else words.astype(dtype)

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def __iter__(self) -> Iterator[Any]:
        return iter(self.words().tolist())

    def __getitem__(self, index: Any) -> Any:
        return self.names[self.codes[index]]

    def __repr__(self) -> str:
        return f"Words({self.words().tolist()!r})"


@dataclass
class RunRecords:
    """All records of one replication, as columns: lists of plain Python values (the SimPy engine), or NumPy
    arrays with the words as :class:`Words` (the compiled engine)."""

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
