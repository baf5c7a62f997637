"""The referral network, compiled once from the config: who sends which need to whom, and who meets it.

The organic system has no org chart. What a worker does with an open need is written in the config as
referral edges (``senders``, ``needs``, ``to``, ``probability``, ``tie``): from a contact at a service, a need
goes to one receiver, chosen with the edges' probabilities (what is left is "no referral"). A clinic meets a
need it treats with its ``treats`` probability, or refers it onwards along the same edges. This module turns
those lists into lookups the event loop reads without searching: edges by (sender, need) with cumulative
probabilities and tie shares, treat probabilities by (service, need), the walk-in routes of each need, the
service a case conference sends each need to, the eligibility rules of the integrated regime, and each
clinic's service-time distribution with its stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.config.distributions import Distribution
from simulator.config.schema import SERVICE_NEEDS, Clinic, Housing, Scenario
from simulator.engine.streams import Stream, Streams


def cumulative(shares: Mapping[Any, float]) -> tuple[list[str], list[float]]:
    """Names and cumulative shares of a mix (the last set to exactly 1)."""
    names = [str(name) for name in shares]
    sums, total = [], 0.0
    for value in shares.values():
        total += value
        sums.append(total)
    sums[-1] = 1.0
    return names, sums


def conference_route(scenario: Scenario) -> dict[str, str]:
    """Where a case conference sends each need: the clinic most likely to meet it, for housing the programme with
    the largest reserved share."""
    treats = {(name, str(need)): p for name, spec in scenario.services.items() if isinstance(spec, Clinic)
              for need, p in spec.treats.items()}
    housing = {name: spec for name, spec in scenario.services.items() if isinstance(spec, Housing)}
    route: dict[str, str] = {}
    for need_name in SERVICE_NEEDS:
        target_need = str(need_name)
        if target_need == "housing":
            programmes = sorted(housing, key=lambda n: -housing[n].reserved_share)
            if programmes:
                route[target_need] = programmes[0]
        elif any(nd == target_need for (_, nd) in treats):
            route[target_need] = max((p, n) for (n, nd), p in treats.items() if nd == target_need)[1]
    return route



class Edges:
    """The receivers of one (sender, need): targets, cumulative probabilities and tie shares, in file order."""

    __slots__ = ("cumulative", "targets", "ties")

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.cumulative: list[float] = []
        self.ties: list[float] = []

    def add(self, target: str, probability: float, tie: float) -> None:
        self.targets.append(target)
        self.cumulative.append((self.cumulative[-1] if self.cumulative else 0.0) + probability)
        self.ties.append(tie)

    def pick(self, u: float) -> str | None:
        """The receiver a uniform draw ``u`` selects (None: no referral)."""
        for target, edge in zip(self.targets, self.cumulative, strict=True):
            if u < edge:
                return target
        return None

    def tie(self, target: str) -> float:
        """The share of handoffs to ``target`` made between workers who know each other (0 if none)."""
        for candidate, share in zip(self.targets, self.ties, strict=True):
            if candidate == target:
                return share
        return 0.0


class Network:
    """Lookups compiled from the scenario's services, referrals, entry points and eligibility rules."""

    def __init__(self, scenario: Scenario, streams: Streams):
        self.edges: dict[tuple[str, str], Edges] = {}
        for edge in scenario.referrals:
            for sender in edge.senders:
                for need in edge.needs:
                    self.edges.setdefault((sender, need), Edges()).add(edge.to, edge.probability, edge.tie)
        self.treats: dict[tuple[str, str], float] = {}
        for name, spec in scenario.services.items():
            if isinstance(spec, Clinic):
                for need, p in spec.treats.items():
                    self.treats[(name, need)] = p
        #: where a case conference sends each need (:func:`conference_route`)
        self.conference_route = conference_route(scenario)
        #: integrated regime: needs that must be met before a service accepts a client
        self.eligibility: dict[str, list[str]] = {}
        integrated = scenario.handoffs.integrated
        if integrated is not None:
            for rule in integrated.eligibility:
                self.eligibility.setdefault(rule.service, []).extend(rule.requires_met)
        #: walk-ins: need -> (service, probability, delay) in file order; the first drawn is taken
        self.walk_ins: dict[str, list[tuple[str, float, Distribution]]] = {}
        for walk in scenario.entry:
            self.walk_ins.setdefault(walk.need, []).append((walk.service, walk.probability, walk.delay))
        self._service_times: dict[str, tuple[Distribution, Stream]] = {
            name: (spec.service_time, streams[f"service:{name}"])
            for name, spec in scenario.services.items() if isinstance(spec, Clinic)
        }

    def service_time(self, service: str) -> float:
        """A draw of the clinic's service time (days)."""
        dist, stream = self._service_times[service]
        return dist.sample(stream)

    def treat_probability(self, service: str, need: str) -> float:
        return self.treats.get((service, need), 0.0)
