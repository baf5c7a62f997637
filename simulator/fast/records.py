"""The kernel's arrays as a :class:`~simulator.engine.records.RunRecords`: the SimPy engine's tables and columns.

The tables are those of ``docs/model.md`` section 8 with the same columns (:data:`simulator.engine.records.COLUMNS`)
and vocabulary (:mod:`simulator.engine.outcomes`), so that :func:`simulator.metrics.replication_metrics` reads
them unchanged. Columns are NumPy arrays rather than lists, words as :class:`~simulator.engine.records.Words`
(codes into a vocabulary: no object per cell); every consumer of ``RunRecords.tables`` builds DataFrames or
arrays from them. The tables the compiled engine has nothing to write in (``events`` without
``outputs.event_log``; ``locations``, ``nights`` and ``census`` without shelters) are empty, as is any other
table without rows. The event log's rows come as codes (:data:`simulator.fast.kernel`'s ``LOG_`` kinds and
``L_`` columns) and are named here with the SimPy engine's words.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from typing import Any

import numpy as np
from numba import njit

from simulator.config.resources import paid, staffing
from simulator.config.schema import PATTERNS, AccessPoint, Clinic, Scenario, Season
from simulator.engine.calendar import Calendar
from simulator.engine.outcomes import (
    BALKED,
    CENSORED,
    CLIENT_EXITED,
    EXITED,
    HOUSED,
    INELIGIBLE,
    LOST_HANDOFF,
    LOST_WAITING,
    MET,
    NEEDS_MET,
    OPEN_AT_EXIT,
    RENEGED,
    SELF_RESOLVED,
    SERVED,
)
from simulator.engine.records import COLUMNS, RunRecords, Words
from simulator.fast import kernel
from simulator.fast.plan import NEEDS, Plan

_OUTCOMES = np.array([CENSORED, SERVED, RENEGED, BALKED, LOST_WAITING, LOST_HANDOFF, EXITED, CLIENT_EXITED, HOUSED,
                      INELIGIBLE], dtype=object)  # by kernel outcome code
_NEED_OUTCOMES = np.array([CENSORED, MET, OPEN_AT_EXIT], dtype=object)  # by kernel need outcome
_REASONS = np.array([CENSORED, NEEDS_MET, SELF_RESOLVED, HOUSED], dtype=object)  # by kernel episode end
_SOURCES = np.array(["inflow", "stock", "return", "cohort"], dtype=object)  # by kernel source
_PATTERNS = np.array(PATTERNS, dtype=object)
#: by kernel adjustment type, and by kernel purpose of staff time
_TYPES = np.array(["unilateral", "bilateral", "multilateral", "integrated"], dtype=object)
_PURPOSES = np.array(["sender", "receiver", "accompaniment", "conference", "assessment"], dtype=object)
_NEED_NAMES = np.array(NEEDS, dtype=object)
#: by kernel location (SHELTERED, OUTDOORS, ELSEWHERE; -1, the last: the episode ended)
_LOCATIONS = np.array(["shelter", "outdoors", "other", "exited"], dtype=object)
HOURS = 24.0
#: the event log's kinds (``ctx.log``'s second argument), by kernel code (``LOG_``)
_EVENT_KINDS = np.array(["episode_start", "episode_end", "service_requested", "service_left_queue", "service_started",
                         "service_ended", "prerequisite_missing", "need_met", "referral_sent", "referral_closed",
                         "shelter_admitted", "shelter_refused", "waitlist_joined", "housing_offer_refused",
                         "housing_matched", "outreach_contact"], dtype=object)
#: the log's details by code: the outcome codes, then ``D_QUEUED``, ``D_MET``, ``D_NO_BED``; -1 (the last): none
_DETAILS = np.array([*_OUTCOMES, "queued", MET, "no_bed", ""], dtype=object)


def _names(names: list[str], codes: np.ndarray) -> Words:
    """The names of ``codes`` (``""`` for -1: the last entry)."""
    return Words(codes, [*names, ""])


def _after(codes: np.ndarray, offset: int) -> np.ndarray:
    """Codes moved ``offset`` places on, -1 (none) kept."""
    moved: np.ndarray = np.where(codes >= 0, codes + offset, -1)
    return moved


def _columns(table: np.ndarray, *columns: int) -> np.ndarray:
    """``columns`` of a kernel table, each contiguous (one row of the result per column).

    The kernel's tables are row-major: the columns of a row side by side, as the event loop reads them. A column
    of such a table is strided: reading it touches every row's cache lines, and so does every column read after
    it. This reads the rows once, for all the columns a table of records wants (a few times faster than the
    strided reads on the tables of a city), into arrays of the records' own."""
    return _gather(table, np.array(columns, dtype=np.int64))


