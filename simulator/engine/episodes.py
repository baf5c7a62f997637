"""Episodes of homelessness: who arrives, with which needs, and how an episode ends and another begins.

Clients arrive by a Poisson inflow whose rate follows the months (``seasonal`` multipliers, by thinning), or
are already homeless at time 0 (the initial stock, with a drawn time homeless so far). Each client draws
their attributes (gender, age group, Indigenous identity, shelter-use pattern) once for life; each episode
draws its needs (the base prevalence, overridden by pattern), whether the client avoids shelters, and a
self-resolution time (exponential, mean by pattern). The episode then starts the client's walk-ins and shelter
use.

An episode ends when the client resolves their situation on their own, moves into housing, has all their
needs met (textbook models with ``exit_when_needs_met``), or at the horizon (censored). Ending it stops every
process of the client (pending referrals end ``client_exited``, queue visits ``exited``) and writes the needs
still open as ``open_at_exit``. A client who self-resolved returns after an exponential time
(``return_after_resolution_mean``); a housed client returns after ``return_after_housing_mean``, and a housing
first place is held until the tenancy ends or the tenant returns, whichever comes first. Only a share of
them ever return (``return_after_resolution_share``, ``return_after_housing_share``; 1 by default): the
others have left homelessness for good, so that a population with a steady inflow reaches a steady size
instead of growing with the horizon. A return opens a new episode of the same client, with needs drawn
afresh.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simulator.config.schema import Scenario, ShelterUse
from simulator.engine.clients import MET, Client, NeedState
from simulator.engine.context import Context
from simulator.engine.locations import Whereabouts
from simulator.engine.network import cumulative
from simulator.engine.nodes import INF
from simulator.engine.outcomes import CENSORED, HOUSED, OPEN_AT_EXIT, SELF_RESOLVED
from simulator.engine.outcomes import MET as NEED_MET
from simulator.engine.shelter_use import ShelterCycles
from simulator.engine.shelters import ShelterSystem
from simulator.engine.streams import Stream

if TYPE_CHECKING:
    from simulator.engine.housing import HousingProgramme
    from simulator.engine.pathways import Pathways


class Episodes:
    """The clients, their episodes, the inflow and the initial stock."""

    def __init__(self, ctx: Context, scenario: Scenario, whereabouts: Whereabouts, shelters: ShelterSystem | None):
        self.ctx = ctx
        self.whereabouts = whereabouts
        self.shelters = shelters
        population = scenario.population
        self.population = population
        #: clients in an episode now, by id
        self.active: dict[int, Client] = {}
        self._next_client = 0
        self.use: dict[str, ShelterUse] = {str(k): v for k, v in population.shelter_use.items()}
        attributes = population.attributes
        self._gender = cumulative(attributes.gender)
        self._age = cumulative(attributes.age_group)
        self._pattern = cumulative(attributes.pattern)
        self._stock_pattern = cumulative(population.initial_stock.pattern or attributes.pattern)
        self._prevalence: dict[str, list[tuple[str, float]]] = {}
        for pattern in ("transitional", "episodic", "chronic"):
            merged = {**population.needs.base, **population.needs.by_pattern.get(pattern, {})}
            self._prevalence[pattern] = [(n, p) for n, p in merged.items() if p > 0]
        self._self_resolution: dict[str, float] = {str(k): v for k, v in population.exits.self_resolution_mean.items()}
        exits = population.exits
        self._return_after_resolution = exits.return_after_resolution_mean
        self._return_after_housing = exits.return_after_housing_mean
        self._resolution_returns = exits.return_after_resolution_share
        self._housing_returns = exits.return_after_housing_share
        self._resolution_ratio: dict[str, float] = {str(k): v for k, v in exits.self_resolution_hazard_ratio.items()}
        self._return_ratio: dict[str, float] = {str(k): v for k, v in exits.return_hazard_ratio.items()}
        self._seek_when_met: dict[str, frozenset[str]] = {
            str(k): frozenset(v.seek_when_met) for k, v in population.shelter_use.items() if v.seek_when_met}
        self._episodes = ctx.rows["episodes"]
        self._needs_rows = ctx.rows["needs"]
        # set by the assembler, once the parts that an episode starts exist
        self.pathways: Pathways | None = None
        self.cycles: ShelterCycles | None = None

    # -- arrivals --------------------------------------------------------------------------------------
    def draw_client(self, stream: Stream, pattern_mix: tuple[list[str], list[float]]) -> Client:
        """A new client with attributes drawn from the population's mixes."""
        attributes = self.population.attributes
        gender = self._gender[0][stream.choice(self._gender[1])] if len(self._gender[0]) > 1 \
            else self._gender[0][0]
        age = self._age[0][stream.choice(self._age[1])] if len(self._age[0]) > 1 else self._age[0][0]
        indigenous = attributes.indigenous > 0 and stream.uniform() < attributes.indigenous
        pattern = pattern_mix[0][stream.choice(pattern_mix[1])] if len(pattern_mix[0]) > 1 \
            else pattern_mix[0][0]
        client = Client(self._next_client, gender, age, indigenous, pattern)
        self._next_client += 1
        return client

    def arrivals(self) -> Generator[Any, Any, None]:
        """The inflow: a Poisson process at the highest monthly rate, thinned to each month's rate."""
        ctx = self.ctx
        env = ctx.env
        inflow = self.population.inflow
        seasonal = inflow.seasonal
        top = max(seasonal) if seasonal else 1.0
        rate_max = inflow.rate * top
        if rate_max <= 0:
            return
        arrivals = ctx.streams["arrivals"]
        attributes = ctx.streams["attributes"]
        t = 0.0
        while True:
            t += arrivals.std_exponential() / rate_max
            if t >= ctx.end_time:
                return
            if seasonal is not None and arrivals.uniform() * top >= seasonal[ctx.calendar.month(t)]:
                continue  # thinning: a candidate arrival rejected in a quieter month
            yield env.timeout(t - env.now)
            client = self.draw_client(attributes, self._pattern)
            self.start(client, attributes, "inflow", t)

    def initial_stock(self) -> None:
        """The clients already homeless at time 0 (no walk-ins: they are past their first contacts)."""
        stock = self.population.initial_stock
        stream = self.ctx.streams["stock"]
        for _ in range(stock.count):
            client = self.draw_client(stream, self._stock_pattern)
            since = -stock.time_homeless.sample(stream)
            self.start(client, stream, "stock", since, walk_ins=False)

    def cohort(self) -> None:
        """A cohort entering together (``population.cohort``), at its time: after the initial stock at 0."""
        cohort = self.population.cohort
        if cohort is None:
            return
        if cohort.at <= 0:
            self._enter_cohort()
        else:
            self.ctx.at(cohort.at, self._enter_cohort)

    def _enter_cohort(self) -> None:
        cohort = self.population.cohort
        assert cohort is not None
        stream = self.ctx.streams["cohort"]
        merged = {**self.population.needs.base, **self.population.needs.by_pattern.get(cohort.pattern, {}),
                  **cohort.needs}
        prevalence = [(str(n), p) for n, p in merged.items() if p > 0]
        routes: dict[str, list[tuple[str, float, Any]]] = {}
        for walk in cohort.entry:
            routes.setdefault(str(walk.need), []).append((walk.service, walk.probability, walk.delay))
        now = self.ctx.env.now
        for _ in range(cohort.count):
            client = self.draw_client(stream, ([cohort.pattern], [1.0]))
            self.start(client, stream, "cohort", now, prevalence=prevalence, first_routes=routes)

    # -- an episode ------------------------------------------------------------------------------------
    def start(self, client: Client, stream: Stream, source: str, homeless_since: float,
              walk_ins: bool = True, prevalence: list[tuple[str, float]] | None = None,
              first_routes: dict[str, list[tuple[str, float, Any]]] | None = None) -> None:
        """Open an episode: draw needs, schedule self-resolution, start the walk-ins and the shelter cycle."""
        ctx = self.ctx
        now = ctx.env.now
        client.episode += 1
        client.source = source
        client.start = now
        client.homeless_since = homeless_since
        client.refused_nights = 0
        client.assessed = False
        client.processes = []
        client.needs = {}
        needs = client.needs
        for need, p in (prevalence if prevalence is not None else self._prevalence[client.pattern]):
            if p >= 1.0 or stream.uniform() < p:
                needs[need] = NeedState(need, now)
        client.needs_at_entry = len(needs)
        self.active[client.id] = client
        use = self.use.get(client.pattern)
        client.avoidant = use is not None and use.avoidance > 0 and stream.uniform() < use.avoidance
        mean = self._self_resolution.get(client.pattern)
        client.resolve_token = 0
        if mean:
            # a unit exponential budget spent at the hazard 1 / mean times the ratios of the open needs
            client.resolve_budget = stream.std_exponential()
            client.resolve_mean = mean / client.ratio(self._resolution_ratio) if self._resolution_ratio else mean
            client.resolve_since = now
            ctx.at(now + client.resolve_mean * client.resolve_budget, self._self_resolve, client, client.episode, 0)
        else:
            client.resolve_mean = 0.0
        # whether this episode's exit would be followed by a return: drawn now, from the episode's own stream,
        # so that replication i of every regime sends back the same clients (no draw when the share is 1)
        share = self._resolution_returns
        client.returns_if_resolved = share >= 1.0 or stream.uniform() < share
        share = self._housing_returns
        client.returns_if_housed = share >= 1.0 or stream.uniform() < share
        if ctx.log_events:
            ctx.log(client, "episode_start", "", "", "", source)
        if walk_ins and self.pathways is not None:
            self.pathways.walk_ins(client, stream, first_routes)
        if use is not None and self.shelters is not None:
            assert self.cycles is not None
            client.shelter_process = self.cycles.start(client, use, source == "stock")
            client.processes.append(client.shelter_process)
        elif self.shelters is not None:
            self.whereabouts.move(client, "other")

    def _self_resolve(self, client: Client, episode: int, token: int) -> None:
        if client.episode == episode and client.resolve_token == token and client.id in self.active:
            self.end(client, SELF_RESOLVED)

    def need_met(self, client: Client, need: str) -> None:
        """A need was met during the episode: the self-resolution hazard loses that need's ratio (the exit is
        rescheduled with the budget left), and an avoidant client may start asking for beds."""
        ratio = self._resolution_ratio.get(need)
        if ratio is not None and ratio != 1.0 and client.resolve_mean > 0 and client.id in self.active:
            now = self.ctx.env.now
            client.resolve_budget -= (now - client.resolve_since) / client.resolve_mean
            client.resolve_mean *= ratio  # the hazard is divided by the ratio it no longer carries
            client.resolve_since = now
            client.resolve_token += 1
            self.ctx.at(now + client.resolve_mean * max(0.0, client.resolve_budget), self._self_resolve, client,
                        client.episode, client.resolve_token)
        seekers = self._seek_when_met.get(client.pattern)
        if seekers is not None and need in seekers and self.cycles is not None:
            self.cycles.stop_avoiding(client)

    def end(self, client: Client, reason: str) -> None:
        """Close the episode now: free the bed, stop every pending process, record needs and the episode."""
        ctx = self.ctx
        env = ctx.env
        now = env.now
        del self.active[client.id]
        active = env.active_process
        for process in client.processes:
            if process is not active and process.is_alive:
                process.interrupt("exit")
        rows = self._needs_rows
        for state in client.needs.values():
            if state.status != MET:
                rows.append((client.id, client.episode, state.need, state.onset, now, OPEN_AT_EXIT, ""))
        self._record(client, now, reason)
        if self.shelters is not None:
            self.shelters.leave(client)
            self.whereabouts.move(client, None)
        if ctx.log_events:
            ctx.log(client, "episode_end", "", "", "", reason)
        if reason == SELF_RESOLVED and self._return_after_resolution and client.returns_if_resolved:
            stream = ctx.streams["returns"]
            factor = client.ratio(self._return_ratio)
            ctx.at(now + self._return_after_resolution * stream.std_exponential() / factor, self._return, client)

    def _record(self, client: Client, end: float, reason: str) -> None:
        self._episodes.append((
            client.id, client.episode, client.source, client.gender, client.age_group, client.indigenous,
            client.pattern, client.avoidant, client.needs_at_entry, client.start, client.homeless_since,
            end, reason, client.refused_nights))

    def housed(self, client: Client, programme: HousingProgramme, slot: bool | None) -> None:
        """The client has moved in: the episode ends; the place is held until tenancy end or a return."""
        if client.id not in self.active:
            return
        ctx = self.ctx
        state = client.needs.get("housing")
        if state is not None and state.status != MET:
            state.status = MET
            state.met_at = ctx.env.now
            self._needs_rows.append((client.id, client.episode, "housing", state.onset, ctx.env.now, NEED_MET,
                                     programme.name))
        factor = client.ratio(self._return_ratio, programme.support) if self._return_ratio else 1.0
        self.end(client, HOUSED)
        now = ctx.env.now
        stream = ctx.streams["returns"]
        returns_at = INF
        if self._return_after_housing and client.returns_if_housed:
            returns_at = now + self._return_after_housing * stream.std_exponential() / factor
        tenancy_ends = INF
        if slot is not None and programme.spec.tenancy is not None:
            tenancy_ends = now + programme.spec.tenancy.sample(stream)
        if slot is not None:
            ctx.at(min(returns_at, tenancy_ends), programme.free, slot)
        if returns_at < tenancy_ends or slot is None:
            ctx.at(returns_at, self._return, client)

    def _return(self, client: Client) -> None:
        if client.id in self.active:
            return
        self.start(client, self.ctx.streams["returns"], "return", self.ctx.env.now)

    def censor(self) -> None:
        """At the horizon: every open need, its referral under way and the episode are censored."""
        ctx = self.ctx
        end = ctx.end_time
        rows = ctx.rows
        for client in self.active.values():
            for state in client.needs.values():
                if state.status != MET:
                    rows["needs"].append((client.id, client.episode, state.need, state.onset, end, CENSORED, ""))
                    referral = state.referral
                    if referral is not None and referral.outcome is None:
                        referral.outcome = CENSORED
                        rows["referrals"].append(referral.row())
            self._record(client, end, CENSORED)
