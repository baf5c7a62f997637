"""Housing programmes: a waiting list matched to places only when a place falls vacant.

A programme either owns ``slots`` (housing first: a place stays taken for the tenancy, or until the tenant
returns to homelessness) or receives ``vacancies`` at an external rate (units of a social-housing stock
offered to this population; a vacancy with nobody eligible waiting goes to someone outside the model). A share
of places can be reserved for clients sent by a case conference. The list is served by priority then by
date of application; a client may give up waiting (patience). Once matched, the client moves in after the
move-in time and their episode of homelessness ends. A reserved place that no conference client has taken
after ``reserved_release`` is released to the general list, so that places do not sit idle under regimes
that hold no conference (a released place is reserved again once its tenant leaves).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from simulator.config.schema import Housing
from simulator.engine.clients import Client
from simulator.engine.context import Context
from simulator.engine.monitor import Presence
from simulator.engine.nodes import NORMAL
from simulator.engine.outcomes import CENSORED, EXITED, HOUSED, LOST_WAITING, RENEGED, SERVED

if TYPE_CHECKING:
    from simulator.engine.handoffs import Referral

#: called when a client moves in: (client, programme, kind of place: True reserved, False general, None a
#: vacancy of an outside stock)
OnHoused = Callable[[Client, "HousingProgramme", "bool | None"], None]


@dataclass(slots=True, eq=False)
class Application:
    """One client on one programme's waiting list, from joining until moving in or leaving the list."""

    client: Client
    need: str
    referral: Referral | None
    reserved_ok: bool  # may take a place reserved for clients of the case conference
    arrival: float
    event: simpy.Event  # succeeds with the kind of place at the match
    order: float = 0.0  # the list's priority (lower first); ties by date of application
    matched_at: float = math.nan
    live: bool = field(default=True)  # still waiting for a place

    @property
    def adjustment(self) -> str:
        return self.referral.adjustment if self.referral is not None else "walk_in"

    @property
    def referral_id(self) -> int:
        return self.referral.id if self.referral is not None else -1