@njit(cache=True)
def _gather(table: np.ndarray, columns: np.ndarray) -> np.ndarray:
    out = np.empty((columns.shape[0], table.shape[0]), dtype=table.dtype)
    for i in range(table.shape[0]):
        for k in range(columns.shape[0]):
            out[k, i] = table[i, columns[k]]
    return out


def open_hours(scenario: Scenario, clinic: Clinic | AccessPoint, start: float, end: float) -> float:
    """Hours of opening of ``clinic`` between ``start`` and ``end`` (days), per staff member: the arithmetic of
    :meth:`simulator.engine.nodes.ServiceNode.open_hours`."""
    hours = clinic.hours
    if hours is None:
        return (end - start) * HOURS
    return _open_hours(scenario.start_date, scenario.winter, tuple(hours.days), float(hours.open),
                       float(hours.close), start, end)


@functools.lru_cache(maxsize=256)
def _open_hours(start_date: date, winter: Season, days: tuple[str, ...], opening: float, closing: float,
                start: float, end: float) -> float:
    """:func:`open_hours` of a clinic with hours (the same at every replication of a batch: kept)."""
    calendar = Calendar(start_date, winter)
    total = 0.0
    for day in range(math.floor(start), math.ceil(end)):
        if calendar.weekday(day) in days:
            lo, hi = max(day + opening, start), min(day + closing, end)
            total += max(0.0, hi - lo)
    return total * HOURS


