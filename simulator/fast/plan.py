"""A scenario as the compiled kernel reads it: numbers and arrays, indexed by clinic, need and distribution.

:func:`plan` reads a scenario that :func:`simulator.fast.support.unsupported` accepts and lays out what
:func:`simulator.fast.kernel.run_kernel` needs, in the orders the SimPy engine uses (services, needs, entry
points and referral edges in file order; attribute mixes and need prevalence as
:mod:`simulator.engine.episodes` builds them), so that each random stream is drawn in the same order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from simulator.config.distributions import Distribution, Exponential, Fixed, Gamma, Lognormal, Triangular, Uniform
from simulator.config.resources import staffing
from simulator.config.schema import (
    PATTERNS,
    SERVICE_NEEDS,
    WEEKDAYS,
    AccessPoint,
    Clinic,
    Housing,
    Outreach,
    Scenario,
    Season,
    Shelter,
)
from simulator.engine.calendar import Calendar
from simulator.engine.network import conference_route, cumulative
from simulator.fast import kernel

NEEDS: tuple[str, ...] = tuple(str(need) for need in SERVICE_NEEDS)
_NEED_INDEX = {need: i for i, need in enumerate(NEEDS)}


@dataclass
class Plan:
    """Everything one replication of a scenario needs, except its random streams."""

    clinics: list[str]
    staff: list[int]
    #: every service the kernel numbers: the clinics, then the shelters, then the outreach services, then the
    #: housing programmes
    services: list[str]
    shelters: list[str]
    housing: list[str]
    genders: list[str]
    ages: list[str]
    #: the source names of the kernel's streams, by stream index
    streams: list[str]
    #: keyword arguments of :func:`simulator.fast.kernel.run_kernel` (all but the random state)
    arguments: dict[str, Any] = field(default_factory=dict)


class _Distributions:
    """Distributions as (kind, up to 3 parameters) rows, in the order they are first used."""

    def __init__(self) -> None:
        self.kinds: list[int] = []
        self.params: list[tuple[float, float, float]] = []

    def add(self, dist: Distribution) -> int:
        if isinstance(dist, Fixed):
            row = (kernel.FIXED, (dist.value, 0.0, 0.0))
        elif isinstance(dist, Exponential):
            row = (kernel.EXPONENTIAL, (dist.mean, 0.0, 0.0))
        elif isinstance(dist, Lognormal):
            mu, sigma = dist.mu_sigma
            row = (kernel.LOGNORMAL, (mu, sigma, 0.0))
        elif isinstance(dist, Gamma):
            shape = 1 / dist.cv**2  # the arithmetic of Gamma.sample
            row = (kernel.GAMMA, (shape, dist.mean / shape, 0.0))
        elif isinstance(dist, Uniform):
            row = (kernel.UNIFORM, (dist.low, dist.high, 0.0))
        elif isinstance(dist, Triangular):
            row = (kernel.TRIANGULAR, (dist.low, dist.mode, dist.high))
        else:  # pragma: no cover - the schema has no other distribution
            raise TypeError(f"unknown distribution {dist!r}")
        self.kinds.append(row[0])
        self.params.append(row[1])
        return len(self.kinds) - 1


def _as_clinic(spec: Clinic | AccessPoint) -> Clinic:
    """An access point as the kernel's clinic: its staff, hours and patience, the priority discipline, no
    service time of its own (never drawn), no waiting-list cap, treats nothing."""
    if isinstance(spec, Clinic):
        return spec
    return Clinic(kind="clinic", staff=spec.staff, hours=spec.hours, patience=spec.patience,
                  service_time=Fixed(value=0.0), discipline="priority")


def month_of_day(scenario: Scenario) -> np.ndarray:
    """The month (0 = January) of every day of the run, as ``Calendar.month`` reads it."""
    days = int(scenario.end_time) + 2
    start = np.datetime64(scenario.start_date.isoformat(), "D")
    dates = start + np.arange(days)
    months: np.ndarray = dates.astype("datetime64[M]").astype(np.int64) % 12
    return months


#: the seasons of the calendars planned in this process (a sweep plans the same calendar at every point)
_SEASONS: dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray]] = {}


def seasons(scenario: Scenario, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether each day is in the winter season, and the first midnight after each day at which the season
    begins or ends (``Calendar.in_winter`` and ``Calendar.season_change``; inf if it never does)."""
    key = (scenario.start_date.isoformat(), repr(scenario.winter), days)
    if key not in _SEASONS:
        if len(_SEASONS) > 64:
            _SEASONS.clear()
        _SEASONS[key] = _seasons(scenario, days)
    winter, change = _SEASONS[key]
    return winter.copy(), change.copy()


