"""One replication of a scenario: the parts of the model, wired together and run.

:class:`Simulation` only assembles. Each concept of the model lives in its own module, and none of them
imports this one:

==========================================  ===============================================================
:mod:`~simulator.engine.calendar`           dates, weekdays, months and the winter season
:mod:`~simulator.engine.clients`            clients and their needs
:mod:`~simulator.engine.episodes`           arrivals, the initial stock, episodes, exits and returns
:mod:`~simulator.engine.locations`          where each client sleeps; the nightly census
:mod:`~simulator.engine.shelters`           shelter beds, the common line, intake windows, refusals
:mod:`~simulator.engine.shelter_use`        stays, gaps, avoidance and winter seeking
:mod:`~simulator.engine.network`            the referral network compiled from the config
:mod:`~simulator.engine.pathways`           one need from a first contact until met, lost or left open
:mod:`~simulator.engine.handoffs`           the referral record and the four types of adjustment
:mod:`~simulator.engine.staff`              the staff time that coordination takes
:mod:`~simulator.engine.access_point`       the integrated regime's assessment, eligibility and score
:mod:`~simulator.engine.conference`         the case conference and escalation
:mod:`~simulator.engine.nodes`              clinics and the access point: staff, queues, opening hours
:mod:`~simulator.engine.housing`            housing programmes: waiting lists, places, vacancies
:mod:`~simulator.engine.outreach`           street outreach
:mod:`~simulator.engine.outcomes`           the outcome vocabulary shared with :mod:`simulator.metrics`
:mod:`~simulator.engine.context`            what every part shares (clock, streams, records, calendar)
==========================================  ===============================================================

The full rules are in ``docs/model.md``.
"""

from __future__ import annotations

import gc
import math

import simpy

from simulator.config.resources import paid, staffing
from simulator.config.schema import AccessPoint as AccessPointSpec
from simulator.config.schema import Clinic, Housing, Outreach, Scenario, Shelter
from simulator.engine.access_point import AccessPoint
from simulator.engine.calendar import Calendar
from simulator.engine.conference import CaseConference
from simulator.engine.context import Context
from simulator.engine.episodes import Episodes
from simulator.engine.handoffs import Handoffs
from simulator.engine.housing import HousingProgramme
from simulator.engine.locations import Whereabouts
from simulator.engine.network import Network
from simulator.engine.nodes import ServiceNode
from simulator.engine.outreach import outreach
from simulator.engine.pathways import Pathways
from simulator.engine.records import RunRecords
from simulator.engine.shelter_use import ShelterCycles
from simulator.engine.shelters import ShelterSystem
from simulator.engine.staff import StaffTime
from simulator.engine.streams import Streams


