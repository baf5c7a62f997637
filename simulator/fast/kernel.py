"""The compiled event loop: clients walking in to clinics, queueing, being served and referred on.

One call of :func:`run_kernel` runs one replication of a scenario that :mod:`simulator.fast.support` accepts,
with the rules of ``docs/model.md`` (sections 3, 4.2, 5.1, 5.2 and 7). Everything it needs comes in as
numbers and arrays (:mod:`simulator.fast.plan` builds them), so a new parameter value never recompiles
anything, and everything it writes goes out as arrays (:mod:`simulator.fast.records` names them).

**Events.** A binary heap in flat arrays (time, sequence number, kind, argument), ordered by time and then by
the order of scheduling (SimPy's order for events at the same time). Four kinds: the next inflow arrival, a
walk-in reaching its clinic, the end of a service, and a patience running out. A patience event is never
removed when its client starts service: it is skipped when it comes up (lazy deletion).

**Queues.** One FIFO line per clinic, a linked list through the visits (``next``), whose head skips the
visits that left the line (reneged) when a server frees up.

**Randomness.** The streams of :mod:`simulator.engine.streams`, draw for draw: each source keeps its own
generator (``SeedSequence(seed, spawn_key=(replication, crc32(name)))``, created by the caller) and its own
buffers of 2,048 uniforms, standard exponentials and standard normals, refilled from that generator when
they run out (the only call back into Python, once per 2,048 draws); gamma draws call the generator
directly. Each source draws in the order the SimPy engine does, so replication ``i`` of every variant of a
scenario sees the same arrivals (common random numbers), and a scenario runs to the same records on both
engines as long as their events keep the same order.

**Tables.** Clients, needs, visits and referrals are rows of a float and an int array each, grown by
doubling. Times mimic SimPy's arithmetic (a timeout is scheduled at ``now + delay``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, objmode

# ---- the kinds of buffered draws of a stream (Stream.uniform, std_exponential, std_normal)
UNIFORM_DRAW, EXPONENTIAL_DRAW, NORMAL_DRAW = 0, 1, 2
DRAW_KINDS = 3

# ---- the fixed streams; clinic c has its service stream at SERVICE0 + 2c and its patience stream after it
ARRIVALS, ATTRIBUTES, ROUTING, HANDOFFS, SERVICE0 = 0, 1, 2, 3, 4

# ---- distributions (simulator.config.distributions), with up to 3 parameters each
FIXED, EXPONENTIAL, LOGNORMAL, GAMMA, UNIFORM, TRIANGULAR = 0, 1, 2, 3, 4, 5

# ---- events
EV_ARRIVAL, EV_WALK_IN, EV_SERVICE_END, EV_PATIENCE = 0, 1, 2, 3

# ---- outcome codes of visits and referrals (0: still open at the horizon, written as censored)
OPEN_AT_HORIZON, SERVED, RENEGED, BALKED = 0, 1, 2, 3
# ---- visit states
WAITING, IN_SERVICE, DONE = 0, 1, 2
# ---- need states (simulator.engine.clients)
NEED_OPEN, NEED_PENDING, NEED_MET = 0, 1, 2
# ---- episode ends (0: active at the horizon, written as censored)
EPISODE_ACTIVE, EPISODE_NEEDS_MET = 0, 1

# ---- columns of the tables
# clients: float (start, homeless_since, end); int (gender, age group, indigenous, pattern, needs at entry,
# needs not met, end reason, first need row)
C_START, C_SINCE, C_END = 0, 1, 2
C_GENDER, C_AGE, C_INDIGENOUS, C_PATTERN, C_NEEDS, C_OPEN, C_REASON, C_FIRST_NEED = 0, 1, 2, 3, 4, 5, 6, 7
# needs: float (onset, end); int (client, need, status, outcome: 1 met / 0 open, met by, walk-in target)
N_ONSET, N_END = 0, 1
N_CLIENT, N_NEED, N_STATUS, N_MET, N_MET_BY, N_TARGET = 0, 1, 2, 3, 4, 5
# visits: float (arrival, start, end, duration); int (client, need row, service, referral, outcome, state, next)
V_ARRIVAL, V_START, V_END, V_DURATION = 0, 1, 2, 3
V_CLIENT, V_NEED, V_SERVICE, V_REFERRAL, V_OUTCOME, V_STATE, V_NEXT = 0, 1, 2, 3, 4, 5, 6
# referrals: float (created, arrived, start, end); int (client, need row, source, target, outcome)
R_CREATED, R_ARRIVED, R_START, R_END = 0, 1, 2, 3
R_CLIENT, R_NEED, R_SOURCE, R_TARGET, R_OUTCOME = 0, 1, 2, 3, 4

#: the most rows of any table (and heap entries) one event can add
ROOM = 16
#: room for the walk-ins of one client (one per need at most)
WALK_IN_SLOTS = 8

# ------------------------------------------------------------------------------------------- randomness
#: the generators of the runs under way in this process, by the token their kernel call carries
GENERATORS: dict[int, list[np.random.Generator]] = {}


def refill(token: int, stream: int, kind: int, out: np.ndarray) -> None:
    """The next block of draws of one kind from one stream's generator (called from compiled code)."""
    generator = GENERATORS[token][stream]
    if kind == UNIFORM_DRAW:
        out[:] = generator.random(out.shape[0])
    elif kind == EXPONENTIAL_DRAW:
        out[:] = generator.standard_exponential(out.shape[0])
    else:
        out[:] = generator.standard_normal(out.shape[0])


