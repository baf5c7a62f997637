"""Clients and their needs: the people the model follows, as plain records.

A client keeps their identity (id, gender, age group, Indigenous identity, shelter-use pattern) across
episodes of homelessness; each episode redraws their needs. A need is OPEN (nobody is working on it), PENDING
(a referral or a visit for it is under way) or MET. A lost referral or a visit that neither meets nor refers
the need returns it to OPEN: there is no "lost" state. How episodes start and end is in
:mod:`simulator.engine.episodes`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from simulator.engine.handoffs import Referral

#: the status of a need
OPEN, PENDING, MET = 0, 1, 2


class NeedState:
    """One need of one episode: when it began, its status, the referral under way and the last one sent."""

    __slots__ = ("last_referred", "need", "onset", "referral", "status")

    def __init__(self, need: str, onset: float):
        self.need = need
        self.onset = onset
        self.status = OPEN
        self.referral: Referral | None = None
        self.last_referred = -math.inf


class Client:
    """A person: attributes for life, and the state of the current episode."""

    __slots__ = ("age_group", "assessed", "avoidant", "episode", "gender", "homeless_since", "id",
                 "indigenous", "location", "needs", "needs_at_entry", "pattern", "processes",
                 "refused_nights", "returns_if_housed", "returns_if_resolved", "shelter_process", "source", "start")
    source: str
    start: float
    homeless_since: float
    needs_at_entry: int
    avoidant: bool
    refused_nights: int
    assessed: bool
    returns_if_resolved: bool  # drawn when the episode starts, so that regimes share it (common random numbers)
    returns_if_housed: bool

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

    def open_needs(self) -> int:
        return sum(1 for state in self.needs.values() if state.status != MET)
