"""Emergency shelters: pools of beds allocated night by night.

Clients who ask for a bed join one first-come-first-served line for the whole shelter network. While a
shelter's intake window is open, the next client in line whom it serves (gender, age group) takes a free bed.
When the last window of the night closes, everyone still in line is refused: a turn-away and an unsheltered
night. Beds freed during the day go to the line at the next window. Capacity follows a schedule (base +
winter surge); when surge beds close, the clients admitted last leave first, so occupancy never exceeds
capacity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from simulator.config.schema import Shelter
from simulator.engine.clients import Client
from simulator.engine.context import Context

CHECKOUT_HOUR = 8 / 24
SCHEDULE_HOUR = 12 / 24


class ShelterState:
    def __init__(self, name: str, spec: Shelter):
        self.name = name
        self.spec = spec
        self.capacity = spec.capacity
        self.occupants: dict[int, Client] = {}
        self.admitted_tonight = 0
        genders = spec.serves.gender
        ages = spec.serves.age_group
        self.genders = frozenset(genders) if genders is not None else None
        self.ages = frozenset(ages) if ages is not None else None

    def serves(self, client: Client) -> bool:
        return (self.genders is None or client.gender in self.genders) and (
            self.ages is None or client.age_group in self.ages)

    def is_open(self, now: float) -> bool:
        clock = now - math.floor(now)
        return self.spec.intake.open <= clock < self.spec.intake.close


class ShelterSystem:
    """Every shelter of the network, their common line, and the nightly routine (intake, refusals, census).

    ``move`` is told where a client sleeps (a bed: ``"shelter"``), ``census`` is called with each night's
    number after the shelters' own counts, at ``census_time`` (a fraction of a day).
    """

    def __init__(self, ctx: Context, specs: dict[str, Shelter], census_time: float,
                 move: Callable[[Client, str | None], None], census: Callable[[int], None]):
        self.ctx = ctx
        self.env = ctx.env
        self.census_time = census_time
        self.move = move
        self.census = census
        self.shelters = [ShelterState(name, spec) for name, spec in specs.items()]
        self.line: dict[int, tuple[Client, simpy.Event]] = {}
        self.where: dict[int, ShelterState] = {}
        #: refusals since the last census (every refusal, the warm-up's included)
        self.refused_since_census = 0
        self.close_time = max(s.spec.intake.close for s in self.shelters)
        self._set_capacities(0)
        for shelter in self.shelters:
            self.env.process(self.intake(shelter))
        self.env.process(self.nightly())
        self.env.process(self.schedule())
        self.env.process(self.counts())

    # -- client side -----------------------------------------------------------------------------------
    def request(self, client: Client) -> simpy.Event:
        """Ask for a bed; the event succeeds with the shelter's name when the client is admitted."""
        event = self.env.event()
        now = self.env.now
        for shelter in self.shelters:
            if len(shelter.occupants) < shelter.capacity and shelter.is_open(now) and shelter.serves(client):
                self._admit(shelter, client, event)
                return event
        self.line[client.id] = (client, event)
        return event

    def place(self, client: Client) -> bool:
        """Put a client of the initial stock straight into a free bed, if one serves them."""
        for shelter in self.shelters:
            if len(shelter.occupants) < shelter.capacity and shelter.serves(client):
                self._admit(shelter, client, None)
                return True
        return False

    def leave(self, client: Client) -> None:
        """The client leaves the line or their bed (end of stay, or end of episode)."""
        self.line.pop(client.id, None)
        shelter = self.where.pop(client.id, None)
        if shelter is not None:
            del shelter.occupants[client.id]
            if self.line and shelter.is_open(self.env.now):
                self._fill(shelter)  # a bed freed during intake goes to the line, first come first served

    def _admit(self, shelter: ShelterState, client: Client, event: simpy.Event | None) -> None:
        shelter.occupants[client.id] = client
        shelter.admitted_tonight += 1
        self.where[client.id] = shelter
        self.move(client, "shelter")
        if self.ctx.log_events:
            self.ctx.log(client, "shelter_admitted", shelter.name, "", "", "")
        if event is not None:
            event.succeed(shelter.name)

    # -- the night -------------------------------------------------------------------------------------
    def intake(self, shelter: ShelterState) -> Generator[Any, Any, None]:
        """At the opening of the intake window, the line fills the beds freed since the last night."""
        env = self.env
        day = 0
        while True:
            opening = day + shelter.spec.intake.open
            if opening > env.now:
                yield env.timeout(opening - env.now)
            self._fill(shelter)
            day += 1
            yield env.timeout(day - env.now)

    def _fill(self, shelter: ShelterState) -> None:
        """Give the shelter's free beds to the clients in line whom it serves, in order of asking."""
        free = shelter.capacity - len(shelter.occupants)
        if free <= 0 or not self.line:
            return
        for client_id, (client, event) in list(self.line.items()):
            if shelter.serves(client):
                del self.line[client_id]
                self._admit(shelter, client, event)
                free -= 1
                if free == 0:
                    break

    def nightly(self) -> Generator[Any, Any, None]:
        """At the close of the last intake window, everyone still in line is refused for the night."""
        env = self.env
        ctx = self.ctx
        day = 0
        while True:
            yield env.timeout(day + self.close_time - env.now)
            self.refused_since_census += len(self.line)
            if env.now >= ctx.warmup:
                for client, _ in self.line.values():
                    client.refused_nights += 1
                    if ctx.log_events:
                        ctx.log(client, "shelter_refused", "", "", "", "no_bed")
            day += 1

    def schedule(self) -> Generator[Any, Any, None]:
        """The capacity schedule changes at midday, before any intake window of the day."""
        env = self.env
        day = 1
        while True:
            yield env.timeout(day + SCHEDULE_HOUR - env.now)
            self._set_capacities(day)
            for shelter in self.shelters:
                if self.line and shelter.is_open(env.now):
                    self._fill(shelter)  # beds opened during an intake window go to the line first
            day += 1

    def counts(self) -> Generator[Any, Any, None]:
        """The nightly census: occupancy, admissions and refusals since the previous census, and where
        everyone is. A census before midday counts the night that began the evening before."""
        env = self.env
        ctx = self.ctx
        census_time = self.census_time
        day = 0
        while True:
            yield env.timeout(day + census_time - env.now)
            night = day - 1 if census_time < SCHEDULE_HOUR else day
            if env.now > ctx.warmup and night >= 0:
                rows = ctx.rows["nights"]
                for shelter in self.shelters:
                    rows.append((night, shelter.name, shelter.capacity, len(shelter.occupants),
                                 shelter.admitted_tonight, 0))
                rows.append((night, "all", sum(s.capacity for s in self.shelters),
                             sum(len(s.occupants) for s in self.shelters),
                             sum(s.admitted_tonight for s in self.shelters), self.refused_since_census))
            for shelter in self.shelters:
                shelter.admitted_tonight = 0
            self.refused_since_census = 0
            if night >= 0:
                self.census(night)
            day += 1

    def _set_capacities(self, day: int) -> None:
        winter = self.ctx.calendar.in_winter(day)
        for shelter in self.shelters:
            spec = shelter.spec
            capacity = spec.winter_capacity if winter and spec.winter_capacity is not None else spec.capacity
            shelter.capacity = capacity
            excess = len(shelter.occupants) - capacity
            if excess > 0:
                # surge beds close: the most recently admitted leave first
                for client in list(shelter.occupants.values())[-excess:]:
                    self.leave(client)
                    if client.shelter_process is not None and client.shelter_process.is_alive:
                        client.shelter_process.interrupt("evicted")