class Simulation:
    """Builds the parts of a scenario's model and runs one replication of it."""

    def __init__(self, scenario: Scenario, seed: int, replication: int = 0):
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.ctx = ctx = Context(self.env, Streams(seed, replication), Calendar(scenario.start_date, scenario.winter),
                                 scenario.warmup, scenario.end_time, scenario.outputs.event_log)
        self.regime = regime = scenario.active_regime
        self.whereabouts = Whereabouts(ctx)

        # services, in the order of the file (each starts its own processes as it is built)
        self.nodes: dict[str, ServiceNode] = {}
        self.housing: dict[str, HousingProgramme] = {}
        shelters: dict[str, Shelter] = {}
        self.outreach_specs: dict[str, Outreach] = {}
        #: the staff of each staffed service under this regime (re-staffed if resources are equalised)
        self.staffing = staffing(scenario)
        for name, spec in scenario.services.items():
            if isinstance(spec, Clinic):
                self.nodes[name] = ServiceNode(ctx, name, "clinic", self.staffing[name], spec.hours,
                                               spec.discipline, spec.patience, spec.waitlist_cap)
            elif isinstance(spec, AccessPointSpec):
                # an access point the regime does not use is paid nothing (staff 0) and receives nobody
                self.nodes[name] = ServiceNode(ctx, name, "access_point", self.staffing[name] or spec.staff,
                                               spec.hours, "priority", spec.patience)
            elif isinstance(spec, Shelter):
                shelters[name] = spec
            elif isinstance(spec, Outreach):
                self.outreach_specs[name] = spec
            elif isinstance(spec, Housing):
                self.housing[name] = HousingProgramme(ctx, name, spec,
                                                      lambda c, p, s: self.episodes.housed(c, p, s))
        self.shelters = ShelterSystem(ctx, shelters, scenario.outputs.census_time, self.whereabouts.move,
                                      self.whereabouts.census) if shelters else None

        # the coordination between them
        self.network = network = Network(scenario, ctx.streams)
        self.staff = staff = StaffTime(ctx, self.nodes)
        self.episodes = Episodes(ctx, scenario, self.whereabouts, self.shelters)
        integrated = scenario.handoffs.integrated
        access_point = AccessPoint(integrated, self.nodes[integrated.access_point], staff, network.eligibility) \
            if integrated is not None and integrated.access_point in self.nodes else None
        self.conference = CaseConference(
            ctx, regime.conference or scenario.handoffs.multilateral.conference, regime.escalation,
            network.conference_route, staff, self.episodes.active,
            lambda client, state, target: self.pathways.refer_by_conference(client, state, target))
        self.handoffs = Handoffs(ctx, scenario, network, self.nodes, self.housing, staff, self.conference,
                                 access_point)
        exits = scenario.population.exits
        prerequisites = {(rule.service, str(rule.need)): (tuple(map(str, rule.requires_met)), rule.delay)
                         for rule in scenario.prerequisites}
        self.pathways = Pathways(ctx, network, self.nodes, self.handoffs, scenario.handoffs.unilateral.intake,
                                 scenario.handoffs.re_referral_after, exits.exit_when_needs_met, self.episodes.end,
                                 prerequisites, self.episodes.need_met)
        self.episodes.pathways = self.pathways
        if self.shelters is not None:
            self.episodes.cycles = ShelterCycles(ctx, self.shelters, self.whereabouts.move, self.pathways.contact)

    def run(self) -> RunRecords:
        env = self.env
        ctx = self.ctx
        self.episodes.initial_stock()
        self.episodes.cohort()
        env.process(self.episodes.arrivals())
        for name, spec in self.outreach_specs.items():
            env.process(outreach(ctx, name, spec, self.episodes.active, self.whereabouts, self.shelters,
                                 self.pathways.contact))
        assignment = self.regime.assignment
        if self.regime.escalation is not None or assignment == "multilateral" or (
                isinstance(assignment, dict) and assignment.get("multilateral", 0) > 0):
            env.process(self.conference.meetings())
        # the run allocates millions of short-lived objects and few cycles: collect garbage less often
        thresholds = gc.get_threshold()
        gc.set_threshold(100_000, 50, 100)
        try:
            env.run(until=ctx.end_time)
        finally:
            gc.set_threshold(*thresholds)
        return self.finish()

    def finish(self) -> RunRecords:
        """Censor everything still open at the horizon and hand back the records."""
        ctx = self.ctx
        self.episodes.censor()
        for node in self.nodes.values():
            node.censor()
        for programme in self.housing.values():
            programme.censor()
        observed = (ctx.warmup, ctx.end_time)
        rows = ctx.rows["nodes"]
        for name, node in self.nodes.items():
            rows.append((name, node.kind, node.staff, node.staff * node.open_hours(*observed),
                         node.time_avg_present(), node.arrivals_observed, node.offered * 24))
        for name, programme in self.housing.items():
            rows.append((name, "housing", programme.spec.slots or 0, math.nan, programme.time_avg_present(),
                         programme.arrivals_observed, math.nan))
        scenario = self.scenario
        pay = paid(scenario, self.staffing, ctx.end_time - ctx.warmup)
        ctx.counters.update(staff_fte=float(pay.fte), staff_hours=pay.hours, staff_cost=pay.cost)
        ctx.counters["reserved_places_idle"] = sum(programme.idle_reserved.time_average(ctx.end_time)
                                                   for programme in self.housing.values())
        start = scenario.start_date
        calendar = {"start_date": start.isoformat(), "winter_start": scenario.winter.start,
                    "winter_end": scenario.winter.end,
                    "count_date": scenario.outputs.count_date or f"{start.month:02d}-{start.day:02d}"}
        return RunRecords(
            scenario=scenario.name, regime=scenario.regime, replication=self.replication, seed=self.seed,
            warmup=ctx.warmup, end_time=ctx.end_time, tables=ctx.rec.columns(), counters=dict(ctx.counters),
            calendar=calendar)


def simulate_records(scenario: Scenario, seed: int, replication: int = 0) -> RunRecords:
    """Run one replication and return its raw records (no pandas)."""
    return Simulation(scenario, seed, replication).run()
