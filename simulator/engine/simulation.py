"""One replication of a scenario: clients, their needs, the services, and the handoffs between them.

The client's journey, in SimPy processes (verbs):

* ``arrivals`` creates clients by a seasonal Poisson inflow; the initial stock is placed at time 0;
* ``shelter_cycle`` alternates bed requests, shelter stays and gaps (outdoors or elsewhere), or, for a client
  who avoids shelters, waits outdoors until an outreach worker convinces them to ask for a bed;
* ``pathway`` follows one need from a first contact (walk-in, shelter intake, outreach, case conference)
  through handoffs until it is met, lost, or left open;
* ``handoff`` carries one referral: its adjustment type sets the latency, the loss, the staff time taken from
  sender and receiver, the information carried (receiver's intake) and the priority at the receiver;
* ``conference`` holds the weekly case conference, escalates complex clients who are stuck, and releases
  multilateral referrals;
* ``outreach`` meets clients sleeping outdoors.

A client's episode ends when they are housed, resolve their situation on their own, have all their needs met
(textbook models only), or at the horizon, where everything still open is recorded as censored. The full
rules are in ``docs/model.md``.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Generator, Mapping
from datetime import date, timedelta
from typing import Any

import simpy

from simulator.config.schema import (
    SERVICE_NEEDS,
    AccessPoint,
    Clinic,
    HandoffType,
    Housing,
    Outreach,
    Scenario,
    Shelter,
    ShelterUse,
)
from simulator.engine.housing import HOUSED, HousingProgramme
from simulator.engine.nodes import (
    INF,
    MULTILATERAL,
    NORMAL,
    QUEUE_JUMP,
    SERVED,
    ServiceNode,
)
from simulator.engine.records import Recorder, RunRecords
from simulator.engine.shelters import CHECKOUT_HOUR, ShelterSystem, in_season
from simulator.engine.streams import Stream, Streams

OPEN, PENDING, MET = 0, 1, 2
LOST_HANDOFF = "lost_handoff"
INELIGIBLE = "ineligible"
LEFT_OPEN = "left_open"
LOCATIONS = ("shelter", "outdoors", "other")


class NeedState:
    __slots__ = ("last_referred", "need", "onset", "referral", "status")

    def __init__(self, need: str, onset: float):
        self.need = need
        self.onset = onset
        self.status = OPEN
        self.referral: list[Any] | None = None
        self.last_referred = -math.inf


class Client:
    __slots__ = ("age_group", "assessed", "avoidant", "episode", "gender", "homeless_since", "id",
                 "indigenous", "location", "needs", "needs_at_entry", "pattern", "processes",
                 "refused_nights", "shelter_process", "source", "start")
    source: str
    start: float
    homeless_since: float
    needs_at_entry: int
    avoidant: bool
    refused_nights: int
    assessed: bool

    def __init__(self, client_id: int, gender: str, age_group: str, indigenous: bool, pattern: str):
        # the per-episode fields (needs, start, processes...) are set by ``Simulation.start_episode``
        self.id = client_id
        self.gender = gender
        self.age_group = age_group
        self.indigenous = indigenous
        self.pattern = pattern
        self.episode = 0
        self.location: str | None = None
        self.shelter_process: simpy.Process | None = None
        self.needs: dict[str, NeedState] = {}
        self.processes: list[simpy.Process] = []

    def open_needs(self) -> int:
        return sum(1 for state in self.needs.values() if state.status != MET)


def _cumulative(shares: Mapping[Any, float]) -> tuple[list[str], list[float]]:
    names = [str(name) for name in shares]
    cumulative, total = [], 0.0
    for value in shares.values():
        total += value
        cumulative.append(total)
    cumulative[-1] = 1.0
    return names, cumulative


class Simulation:
    """Builds the service network of a scenario and runs one replication of it."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0):
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.streams = Streams(seed, replication)
        self.rec = Recorder()
        self.warmup = scenario.warmup
        self.end_time = scenario.end_time
        self.log_events = scenario.outputs.event_log
        self.regime = scenario.active_regime
        self._start_weekday = scenario.start_date.weekday()
        self._next_client = 0
        self._next_referral = 0
        self.active: dict[int, Client] = {}
        self.housing_waiting: dict[int, tuple[HousingProgramme, Any]] = {}
        self.location_counts = dict.fromkeys(LOCATIONS, 0)
        self.outdoors_ids: list[int] = []
        self._outdoors_pos: dict[int, int] = {}
        self.counters: dict[str, float] = {"outreach_contacts": 0.0, "conferences": 0.0}

        population = scenario.population
        self.use: dict[str, ShelterUse] = {str(k): v for k, v in population.shelter_use.items()}
        self.handoff_types: dict[str, HandoffType] = {
            "unilateral": scenario.handoffs.unilateral,
            "bilateral": scenario.handoffs.bilateral,
            "multilateral": scenario.handoffs.multilateral,
        }
        if scenario.handoffs.integrated is not None:
            self.handoff_types["integrated"] = scenario.handoffs.integrated

        # services
        self.nodes: dict[str, ServiceNode] = {}
        self.housing: dict[str, HousingProgramme] = {}
        self.treats: dict[tuple[str, str], float] = {}
        shelters: dict[str, Shelter] = {}
        self.outreach_specs: dict[str, Outreach] = {}
        for name, spec in scenario.services.items():
            if isinstance(spec, Clinic):
                self.nodes[name] = ServiceNode(self, name, "clinic", spec.staff, spec.hours, spec.discipline,
                                               spec.patience, spec.waitlist_cap)
                for need, p in spec.treats.items():
                    self.treats[(name, need)] = p
            elif isinstance(spec, AccessPoint):
                self.nodes[name] = ServiceNode(self, name, "access_point", spec.staff, spec.hours,
                                               "priority", spec.patience)
            elif isinstance(spec, Shelter):
                shelters[name] = spec
            elif isinstance(spec, Outreach):
                self.outreach_specs[name] = spec
            elif isinstance(spec, Housing):
                self.housing[name] = HousingProgramme(self, name, spec)
        self.shelters = ShelterSystem(self, shelters) if shelters else None

        # referral network: (sender, need) -> receivers with cumulative probabilities and tie shares
        self.edges: dict[tuple[str, str], tuple[list[str], list[float], list[float]]] = {}
        for edge in scenario.referrals:
            for sender in edge.senders:
                for need in edge.needs:
                    targets, cumulative, ties = self.edges.setdefault((sender, need), ([], [], []))
                    targets.append(edge.to)
                    cumulative.append((cumulative[-1] if cumulative else 0.0) + edge.probability)
                    ties.append(edge.tie)
        # where a case conference sends each need: the service most likely to meet it
        self.conference_route: dict[str, str] = {}
        for need_name in SERVICE_NEEDS:
            target_need = str(need_name)
            if target_need == "housing":
                programmes = sorted(self.housing, key=lambda n: -self.housing[n].spec.reserved_share)
                if programmes:
                    self.conference_route[target_need] = programmes[0]
            else:
                best = max((p, n) for (n, nd), p in self.treats.items() if nd == target_need) if any(
                    nd == target_need for (_, nd) in self.treats) else None
                if best is not None:
                    self.conference_route[target_need] = best[1]
        self.eligibility: dict[str, list[str]] = {}
        integrated = scenario.handoffs.integrated
        if integrated is not None:
            for rule in integrated.eligibility:
                self.eligibility.setdefault(rule.service, []).extend(rule.requires_met)

        # attribute mixes
        attributes = population.attributes
        self._gender = _cumulative(attributes.gender)
        self._age = _cumulative(attributes.age_group)
        self._pattern = _cumulative(attributes.pattern)
        stock_pattern = population.initial_stock.pattern or attributes.pattern
        self._stock_pattern = _cumulative(stock_pattern)
        self._prevalence: dict[str, list[tuple[str, float]]] = {}
        for pattern in ("transitional", "episodic", "chronic"):
            merged = {**population.needs.base, **population.needs.by_pattern.get(pattern, {})}
            self._prevalence[pattern] = [(n, p) for n, p in merged.items() if p > 0]
        self._self_resolution: dict[str, float] = {str(k): v for k, v in population.exits.self_resolution_mean.items()}
        self._exit_when_met = population.exits.exit_when_needs_met
        self._return_after_resolution = population.exits.return_after_resolution_mean
        self._walk_in_intake = scenario.handoffs.unilateral.intake
        self._service_times = {
            name: (spec.service_time, self.streams[f"service:{name}"])
            for name, spec in scenario.services.items() if isinstance(spec, Clinic)
        }
        self._routing = self.streams["routing"]
        self._re_referral_after = scenario.handoffs.re_referral_after
        self._episodes = self.rec.rows["episodes"]
        self._needs_rows = self.rec.rows["needs"]
        self._walk_ins: dict[str, list[tuple[str, float, Any]]] = {}
        for walk in scenario.entry:
            self._walk_ins.setdefault(walk.need, []).append((walk.service, walk.probability, walk.delay))

        # calendar
        self._month_of_day: list[int] = []
        self._winter_of_day: dict[int, bool] = {}
        self._season_change: dict[int, float] = {}
        self.conference_pending: list[list[Any]] = []  # [event, still waiting]

    # ---------------------------------------------------------------------------------------- calendar
    def weekday(self, day: int) -> str:
        return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(self._start_weekday + day) % 7]

    def date(self, day: int) -> date:
        return self.scenario.start_date + timedelta(days=day)

    def in_winter(self, t: float) -> bool:
        """Whether time ``t`` falls in the scenario's winter season (memoised by day)."""
        day = int(t)
        known = self._winter_of_day.get(day)
        if known is None:
            known = self._winter_of_day[day] = in_season(self.date(day), self.scenario.winter)
        return known

    def season_change(self, t: float) -> float:
        """The first midnight after ``t`` at which the winter season begins or ends (inf if it never does)."""
        if math.isinf(t):
            return t
        day = int(t)
        known = self._season_change.get(day)
        if known is None:
            winter = self.in_winter(day)
            known = math.inf
            for later in range(day + 1, day + 368):
                if self.in_winter(later) != winter:
                    known = float(later)
                    break
            self._season_change[day] = known
        return known

    def month(self, t: float) -> int:
        day = int(t)
        months = self._month_of_day
        while len(months) <= day:
            months.append(self.date(len(months)).month - 1)
        return months[day]

    # ---------------------------------------------------------------------------------------- records
    def log(self, client: Client, event: str, service: str, need: str, adjustment: str, outcome: str) -> None:
        self.rec.rows["events"].append((self.env.now, client.id, client.episode, event, service, need,
                                        adjustment, outcome))

    def set_location(self, client: Client, location: str | None) -> None:
        old = client.location
        if old == location:
            return
        counts = self.location_counts
        if old is not None:
            counts[old] -= 1
            if old == "outdoors":
                self._remove_outdoors(client.id)
        if location is not None:
            counts[location] += 1
            if location == "outdoors":
                self._outdoors_pos[client.id] = len(self.outdoors_ids)
                self.outdoors_ids.append(client.id)
        client.location = location
        self.rec.rows["locations"].append((client.id, client.episode, self.env.now, location or "exited"))

    def _remove_outdoors(self, client_id: int) -> None:
        pos = self._outdoors_pos.pop(client_id)
        last = self.outdoors_ids.pop()
        if last != client_id:
            self.outdoors_ids[pos] = last
            self._outdoors_pos[last] = pos

    def census(self, day: int) -> None:
        if self.env.now > self.warmup:
            counts = self.location_counts
            self.rec.rows["census"].append((day, self.env.now, counts["shelter"], counts["outdoors"],
                                            counts["other"]))

    def staff_time(self, service: str, days: float, purpose: str, adjustment: str,
                   occupy: bool = True) -> None:
        """Record coordination work and take it from the service's staff, if it has any."""
        if days <= 0:
            return
        if self.env.now >= self.warmup:
            self.rec.rows["staff"].append((service, self.env.now, days * 24, purpose, adjustment))
        # shelter and outreach staff serve no queue in the model: their time is recorded, not simulated
        node = self.nodes.get(service) if occupy else None
        if node is not None:
            self.env.process(node.occupy(days))

    # ---------------------------------------------------------------------------------------- clients
    def _draw_client(self, stream: Stream, pattern_mix: tuple[list[str], list[float]]) -> Client:
        attributes = self.scenario.population.attributes
        gender = self._gender[0][stream.choice(self._gender[1])] if len(self._gender[0]) > 1 \
            else self._gender[0][0]
        age = self._age[0][stream.choice(self._age[1])] if len(self._age[0]) > 1 else self._age[0][0]
        indigenous = attributes.indigenous > 0 and stream.uniform() < attributes.indigenous
        pattern = pattern_mix[0][stream.choice(pattern_mix[1])] if len(pattern_mix[0]) > 1 \
            else pattern_mix[0][0]
        client = Client(self._next_client, gender, age, indigenous, pattern)
        self._next_client += 1
        return client

    def start_episode(self, client: Client, stream: Stream, source: str, homeless_since: float,
                      walk_ins: bool = True) -> None:
        """Open an episode: draw needs, schedule self-resolution, start the shelter cycle and walk-ins."""
        env = self.env
        now = env._now
        client.episode += 1
        client.source = source
        client.start = now
        client.homeless_since = homeless_since
        client.refused_nights = 0
        client.assessed = False
        client.processes = []
        client.needs = {}
        needs = client.needs
        for need, p in self._prevalence[client.pattern]:
            if p >= 1.0 or stream.uniform() < p:
                needs[need] = NeedState(need, now)
        client.needs_at_entry = len(client.needs)
        self.active[client.id] = client
        use = self.use.get(client.pattern)
        client.avoidant = use is not None and use.avoidance > 0 and stream.uniform() < use.avoidance
        mean = self._self_resolution.get(client.pattern)
        if mean:
            self.at(now + mean * stream.std_exponential(), self._self_resolve, client, client.episode)
        if self.log_events:
            self.log(client, "episode_start", "", "", "", source)
        if walk_ins and self._walk_ins:
            for need, state in client.needs.items():
                for service, p, delay in self._walk_ins.get(need, ()):
                    if p >= 1.0 or stream.uniform() < p:
                        wait = delay.sample(stream) if delay.mean > 0 else 0.0
                        client.processes.append(env.process(self.pathway(client, state, "walk_in", service,
                                                                         wait)))
                        break
        if use is not None and self.shelters is not None:
            client.shelter_process = env.process(self.shelter_cycle(client, use, source == "stock", stream))
            client.processes.append(client.shelter_process)
        elif self.shelters is not None:
            self.set_location(client, "other")

    def at(self, time: float, action: Any, *args: Any) -> None:
        """Call ``action(*args)`` at ``time`` (a callback, cheaper than a process), if before the horizon."""
        if time >= self.end_time:
            return
        event = self.env.timeout(time - self.env.now)
        event.callbacks.append(lambda _event: action(*args))

    def _self_resolve(self, client: Client, episode: int) -> None:
        if client.episode == episode and client.id in self.active:
            self.end_episode(client, "self_resolved")

    def end_episode(self, client: Client, reason: str) -> None:
        """Close the episode now: free the bed, stop every pending process, record needs and the episode."""
        env = self.env
        now = env.now
        del self.active[client.id]
        active = env.active_process
        for process in client.processes:
            if process is not active and process.is_alive:
                process.interrupt("exit")
        rows = self._needs_rows
        for state in client.needs.values():
            if state.status != MET:
                rows.append((client.id, client.episode, state.need, state.onset, now, "open_at_exit", ""))
        self._episodes.append((
            client.id, client.episode, client.source, client.gender, client.age_group, client.indigenous,
            client.pattern, client.avoidant, client.needs_at_entry, client.start, client.homeless_since,
            now, reason, client.refused_nights))
        if self.shelters is not None:
            self.shelters.leave(client)
            self.set_location(client, None)
        if self.log_events:
            self.log(client, "episode_end", "", "", "", reason)
        if reason == "self_resolved" and self._return_after_resolution:
            stream = self.streams["returns"]
            self.at(now + self._return_after_resolution * stream.std_exponential(), self._return, client)

    def _record_episode(self, client: Client, end: float, reason: str) -> None:
        self._episodes.append((
            client.id, client.episode, client.source, client.gender, client.age_group, client.indigenous,
            client.pattern, client.avoidant, client.needs_at_entry, client.start, client.homeless_since,
            end, reason, client.refused_nights))

    def housed(self, client: Client, programme: HousingProgramme, slot: bool | None) -> None:
        """The client has moved in: the episode ends; the place is held until tenancy end or a return."""
        if client.id not in self.active:
            return
        state = client.needs.get("housing")
        if state is not None and state.status != MET:
            state.status = MET
            self.rec.rows["needs"].append((client.id, client.episode, "housing", state.onset, self.env.now,
                                           "met", programme.name))
        self.end_episode(client, "housed")
        now = self.env.now
        stream = self.streams["returns"]
        exits = self.scenario.population.exits
        returns_at = now + exits.return_after_housing_mean * stream.std_exponential() \
            if exits.return_after_housing_mean else INF
        tenancy_ends = INF
        if slot is not None and programme.spec.tenancy is not None:
            tenancy_ends = now + programme.spec.tenancy.sample(stream)
        if slot is not None:
            self.at(min(returns_at, tenancy_ends), programme.free, slot)
        if returns_at < tenancy_ends or slot is None:
            self.at(returns_at, self._return, client)

    def _return(self, client: Client) -> None:
        if client.id in self.active:
            return
        stream = self.streams["returns"]
        self.start_episode(client, stream, "return", self.env.now)

    # ---------------------------------------------------------------------------------------- inflow
    def arrivals(self) -> Generator[Any, Any, None]:
        env = self.env
        inflow = self.scenario.population.inflow
        seasonal = inflow.seasonal
        top = max(seasonal) if seasonal else 1.0
        rate_max = inflow.rate * top
        if rate_max <= 0:
            return
        arrivals = self.streams["arrivals"]
        attributes = self.streams["attributes"]
        t = 0.0
        while True:
            t += arrivals.std_exponential() / rate_max
            if t >= self.end_time:
                return
            if seasonal is not None and arrivals.uniform() * top >= seasonal[self.month(t)]:
                continue  # thinning: a candidate arrival rejected in a quieter month
            yield env.timeout(t - env.now)
            client = self._draw_client(attributes, self._pattern)
            self.start_episode(client, attributes, "inflow", t)

    def initial_stock(self) -> None:
        stock = self.scenario.population.initial_stock
        stream = self.streams["stock"]
        for _ in range(stock.count):
            client = self._draw_client(stream, self._stock_pattern)
            since = -stock.time_homeless.sample(stream)
            self.start_episode(client, stream, "stock", since, walk_ins=False)

    # ---------------------------------------------------------------------------------------- shelters
    def shelter_cycle(self, client: Client, use: ShelterUse, stock: bool,
                      stream: Stream) -> Generator[Any, Any, None]:
        """Ask for a bed, stay, leave for a gap, ask again; until the episode ends."""
        env = self.env
        shelters = self.shelters
        assert shelters is not None
        draws = self.streams[f"shelter:{client.pattern}"]
        winter_only = False  # an avoidant client asking for beds this winter only
        try:
            if client.avoidant:
                winter_only = yield from self._avoid(client, use, draws)
            elif stock:
                # a client of the initial stock is mid-stay or mid-gap, in proportion to their lengths
                stay_mean, gap_mean = use.stay.mean, use.gap.mean
                if draws.uniform() * (stay_mean + gap_mean) < stay_mean and shelters.place(client):
                    yield from self._stay(client, draws.uniform() * use.stay.sample(draws))
                    yield from self._gap(client, use, draws)
                else:
                    yield from self._gap(client, use, draws, draws.uniform())
            while True:
                self.set_location(client, "outdoors")
                request = shelters.request(client)
                if winter_only and not request.triggered:
                    # the cold brought them: they stop asking when the season ends
                    season_end = self.season_change(env.now)
                    yield request if math.isinf(season_end) else request | env.timeout(season_end - env.now)
                    if not request.triggered:
                        shelters.leave(client)
                        winter_only = yield from self._avoid(client, use, draws)
                        continue
                else:
                    yield request
                self._contact(client, shelters.where[client.id].name)
                nights = max(1, round(use.stay.sample(draws)))
                if winter_only and self.in_winter(env.now):
                    season_end = self.season_change(env.now)
                    if season_end < math.inf:
                        nights = max(1, min(nights, int(season_end) - math.floor(env.now)))
                yield from self._stay(client, nights)
                yield from self._gap(client, use, draws)
                if winter_only and not self.in_winter(env.now):
                    winter_only = yield from self._avoid(client, use, draws)
        except simpy.Interrupt:
            shelters.leave(client)

    def _avoid(self, client: Client, use: ShelterUse, draws: Stream) -> Generator[Any, Any, bool]:
        """An avoidant client stays outdoors until an outreach worker convinces them (False: from then on they
        use shelters) or, with probability ``winter_seek`` each winter, the cold does (True: for this winter)."""
        env = self.env
        self.set_location(client, "outdoors")
        seasonal = use.winter_seek > 0
        while True:
            wake = math.inf
            if seasonal:
                if self.in_winter(env.now):
                    if draws.uniform() < use.winter_seek:
                        return True
                    wake = self.season_change(self.season_change(env.now))  # the start of the next winter
                else:
                    wake = self.season_change(env.now)
            try:
                yield env.event() if math.isinf(wake) else env.timeout(wake - env.now)
            except simpy.Interrupt as interrupt:
                if interrupt.cause != "seek":
                    raise
                return False

    def _stay(self, client: Client, nights: float) -> Generator[Any, Any, None]:
        env = self.env
        leave = math.floor(env.now) + max(1, math.ceil(nights)) + CHECKOUT_HOUR
        try:
            yield env.timeout(leave - env.now)
            assert self.shelters is not None
            self.shelters.leave(client)
        except simpy.Interrupt as interrupt:
            if interrupt.cause != "evicted":
                raise

    def _gap(self, client: Client, use: ShelterUse, draws: Stream,
             fraction: float = 1.0) -> Generator[Any, Any, None]:
        gap = use.gap.sample(draws) * fraction
        outdoors = draws.uniform() >= use.gap_other_share
        self.set_location(client, "outdoors" if outdoors else "other")
        if outdoors and use.winter_outdoor_gap < 1.0 and self.in_winter(self.env.now):
            gap *= use.winter_outdoor_gap
        try:
            yield self.env.timeout(gap)
        except simpy.Interrupt as interrupt:
            if interrupt.cause != "seek":
                raise

    # ---------------------------------------------------------------------------------------- contacts
    def _contact(self, client: Client, service: str) -> None:
        """A worker at ``service`` refers every open need that is not already in a referral."""
        routing = self._routing
        cutoff = self.env.now - self._re_referral_after
        for state in client.needs.values():
            if state.status != OPEN or state.last_referred > cutoff:
                continue
            edges = self.edges.get((service, state.need))
            if edges is None:
                continue
            targets, cumulative, _ = edges
            u = routing.uniform()
            for target, edge in zip(targets, cumulative, strict=True):
                if u < edge:
                    client.processes.append(self.env.process(self.pathway(client, state, service, target)))
                    break

    def outreach(self, name: str, spec: Outreach) -> Generator[Any, Any, None]:
        env = self.env
        stream = self.streams[f"outreach:{name}"]
        if spec.contacts <= 0:
            return
        while True:
            yield env.timeout(stream.std_exponential() / spec.contacts)
            if not self.outdoors_ids:
                continue
            client = self.active[self.outdoors_ids[int(stream.uniform() * len(self.outdoors_ids))]]
            if env.now >= self.warmup:
                self.counters["outreach_contacts"] += 1
            if self.log_events:
                self.log(client, "outreach_contact", name, "", "", "")
            process = client.shelter_process
            if spec.offers_shelter > 0 and stream.uniform() < spec.offers_shelter and process is not None \
                    and process.is_alive and client.id not in self.shelters_line():
                process.interrupt("seek")
            self._contact(client, name)

    def shelters_line(self) -> dict[int, Any]:
        return self.shelters.line if self.shelters is not None else {}

    # ---------------------------------------------------------------------------------------- pathways
    def pathway(self, client: Client, state: NeedState, source: str, target: str,
                delay: float = 0.0, adjustment: str | None = None) -> Generator[Any, Any, None]:
        """Follow one need from its first contact until it is met, lost or left open."""
        state.status = PENDING
        routing = self._routing
        need = state.need
        try:
            if source == "walk_in":
                if delay > 0:
                    yield self.env.timeout(delay)
                node = self.nodes[target]
                dist, stream = self._service_times[target]
                duration = self._walk_in_intake + dist.sample(stream)
                outcome = yield from node.serve(client, need, NORMAL, duration, INF, None, "walk_in")
            else:
                outcome = yield from self.handoff(client, state, source, target, adjustment)
            while outcome == SERVED:
                u = routing.uniform()
                p_met = self.treats.get((target, need), 0.0)
                if u < p_met:
                    self._met(client, state, target)
                    return
                edges = self.edges.get((target, need))
                chosen = None
                if edges is not None:
                    for candidate, edge in zip(edges[0], edges[1], strict=True):
                        if u - p_met < edge:
                            chosen = candidate
                            break
                if chosen is None:
                    break  # the visit neither met the need nor referred it: left open
                source, target = target, chosen
                outcome = yield from self.handoff(client, state, source, target)
            if outcome != HOUSED:
                state.status = OPEN
        except simpy.Interrupt:
            return

    def _service_time(self, service: str) -> float:
        dist, stream = self._service_times[service]
        return dist.sample(stream)

    def _met(self, client: Client, state: NeedState, service: str) -> None:
        state.status = MET
        self._needs_rows.append((client.id, client.episode, state.need, state.onset, self.env.now, "met",
                                 service))
        if self.log_events:
            self.log(client, "need_met", service, state.need, "", "met")
        if self._exit_when_met and client.open_needs() == 0:
            self.end_episode(client, "needs_met")

    def assign_type(self, client: Client, state: NeedState, source: str, target: str,
                    stream: Stream) -> str:
        """The adjustment type of a new handoff under the active regime."""
        # escalation to the case conference is decided by the conference itself (see ``conference``),
        # which takes the longest-stuck complex clients up to its capacity
        assignment = self.regime.assignment
        if assignment == "ties":
            edges = self.edges.get((source, state.need))
            tie = 0.0
            if edges is not None:
                for candidate, share in zip(edges[0], edges[2], strict=True):
                    if candidate == target:
                        tie = share
                        break
            return "bilateral" if tie > 0 and stream.uniform() < tie else "unilateral"
        if isinstance(assignment, dict):
            names, cumulative = _cumulative(assignment)
            return names[stream.choice(cumulative)]
        return assignment

    def handoff(self, client: Client, state: NeedState, source: str, target: str,
                adjustment: str | None = None) -> Generator[Any, Any, str]:
        """Carry one referral from ``source`` to ``target``; return the outcome at the receiver."""
        env = self.env
        now = env.now
        stream = self.streams["handoffs"]
        if adjustment is None:
            adjustment = self.assign_type(client, state, source, target, stream)
        params = self.handoff_types[adjustment]
        self._next_referral += 1
        referral: list[Any] = [self._next_referral, client.id, client.episode, state.need, source, target,
                               adjustment, NORMAL, now, math.nan, math.nan, math.nan, None]
        state.referral = referral
        state.last_referred = now
        if self.log_events:
            self.log(client, "referral_sent", target, state.need, adjustment, source)
        self.staff_time(source, params.staff_time.sender, "sender", adjustment)
        self.staff_time(target, params.staff_time.receiver, "receiver", adjustment)
        if params.accompaniment is not None and stream.uniform() < params.accompaniment.probability:
            self.staff_time(source, params.accompaniment.staff_time, "accompaniment", adjustment)
        give_up = now + stream.std_exponential() / params.loss.hazard if params.loss.hazard > 0 else INF
        try:
            outcome = yield from self._carry(client, state, target, adjustment, params, referral, give_up,
                                             stream)
        except simpy.Interrupt:
            referral[11] = env.now
            referral[12] = "client_exited"
            self.rec.rows["referrals"].append(tuple(referral))
            state.referral = None
            raise
        referral[11] = env.now
        referral[12] = outcome
        self.rec.rows["referrals"].append(tuple(referral))
        state.referral = None
        if self.log_events:
            self.log(client, "referral_closed", target, state.need, adjustment, outcome)
        return outcome

    def _wait(self, delay: float, give_up: float) -> Generator[Any, Any, bool]:
        """Wait ``delay`` days unless the referral is dropped first; return whether it survived."""
        env = self.env
        if env.now + delay >= give_up:
            yield env.timeout(max(0.0, give_up - env.now))
            return False
        if delay > 0:
            yield env.timeout(delay)
        return True

    def _carry(self, client: Client, state: NeedState, target: str, adjustment: str, params: HandoffType,
               referral: list[Any], give_up: float, stream: Stream) -> Generator[Any, Any, str]:
        env = self.env
        priority = NORMAL
        reserved_ok = False
        if adjustment == "multilateral":
            case: list[Any] = [env.event(), True]
            self.conference_pending.append(case)
            try:
                if give_up < INF:
                    result = yield case[0] | env.timeout(give_up - env.now)
                    if case[0] not in result:
                        case[1] = False
                        return LOST_HANDOFF
                else:
                    yield case[0]
            except simpy.Interrupt:
                case[1] = False
                raise
            if not (yield from self._wait(params.latency.sample(stream), give_up)):
                return LOST_HANDOFF
            if stream.uniform() < params.loss.base:
                return LOST_HANDOFF
            referral[7] = MULTILATERAL
            referral[9] = env.now
            return (yield from self._receive(client, state, target, MULTILATERAL, params, referral, give_up,
                                             adjustment, self.scenario.handoffs.multilateral.reserved_slot))
        if adjustment == "integrated":
            integrated = self.scenario.handoffs.integrated
            assert integrated is not None
            # lead time to the coordinated access point, then assessment (full once an episode)
            if not (yield from self._wait(params.latency.sample(stream), give_up)):
                return LOST_HANDOFF
            if stream.uniform() < params.loss.base:
                return LOST_HANDOFF
            point = self.nodes[integrated.access_point]
            duration = integrated.data_entry
            if not client.assessed:
                duration += integrated.assessment.sample(stream)
            self.staff_time(integrated.access_point, duration, "assessment", adjustment, occupy=False)
            outcome = yield from point.serve(client, state.need, NORMAL, duration, give_up, referral,
                                             adjustment)
            referral[10] = math.nan  # 'start' is the receiver's; the assessment is in the visits table
            if outcome != SERVED:
                return LOST_HANDOFF if outcome != "reneged" else outcome
            client.assessed = True
            for need in self.eligibility.get(target, ()):
                other = client.needs.get(need)
                if other is not None and other.status != MET:
                    return INELIGIBLE
            weights = integrated.priority
            open_needs = client.open_needs()
            score = (weights.complexity * open_needs + weights.chronic * (client.pattern == "chronic")
                     + weights.years_homeless * max(0.0, env.now - client.homeless_since) / 365
                     + weights.indigenous * client.indigenous + weights.woman * (client.gender == "woman")
                     - integrated.target_pressure * open_needs)
            priority = NORMAL - score
            referral[7] = priority
            referral[9] = env.now
            return (yield from self._receive(client, state, target, priority, params, referral, give_up,
                                             adjustment, reserved_ok))
        elif params.queue_jump > 0 and stream.uniform() < params.queue_jump:
            priority = QUEUE_JUMP
        referral[7] = priority
        if not (yield from self._wait(params.latency.sample(stream), give_up)):
            return LOST_HANDOFF
        if stream.uniform() < params.loss.base:
            return LOST_HANDOFF  # the client never shows up
        referral[9] = env.now
        return (yield from self._receive(client, state, target, priority, params, referral, give_up,
                                         adjustment, reserved_ok))

    def _receive(self, client: Client, state: NeedState, target: str, priority: float, params: HandoffType,
                 referral: list[Any], give_up: float, adjustment: str,
                 reserved_ok: bool) -> Generator[Any, Any, str]:
        programme = self.housing.get(target)
        if programme is not None:
            # once on a waiting list the handoff is complete; the list's own patience governs dropping out
            return (yield from programme.apply(client, state.need, priority, reserved_ok, referral, adjustment))
        node = self.nodes[target]
        duration = params.intake + self._service_time(target)
        return (yield from node.serve(client, state.need, priority, duration, give_up, referral, adjustment))

    # ---------------------------------------------------------------------------------------- conference
    def conference(self) -> Generator[Any, Any, None]:
        """The weekly case conference: escalate stuck complex clients, decide up to ``max_cases`` cases."""
        env = self.env
        spec = self.regime.conference or self.scenario.handoffs.multilateral.conference
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(spec.weekday)
        first = (weekday - self._start_weekday) % 7 + spec.time
        yield env.timeout(first)
        escalation = self.regime.escalation
        while True:
            if escalation is not None:
                waiting = sum(1 for case in self.conference_pending if case[1])
                if self._escalate(escalation.min_open_needs, escalation.after, spec.max_cases - waiting):
                    yield env.timeout(0)  # let the escalated referrals reach the table before it decides
            if self.conference_pending:
                if env.now >= self.warmup:
                    self.counters["conferences"] += 1
                for participant in spec.participants:
                    self.staff_time(participant, spec.duration, "conference", "multilateral")
                decided = 0
                keep = []
                for case in self.conference_pending:
                    if not case[1]:
                        continue  # dropped or closed while waiting
                    if decided < spec.max_cases:
                        case[0].succeed()
                        decided += 1
                    else:
                        keep.append(case)
                self.conference_pending = keep
            yield env.timeout(spec.every)

    def _escalate(self, min_open: int, after: float, room: int) -> int:
        """Send the longest-stuck needs of complex clients to the conference, as many as it can take.

        A need is stuck when it has been open for ``after`` and no referral for it was made in that time.
        """
        if room <= 0:
            return 0
        cutoff = self.env.now - after
        route = self.conference_route
        stuck: list[tuple[float, int, Client, NeedState]] = []
        for client in self.active.values():
            needs = client.needs
            if len(needs) < min_open:
                continue
            open_count = 0
            candidates = []
            for state in needs.values():
                status = state.status
                if status != MET:
                    open_count += 1
                    if status == OPEN and state.onset <= cutoff and state.last_referred <= cutoff \
                            and state.need in route:
                        candidates.append(state)
            if candidates and open_count >= min_open:
                stuck.extend((state.onset, client.id, client, state) for state in candidates)
        chosen = heapq.nsmallest(room, stuck, key=lambda item: (item[0], item[1]))
        for _, _, client, state in chosen:
            target = self.conference_route[state.need]
            client.processes.append(self.env.process(
                self.pathway(client, state, "conference", target, adjustment="multilateral")))
        return len(chosen)

    # ---------------------------------------------------------------------------------------- run
    def run(self) -> RunRecords:
        env = self.env
        self.initial_stock()
        env.process(self.arrivals())
        for name, spec in self.outreach_specs.items():
            env.process(self.outreach(name, spec))
        assignment = self.regime.assignment
        if self.regime.escalation is not None or assignment == "multilateral" or (
                isinstance(assignment, dict) and assignment.get("multilateral", 0) > 0):
            env.process(self.conference())
        # the run allocates millions of short-lived objects and few cycles: collect garbage less often
        thresholds = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        try:
            env.run(until=self.end_time)
        finally:
            gc.set_threshold(*thresholds)
        return self.finish()

    def finish(self) -> RunRecords:
        """Censor everything still open at the horizon and hand back the records."""
        end = self.end_time
        rows = self.rec.rows
        for client in self.active.values():
            for state in client.needs.values():
                if state.status != MET:
                    rows["needs"].append((client.id, client.episode, state.need, state.onset, end,
                                          "censored", ""))
                    referral = state.referral
                    if referral is not None and referral[12] is None:
                        referral[12] = "censored"
                        rows["referrals"].append(tuple(referral))
            self._record_episode(client, end, "censored")
        for node in self.nodes.values():
            node.censor()
        for programme in self.housing.values():
            programme.censor()
        observed = (self.warmup, end)
        for name, node in self.nodes.items():
            rows["nodes"].append((name, node.kind, node.staff, node.staff * node.open_hours(*observed),
                                  node.time_avg_present(), node.arrivals_observed))
        for name, programme in self.housing.items():
            rows["nodes"].append((name, "housing", programme.spec.slots or 0, math.nan,
                                  programme.time_avg_present(), programme.arrivals_observed))
        return RunRecords(
            scenario=self.scenario.name, regime=self.scenario.regime, replication=self.replication,
            seed=self.seed, warmup=self.warmup, end_time=end, tables=self.rec.columns(),
            counters=dict(self.counters), calendar=self._calendar())

    def _calendar(self) -> dict[str, str]:
        start = self.scenario.start_date
        return {"start_date": start.isoformat(), "winter_start": self.scenario.winter.start,
                "winter_end": self.scenario.winter.end,
                "count_date": self.scenario.outputs.count_date or f"{start.month:02d}-{start.day:02d}"}


def simulate_records(scenario: Scenario, seed: int, replication: int = 0) -> RunRecords:
    """Run one replication and return its raw records (no pandas)."""
    return Simulation(scenario, seed, replication).run()
