"""Shelter use: how a client alternates bed requests, stays and gaps, by pattern of use.

Each pattern (transitional, episodic, chronic; Kuhn & Culhane 1998) has a stay and a gap distribution. A
client asks for a bed (outdoors until admitted, or refused for the night and still in line the next), stays
the drawn number of nights (leaving at the checkout hour), then spends a gap outdoors or elsewhere
(``gap_other_share``), shortened in winter for the part spent outdoors (``winter_outdoor_gap``), and asks
again, until the episode ends. Each admission is a contact: the shelter's worker may refer open needs.

*Avoidance*: a share of each pattern's clients (``avoidance``) does not ask for beds. They stay outdoors until
an outreach worker convinces them (from then on they use shelters) or, with probability ``winter_seek`` at the
start of each winter (or when their episode begins in winter), the cold brings them in for that winter only:
they stop asking, and leave, when the season ends.

A client of the initial stock starts mid-stay or mid-gap, in proportion to the mean stay and gap.

Open needs shape the cycle: a stay's drawn length is multiplied by the ``stay_ratio`` of each need not met
when it begins, and an avoidant client one of whose ``seek_when_met`` needs is met starts asking for beds,
as if an outreach worker had convinced them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from simulator.config.schema import ShelterUse
from simulator.engine.clients import Client
from simulator.engine.context import Context
from simulator.engine.shelters import CHECKOUT_HOUR, ShelterSystem
from simulator.engine.streams import Stream

#: a worker at a service meets the client: (client, service)
Contact = Callable[[Client, str], None]
#: the client now sleeps at a place: (client, "shelter" | "outdoors" | "other" | None)
Move = Callable[[Client, "str | None"], None]


class ShelterCycles:
    """The shelter-use process of each client."""

    def __init__(self, ctx: Context, shelters: ShelterSystem, move: Move, contact: Contact):
        self.ctx = ctx
        self.shelters = shelters
        self.move = move
        self.contact = contact
        #: clients avoiding shelters now (in :meth:`avoid`), by id
        self.avoiding: set[int] = set()

    def start(self, client: Client, use: ShelterUse, stock: bool) -> simpy.Process:
        return self.ctx.env.process(self.cycle(client, use, stock))

    def cycle(self, client: Client, use: ShelterUse, stock: bool) -> Generator[Any, Any, None]:
        """Ask for a bed, stay, leave for a gap, ask again; until the episode ends (draws from the stream
        ``shelter:<pattern>``; ``stock``: a client of the initial stock, mid-stay or mid-gap)."""
        env = self.ctx.env
        calendar = self.ctx.calendar
        shelters = self.shelters
        draws = self.ctx.streams[f"shelter:{client.pattern}"]
        winter_only = False  # an avoidant client asking for beds this winter only
        try:
            if client.avoidant:
                winter_only = yield from self.avoid(client, use, draws)
            elif stock:
                # a client of the initial stock is mid-stay or mid-gap, in proportion to their lengths
                stay_mean, gap_mean = use.stay.mean, use.gap.mean
                if draws.uniform() * (stay_mean + gap_mean) < stay_mean and shelters.place(client):
                    residual = draws.uniform() * use.stay.sample(draws)
                    yield from self.stay(client, residual * client.ratio(use.stay_ratio) if use.stay_ratio
                                         else residual)
                    yield from self.gap(client, use, draws)
                else:
                    yield from self.gap(client, use, draws, draws.uniform())
            while True:
                self.move(client, "outdoors")
                request = shelters.request(client)
                if winter_only and not request.triggered:
                    # the cold brought them: they stop asking when the season ends
                    season_end = calendar.season_change(env.now)
                    yield request if math.isinf(season_end) else request | env.timeout(season_end - env.now)
                    if not request.triggered:
                        shelters.leave(client)
                        winter_only = yield from self.avoid(client, use, draws)
                        continue
                else:
                    yield request
                self.contact(client, shelters.where[client.id].name)
                drawn = use.stay.sample(draws)
                nights = max(1, round(drawn * client.ratio(use.stay_ratio) if use.stay_ratio else drawn))
                if winter_only and calendar.in_winter(env.now):
                    season_end = calendar.season_change(env.now)
                    if season_end < math.inf:
                        nights = max(1, min(nights, int(season_end) - math.floor(env.now)))
                yield from self.stay(client, nights)
                yield from self.gap(client, use, draws)
                if winter_only and not calendar.in_winter(env.now):
                    winter_only = yield from self.avoid(client, use, draws)
        except simpy.Interrupt:
            shelters.leave(client)

    def avoid(self, client: Client, use: ShelterUse, draws: Stream) -> Generator[Any, Any, bool]:
        """Stay outdoors until an outreach worker convinces the client (False: from then on they use
        shelters) or, with probability ``winter_seek`` each winter, the cold does (True: for this winter)."""
        env = self.ctx.env
        calendar = self.ctx.calendar
        self.move(client, "outdoors")
        seasonal = use.winter_seek > 0
        self.avoiding.add(client.id)
        try:
            while True:
                wake = math.inf
                if seasonal:
                    if calendar.in_winter(env.now):
                        if draws.uniform() < use.winter_seek:
                            return True
                        wake = calendar.season_change(calendar.season_change(env.now))  # the next winter's start
                    else:
                        wake = calendar.season_change(env.now)
                try:
                    yield env.event() if math.isinf(wake) else env.timeout(wake - env.now)
                except simpy.Interrupt as interrupt:
                    if interrupt.cause != "seek":
                        raise
                    return False
        finally:
            self.avoiding.discard(client.id)

    def stop_avoiding(self, client: Client) -> None:
        """A met need (``seek_when_met``) makes an avoidant client a regular shelter user, as outreach does."""
        process = client.shelter_process
        if client.id in self.avoiding and process is not None and process.is_alive:
            process.interrupt("seek")

    def stay(self, client: Client, nights: float) -> Generator[Any, Any, None]:
        """In a bed until the checkout hour after ``nights`` nights (at least one), unless evicted."""
        env = self.ctx.env
        leave = math.floor(env.now) + max(1, math.ceil(nights)) + CHECKOUT_HOUR
        try:
            yield env.timeout(leave - env.now)
            self.shelters.leave(client)
        except simpy.Interrupt as interrupt:
            if interrupt.cause != "evicted":
                raise

    def gap(self, client: Client, use: ShelterUse, draws: Stream, fraction: float = 1.0) -> Generator[Any, Any, None]:
        """Between stays: outdoors or elsewhere for a drawn gap (``fraction`` of it for the initial stock),
        cut short if an outreach worker convinces the client to ask for a bed."""
        env = self.ctx.env
        gap = use.gap.sample(draws) * fraction
        outdoors = draws.uniform() >= use.gap_other_share
        self.move(client, "outdoors" if outdoors else "other")
        if outdoors and use.winter_outdoor_gap < 1.0 and self.ctx.calendar.in_winter(env.now):
            gap *= use.winter_outdoor_gap
        try:
            yield env.timeout(gap)
        except simpy.Interrupt as interrupt:
            if interrupt.cause != "seek":
                raise