def gamma_draw(token: int, stream: int, shape: float, scale: float) -> float:
    """One gamma draw, straight from the stream's generator as the SimPy engine makes it."""
    return float(GENERATORS[token][stream].gamma(shape, scale))


@njit(cache=True)
def _refill(token: int, buf: np.ndarray, stream: int, kind: int) -> None:
    row = buf[stream, kind]
    with objmode():
        refill(token, stream, kind, row)


@njit(cache=True)
def _gamma(token: int, stream: int, shape: float, scale: float) -> float:
    with objmode(value="float64"):
        value = gamma_draw(token, stream, shape, scale)
    return value


@njit(cache=True, inline="always")
def _draw(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, kind: int) -> float:
    """The next buffered draw of one kind from one stream (``Stream.uniform`` and its siblings)."""
    i = pos[stream, kind]
    if i >= buf.shape[2]:
        _refill(token, buf, stream, kind)
        i = 0
    pos[stream, kind] = i + 1
    return float(buf[stream, kind, i])


@njit(cache=True, inline="always")
def _sample(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, kind: int, par: np.ndarray) -> float:
    """A draw of a distribution (``docs/model.md`` section 2), as :mod:`simulator.config.distributions`."""
    if kind == FIXED:
        return float(par[0])
    if kind == EXPONENTIAL:
        return float(par[0]) * _draw(token, buf, pos, stream, EXPONENTIAL_DRAW)
    if kind == LOGNORMAL:
        return math.exp(par[0] + par[1] * _draw(token, buf, pos, stream, NORMAL_DRAW))
    if kind == GAMMA:
        return _gamma(token, stream, par[0], par[1])
    if kind == UNIFORM:
        return float(par[0] + (par[1] - par[0]) * _draw(token, buf, pos, stream, UNIFORM_DRAW))
    # triangular, by its inverse CDF
    u = _draw(token, buf, pos, stream, UNIFORM_DRAW)
    low, mode, high = float(par[0]), float(par[1]), float(par[2])
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


@njit(cache=True, inline="always")
def _choice(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, cumulative: np.ndarray) -> int:
    """``Stream.choice``: the index a uniform draw selects from cumulative shares (last entry 1)."""
    u = _draw(token, buf, pos, stream, UNIFORM_DRAW)
    for index in range(cumulative.shape[0]):
        if u < cumulative[index]:
            return index
    return int(cumulative.shape[0]) - 1


# ------------------------------------------------------------------------------------------- storage
@njit(cache=True)
def _room_f(table: np.ndarray, rows: int) -> np.ndarray:
    """``table`` with at least ``rows`` rows (doubled when short; the new rows unwritten)."""
    if table.shape[0] >= rows:
        return table
    grown = np.empty((max(rows, 2 * table.shape[0]), table.shape[1]))
    grown[: table.shape[0]] = table
    return grown


