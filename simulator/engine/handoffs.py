"""Handoffs: one referral from one worker to another, carried by one of four types of adjustment.

Every referral is a :class:`Referral` record. The regime assigns its adjustment type (:meth:`Handoffs.assign`):
``ties`` (bilateral where the two workers of the edge know each other, with the edge's ``tie`` share, else
unilateral), one type for all, or a mix. The type's parameters (``handoffs.<type>`` in the config) then set:

* **staff time**: the sender's and the receiver's, and an accompaniment with its probability, taken when the
  referral is sent (:mod:`simulator.engine.staff`);
* **loss**: a clock (``loss.hazard`` per day) that drops the referral if it has not reached the receiver's
  service in time (the client gave up, the paper was lost), and ``loss.base``, the chance that the client
  never shows up at all;
* **latency**: the time before the client reaches the receiver;
* **priority** at the receiver: normal, ``queue_jump`` (a call makes room), the conference's priority, or the
  integrated score;
* **intake**: the receiver's time to take the client in, added to the service time (less where information
  travels with the client).

The path of each type is one function below: :meth:`Handoffs.unilateral_or_bilateral` (the two mutual
adjustments between two workers differ only in their parameters), :meth:`Handoffs.multilateral` (wait for the
case conference, then go with the conference's priority and its reserved housing places) and
:meth:`Handoffs.integrated` (the access point first). The referral ends ``served`` or ``housed`` at the receiver,
or lost (``lost_handoff``, ``lost_waiting``, ``reneged``, ``balked``, ``ineligible``), or ``client_exited``.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from simulator.config.schema import HandoffType, Scenario
from simulator.engine.access_point import AccessPoint
from simulator.engine.clients import Client, NeedState
from simulator.engine.conference import CaseConference
from simulator.engine.context import Context
from simulator.engine.housing import HousingProgramme
from simulator.engine.network import Network, cumulative
from simulator.engine.nodes import INF, MULTILATERAL, NORMAL, QUEUE_JUMP, ServiceNode
from simulator.engine.outcomes import CLIENT_EXITED, INELIGIBLE, LOST_HANDOFF, SERVED
from simulator.engine.staff import StaffTime
from simulator.engine.streams import Stream


@dataclass(slots=True, eq=False)
class Referral:
    """One handoff, as written to the ``referrals`` table (:meth:`row`)."""

    id: int
    client: int
    episode: int
    need: str
    source: str
    target: str
    adjustment: str
    priority: float
    created: float
    arrived: float = math.nan  # reached the receiver's service (its line or waiting list)
    start: float = math.nan  # the receiver began (a visit started, a place was matched)
    end: float = math.nan
    outcome: str | None = None

    def row(self) -> tuple[Any, ...]:
        return (self.id, self.client, self.episode, self.need, self.source, self.target, self.adjustment,
                self.priority, self.created, self.arrived, self.start, self.end, self.outcome)


class Handoffs:
    """Sends referrals under the active regime and carries each one to its end."""

    def __init__(self, ctx: Context, scenario: Scenario, network: Network, nodes: Mapping[str, ServiceNode],
                 housing: Mapping[str, HousingProgramme], staff: StaffTime, conference: CaseConference,
                 access_point: AccessPoint | None):
        self.ctx = ctx
        self.network = network
        self.nodes = nodes
        self.housing = housing
        self.staff = staff
        self.conference = conference
        self.access_point = access_point
        handoffs = scenario.handoffs
        self.types: dict[str, HandoffType] = {
            "unilateral": handoffs.unilateral, "bilateral": handoffs.bilateral,
            "multilateral": handoffs.multilateral}
        if handoffs.integrated is not None:
            self.types["integrated"] = handoffs.integrated
        self.reserved_slot = handoffs.multilateral.reserved_slot
        assignment = scenario.active_regime.assignment
        self._assignment = assignment
        self._mix = cumulative(assignment) if isinstance(assignment, dict) else None
        self._stream = ctx.streams["handoffs"]
        self._rows = ctx.rows["referrals"]
        self._count = 0

    def assign(self, state: NeedState, source: str, target: str, stream: Stream) -> str:
        """The adjustment type of a new handoff under the active regime.

        Escalation to the case conference is decided by the conference itself (see
        :mod:`simulator.engine.conference`), not here.
        """
        assignment = self._assignment
        if assignment == "ties":
            edges = self.network.edges.get((source, state.need))
            tie = edges.tie(target) if edges is not None else 0.0
            return "bilateral" if tie > 0 and stream.uniform() < tie else "unilateral"
        if self._mix is not None:
            names, sums = self._mix
            return names[stream.choice(sums)]
        return str(assignment)

    def send(self, client: Client, state: NeedState, source: str, target: str,
             adjustment: str | None = None) -> Generator[Any, Any, str]:
        """Carry one referral from ``source`` to ``target``; return the outcome at the receiver."""
        ctx = self.ctx
        env = ctx.env
        now = env.now
        stream = self._stream
        if adjustment is None:
            adjustment = self.assign(state, source, target, stream)
        params = self.types[adjustment]
        self._count += 1
        referral = Referral(self._count, client.id, client.episode, state.need, source, target, adjustment,
                            NORMAL, now)
        state.referral = referral
        state.last_referred = now
        if ctx.log_events:
            ctx.log(client, "referral_sent", target, state.need, adjustment, source)
        self.staff.take(source, params.staff_time.sender, "sender", adjustment)
        self.staff.take(target, params.staff_time.receiver, "receiver", adjustment)
        if params.accompaniment is not None and stream.uniform() < params.accompaniment.probability:
            self.staff.take(source, params.accompaniment.staff_time, "accompaniment", adjustment)
        give_up = now + stream.std_exponential() / params.loss.hazard if params.loss.hazard > 0 else INF
        try:
            if adjustment == "multilateral":
                outcome = yield from self.multilateral(client, state, referral, params, give_up, stream)
            elif adjustment == "integrated":
                outcome = yield from self.integrated(client, state, referral, params, give_up, stream)
            else:
                outcome = yield from self.unilateral_or_bilateral(client, state, referral, params, give_up,
                                                                  stream)
        except simpy.Interrupt:
            self._close(referral, state, CLIENT_EXITED)
            raise
        self._close(referral, state, outcome)
        if ctx.log_events:
            ctx.log(client, "referral_closed", target, state.need, adjustment, outcome)
        return outcome

    def _close(self, referral: Referral, state: NeedState, outcome: str) -> None:
        referral.end = self.ctx.env.now
        referral.outcome = outcome
        self._rows.append(referral.row())
        state.referral = None

    # -- one function per type -------------------------------------------------------------------------
    def unilateral_or_bilateral(self, client: Client, state: NeedState, referral: Referral, params: HandoffType,
                                give_up: float, stream: Stream) -> Generator[Any, Any, str]:
        """Between two workers: a queue jump with its probability, the latency, the loss, then the receiver."""
        priority = QUEUE_JUMP if params.queue_jump > 0 and stream.uniform() < params.queue_jump else NORMAL
        referral.priority = priority
        if not (yield from self._travel(params.latency.sample(stream), give_up)):
            return LOST_HANDOFF
        if stream.uniform() < params.loss.base:
            return LOST_HANDOFF  # the client never shows up
        referral.arrived = self.ctx.env.now
        return (yield from self._receive(client, state, referral, priority, params, give_up, False))

    def multilateral(self, client: Client, state: NeedState, referral: Referral, params: HandoffType,
                     give_up: float, stream: Stream) -> Generator[Any, Any, str]:
        """Wait for the conference's decision, then the latency and the loss; the conference's priority and
        (with ``reserved_slot``) its reserved housing places at the receiver."""
        env = self.ctx.env
        case = self.conference.table()
        try:
            if give_up < INF:
                result = yield case.decided | env.timeout(give_up - env.now)
                if case.decided not in result:
                    case.waiting = False
                    return LOST_HANDOFF
            else:
                yield case.decided
        except simpy.Interrupt:
            case.waiting = False
            raise
        if not (yield from self._travel(params.latency.sample(stream), give_up)):
            return LOST_HANDOFF
        if stream.uniform() < params.loss.base:
            return LOST_HANDOFF
        referral.priority = MULTILATERAL
        referral.arrived = env.now
        return (yield from self._receive(client, state, referral, MULTILATERAL, params, give_up,
                                         self.reserved_slot))

    def integrated(self, client: Client, state: NeedState, referral: Referral, params: HandoffType,
                   give_up: float, stream: Stream) -> Generator[Any, Any, str]:
        """The lead time to the access point, the loss, the assessment, the eligibility rules, then the
        receiver with the score's priority."""
        point = self.access_point
        assert point is not None
        if not (yield from self._travel(params.latency.sample(stream), give_up)):
            return LOST_HANDOFF
        if stream.uniform() < params.loss.base:
            return LOST_HANDOFF
        outcome = yield from point.assess(client, state, give_up, referral, stream)
        if outcome != SERVED:
            return outcome
        if not point.eligible(client, referral.target):
            return INELIGIBLE
        now = self.ctx.env.now
        priority = point.priority(client, now)
        referral.priority = priority
        referral.arrived = now
        return (yield from self._receive(client, state, referral, priority, params, give_up, False))

    # -- shared steps ----------------------------------------------------------------------------------
    def _travel(self, delay: float, give_up: float) -> Generator[Any, Any, bool]:
        """Wait ``delay`` days unless the loss clock runs out first; return whether the referral survived."""
        env = self.ctx.env
        if env.now + delay >= give_up:
            yield env.timeout(max(0.0, give_up - env.now))
            return False
        if delay > 0:
            yield env.timeout(delay)
        return True

    def _receive(self, client: Client, state: NeedState, referral: Referral, priority: float,
                 params: HandoffType, give_up: float, reserved_ok: bool) -> Generator[Any, Any, str]:
        target = referral.target
        programme = self.housing.get(target)
        if programme is not None:
            # once on a waiting list the handoff is complete; the list's own patience governs dropping out
            return (yield from programme.apply(client, state.need, priority, reserved_ok, referral,
                                               referral.adjustment))
        duration = params.intake + self.network.service_time(target)
        return (yield from self.nodes[target].serve(client, state.need, priority, duration, give_up, referral,
                                                    referral.adjustment))
