"""Pathways: one need followed from a first contact until it is met, lost or left open.

A need enters the service network in one of four ways: a walk-in (the client goes to a clinic alone, with the
entry point's delay and the unilateral intake), a contact with a worker (a shelter intake or an outreach
worker, who refers every open need that no referral was sent for in the last ``re_referral_after`` days, along
the referral edges), a case conference (escalation) or a handoff from another service. After each visit the
service meets the need with its ``treats`` probability, or refers it onwards along its own edges (one draw
picks one or the other, or neither: the need is left open). A lost referral, a visit given up or one that did
nothing returns the need to OPEN, where a later contact can take it up again; moving into housing ends the
episode. A service with *prerequisites* takes a need only once other needs of the episode are met (and a
delay has passed since): until then no handoff or walk-in to it is made for that need, which stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

import simpy

from simulator.engine.clients import MET, OPEN, PENDING, Client, NeedState
from simulator.engine.context import Context
from simulator.engine.handoffs import Handoffs
from simulator.engine.network import Network
from simulator.engine.nodes import INF, NORMAL, ServiceNode
from simulator.engine.outcomes import HOUSED, NEEDS_MET, SERVED
from simulator.engine.outcomes import MET as NEED_MET
from simulator.engine.streams import Stream

#: end a client's episode now: (client, exit reason)
EndEpisode = Callable[[Client, str], None]
#: a need of the client's was met: (client, need)
NeedMet = Callable[[Client, str], None]


class Pathways:
    """Starts and follows the pathway of each need."""

    def __init__(self, ctx: Context, network: Network, nodes: Mapping[str, ServiceNode], handoffs: Handoffs,
                 walk_in_intake: float, re_referral_after: float, exit_when_met: bool, end_episode: EndEpisode,
                 prerequisites: Mapping[tuple[str, str], tuple[tuple[str, ...], float]] | None = None,
                 need_met: NeedMet | None = None):
        self.ctx = ctx
        #: (service, need) -> (needs that must be met first, delay after the last of them)
        self.prerequisites = dict(prerequisites or {})
        self.need_met = need_met
        self.network = network
        self.nodes = nodes
        self.handoffs = handoffs
        self.walk_in_intake = walk_in_intake
        self.re_referral_after = re_referral_after
        self.exit_when_met = exit_when_met
        self.end_episode = end_episode
        self._routing = ctx.streams["routing"]
        self._needs_rows = ctx.rows["needs"]

    def start(self, client: Client, state: NeedState, source: str, target: str, delay: float = 0.0,
              adjustment: str | None = None) -> None:
        """Follow ``state`` from ``source`` to ``target`` in a new process of the client's."""
        client.processes.append(self.ctx.env.process(
            self.pathway(client, state, source, target, delay, adjustment)))

    def refer_by_conference(self, client: Client, state: NeedState, target: str) -> None:
        """An escalated need, referred to ``target`` through the case conference."""
        self.start(client, state, "conference", target, adjustment="multilateral")

    def walk_ins(self, client: Client, stream: Stream,
                 first: Mapping[str, list[tuple[str, float, Any]]] | None = None) -> None:
        """At the start of an episode: for each need, the first entry point drawn (if any) is walked to
        (``first``: a cohort's own entry points, tried before everyone's)."""
        routes = self.network.walk_ins
        if not routes and not first:
            return
        for need, state in client.needs.items():
            tried = [*first.get(need, ()), *routes.get(need, ())] if first else routes.get(need, ())
            for service, p, delay in tried:
                if p >= 1.0 or stream.uniform() < p:
                    wait = delay.sample(stream) if delay.mean > 0 else 0.0
                    self.start(client, state, "walk_in", service, wait)
                    break

    def contact(self, client: Client, service: str) -> None:
        """A worker at ``service`` refers every open need that is not already in a referral."""
        routing = self._routing
        edges_of = self.network.edges
        cutoff = self.ctx.env.now - self.re_referral_after
        for state in client.needs.values():
            if state.status != OPEN or state.last_referred > cutoff:
                continue
            edges = edges_of.get((service, state.need))
            if edges is None:
                continue
            target = edges.pick(routing.uniform())
            if target is not None:
                self.start(client, state, service, target)

    def pathway(self, client: Client, state: NeedState, source: str, target: str, delay: float = 0.0,
                adjustment: str | None = None) -> Generator[Any, Any, None]:
        """Follow one need from its first contact until it is met, lost or left open."""
        state.status = PENDING
        routing = self._routing
        network = self.network
        need = state.need
        try:
            if source == "walk_in":
                if delay > 0:
                    yield self.ctx.env.timeout(delay)
                if self.prerequisites and self.blocked(client, target, need):
                    state.status = OPEN
                    return
                programme = self.handoffs.housing.get(target)
                if programme is not None:  # an application made on one's own, without a referral
                    outcome = yield from programme.apply(client, need, NORMAL, False, None, "walk_in")
                else:
                    duration = self.walk_in_intake + network.service_time(target)
                    outcome = yield from self.nodes[target].serve(client, need, NORMAL, duration, INF, None,
                                                                  "walk_in")
            else:
                if self.prerequisites and self.blocked(client, target, need):
                    state.status = OPEN
                    return
                outcome = yield from self.handoffs.send(client, state, source, target, adjustment)
            while outcome == SERVED:
                u = routing.uniform()
                p_met = network.treat_probability(target, need)
                if u < p_met:
                    self.met(client, state, target)
                    return
                edges = network.edges.get((target, need))
                chosen = edges.pick(u - p_met) if edges is not None else None
                if chosen is None:
                    break  # the visit neither met the need nor referred it: left open
                if self.prerequisites and self.blocked(client, chosen, need):
                    break
                source, target = target, chosen
                outcome = yield from self.handoffs.send(client, state, source, target)
            if outcome != HOUSED:
                state.status = OPEN
        except simpy.Interrupt:
            return

    def blocked(self, client: Client, target: str, need: str) -> bool:
        """Whether ``target`` refuses ``need`` for now: one of its prerequisites is in the client's episode and
        was not met at least the rule's delay ago (the need stays open; counted after warm-up)."""
        rule = self.prerequisites.get((target, need))
        if rule is None:
            return False
        requires, delay = rule
        now = self.ctx.env.now
        needs = client.needs
        for required in requires:
            state = needs.get(required)
            if state is not None and not (state.status == MET and state.met_at + delay <= now):
                if now >= self.ctx.warmup:
                    self.ctx.counters["referrals_blocked"] += 1
                if self.ctx.log_events:
                    self.ctx.log(client, "prerequisite_missing", target, need, "", required)
                return True
        return False

    def met(self, client: Client, state: NeedState, service: str) -> None:
        """``service`` met the need; with ``exit_when_needs_met``, the last one ends the episode."""
        state.status = MET
        state.met_at = self.ctx.env.now
        self._needs_rows.append((client.id, client.episode, state.need, state.onset, self.ctx.env.now, NEED_MET,
                                 service))
        if self.ctx.log_events:
            self.ctx.log(client, "need_met", service, state.need, "", NEED_MET)
        if self.exit_when_met and client.open_needs() == 0:
            self.end_episode(client, NEEDS_MET)
        elif self.need_met is not None:
            self.need_met(client, state.need)
