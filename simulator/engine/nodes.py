"""Servers with a queue: clinics and the coordinated access point.

A :class:`ServiceNode` is a pool of staff (SimPy resource) with a queue discipline (FIFO or priority), optional
opening hours, optional patience (reneging) and an optional waitlist cap (balking). Staff time spent on
coordination (a call, a case conference) is taken from the same pool: coordination is not free.

Opening hours are modelled the way a manager would close a clinic: at closing time a "closed" request with the
highest priority is queued for every staff member; each takes effect when that person finishes the client in
front of them, and all are released at the next opening.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simulator.config.distributions import Distribution
from simulator.config.schema import Hours
from simulator.engine.context import Context
from simulator.engine.monitor import Presence
from simulator.engine.outcomes import BALKED, CENSORED, EXITED, LOST_WAITING, RENEGED, SERVED
from simulator.engine.queues import PriorityResource

if TYPE_CHECKING:
    from simulator.engine.clients import Client
    from simulator.engine.handoffs import Referral

INF = math.inf

#: priorities at a node (lower is served first)
CLOSED = -1e12
COORDINATION = -1e9
MULTILATERAL = 1.0
QUEUE_JUMP = 2.0
NORMAL = 3.0

__all__ = ["BALKED", "CLOSED", "COORDINATION", "EXITED", "INF", "LOST_WAITING", "MULTILATERAL", "NORMAL",
           "QUEUE_JUMP", "RENEGED", "SERVED", "ServiceNode"]


class ServiceNode:
    """Staff with a queue. ``serve`` is a sub-generator run inside a client's process."""

    def __init__(
        self,
        ctx: Context,
        name: str,
        kind: str,
        staff: int,
        hours: Hours | None = None,
        discipline: str = "fifo",
        patience: Distribution | None = None,
        waitlist_cap: int | None = None,
    ):
        self.ctx = ctx
        self.env = ctx.env
        self.name = name
        self.kind = kind
        self.staff = staff
        self.hours = hours
        self.patience = patience
        self.waitlist_cap = waitlist_cap
        self.honours_priority = discipline == "priority"
        self.prioritised = self.honours_priority or hours is not None
        self.resource: Any = (PriorityResource if self.prioritised else simpy.Resource)(
            self.env, capacity=staff)
        self.patience_stream = ctx.streams[f"patience:{name}"]
        self.waiting = 0
        #: the number present (waiting or in service), time-averaged over the observed window
        self.presence = Presence(ctx.warmup, ctx.end_time)
        self.current: dict[Any, list[Any]] = {}
        #: days of work asked of the staff in the observed window: every arrival's duration and coordination
        self.offered = 0.0
        self._visits = ctx.rows["visits"]
        self._log = ctx.log_events
        if hours is not None:
            self.env.process(self.shifts(hours))

    # -- opening hours ---------------------------------------------------------------------------------
    def shifts(self, hours: Hours) -> Generator[Any, Any, None]:
        env = self.env
        request = self.resource.request
        held = [request(priority=CLOSED) for _ in range(self.staff)]
        day = 0
        while True:
            if self.ctx.calendar.weekday(day) in hours.days:
                opening, closing = day + hours.open, day + hours.close
                if opening > env.now:
                    yield env.timeout(opening - env.now)
                for req in held:
                    if req.triggered:
                        self.resource.release(req)
                    else:
                        req.cancel()
                yield env.timeout(closing - env.now)
                held = [request(priority=CLOSED) for _ in range(self.staff)]
            day += 1
            yield env.timeout(day - env.now)

    def is_open(self, t: float) -> bool:
        """Whether the service is open at time ``t`` (a weekday of its hours, between opening and closing)."""
        hours = self.hours
        if hours is None:
            return True
        day = math.floor(t)
        return self.ctx.calendar.weekday(day) in hours.days and hours.open <= t - day < hours.close

    def open_hours(self, start: float, end: float) -> float:
        """Hours of opening between ``start`` and ``end`` (days), per staff member."""
        if self.hours is None:
            return (end - start) * 24
        total = 0.0
        for day in range(math.floor(start), math.ceil(end)):
            if self.ctx.calendar.weekday(day) in self.hours.days:
                lo, hi = max(day + self.hours.open, start), min(day + self.hours.close, end)
                total += max(0.0, hi - lo)
        return total * 24

    # -- coordination ----------------------------------------------------------------------------------
    def occupy(self, duration: float) -> Generator[Any, Any, None]:
        """Take one staff member for ``duration`` days (coordination work): ahead of waiting clients where the
        line is a priority line (priority discipline or opening hours), in arrival order otherwise."""
        if self.env.now >= self.ctx.warmup:
            self.offered += duration
        req = self.resource.request(priority=COORDINATION) if self.prioritised else self.resource.request()
        yield req
        yield self.env.timeout(duration)
        self.resource.release(req)

    # -- client service --------------------------------------------------------------------------------
    def serve(
        self,
        client: Client,
        need: str,
        priority: float,
        duration: float,
        give_up_at: float,
        referral: Referral | None,
        adjustment: str,
    ) -> Generator[Any, Any, str]:
        """Queue, wait (perhaps give up), be served for ``duration`` days; return the outcome."""
        env = self.env
        arrival = env.now
        rows = self._visits
        rid = referral.id if referral is not None else -1
        if arrival >= self.ctx.warmup:
            self.offered += duration  # the work this arrival asks for, served or not
        if self.waitlist_cap is not None and self.waiting >= self.waitlist_cap:
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, math.nan,
                         math.nan, BALKED))
            if self._log:
                self.ctx.log(client, "service_requested", self.name, need, adjustment, BALKED)
            return BALKED
        deadline = give_up_at
        reneges = False
        if self.patience is not None:
            patience_at = arrival + self.patience.sample(self.patience_stream)
            if patience_at < deadline:
                deadline, reneges = patience_at, True
        if deadline <= arrival:
            # the referral was dropped on the way (e.g. during an assessment that overran its loss clock)
            outcome = RENEGED if reneges else LOST_WAITING
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, math.nan, arrival,
                         outcome))
            return outcome
        if self._log:
            self.ctx.log(client, "service_requested", self.name, need, adjustment, "queued")
        self.presence.arrive(arrival)
        self.waiting += 1
        if self.prioritised:
            req = self.resource.request(priority=priority if self.honours_priority else NORMAL)
        else:
            req = self.resource.request()
        entry = [client, need, rid, adjustment, arrival, math.nan]
        self.current[req] = entry
        start = math.nan
        try:
            if deadline < INF:
                yield req | env.timeout(deadline - arrival)
                if not req.triggered:
                    req.cancel()
                    self._leave(req)
                    self.waiting -= 1
                    outcome = RENEGED if reneges else LOST_WAITING
                    rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival,
                                 math.nan, env.now, outcome))
                    if self._log:
                        self.ctx.log(client, "service_left_queue", self.name, need, adjustment, outcome)
                    return outcome
            else:
                yield req
            self.waiting -= 1
            start = entry[5] = env.now
            if referral is not None:
                referral.start = start
            if self._log:
                self.ctx.log(client, "service_started", self.name, need, adjustment, "")
            yield env.timeout(duration)
            self.resource.release(req)
            self._leave(req)
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, start,
                         env.now, SERVED))
            if self._log:
                self.ctx.log(client, "service_ended", self.name, need, adjustment, SERVED)
            return SERVED
        except simpy.Interrupt:
            if req.triggered:
                self.resource.release(req)
            else:
                req.cancel()
                self.waiting -= 1
            self._leave(req)
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, start,
                         env.now, EXITED))
            raise

    def _leave(self, req: Any) -> None:
        self.presence.leave(self.env.now)
        del self.current[req]

    @property
    def arrivals_observed(self) -> int:
        return self.presence.arrivals_observed

    def time_avg_present(self) -> float:
        """The time-average number present over the observed window (call at the horizon)."""
        return self.presence.time_average(self.env.now)

    def censor(self) -> None:
        """Write the visits still waiting or in service at the horizon as censored."""
        rows = self._visits
        for entry in self.current.values():
            client, need, rid, adjustment, arrival, start = entry
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, start,
                         math.nan, CENSORED))
        self.current.clear()