def to_records(scenario: Scenario, plan: Plan, seed: int, replication: int, result: Any) -> RunRecords:
    """The records of one replication from the kernel's result (:func:`simulator.fast.kernel.run_kernel`)."""
    (cl_i, ep_f, ep_i, nd_f, nd_i, vi_f, vi_i, rf_f, rf_i, st_f, st_i, area, observed, offered, lc_f, lc_i, nt_i,
     cs_f, cs_i, contacts, ap_f, ap_i, released, blocked, conferences, missed, lg_f, lg_i) = result
    end_time, warmup = scenario.end_time, scenario.warmup
    clinics = plan.clinics
    services = plan.services
    senders = [*services, "conference"]  # an escalated handoff's sender is the conference (no service)

    gender, age, native, pattern = _columns(cl_i, kernel.C_GENDER, kernel.C_AGE, kernel.C_INDIGENOUS,
                                            kernel.C_PATTERN)
    of_client, number, source, avoidant, at_entry, reason, refused = _columns(
        ep_i, kernel.E_CLIENT, kernel.E_NUMBER, kernel.E_SOURCE, kernel.E_AVOIDANT, kernel.E_NEEDS, kernel.E_REASON,
        kernel.E_REFUSED)
    entered, since, left = _columns(ep_f, kernel.E_START, kernel.E_SINCE, kernel.E_END)
    exited = reason != kernel.EPISODE_ACTIVE
    episodes = {
        "client": of_client,
        "episode": number,
        "source": Words(source, _SOURCES),
        "gender": _names(plan.genders, gender[of_client]),
        "age_group": _names(plan.ages, age[of_client]),
        "indigenous": native[of_client] == 1,
        "pattern": Words(pattern[of_client], _PATTERNS),
        "avoidant": avoidant == 1,
        "needs_at_entry": at_entry,
        "start": entered,
        "homeless_since": since,
        "end": np.where(exited, left, end_time),
        "exit_reason": Words(reason, _REASONS),
        "refused_nights": refused,
    }

    need_episode, need, need_outcome, met_by = _columns(nd_i, kernel.N_EPISODE, kernel.N_NEED, kernel.N_OUTCOME,
                                                        kernel.N_MET_BY)
    onset, need_end = _columns(nd_f, kernel.N_ONSET, kernel.N_END)
    ended = need_outcome != kernel.NEED_CENSORED
    needs = {
        "client": of_client[need_episode],
        "episode": number[need_episode],
        "need": Words(need, _NEED_NAMES),
        "onset": onset,
        "end": np.where(ended, need_end, end_time),
        "outcome": Words(need_outcome, _NEED_OUTCOMES),
        "met_by": _names(services, met_by),
    }

    # the visits: clinic visits, then housing applications (one row each; an application given up after its
    # place was matched, but before the match was processed, also moves in for ever: a censored row more, as on
    # the SimPy engine)
    outcome = ap_i[:, kernel.A_OUTCOME]
    moving = ap_i[:, kernel.A_MOVING] == 1
    extra = moving & (outcome != kernel.OPEN_AT_HORIZON)
    open_rows = outcome == kernel.OPEN_AT_HORIZON
    matched = ap_f[:, kernel.A_MATCHED]
    ap_start = np.where(outcome == kernel.RENEGED, np.nan, np.where(open_rows & ~moving, np.nan, matched))
    ap_end = np.where(open_rows, np.nan, ap_f[:, kernel.A_END])
    visit_referral, visit_need, visit_service, visit_outcome = _columns(vi_i, kernel.V_REFERRAL, kernel.V_NEED,
                                                                        kernel.V_SERVICE, kernel.V_OUTCOME)
    arrival, visit_start, visit_end = _columns(vi_f, kernel.V_ARRIVAL, kernel.V_START, kernel.V_END)
    referral_need, referral_source, referral_target, referral_type, referral_outcome = _columns(
        rf_i, kernel.R_NEED, kernel.R_SOURCE, kernel.R_TARGET, kernel.R_TYPE, kernel.R_OUTCOME)
    priority, created, arrived, referral_start, referral_end = _columns(
        rf_f, kernel.R_PRIORITY, kernel.R_CREATED, kernel.R_ARRIVED, kernel.R_START, kernel.R_END)
    referral = np.concatenate([visit_referral, ap_i[:, kernel.A_REFERRAL], ap_i[:, kernel.A_REFERRAL][extra]])
    visit_need = np.concatenate([visit_need, ap_i[:, kernel.A_NEED], ap_i[:, kernel.A_NEED][extra]])
    visit_episode = need_episode[visit_need]
    housing = plan.housing
    visits = {
        "client": of_client[visit_episode],
        "episode": number[visit_episode],
        # (clinics, then housing programmes: a programme's code follows the clinics'; -1 is the last name)
        "service": Words(np.concatenate([visit_service, _after(ap_i[:, kernel.A_PROGRAMME], len(clinics)),
                                         _after(ap_i[:, kernel.A_PROGRAMME][extra], len(clinics))]),
                         [*clinics, *housing, ""]),
        "need": Words(need[visit_need], _NEED_NAMES),
        "referral": np.where(referral >= 0, referral + 1, -1),
        "adjustment": Words(np.where(referral >= 0, referral_type[referral], len(_TYPES)) if len(rf_i)
                            else np.full(len(referral), len(_TYPES)), [*_TYPES, "walk_in"]),
        "arrival": np.concatenate([arrival, ap_f[:, kernel.A_ARRIVAL], ap_f[:, kernel.A_ARRIVAL][extra]]),
        "start": np.concatenate([visit_start, ap_start, matched[extra]]),
        "end": np.concatenate([visit_end, ap_end, np.full(int(extra.sum()), np.nan)]),
        "outcome": Words(np.concatenate([visit_outcome, outcome, np.zeros(int(extra.sum()), dtype=np.int64)]),
                         _OUTCOMES),
    }

    n_referrals = rf_f.shape[0]
    referral_episode = need_episode[referral_need]
    referrals = {
        "referral": np.arange(1, n_referrals + 1, dtype=np.int64),
        "client": of_client[referral_episode],
        "episode": number[referral_episode],
        "need": Words(need[referral_need], _NEED_NAMES),
        "source": _names(senders, referral_source),
        "target": _names(services, referral_target),
        "adjustment": Words(referral_type, _TYPES),
        "priority": priority,
        "created": created,
        "arrived": arrived,
        "start": referral_start,
        "end": referral_end,
        "outcome": Words(referral_outcome, _OUTCOMES),
    }

    span = end_time - warmup
    specs = [scenario.services[name] for name in clinics]
    n_clinics, n_housing = len(clinics), len(housing)
    averages = [float(a) / span if span > 0 else 0.0 for a in area]
    nodes = {
        "service": [*clinics, *housing],
        "kind": [scenario.services[name].kind for name in clinics] + ["housing"] * n_housing,
        "staff": [*plan.staff, *(scenario.services[name].slots or 0 for name in housing)],  # type: ignore[union-attr]
        "available_hours": [staff * open_hours(scenario, spec, warmup, end_time)  # type: ignore[arg-type]
                            for staff, spec in zip(plan.staff, specs, strict=True)] + [math.nan] * n_housing,
        "time_avg_present": averages[:n_clinics + n_housing],
        "arrivals_observed": [int(n) for n in observed[:n_clinics + n_housing]],
        "offered_hours": [float(o) * HOURS for o in offered] + [math.nan] * n_housing,
    }
    staff_service, purpose, staff_type = _columns(st_i, kernel.W_SERVICE, kernel.W_PURPOSE, kernel.W_TYPE)
    staff_time, staff_days = _columns(st_f, kernel.W_TIME, kernel.W_DAYS)
    staff_rows = {
        "service": _names(senders, staff_service),
        "time": staff_time,
        "hours": staff_days * HOURS,
        "purpose": Words(purpose, _PURPOSES),
        "adjustment": Words(staff_type, _TYPES),
    }
    moved_client, moved_episode, location = _columns(lc_i, 0, 1, 2)
    locations = {
        "client": moved_client,
        "episode": moved_episode,
        "time": lc_f[:, 0],
        "location": Words(location, _LOCATIONS),
    }
    nights = {
        "day": nt_i[:, 0],
        "shelter": Words(nt_i[:, 1], [*plan.shelters, "all"]),
        "capacity": nt_i[:, 2],
        "occupancy": nt_i[:, 3],
        "admitted": nt_i[:, 4],
        "refused": nt_i[:, 5],
    }
    census = {
        "day": cs_i[:, 0],
        "time": cs_f[:, 0],
        "sheltered": cs_i[:, 1],
        "outdoors": cs_i[:, 2],
        "other": cs_i[:, 3],
    }
    tables: dict[str, dict[str, Any]] = {name: {col: [] for col in cols} for name, cols in COLUMNS.items()}
    filled: dict[str, dict[str, Any]] = {"episodes": episodes, "needs": needs, "visits": visits,
                                         "referrals": referrals, "nodes": nodes, "staff": staff_rows,
                                         "locations": locations, "nights": nights, "census": census,
                                         "events": events_table(plan, ep_i, nd_i, lg_f, lg_i)}
    for name, columns in filled.items():
        if len(columns[COLUMNS[name][0]]):  # an empty table stays as the SimPy engine leaves it: empty lists
            tables[name] = columns

    pay = paid(scenario, staffing(scenario), end_time - warmup)
    # the idle reserved places: the sum over the programmes of their monitors' time averages
    idle = sum(averages[n_clinics + n_housing:])
    counters = {"outreach_contacts": float(contacts), "conferences": float(conferences),
                "conference_seats_missed": float(missed),
                "reserved_places_released": float(released), "referrals_blocked": float(blocked),
                "staff_fte": float(pay.fte), "staff_hours": pay.hours, "staff_cost": pay.cost,
                "reserved_places_idle": idle}
    start = scenario.start_date
    calendar = {"start_date": start.isoformat(), "winter_start": scenario.winter.start,
                "winter_end": scenario.winter.end,
                "count_date": scenario.outputs.count_date or f"{start.month:02d}-{start.day:02d}"}
    return RunRecords(scenario=scenario.name, regime=scenario.regime, replication=replication, seed=seed,
                      warmup=warmup, end_time=end_time, tables=tables, counters=counters, calendar=calendar)