def _seasons(scenario: Scenario, days: int) -> tuple[np.ndarray, np.ndarray]:
    calendar = Calendar(scenario.start_date, scenario.winter)
    winter = np.array([calendar.in_winter(day) for day in range(days + 370)], dtype=np.bool_)
    # the next change after each day, from the last day back; none within 367 days: inf
    following = np.full(len(winter), np.inf)
    for day in range(len(winter) - 2, -1, -1):
        following[day] = day + 1 if winter[day + 1] != winter[day] else following[day + 1]
    change: np.ndarray = following[:days]
    change[change > np.arange(days) + 367] = np.inf
    return winter, change


def _meeting_days(start_date: date, winter: Season, days: frozenset[str], holidays: frozenset[date],
                  count: int) -> np.ndarray:
    """Whether the conference may meet on each of the first ``count`` days: a day of ``days`` not in
    ``holidays``."""
    meets: np.ndarray = _meeting_days_kept(start_date, winter, days, holidays, count).copy()
    return meets


@functools.lru_cache(maxsize=64)
def _meeting_days_kept(start_date: date, winter: Season, days: frozenset[str], holidays: frozenset[date],
                       count: int) -> np.ndarray:
    """:func:`_meeting_days`, kept (the same for every replication of a scenario; a day at a time, it was a
    large part of a plan's time)."""
    calendar = Calendar(start_date, winter)
    return np.array([calendar.weekday(day) in days and calendar.date(day) not in holidays for day in range(count)],
                    dtype=np.bool_)


