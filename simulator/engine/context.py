"""The narrow context every part of the engine receives instead of the whole simulation.

It holds what all of them share and nothing of any one concept: the SimPy environment, the random streams,
the record buffers, the calendar, the observed window (warm-up and end) and the event log switch. A part that
needs another concept's doing (a client's move, a housed client's exit) receives that as a callback when the
simulation assembles the parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from simulator.engine.calendar import Calendar
from simulator.engine.records import Recorder
from simulator.engine.streams import Streams

if TYPE_CHECKING:
    from simulator.engine.clients import Client


class Context:
    """What the parts of one replication share."""

    __slots__ = ("calendar", "counters", "end_time", "env", "log_events", "rec", "rows", "streams", "warmup")

    def __init__(self, env: simpy.Environment, streams: Streams, calendar: Calendar, warmup: float,
                 end_time: float, log_events: bool):
        self.env = env
        self.streams = streams
        self.rec = Recorder()
        self.rows = self.rec.rows
        self.calendar = calendar
        self.warmup = warmup
        self.end_time = end_time
        self.log_events = log_events
        #: run-wide counts over the observed window (outreach contacts, conferences held, seats missed)
        self.counters: dict[str, float] = {"outreach_contacts": 0.0, "conferences": 0.0,
                                           "conference_seats_missed": 0.0, "reserved_places_released": 0.0,
                                           "referrals_blocked": 0.0}

    def log(self, client: Client, event: str, service: str, need: str, adjustment: str, outcome: str) -> None:
        """One row of the HMIS-shaped event log (call only when ``log_events``)."""
        self.rows["events"].append((self.env.now, client.id, client.episode, event, service, need, adjustment,
                                    outcome))

    def at(self, time: float, action: Callable[..., Any], *args: Any) -> None:
        """Call ``action(*args)`` at ``time`` (a callback, cheaper than a process), if before the horizon."""
        if time >= self.end_time:
            return
        event = self.env.timeout(time - self.env.now)
        event.callbacks.append(lambda _event: action(*args))