def events_table(plan: Plan, ep_i: np.ndarray, nd_i: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray) -> dict[str, Any]:
    """The event log (``events``) from the kernel's rows: each row's episode is its own or its need's, its
    service an index of :attr:`Plan.services` (a shelter's admission: of :attr:`Plan.shelters`), and its detail
    read as its kind says (a source, an exit reason, the sender of a referral, the need a prerequisite wants, or
    an outcome or another word of :data:`_DETAILS`)."""
    kind = lg_i[:, kernel.L_KIND]
    row = lg_i[:, kernel.L_ROW]
    has_need = row >= 0
    safe_row = np.where(has_need, row, 0)
    episode = np.where(lg_i[:, kernel.L_EPISODE] >= 0, lg_i[:, kernel.L_EPISODE],
                       nd_i[safe_row, kernel.N_EPISODE] if len(nd_i) else 0)
    service = lg_i[:, kernel.L_SERVICE]
    admitted = kind == kernel.LOG_ADMITTED
    service = np.where(admitted & (service >= 0), service + len(plan.clinics), service)
    detail = lg_i[:, kernel.L_DETAIL]
    senders = [*plan.services, "conference"]
    read_as: tuple[tuple[int, np.ndarray], ...] = (
        (kernel.LOG_EPISODE_START, _SOURCES), (kernel.LOG_EPISODE_END, _REASONS),
        (kernel.LOG_SENT, np.array(senders, dtype=object)), (kernel.LOG_PREREQUISITE, _NEED_NAMES))
    plain = np.ones(len(kind), dtype=bool)
    for code, _ in read_as:
        plain &= kind != code
    words = _DETAILS[np.where(plain, detail, -1)]
    for code, names in read_as:
        chosen = kind == code
        if chosen.any():
            words[chosen] = names[detail[chosen]]
    adjustment = lg_i[:, kernel.L_ADJUSTMENT]
    return {
        "time": lg_f,
        "client": ep_i[episode, kernel.E_CLIENT] if len(ep_i) else np.zeros(0, dtype=np.int64),
        "episode": ep_i[episode, kernel.E_NUMBER] if len(ep_i) else np.zeros(0, dtype=np.int64),
        "event": _EVENT_KINDS[kind],
        "service": _names(plan.services, service),
        "need": np.where(has_need, _NEED_NAMES[nd_i[safe_row, kernel.N_NEED]] if len(nd_i) else "", ""),
        "adjustment": np.array([*_TYPES, "walk_in", ""], dtype=object)[adjustment],
        "outcome": words,
    }