@njit(cache=True)
def _room_i(table: np.ndarray, rows: int) -> np.ndarray:
    if table.shape[0] >= rows:
        return table
    grown = np.empty((max(rows, 2 * table.shape[0]), table.shape[1]), dtype=np.int64)
    grown[: table.shape[0]] = table
    return grown


@njit(cache=True)
def _room_1f(array: np.ndarray, rows: int) -> np.ndarray:
    if array.shape[0] >= rows:
        return array
    grown = np.empty(max(rows, 2 * array.shape[0]))
    grown[: array.shape[0]] = array
    return grown


@njit(cache=True)
def _room_1i(array: np.ndarray, rows: int) -> np.ndarray:
    if array.shape[0] >= rows:
        return array
    grown = np.empty(max(rows, 2 * array.shape[0]), dtype=np.int64)
    grown[: array.shape[0]] = array
    return grown


# ------------------------------------------------------------------------------------------- the event heap
@njit(cache=True, inline="always")
def _before(ht: np.ndarray, hs: np.ndarray, i: int, j: int) -> bool:
    return bool(ht[i] < ht[j] or (ht[i] == ht[j] and hs[i] < hs[j]))


@njit(cache=True, inline="always")
def _swap(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, i: int, j: int) -> None:
    ht[i], ht[j] = ht[j], ht[i]
    hs[i], hs[j] = hs[j], hs[i]
    hk[i], hk[j] = hk[j], hk[i]
    ha[i], ha[j] = ha[j], ha[i]


@njit(cache=True, inline="always")
def _push(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, size: int, seq: int, time: float,
          kind: int, arg: int) -> None:
    """Add an event at index ``size`` (the caller counts) and sift it up."""
    i = size
    ht[i] = time
    hs[i] = seq
    hk[i] = kind
    ha[i] = arg
    while i > 0:
        parent = (i - 1) // 2
        if _before(ht, hs, i, parent):
            _swap(ht, hs, hk, ha, i, parent)
            i = parent
        else:
            break


@njit(cache=True, inline="always")
def _pop(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, size: int) -> None:
    """Remove the first event (the caller reads it first, and counts): the last one sifts down from the root."""
    last = size - 1
    ht[0] = ht[last]
    hs[0] = hs[last]
    hk[0] = hk[last]
    ha[0] = ha[last]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        child = left
        right = left + 1
        if right < last and _before(ht, hs, right, left):
            child = right
        if _before(ht, hs, child, i):
            _swap(ht, hs, hk, ha, i, child)
            i = child
        else:
            break


