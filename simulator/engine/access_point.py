"""The coordinated access point of the formally integrated regime: assessment, eligibility and a score.

Under the integrated regime a referral does not go straight to the receiver. The client first goes to the
access point (one queue, ``staff`` assessors) for a standard assessment, done once per episode (later
referrals of the same episode only take ``data_entry``). Rules then decide: a service may require other needs
to be met first (``eligibility``: the referral ends ``ineligible``), and the client joins the receiver's line
with a priority score computed from the file, not from who knows whom:

    score = complexity x open needs + chronic x [chronic] + years_homeless x years homeless
            + indigenous x [Indigenous] + woman x [woman] - target_pressure x open needs

(the last term: indicators that reward quick, simple cases push complex clients back). A higher score is
served earlier. The assessment's staff time is recorded in the ``staff`` table; it is already held by the
access point's own queue, so it is not taken twice.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simulator.config.schema import Integrated
from simulator.engine.clients import MET, Client, NeedState
from simulator.engine.nodes import NORMAL, ServiceNode
from simulator.engine.outcomes import LOST_HANDOFF, RENEGED, SERVED
from simulator.engine.staff import StaffTime
from simulator.engine.streams import Stream

if TYPE_CHECKING:
    from simulator.engine.handoffs import Referral


class AccessPoint:
    """The assessment queue and the rules of the integrated regime."""

    def __init__(self, spec: Integrated, node: ServiceNode, staff: StaffTime, eligibility: dict[str, list[str]]):
        self.spec = spec
        self.node = node
        self.staff = staff
        self.eligibility = eligibility

    def assess(self, client: Client, state: NeedState, give_up: float, referral: Referral,
               stream: Stream) -> Generator[Any, Any, str]:
        """Queue at the access point and be assessed; ``served``, or how the referral ended there."""
        spec = self.spec
        duration = spec.data_entry
        if not client.assessed:
            duration += spec.assessment.sample(stream)
        self.staff.take(spec.access_point, duration, "assessment", "integrated", occupy=False)
        outcome = yield from self.node.serve(client, state.need, NORMAL, duration, give_up, referral, "integrated")
        referral.start = math.nan  # 'start' is the receiver's; the assessment is in the visits table
        if outcome != SERVED:
            return LOST_HANDOFF if outcome != RENEGED else outcome
        client.assessed = True
        return SERVED

    def eligible(self, client: Client, target: str) -> bool:
        """Whether every need ``target`` requires met first is met (or absent)."""
        for need in self.eligibility.get(target, ()):
            other = client.needs.get(need)
            if other is not None and other.status != MET:
                return False
        return True

    def priority(self, client: Client, now: float) -> float:
        """The client's place in the receiver's line (lower is served first): ``NORMAL - score``."""
        weights = self.spec.priority
        open_needs = client.open_needs()
        score = (weights.complexity * open_needs + weights.chronic * (client.pattern == "chronic")
                 + weights.years_homeless * max(0.0, now - client.homeless_since) / 365
                 + weights.indigenous * client.indigenous + weights.woman * (client.gender == "woman")
                 - self.spec.target_pressure * open_needs)
        return NORMAL - score
