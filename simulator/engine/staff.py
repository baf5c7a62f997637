"""Coordination is not free: the staff time that handoffs, assessments and case conferences take.

Every kind of adjustment costs someone's time: the sender's (writing a referral, a call), the receiver's
(taking the call, reading the file), an accompaniment, a seat at the case conference, an assessment at the
access point. Each piece is written to the ``staff`` table (hours, purpose, adjustment type) once the warm-up is
over, and, at a service whose staff serve a queue (a clinic or the access point), it takes one staff member
away from clients for that long: ahead of waiting clients where the line is ordered by priority, in arrival
order otherwise (see :meth:`simulator.engine.nodes.ServiceNode.occupy`). Shelter, outreach and housing staff
serve no queue in the model: their time is recorded, not simulated.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.engine.context import Context
from simulator.engine.nodes import ServiceNode


class StaffTime:
    """Records coordination work and takes it from the service's staff, if it has a queue."""

    def __init__(self, ctx: Context, nodes: Mapping[str, ServiceNode]):
        self.ctx = ctx
        self.nodes = nodes
        self._rows = ctx.rows["staff"]

    def is_open(self, service: str, t: float) -> bool:
        """Whether ``service`` is open at time ``t``: always, unless it is a queue with opening hours."""
        node = self.nodes.get(service)
        return node is None or node.is_open(t)

    def take(self, service: str, days: float, purpose: str, adjustment: str, occupy: bool = True) -> None:
        """``days`` of one staff member of ``service`` for ``purpose`` (``occupy=False``: recorded only, as
        for an assessment, whose time the access point's queue already holds)."""
        if days <= 0:
            return
        ctx = self.ctx
        if ctx.env.now >= ctx.warmup:
            self._rows.append((service, ctx.env.now, days * 24, purpose, adjustment))
        node = self.nodes.get(service) if occupy else None
        if node is not None:
            ctx.env.process(node.occupy(days))
