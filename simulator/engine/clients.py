"""Clients and their needs: the people the model follows, as plain records.

A client keeps their identity (id, gender, age group, Indigenous identity, shelter-use pattern) across
episodes of homelessness; each episode redraws their needs. A need is OPEN (nobody is working on it), PENDING
(a referral or a visit for it is under way) or MET. A lost referral or a visit that neither meets nor refers
the need returns it to OPEN: there is no "lost" state. How episodes start and end is in
:mod:`simulator.engine.episodes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import simpy

    from simulator.engine.handoffs import Referral

#: the status of a need
OPEN, PENDING, MET = 0, 1, 2


class NeedState:
    """One need of one episode: when it began, its status, the referral under way and the last one sent."""

    __slots__ = ("last_referred", "met_at", "need", "onset", "referral", "status")

    def __init__(self, need: str, onset: float):
        self.need = need
        self.onset = onset
        self.status = OPEN
        self.referral: Referral | None = None
        self.last_referred = -math.inf
        self.met_at = math.nan


class Client:
    """A person: attributes for life, and the state of the current episode."""

    __slots__ = ("age_group", "assessed", "avoidant", "episode", "gender", "homeless_since", "id",
                 "indigenous", "location", "needs", "needs_at_entry", "pattern", "processes",
                 "refused_nights", "resolve_budget", "resolve_mean", "resolve_since", "resolve_token",
                 "returns_if_housed", "returns_if_resolved", "shelter_process", "source", "start")
    source: str
    start: float
    homeless_since: float
    needs_at_entry: int
    avoidant: bool
    refused_nights: int
    assessed: bool
    returns_if_resolved: bool  # drawn when the episode starts, so that regimes share it (common random numbers)
    returns_if_housed: bool
    # the self-resolution clock: a unit exponential budget spent at the rate 1 / resolve_mean, which open needs
    # change (see Episodes.need_met); resolve_token invalidates the exit scheduled at the previous rate
    resolve_budget: float
    resolve_mean: float
    resolve_since: float
    resolve_token: int

    def __init__(self, client_id: int, gender: str, age_group: str, indigenous: bool, pattern: str):
        # the per-episode fields (needs, start, processes...) are set when an episode starts
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
        self.resolve_mean = 0.0  # no self-resolution clock until an episode sets one
        self.resolve_token = 0

    def open_needs(self) -> int:
        return sum(1 for state in self.needs.values() if state.status != MET)

    def ratio(self, ratios: Mapping[Any, float], covered: AbstractSet[Any] = frozenset()) -> float:
        """The product of ``ratios`` over the needs not met (and not ``covered``): 1 if none applies."""
        factor = 1.0
        for need, state in self.needs.items():
            if state.status != MET and need in ratios and need not in covered:
                factor *= ratios[need]
        return factor