def plan(scenario: Scenario) -> Plan:
    """The kernel's arguments for ``scenario`` (which must be supported: see :mod:`simulator.fast.support`)."""
    # the access point is a clinic of the kernel's (its queue, staff, hours and patience), in file order; it
    # treats nothing and has no service time of its own (section 5.8 sets the duration of its visits)
    clinics = [name for name, spec in scenario.services.items() if isinstance(spec, Clinic | AccessPoint)]
    shelters = [name for name, spec in scenario.services.items() if isinstance(spec, Shelter)]
    outreach = [name for name, spec in scenario.services.items() if isinstance(spec, Outreach)]
    housing = [name for name, spec in scenario.services.items() if isinstance(spec, Housing)]
    services = clinics + shelters + outreach + housing
    index = {name: i for i, name in enumerate(services)}
    specs = [_as_clinic(spec) for spec in scenario.services.values() if isinstance(spec, Clinic | AccessPoint)]
    staff_of = staffing(scenario)
    # (an access point the regime does not use is paid nothing, yet its queue keeps its declared staff)
    staff = [staff_of[name] or spec.staff for name, spec in zip(clinics, specs, strict=True)]
    dists = _Distributions()
    streams = ["arrivals", "attributes", "routing", "handoffs", "stock", "returns"]
    for name in clinics:
        streams += [f"service:{name}", f"patience:{name}"]
    assert len(streams) == kernel.SERVICE0 + 2 * len(clinics)
    shelter_stream0 = len(streams)
    if shelters:  # (a generator per stream is made for each replication: none where there is nothing to draw)
        streams += [f"shelter:{pattern}" for pattern in PATTERNS]
    outreach_stream0 = len(streams)
    streams += [f"outreach:{name}" for name in outreach]
    hp_stream0 = len(streams)
    for name in housing:
        streams += [f"housing:{name}", f"patience:{name}"]
    population = scenario.population
    cohort = population.cohort
    cohort_stream = len(streams)
    if cohort is not None:
        streams.append("cohort")

    attributes = population.attributes
    genders, gender_cum = cumulative(attributes.gender)
    ages, age_cum = cumulative(attributes.age_group)
    # a client's pattern is its index in PATTERNS; each mix (the inflow's, the initial stock's) lists its own
    patterns, pattern_cum = cumulative(attributes.pattern)
    stock = population.initial_stock
    stock_patterns, stock_pattern_cum = cumulative(stock.pattern or attributes.pattern)
    stock_since_dist = dists.add(stock.time_homeless)

    # need prevalence by pattern (Episodes._prevalence): the base, overridden by pattern; only p > 0; and the
    # cohort's (Episodes._enter_cohort), the last row: its pattern's, overridden by its own
    prevalence_count = np.zeros(len(PATTERNS) + 1, dtype=np.int64)
    prevalence_need = np.zeros((len(PATTERNS) + 1, len(NEEDS)), dtype=np.int64)
    prevalence_p = np.zeros((len(PATTERNS) + 1, len(NEEDS)))
    by_pattern = {str(pattern): dict(needs) for pattern, needs in population.needs.by_pattern.items()}
    mixes = [{**population.needs.base, **by_pattern.get(pattern, {})} for pattern in PATTERNS]
    if cohort is not None:
        mixes.append({**population.needs.base, **population.needs.by_pattern.get(cohort.pattern, {}), **cohort.needs})
    for k, merged in enumerate(mixes):
        chosen = [(str(need), p) for need, p in merged.items() if p > 0]
        prevalence_count[k] = len(chosen)
        for j, (need, p) in enumerate(chosen):
            prevalence_need[k, j] = _NEED_INDEX[need]
            prevalence_p[k, j] = p

    # walk-ins (Network.walk_ins): need -> entry points in file order (row 0); for the cohort (row 1), its own
    # entry points first, then everyone's (Pathways.walk_ins)
    by_need: dict[int, list[tuple[int, float, int, bool]]] = {i: [] for i in range(len(NEEDS))}
    for walk in scenario.entry:
        by_need[_NEED_INDEX[str(walk.need)]].append(
            (index[walk.service], walk.probability, dists.add(walk.delay), walk.delay.mean > 0))
    cohort_by_need: dict[int, list[tuple[int, float, int, bool]]] = {i: [] for i in range(len(NEEDS))}
    for walk in cohort.entry if cohort is not None else []:
        cohort_by_need[_NEED_INDEX[str(walk.need)]].append(
            (index[walk.service], walk.probability, dists.add(walk.delay), walk.delay.mean > 0))
    route_first = np.zeros((2, len(NEEDS)), dtype=np.int64)
    route_count = np.zeros((2, len(NEEDS)), dtype=np.int64)
    routes: list[tuple[int, float, int, bool]] = []
    for k in range(len(NEEDS)):
        route_first[0, k], route_count[0, k] = len(routes), len(by_need[k])
        routes += by_need[k]
    for k in range(len(NEEDS)):
        route_first[1, k], route_count[1, k] = len(routes), len(cohort_by_need[k]) + len(by_need[k])
        routes += cohort_by_need[k] + by_need[k]

    service_dist = np.array([dists.add(spec.service_time) for spec in specs], dtype=np.int64)
    patience_dist = np.array([dists.add(spec.patience) if spec.patience is not None else -1 for spec in specs],
                             dtype=np.int64)
    cap = np.array([spec.waitlist_cap if spec.waitlist_cap is not None else -1 for spec in specs], dtype=np.int64)
    treats = np.zeros((len(clinics), len(NEEDS)))
    for c, spec in enumerate(specs):
        for need, p in spec.treats.items():
            treats[c, _NEED_INDEX[str(need)]] = p

    # referral edges (Network.edges): (sender, need) -> receivers with cumulative probabilities, file order
    edges: dict[int, list[tuple[int, float, float]]] = {}
    for edge in scenario.referrals:
        for sender in edge.senders:
            for need in edge.needs:
                edges.setdefault(index[sender] * len(NEEDS) + _NEED_INDEX[str(need)], []).append(
                    (index[edge.to], edge.probability, edge.tie))
    edge_first = np.zeros(len(services) * len(NEEDS), dtype=np.int64)
    edge_count = np.zeros(len(services) * len(NEEDS), dtype=np.int64)
    edge_target: list[int] = []
    edge_cum: list[float] = []
    edge_tie: list[float] = []
    for key in range(len(services) * len(NEEDS)):
        edge_first[key] = len(edge_target)
        total = 0.0
        for target, probability, tie in edges.get(key, []):
            total += probability  # the running sum of Edges.add
            edge_target.append(target)
            edge_cum.append(total)
            edge_tie.append(tie)
        edge_count[key] = len(edge_target) - edge_first[key]

    # opening hours (ServiceNode): a priority line where the discipline or the hours ask for one
    has_hours = np.array([spec.hours is not None for spec in specs], dtype=np.bool_)
    hours_open = np.array([spec.hours.open if spec.hours is not None else 0.0 for spec in specs])
    hours_close = np.array([spec.hours.close if spec.hours is not None else 1.0 for spec in specs])
    open_days = np.zeros((len(clinics), len(WEEKDAYS)), dtype=np.bool_)
    for c, spec in enumerate(specs):
        for k, weekday in enumerate(WEEKDAYS):
            open_days[c, k] = spec.hours is None or weekday in spec.hours.days
    prioritised = np.array([spec.discipline == "priority" or spec.hours is not None for spec in specs],
                           dtype=np.bool_)
    honours_priority = np.array([spec.discipline == "priority" for spec in specs], dtype=np.bool_)

    # the handoff types (unilateral, bilateral, multilateral) and how the regime assigns them (Handoffs.assign)
    # (the integrated type's row: its parameters, or the unilateral ones where the scenario has none: never used)
    integrated = scenario.handoffs.integrated
    types = (scenario.handoffs.unilateral, scenario.handoffs.bilateral, scenario.handoffs.multilateral,
             integrated if integrated is not None else scenario.handoffs.unilateral)
    handoff_f = np.zeros((len(types), 8))
    handoff_i = np.zeros((len(types), 2), dtype=np.int64)
    for t, handoff in enumerate(types):
        accompaniment = handoff.accompaniment
        handoff_f[t] = (handoff.loss.base, handoff.loss.hazard, handoff.intake, handoff.staff_time.sender,
                        handoff.staff_time.receiver, accompaniment.probability if accompaniment else 0.0,
                        accompaniment.staff_time if accompaniment else 0.0, handoff.queue_jump)
        handoff_i[t] = (dists.add(handoff.latency), accompaniment is not None)
    assignment = scenario.active_regime.assignment
    assign_mode, assign_type = kernel.ASSIGN_ONE, kernel.UNILATERAL
    mix_names: list[str] = []
    mix_cum: list[float] = []
    if assignment == "ties":
        assign_mode = kernel.ASSIGN_TIES
    elif isinstance(assignment, dict):
        assign_mode = kernel.ASSIGN_MIX
        mix_names, mix_cum = cumulative(assignment)
    elif assignment == "bilateral":
        assign_type = kernel.BILATERAL
    elif assignment == "multilateral":
        assign_type = kernel.MULTILATERAL
    elif assignment == "integrated":
        assign_type = kernel.INTEGRATED
    type_index = {"unilateral": kernel.UNILATERAL, "bilateral": kernel.BILATERAL,
                  "multilateral": kernel.MULTILATERAL, "integrated": kernel.INTEGRATED}

    # the integrated path (AccessPoint): the access point's clinic (-1: none), data entry and the score's weights
    # (PT_ columns), the assessment's distribution, and the eligibility rules (Network.eligibility) as
    # (receiver, need): the need, if the client has it, must be met first
    pt_clinic, pt_assessment = -1, 0
    pt_f = np.zeros(kernel.PT_COLUMNS)
    pt_eligible = np.zeros((len(services), len(NEEDS)), dtype=np.bool_)
    if integrated is not None and integrated.access_point in clinics:
        pt_clinic = clinics.index(integrated.access_point)
        pt_assessment = dists.add(integrated.assessment)
        weights = integrated.priority
        pt_f[:] = (integrated.data_entry, weights.complexity, weights.chronic, weights.years_homeless,
                   weights.indigenous, weights.woman, integrated.target_pressure)
        for eligibility in integrated.eligibility:
            for need in eligibility.requires_met:
                pt_eligible[index[eligibility.service], _NEED_INDEX[str(need)]] = True

    # the case conference (CaseConference): it meets if the regime escalates or may assign multilateral handoffs;
    # the days it may meet on (its weekdays, not its holidays), the first meeting, its seats, the escalation rule
    # and each need's conference route (Network.conference_route)
    regime = scenario.active_regime
    conference = regime.conference or scenario.handoffs.multilateral.conference
    has_conference = regime.escalation is not None or assignment == "multilateral" or (
        isinstance(assignment, dict) and assignment.get("multilateral", 0) > 0)
    conf_meets = _meeting_days(scenario.start_date, scenario.winter, frozenset(conference.days),
                              frozenset(conference.holidays), int(scenario.end_time) + 2)
    route = conference_route(scenario)
    conf_route = np.array([index[route[need]] if need in route else -1 for need in NEEDS], dtype=np.int64)

    # exits (Episodes.start, Episodes.need_met, Episodes.end): the self-resolution mean by pattern (0: none),
    # the hazard ratios by need (1: none), the return after a self-resolved episode
    exits = population.exits
    means = {str(pattern): mean for pattern, mean in exits.self_resolution_mean.items()}
    resolution = {str(need): ratio for need, ratio in exits.self_resolution_hazard_ratio.items()}
    returning = {str(need): ratio for need, ratio in exits.return_hazard_ratio.items()}
    resolution_mean = np.array([means.get(pattern, 0.0) for pattern in PATTERNS])
    resolution_ratio = np.array([resolution.get(need, 1.0) for need in NEEDS])
    return_ratio = np.array([returning.get(need, 1.0) for need in NEEDS])

    # shelters (ShelterSystem): beds, winter beds, intake windows, whom they serve (by class: gender, age group)
    shelter_specs = [spec for spec in scenario.services.values() if isinstance(spec, Shelter)]
    sh_serves = np.zeros((len(shelters), len(genders) * len(ages)), dtype=np.bool_)
    for s, shelter in enumerate(shelter_specs):
        serves = shelter.serves
        for g, gender in enumerate(genders):
            for a, age in enumerate(ages):
                sh_serves[s, g * len(ages) + a] = (serves.gender is None or gender in serves.gender) and (
                    serves.age_group is None or age in serves.age_group)
    winter_day, season_change = np.zeros(1, dtype=np.bool_), np.full(1, np.inf)  # read only with shelters
    if shelters:
        winter_day, season_change = seasons(scenario, int(scenario.end_time) + 400)
    # shelter use by pattern (ShelterCycles)
    uses = {str(pattern): use for pattern, use in population.shelter_use.items()}
    use_stay = np.zeros(len(PATTERNS), dtype=np.int64)
    use_gap = np.zeros(len(PATTERNS), dtype=np.int64)
    use_f = np.zeros((7, len(PATTERNS)))  # stay mean, gap mean, other share, avoidance, winter gap, winter seek
    stay_ratio = np.ones((len(PATTERNS), len(NEEDS)))
    seek_met = np.zeros((len(PATTERNS), len(NEEDS)), dtype=np.bool_)
    for k, pattern in enumerate(PATTERNS):
        use = uses.get(pattern)
        if use is None:
            continue
        use_stay[k], use_gap[k] = dists.add(use.stay), dists.add(use.gap)
        use_f[:6, k] = (use.stay.mean, use.gap.mean, use.gap_other_share, use.avoidance, use.winter_outdoor_gap,
                        use.winter_seek)
        for need, ratio in use.stay_ratio.items():
            stay_ratio[k, _NEED_INDEX[str(need)]] = ratio
        for need in use.seek_when_met:
            seek_met[k, _NEED_INDEX[str(need)]] = True
    outreach_specs = [spec for spec in scenario.services.values() if isinstance(spec, Outreach)]

    # housing programmes (HousingProgramme): places (reserved, held by earlier tenants at 0) or vacancies; each
    # after as many clinics as come before it in the file (the order in which the SimPy engine builds them)
    housing_specs = [spec for spec in scenario.services.values() if isinstance(spec, Housing)]
    hp_after: list[int] = []
    seen = 0
    for service in scenario.services.values():
        if isinstance(service, Clinic | AccessPoint):
            seen += 1
        elif isinstance(service, Housing):
            hp_after.append(seen)
    hp_reserved: list[int] = []
    hp_occupied: list[int] = []
    hp_reserved_occupied: list[int] = []
    for programme in housing_specs:
        if programme.slots is not None:
            occupied = round(programme.slots * programme.initial_occupancy)
            hp_reserved.append(round(programme.slots * programme.reserved_share))
            hp_occupied.append(occupied)
            hp_reserved_occupied.append(round(occupied * programme.reserved_share))
        else:
            hp_reserved.append(0)
            hp_occupied.append(0)
            hp_reserved_occupied.append(0)
    hp_tenancy = np.array([-1 if spec.tenancy is None else dists.add(spec.tenancy) for spec in housing_specs],
                          dtype=np.int64)
    hp_move_in = np.array([dists.add(spec.move_in) for spec in housing_specs], dtype=np.int64)
    hp_patience = np.array([-1 if spec.patience is None else dists.add(spec.patience) for spec in housing_specs],
                           dtype=np.int64)
    hp_support = np.zeros((len(housing), len(NEEDS)), dtype=np.bool_)
    for h, programme in enumerate(housing_specs):
        for need in programme.support:
            hp_support[h, _NEED_INDEX[str(need)]] = True
    # prerequisites (Pathways.prerequisites): (service, need) -> the needs to be met first, and the delay; a later
    # rule for the same service and need replaces an earlier one
    rules: dict[int, tuple[list[int], float]] = {}
    for rule in scenario.prerequisites:
        rules[index[rule.service] * len(NEEDS) + _NEED_INDEX[str(rule.need)]] = (
            [_NEED_INDEX[str(need)] for need in rule.requires_met], rule.delay)
    prq_first = np.zeros(len(services) * len(NEEDS), dtype=np.int64)
    prq_count = np.zeros(len(services) * len(NEEDS), dtype=np.int64)
    prq_delay = np.zeros(len(services) * len(NEEDS))
    prq_need: list[int] = []
    for key, (required, delay) in rules.items():
        prq_first[key], prq_count[key], prq_delay[key] = len(prq_need), len(required), delay
        prq_need += required

    inflow = population.inflow
    seasonal = inflow.seasonal
    top = max(seasonal) if seasonal else 1.0
    expected = int(inflow.rate * top * scenario.end_time * 1.05) + 64
    arguments: dict[str, Any] = {
        "end_time": float(scenario.end_time),
        "warmup": float(scenario.warmup),
        "rate_max": float(inflow.rate * top),
        "top": float(top),
        "seasonal": np.array(seasonal if seasonal else [1.0] * 12, dtype=np.float64),
        "month_of_day": month_of_day(scenario),
        "has_seasonal": seasonal is not None,
        "gender_cum": np.array(gender_cum),
        "age_cum": np.array(age_cum),
        "indigenous": float(attributes.indigenous),
        "pattern_cum": np.array(pattern_cum),
        "prevalence_count": prevalence_count,
        "prevalence_need": prevalence_need,
        "prevalence_p": prevalence_p,
        "route_first": route_first,
        "route_count": route_count,
        "route_service": np.array([r[0] for r in routes], dtype=np.int64),
        "route_p": np.array([r[1] for r in routes], dtype=np.float64),
        "route_delay": np.array([r[2] for r in routes], dtype=np.int64),
        "route_delay_drawn": np.array([r[3] for r in routes], dtype=np.bool_),
        "dist_kind": np.array(dists.kinds, dtype=np.int64),
        "dist_par": np.array(dists.params, dtype=np.float64).reshape(-1, 3),
        "staff": np.array(staff, dtype=np.int64),
        "cap": cap,
        "service_dist": service_dist,
        "patience_dist": patience_dist,
        "treats": treats,
        "edge_first": edge_first,
        "edge_count": edge_count,
        "edge_target": np.array(edge_target, dtype=np.int64),
        "edge_cum": np.array(edge_cum, dtype=np.float64),
        "edge_tie": np.array(edge_tie, dtype=np.float64),
        "walk_in_intake": float(scenario.handoffs.unilateral.intake),
        "exit_when_met": bool(population.exits.exit_when_needs_met),
        "prioritised": prioritised,
        "honours_priority": honours_priority,
        "has_hours": has_hours,
        "hours_open": hours_open,
        "hours_close": hours_close,
        "open_days": open_days,
        "first_weekday": scenario.start_date.weekday(),
        "assign_mode": assign_mode,
        "assign_type": assign_type,
        "mix_type": np.array([type_index[name] for name in mix_names], dtype=np.int64),
        "mix_cum": np.array(mix_cum, dtype=np.float64),
        "handoff_f": handoff_f,
        "handoff_i": handoff_i,
        "pattern_code": np.array([PATTERNS.index(name) for name in patterns], dtype=np.int64),
        "stock_count": int(stock.count),
        "stock_pattern_cum": np.array(stock_pattern_cum),
        "stock_pattern_code": np.array([PATTERNS.index(name) for name in stock_patterns], dtype=np.int64),
        "stock_since_dist": stock_since_dist,
        "resolution_mean": resolution_mean,
        "resolution_ratio": resolution_ratio,
        "return_mean": float(exits.return_after_resolution_mean or 0.0),
        "return_ratio": return_ratio,
        "return_share": float(exits.return_after_resolution_share),
        "housed_return_share": float(exits.return_after_housing_share),
        "expected_clients": min(expected, 50_000_000),
        "re_referral_after": float(scenario.handoffs.re_referral_after),
        "n_ages": len(ages),
        "sh_capacity": np.array([spec.capacity for spec in shelter_specs], dtype=np.int64),
        "sh_winter": np.array([-1 if spec.winter_capacity is None else spec.winter_capacity
                               for spec in shelter_specs], dtype=np.int64),
        "sh_open": np.array([spec.intake.open for spec in shelter_specs], dtype=np.float64),
        "sh_close": np.array([spec.intake.close for spec in shelter_specs], dtype=np.float64),
        "sh_serves": sh_serves,
        "close_time": float(max((spec.intake.close for spec in shelter_specs), default=1.0)),
        "census_time": float(scenario.outputs.census_time),
        "winter_day": winter_day,
        "season_change": season_change,
        "use_defined": np.array([pattern in uses for pattern in PATTERNS], dtype=np.bool_),
        "use_stay": use_stay,
        "use_gap": use_gap,
        "use_stay_mean": use_f[0].copy(),
        "use_gap_mean": use_f[1].copy(),
        "use_other": use_f[2].copy(),
        "use_avoid": use_f[3].copy(),
        "use_winter_gap": use_f[4].copy(),
        "use_seek": use_f[5].copy(),
        "stay_ratio": stay_ratio,
        "seek_met": seek_met,
        "shelter_stream0": shelter_stream0,
        "outreach_rate": np.array([spec.contacts for spec in outreach_specs], dtype=np.float64),
        "outreach_offers": np.array([spec.offers_shelter for spec in outreach_specs], dtype=np.float64),
        "outreach_stream0": outreach_stream0,
        "first_housing": len(clinics) + len(shelters) + len(outreach),
        "hp_slots": np.array([-1 if spec.slots is None else spec.slots for spec in housing_specs], dtype=np.int64),
        "hp_tenancy": hp_tenancy,
        "hp_rate": np.array([spec.vacancies or 0.0 for spec in housing_specs], dtype=np.float64),
        "hp_share": np.array([spec.reserved_share for spec in housing_specs], dtype=np.float64),
        "hp_move_in": hp_move_in,
        "hp_patience": hp_patience,
        "hp_refusal": np.array([spec.offer_refusal for spec in housing_specs], dtype=np.float64),
        "hp_release": np.array([-1.0 if spec.reserved_release is None else spec.reserved_release
                                for spec in housing_specs], dtype=np.float64),
        "hp_priority": np.array([spec.discipline == "priority" for spec in housing_specs], dtype=np.bool_),
        "hp_support": hp_support,
        "hp_stream0": hp_stream0,
        "hp_reserved": np.array(hp_reserved, dtype=np.int64),
        "hp_occupied": np.array(hp_occupied, dtype=np.int64),
        "hp_reserved_occupied": np.array(hp_reserved_occupied, dtype=np.int64),
        "hp_after": np.array(hp_after, dtype=np.int64),
        "return_housed_mean": float(exits.return_after_housing_mean or 0.0),
        "has_prq": bool(rules),
        "prq_first": prq_first,
        "prq_count": prq_count,
        "prq_need": np.array(prq_need, dtype=np.int64),
        "prq_delay": prq_delay,
        "has_conference": has_conference,
        "conf_first": float(Calendar(scenario.start_date, scenario.winter).days_until(conference.weekday)
                            + conference.time),
        "conf_every": float(conference.every),
        "conf_duration": float(conference.duration),
        "conf_max": int(conference.max_cases),
        "conf_meets": conf_meets,
        "conf_participants": np.array([index[name] for name in conference.participants], dtype=np.int64),
        "has_escalation": regime.escalation is not None,
        "esc_min": int(regime.escalation.min_open_needs) if regime.escalation is not None else 0,
        "esc_after": float(regime.escalation.after) if regime.escalation is not None else 0.0,
        "conf_route": conf_route,
        "reserved_slot": bool(scenario.handoffs.multilateral.reserved_slot),
        "conf_source": len(services),
        "pt_clinic": pt_clinic,
        "pt_f": pt_f,
        "pt_assessment": pt_assessment,
        "pt_eligible": pt_eligible,
        "woman": genders.index("woman") if "woman" in genders else -1,
        "chronic": PATTERNS.index("chronic"),
        "cohort_count": int(cohort.count) if cohort is not None else 0,
        "cohort_at": float(cohort.at) if cohort is not None else 0.0,
        "cohort_pattern": PATTERNS.index(str(cohort.pattern)) if cohort is not None else 0,
        "cohort_mix": np.ones(1),
        "cohort_stream": cohort_stream,
        "event_log": bool(scenario.outputs.event_log),
    }
    return Plan(clinics, staff, services, shelters, housing, genders, ages, streams, arguments)