# ------------------------------------------------------------------------------------------- the run
@njit(cache=True)
def run_kernel(token: int, buf: np.ndarray, pos: np.ndarray, end_time: float, warmup: float, rate_max: float,
               top: float, seasonal: np.ndarray, month_of_day: np.ndarray, has_seasonal: bool,
               gender_cum: np.ndarray, age_cum: np.ndarray, indigenous: float, pattern_cum: np.ndarray,
               prevalence_count: np.ndarray, prevalence_need: np.ndarray, prevalence_p: np.ndarray,
               route_first: np.ndarray, route_count: np.ndarray, route_service: np.ndarray, route_p: np.ndarray,
               route_delay: np.ndarray, route_delay_drawn: np.ndarray, dist_kind: np.ndarray,
               dist_par: np.ndarray, staff: np.ndarray, cap: np.ndarray, service_dist: np.ndarray,
               patience_dist: np.ndarray, treats: np.ndarray, edge_first: np.ndarray, edge_count: np.ndarray,
               edge_target: np.ndarray, edge_cum: np.ndarray, intake: float, exit_when_met: bool,
               expected_clients: int) -> Any:
    """Run one replication; return the tables and the clinics' monitors (see :mod:`simulator.fast.records`)."""
    n_clinics = staff.shape[0]
    n_needs = treats.shape[1]
    start_rows = max(64, expected_clients)
    # every column of a row is written when the row is made: the tables need no filling
    cl_f = np.empty((start_rows, 3))
    cl_i = np.empty((start_rows, 8), dtype=np.int64)
    nd_f = np.empty((start_rows, 2))
    nd_i = np.empty((start_rows, 6), dtype=np.int64)
    vi_f = np.empty((start_rows, 4))
    vi_i = np.empty((start_rows, 7), dtype=np.int64)
    rf_f = np.empty((64, 4))
    rf_i = np.empty((64, 5), dtype=np.int64)
    n_cl = 0
    n_nd = 0
    n_vi = 0
    n_rf = 0
    heap = 64
    ht = np.empty(heap)
    hs = np.empty(heap, dtype=np.int64)
    hk = np.empty(heap, dtype=np.int64)
    ha = np.empty(heap, dtype=np.int64)
    size = 0
    seq = 0
    # the clinics: servers busy, clients waiting, the FIFO line (head, tail), the presence monitor
    # (simulator.engine.monitor.Presence) and the work offered in the observed window
    busy = np.zeros(n_clinics, dtype=np.int64)
    waiting = np.zeros(n_clinics, dtype=np.int64)
    head = np.full(n_clinics, -1, dtype=np.int64)
    tail = np.full(n_clinics, -1, dtype=np.int64)
    present = np.zeros(n_clinics, dtype=np.int64)
    area = np.zeros(n_clinics)
    last = np.zeros(n_clinics)
    observed = np.zeros(n_clinics, dtype=np.int64)
    offered = np.zeros(n_clinics)

    # the inflow (Episodes.arrivals): candidates at the highest monthly rate, thinned to each month's
    t_raw = 0.0
    arriving = rate_max > 0
    if arriving:
        while True:
            t_raw += _draw(token, buf, pos, ARRIVALS, EXPONENTIAL_DRAW) / rate_max
            if t_raw >= end_time:
                arriving = False
                break
            if has_seasonal and _draw(token, buf, pos, ARRIVALS, UNIFORM_DRAW) * top >= \
                    seasonal[month_of_day[int(t_raw)]]:
                continue
            break
    if arriving:
        _push(ht, hs, hk, ha, size, seq, 0.0 + (t_raw - 0.0), EV_ARRIVAL, 0)
        size += 1
        seq += 1

    # walk-ins without a delay, made by the arrival just handled: they run next, at the same time, in order
    # (SimPy starts a process with an urgent event, ahead of the other events of that time)
    immediate = np.empty(WALK_IN_SLOTS, dtype=np.int64)
    n_immediate = 0
    next_immediate = 0
    now = 0.0
    while True:
        if next_immediate < n_immediate:
            kind = EV_WALK_IN
            arg = immediate[next_immediate]
            next_immediate += 1
        else:
            if size == 0 or ht[0] >= end_time:
                break
            now = ht[0]
            kind = hk[0]
            arg = ha[0]
            _pop(ht, hs, hk, ha, size)
            size -= 1
            n_immediate = 0
            next_immediate = 0
        # room for what this event may add
        if size + ROOM > ht.shape[0]:
            ht = _room_1f(ht, size + ROOM)
            hs = _room_1i(hs, size + ROOM)
            hk = _room_1i(hk, size + ROOM)
            ha = _room_1i(ha, size + ROOM)
        if n_cl + ROOM > cl_f.shape[0]:
            cl_f = _room_f(cl_f, n_cl + ROOM)
            cl_i = _room_i(cl_i, n_cl + ROOM)
        if n_nd + ROOM > nd_f.shape[0]:
            nd_f = _room_f(nd_f, n_nd + ROOM)
            nd_i = _room_i(nd_i, n_nd + ROOM)
        if n_vi + ROOM > vi_f.shape[0]:
            vi_f = _room_f(vi_f, n_vi + ROOM)
            vi_i = _room_i(vi_i, n_vi + ROOM)
        if n_rf + ROOM > rf_f.shape[0]:
            rf_f = _room_f(rf_f, n_rf + ROOM)
            rf_i = _room_i(rf_i, n_rf + ROOM)

        # (need row, clinic, referral, duration) of an arrival at a clinic made by this event, if any
        go_need = -1
        go_clinic = -1
        go_referral = -1
        go_duration = 0.0
        # (visit) whose service just ended, to route its need
        routed = -1

        if kind == EV_ARRIVAL:
            # a new client (Episodes.draw_client, Episodes.start), from stream ``attributes``
            client = n_cl
            n_cl += 1
            gender = _choice(token, buf, pos, ATTRIBUTES, gender_cum) if gender_cum.shape[0] > 1 else 0
            age = _choice(token, buf, pos, ATTRIBUTES, age_cum) if age_cum.shape[0] > 1 else 0
            native = 0
            if indigenous > 0 and _draw(token, buf, pos, ATTRIBUTES, UNIFORM_DRAW) < indigenous:
                native = 1
            pattern = _choice(token, buf, pos, ATTRIBUTES, pattern_cum) if pattern_cum.shape[0] > 1 else 0
            cl_f[client, C_START] = now
            cl_f[client, C_SINCE] = t_raw
            cl_f[client, C_END] = np.nan
            cl_i[client, C_GENDER] = gender
            cl_i[client, C_AGE] = age
            cl_i[client, C_INDIGENOUS] = native
            cl_i[client, C_PATTERN] = pattern
            cl_i[client, C_REASON] = EPISODE_ACTIVE
            cl_i[client, C_FIRST_NEED] = n_nd
            held = 0
            for j in range(prevalence_count[pattern]):
                p = prevalence_p[pattern, j]
                if p >= 1.0 or _draw(token, buf, pos, ATTRIBUTES, UNIFORM_DRAW) < p:
                    row = n_nd
                    n_nd += 1
                    nd_f[row, N_ONSET] = now
                    nd_f[row, N_END] = np.nan
                    nd_i[row, N_CLIENT] = client
                    nd_i[row, N_NEED] = prevalence_need[pattern, j]
                    nd_i[row, N_STATUS] = NEED_OPEN
                    nd_i[row, N_MET] = 0
                    nd_i[row, N_MET_BY] = -1
                    nd_i[row, N_TARGET] = -1
                    held += 1
            cl_i[client, C_NEEDS] = held
            cl_i[client, C_OPEN] = held
            # walk-ins (Pathways.walk_ins): for each need, the first entry point drawn
            for row in range(cl_i[client, C_FIRST_NEED], n_nd):
                need = nd_i[row, N_NEED]
                for r in range(route_first[need], route_first[need] + route_count[need]):
                    p = route_p[r]
                    if p >= 1.0 or _draw(token, buf, pos, ATTRIBUTES, UNIFORM_DRAW) < p:
                        wait = 0.0
                        if route_delay_drawn[r]:
                            d = route_delay[r]
                            wait = _sample(token, buf, pos, ATTRIBUTES, dist_kind[d], dist_par[d])
                        nd_i[row, N_STATUS] = NEED_PENDING
                        nd_i[row, N_TARGET] = route_service[r]
                        if wait > 0:
                            _push(ht, hs, hk, ha, size, seq, now + wait, EV_WALK_IN, row)
                            size += 1
                            seq += 1
                        else:
                            immediate[n_immediate] = row
                            n_immediate += 1
                        break
            # the next arrival: scheduled as SimPy's timeout(t - now) from this one
            while True:
                t_raw += _draw(token, buf, pos, ARRIVALS, EXPONENTIAL_DRAW) / rate_max
                if t_raw >= end_time:
                    arriving = False
                    break
                if has_seasonal and _draw(token, buf, pos, ARRIVALS, UNIFORM_DRAW) * top >= \
                        seasonal[month_of_day[int(t_raw)]]:
                    continue
                break
            if arriving:
                _push(ht, hs, hk, ha, size, seq, now + (t_raw - now), EV_ARRIVAL, 0)
                size += 1
                seq += 1

        elif kind == EV_WALK_IN:
            # a walk-in reaches its clinic: the unilateral intake plus a service time (Pathways.pathway)
            go_need = arg
            go_clinic = nd_i[arg, N_TARGET]
            go_duration = intake + _sample(token, buf, pos, SERVICE0 + 2 * go_clinic,
                                           dist_kind[service_dist[go_clinic]], dist_par[service_dist[go_clinic]])

        elif kind == EV_SERVICE_END:
            v = arg
            c = vi_i[v, V_SERVICE]
            vi_f[v, V_END] = now
            vi_i[v, V_OUTCOME] = SERVED
            vi_i[v, V_STATE] = DONE
            busy[c] -= 1
            # the server goes to the first client still in line
            while head[c] >= 0:
                w = head[c]
                head[c] = vi_i[w, V_NEXT]
                if head[c] < 0:
                    tail[c] = -1
                if vi_i[w, V_STATE] == WAITING:
                    busy[c] += 1
                    waiting[c] -= 1
                    vi_i[w, V_STATE] = IN_SERVICE
                    vi_f[w, V_START] = now
                    if vi_i[w, V_REFERRAL] >= 0:
                        rf_f[vi_i[w, V_REFERRAL], R_START] = now
                    _push(ht, hs, hk, ha, size, seq, now + vi_f[w, V_DURATION], EV_SERVICE_END, w)
                    size += 1
                    seq += 1
                    break
            # the client leaves the clinic (Presence.leave)
            if now > warmup:
                area[c] += present[c] * (now - (last[c] if last[c] > warmup else warmup))
            last[c] = now
            present[c] -= 1
            if vi_i[v, V_REFERRAL] >= 0:
                rf_f[vi_i[v, V_REFERRAL], R_END] = now
                rf_i[vi_i[v, V_REFERRAL], R_OUTCOME] = SERVED
            routed = v

        else:  # EV_PATIENCE
            v = arg
            if vi_i[v, V_STATE] == WAITING:  # else: already served (lazy deletion)
                c = vi_i[v, V_SERVICE]
                vi_i[v, V_STATE] = DONE
                vi_i[v, V_OUTCOME] = RENEGED
                vi_f[v, V_END] = now
                waiting[c] -= 1
                if now > warmup:
                    area[c] += present[c] * (now - (last[c] if last[c] > warmup else warmup))
                last[c] = now
                present[c] -= 1
                if vi_i[v, V_REFERRAL] >= 0:
                    rf_f[vi_i[v, V_REFERRAL], R_END] = now
                    rf_i[vi_i[v, V_REFERRAL], R_OUTCOME] = RENEGED
                nd_i[vi_i[v, V_NEED], N_STATUS] = NEED_OPEN

        if routed >= 0:
            # after a served visit one uniform (stream ``routing``) meets the need, refers it on or leaves it
            # open (docs/model.md section 5.2)
            row = vi_i[routed, V_NEED]
            c = vi_i[routed, V_SERVICE]
            need = nd_i[row, N_NEED]
            u = _draw(token, buf, pos, ROUTING, UNIFORM_DRAW)
            p_met = treats[c, need]
            if u < p_met:
                nd_i[row, N_STATUS] = NEED_MET
                nd_i[row, N_MET] = 1
                nd_i[row, N_MET_BY] = c
                nd_f[row, N_END] = now
                client = nd_i[row, N_CLIENT]
                cl_i[client, C_OPEN] -= 1
                if exit_when_met and cl_i[client, C_OPEN] == 0:
                    cl_f[client, C_END] = now
                    cl_i[client, C_REASON] = EPISODE_NEEDS_MET
            else:
                key = c * n_needs + need
                chosen = -1
                for e in range(edge_first[key], edge_first[key] + edge_count[key]):
                    if u - p_met < edge_cum[e]:
                        chosen = edge_target[e]
                        break
                if chosen < 0:
                    nd_i[row, N_STATUS] = NEED_OPEN  # left open
                else:
                    # a unilateral handoff (Handoffs.send): its referral row, then the base-loss draw of
                    # stream ``handoffs`` (no loss in this engine), then the receiver
                    ref = n_rf
                    n_rf += 1
                    rf_f[ref, R_CREATED] = now
                    rf_f[ref, R_ARRIVED] = now
                    rf_f[ref, R_START] = np.nan
                    rf_f[ref, R_END] = np.nan
                    rf_i[ref, R_CLIENT] = nd_i[row, N_CLIENT]
                    rf_i[ref, R_NEED] = row
                    rf_i[ref, R_SOURCE] = c
                    rf_i[ref, R_TARGET] = chosen
                    rf_i[ref, R_OUTCOME] = OPEN_AT_HORIZON
                    _draw(token, buf, pos, HANDOFFS, UNIFORM_DRAW)
                    go_need = row
                    go_clinic = chosen
                    go_referral = ref
                    go_duration = intake + _sample(token, buf, pos, SERVICE0 + 2 * chosen,
                                                   dist_kind[service_dist[chosen]], dist_par[service_dist[chosen]])

        if go_clinic >= 0:
            # an arrival at a clinic (ServiceNode.serve)
            c = go_clinic
            v = n_vi
            n_vi += 1
            vi_f[v, V_ARRIVAL] = now
            vi_f[v, V_START] = np.nan
            vi_f[v, V_END] = np.nan
            vi_f[v, V_DURATION] = go_duration
            vi_i[v, V_CLIENT] = nd_i[go_need, N_CLIENT]
            vi_i[v, V_NEED] = go_need
            vi_i[v, V_SERVICE] = c
            vi_i[v, V_REFERRAL] = go_referral
            vi_i[v, V_OUTCOME] = OPEN_AT_HORIZON
            vi_i[v, V_NEXT] = -1
            if now >= warmup:
                offered[c] += go_duration  # the work this arrival asks for, served or not
            outcome = OPEN_AT_HORIZON
            if cap[c] >= 0 and waiting[c] >= cap[c]:
                outcome = BALKED  # turned away: the waiting room is full
                vi_i[v, V_STATE] = DONE
            else:
                deadline = np.inf
                if patience_dist[c] >= 0:
                    d = patience_dist[c]
                    deadline = now + _sample(token, buf, pos, SERVICE0 + 2 * c + 1, dist_kind[d], dist_par[d])
                if deadline <= now:
                    outcome = RENEGED  # no patience at all: gone on arrival, never in line
                    vi_i[v, V_STATE] = DONE
                    vi_f[v, V_END] = now
                else:
                    if now > warmup:
                        area[c] += present[c] * (now - (last[c] if last[c] > warmup else warmup))
                    last[c] = now
                    present[c] += 1
                    if now >= warmup:
                        observed[c] += 1
                    if busy[c] < staff[c]:
                        busy[c] += 1
                        vi_i[v, V_STATE] = IN_SERVICE
                        vi_f[v, V_START] = now
                        if go_referral >= 0:
                            rf_f[go_referral, R_START] = now
                        _push(ht, hs, hk, ha, size, seq, now + go_duration, EV_SERVICE_END, v)
                        size += 1
                        seq += 1
                    else:
                        waiting[c] += 1
                        vi_i[v, V_STATE] = WAITING
                        if tail[c] >= 0:
                            vi_i[tail[c], V_NEXT] = v
                        else:
                            head[c] = v
                        tail[c] = v
                        if deadline < np.inf:
                            _push(ht, hs, hk, ha, size, seq, now + (deadline - now), EV_PATIENCE, v)
                            size += 1
                            seq += 1
            if outcome != OPEN_AT_HORIZON:
                vi_i[v, V_OUTCOME] = outcome
                if go_referral >= 0:
                    rf_f[go_referral, R_END] = now
                    rf_i[go_referral, R_OUTCOME] = outcome
                nd_i[go_need, N_STATUS] = NEED_OPEN

    # the horizon: the monitors' last stretch (Presence.time_average at the end)
    for c in range(n_clinics):
        if end_time > warmup:
            area[c] += present[c] * (end_time - (last[c] if last[c] > warmup else warmup))
        last[c] = end_time
    return (cl_f[:n_cl], cl_i[:n_cl], nd_f[:n_nd], nd_i[:n_nd], vi_f[:n_vi], vi_i[:n_vi], rf_f[:n_rf],
            rf_i[:n_rf], area, observed, offered)