class HousingProgramme:
    """A waiting list and its places (``slots``) or its external ``vacancies``."""

    def __init__(self, ctx: Context, name: str, spec: Housing, on_housed: OnHoused):
        self.ctx = ctx
        self.env = ctx.env
        self.name = name
        self.spec = spec
        self.on_housed = on_housed
        #: needs the programme's support covers while housed (they do not raise the return hazard)
        self.support: frozenset[str] = frozenset(spec.support)
        self.stream = ctx.streams[f"housing:{name}"]
        self.patience_stream = ctx.streams[f"patience:{name}"]
        self.heap: list[tuple[float, float, int, Application]] = []
        self._seq = 0
        #: applications on the list, waiting for a match (by ``id``), in order of joining
        self.waiting: dict[int, Application] = {}
        self.presence = Presence(ctx.warmup, ctx.end_time)
        #: free reserved places (held for the conference, or released to anyone), time-averaged
        self.idle_reserved = Presence(ctx.warmup, ctx.end_time)
        self._reserved_free = 0
        self._released_free = 0
        self.general_free = 0
        #: since when each free reserved place has been free, oldest first
        self._reserved_since: deque[float] = deque()
        self.moving_in: dict[int, Application] = {}
        if spec.slots is not None:
            reserved = round(spec.slots * spec.reserved_share)
            self.general_free = spec.slots - reserved
            for _ in range(reserved):
                self._hold_reserved()
            # places held by earlier tenants free up after a residual tenancy (a uniform share of a tenancy),
            # so that the programme does not start empty and then turn over all at once
            assert spec.tenancy is not None
            occupied = round(spec.slots * spec.initial_occupancy)
            for slot in range(occupied):
                is_reserved = slot < round(occupied * spec.reserved_share)
                if is_reserved:
                    self._take_reserved()
                else:
                    self.general_free -= 1
                ctx.at(self.stream.uniform() * spec.tenancy.sample(self.stream), self.free, is_reserved)
        else:
            self.env.process(self.vacancies())

    # -- monitor ---------------------------------------------------------------------------------------
    @property
    def reserved_free(self) -> int:
        """Free reserved places held for a conference client."""
        return self._reserved_free

    @reserved_free.setter
    def reserved_free(self, value: int) -> None:
        self._idle_changes(value - self._reserved_free)
        self._reserved_free = value

    @property
    def released_free(self) -> int:
        """Free reserved places released to the general list (a reserved place again once it frees)."""
        return self._released_free

    @released_free.setter
    def released_free(self, value: int) -> None:
        self._idle_changes(value - self._released_free)
        self._released_free = value

    def _idle_changes(self, by: int) -> None:
        """The number of free reserved places changes by ``by`` now (time-weighted)."""
        self.idle_reserved.tick(self.env.now)
        self.idle_reserved.present += by

    @property
    def arrivals_observed(self) -> int:
        return self.presence.arrivals_observed

    def time_avg_present(self) -> float:
        """The time-average number on the list or moving in, over the observed window (call at the horizon)."""
        return self.presence.time_average(self.env.now)

    # -- supply ----------------------------------------------------------------------------------------
    def vacancies(self) -> Generator[Any, Any, None]:
        assert self.spec.vacancies is not None
        rate = self.spec.vacancies
        if rate <= 0:
            return
        while True:
            yield self.env.timeout(self.stream.std_exponential() / rate)
            reserved = self.stream.uniform() < self.spec.reserved_share
            application = self._best(reserved)
            if application is None and reserved and self.spec.reserved_release is not None:
                application = self._best(False)  # a vacancy cannot wait: released at once
            if application is not None:
                self._match(application, None)

    def free(self, reserved: bool) -> None:
        """A place of this programme falls vacant (tenancy ended or tenant returned)."""
        application = self._best(reserved)
        if application is not None:
            self._match(application, reserved)
        elif reserved:
            self._hold_reserved()
        else:
            self.general_free += 1

    # -- reserved places -------------------------------------------------------------------------------
    def _hold_reserved(self) -> None:
        """A reserved place is free: it waits for a conference client, up to ``reserved_release``."""
        self.reserved_free += 1
        delay = self.spec.reserved_release
        if delay is not None:
            now = self.env.now
            self._reserved_since.append(now)
            self.ctx.at(now + delay, self._release_reserved)

    def _take_reserved(self) -> None:
        """A conference client takes a free reserved place (the one free the longest)."""
        self.reserved_free -= 1
        if self._reserved_since:
            self._reserved_since.popleft()

    def _release_reserved(self) -> None:
        """Reserved places free for ``reserved_release`` go to the general list: the first application in line
        takes one now; the others stay open to anyone."""
        delay = self.spec.reserved_release
        assert delay is not None
        due = self.env.now - delay
        since = self._reserved_since
        while since and since[0] <= due:
            since.popleft()
            self.reserved_free -= 1
            if self.env.now >= self.ctx.warmup:
                self.ctx.counters["reserved_places_released"] += 1
            application = self._best(False)
            if application is not None:
                self._match(application, True, released=True)
            else:
                self.released_free += 1

    def _best(self, reserved: bool) -> Application | None:
        """The first live application that may take a (reserved or general) place."""
        skipped = []
        found = None
        while self.heap:
            item = heapq.heappop(self.heap)
            application = item[3]
            if not application.live:
                continue
            if reserved and not application.reserved_ok:
                skipped.append(item)
                continue
            found = application
            break
        for item in skipped:
            heapq.heappush(self.heap, item)
        return found

    def _match(self, application: Application, reserved: bool | None, released: bool = False) -> None:
        """Offer the place; a refusal sends the client to the back of the line and the place onwards.
        ``released``: a reserved place released to the general list (anyone may take it)."""
        refusal = self.spec.offer_refusal
        offers = 0
        while refusal > 0 and offers < 100 and self.stream.uniform() < refusal:
            offers += 1
            self._queue(application)
            if self.ctx.log_events:
                self.ctx.log(application.client, "housing_offer_refused", self.name, application.need, "", "")
            nxt = self._best(bool(reserved) and not released)
            if nxt is None or nxt is application:
                # nobody else can take it now: the place stays free (or, for a vacancy, goes outside)
                if nxt is application:
                    self._queue(application)
                if reserved is not None and self.spec.slots is not None:
                    if released:
                        self.released_free += 1
                    elif reserved:
                        self._hold_reserved()
                    else:
                        self.general_free += 1
                return
            application = nxt
        application.live = False
        application.matched_at = self.env.now
        self.moving_in[id(application)] = application
        application.event.succeed(reserved)

    def _queue(self, application: Application) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (application.order, self.env.now, self._seq, application))

    # -- demand ----------------------------------------------------------------------------------------
    def apply(self, client: Client, need: str, priority: float, reserved_ok: bool,
              referral: Referral | None, adjustment: str) -> Generator[Any, Any, str]:
        """Join the waiting list; on a match move in (the episode ends). Return the outcome."""
        env = self.env
        ctx = self.ctx
        arrival = env.now
        rid = referral.id if referral is not None else -1
        rows = ctx.rows["visits"]
        event = env.event()
        application = Application(client, need, referral, reserved_ok, arrival, event)
        self.presence.arrive(arrival)
        self.waiting[id(application)] = application
        if ctx.log_events:
            ctx.log(client, "waitlist_joined", self.name, need, adjustment, "")
        application.order = priority if self.spec.discipline == "priority" else NORMAL
        # a free place is taken at once: reserved places first for case-conference clients
        if reserved_ok and self.reserved_free > 0:
            self._take_reserved()
            self._match(application, True)
        elif self.general_free > 0:
            self.general_free -= 1
            self._match(application, False)
        elif self.released_free > 0:
            self.released_free -= 1
            self._match(application, True, released=True)
        else:
            self._queue(application)
        slot_kind: Any = None
        try:
            if self.spec.patience is not None and not event.triggered:
                patience = self.spec.patience.sample(self.patience_stream)
                result = yield event | env.timeout(patience)
                if event not in result:
                    application.live = False
                    self._done(application)
                    rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival,
                                 math.nan, env.now, RENEGED))
                    return RENEGED
                slot_kind = result[event]
            else:
                slot_kind = yield event
            start = application.matched_at
            if referral is not None:
                referral.start = start
            self._done(application)
            if ctx.log_events:
                ctx.log(client, "housing_matched", self.name, need, adjustment, "")
            yield env.timeout(self.spec.move_in.sample(self.stream))
            del self.moving_in[id(application)]
        except simpy.Interrupt:
            self.moving_in.pop(id(application), None)
            application.live = False
            if event.triggered:
                # matched but not moved in: the place goes to the next in line
                if self.spec.slots is not None:
                    self.free(bool(event.value))
                else:
                    nxt = self._best(False)
                    if nxt is not None:
                        self._match(nxt, None)
            self._done(application)
            rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival,
                         application.matched_at, env.now, EXITED))
            raise
        rows.append((client.id, client.episode, self.name, need, rid, adjustment, arrival, start, env.now,
                     SERVED))
        self.on_housed(client, self, slot_kind)
        return HOUSED

    def _done(self, application: Application) -> None:
        if self.waiting.pop(id(application), None) is not None:
            self.presence.leave(self.env.now)

    def censor(self) -> None:
        """Write the applications still on the list, or matched and moving in, at the horizon as censored."""
        rows = self.ctx.rows["visits"]
        for application in self.waiting.values():
            rows.append((application.client.id, application.client.episode, self.name, application.need,
                         application.referral_id, application.adjustment, application.arrival, math.nan,
                         math.nan, CENSORED))
        for application in self.moving_in.values():  # matched, still moving in at the horizon
            rows.append((application.client.id, application.client.episode, self.name, application.need,
                         application.referral_id, application.adjustment, application.arrival,
                         application.matched_at, math.nan, CENSORED))
        self.moving_in.clear()


__all__ = ["HOUSED", "LOST_WAITING", "Application", "HousingProgramme"]
