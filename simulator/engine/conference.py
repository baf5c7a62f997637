"""The case conference (table de concertation): where many organisations adjust together.

A multilateral referral waits for the next conference. The conference is due every ``every`` days from the
first ``weekday`` at ``time``, and meets when the day is one of its meeting ``days`` (working days by default)
and not one of its ``holidays``; otherwise the cases wait for the next meeting. When cases are waiting, each
participating service that is open at the meeting's time gives ``duration`` of one staff member; a service
closed then (a clinic outside its opening hours) misses the meeting, and the missed seat is counted
(``conference_seats_missed``), not charged. Up to ``max_cases`` cases are decided, oldest first; the rest
wait for the next meeting. A case whose referral was lost or whose client left while waiting is skipped.

*Escalation* (regimes with ``escalation``): before deciding, the conference takes up complex clients who are
stuck. A client with at least ``min_open_needs`` open needs is stuck on a need that has been open for
``after`` days with no referral sent for it in that time; the longest-stuck needs (by onset, then client id)
are referred to the conference, as many as it has room for, each to the service most likely to meet it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from simulator.config.schema import Conference, Escalation
from simulator.engine.clients import MET, OPEN, Client, NeedState
from simulator.engine.context import Context
from simulator.engine.staff import StaffTime

#: refer a client's need to a service through the conference: (client, need, target)
Refer = Callable[[Client, NeedState, str], None]


@dataclass(slots=True, eq=False)
class ConferenceCase:
    """A multilateral referral waiting at the table: ``decided`` succeeds when the conference decides it."""

    decided: simpy.Event
    waiting: bool = True  # False once the referral was lost or its client left before a decision


class CaseConference:
    """The waiting cases, the meetings and escalation."""

    def __init__(self, ctx: Context, spec: Conference, escalation: Escalation | None, route: dict[str, str],
                 staff: StaffTime, clients: Mapping[int, Client], refer: Refer):
        self.ctx = ctx
        self.spec = spec
        self.escalation = escalation
        self.route = route
        self.staff = staff
        self.clients = clients
        self.refer = refer
        self.pending: list[ConferenceCase] = []

    def table(self) -> ConferenceCase:
        """Put a new case on the table for the next meeting."""
        case = ConferenceCase(self.ctx.env.event())
        self.pending.append(case)
        return case

    def meetings(self) -> Generator[Any, Any, None]:
        """Meet on schedule: escalate stuck complex clients, then decide up to ``max_cases`` cases."""
        ctx = self.ctx
        env = ctx.env
        spec = self.spec
        yield env.timeout(ctx.calendar.days_until(spec.weekday) + spec.time)
        escalation = self.escalation
        calendar = ctx.calendar
        days = frozenset(spec.days)
        holidays = frozenset(spec.holidays)
        while True:
            day = int(env.now)
            if calendar.weekday(day) not in days or calendar.date(day) in holidays:
                yield env.timeout(spec.every)  # no meeting today: the cases wait for the next one
                continue
            if escalation is not None:
                waiting = sum(1 for case in self.pending if case.waiting)
                if self.escalate(escalation.min_open_needs, escalation.after, spec.max_cases - waiting):
                    yield env.timeout(0)  # let the escalated referrals reach the table before it decides
            if self.pending:
                if env.now >= ctx.warmup:
                    ctx.counters["conferences"] += 1
                for participant in spec.participants:
                    if self.staff.is_open(participant, env.now):
                        self.staff.take(participant, spec.duration, "conference", "multilateral")
                    elif env.now >= ctx.warmup:
                        ctx.counters["conference_seats_missed"] += 1  # the service is closed: the seat is empty
                decided = 0
                keep = []
                for case in self.pending:
                    if not case.waiting:
                        continue  # dropped or closed while waiting
                    if decided < spec.max_cases:
                        case.decided.succeed()
                        decided += 1
                    else:
                        keep.append(case)
                self.pending = keep
            yield env.timeout(spec.every)

    def escalate(self, min_open: int, after: float, room: int) -> int:
        """Refer the longest-stuck needs of complex clients to the conference, at most ``room``; how many."""
        if room <= 0:
            return 0
        cutoff = self.ctx.env.now - after
        route = self.route
        stuck: list[tuple[float, int, Client, NeedState]] = []
        for client in self.clients.values():
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
            self.refer(client, state, route[state.need])
        return len(chosen)
