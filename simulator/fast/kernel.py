"""The compiled event loop: episodes of clients walking in to clinics, queueing, being served and referred on,
sleeping in shelters, outdoors or elsewhere, met by outreach workers, and waiting for housing.

One call of :func:`run_kernel` runs one replication of a scenario that :mod:`simulator.fast.support` accepts,
with the rules of ``docs/model.md`` (sections 2, 3, 4.1 to 4.5, 5.1 to 5.8, 6, 7 and the tables of 8, the event
log included). Everything it needs comes in as
numbers and arrays (:mod:`simulator.fast.plan` builds them), so a new parameter value never recompiles
anything, and everything it writes goes out as arrays (:mod:`simulator.fast.records` names them).

**Events.** A binary heap in flat arrays (time, key, kind, argument), ordered as SimPy orders its events: by
time, then urgent before normal (a process starting, as a walk-in does, runs ahead of the other events of
its time), then in the order of scheduling; it holds the events of the current hour, the later ones wait in
a calendar of hourly slots until their hour comes (:func:`_push`). The kernel schedules an event wherever the
SimPy engine does (a timeout, a request granted, a condition met, a server released, a process started), so
that events at the same time (the clients waiting for a clinic to open, all served at the opening) come out in
the same order on both engines. An event of a visit that no longer waits for it (a patience timeout after the
service started) is skipped when it comes up.

**Clinics.** Each clinic is a SimPy resource: a number of servers in use (``users``) and a line of requests
(a binary heap per clinic, ordered by priority and then by request), whose head is tried when a request is
made or a release is processed, exactly as ``simpy.Resource`` does. Opening hours are the SimPy engine's
shift process (:meth:`simulator.engine.nodes.ServiceNode.shifts`), step for step: "closed" requests of the
highest priority hold every server outside the hours, each taking its server when the client in front of it
is done (services run past closing), and all are released at the next opening. Every time is computed with
the SimPy engine's arithmetic (a timeout to ``x`` lands at ``now + (x - now)``).

**Episodes and pathways.** Each need under way is followed by its pathway (a process of the SimPy engine):
where it waits (a walk-in's delay, a handoff's way, a visit) is kept with the need, so that an episode that
ends (self-resolution, or its needs met) stops it there, with an urgent event as SimPy's interrupt. A
handoff draws its type, staff time, loss time, priority and latency as :mod:`simulator.engine.handoffs`
does; coordination work takes a clinic's staff member as a request of its own.

**Shelters.** The SimPy engine's processes, step for step (:mod:`simulator.engine.shelters`, ``shelter_use``,
``locations``, ``outreach``): per shelter an intake process (its opening fills the free beds from the line);
for the network the refusals at the last close, the capacity schedule at 12:00 (winter beds, evictions of the
last admitted) and the census; per client a shelter cycle, a small state machine that waits where the
generator of :meth:`simulator.engine.shelter_use.ShelterCycles.cycle` waits (avoiding shelters, in the line,
a stay, a gap) and resumes on the same events (its start, the request's event, a winter seeker's condition,
a timeout, an interrupt: an eviction, a persuasion, the episode's end). Each cycle carries a token that moves
on whenever it waits for something else, so that the events it no longer waits for are skipped. The line is
one list per class of client (gender and age group) in order of request, a shelter's fill takes the first of
the heads of the classes it serves; a shelter's occupants are a list in order of admission (the last
admitted are evicted first); the clients outdoors are the SimPy engine's list (a removal swaps in the last
one), so that an outreach contact picks the same client with the same draw. A contact (an admission, an
outreach worker) starts a pathway per need drawn, each a process of its own; when an episode ends, its
pathways and cycle are interrupted in the order they started.

**Housing.** :class:`simulator.engine.housing.HousingProgramme`, step for step: its free general, reserved
(held, each with its hold time in a ring, released after ``reserved_release``) and released places, the
earlier tenants' places (their residual tenancies drawn before the run, in the order the SimPy engine builds
the services), the vacancy process, and its list: a heap per programme (after the clinics' lines), ordered by
(order, time of joining) through the order of joining, its dead entries (matched, out of patience, episode
over) dropped when they come up, as ``heapq`` does there. An application (a handoff's receiver step or a
walk-in) waits where the SimPy engine's process waits: for the match's event (with a patience timeout, for the
condition of the two, whose outcome is the event processed first, so that a place matched in the instant
patience ran out stays taken, as there), then for the move-in; the move-in ends the episode (``housed``) and
schedules the return and the place's release (stream ``returns``). An episode that ends meanwhile interrupts
it like any pathway: its place goes to the next in line. **Prerequisites** are checked where
:class:`simulator.engine.pathways.Pathways` checks them: a contact's pathway at its start, a walk-in after its
delay, an onward referral after a visit.

**Case conference.** :class:`simulator.engine.conference.CaseConference`, step for step: its meetings process
(due at the first ``weekday`` at ``time``, then every ``every`` days; held on its meeting days that are not
holidays), the list of cases in order of joining (the referrals of the multilateral handoffs, dropped where
lost or closed while waiting, pruned when a meeting is held), and at a meeting the escalation scan (the stuck
needs of complex clients by onset, client and need, as many as there is room for, each a pathway of its own
from the sender ``conference``; then a zero-length step), the seats (the staff time of each participant open
at the meeting's time, the others' missed seats counted) and up to ``max_cases`` decisions. A multilateral
handoff waits for its decision's event, or with a loss time for the condition "decided or the loss time" (lost
unless the decision was processed when the condition is), then goes on as the others do, with the
conference's priority and, at a housing programme, its reserved places (``reserved_slot``).

**Access point.** :class:`simulator.engine.access_point.AccessPoint`, step for step: the access point is one
of the clinics (its staff, even under a regime that does not use it, its hours, its patience, the priority
discipline, nothing treated); an integrated handoff (no queue jump) goes there after its lead time and base
loss, for data entry plus an assessment (stream ``handoffs``) where the episode has none yet, recorded in the
``staff`` table as ``assessment`` without a task of its own, at priority 3 with the handoff's loss time (a loss
there is ``lost_handoff``, a patience ``reneged``; the referral's ``start`` is the assessment's while it lasts,
as there). Then the receiver's eligibility rules (``ineligible``), and the score from the client's file (open
needs, chronic pattern, years homeless, Indigenous, woman, ``target_pressure``) as the receiver's priority.

**Cohort.** :meth:`simulator.engine.episodes.Episodes.cohort`, step for step: its clients (stream ``cohort``,
of its pattern, homeless since they enter, source ``cohort``) open their episodes one after the other, as the
SimPy engine's synchronous call does, before any other event of the instant: at 0 right after the last client of
the initial stock (the arrival process, the outreach services and the conference's meetings start after them,
so that the cohort's walk-ins and shelter cycles come first, as there), or at ``at`` by an event scheduled
after the stock's (SimPy's ``ctx.at``: none at or after the horizon). Their needs are drawn from the cohort's
own prevalence (the last row of the prevalence tables) and their walk-ins along the cohort's own entry points
and then everyone's (the second row of the route tables); their later episodes are everybody's.

**Event log.** With ``outputs.event_log`` every call of the SimPy engine's ``ctx.log`` is a row of the kernel's
log, written where the SimPy engine writes it (an episode's start and end, a visit requested, left, started and
ended, a prerequisite missing, a need met, a referral sent and closed, a shelter's admission and refusal, a
housing list joined, an offer refused, a match, an outreach contact): its time and codes (the kind, the episode
or the need's row, the service, the adjustment, a detail), named by :mod:`simulator.fast.records`. One small
function of its own writes a row; without the log nothing is written and each place costs one test of a flag.

**Randomness.** The streams of :mod:`simulator.engine.streams`, draw for draw: each source keeps its own
generator (``SeedSequence(seed, spawn_key=(replication, crc32(name)))``, created by the caller) and its own
buffers of 2,048 uniforms, standard exponentials and standard normals, refilled from that generator when
they run out (the only call back into Python, once per 2,048 draws, through a C function pointer: see
:func:`_call_refill`); gamma draws call the generator directly, the same way. Each source draws in the order
the SimPy engine does, so replication ``i`` of every variant of a scenario sees the same arrivals (common
random numbers), and a scenario runs to the same records on both engines.

**Tables.** Clients, episodes, needs, visits, referrals, locations, nights, census and event log rows are rows
of a float and an int array each, grown by doubling.

**Compilation.** Only the small helpers called at every step (a draw, scheduling an event, the heap's pop) are
inlined into the event loop; the larger ones (a heap's push, a line's insertion and removal, a server's grant,
a shelter's admission) stay functions of their own, which keeps the first compilation to about half of what
inlining them everywhere costs. The event loop and everything it calls are compiled without numba's runtime
(:func:`_borrowing`): they allocate nothing (the tables, lines and scratch space are grown between calls of the
loop by :func:`run_kernel`, the only function that allocates) and take their arrays without counting references
to them, which numba's runtime does at every call of a function and at many steps of a loop (an atomic
increment and decrement per array).
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from typing import Any, TypeVar

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# ---- the kinds of buffered draws of a stream (Stream.uniform, std_exponential, std_normal)
UNIFORM_DRAW, EXPONENTIAL_DRAW, NORMAL_DRAW = 0, 1, 2
DRAW_KINDS = 3

# ---- the fixed streams; clinic c has its service stream at SERVICE0 + 2c and its patience stream after it
ARRIVALS, ATTRIBUTES, ROUTING, HANDOFFS, STOCK, RETURNS, SERVICE0 = 0, 1, 2, 3, 4, 5, 6

# ---- distributions (simulator.config.distributions), with up to 3 parameters each
FIXED, EXPONENTIAL, LOGNORMAL, GAMMA, UNIFORM, TRIANGULAR = 0, 1, 2, 3, 4, 5

# ---- events (SimPy's: a process's timeout, a request granted, a condition met, a release, a process start)
EV_ARRIVALS_START = 0  # the arrival process starts (urgent, at 0)
EV_ARRIVAL = 1  # its timeout: the next inflow arrival
EV_WALK_START = 2  # a walk-in's pathway starts (urgent); arg: the need row
EV_WALK_IN = 3  # the walk-in's delay is over; arg: the need row
EV_REQUEST = 4  # a clinic request granted earlier is processed; arg: the visit
EV_DEADLINE = 5  # a visit's deadline (patience) timeout; arg: the visit
EV_RESUME = 6  # the condition "served or deadline" of a visit is processed: its process resumes
EV_SERVICE_END = 7  # the service timeout; arg: the visit
EV_RELEASE = 8  # a server's release is processed: the head of the line is tried; arg: the clinic
EV_SHIFT = 9  # a step of a clinic's shift process (opening hours); arg: the clinic
EV_TRAVEL = 10  # a handoff's latency is over, or its loss clock ran out on the way; arg: the referral
EV_TASK_START = 11  # coordination work starts at a clinic (urgent: a process of its own); arg: the task
EV_TASK_GRANTED = 12  # its request for a staff member is processed; arg: the task
EV_TASK_END = 13  # the work is done, the staff member released; arg: the task
EV_STOCK = 14  # a client of the initial stock opens an episode (at 0, before anything else)
EV_RESOLVE = 15  # an episode's self-resolution time; arg: episode row * TOKENS + the clock's token
EV_RETURN = 16  # a client's return after a self-resolved episode; arg: the client
EV_INTERRUPT = 17  # a pathway of an episode that ended is stopped (urgent: SimPy's interrupt); arg: the need row
EV_CONTACT_START = 18  # a pathway started by a contact (urgent: a process starting); arg: the need row
# the shelter cycle of a client (simulator.engine.shelter_use); arg: client << TOKEN_BITS | the cycle's token
EV_CYCLE_START = 19  # the cycle starts (urgent)
EV_ADMIT = 20  # the event of a bed request is processed: the client was admitted
EV_COND = 21  # the condition "admitted, or the season is over" of a winter seeker in line is processed
EV_SEASON_END = 22  # the season ends for a winter seeker in line (a timeout of that condition)
EV_WAKE = 23  # an avoidant client's next season change
EV_CHECKOUT = 24  # the checkout at the end of a stay
EV_GAP_END = 25  # the end of a gap
EV_CYCLE_INTERRUPT = 26  # the cycle is interrupted (urgent); arg: client << 2 | the cause
# the shelter network's daily processes (simulator.engine.shelters); arg: 0 when the process starts, 1 after
EV_INTAKE = 27  # a step of a shelter's intake process; arg: the shelter
EV_NIGHTLY = 28  # refusals at the last close of the night
EV_SCHEDULE = 29  # the capacity schedule at 12:00
EV_COUNTS = 30  # the census
EV_OUTREACH = 31  # a contact of an outreach service (simulator.engine.outreach); arg: 2 * service + 0 or 1
# housing programmes (simulator.engine.housing); arg: the application, or as said
EV_H_MATCH = 32  # the event of an application matched to a place is processed
EV_H_PATIENCE = 33  # the patience timeout of an application
EV_H_RESUME = 34  # the condition "matched or out of patience" of an application is processed: its process resumes
EV_MOVE_IN = 35  # the move-in is done
EV_H_FREE = 36  # a place falls vacant (tenancy end, tenant's return, earlier tenant); arg: 2 * programme + reserved
EV_H_RELEASE = 37  # the reserved places held since ``reserved_release`` are released; arg: the programme
EV_H_VACANCY = 38  # a step of a programme's vacancy process; arg: 2 * programme + 0 (its start) or 1 (a vacancy)
# the case conference (simulator.engine.conference); arg: the step of its meetings process (0: its start, 1: a
# meeting due, 2: the decisions after an escalation's zero-length step), or the referral of a case
EV_CONF = 39  # a step of the meetings process
EV_C_DECIDED = 40  # the event of a case decided is processed
EV_C_TIMEOUT = 41  # the loss time of a case waiting for the conference
EV_C_RESUME = 42  # the condition "decided or lost" of a case is processed: its process resumes
# the cohort (Episodes.cohort): its clients open their episodes one after the other, before any other event (none
# is scheduled: the loop takes them while ``G_COHORT_LEFT`` counts some left), after the initial stock at 0 or at
# the cohort's time (``EV_COHORT_DUE``, SimPy's ``ctx.at`` callback)
EV_COHORT = 43
EV_COHORT_DUE = 44

# ---- SimPy's event priorities, as the high bits of the heap's second key (then the order of scheduling)
NORMAL_BIT = 1 << 52
# ---- the counters of the event queue: the heap's size, the events scheduled, the two lists of events at the
# current time (urgent, normal: the first not yet processed, the end)
HEAP_SIZE, SCHEDULED, URGENT_HEAD, URGENT_TAIL, NOW_HEAD, NOW_TAIL = 0, 1, 2, 3, 4, 5
# ... the calendar's first slot not yet in the heap, its free list, the top of its pool, its events
WINDOW, POOL_FREE, POOL_TOP, FAR = 6, 7, 8, 9
#: the calendar's slots a day (an event in a later slot waits in the calendar, not in the heap)
SLOTS = 24.0

# ---- the rows to make room for at the start, by table (:func:`run_kernel`'s ``rows_hint``; 0: the default)
HINT_CLIENTS, HINT_EPISODES, HINT_NEEDS, HINT_VISITS, HINT_REFERRALS, HINT_STAFF, HINT_LOCATIONS, HINT_NIGHTS, \
    HINT_CENSUS, HINT_APPLICATIONS, HINT_LOG = range(11)
HINTS = 11

# ---- outcome codes of visits and referrals (0: still open at the horizon, written as censored)
OPEN_AT_HORIZON, SERVED, RENEGED, BALKED, LOST_WAITING, LOST_HANDOFF, EXITED, CLIENT_EXITED, HOUSED, \
    INELIGIBLE = range(10)
# ---- visit states: in line, granted a server (its process not yet resumed), in service, done
WAITING, GRANTED, IN_SERVICE, DONE = 0, 1, 2, 3
# ---- need states (simulator.engine.clients)
NEED_OPEN, NEED_PENDING, NEED_MET = 0, 1, 2
# ---- need outcomes (0: not met at the horizon, written as censored)
NEED_CENSORED, NEED_WAS_MET, NEED_OPEN_AT_EXIT = 0, 1, 2
# ---- episode ends (0: active at the horizon, written as censored), and where episodes come from
EPISODE_ACTIVE, EPISODE_NEEDS_MET, EPISODE_SELF_RESOLVED, EPISODE_HOUSED = 0, 1, 2, 3
SOURCE_INFLOW, SOURCE_STOCK, SOURCE_RETURN, SOURCE_COHORT = 0, 1, 2, 3
# ---- where a need's pathway (a process of the SimPy engine) waits: nowhere (none under way), for its start,
# a walk-in's delay, a handoff's way, a visit, a housing application (simulator.engine.pathways)
PATH_NONE, PATH_STARTING, PATH_DELAY, PATH_TRAVEL, PATH_VISIT, PATH_HOUSING = 0, 1, 2, 3, 4, 5
PATH_CONFERENCE = 6  # a multilateral handoff waiting for the conference's decision
#: the self-resolution clock of an episode is rescheduled at most once per need: its tokens stay below this
TOKENS = 8
# ---- priorities at a clinic (simulator.engine.nodes): lower is served first
CLOSED = -1e12
COORDINATION = -1e9
MULTILATERAL_PRIORITY = 1.0
QUEUE_JUMP = 2.0
NORMAL = 3.0
# ---- adjustment types of a handoff (simulator.engine.handoffs), and how the regime assigns them
UNILATERAL, BILATERAL, MULTILATERAL, INTEGRATED = 0, 1, 2, 3
ASSIGN_ONE, ASSIGN_TIES, ASSIGN_MIX = 0, 1, 2
# ---- the columns of the handoff types' parameters: float (loss base, loss hazard, intake, sender's time,
# receiver's time, accompaniment probability and time, queue jump); int (latency distribution, has an
# accompaniment)
H_BASE, H_HAZARD, H_INTAKE, H_SENDER, H_RECEIVER, H_ACCOMPANIMENT_P, H_ACCOMPANIMENT, H_QUEUE_JUMP = range(8)
H_LATENCY, H_ACCOMPANIED = 0, 1
# ---- purposes of coordination work (the ``staff`` table)
SENDER, RECEIVER, ACCOMPANIMENT, CONFERENCE, ASSESSMENT = 0, 1, 2, 3, 4
# ---- the integrated path's parameters (simulator.engine.access_point): data entry, then the score's weights
# (complexity, chronic, years homeless, Indigenous, woman) and target_pressure
PT_DATA_ENTRY, PT_COMPLEXITY, PT_CHRONIC, PT_YEARS, PT_INDIGENOUS, PT_WOMAN, PT_PRESSURE = range(7)
PT_COLUMNS = 7

# ---- columns of the tables
# clients: int (gender, age group, indigenous, pattern, current episode row, episodes so far; where they sleep,
# their position in the list of clients outdoors, the client at position i of that list (row i), their shelter,
# the line (previous, next, order of request, in it), the shelter's occupants (previous, next); their shelter
# cycle: where it waits, its token, asking for beds this winter only, avoiding shelters, a winter seeker's
# condition (0: none, 1: waiting, 2: met), admitted since the last request, its order among the client's
# processes; the class of their line (gender, age group))
C_GENDER, C_AGE, C_INDIGENOUS, C_PATTERN, C_EPISODE, C_EPISODES = 0, 1, 2, 3, 4, 5
C_LOCATION, C_OUT_POS, C_OUT_LIST, C_WHERE, C_LINE_PREV, C_LINE_NEXT, C_LINE_SEQ, C_IN_LINE = range(6, 14)
C_OCC_PREV, C_OCC_NEXT, C_CYCLE, C_TOKEN, C_WINTER_ONLY, C_AVOIDING, C_COND, C_ADMITTED = range(14, 22)
C_CYCLE_SEQ, C_CLASS = 22, 23
C_COLUMNS = 24
# episodes: float (start, homeless_since, end, the self-resolution clock: budget left, mean in force, since);
# int (client, number, needs at entry, needs not met, end reason, first need row, source, the clock's token,
# returns if it self-resolves, avoids shelters, nights refused after the warm-up, returns if housed)
E_START, E_SINCE, E_END, E_BUDGET, E_MEAN, E_CLOCK = 0, 1, 2, 3, 4, 5
E_CLIENT, E_NUMBER, E_NEEDS, E_OPEN, E_REASON, E_FIRST_NEED, E_SOURCE, E_TOKEN, E_RETURNS, E_AVOIDANT, \
    E_REFUSED, E_RETURNS_HOUSED, E_ASSESSED = range(13)
# needs: float (onset, end, walk-in delay, last referral); int (episode row, need, status, outcome, met by,
# target of its pathway, where its pathway waits, its visit (or housing application), its referral, the sender of
# a contact's pathway, its pathway's order among the client's processes)
N_ONSET, N_END, N_DELAY, N_LAST = 0, 1, 2, 3
N_EPISODE, N_NEED, N_STATUS, N_OUTCOME, N_MET_BY, N_TARGET, N_PATH, N_VISIT, N_REFERRAL, N_SOURCE, \
    N_SEQ = range(11)
# visits: float (arrival, start, end, duration); int (need row, service, referral, outcome, state, has a
# deadline, deadline fired, the deadline is the patience's)
V_ARRIVAL, V_START, V_END, V_DURATION = 0, 1, 2, 3
V_NEED, V_SERVICE, V_REFERRAL, V_OUTCOME, V_STATE, V_TIMED, V_FIRED, V_RENEGES = 0, 1, 2, 3, 4, 5, 6, 7
# referrals: float (created, arrived, start, end, priority, loss time); int (need row, source, target,
# outcome, adjustment type, lost on the way when its travel event comes; a multilateral one's case at the
# conference (0: none, 1: waiting, 2: dropped), its decision (0: none, 1: made, 2: its event processed), the
# condition "decided or lost" met)
R_CREATED, R_ARRIVED, R_START, R_END, R_PRIORITY, R_GIVE_UP = 0, 1, 2, 3, 4, 5
R_NEED, R_SOURCE, R_TARGET, R_OUTCOME, R_TYPE, R_LOST_ON_WAY, R_CASE, R_DECIDED, R_FIRED = range(9)
CASE_NONE, CASE_WAITING, CASE_DROPPED = 0, 1, 2
# coordination tasks: float (duration); int (clinic)
K_DURATION = 0
K_CLINIC = 0
# staff rows: float (time, days); int (service, purpose, adjustment type)
W_TIME, W_DAYS = 0, 1
W_SERVICE, W_PURPOSE, W_TYPE = 0, 1, 2

# ---- shelters (simulator.engine.shelters, shelter_use, locations)
#: where a client sleeps (-1: nowhere, the episode is over or has not begun)
SHELTERED, OUTDOORS, ELSEWHERE = 0, 1, 2
#: where a shelter cycle waits: not running, its start, avoiding shelters, in the line (or admitted and not yet
#: resumed), a stay, a gap
CY_NONE, CY_START, CY_AVOID, CY_LINE, CY_STAY, CY_GAP = 0, 1, 2, 3, 4, 5
#: what the cycle does when it resumes
GO_START, GO_AVOID, GO_AVOID_LOOP, GO_TOP, GO_ADMITTED, GO_LEAVE_LINE, GO_CHECKOUT, GO_GAP, GO_GAP_END = range(9)
#: the causes of an interrupt: an outreach worker or a met need convinces the client, an eviction, the exit
SEEK, EVICTED, EXIT = 0, 1, 2
#: a cycle's events carry its token, which changes each time the cycle waits for something else
TOKEN_BITS = 24
TOKEN_MASK = (1 << TOKEN_BITS) - 1
CHECKOUT_HOUR = 8 / 24
SCHEDULE_HOUR = 12 / 24
# shelters: capacity tonight, occupants, admitted since the census, first and last occupant (in order of
# admission), the intake process's day and step
SH_CAP, SH_OCC, SH_ADMITTED, SH_HEAD, SH_TAIL, SH_DAY, SH_PHASE = range(7)
# the network's counters: clients in line, requests made, clients outdoors, clients by location (3), the days
# of the nightly, schedule and census processes, rows of the locations, nights and census tables, outreach
# contacts in the observed window, processes started (the order of a client's interrupts)
G_LINE_LEN, G_LINE_SEQ, G_NOUT, G_LOC0 = 0, 1, 2, 3
G_NIGHT_DAY, G_SCHED_DAY, G_COUNT_DAY, G_NLOC, G_NNIGHT, G_NCENSUS, G_CONTACTS, G_PROC_SEQ = range(6, 14)
# ... and the housing programmes' and prerequisites' counters: reserved places released and referrals blocked in
# the observed window, applications put on a list (their order there), the longest list
G_RELEASED, G_BLOCKED, G_HSEQ, G_HTOP = range(14, 18)
# ... and the conference's: meetings held and seats missed in the observed window, cases on its list, the first
# episode that may still be active (the escalation scan starts there)
G_CONFERENCES, G_MISSED, G_CASES, G_ACTIVE_FROM = range(18, 22)
# ... and the event log's: whether it is kept, its rows; and the clients of the cohort still to open their episodes
G_LOG, G_NLOG, G_COHORT_LEFT = 22, 23, 24
G_SIZE = 25

# ---- the event log (``outputs.event_log``: the ``events`` table of simulator.engine.records), one row per call of
# the SimPy engine's ``ctx.log``: its kinds (simulator.fast.records names them), and its columns: the time (a float
# array of its own); the kind, the episode row (-1: the need row's), the need row (-1: no need), the service (-1:
# none), the adjustment (an adjustment type, WALK_IN, or -1: none), a detail (as the kind reads it: an outcome
# code or D_ below, a source, an exit reason, the sender of a referral, the need a prerequisite wants; -1: none)
LOG_EPISODE_START, LOG_EPISODE_END, LOG_REQUESTED, LOG_LEFT_QUEUE, LOG_STARTED, LOG_ENDED, LOG_PREREQUISITE, \
    LOG_NEED_MET, LOG_SENT, LOG_CLOSED, LOG_ADMITTED, LOG_REFUSED, LOG_WAITLIST, LOG_OFFER_REFUSED, LOG_MATCHED, \
    LOG_OUTREACH = range(16)
L_KIND, L_EPISODE, L_ROW, L_SERVICE, L_ADJUSTMENT, L_DETAIL = range(6)
L_COLUMNS = 6
WALK_IN = 4
D_QUEUED, D_MET, D_NO_BED = 10, 11, 12
#: the most log rows one housing place offered may add (refusals, ``HousingProgramme._match``)
OFFERS = 101

# ---- housing programmes (simulator.engine.housing)
# applications: float (arrival, match time, end, order on the list); int (need row, programme, referral, outcome,
# where its process waits, live (may be matched), the kind of place matched (-1: none yet), the match's event
# processed, has a patience timeout, the condition "matched or out of patience" met, on the list (the presence
# monitor counts it), moving in (matched, not moved in), may take a reserved place)
A_ARRIVAL, A_MATCHED, A_END, A_ORDER = 0, 1, 2, 3
A_NEED, A_PROGRAMME, A_REFERRAL, A_OUTCOME, A_STATE, A_LIVE, A_SLOT, A_PROCESSED, A_TIMED, A_FIRED, A_LISTED, \
    A_MOVING, A_RESERVED_OK = range(13)
#: where an application's process waits: for a match (or its patience), for the move-in, nowhere (over)
AP_WAIT, AP_MOVE, AP_DONE = 0, 1, 2
#: the kinds of place: general, reserved (released or not), a vacancy of an outside stock (``None`` in SimPy)
SLOT_GENERAL, SLOT_RESERVED, SLOT_VACANCY = 0, 1, 2
# a programme's state: free general, reserved (held) and released places, the reserved places' hold times (a ring:
# its head and length), live applications that may take a reserved place
PG_GENERAL, PG_RESERVED, PG_RELEASED, PG_HEAD, PG_LEN, PG_RESERVED_OK = range(6)

#: the most rows of any table (and entries of the event heap or of a clinic's line) one event can add, beyond
#: those of the shelters' line and beds (a fill admits up to the line, an eviction interrupts up to the beds)
ROOM = 16

_F = TypeVar("_F", bound=Callable[..., Any])


def _borrowing(function: _F) -> _F:
    """``njit(cache=True)`` for the functions that allocate no array, nor call a function that does: compiled
    without numba's runtime (``_nrt``, an option of numba's CPU target that its documentation does not list),
    they borrow the arrays they are given, where a function compiled with it counts a reference to each array
    argument at every call, an atomic increment and decrement each (about a third of the kernel's time on
    ``montreal_centre``, profiled with ``perf``). Numba compiles what such a function calls without the runtime
    too, so that nothing below one may allocate (numba refuses to compile an allocation there)."""
    compiled: _F = njit(cache=True, _nrt=False)(function)  # type: ignore[call-overload]
    return compiled


def _inlined(function: _F) -> _F:
    """:func:`_borrowing`, and inlined where it is called (numba's ``inline="always"``): a small helper of the
    loop, whose arrays would cost more to pass than its body takes to run (numba passes each array argument as
    its address, shape, strides and more: a line of arguments pushed on the stack at every call)."""
    compiled: _F = njit(cache=True, _nrt=False, inline="always")(function)  # type: ignore[call-overload]
    return compiled


# ------------------------------------------------------------------------------------------- randomness
#: the generators of the runs under way in this process, by the token their kernel call carries
GENERATORS: dict[int, list[np.random.Generator]] = {}

#: an error raised while refilling a buffer or drawing a gamma variate for the run of a token: a callback cannot
#: raise into compiled code, so the caller of :func:`run_kernel` raises it when the kernel returns
FAILURES: dict[int, BaseException] = {}


def refill(token: int, stream: int, kind: int, out: np.ndarray) -> None:
    """The next block of draws of one kind from one stream's generator, written into ``out`` (the numbers of
    ``generator.random(len(out))`` and the like, without a block of their own to copy)."""
    generator = GENERATORS[token][stream]
    if kind == UNIFORM_DRAW:
        generator.random(out=out)
    elif kind == EXPONENTIAL_DRAW:
        generator.standard_exponential(out=out)
    else:
        generator.standard_normal(out=out)


def gamma_draw(token: int, stream: int, shape: float, scale: float) -> float:
    """One gamma draw, straight from the stream's generator as the SimPy engine makes it."""
    return float(GENERATORS[token][stream].gamma(shape, scale))


#: arrays over the buffer rows the kernel has asked to refill, by (address, length): the same row at every refill
#: of a run (and the same memory whenever the kernel hands that address again), without a new array each time
_ROWS_AT: dict[tuple[int, int], np.ndarray] = {}


def _row_at(address: int, count: int) -> np.ndarray:
    row = _ROWS_AT.get((address, count))
    if row is None:
        if len(_ROWS_AT) >= 1024:
            _ROWS_AT.clear()
        row = _ROWS_AT[(address, count)] = np.ctypeslib.as_array((ctypes.c_double * count).from_address(address))
    return row


def _refill_callback(token: int, stream: int, kind: int, address: int, count: int) -> int:
    try:
        refill(token, stream, kind, _row_at(address, count))
    except BaseException as error:  # (handed to the caller: see FAILURES)
        FAILURES.setdefault(token, error)
        return 1
    return 0


def _gamma_callback(token: int, stream: int, shape: float, scale: float) -> float:
    try:
        return gamma_draw(token, stream, shape, scale)
    except BaseException as error:  # (handed to the caller: see FAILURES)
        FAILURES.setdefault(token, error)
        return math.nan


# The compiled code calls back into Python through two C function pointers, registered with LLVM's symbol table
# under fixed names (as numba registers its own C helpers), so that the code cached on disk finds them in every
# process. A callback needs neither numba's runtime nor its object mode, so the event loop that draws can be
# compiled without the runtime (see :func:`_borrowing`).
_REFILL_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                    ctypes.c_int64)(_refill_callback)
_GAMMA_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int64, ctypes.c_int64, ctypes.c_double,
                                   ctypes.c_double)(_gamma_callback)
_REFILL_SYMBOL = "simulator_fast_refill"
_GAMMA_SYMBOL = "simulator_fast_gamma"
llvm.add_symbol(_REFILL_SYMBOL, ctypes.cast(_REFILL_CALLBACK, ctypes.c_void_p).value)
llvm.add_symbol(_GAMMA_SYMBOL, ctypes.cast(_GAMMA_CALLBACK, ctypes.c_void_p).value)


@intrinsic
def _call_refill(typingctx: Any, token: Any, stream: Any, kind: Any, address: Any, count: Any) -> Any:
    """Call :func:`_refill_callback` (token, stream, kind, the address of the buffer's row, its length); 0 when
    done, 1 when it failed."""
    signature = types.int64(types.int64, types.int64, types.int64, types.int64, types.int64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        i64 = ir.IntType(64)
        function = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(i64, [i64] * 5), _REFILL_SYMBOL)
        return builder.call(function, args)

    return signature, codegen


@intrinsic
def _call_gamma(typingctx: Any, token: Any, stream: Any, shape: Any, scale: Any) -> Any:
    """Call :func:`_gamma_callback` (token, stream, shape, scale) and return its draw (NaN: it failed)."""
    signature = types.float64(types.int64, types.int64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        i64, f64 = ir.IntType(64), ir.DoubleType()
        function = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(f64, [i64, i64, f64, f64]), _GAMMA_SYMBOL)
        return builder.call(function, args)

    return signature, codegen


@_borrowing
def _refill(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, kind: int) -> None:
    """Refill a buffer. ``pos`` has a row after the streams' for the callbacks: its first entry set, the event
    loop stops before its next event (the caller raises the error), rather than run on with stale draws."""
    if _call_refill(token, stream, kind, buf[stream, kind].ctypes.data, buf.shape[2]) != 0:  # type: ignore[call-arg]
        pos[pos.shape[0] - 1, 0] = 1


@_borrowing
def _gamma(token: int, pos: np.ndarray, stream: int, shape: float, scale: float) -> float:
    value: float = _call_gamma(token, stream, shape, scale)  # type: ignore[call-arg]
    if math.isnan(value):
        pos[pos.shape[0] - 1, 0] = 1
    return value


@njit(cache=True, inline="always")
def _draw(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, kind: int) -> float:
    """The next buffered draw of one kind from one stream (``Stream.uniform`` and its siblings)."""
    i = pos[stream, kind]
    if i >= buf.shape[2]:
        _refill(token, buf, pos, stream, kind)
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
        return _gamma(token, pos, stream, par[0], par[1])
    if kind == UNIFORM:
        return float(par[0] + (par[1] - par[0]) * _draw(token, buf, pos, stream, UNIFORM_DRAW))
    # triangular, by its inverse CDF
    u = _draw(token, buf, pos, stream, UNIFORM_DRAW)
    low, mode, high = float(par[0]), float(par[1]), float(par[2])
    cut = (mode - low) / (high - low)
    if u < cut:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


@_borrowing
def _sample_call(token: int, buf: np.ndarray, pos: np.ndarray, stream: int, kind: int, par: np.ndarray) -> float:
    """:func:`_sample` as a function of its own, for the draws that are not on every event's path (one copy
    of the distributions' code instead of one per call site: a shorter compilation)."""
    return _sample(token, buf, pos, stream, kind, par)


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


@njit(cache=True)
def _wider_f(table: np.ndarray, columns: int) -> np.ndarray:
    """``table`` with at least ``columns`` columns (doubled when short)."""
    if table.shape[1] >= columns:
        return table
    grown = np.empty((table.shape[0], max(columns, 2 * table.shape[1])))
    grown[:, : table.shape[1]] = table
    return grown


@njit(cache=True)
def _wider_i(table: np.ndarray, columns: int) -> np.ndarray:
    if table.shape[1] >= columns:
        return table
    grown = np.empty((table.shape[0], max(columns, 2 * table.shape[1])), dtype=np.int64)
    grown[:, : table.shape[1]] = table
    return grown


@_borrowing
def _log(lg_f: np.ndarray, lg_i: np.ndarray, g: np.ndarray, now: float, kind: int, episode: int, row: int,
         service: int, adjustment: int, detail: int) -> None:
    """A row of the event log (``Context.log``); call only where ``g[G_LOG]`` says it is kept."""
    i = g[G_NLOG]
    g[G_NLOG] = i + 1
    lg_f[i] = now
    lg_i[i, L_KIND] = kind
    lg_i[i, L_EPISODE] = episode
    lg_i[i, L_ROW] = row
    lg_i[i, L_SERVICE] = service
    lg_i[i, L_ADJUSTMENT] = adjustment
    lg_i[i, L_DETAIL] = detail


# ------------------------------------------------------------------------------------------- the event heap
@_borrowing
def _push(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, fp: np.ndarray, fb: np.ndarray,
          counts: np.ndarray, time: float, urgent: bool, kind: int, arg: int) -> None:
    """Schedule an event in the heap or the calendar (``counts``: the heap's size, the number of events scheduled
    so far, the calendar's state).

    The heap holds the events of the hours already reached (slots of :data:`SLOTS` a day, up to
    ``counts[WINDOW]``); a later event waits in its hour's slot of the calendar (``fb``: each slot's first
    event, a list through the pool ``fp``: time, key, kind, argument, the next), and the slot's events join the
    heap when the heap runs out (see :func:`_run`). The events come out in the same order (by time, then key: a
    later slot holds later times only), from a heap of the hour's events instead of every pending timeout of a
    city's clients, whose sift was a large part of the loop. An event after the horizon, which nothing would
    process, is dropped."""
    key = counts[SCHEDULED] if urgent else counts[SCHEDULED] + NORMAL_BIT
    counts[SCHEDULED] += 1
    slot = int(time * SLOTS)
    if slot < counts[WINDOW]:
        _push_keyed(ht, hs, hk, ha, counts, time, key, kind, arg)
        return
    if slot >= fb.shape[0]:
        return
    free = counts[POOL_FREE]
    if free >= 0:
        counts[POOL_FREE] = int(fp[free, 4])
    else:
        free = counts[POOL_TOP]
        counts[POOL_TOP] = free + 1
    fp[free, 0] = time
    fp[free, 1] = key
    fp[free, 2] = kind
    fp[free, 3] = arg
    fp[free, 4] = fb[slot]
    fb[slot] = free
    counts[FAR] += 1


@_borrowing
def _push_keyed(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, counts: np.ndarray, time: float,
                key: int, kind: int, arg: int) -> None:
    """Put an event in the heap.

    The sifts of the heap are written out on the arrays, without helpers: an inlined helper called in a loop
    makes numba count references to its array arguments at every turn, which cost more than the sift itself."""
    i = counts[HEAP_SIZE]
    counts[HEAP_SIZE] = i + 1
    # (a hole moves up while its parent comes after the new event, then takes it)
    while i > 0:
        parent = (i - 1) // 2
        if time < ht[parent] or (time == ht[parent] and key < hs[parent]):
            ht[i] = ht[parent]
            hs[i] = hs[parent]
            hk[i] = hk[parent]
            ha[i] = ha[parent]
            i = parent
        else:
            break
    ht[i] = time
    hs[i] = key
    hk[i] = kind
    ha[i] = arg


@njit(cache=True, inline="always")
def _schedule(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, fp: np.ndarray, fb: np.ndarray,
              counts: np.ndarray,
              fk: np.ndarray, fa: np.ndarray, now: float, time: float, urgent: bool, kind: int, arg: int) -> None:
    """Schedule an event at ``time`` (SimPy's ``env.schedule``), urgent (a process starting) or normal.

    Events at the current time go to one of two first-in first-out lists instead of the heap: the urgent ones
    come before everything else at this time, the normal ones after the events of this time already in the
    heap (each of those was scheduled while the clock was earlier) and in their own order, which is SimPy's
    order (time, priority, order of scheduling) at a fraction of the cost of the heap."""
    if urgent:
        tail = counts[URGENT_TAIL]
        fk[0, tail] = kind
        fa[0, tail] = arg
        counts[URGENT_TAIL] = tail + 1
    elif time == now:
        tail = counts[NOW_TAIL]
        fk[1, tail] = kind
        fa[1, tail] = arg
        counts[NOW_TAIL] = tail + 1
    else:
        _push(ht, hs, hk, ha, fp, fb, counts, time, False, kind, arg)


@njit(cache=True, inline="always")
def _pop(ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, counts: np.ndarray) -> None:
    """Remove the first event (the caller reads it first): the last one sifts down from the root."""
    last = counts[HEAP_SIZE] - 1
    counts[HEAP_SIZE] = last
    time, key, kind, arg = ht[last], hs[last], hk[last], ha[last]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        child = left
        right = left + 1
        if right < last and (ht[right] < ht[left] or (ht[right] == ht[left] and hs[right] < hs[left])):
            child = right
        if ht[child] < time or (ht[child] == time and hs[child] < key):
            ht[i] = ht[child]
            hs[i] = hs[child]
            hk[i] = hk[child]
            ha[i] = ha[child]
            i = child
        else:
            break
    ht[i] = time
    hs[i] = key
    hk[i] = kind
    ha[i] = arg


# ------------------------------------------------------------------------------------------- a clinic's line
@_inlined
def _line_add(qp: np.ndarray, qs: np.ndarray, qr: np.ndarray, qn: np.ndarray, c: int, priority: float,
              order: int, ref: int) -> None:
    """A request joins clinic ``c``'s line: by priority, then in the order of requests (``order``)."""
    i = qn[c]
    qn[c] = i + 1
    while i > 0:
        parent = (i - 1) // 2
        if priority < qp[c, parent] or (priority == qp[c, parent] and order < qs[c, parent]):
            qp[c, i] = qp[c, parent]
            qs[c, i] = qs[c, parent]
            qr[c, i] = qr[c, parent]
            i = parent
        else:
            break
    qp[c, i] = priority
    qs[c, i] = order
    qr[c, i] = ref


@_inlined
def _line_pop(qp: np.ndarray, qs: np.ndarray, qr: np.ndarray, qn: np.ndarray, c: int) -> None:
    last = qn[c] - 1
    qn[c] = last
    priority, order, ref = qp[c, last], qs[c, last], qr[c, last]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= last:
            break
        child = left
        right = left + 1
        if right < last and (qp[c, right] < qp[c, left]
                             or (qp[c, right] == qp[c, left] and qs[c, right] < qs[c, left])):
            child = right
        if qp[c, child] < priority or (qp[c, child] == priority and qs[c, child] < order):
            qp[c, i] = qp[c, child]
            qs[c, i] = qs[c, child]
            qr[c, i] = qr[c, child]
            i = child
        else:
            break
    qp[c, i] = priority
    qs[c, i] = order
    qr[c, i] = ref


@_inlined
def _trigger(c: int, now: float, staff: np.ndarray, users: np.ndarray, closed_held: np.ndarray,
             closed_asked: np.ndarray, qp: np.ndarray, qs: np.ndarray, qr: np.ndarray, qn: np.ndarray,
             vi_i: np.ndarray, ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, fp: np.ndarray,
             fb: np.ndarray,
             counts: np.ndarray, fk: np.ndarray, fa: np.ndarray) -> None:
    """``simpy.Resource._trigger_put``: the head of the line takes a server if one is free (one try)."""
    if users[c] >= staff[c]:
        return
    if closed_asked[c] > 0:  # a "closed" request: ahead of everyone, held by the shift process
        closed_asked[c] -= 1
        closed_held[c] += 1
        users[c] += 1
        return
    # a client's request withdrawn (the client gave up) is no longer in line; coordination work (a negative
    # reference: -1 - task) always is
    while qn[c] > 0 and qr[c, 0] >= 0 and vi_i[qr[c, 0], V_STATE] != WAITING:
        _line_pop(qp, qs, qr, qn, c)
    if qn[c] == 0:
        return
    ref = qr[c, 0]
    _line_pop(qp, qs, qr, qn, c)
    users[c] += 1
    if ref < 0:
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_TASK_GRANTED, -1 - ref)
    else:
        vi_i[ref, V_STATE] = GRANTED
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_REQUEST, ref)


@njit(cache=True, inline="always")
def _tick(c: int, now: float, warmup: float, present: np.ndarray, area: np.ndarray, last: np.ndarray) -> None:
    """``Presence.tick``: the area under the number present since the last change, after the warm-up."""
    if now > warmup:
        area[c] += present[c] * (now - (last[c] if last[c] > warmup else warmup))
    last[c] = now


# ------------------------------------------------------------------------------------------- shelters
@_borrowing
def _move(client: int, loc: int, now: float, cl_i: np.ndarray, lc_f: np.ndarray, lc_i: np.ndarray,
          g: np.ndarray) -> None:
    """``Whereabouts.move``: the client now sleeps at ``loc`` (-1: the episode is over), a row of ``locations``.
    The clients outdoors are a list whose removal swaps in the last one, as the SimPy engine keeps it."""
    old = cl_i[client, C_LOCATION]
    if old == loc:
        return
    if old >= 0:
        g[G_LOC0 + old] -= 1
        if old == OUTDOORS:
            pos = cl_i[client, C_OUT_POS]
            last_pos = g[G_NOUT] - 1
            g[G_NOUT] = last_pos
            last = cl_i[last_pos, C_OUT_LIST]
            if last != client:
                cl_i[pos, C_OUT_LIST] = last
                cl_i[last, C_OUT_POS] = pos
    if loc >= 0:
        g[G_LOC0 + loc] += 1
        if loc == OUTDOORS:
            pos = g[G_NOUT]
            g[G_NOUT] = pos + 1
            cl_i[client, C_OUT_POS] = pos
            cl_i[pos, C_OUT_LIST] = client
    cl_i[client, C_LOCATION] = loc
    row = g[G_NLOC]
    g[G_NLOC] = row + 1
    lc_f[row, 0] = now
    lc_i[row, 0] = client
    lc_i[row, 1] = cl_i[client, C_EPISODES]
    lc_i[row, 2] = loc


@njit(cache=True, inline="always")
def _is_open(sh_open: np.ndarray, sh_close: np.ndarray, s: int, now: float) -> bool:
    """``ShelterState.is_open``: the shelter's intake window is open at ``now``."""
    clock = now - math.floor(now)
    return bool(sh_open[s] <= clock < sh_close[s])


@_borrowing
def _line_remove(client: int, cl_i: np.ndarray, line_hd: np.ndarray, g: np.ndarray) -> None:
    """The client leaves the line (one list per class of client, in order of request)."""
    k = cl_i[client, C_CLASS]
    before = cl_i[client, C_LINE_PREV]
    after = cl_i[client, C_LINE_NEXT]
    if before >= 0:
        cl_i[before, C_LINE_NEXT] = after
    else:
        line_hd[k, 0] = after
    if after >= 0:
        cl_i[after, C_LINE_PREV] = before
    else:
        line_hd[k, 1] = before
    cl_i[client, C_IN_LINE] = 0
    g[G_LINE_LEN] -= 1


@_borrowing
def _admit(s: int, client: int, event: bool, now: float, cl_i: np.ndarray, sh_i: np.ndarray, lc_f: np.ndarray,
           lc_i: np.ndarray, g: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray, ht: np.ndarray, hs: np.ndarray,
           hk: np.ndarray, ha: np.ndarray, fp: np.ndarray, fb: np.ndarray, counts: np.ndarray, fk: np.ndarray,
           fa: np.ndarray) -> None:
    """``ShelterSystem._admit``: a bed (the last occupant), a move, the log's row (its service: the shelter's
    index), and the request's event (unless the initial stock is placed), processed later at this time."""
    tail = sh_i[s, SH_TAIL]
    cl_i[client, C_OCC_PREV] = tail
    cl_i[client, C_OCC_NEXT] = -1
    if tail >= 0:
        cl_i[tail, C_OCC_NEXT] = client
    else:
        sh_i[s, SH_HEAD] = client
    sh_i[s, SH_TAIL] = client
    sh_i[s, SH_OCC] += 1
    sh_i[s, SH_ADMITTED] += 1
    cl_i[client, C_WHERE] = s
    _move(client, SHELTERED, now, cl_i, lc_f, lc_i, g)
    if g[G_LOG]:
        _log(lg_f, lg_i, g, now, LOG_ADMITTED, cl_i[client, C_EPISODE], -1, s, -1, -1)
    if event:
        cl_i[client, C_ADMITTED] = 1
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_ADMIT,
                  (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))


@_borrowing
def _fill(s: int, now: float, sh_serves: np.ndarray, cl_i: np.ndarray, sh_i: np.ndarray, line_hd: np.ndarray,
          lc_f: np.ndarray, lc_i: np.ndarray, g: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray, ht: np.ndarray,
          hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, fp: np.ndarray, fb: np.ndarray, counts: np.ndarray,
          fk: np.ndarray, fa: np.ndarray) -> None:
    """``ShelterSystem._fill``: the shelter's free beds go to the clients in line it serves, in order of request
    (the first of the heads of the lists of the classes it serves)."""
    free = sh_i[s, SH_CAP] - sh_i[s, SH_OCC]
    if free <= 0 or g[G_LINE_LEN] == 0:
        return
    while True:
        best = -1
        best_seq = 0
        for k in range(line_hd.shape[0]):
            head = line_hd[k, 0]
            if head >= 0 and sh_serves[s, k] and (best < 0 or cl_i[head, C_LINE_SEQ] < best_seq):
                best = head
                best_seq = cl_i[head, C_LINE_SEQ]
        if best < 0:
            return
        _line_remove(best, cl_i, line_hd, g)
        _admit(s, best, True, now, cl_i, sh_i, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts, fk, fa)
        free -= 1
        if free == 0:
            return


@_inlined
def _leave(client: int, now: float, sh_open: np.ndarray, sh_close: np.ndarray, sh_serves: np.ndarray,
           cl_i: np.ndarray, sh_i: np.ndarray, line_hd: np.ndarray, lc_f: np.ndarray, lc_i: np.ndarray,
           g: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray, ht: np.ndarray, hs: np.ndarray, hk: np.ndarray,
           ha: np.ndarray, fp: np.ndarray, fb: np.ndarray, counts: np.ndarray, fk: np.ndarray, fa: np.ndarray) -> None:
    """``ShelterSystem.leave``: out of the line or out of the bed; a bed freed while the shelter's window is open
    goes to the line at once."""
    if cl_i[client, C_IN_LINE] == 1:
        _line_remove(client, cl_i, line_hd, g)
    s = cl_i[client, C_WHERE]
    if s >= 0:
        before = cl_i[client, C_OCC_PREV]
        after = cl_i[client, C_OCC_NEXT]
        if before >= 0:
            cl_i[before, C_OCC_NEXT] = after
        else:
            sh_i[s, SH_HEAD] = after
        if after >= 0:
            cl_i[after, C_OCC_PREV] = before
        else:
            sh_i[s, SH_TAIL] = before
        sh_i[s, SH_OCC] -= 1
        cl_i[client, C_WHERE] = -1
        if g[G_LINE_LEN] > 0 and _is_open(sh_open, sh_close, s, now):
            _fill(s, now, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts,
                  fk, fa)


@_inlined
def _request(client: int, now: float, sh_open: np.ndarray, sh_close: np.ndarray, sh_serves: np.ndarray,
             cl_i: np.ndarray, sh_i: np.ndarray, line_hd: np.ndarray, lc_f: np.ndarray, lc_i: np.ndarray,
             g: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray, ht: np.ndarray, hs: np.ndarray, hk: np.ndarray,
             ha: np.ndarray, fp: np.ndarray, fb: np.ndarray, counts: np.ndarray, fk: np.ndarray,
             fa: np.ndarray) -> bool:
    """``ShelterSystem.request``: a bed at once (the first shelter, in file order, with a free bed, its window
    open, that serves the client), or the end of the line; whether the client was admitted."""
    k = cl_i[client, C_CLASS]
    for s in range(sh_i.shape[0]):
        if sh_i[s, SH_OCC] < sh_i[s, SH_CAP] and _is_open(sh_open, sh_close, s, now) and sh_serves[s, k]:
            _admit(s, client, True, now, cl_i, sh_i, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts, fk, fa)
            return True
    tail = line_hd[k, 1]
    cl_i[client, C_LINE_PREV] = tail
    cl_i[client, C_LINE_NEXT] = -1
    if tail >= 0:
        cl_i[tail, C_LINE_NEXT] = client
    else:
        line_hd[k, 0] = client
    line_hd[k, 1] = client
    cl_i[client, C_LINE_SEQ] = g[G_LINE_SEQ]
    g[G_LINE_SEQ] += 1
    cl_i[client, C_IN_LINE] = 1
    g[G_LINE_LEN] += 1
    return False


@njit(cache=True, inline="always")
def _stay_ratio(client: int, cl_i: np.ndarray, ep_i: np.ndarray, nd_i: np.ndarray, ratios: np.ndarray) -> float:
    """``Client.ratio(stay_ratio)``: the product of the pattern's stay ratios of the needs not met."""
    pattern = cl_i[client, C_PATTERN]
    episode = cl_i[client, C_EPISODE]
    factor = 1.0
    first = ep_i[episode, E_FIRST_NEED]
    for row in range(first, first + ep_i[episode, E_NEEDS]):
        if nd_i[row, N_STATUS] != NEED_MET:
            factor *= ratios[pattern, nd_i[row, N_NEED]]
    return factor


@_borrowing
def _shelter_days(kind: int, arg: int, now: float, warmup: float, sh_capacity: np.ndarray, sh_winter: np.ndarray,
                  sh_open: np.ndarray, sh_close: np.ndarray, sh_serves: np.ndarray, close_time: float,
                  census_time: float, winter_day: np.ndarray, cl_i: np.ndarray, ep_i: np.ndarray, sh_i: np.ndarray,
                  line_hd: np.ndarray, g: np.ndarray, refused: np.ndarray, lc_f: np.ndarray, lc_i: np.ndarray,
                  nt_i: np.ndarray, cs_f: np.ndarray, cs_i: np.ndarray, lg_f: np.ndarray, lg_i: np.ndarray,
                  ht: np.ndarray, hs: np.ndarray, hk: np.ndarray, ha: np.ndarray, fp: np.ndarray, fb: np.ndarray,
                  counts: np.ndarray, fk: np.ndarray,
                  fa: np.ndarray) -> None:
    """A step of the shelter network's daily processes (:class:`simulator.engine.shelters.ShelterSystem`): a
    shelter's intake, the refusals at the last close (each a row of the log), the capacity schedule, the
    census."""
    n_shelters = sh_i.shape[0]
    if kind == EV_INTAKE:
        # a shelter's intake process (ShelterSystem.intake): at the opening, the line fills the free beds
        s = arg
        if sh_i[s, SH_PHASE] == 1 or sh_i[s, SH_DAY] + sh_open[s] <= now:
            _fill(s, now, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts,
                  fk, fa)
            sh_i[s, SH_DAY] += 1
            sh_i[s, SH_PHASE] = 0
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (sh_i[s, SH_DAY] - now), False, EV_INTAKE, s)
        else:
            opening_at = sh_i[s, SH_DAY] + sh_open[s]
            sh_i[s, SH_PHASE] = 1
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (opening_at - now), False, EV_INTAKE, s)

    elif kind == EV_NIGHTLY:
        # at the last close of the night (ShelterSystem.nightly) everyone in line is refused
        day = g[G_NIGHT_DAY]
        if arg == 1:
            refused[0] += g[G_LINE_LEN]
            if now >= warmup:
                for k in range(line_hd.shape[0]):
                    client = line_hd[k, 0]
                    while client >= 0:
                        ep_i[cl_i[client, C_EPISODE], E_REFUSED] += 1
                        if g[G_LOG]:
                            _log(lg_f, lg_i, g, now, LOG_REFUSED, cl_i[client, C_EPISODE], -1, -1, -1, D_NO_BED)
                        client = cl_i[client, C_LINE_NEXT]
            day += 1
            g[G_NIGHT_DAY] = day
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + ((day + close_time) - now), False, EV_NIGHTLY, 1)

    elif kind == EV_SCHEDULE:
        # the capacity schedule at 12:00 (ShelterSystem.schedule, _set_capacities): the night's capacity; the
        # last admitted leave a shelter above it (each interrupted), then a shelter whose window is open
        # gives its free beds to the line
        day = g[G_SCHED_DAY]
        if arg == 1:
            winter = winter_day[day]
            for s in range(n_shelters):
                capacity = sh_winter[s] if winter and sh_winter[s] >= 0 else sh_capacity[s]
                sh_i[s, SH_CAP] = capacity
                excess = sh_i[s, SH_OCC] - capacity
                if excess > 0:
                    client = sh_i[s, SH_TAIL]
                    for _ in range(excess - 1):
                        client = cl_i[client, C_OCC_PREV]
                    for _ in range(excess):
                        after = cl_i[client, C_OCC_NEXT]
                        _leave(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f,
                               lg_i, ht, hs, hk, ha, fp, fb, counts, fk, fa)
                        if cl_i[client, C_CYCLE] != CY_NONE:
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CYCLE_INTERRUPT,
                                      (client << 2) | EVICTED)
                        client = after
            for s in range(n_shelters):
                if g[G_LINE_LEN] > 0 and _is_open(sh_open, sh_close, s, now):
                    _fill(s, now, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb,
                          counts, fk,
                          fa)
            day += 1
            g[G_SCHED_DAY] = day
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + ((day + SCHEDULE_HOUR) - now), False, EV_SCHEDULE,
                  1)

    elif kind == EV_COUNTS:
        # the census (ShelterSystem.counts, Whereabouts.census): after the warm-up, a row per shelter and one
        # for the network (with the refusals since the last census), and the clients by location
        day = g[G_COUNT_DAY]
        if arg == 1:
            night = day - 1 if census_time < SCHEDULE_HOUR else day
            if now > warmup and night >= 0:
                row = g[G_NNIGHT]
                total_capacity = 0
                total_occupancy = 0
                total_admitted = 0
                for s in range(n_shelters):
                    nt_i[row, 0] = night
                    nt_i[row, 1] = s
                    nt_i[row, 2] = sh_i[s, SH_CAP]
                    nt_i[row, 3] = sh_i[s, SH_OCC]
                    nt_i[row, 4] = sh_i[s, SH_ADMITTED]
                    nt_i[row, 5] = 0
                    total_capacity += sh_i[s, SH_CAP]
                    total_occupancy += sh_i[s, SH_OCC]
                    total_admitted += sh_i[s, SH_ADMITTED]
                    row += 1
                nt_i[row, 0] = night
                nt_i[row, 1] = n_shelters
                nt_i[row, 2] = total_capacity
                nt_i[row, 3] = total_occupancy
                nt_i[row, 4] = total_admitted
                nt_i[row, 5] = refused[0]
                g[G_NNIGHT] = row + 1
            for s in range(n_shelters):
                sh_i[s, SH_ADMITTED] = 0
            refused[0] = 0
            if night >= 0 and now > warmup:
                row = g[G_NCENSUS]
                cs_f[row, 0] = now
                cs_i[row, 0] = night
                cs_i[row, 1] = g[G_LOC0 + SHELTERED]
                cs_i[row, 2] = g[G_LOC0 + OUTDOORS]
                cs_i[row, 3] = g[G_LOC0 + ELSEWHERE]
                g[G_NCENSUS] = row + 1
            day += 1
            g[G_COUNT_DAY] = day
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + ((day + census_time) - now), False, EV_COUNTS, 1)


# ------------------------------------------------------------------------------------------- housing
# ``hp``: the programmes' parameters (clinics before them in the lines and monitors, programmes, end, warm-up,
# slots (-1: vacancies), tenancy, vacancy rate, reserved share, move-in, patience (-1: none), offer refusal,
# reserved release (-1: never), priority discipline, first stream, the distributions); ``hx``: their state (the
# programmes, the hold times, the applications, the lines (after the clinics'), the monitors (the lists' after the
# clinics', then the idle reserved places'), the network's counters); ``ev``: the event queue
@_borrowing
def _h_idle(h: int, by: int, now: float, hp: Any, hx: Any) -> None:
    """A change of the free reserved places (``HousingProgramme._idle_changes``: the time-weighted monitor)."""
    n_clinics, n_housing, warmup = hp[0], hp[1], hp[3]
    present, area, last = hx[8], hx[9], hx[10]
    k = n_clinics + n_housing + h
    _tick(k, now, warmup, present, area, last)
    present[k] += by


@_borrowing
def _h_queue(h: int, a: int, hp: Any, hx: Any) -> None:
    """``HousingProgramme._queue``: on the list by (order, time of joining), in the order of joining."""
    q = hp[0] + h
    ap_f, qp, qs, qr, qn, g = hx[2], hx[4], hx[5], hx[6], hx[7], hx[12]
    _line_add(qp, qs, qr, qn, q, ap_f[a, A_ORDER], g[G_HSEQ], a)
    g[G_HSEQ] += 1
    if qn[q] > g[G_HTOP]:
        g[G_HTOP] = qn[q]


@_borrowing
def _h_best(h: int, reserved: bool, hp: Any, hx: Any) -> int:
    """``HousingProgramme._best``: the first live application that may take a (reserved or general) place, off
    the list (-1: none); the dead ones met on the way are dropped."""
    q = hp[0] + h
    pg_i, ap_i, qp, qs, qr, qn = hx[0], hx[3], hx[4], hx[5], hx[6], hx[7]
    if not reserved:
        while qn[q] > 0:
            a = int(qr[q, 0])
            _line_pop(qp, qs, qr, qn, q)
            if ap_i[a, A_LIVE] == 1:
                return a
        return -1
    if pg_i[h, PG_RESERVED_OK] == 0:
        return -1  # nobody may take it: the SimPy engine's scan finds nobody (and only drops the dead)
    # (the applications passed over wait in the lines' last row, kept free for this)
    spare = qp.shape[0] - 1
    skipped_p = qp[spare]
    skipped_s = qs[spare]
    skipped_r = qr[spare]
    k = 0
    found = -1
    while qn[q] > 0:
        a = int(qr[q, 0])
        priority = qp[q, 0]
        order = qs[q, 0]
        _line_pop(qp, qs, qr, qn, q)
        if ap_i[a, A_LIVE] == 0:
            continue
        if ap_i[a, A_RESERVED_OK] == 0:
            skipped_p[k] = priority
            skipped_s[k] = order
            skipped_r[k] = a
            k += 1
            continue
        found = a
        break
    for i in range(k):
        _line_add(qp, qs, qr, qn, q, skipped_p[i], skipped_s[i], skipped_r[i])
    return found


@_borrowing
def _h_dead(a: int, hx: Any) -> None:
    """The application leaves the list for good (matched, out of patience, or its episode ended)."""
    pg_i, ap_i = hx[0], hx[3]
    if ap_i[a, A_LIVE] == 1:
        ap_i[a, A_LIVE] = 0
        if ap_i[a, A_RESERVED_OK] == 1:
            pg_i[ap_i[a, A_PROGRAMME], PG_RESERVED_OK] -= 1


@_borrowing
def _h_hold(h: int, now: float, hp: Any, hx: Any, ev: Any) -> None:
    """``HousingProgramme._hold_reserved``: a free reserved place waits for a conference client, until it is
    released after ``reserved_release``."""
    end_time, release = hp[2], hp[11]
    pg_i, since = hx[0], hx[1]
    ht, hs, hk, ha, fp, fb, counts, fk, fa = ev
    _h_idle(h, 1, now, hp, hx)
    pg_i[h, PG_RESERVED] += 1
    if release[h] >= 0:
        since[h, (pg_i[h, PG_HEAD] + pg_i[h, PG_LEN]) % since.shape[1]] = now
        pg_i[h, PG_LEN] += 1
        at = now + release[h]
        if at < end_time:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (at - now), False, EV_H_RELEASE, h)


@_borrowing
def _h_take_reserved(h: int, now: float, hp: Any, hx: Any) -> None:
    """``HousingProgramme._take_reserved``: a free reserved place is taken (the one held longest)."""
    pg_i, since = hx[0], hx[1]
    _h_idle(h, -1, now, hp, hx)
    pg_i[h, PG_RESERVED] -= 1
    if pg_i[h, PG_LEN] > 0:
        pg_i[h, PG_HEAD] = (pg_i[h, PG_HEAD] + 1) % since.shape[1]
        pg_i[h, PG_LEN] -= 1


@_borrowing
def _h_match(h: int, a: int, slot: int, released: bool, now: float, token: int, buf: np.ndarray, pos: np.ndarray,
             hp: Any, hx: Any, ev: Any) -> None:
    """``HousingProgramme._match``: the place is offered; a refusal (stream ``housing:<name>``) sends the client
    back on the list and the place to the next who may take it (at most 100 refusals), or, with nobody else,
    leaves it free (a vacancy goes outside). The match's event is processed later at this time."""
    slots, refusal, stream0, first_housing = hp[4], hp[10], hp[13], hp[14]
    pg_i, ap_f, ap_i, g, lg_f, lg_i = hx[0], hx[2], hx[3], hx[12], hx[13], hx[14]
    ht, hs, hk, ha, fp, fb, counts, fk, fa = ev
    p = refusal[h]
    stream = stream0 + 2 * h
    offers = 0
    while p > 0 and offers < 100 and _draw(token, buf, pos, stream, UNIFORM_DRAW) < p:
        offers += 1
        _h_queue(h, a, hp, hx)
        if g[G_LOG]:
            _log(lg_f, lg_i, g, now, LOG_OFFER_REFUSED, -1, ap_i[a, A_NEED], first_housing + h, -1, -1)
        nxt = _h_best(h, slot == SLOT_RESERVED and not released, hp, hx)
        if nxt < 0 or nxt == a:
            if nxt == a:
                _h_queue(h, a, hp, hx)
            if slot != SLOT_VACANCY and slots[h] >= 0:
                if released:
                    _h_idle(h, 1, now, hp, hx)
                    pg_i[h, PG_RELEASED] += 1
                elif slot == SLOT_RESERVED:
                    _h_hold(h, now, hp, hx, ev)
                else:
                    pg_i[h, PG_GENERAL] += 1
            return
        a = nxt
    _h_dead(a, hx)
    ap_f[a, A_MATCHED] = now
    ap_i[a, A_SLOT] = slot
    ap_i[a, A_MOVING] = 1
    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_H_MATCH, a)


@_borrowing
def _h_free(h: int, reserved: bool, now: float, token: int, buf: np.ndarray, pos: np.ndarray, hp: Any, hx: Any,
            ev: Any) -> None:
    """``HousingProgramme.free``: a place falls vacant: to the first who may take it, or it waits."""
    pg_i = hx[0]
    a = _h_best(h, reserved, hp, hx)
    if a >= 0:
        _h_match(h, a, SLOT_RESERVED if reserved else SLOT_GENERAL, False, now, token, buf, pos, hp, hx, ev)
    elif reserved:
        _h_hold(h, now, hp, hx, ev)
    else:
        pg_i[h, PG_GENERAL] += 1


@_borrowing
def _h_leave_list(a: int, now: float, hp: Any, hx: Any) -> None:
    """``HousingProgramme._done``: off the list's presence monitor (once)."""
    n_clinics, warmup = hp[0], hp[3]
    ap_i, present, area, last = hx[3], hx[8], hx[9], hx[10]
    if ap_i[a, A_LISTED] == 1:
        ap_i[a, A_LISTED] = 0
        k = n_clinics + ap_i[a, A_PROGRAMME]
        _tick(k, now, warmup, present, area, last)
        present[k] -= 1


@_borrowing
def _h_init(h: int, n_reserved: int, n_occupied: int, n_reserved_occupied: int, token: int, buf: np.ndarray,
            pos: np.ndarray, dist_kind: np.ndarray, dist_par: np.ndarray, hp: Any, hx: Any, ev: Any) -> None:
    """A programme as the SimPy engine builds it: the reserved places held, the earlier tenants' places (each
    freed after ``U * T``, drawn now), or the vacancy process started."""
    end_time, slots, tenancy, stream0 = hp[2], hp[4], hp[5], hp[13]
    pg_i = hx[0]
    ht, hs, hk, ha, fp, fb, counts, fk, fa = ev
    if slots[h] < 0:
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_H_VACANCY, 2 * h)
        return
    pg_i[h, PG_GENERAL] = slots[h] - n_reserved
    for _ in range(n_reserved):
        _h_hold(h, 0.0, hp, hx, ev)
    stream = stream0 + 2 * h
    d = tenancy[h]
    for slot in range(n_occupied):
        reserved = slot < n_reserved_occupied
        if reserved:
            _h_take_reserved(h, 0.0, hp, hx)
        else:
            pg_i[h, PG_GENERAL] -= 1
        at = _draw(token, buf, pos, stream, UNIFORM_DRAW) * _sample_call(token, buf, pos, stream, dist_kind[d],
                                                                         dist_par[d])
        if at < end_time:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0 + (at - 0.0), False, EV_H_FREE,
                      2 * h + (1 if reserved else 0))


@_borrowing
def _h_apply(a: int, row: int, h: int, ref: int, adjustment: int, priority: float, reserved_ok: bool, now: float,
             token: int, buf: np.ndarray, pos: np.ndarray, dist_kind: np.ndarray, dist_par: np.ndarray, hp: Any,
             hx: Any, ev: Any) -> None:
    """``HousingProgramme.apply`` up to its first wait: application ``a`` joins the list (a row of the log, with
    the ``adjustment`` it came by; a free place is taken at once: a reserved one first for a conference client,
    then a general one, then a released one), and the patience timeout (stream ``patience:<name>``) unless it was
    matched at once."""
    n_clinics, warmup, patience, by_priority, stream0 = hp[0], hp[3], hp[9], hp[12], hp[13]
    pg_i, ap_f, ap_i, present, area, last, observed = hx[0], hx[2], hx[3], hx[8], hx[9], hx[10], hx[11]
    g, lg_f, lg_i = hx[12], hx[13], hx[14]
    ht, hs, hk, ha, fp, fb, counts, fk, fa = ev
    if g[G_LOG]:
        _log(lg_f, lg_i, g, now, LOG_WAITLIST, -1, row, hp[14] + h, adjustment, -1)
    ap_f[a, A_ARRIVAL] = now
    ap_f[a, A_MATCHED] = np.nan
    ap_f[a, A_END] = np.nan
    ap_f[a, A_ORDER] = priority if by_priority[h] else NORMAL
    ap_i[a, A_NEED] = row
    ap_i[a, A_PROGRAMME] = h
    ap_i[a, A_REFERRAL] = ref
    ap_i[a, A_OUTCOME] = OPEN_AT_HORIZON
    ap_i[a, A_STATE] = AP_WAIT
    ap_i[a, A_LIVE] = 1
    ap_i[a, A_SLOT] = -1
    ap_i[a, A_PROCESSED] = 0
    ap_i[a, A_TIMED] = 0
    ap_i[a, A_FIRED] = 0
    ap_i[a, A_LISTED] = 1
    ap_i[a, A_MOVING] = 0
    ap_i[a, A_RESERVED_OK] = 1 if reserved_ok else 0
    if reserved_ok:
        pg_i[h, PG_RESERVED_OK] += 1
    k = n_clinics + h
    _tick(k, now, warmup, present, area, last)
    present[k] += 1
    if now >= warmup:
        observed[k] += 1
    if reserved_ok and pg_i[h, PG_RESERVED] > 0:
        _h_take_reserved(h, now, hp, hx)
        _h_match(h, a, SLOT_RESERVED, False, now, token, buf, pos, hp, hx, ev)
    elif pg_i[h, PG_GENERAL] > 0:
        pg_i[h, PG_GENERAL] -= 1
        _h_match(h, a, SLOT_GENERAL, False, now, token, buf, pos, hp, hx, ev)
    elif pg_i[h, PG_RELEASED] > 0:
        _h_idle(h, -1, now, hp, hx)
        pg_i[h, PG_RELEASED] -= 1
        _h_match(h, a, SLOT_RESERVED, True, now, token, buf, pos, hp, hx, ev)
    else:
        _h_queue(h, a, hp, hx)
    if patience[h] >= 0 and ap_i[a, A_SLOT] < 0:
        d = patience[h]
        wait = _sample_call(token, buf, pos, stream0 + 2 * h + 1, dist_kind[d], dist_par[d])
        ap_i[a, A_TIMED] = 1
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + wait, False, EV_H_PATIENCE, a)


@_borrowing
def _h_interrupt(a: int, now: float, token: int, buf: np.ndarray, pos: np.ndarray, hp: Any, hx: Any,
                 ev: Any) -> None:
    """The episode ends while the application waits or moves in (``HousingProgramme.apply``'s interrupt): a
    matched place goes to the next in line (a slot through ``free``, a vacancy to the next general
    application); the visit ends ``exited``."""
    slots = hp[4]
    ap_f, ap_i = hx[2], hx[3]
    h = ap_i[a, A_PROGRAMME]
    ap_i[a, A_MOVING] = 0
    _h_dead(a, hx)
    slot = ap_i[a, A_SLOT]
    if slot >= 0:
        if slots[h] >= 0:
            _h_free(h, slot == SLOT_RESERVED, now, token, buf, pos, hp, hx, ev)
        else:
            nxt = _h_best(h, False, hp, hx)
            if nxt >= 0:
                _h_match(h, nxt, SLOT_VACANCY, False, now, token, buf, pos, hp, hx, ev)
    _h_leave_list(a, now, hp, hx)
    ap_i[a, A_STATE] = AP_DONE
    ap_i[a, A_OUTCOME] = EXITED
    ap_f[a, A_END] = now


@_borrowing
def _h_event(kind: int, arg: int, now: float, token: int, buf: np.ndarray, pos: np.ndarray, nd_i: np.ndarray,
             rf_f: np.ndarray, rf_i: np.ndarray, dist_kind: np.ndarray, dist_par: np.ndarray, hp: Any, hx: Any,
             ev: Any) -> int:
    """An event of a housing programme or of an application's process; the application whose client has just
    moved in (-1: none), for the caller to end the episode."""
    warmup, rate, share, move_in, release, stream0 = hp[3], hp[6], hp[7], hp[8], hp[11], hp[13]
    pg_i, since, ap_f, ap_i, g = hx[0], hx[1], hx[2], hx[3], hx[12]
    ht, hs, hk, ha, fp, fb, counts, fk, fa = ev
    resume = -1  # the application whose process resumes (matched, or out of patience)
    if kind == EV_H_MATCH:
        # the match's event: the process waiting on it resumes, or the condition "matched or out of patience"
        # it waits on is met (the process resumes when that is processed)
        a = arg
        ap_i[a, A_PROCESSED] = 1
        if ap_i[a, A_STATE] == AP_WAIT:
            if ap_i[a, A_TIMED] == 0:
                resume = a
            elif ap_i[a, A_FIRED] == 0:
                ap_i[a, A_FIRED] = 1
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_H_RESUME, a)
    elif kind == EV_H_PATIENCE:
        a = arg
        if ap_i[a, A_STATE] == AP_WAIT and ap_i[a, A_FIRED] == 0:
            ap_i[a, A_FIRED] = 1
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_H_RESUME, a)
    elif kind == EV_H_RESUME:
        if ap_i[arg, A_STATE] == AP_WAIT:
            resume = arg
    elif kind == EV_MOVE_IN:
        a = arg
        if ap_i[a, A_STATE] == AP_MOVE:
            ap_i[a, A_MOVING] = 0
            ap_i[a, A_STATE] = AP_DONE
            ap_i[a, A_OUTCOME] = SERVED
            ap_f[a, A_END] = now
            return a
    elif kind == EV_H_FREE:
        _h_free(arg >> 1, (arg & 1) == 1, now, token, buf, pos, hp, hx, ev)
    elif kind == EV_H_RELEASE:
        # HousingProgramme._release_reserved: every reserved place held for ``reserved_release`` is released: to
        # the first application in line, or free to anyone
        h = arg
        due = now - release[h]
        while pg_i[h, PG_LEN] > 0 and since[h, pg_i[h, PG_HEAD]] <= due:
            pg_i[h, PG_HEAD] = (pg_i[h, PG_HEAD] + 1) % since.shape[1]
            pg_i[h, PG_LEN] -= 1
            _h_idle(h, -1, now, hp, hx)
            pg_i[h, PG_RESERVED] -= 1
            if now >= warmup:
                g[G_RELEASED] += 1
            a = _h_best(h, False, hp, hx)
            if a >= 0:
                _h_match(h, a, SLOT_RESERVED, True, now, token, buf, pos, hp, hx, ev)
            else:
                _h_idle(h, 1, now, hp, hx)
                pg_i[h, PG_RELEASED] += 1
    elif kind == EV_H_VACANCY:
        # HousingProgramme.vacancies: a vacancy (reserved with its share: released at once to a general
        # application if reserved places are released at all), then the time to the next
        h = arg >> 1
        stream = stream0 + 2 * h
        if rate[h] <= 0:
            return -1
        if (arg & 1) == 1:
            reserved = _draw(token, buf, pos, stream, UNIFORM_DRAW) < share[h]
            a = _h_best(h, reserved, hp, hx)
            if a < 0 and reserved and release[h] >= 0:
                a = _h_best(h, False, hp, hx)
            if a >= 0:
                _h_match(h, a, SLOT_VACANCY, False, now, token, buf, pos, hp, hx, ev)
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now,
                  now + _draw(token, buf, pos, stream, EXPONENTIAL_DRAW) / rate[h], False, EV_H_VACANCY, 2 * h + 1)
    if resume >= 0:
        a = resume
        ref = ap_i[a, A_REFERRAL]
        row = ap_i[a, A_NEED]
        if ap_i[a, A_PROCESSED] == 1:
            # matched: the match time is the referral's start; off the list; the move-in (stream housing:<name>)
            if ref >= 0:
                rf_f[ref, R_START] = ap_f[a, A_MATCHED]
            _h_leave_list(a, now, hp, hx)
            h = ap_i[a, A_PROGRAMME]
            if g[G_LOG]:
                _log(hx[13], hx[14], g, now, LOG_MATCHED, -1, row, hp[14] + h, rf_i[ref,
                     R_TYPE] if ref >= 0 else WALK_IN, -1)
            d = move_in[h]
            wait = _sample_call(token, buf, pos, stream0 + 2 * h, dist_kind[d], dist_par[d])
            ap_i[a, A_STATE] = AP_MOVE
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + wait, False, EV_MOVE_IN, a)
        else:
            # out of patience (a place matched meanwhile, its event not yet processed, stays taken, as on the
            # SimPy engine)
            _h_dead(a, hx)
            _h_leave_list(a, now, hp, hx)
            ap_i[a, A_STATE] = AP_DONE
            ap_i[a, A_OUTCOME] = RENEGED
            ap_f[a, A_END] = now
            if ref >= 0:
                rf_f[ref, R_END] = now
                rf_i[ref, R_OUTCOME] = RENEGED
                if g[G_LOG]:
                    _log(hx[13], hx[14], g, now, LOG_CLOSED, -1, row, rf_i[ref, R_TARGET], rf_i[ref, R_TYPE], RENEGED)
            nd_i[row, N_STATUS] = NEED_OPEN
            nd_i[row, N_PATH] = PATH_NONE
    return -1


@_borrowing
def _sort_cases(sc_i: np.ndarray, sc_f: np.ndarray, m: int) -> None:
    """Order the indices ``sc_i[:m, 2]`` of the escalation's candidates by onset (``sc_f``), then client
    (``sc_i[:, 1]``), then index: a bottom-up merge sort (stable, as the SimPy engine's sort), with ``sc_i[:, 3]``
    as its second buffer."""
    src = 2
    dst = 3
    width = 1
    while width < m:
        low = 0
        while low < m:
            middle = min(low + width, m)
            high = min(low + 2 * width, m)
            i = low
            j = middle
            k = low
            while i < middle and j < high:
                a = sc_i[i, src]
                b = sc_i[j, src]
                if sc_f[b] < sc_f[a] or (sc_f[b] == sc_f[a] and sc_i[b, 1] < sc_i[a, 1]):
                    sc_i[k, dst] = b
                    j += 1
                else:
                    sc_i[k, dst] = a
                    i += 1
                k += 1
            while i < middle:
                sc_i[k, dst] = sc_i[i, src]
                i += 1
                k += 1
            while j < high:
                sc_i[k, dst] = sc_i[j, src]
                j += 1
                k += 1
            low = high
        src, dst = dst, src
        width *= 2
    if src != 2:
        for i in range(m):
            sc_i[i, 2] = sc_i[i, 3]


@_borrowing
def _blocked(row: int, target: int, now: float, warmup: float, n_needs: int, nd_f: np.ndarray, nd_i: np.ndarray,
             ep_i: np.ndarray, prq_first: np.ndarray, prq_count: np.ndarray, prq_need: np.ndarray,
             prq_delay: np.ndarray, g: np.ndarray) -> int:
    """``Pathways.blocked``: the need whose prerequisite makes ``target`` refuse the need of ``row`` for now (in
    the episode and not met at least the rule's delay ago; counted after the warm-up), or -1: not blocked."""
    key = target * n_needs + nd_i[row, N_NEED]
    if prq_count[key] == 0:
        return -1
    episode = nd_i[row, N_EPISODE]
    first = ep_i[episode, E_FIRST_NEED]
    delay = prq_delay[key]
    for j in range(prq_first[key], prq_first[key] + prq_count[key]):
        required = prq_need[j]
        for other in range(first, first + ep_i[episode, E_NEEDS]):
            if nd_i[other, N_NEED] == required:
                if not (nd_i[other, N_STATUS] == NEED_MET and nd_f[other, N_END] + delay <= now):
                    if now >= warmup:
                        g[G_BLOCKED] += 1
                    return int(required)
                break
    return -1


# ------------------------------------------------------------------------------------------- the run
# ---- the counters of a run between two calls of _run: rows of each table, requests made, the longest line,
# housing applications
S_CLIENTS, S_EPISODES, S_NEEDS, S_VISITS, S_REFERRALS, S_REQUESTS, S_LINE, S_TASKS, S_STAFF, S_APPLICATIONS = range(10)
# ---- and its clock: the time, the inflow's last candidate time
T_NOW, T_RAW = 0, 1


@njit(cache=True)
def run_kernel(token: int, buf: np.ndarray, pos: np.ndarray, rows_hint: np.ndarray, end_time: float, warmup: float,
               rate_max: float, top: float, seasonal: np.ndarray, month_of_day: np.ndarray, has_seasonal: bool,
               gender_cum: np.ndarray, age_cum: np.ndarray, indigenous: float, pattern_cum: np.ndarray,
               prevalence_count: np.ndarray, prevalence_need: np.ndarray, prevalence_p: np.ndarray,
               route_first: np.ndarray, route_count: np.ndarray, route_service: np.ndarray, route_p: np.ndarray,
               route_delay: np.ndarray, route_delay_drawn: np.ndarray, dist_kind: np.ndarray,
               dist_par: np.ndarray, staff: np.ndarray, cap: np.ndarray, service_dist: np.ndarray,
               patience_dist: np.ndarray, treats: np.ndarray, edge_first: np.ndarray, edge_count: np.ndarray,
               edge_target: np.ndarray, edge_cum: np.ndarray, edge_tie: np.ndarray, walk_in_intake: float,
               exit_when_met: bool, prioritised: np.ndarray, honours_priority: np.ndarray, has_hours: np.ndarray,
               hours_open: np.ndarray, hours_close: np.ndarray, open_days: np.ndarray, first_weekday: int,
               assign_mode: int, assign_type: int, mix_type: np.ndarray, mix_cum: np.ndarray,
               handoff_f: np.ndarray, handoff_i: np.ndarray, pattern_code: np.ndarray,
               stock_count: int, stock_pattern_cum: np.ndarray, stock_pattern_code: np.ndarray,
               stock_since_dist: int, resolution_mean: np.ndarray, resolution_ratio: np.ndarray,
               return_mean: float, return_ratio: np.ndarray, return_share: float, housed_return_share: float,
               expected_clients: int, re_referral_after: float, n_ages: int, sh_capacity: np.ndarray,
               sh_winter: np.ndarray, sh_open: np.ndarray, sh_close: np.ndarray, sh_serves: np.ndarray,
               close_time: float, census_time: float, winter_day: np.ndarray, season_change: np.ndarray,
               use_defined: np.ndarray, use_stay: np.ndarray, use_gap: np.ndarray, use_stay_mean: np.ndarray,
               use_gap_mean: np.ndarray, use_other: np.ndarray, use_avoid: np.ndarray, use_winter_gap: np.ndarray,
               use_seek: np.ndarray, stay_ratio: np.ndarray, seek_met: np.ndarray, shelter_stream0: int,
               outreach_rate: np.ndarray, outreach_offers: np.ndarray, outreach_stream0: int, first_housing: int,
               hp_slots: np.ndarray, hp_tenancy: np.ndarray, hp_rate: np.ndarray, hp_share: np.ndarray,
               hp_move_in: np.ndarray, hp_patience: np.ndarray, hp_refusal: np.ndarray, hp_release: np.ndarray,
               hp_priority: np.ndarray, hp_support: np.ndarray, hp_stream0: int, hp_reserved: np.ndarray,
               hp_occupied: np.ndarray, hp_reserved_occupied: np.ndarray, hp_after: np.ndarray,
               return_housed_mean: float, has_prq: bool, prq_first: np.ndarray, prq_count: np.ndarray,
               prq_need: np.ndarray, prq_delay: np.ndarray, has_conference: bool, conf_first: float,
               conf_every: float, conf_duration: float, conf_max: int, conf_meets: np.ndarray,
               conf_participants: np.ndarray, has_escalation: bool, esc_min: int, esc_after: float,
               conf_route: np.ndarray, reserved_slot: bool, conf_source: int, pt_clinic: int, pt_f: np.ndarray,
               pt_assessment: int, pt_eligible: np.ndarray, woman: int, chronic: int, cohort_count: int,
               cohort_at: float, cohort_pattern: int, cohort_mix: np.ndarray, cohort_stream: int,
               event_log: bool) -> Any:
    """Run one replication; return the tables and the clinics' monitors (see :mod:`simulator.fast.records`).

    The event loop (:func:`_run`) never reallocates an array: it stops before an event when some table, the
    event queue or a line might run out of room, and this function grows them and lets it go on (arrays
    that a loop may replace cost numba's compiled code reference counting at every step)."""
    params = (
        end_time, warmup, rate_max, top, seasonal, month_of_day, has_seasonal, gender_cum, age_cum, indigenous,
        pattern_cum, prevalence_count, prevalence_need, prevalence_p, route_first, route_count, route_service,
        route_p, route_delay, route_delay_drawn, dist_kind, dist_par, staff, cap, service_dist, patience_dist,
        treats, edge_first, edge_count, edge_target, edge_cum, edge_tie, walk_in_intake, exit_when_met,
        prioritised, honours_priority, hours_open, hours_close, open_days, first_weekday, assign_mode,
        assign_type, mix_type, mix_cum, handoff_f, handoff_i, pattern_code, stock_pattern_cum, stock_pattern_code,
        stock_since_dist, resolution_mean, resolution_ratio, return_mean, return_ratio, return_share,
        housed_return_share, cohort_count, cohort_at, cohort_pattern, cohort_mix, cohort_stream)
    shelter_params = (
        re_referral_after, n_ages, sh_capacity, sh_winter, sh_open, sh_close, sh_serves, close_time, census_time,
        winter_day, season_change, use_defined, use_stay, use_gap, use_stay_mean, use_gap_mean, use_other,
        use_avoid, use_winter_gap, use_seek, stay_ratio, seek_met, shelter_stream0, outreach_rate,
        outreach_offers, outreach_stream0)
    n_clinics = staff.shape[0]
    n_shelters = sh_capacity.shape[0]
    n_outreach = outreach_rate.shape[0]
    n_housing = hp_slots.shape[0]
    # the housing programmes' parameters, and the most events or list entries one event of theirs may add (a
    # release hands out every reserved place at once)
    hp = (n_clinics, n_housing, end_time, warmup, hp_slots, hp_tenancy, hp_rate, hp_share, hp_move_in,
          hp_patience, hp_refusal, hp_release, hp_priority, hp_stream0, first_housing)
    # (a meeting schedules an event per case decided or escalated, and takes a seat per participant)
    conf_room = conf_max + conf_participants.shape[0] if has_conference else 0
    housing_params = (first_housing, hp_support, return_housed_mean, has_prq, prq_first, prq_count, prq_need,
                      prq_delay, ROOM + (int(hp_reserved.max()) if n_housing > 0 else 0) + conf_room)
    start_rows = max(64, expected_clients + stock_count + cohort_count)
    # every column of a row is written when the row is made: the tables need no filling; each starts as long as
    # ``rows_hint`` says, when it says more than the default (the tables of an earlier run: fewer copies as the
    # tables grow)
    cl_i = np.empty((max(start_rows, rows_hint[HINT_CLIENTS]), C_COLUMNS), dtype=np.int64)
    ep_rows = max(start_rows, rows_hint[HINT_EPISODES])
    ep_f = np.empty((ep_rows, 6))
    ep_i = np.empty((ep_rows, 13), dtype=np.int64)
    nd_rows = max(start_rows, rows_hint[HINT_NEEDS])
    nd_f = np.empty((nd_rows, 4))
    nd_i = np.empty((nd_rows, 11), dtype=np.int64)
    sc_i = np.empty((nd_rows, 4), dtype=np.int64)  # scratch, as long as the needs' table (escalation)
    sc_f = np.empty(nd_rows)
    vi_rows = max(start_rows, rows_hint[HINT_VISITS])
    vi_f = np.empty((vi_rows, 4))
    vi_i = np.empty((vi_rows, 8), dtype=np.int64)
    rf_rows = max(64, rows_hint[HINT_REFERRALS])
    rf_f = np.empty((rf_rows, 6))
    rf_i = np.empty((rf_rows, 9), dtype=np.int64)
    cf = np.empty(64, dtype=np.int64)  # the conference's list of cases (their referrals), in order of joining
    tk_f = np.empty((64, 1))
    tk_i = np.empty((64, 1), dtype=np.int64)
    st_rows = max(64, rows_hint[HINT_STAFF])
    st_f = np.empty((st_rows, 2))
    st_i = np.empty((st_rows, 3), dtype=np.int64)
    # the shelters' tables: locations (time; client, episode, location), nights (day, shelter or n_shelters
    # for the network, capacity, occupancy, admitted, refused), census (time; day, sheltered, outdoors, other)
    loc_rows = 64 if n_shelters == 0 else max(min(4 * start_rows, 1 << 22), rows_hint[HINT_LOCATIONS])
    lc_f = np.empty((loc_rows, 1))
    lc_i = np.empty((loc_rows, 3), dtype=np.int64)
    nt_i = np.empty((max(64, rows_hint[HINT_NIGHTS]), 6), dtype=np.int64)
    cs_rows = max(64, rows_hint[HINT_CENSUS])
    cs_f = np.empty((cs_rows, 1))
    cs_i = np.empty((cs_rows, 4), dtype=np.int64)
    # the event log (time; L_ columns), grown only where it is kept
    log_rows = max(4 * start_rows, rows_hint[HINT_LOG]) if event_log else 0
    lg_f = np.empty(log_rows)
    lg_i = np.empty((log_rows, L_COLUMNS), dtype=np.int64)
    # the housing applications (A_ columns)
    ap_rows = max(64, rows_hint[HINT_APPLICATIONS])
    ap_f = np.empty((ap_rows, 4))
    ap_i = np.empty((ap_rows, 13), dtype=np.int64)
    first_events = 64 + int(hp_occupied.sum() + hp_reserved.sum())  # the programmes' first events, at 0
    ht = np.empty(first_events)
    hs = np.empty(first_events, dtype=np.int64)
    hk = np.empty(first_events, dtype=np.int64)
    ha = np.empty(first_events, dtype=np.int64)
    # the calendar (see _push): its pool of events, the first of each slot up to the horizon's
    fp = np.empty((first_events, 5))
    fb = np.full(int(end_time * SLOTS) + 1, -1, dtype=np.int64)
    counts = np.zeros(10, dtype=np.int64)  # HEAP_SIZE, SCHEDULED, URGENT_HEAD, ..., WINDOW, POOL_FREE, POOL_TOP, FAR
    counts[WINDOW] = 1  # the heap takes the first hour's events
    counts[POOL_FREE] = -1
    width = 64 + n_clinics + 2 * stock_count + n_shelters + n_outreach + n_housing
    fk = np.empty((2, width), dtype=np.int64)  # the events of this time: urgent (row 0), normal (row 1)
    fa = np.empty((2, width), dtype=np.int64)
    # the clinics: servers in use, clients waiting (balking counts them), "closed" requests holding a server
    # and in line, the line (a heap per clinic), the presence monitor (simulator.engine.monitor.Presence), the
    # work offered in the observed window, and the shift process (its day, the step it waits in, the closing)
    users = np.zeros(n_clinics, dtype=np.int64)
    waiting = np.zeros(n_clinics, dtype=np.int64)
    closed_held = np.zeros(n_clinics, dtype=np.int64)
    closed_asked = np.zeros(n_clinics, dtype=np.int64)
    # (the housing programmes' lists follow the clinics' lines; their monitors follow the clinics', then the
    # monitors of their idle reserved places)
    # (and a last row of their own width, where a programme's scan keeps the applications it passes over)
    qp = np.empty((n_clinics + n_housing + 1, 64))
    qs = np.empty((n_clinics + n_housing + 1, 64), dtype=np.int64)
    qr = np.empty((n_clinics + n_housing + 1, 64), dtype=np.int64)
    qn = np.zeros(n_clinics + n_housing, dtype=np.int64)
    present = np.zeros(n_clinics + 2 * n_housing, dtype=np.int64)
    area = np.zeros(n_clinics + 2 * n_housing)
    last = np.zeros(n_clinics + 2 * n_housing)
    observed = np.zeros(n_clinics + 2 * n_housing, dtype=np.int64)
    offered = np.zeros(n_clinics)
    shift_day = np.zeros(n_clinics, dtype=np.int64)
    shift_step = np.zeros(n_clinics, dtype=np.int64)
    shift_closing = np.zeros(n_clinics)
    # the shelters (SH_ columns), the line (first and last client of each class), the network's counters (G_),
    # the refusals since the last census
    sh_i = np.zeros((n_shelters, 7), dtype=np.int64)
    sh_i[:, SH_HEAD] = -1
    sh_i[:, SH_TAIL] = -1
    line_hd = np.full((sh_serves.shape[1], 2), -1, dtype=np.int64)
    g = np.zeros(G_SIZE, dtype=np.int64)
    g[G_SCHED_DAY] = 1
    g[G_LOG] = 1 if event_log else 0
    refused = np.zeros(1, dtype=np.int64)
    # the housing programmes (PG_ columns), and the hold times of their free reserved places (rings)
    pg_i = np.zeros((n_housing, 6), dtype=np.int64)
    since = np.zeros((n_housing, 1 + (int(hp_reserved.max()) if n_housing > 0 else 0)))
    n = np.zeros(10, dtype=np.int64)
    clock = np.zeros(2)

    # time 0: the initial stock (made before the SimPy engine runs: it schedules their exits first), then the
    # cohort (its clients at once, or its time: scheduled after the last of the stock), the shift processes
    # (started when the SimPy engine builds the clinics), the shelters' processes (intake, refusals, capacity
    # schedule, census) with the capacities of night 0, the stock's shelter cycles, the arrival process, then the
    # outreach services (the arrival process and those after it start after the walk-ins of a cohort at 0)
    for k in range(stock_count):
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_STOCK, 1 if k == stock_count - 1 else 0)
    cohort_first = cohort_count > 0 and cohort_at <= 0
    if stock_count == 0 and cohort_count > 0:
        if cohort_first:
            g[G_COHORT_LEFT] = cohort_count
        elif cohort_at < end_time:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0 + (cohort_at - 0.0), False, EV_COHORT_DUE, 0)
    # (the housing programmes among the clinics, in the order of the file: their places at 0, the earlier tenants'
    # tenancies drawn, or their vacancy process started)
    hx = (pg_i, since, ap_f, ap_i, qp, qs, qr, qn, present, area, last, observed, g, lg_f, lg_i)
    events0 = (ht, hs, hk, ha, fp, fb, counts, fk, fa)
    for c in range(n_clinics + 1):
        for h in range(n_housing):
            if hp_after[h] == c:
                _h_init(h, hp_reserved[h], hp_occupied[h], hp_reserved_occupied[h], token, buf, pos, dist_kind,
                        dist_par, hp, hx, events0)
        if c < n_clinics and has_hours[c]:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_SHIFT, c)
    if n_shelters > 0:
        for s in range(n_shelters):
            sh_i[s, SH_CAP] = sh_winter[s] if winter_day[0] and sh_winter[s] >= 0 else sh_capacity[s]
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_INTAKE, s)
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_NIGHTLY, 0)
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_SCHEDULE, 0)
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_COUNTS, 0)
        for k in range(stock_count):  # each stock client k has token 0; a pattern without a cycle skips it
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_CYCLE_START, k << TOKEN_BITS)
    if not cohort_first:
        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_ARRIVALS_START, 0)
        for o in range(n_outreach):
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_OUTREACH, 2 * o)
        if has_conference:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, 0.0, 0.0, True, EV_CONF, 0)

    while True:
        tables = (cl_i, ep_f, ep_i, nd_f, nd_i, vi_f, vi_i, rf_f, rf_i, tk_f, tk_i, st_f, st_i)
        shelter_tables = (lc_f, lc_i, nt_i, cs_f, cs_i, lg_f, lg_i)
        events = (ht, hs, hk, ha, fp, fb, counts, fk, fa)
        clinic = (
            users, waiting, closed_held, closed_asked, qp, qs, qr, qn, present, area, last, observed, offered,
            shift_day, shift_step, shift_closing)
        shelter = (sh_i, line_hd, g, refused)
        housing = (hp, housing_params, (pg_i, since, ap_f, ap_i, qp, qs, qr, qn, present, area, last, observed, g,
                                        lg_f, lg_i))
        conference = (has_conference, conf_first, conf_every, conf_duration, conf_max, conf_meets, conf_participants,
                      has_escalation, esc_min, esc_after, conf_route, reserved_slot, conf_source, has_hours, cf,
                      pt_clinic, pt_f, pt_assessment, pt_eligible, woman, chronic, sc_i, sc_f)
        if not _run(token, buf, pos, params, shelter_params, tables, shelter_tables, events, clinic, shelter,
                    housing, conference, n, clock):
            break
        # room for the next events (a fill or an eviction may add a row or an event per client in line or in
        # a bed, a release of reserved places one per place)
        big = housing_params[-1] + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED]
        ap_f = _room_f(ap_f, n[S_APPLICATIONS] + ROOM)
        ap_i = _room_i(ap_i, n[S_APPLICATIONS] + ROOM)
        cl_i = _room_i(cl_i, n[S_CLIENTS] + ROOM)
        ep_f = _room_f(ep_f, n[S_EPISODES] + ROOM)
        ep_i = _room_i(ep_i, n[S_EPISODES] + ROOM)
        nd_f = _room_f(nd_f, n[S_NEEDS] + ROOM)
        nd_i = _room_i(nd_i, n[S_NEEDS] + ROOM)
        sc_i = _room_i(sc_i, nd_f.shape[0])
        sc_f = _room_1f(sc_f, nd_f.shape[0])
        vi_f = _room_f(vi_f, n[S_VISITS] + ROOM)
        vi_i = _room_i(vi_i, n[S_VISITS] + ROOM)
        rf_f = _room_f(rf_f, n[S_REFERRALS] + ROOM)
        rf_i = _room_i(rf_i, n[S_REFERRALS] + ROOM)
        tk_f = _room_f(tk_f, n[S_TASKS] + housing_params[-1])
        tk_i = _room_i(tk_i, n[S_TASKS] + housing_params[-1])
        st_f = _room_f(st_f, n[S_STAFF] + housing_params[-1])
        st_i = _room_i(st_i, n[S_STAFF] + housing_params[-1])
        cf = _room_1i(cf, g[G_CASES] + ROOM)
        lc_f = _room_f(lc_f, g[G_NLOC] + big)
        lc_i = _room_i(lc_i, g[G_NLOC] + big)
        nt_i = _room_i(nt_i, g[G_NNIGHT] + n_shelters + ROOM)
        cs_f = _room_f(cs_f, g[G_NCENSUS] + ROOM)
        cs_i = _room_i(cs_i, g[G_NCENSUS] + ROOM)
        if event_log:
            lg_f = _room_1f(lg_f, g[G_NLOG] + OFFERS * housing_params[-1] + big)
            lg_i = _room_i(lg_i, g[G_NLOG] + OFFERS * housing_params[-1] + big)
        ht = _room_1f(ht, counts[HEAP_SIZE] + counts[FAR] + big)
        hs = _room_1i(hs, counts[HEAP_SIZE] + counts[FAR] + big)
        hk = _room_1i(hk, counts[HEAP_SIZE] + counts[FAR] + big)
        ha = _room_1i(ha, counts[HEAP_SIZE] + counts[FAR] + big)
        fp = _room_f(fp, counts[POOL_TOP] + big)
        fk = _wider_i(fk, max(counts[URGENT_TAIL], counts[NOW_TAIL]) + big)
        fa = _wider_i(fa, max(counts[URGENT_TAIL], counts[NOW_TAIL]) + big)
        qp = _wider_f(qp, max(n[S_LINE], g[G_HTOP]) + big)
        qs = _wider_i(qs, max(n[S_LINE], g[G_HTOP]) + big)
        qr = _wider_i(qr, max(n[S_LINE], g[G_HTOP]) + big)

    # the horizon: the monitors' last stretch (Presence.time_average at the end)
    for c in range(n_clinics + 2 * n_housing):
        _tick(c, end_time, warmup, present, area, last)
    return (cl_i[:n[S_CLIENTS]], ep_f[:n[S_EPISODES]], ep_i[:n[S_EPISODES]], nd_f[:n[S_NEEDS]],
            nd_i[:n[S_NEEDS]], vi_f[:n[S_VISITS]], vi_i[:n[S_VISITS]], rf_f[:n[S_REFERRALS]],
            rf_i[:n[S_REFERRALS]], st_f[:n[S_STAFF]], st_i[:n[S_STAFF]], area, observed, offered,
            lc_f[:g[G_NLOC]], lc_i[:g[G_NLOC]], nt_i[:g[G_NNIGHT]], cs_f[:g[G_NCENSUS]], cs_i[:g[G_NCENSUS]],
            g[G_CONTACTS], ap_f[:n[S_APPLICATIONS]], ap_i[:n[S_APPLICATIONS]], g[G_RELEASED], g[G_BLOCKED],
            g[G_CONFERENCES], g[G_MISSED], lg_f[:g[G_NLOG]], lg_i[:g[G_NLOG]])


@_borrowing
def _run(token: int, buf: np.ndarray, pos: np.ndarray, params: Any, shelter_params: Any, tables: Any,
         shelter_tables: Any, events: Any, clinic: Any, shelter: Any, housing: Any, conference: Any, n: np.ndarray,
         clock: np.ndarray) -> bool:
    """The event loop, from where it stopped (``n``, ``clock``) until the horizon (False) or until the next
    event might find an array too short (True: the caller grows them and calls again)."""
    (end_time, warmup, rate_max, top, seasonal, month_of_day, has_seasonal, gender_cum, age_cum, indigenous,
     pattern_cum, prevalence_count, prevalence_need, prevalence_p, route_first, route_count, route_service,
     route_p, route_delay, route_delay_drawn, dist_kind, dist_par, staff, cap, service_dist, patience_dist,
     treats, edge_first, edge_count, edge_target, edge_cum, edge_tie, walk_in_intake, exit_when_met,
     prioritised, honours_priority, hours_open, hours_close, open_days, first_weekday, assign_mode,
     assign_type, mix_type, mix_cum, handoff_f, handoff_i, pattern_code, stock_pattern_cum, stock_pattern_code,
     stock_since_dist, resolution_mean, resolution_ratio, return_mean, return_ratio, return_share,
     housed_return_share, cohort_count, cohort_at, cohort_pattern, cohort_mix, cohort_stream) = params
    (re_referral_after, n_ages, sh_capacity, sh_winter, sh_open, sh_close, sh_serves, close_time, census_time,
     winter_day, season_change, use_defined, use_stay, use_gap, use_stay_mean, use_gap_mean, use_other,
     use_avoid, use_winter_gap, use_seek, stay_ratio, seek_met, shelter_stream0, outreach_rate,
     outreach_offers, outreach_stream0) = shelter_params
    cl_i, ep_f, ep_i, nd_f, nd_i, vi_f, vi_i, rf_f, rf_i, tk_f, tk_i, st_f, st_i = tables
    lc_f, lc_i, nt_i, cs_f, cs_i, lg_f, lg_i = shelter_tables
    sh_i, line_hd, g, refused = shelter
    log_on = g[G_LOG] == 1
    n_clinics = staff.shape[0]
    n_shelters = sh_capacity.shape[0]
    first_outreach = n_clinics + n_shelters
    ht, hs, hk, ha, fp, fb, counts, fk, fa = events
    (users, waiting, closed_held, closed_asked, qp, qs, qr, qn, present, area, last, observed, offered, shift_day,
     shift_step, shift_closing) = clinic
    n_needs = treats.shape[1]
    hp, housing_params, hx = housing
    (first_housing, hp_support, return_housed_mean, has_prq, prq_first, prq_count, prq_need, prq_delay,
     room) = housing_params
    ap_f, ap_i = hx[2], hx[3]
    (has_conference, conf_first, conf_every, conf_duration, conf_max, conf_meets, conf_participants, has_escalation,
     esc_min, esc_after, conf_route, reserved_slot, conf_source, has_hours, cf, pt_clinic, pt_f, pt_assessment,
     pt_eligible, woman, chronic, sc_i, sc_f) = conference
    n_cl, n_ep, n_nd, n_vi, n_rf, requests, line_top, n_tk, n_st, n_ap = n[0], n[1], n[2], n[3], n[4], n[5], n[6], \
        n[7], n[8], n[9]
    now, t_raw = clock[T_NOW], clock[T_RAW]
    short = False
    failed = pos.shape[0] - 1
    while True:
        if pos[failed, 0] != 0:
            break  # a callback failed (see _refill)
        if (n_cl + ROOM > cl_i.shape[0] or n_ep + ROOM > ep_f.shape[0] or n_nd + ROOM > nd_f.shape[0]
                or n_vi + ROOM > vi_f.shape[0] or n_rf + ROOM > rf_f.shape[0]
                or n_tk + room > tk_f.shape[0] or n_st + room > st_f.shape[0] or g[G_CASES] + ROOM > cf.shape[0]
                or n_ap + ROOM > ap_f.shape[0]
                or max(line_top, g[G_HTOP]) + room > qp.shape[1]
                or g[G_NLOC] + ROOM + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED] > lc_f.shape[0]
                or counts[HEAP_SIZE] + counts[FAR] + room + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED] > ht.shape[0]
                or counts[POOL_TOP] + room + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED] > fp.shape[0]
                or max(counts[URGENT_TAIL], counts[NOW_TAIL]) + room + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED]
                > fk.shape[1]
                or g[G_NNIGHT] + n_shelters + ROOM > nt_i.shape[0] or g[G_NCENSUS] + ROOM > cs_f.shape[0]
                or (log_on and g[G_NLOG] + OFFERS * room + g[G_LINE_LEN] + g[G_LOC0 + SHELTERED] > lg_f.shape[0])):
            short = True
            break
        # the next event: a client of the cohort entering now (SimPy's callback opens their episodes at once),
        # the urgent ones of this time, then those of this time in the heap (scheduled while the clock was
        # earlier), then the others of this time, then the heap's first (the clock moves on)
        # the heap run out: the calendar's next slots join it, up to one that holds an event (the room above
        # counts the calendar's events)
        while counts[HEAP_SIZE] == 0 and counts[WINDOW] < fb.shape[0]:
            slot = counts[WINDOW]
            counts[WINDOW] = slot + 1
            entry = fb[slot]
            fb[slot] = -1
            while entry >= 0:
                following = int(fp[entry, 4])
                _push_keyed(ht, hs, hk, ha, counts, fp[entry, 0], int(fp[entry, 1]), int(fp[entry, 2]),
                            int(fp[entry, 3]))
                fp[entry, 4] = counts[POOL_FREE]
                counts[POOL_FREE] = entry
                counts[FAR] -= 1
                entry = following
        if g[G_COHORT_LEFT] > 0:
            kind = EV_COHORT
            arg = 0
            g[G_COHORT_LEFT] -= 1
        elif counts[URGENT_HEAD] < counts[URGENT_TAIL]:
            kind = fk[0, counts[URGENT_HEAD]]
            arg = fa[0, counts[URGENT_HEAD]]
            counts[URGENT_HEAD] += 1
        elif counts[HEAP_SIZE] > 0 and ht[0] == now:
            kind = hk[0]
            arg = ha[0]
            _pop(ht, hs, hk, ha, counts)
        elif counts[NOW_HEAD] < counts[NOW_TAIL]:
            kind = fk[1, counts[NOW_HEAD]]
            arg = fa[1, counts[NOW_HEAD]]
            counts[NOW_HEAD] += 1
        else:
            if counts[HEAP_SIZE] == 0 or ht[0] >= end_time:
                break
            now = ht[0]
            kind = hk[0]
            arg = ha[0]
            _pop(ht, hs, hk, ha, counts)
        if counts[URGENT_HEAD] == counts[URGENT_TAIL]:
            counts[URGENT_HEAD] = 0
            counts[URGENT_TAIL] = 0
        if counts[NOW_HEAD] == counts[NOW_TAIL]:
            counts[NOW_HEAD] = 0
            counts[NOW_TAIL] = 0

        # (need row, clinic, referral, duration) of an arrival at a clinic made by this event, if any
        go_need = -1
        go_clinic = -1
        go_referral = -1
        go_duration = 0.0
        # the visit whose process resumes with this event: it starts service, or leaves the line
        resumed = -1
        # the visit whose service just ended, to route its need
        routed = -1
        # the referral that reaches the end of its way (then the base loss), and one lost on the way
        reaching = -1
        lost = -1
        go_intake = walk_in_intake
        # a client whose episode opens (its stream, source and time homeless since); the next arrival to draw;
        # the last client of a cohort at 0 has opened their episode (the arrivals and the others start after)
        cohort_done = False
        opening = -1
        opening_stream = ATTRIBUTES
        opening_source = SOURCE_INFLOW
        opening_since = 0.0
        next_arrival = False
        # an episode that ends, and why
        ending = -1
        ending_reason = EPISODE_ACTIVE
        # a shelter cycle that resumes (its client, where it goes on from), a contact (the client, the sender)
        cy = -1
        cy_step = GO_START
        contact_client = -1
        contact_service = -1
        # a handoff to send: the need row, the sender, the receiver
        send_row = -1
        send_source = -1
        send_target = -1
        # a walk-in whose delay is over (the need row), and an application whose client has just moved in
        walk_row = -1
        housed_app = -1
        # a multilateral handoff whose case the conference decided: its process resumes (latency, loss, receiver)
        decided = -1
        # an assessment at the access point just done (its visit), and the duration of a visit to it
        assessed = -1
        go_fixed = -1.0

        if kind in (EV_ARRIVAL, EV_STOCK, EV_COHORT):
            # a new client (Episodes.draw_client), from stream ``attributes`` (``stock`` for the initial stock,
            # with its pattern mix; ``cohort`` for the cohort, of its pattern)
            stream = ATTRIBUTES if kind == EV_ARRIVAL else STOCK if kind == EV_STOCK else cohort_stream
            mix = pattern_cum if kind == EV_ARRIVAL else stock_pattern_cum if kind == EV_STOCK else cohort_mix
            client = n_cl
            n_cl += 1
            gender = _choice(token, buf, pos, stream, gender_cum) if gender_cum.shape[0] > 1 else 0
            age = _choice(token, buf, pos, stream, age_cum) if age_cum.shape[0] > 1 else 0
            native = 0
            if indigenous > 0 and _draw(token, buf, pos, stream, UNIFORM_DRAW) < indigenous:
                native = 1
            choice = _choice(token, buf, pos, stream, mix) if mix.shape[0] > 1 else 0
            cl_i[client, C_GENDER] = gender
            cl_i[client, C_AGE] = age
            cl_i[client, C_INDIGENOUS] = native
            cl_i[client, C_PATTERN] = pattern_code[choice] if kind == EV_ARRIVAL else \
                stock_pattern_code[choice] if kind == EV_STOCK else cohort_pattern
            cl_i[client, C_EPISODES] = 0
            cl_i[client, C_LOCATION] = -1
            cl_i[client, C_OUT_POS] = -1
            cl_i[client, C_WHERE] = -1
            cl_i[client, C_LINE_PREV] = -1
            cl_i[client, C_LINE_NEXT] = -1
            cl_i[client, C_LINE_SEQ] = 0
            cl_i[client, C_IN_LINE] = 0
            cl_i[client, C_OCC_PREV] = -1
            cl_i[client, C_OCC_NEXT] = -1
            cl_i[client, C_CYCLE] = CY_NONE
            cl_i[client, C_TOKEN] = 0
            cl_i[client, C_WINTER_ONLY] = 0
            cl_i[client, C_AVOIDING] = 0
            cl_i[client, C_COND] = 0
            cl_i[client, C_ADMITTED] = 0
            cl_i[client, C_CYCLE_SEQ] = 0
            cl_i[client, C_CLASS] = gender * n_ages + age
            opening = client
            opening_stream = stream
            if kind == EV_ARRIVAL:
                opening_source = SOURCE_INFLOW
                opening_since = t_raw
            elif kind == EV_COHORT:  # (Episodes._enter_cohort) homeless from now
                opening_source = SOURCE_COHORT
                opening_since = now
                cohort_done = g[G_COHORT_LEFT] == 0 and cohort_at <= 0
            else:  # already homeless for a while (Episodes.initial_stock), no walk-ins
                opening_source = SOURCE_STOCK
                d = stock_since_dist
                opening_since = -_sample(token, buf, pos, STOCK, dist_kind[d], dist_par[d])
                if arg == 1:  # the last of the stock: then the cohort (Simulation.run)
                    if cohort_count > 0 and cohort_at <= 0:
                        g[G_COHORT_LEFT] = cohort_count
                    elif cohort_count > 0 and cohort_at < end_time:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (cohort_at - now), False,
                                  EV_COHORT_DUE, 0)
            next_arrival = kind == EV_ARRIVAL

        elif kind == EV_COHORT_DUE:
            g[G_COHORT_LEFT] = cohort_count

        elif kind == EV_ARRIVALS_START:
            next_arrival = True

        elif kind == EV_RETURN:
            # a client back after a self-resolved episode (Episodes._return), from stream ``returns``
            if ep_i[cl_i[arg, C_EPISODE], E_REASON] != EPISODE_ACTIVE:
                opening = arg
                opening_stream = RETURNS
                opening_source = SOURCE_RETURN
                opening_since = now

        elif kind == EV_RESOLVE:
            # the self-resolution time of an episode, unless the episode is over or its clock was rescheduled
            episode = arg // TOKENS
            if ep_i[episode, E_REASON] == EPISODE_ACTIVE and ep_i[episode, E_TOKEN] == arg % TOKENS:
                ending = episode
                ending_reason = EPISODE_SELF_RESOLVED

        elif kind == EV_INTERRUPT:
            # a pathway of an episode that ended stops where it waits (the SimPy engine's Interrupt)
            row = arg
            where = nd_i[row, N_PATH]
            nd_i[row, N_PATH] = PATH_NONE
            if where in (PATH_TRAVEL, PATH_CONFERENCE):
                # (a case waiting for the conference is dropped from its list: CaseConference's ``waiting``)
                ref = nd_i[row, N_REFERRAL]
                rf_f[ref, R_END] = now
                rf_i[ref, R_OUTCOME] = CLIENT_EXITED
                if where == PATH_CONFERENCE:
                    rf_i[ref, R_CASE] = CASE_DROPPED
            elif where == PATH_VISIT:
                # ServiceNode.serve: the request withdrawn, or the server released (a request granted but not
                # yet taken up is released without leaving the count of those waiting, as the SimPy engine
                # does); the visit ends ``exited``, its referral ``client_exited``
                v = nd_i[row, N_VISIT]
                c = vi_i[v, V_SERVICE]
                state = vi_i[v, V_STATE]
                if state == WAITING:
                    waiting[c] -= 1
                else:
                    users[c] -= 1
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RELEASE, c)
                vi_i[v, V_STATE] = DONE
                vi_i[v, V_OUTCOME] = EXITED
                vi_f[v, V_END] = now
                _tick(c, now, warmup, present, area, last)
                present[c] -= 1
                if vi_i[v, V_REFERRAL] >= 0:
                    rf_f[vi_i[v, V_REFERRAL], R_END] = now
                    rf_i[vi_i[v, V_REFERRAL], R_OUTCOME] = CLIENT_EXITED
            elif where == PATH_HOUSING:
                # HousingProgramme.apply: off the list, or a matched place handed on; the referral client_exited
                a = nd_i[row, N_VISIT]
                _h_interrupt(a, now, token, buf, pos, hp, hx, events)
                if ap_i[a, A_REFERRAL] >= 0:
                    rf_f[ap_i[a, A_REFERRAL], R_END] = now
                    rf_i[ap_i[a, A_REFERRAL], R_OUTCOME] = CLIENT_EXITED

        elif kind == EV_WALK_START:
            # a walk-in's pathway (Pathways.pathway): the need is pending, then the delay, then the clinic
            nd_i[arg, N_STATUS] = NEED_PENDING
            wait = nd_f[arg, N_DELAY]
            if wait > 0:
                nd_i[arg, N_PATH] = PATH_DELAY
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + wait, False, EV_WALK_IN, arg)
            else:
                walk_row = arg

        elif kind == EV_WALK_IN:
            if nd_i[arg, N_PATH] == PATH_DELAY:  # else: the episode ended during the delay
                walk_row = arg

        elif kind == EV_REQUEST:
            # the request's event is processed: the process waiting on it resumes, or the condition "served or
            # deadline" it waits on is met (and the process resumes when that is processed)
            v = arg
            if vi_i[v, V_STATE] == GRANTED:
                if vi_i[v, V_TIMED] == 0:
                    resumed = v
                elif vi_i[v, V_FIRED] == 0:
                    vi_i[v, V_FIRED] = 1
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RESUME, v)

        elif kind == EV_DEADLINE:
            v = arg
            if vi_i[v, V_FIRED] == 0 and vi_i[v, V_STATE] != DONE:
                vi_i[v, V_FIRED] = 1
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RESUME, v)

        elif kind == EV_RESUME:
            if vi_i[arg, V_STATE] != DONE:
                resumed = arg

        elif kind == EV_SERVICE_END:
            # the service is over (ServiceNode.serve): the server is released (the next in line is tried when
            # the release is processed), the client leaves
            v = arg
            if vi_i[v, V_STATE] == IN_SERVICE:  # else: the episode ended during the service
                c = vi_i[v, V_SERVICE]
                vi_f[v, V_END] = now
                vi_i[v, V_OUTCOME] = SERVED
                vi_i[v, V_STATE] = DONE
                users[c] -= 1
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RELEASE, c)
                _tick(c, now, warmup, present, area, last)
                present[c] -= 1
                ref = vi_i[v, V_REFERRAL]
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_ENDED, -1, vi_i[v, V_NEED], c,
                         rf_i[ref, R_TYPE] if ref >= 0 else WALK_IN, SERVED)
                if c == pt_clinic:
                    assessed = v  # the integrated handoff goes on (eligibility, score, receiver)
                else:
                    if ref >= 0:
                        rf_f[ref, R_END] = now
                        rf_i[ref, R_OUTCOME] = SERVED
                        if log_on:
                            _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, vi_i[v, V_NEED], rf_i[ref, R_TARGET],
                                 rf_i[ref, R_TYPE], SERVED)
                    routed = v

        elif kind == EV_RELEASE:
            _trigger(arg, now, staff, users, closed_held, closed_asked, qp, qs, qr, qn, vi_i, ht, hs, hk, ha, fp, fb,
                     counts, fk, fa)

        elif kind == EV_TRAVEL:
            # the latency is over (Handoffs._travel), or the loss clock ran out on the way (unless the episode
            # ended on the way: the referral is closed)
            if rf_i[arg, R_OUTCOME] != OPEN_AT_HORIZON:
                pass
            elif rf_i[arg, R_LOST_ON_WAY] == 1:
                lost = arg
            else:
                reaching = arg

        elif kind == EV_CONF:
            # the conference's meetings process (CaseConference.meetings): the first meeting is due at the first
            # ``weekday`` at ``time``, then every ``every`` days; a day that is not a meeting day (or a holiday)
            # holds none
            if arg == 0:
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + conf_first, False, EV_CONF, 1)
            else:
                deciding = arg == 2
                if arg == 1:
                    if not conf_meets[int(now)]:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + conf_every, False, EV_CONF, 1)
                    else:
                        deciding = True
                        if has_escalation:
                            # escalation (CaseConference.escalate): the needs stuck for ``after`` days of the clients
                            # with at least ``min_open_needs`` needs not met, the longest stuck first (by onset,
                            # then client, then the order of the client's needs), as many as there is room for;
                            # each starts a pathway through the conference to the need's route
                            live = 0
                            for i in range(g[G_CASES]):
                                if rf_i[cf[i], R_CASE] == CASE_WAITING:
                                    live += 1
                            conf_left = conf_max - live
                            escalated = 0
                            if conf_left > 0:
                                cutoff = now - esc_after
                                while g[G_ACTIVE_FROM] < n_ep and \
                                        ep_i[g[G_ACTIVE_FROM], E_REASON] != EPISODE_ACTIVE:
                                    g[G_ACTIVE_FROM] += 1
                                low = g[G_ACTIVE_FROM]
                                # (the candidates' rows, clients and onsets in the scratch tables, as long as the
                                # needs' table)
                                m = 0
                                for episode in range(low, n_ep):
                                    held = ep_i[episode, E_NEEDS]
                                    if ep_i[episode, E_REASON] != EPISODE_ACTIVE or held < esc_min:
                                        continue
                                    first = ep_i[episode, E_FIRST_NEED]
                                    open_count = 0
                                    start_m = m
                                    for row in range(first, first + held):
                                        status = nd_i[row, N_STATUS]
                                        if status != NEED_MET:
                                            open_count += 1
                                            if status == NEED_OPEN and nd_f[row, N_ONSET] <= cutoff and \
                                                    nd_f[row, N_LAST] <= cutoff and conf_route[nd_i[row, N_NEED]] >= 0:
                                                sc_i[m, 0] = row
                                                m += 1
                                    if open_count < esc_min:
                                        m = start_m
                                if m > 0:
                                    for i in range(m):
                                        row = sc_i[i, 0]
                                        sc_i[i, 1] = ep_i[nd_i[row, N_EPISODE], E_CLIENT]
                                        sc_i[i, 2] = i
                                        sc_f[i] = nd_f[row, N_ONSET]
                                    _sort_cases(sc_i, sc_f, m)
                                    for i in range(min(conf_left, m)):
                                        row = sc_i[sc_i[i, 2], 0]
                                        nd_i[row, N_PATH] = PATH_STARTING
                                        nd_i[row, N_TARGET] = conf_route[nd_i[row, N_NEED]]
                                        nd_i[row, N_SOURCE] = conf_source
                                        nd_i[row, N_SEQ] = g[G_PROC_SEQ]
                                        g[G_PROC_SEQ] += 1
                                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True,
                                                  EV_CONTACT_START,
                                                  row)
                                        escalated += 1
                            if escalated > 0:
                                # a zero-length step: the escalated handoffs join the list before the decisions
                                deciding = False
                                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_CONF, 2)
                if deciding:
                    if g[G_CASES] > 0:
                        # a meeting: counted, a seat of ``duration`` for each participant open now (the others
                        # miss it), then up to ``max_cases`` live cases decided in order, the rest kept
                        if now >= warmup:
                            g[G_CONFERENCES] += 1
                        for k in range(conf_participants.shape[0]):
                            service = conf_participants[k]
                            is_open = True
                            if service < n_clinics and has_hours[service]:
                                day = math.floor(now)
                                is_open = open_days[service, (first_weekday + day) % 7] and \
                                    hours_open[service] <= now - day < hours_close[service]
                            if not is_open:
                                if now >= warmup:
                                    g[G_MISSED] += 1
                                continue
                            if conf_duration <= 0:
                                continue
                            if now >= warmup:
                                st_f[n_st, W_TIME] = now
                                st_f[n_st, W_DAYS] = conf_duration
                                st_i[n_st, W_SERVICE] = service
                                st_i[n_st, W_PURPOSE] = CONFERENCE
                                st_i[n_st, W_TYPE] = MULTILATERAL
                                n_st += 1
                            if service < n_clinics:
                                tk_f[n_tk, K_DURATION] = conf_duration
                                tk_i[n_tk, K_CLINIC] = service
                                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_TASK_START, n_tk)
                                n_tk += 1
                        made = 0
                        kept = 0
                        for i in range(g[G_CASES]):
                            ref = cf[i]
                            if rf_i[ref, R_CASE] != CASE_WAITING:
                                continue  # dropped while waiting
                            if made < conf_max:
                                rf_i[ref, R_CASE] = CASE_NONE
                                rf_i[ref, R_DECIDED] = 1
                                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_C_DECIDED, ref)
                                made += 1
                            else:
                                cf[kept] = ref
                                kept += 1
                        g[G_CASES] = kept
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + conf_every, False, EV_CONF, 1)

        elif kind in (EV_C_DECIDED, EV_C_TIMEOUT, EV_C_RESUME):
            # a case waiting for the conference (Handoffs.multilateral): its process waits for the decision, or,
            # with a loss time, for the condition "decided or the loss time", which resumes it when processed
            # (lost unless the decision was processed by then)
            ref = arg
            row = rf_i[ref, R_NEED]
            if rf_i[ref, R_OUTCOME] == OPEN_AT_HORIZON and nd_i[row, N_PATH] == PATH_CONFERENCE and \
                    nd_i[row, N_REFERRAL] == ref:
                if kind == EV_C_DECIDED:
                    rf_i[ref, R_DECIDED] = 2
                    if rf_f[ref, R_GIVE_UP] == np.inf:
                        decided = ref
                    elif rf_i[ref, R_FIRED] == 0:
                        rf_i[ref, R_FIRED] = 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_C_RESUME, ref)
                elif kind == EV_C_TIMEOUT:
                    if rf_i[ref, R_FIRED] == 0:
                        rf_i[ref, R_FIRED] = 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_C_RESUME, ref)
                elif rf_i[ref, R_DECIDED] == 2:
                    decided = ref
                else:
                    rf_i[ref, R_CASE] = CASE_DROPPED
                    lost = ref

        elif kind == EV_TASK_START:
            # coordination work at a clinic (ServiceNode.occupy): asks for a staff member, ahead of the clients
            # in a priority line, in turn in a plain one
            c = tk_i[arg, K_CLINIC]
            if now >= warmup:
                offered[c] += tk_f[arg, K_DURATION]
            _line_add(qp, qs, qr, qn, c, COORDINATION if prioritised[c] else 0.0, requests, -1 - arg)
            requests += 1
            if qn[c] > line_top:
                line_top = qn[c]
            _trigger(c, now, staff, users, closed_held, closed_asked, qp, qs, qr, qn, vi_i, ht, hs, hk, ha, fp, fb,
                     counts, fk, fa)

        elif kind == EV_TASK_GRANTED:
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + tk_f[arg, K_DURATION], False, EV_TASK_END, arg)

        elif kind == EV_TASK_END:
            c = tk_i[arg, K_CLINIC]
            users[c] -= 1
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RELEASE, c)

        elif kind == EV_CONTACT_START:
            # a pathway a contact started (Pathways.pathway): the need is pending, and the handoff is sent
            nd_i[arg, N_STATUS] = NEED_PENDING
            missing = _blocked(arg, nd_i[arg, N_TARGET], now, warmup, n_needs, nd_f, nd_i, ep_i, prq_first,
                               prq_count, prq_need, prq_delay, g) if has_prq else -1
            if missing >= 0:
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_PREREQUISITE, -1, arg, nd_i[arg, N_TARGET], -1, missing)
                nd_i[arg, N_STATUS] = NEED_OPEN  # a prerequisite is missing: no referral
                nd_i[arg, N_PATH] = PATH_NONE
            else:
                send_row = arg
                send_source = nd_i[arg, N_SOURCE]
                send_target = nd_i[arg, N_TARGET]

        elif kind in (EV_CYCLE_START, EV_ADMIT, EV_COND, EV_SEASON_END, EV_WAKE, EV_CHECKOUT, EV_GAP_END):
            # an event a shelter cycle waits for, unless it waits for something else by now (its token moved on)
            client = arg >> TOKEN_BITS
            state = cl_i[client, C_CYCLE]
            if (cl_i[client, C_TOKEN] & TOKEN_MASK) == (arg & TOKEN_MASK) and state != CY_NONE:
                if kind == EV_CYCLE_START:
                    if state == CY_START:
                        cy = client
                        cy_step = GO_START
                elif kind in (EV_ADMIT, EV_SEASON_END):
                    # the request's event, or the season's end: the process resumes on it, or on the condition
                    # "admitted or the season is over" of a winter seeker (met by the first of the two)
                    if state == CY_LINE:
                        if cl_i[client, C_COND] == 0:
                            if kind == EV_ADMIT:
                                cy = client
                                cy_step = GO_ADMITTED
                        elif cl_i[client, C_COND] == 1:
                            cl_i[client, C_COND] = 2
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_COND, arg)
                elif kind == EV_COND:
                    if state == CY_LINE:
                        cy = client
                        cy_step = GO_ADMITTED if cl_i[client, C_ADMITTED] == 1 else GO_LEAVE_LINE
                elif kind == EV_WAKE:
                    if state == CY_AVOID:
                        cy = client
                        cy_step = GO_AVOID_LOOP
                elif kind == EV_CHECKOUT:
                    if state == CY_STAY:
                        cy = client
                        cy_step = GO_CHECKOUT
                elif state == CY_GAP:  # EV_GAP_END
                    cy = client
                    cy_step = GO_GAP_END

        elif kind == EV_CYCLE_INTERRUPT:
            # the cycle is interrupted (ShelterCycles.cycle): an outreach worker or a met need ends its avoidance
            # or its gap, an eviction ends its stay; anything else (the episode's end) ends the cycle, which
            # leaves the line or its bed
            client = arg >> 2
            cause = arg & 3
            state = cl_i[client, C_CYCLE]
            if state != CY_NONE:
                if cause == SEEK and state == CY_AVOID:
                    cl_i[client, C_AVOIDING] = 0
                    cl_i[client, C_WINTER_ONLY] = 0
                    cy = client
                    cy_step = GO_TOP
                elif cause == SEEK and state == CY_GAP:
                    cy = client
                    cy_step = GO_GAP_END
                elif cause == EVICTED and state == CY_STAY:
                    cy = client
                    cy_step = GO_GAP
                else:
                    cl_i[client, C_CYCLE] = CY_NONE
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_AVOIDING] = 0
                    _leave(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i,
                           ht, hs, hk, ha, fp, fb, counts, fk, fa)

        elif kind >= EV_H_MATCH:
            housed_app = _h_event(kind, arg, now, token, buf, pos, nd_i, rf_f, rf_i, dist_kind, dist_par, hp, hx,
                                  events)

        elif kind in (EV_INTAKE, EV_NIGHTLY, EV_SCHEDULE, EV_COUNTS):
            _shelter_days(kind, arg, now, warmup, sh_capacity, sh_winter, sh_open, sh_close, sh_serves, close_time,
                          census_time, winter_day, cl_i, ep_i, sh_i, line_hd, g, refused, lc_f, lc_i, nt_i, cs_f, cs_i,
                          lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts, fk, fa)

        elif kind == EV_OUTREACH:
            # a contact of an outreach service (simulator.engine.outreach): a client drawn from those outdoors,
            # perhaps persuaded to seek a bed, then the worker's contact; then the next contact's time
            o = arg >> 1
            stream = outreach_stream0 + o
            if outreach_rate[o] > 0:
                if (arg & 1) == 1 and g[G_NOUT] > 0:
                    client = cl_i[int(_draw(token, buf, pos, stream, UNIFORM_DRAW) * g[G_NOUT]), C_OUT_LIST]
                    if now >= warmup:
                        g[G_CONTACTS] += 1
                    if log_on:
                        _log(lg_f, lg_i, g, now, LOG_OUTREACH, cl_i[client, C_EPISODE], -1, first_outreach + o, -1, -1)
                    if outreach_offers[o] > 0 and _draw(token, buf, pos, stream, UNIFORM_DRAW) < outreach_offers[o] \
                            and cl_i[client, C_CYCLE] != CY_NONE and cl_i[client, C_IN_LINE] == 0:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CYCLE_INTERRUPT,
                                  (client << 2) | SEEK)
                    contact_client = client
                    contact_service = first_outreach + o
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now,
                          now + _draw(token, buf, pos, stream, EXPONENTIAL_DRAW) / outreach_rate[o], False,
                          EV_OUTREACH, 2 * o + 1)

        else:  # EV_SHIFT: a step of the shift process (ServiceNode.shifts)
            c = arg
            step = shift_step[c]
            if step == 0:
                # its start, at 0: one "closed" request per staff member takes every server
                for _ in range(staff[c]):
                    closed_asked[c] += 1
                    _trigger(c, now, staff, users, closed_held, closed_asked, qp, qs, qr, qn, vi_i, ht, hs, hk,
                             ha, fp, fb, counts, fk, fa)
            elif step == 2:
                # closing time: a "closed" request per staff member, each taking its server once free
                for _ in range(staff[c]):
                    closed_asked[c] += 1
                    _trigger(c, now, staff, users, closed_held, closed_asked, qp, qs, qr, qn, vi_i, ht, hs, hk,
                             ha, fp, fb, counts, fk, fa)
                shift_day[c] += 1
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (shift_day[c] - now), False, EV_SHIFT, c)
                shift_step[c] = 3
            if step != 2:
                opening_now = step == 1
                while True:
                    day = shift_day[c]
                    if not opening_now:
                        if not open_days[c, (first_weekday + day) % 7]:
                            shift_day[c] = day + 1
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + ((day + 1) - now), False,
                                      EV_SHIFT, c)
                            shift_step[c] = 3
                            break
                        opens_at = day + hours_open[c]
                        shift_closing[c] = day + hours_close[c]
                        if opens_at > now:
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (opens_at - now), False,
                                      EV_SHIFT, c)
                            shift_step[c] = 1
                            break
                    # opening: every "closed" request holding a server is released, the others withdrawn
                    for _ in range(closed_held[c]):
                        users[c] -= 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, False, EV_RELEASE, c)
                    closed_held[c] = 0
                    closed_asked[c] = 0
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (shift_closing[c] - now), False,
                              EV_SHIFT, c)
                    shift_step[c] = 2
                    break

        if walk_row >= 0:
            # a walk-in goes to its service (Pathways.pathway), unless a prerequisite is missing
            missing = _blocked(walk_row, nd_i[walk_row, N_TARGET], now, warmup, n_needs, nd_f, nd_i, ep_i,
                               prq_first, prq_count, prq_need, prq_delay, g) if has_prq else -1
            if missing >= 0:
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_PREREQUISITE, -1, walk_row, nd_i[walk_row, N_TARGET], -1, missing)
                nd_i[walk_row, N_STATUS] = NEED_OPEN
                nd_i[walk_row, N_PATH] = PATH_NONE
            else:
                go_need = walk_row
                go_clinic = nd_i[walk_row, N_TARGET]

        if housed_app >= 0:
            # moved in (HousingProgramme.apply, Episodes.housed): the housing need is met by the programme, the
            # referral ends ``housed``, and the episode ends
            row = ap_i[housed_app, A_NEED]
            episode = nd_i[row, N_EPISODE]
            nd_i[row, N_PATH] = PATH_NONE
            if nd_i[row, N_STATUS] != NEED_MET:
                nd_i[row, N_STATUS] = NEED_MET
                nd_i[row, N_OUTCOME] = NEED_WAS_MET
                nd_i[row, N_MET_BY] = first_housing + ap_i[housed_app, A_PROGRAMME]
                nd_f[row, N_END] = now
                ep_i[episode, E_OPEN] -= 1
            if ap_i[housed_app, A_REFERRAL] >= 0:
                ref = ap_i[housed_app, A_REFERRAL]
                rf_f[ref, R_END] = now
                rf_i[ref, R_OUTCOME] = HOUSED
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, row, rf_i[ref, R_TARGET], rf_i[ref, R_TYPE], HOUSED)
            ending = episode
            ending_reason = EPISODE_HOUSED

        if cy >= 0:
            # a shelter cycle goes on (ShelterCycles.cycle, avoid, stay, gap), every draw from stream
            # ``shelter:<pattern>``, until it waits again (a timeout, the line, or forever while avoiding)
            client = cy
            pattern = cl_i[client, C_PATTERN]
            episode = cl_i[client, C_EPISODE]
            stream = shelter_stream0 + pattern
            step = cy_step
            fraction = 1.0
            while True:
                if step == GO_START:
                    if ep_i[episode, E_AVOIDANT] == 1:
                        step = GO_AVOID
                        continue
                    if ep_i[episode, E_SOURCE] != SOURCE_STOCK:
                        step = GO_TOP
                        continue
                    # the initial stock: mid-stay in the first free bed that serves them (any hour), in
                    # proportion to the mean stay and gap, or mid-gap
                    stay_mean = use_stay_mean[pattern]
                    placed = -1
                    if _draw(token, buf, pos, stream, UNIFORM_DRAW) * (stay_mean + use_gap_mean[pattern]) < stay_mean:
                        for s in range(n_shelters):
                            if sh_i[s, SH_OCC] < sh_i[s, SH_CAP] and sh_serves[s, cl_i[client, C_CLASS]]:
                                placed = s
                                break
                    if placed < 0:
                        fraction = _draw(token, buf, pos, stream, UNIFORM_DRAW)
                        step = GO_GAP
                        continue
                    _admit(placed, client, False, now, cl_i, sh_i, lc_f, lc_i, g, lg_f, lg_i, ht, hs, hk, ha, fp, fb,
                           counts,
                           fk, fa)
                    u = _draw(token, buf, pos, stream, UNIFORM_DRAW)
                    d = use_stay[pattern]
                    nights = u * _sample_call(token, buf, pos, stream, dist_kind[d], dist_par[d])
                    nights *= _stay_ratio(client, cl_i, ep_i, nd_i, stay_ratio)
                    leave_at = float(math.floor(now) + max(1, math.ceil(nights))) + CHECKOUT_HOUR
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_CYCLE] = CY_STAY
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (leave_at - now), False, EV_CHECKOUT,
                              (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                    break
                if step == GO_AVOID:
                    # avoiding shelters: outdoors until convinced, or (winter_seek) until the cold brings them
                    _move(client, OUTDOORS, now, cl_i, lc_f, lc_i, g)
                    cl_i[client, C_AVOIDING] = 1
                    step = GO_AVOID_LOOP
                    continue
                if step == GO_AVOID_LOOP:
                    wake = np.inf
                    if use_seek[pattern] > 0:
                        if winter_day[int(now)]:
                            if _draw(token, buf, pos, stream, UNIFORM_DRAW) < use_seek[pattern]:
                                cl_i[client, C_AVOIDING] = 0
                                cl_i[client, C_WINTER_ONLY] = 1
                                step = GO_TOP
                                continue
                            change = season_change[int(now)]
                            wake = season_change[int(change)] if change < np.inf else np.inf
                        else:
                            wake = season_change[int(now)]
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_CYCLE] = CY_AVOID
                    if wake < np.inf:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (wake - now), False, EV_WAKE,
                                  (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                    break
                if step == GO_TOP:
                    # outdoors, asking for a bed: admitted at once, or in line (a winter seeker only until the
                    # season ends)
                    _move(client, OUTDOORS, now, cl_i, lc_f, lc_i, g)
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_CYCLE] = CY_LINE
                    cl_i[client, C_ADMITTED] = 0
                    cl_i[client, C_COND] = 0
                    admitted = _request(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i,
                                        g, lg_f, lg_i, ht, hs, hk, ha, fp, fb, counts, fk, fa)
                    if cl_i[client, C_WINTER_ONLY] == 1 and not admitted:
                        change = season_change[int(now)]
                        if change < np.inf:
                            cl_i[client, C_COND] = 1
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (change - now), False,
                                      EV_SEASON_END, (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                    break
                if step == GO_ADMITTED:
                    # admitted: the shelter's contact, then a stay (a winter seeker's ends with the season)
                    contact_client = client
                    contact_service = n_clinics + cl_i[client, C_WHERE]
                    d = use_stay[pattern]
                    drawn = _sample_call(token, buf, pos, stream, dist_kind[d], dist_par[d])
                    stay_nights = max(1, int(np.rint(drawn * _stay_ratio(client, cl_i, ep_i, nd_i, stay_ratio))))
                    if cl_i[client, C_WINTER_ONLY] == 1 and winter_day[int(now)]:
                        change = season_change[int(now)]
                        if change < np.inf:
                            stay_nights = max(1, min(stay_nights, int(change) - math.floor(now)))
                    leave_at = float(math.floor(now) + stay_nights) + CHECKOUT_HOUR
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_CYCLE] = CY_STAY
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (leave_at - now), False, EV_CHECKOUT,
                              (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                    break
                if step == GO_LEAVE_LINE:
                    # a winter seeker still in line when the season ends: out of the line, avoiding again
                    _leave(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i,
                           ht, hs, hk, ha, fp, fb, counts, fk, fa)
                    step = GO_AVOID
                    continue
                if step == GO_CHECKOUT:
                    _leave(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i,
                           ht, hs, hk, ha, fp, fb, counts, fk, fa)
                    step = GO_GAP
                    continue
                if step == GO_GAP:
                    # a gap, elsewhere or outdoors (shorter outdoors in winter); the stock's is a fraction of one
                    d = use_gap[pattern]
                    gap = _sample_call(token, buf, pos, stream, dist_kind[d], dist_par[d]) * fraction
                    outdoors = _draw(token, buf, pos, stream, UNIFORM_DRAW) >= use_other[pattern]
                    _move(client, OUTDOORS if outdoors else ELSEWHERE, now, cl_i, lc_f, lc_i, g)
                    if outdoors and use_winter_gap[pattern] < 1.0 and winter_day[int(now)]:
                        gap *= use_winter_gap[pattern]
                    cl_i[client, C_TOKEN] += 1
                    cl_i[client, C_CYCLE] = CY_GAP
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + gap, False, EV_GAP_END,
                              (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                    break
                # GO_GAP_END: a winter seeker whose gap ends after the season avoids shelters again
                step = GO_AVOID if cl_i[client, C_WINTER_ONLY] == 1 and not winter_day[int(now)] else GO_TOP

        if contact_client >= 0:
            # a contact (Pathways.contact): each open need not referred in the last ``re_referral_after`` draws an
            # edge out of the sender (stream ``routing``); a chosen edge starts a pathway, a process of its own
            client = contact_client
            episode = cl_i[client, C_EPISODE]
            first = ep_i[episode, E_FIRST_NEED]
            cutoff = now - re_referral_after
            for row in range(first, first + ep_i[episode, E_NEEDS]):
                if nd_i[row, N_STATUS] != NEED_OPEN or nd_f[row, N_LAST] > cutoff:
                    continue
                key = contact_service * n_needs + nd_i[row, N_NEED]
                if edge_count[key] == 0:
                    continue
                u = _draw(token, buf, pos, ROUTING, UNIFORM_DRAW)
                for e in range(edge_first[key], edge_first[key] + edge_count[key]):
                    if u < edge_cum[e]:
                        nd_i[row, N_PATH] = PATH_STARTING
                        nd_i[row, N_TARGET] = edge_target[e]
                        nd_i[row, N_SOURCE] = contact_service
                        nd_i[row, N_SEQ] = g[G_PROC_SEQ]
                        g[G_PROC_SEQ] += 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CONTACT_START, row)
                        break

        if opening >= 0:
            # an episode opens (Episodes.start), every draw from the stream of its source: its needs, its
            # self-resolution time, whether it would return after self-resolving and after housing, its walk-ins
            client = opening
            stream = opening_stream
            pattern = cl_i[client, C_PATTERN]
            episode = n_ep
            n_ep += 1
            cl_i[client, C_EPISODE] = episode
            cl_i[client, C_EPISODES] += 1
            ep_f[episode, E_START] = now
            ep_f[episode, E_SINCE] = opening_since
            ep_f[episode, E_END] = np.nan
            ep_i[episode, E_CLIENT] = client
            ep_i[episode, E_NUMBER] = cl_i[client, C_EPISODES]
            ep_i[episode, E_REASON] = EPISODE_ACTIVE
            ep_i[episode, E_FIRST_NEED] = n_nd
            ep_i[episode, E_SOURCE] = opening_source
            ep_i[episode, E_TOKEN] = 0
            held = 0
            # (the cohort's own prevalence: the last row; its own walk-ins tried first: the second row of routes)
            mixed = prevalence_count.shape[0] - 1 if opening_source == SOURCE_COHORT else pattern
            routes = 1 if opening_source == SOURCE_COHORT else 0
            for j in range(prevalence_count[mixed]):
                p = prevalence_p[mixed, j]
                if p >= 1.0 or _draw(token, buf, pos, stream, UNIFORM_DRAW) < p:
                    row = n_nd
                    n_nd += 1
                    nd_f[row, N_ONSET] = now
                    nd_f[row, N_END] = np.nan
                    nd_f[row, N_DELAY] = 0.0
                    nd_i[row, N_EPISODE] = episode
                    nd_i[row, N_NEED] = prevalence_need[mixed, j]
                    nd_i[row, N_STATUS] = NEED_OPEN
                    nd_i[row, N_OUTCOME] = NEED_CENSORED
                    nd_i[row, N_MET_BY] = -1
                    nd_i[row, N_TARGET] = -1
                    nd_i[row, N_PATH] = PATH_NONE
                    nd_i[row, N_VISIT] = -1
                    nd_i[row, N_REFERRAL] = -1
                    nd_f[row, N_LAST] = -np.inf
                    nd_i[row, N_SOURCE] = -1
                    nd_i[row, N_SEQ] = 0
                    held += 1
            ep_i[episode, E_NEEDS] = held
            ep_i[episode, E_OPEN] = held
            # whether the client avoids shelters (for a pattern with shelter use, even without shelters)
            ep_i[episode, E_AVOIDANT] = 0
            ep_i[episode, E_REFUSED] = 0
            if use_defined[pattern] and use_avoid[pattern] > 0 and \
                    _draw(token, buf, pos, stream, UNIFORM_DRAW) < use_avoid[pattern]:
                ep_i[episode, E_AVOIDANT] = 1
            # self-resolution: a unit exponential budget spent at the rate 1 / mean, the mean divided by the
            # hazard ratios of the needs (docs/model.md section 3.7)
            ep_f[episode, E_MEAN] = 0.0
            if resolution_mean[pattern] > 0:
                ep_f[episode, E_BUDGET] = _draw(token, buf, pos, stream, EXPONENTIAL_DRAW)
                ratio = 1.0
                for row in range(ep_i[episode, E_FIRST_NEED], n_nd):
                    ratio *= resolution_ratio[nd_i[row, N_NEED]]
                ep_f[episode, E_MEAN] = resolution_mean[pattern] / ratio
                ep_f[episode, E_CLOCK] = now
                at = now + ep_f[episode, E_MEAN] * ep_f[episode, E_BUDGET]
                if at < end_time:  # Context.at
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (at - now), False, EV_RESOLVE,
                              episode * TOKENS)
            ep_i[episode, E_RETURNS] = 1
            if return_share < 1.0 and not (_draw(token, buf, pos, stream, UNIFORM_DRAW) < return_share):
                ep_i[episode, E_RETURNS] = 0
            ep_i[episode, E_RETURNS_HOUSED] = 1
            ep_i[episode, E_ASSESSED] = 0
            if housed_return_share < 1.0 and not (_draw(token, buf, pos, stream, UNIFORM_DRAW) < housed_return_share):
                ep_i[episode, E_RETURNS_HOUSED] = 0
            if log_on:
                _log(lg_f, lg_i, g, now, LOG_EPISODE_START, episode, -1, -1, -1, opening_source)
            if opening_source != SOURCE_STOCK:
                # walk-ins (Pathways.walk_ins): for each need, the first entry point drawn, its delay drawn
                # now; each pathway is a process of its own, started with an urgent event
                for row in range(ep_i[episode, E_FIRST_NEED], n_nd):
                    need = nd_i[row, N_NEED]
                    for r in range(route_first[routes, need], route_first[routes, need] + route_count[routes, need]):
                        p = route_p[r]
                        if p >= 1.0 or _draw(token, buf, pos, stream, UNIFORM_DRAW) < p:
                            wait = 0.0
                            if route_delay_drawn[r]:
                                d = route_delay[r]
                                wait = _sample(token, buf, pos, stream, dist_kind[d], dist_par[d])
                            nd_f[row, N_DELAY] = wait
                            nd_i[row, N_TARGET] = route_service[r]
                            nd_i[row, N_PATH] = PATH_STARTING
                            nd_i[row, N_SEQ] = g[G_PROC_SEQ]
                            g[G_PROC_SEQ] += 1
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_WALK_START, row)
                            break
            if n_shelters > 0:
                # the shelter cycle, a process of its own (the initial stock's were scheduled at the start, after
                # the shelters' processes), or elsewhere for a pattern without shelter use
                cl_i[client, C_WINTER_ONLY] = 0
                cl_i[client, C_AVOIDING] = 0
                if use_defined[pattern]:
                    cl_i[client, C_CYCLE] = CY_START
                    cl_i[client, C_CYCLE_SEQ] = g[G_PROC_SEQ]
                    g[G_PROC_SEQ] += 1
                    if opening_source != SOURCE_STOCK:
                        cl_i[client, C_TOKEN] += 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CYCLE_START,
                                  (client << TOKEN_BITS) | (cl_i[client, C_TOKEN] & TOKEN_MASK))
                else:
                    _move(client, ELSEWHERE, now, cl_i, lc_f, lc_i, g)

        if cohort_done:
            # the processes started after the cohort at 0 (Simulation.run): the arrivals, the outreach services,
            # the conference's meetings
            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_ARRIVALS_START, 0)
            for o in range(outreach_rate.shape[0]):
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_OUTREACH, 2 * o)
            if has_conference:
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CONF, 0)

        if next_arrival:
            # the next arrival (Episodes.arrivals): candidates at the highest monthly rate, thinned to each
            # month's; scheduled as SimPy's timeout(t - now)
            while rate_max > 0:
                t_raw += _draw(token, buf, pos, ARRIVALS, EXPONENTIAL_DRAW) / rate_max
                if t_raw >= end_time:
                    break
                if has_seasonal and _draw(token, buf, pos, ARRIVALS, UNIFORM_DRAW) * top >= \
                        seasonal[month_of_day[int(t_raw)]]:
                    continue
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (t_raw - now), False, EV_ARRIVAL, 0)
                break

        if resumed >= 0:
            v = resumed
            c = vi_i[v, V_SERVICE]
            if vi_i[v, V_STATE] == GRANTED:
                # service starts
                waiting[c] -= 1
                vi_i[v, V_STATE] = IN_SERVICE
                vi_f[v, V_START] = now
                ref = vi_i[v, V_REFERRAL]
                if ref >= 0:
                    rf_f[ref, R_START] = now
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_STARTED, -1, vi_i[v, V_NEED], c,
                         rf_i[ref, R_TYPE] if ref >= 0 else WALK_IN, -1)
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + vi_f[v, V_DURATION], False,
                          EV_SERVICE_END, v)
            else:
                # the deadline came first: the client leaves the line (reneged where the deadline was the
                # patience, lost_waiting where it was the handoff's loss time)
                outcome = RENEGED if vi_i[v, V_RENEGES] == 1 else LOST_WAITING
                vi_i[v, V_STATE] = DONE
                vi_i[v, V_OUTCOME] = outcome
                vi_f[v, V_END] = now
                waiting[c] -= 1
                _tick(c, now, warmup, present, area, last)
                present[c] -= 1
                ref = vi_i[v, V_REFERRAL]
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_LEFT_QUEUE, -1, vi_i[v, V_NEED], c,
                         rf_i[ref, R_TYPE] if ref >= 0 else WALK_IN, outcome)
                if ref >= 0:
                    rf_f[ref, R_END] = now
                    # (at the access point a loss time is the handoff's: lost_handoff)
                    rf_i[ref, R_OUTCOME] = LOST_HANDOFF if (c == pt_clinic and outcome == LOST_WAITING) else outcome
                    if log_on:
                        _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, vi_i[v, V_NEED], rf_i[ref, R_TARGET],
                             rf_i[ref, R_TYPE], rf_i[ref, R_OUTCOME])
                nd_i[vi_i[v, V_NEED], N_STATUS] = NEED_OPEN
                nd_i[vi_i[v, V_NEED], N_PATH] = PATH_NONE

        if routed >= 0:
            # after a served visit one uniform (stream ``routing``) meets the need, refers it on or leaves it
            # open (docs/model.md section 5.2)
            row = vi_i[routed, V_NEED]
            c = vi_i[routed, V_SERVICE]
            need = nd_i[row, N_NEED]
            u = _draw(token, buf, pos, ROUTING, UNIFORM_DRAW)
            p_met = treats[c, need]
            nd_i[row, N_PATH] = PATH_NONE
            if u < p_met:
                # met (Pathways.met): with exit_when_needs_met the last need ends the episode; otherwise a need
                # with a self-resolution hazard ratio reschedules the episode's exit with the budget left
                # (Episodes.need_met, docs/model.md section 3.7)
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_NEED_MET, -1, row, c, -1, D_MET)
                nd_i[row, N_STATUS] = NEED_MET
                nd_i[row, N_OUTCOME] = NEED_WAS_MET
                nd_i[row, N_MET_BY] = c
                nd_f[row, N_END] = now
                episode = nd_i[row, N_EPISODE]
                ep_i[episode, E_OPEN] -= 1
                ratio = resolution_ratio[need]
                if exit_when_met and ep_i[episode, E_OPEN] == 0:
                    ending = episode
                    ending_reason = EPISODE_NEEDS_MET
                else:
                    if ratio != 1.0 and ep_f[episode, E_MEAN] > 0 and ep_i[episode, E_REASON] == EPISODE_ACTIVE:
                        ep_f[episode, E_BUDGET] -= (now - ep_f[episode, E_CLOCK]) / ep_f[episode, E_MEAN]
                        ep_f[episode, E_MEAN] *= ratio
                        ep_f[episode, E_CLOCK] = now
                        ep_i[episode, E_TOKEN] += 1
                        at = now + ep_f[episode, E_MEAN] * max(0.0, ep_f[episode, E_BUDGET])
                        if at < end_time:
                            _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (at - now), False, EV_RESOLVE,
                                      episode * TOKENS + ep_i[episode, E_TOKEN])
                    # a need of ``seek_when_met`` met while the client avoids shelters: they seek a bed
                    # (ShelterCycles.stop_avoiding)
                    client = ep_i[episode, E_CLIENT]
                    if seek_met[cl_i[client, C_PATTERN], need] and cl_i[client, C_AVOIDING] == 1 and \
                            cl_i[client, C_CYCLE] != CY_NONE:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CYCLE_INTERRUPT,
                                  (client << 2) | SEEK)
            else:
                key = c * n_needs + need
                chosen = -1
                for e in range(edge_first[key], edge_first[key] + edge_count[key]):
                    if u - p_met < edge_cum[e]:
                        chosen = edge_target[e]
                        break
                missing = -1
                if chosen >= 0 and has_prq:
                    missing = _blocked(row, chosen, now, warmup, n_needs, nd_f, nd_i, ep_i, prq_first, prq_count,
                                       prq_need, prq_delay, g)
                if chosen < 0:
                    nd_i[row, N_STATUS] = NEED_OPEN  # left open
                elif missing >= 0:
                    if log_on:
                        _log(lg_f, lg_i, g, now, LOG_PREREQUISITE, -1, row, chosen, -1, missing)
                    nd_i[row, N_STATUS] = NEED_OPEN  # a prerequisite of the onward service is missing
                else:
                    send_row = row
                    send_source = c
                    send_target = chosen

        if send_row >= 0:
            # a handoff (Handoffs.send), every draw from stream ``handoffs``: its adjustment type (by the regime),
            # its referral row, the staff time it takes (taken from the staff of a clinic only), its loss time,
            # its priority at the receiver, its latency
            row = send_row
            c = send_source
            chosen = send_target
            need = nd_i[row, N_NEED]
            t = assign_type
            if c == conf_source:
                t = MULTILATERAL  # an escalation: multilateral whatever the regime
            elif assign_mode == ASSIGN_TIES:
                key = c * n_needs + need
                tie = 0.0
                for e in range(edge_first[key], edge_first[key] + edge_count[key]):
                    if edge_target[e] == chosen:
                        tie = edge_tie[e]
                        break
                t = BILATERAL if tie > 0 and _draw(token, buf, pos, HANDOFFS, UNIFORM_DRAW) < tie \
                    else UNILATERAL
            elif assign_mode == ASSIGN_MIX:
                t = mix_type[_choice(token, buf, pos, HANDOFFS, mix_cum)]
            ref = n_rf
            n_rf += 1
            rf_f[ref, R_CREATED] = now
            rf_f[ref, R_ARRIVED] = np.nan
            rf_f[ref, R_START] = np.nan
            rf_f[ref, R_END] = np.nan
            rf_i[ref, R_NEED] = row
            rf_i[ref, R_SOURCE] = c
            rf_i[ref, R_TARGET] = chosen
            rf_i[ref, R_OUTCOME] = OPEN_AT_HORIZON
            rf_i[ref, R_TYPE] = t
            rf_i[ref, R_LOST_ON_WAY] = 0
            rf_i[ref, R_CASE] = CASE_NONE
            rf_i[ref, R_DECIDED] = 0
            rf_i[ref, R_FIRED] = 0
            nd_i[row, N_PATH] = PATH_TRAVEL
            nd_i[row, N_REFERRAL] = ref
            nd_f[row, N_LAST] = now
            if log_on:
                _log(lg_f, lg_i, g, now, LOG_SENT, -1, row, chosen, t, c)
            # staff time (StaffTime.take): a row of the staff table from the warm-up on, and work for
            # one staff member of the clinic, a process of its own
            for purpose in range(3):
                service = c
                if purpose == SENDER:
                    days = handoff_f[t, H_SENDER]
                elif purpose == RECEIVER:
                    service = chosen
                    days = handoff_f[t, H_RECEIVER]
                else:
                    if handoff_i[t, H_ACCOMPANIED] == 0 or not (
                            _draw(token, buf, pos, HANDOFFS, UNIFORM_DRAW)
                            < handoff_f[t, H_ACCOMPANIMENT_P]):
                        continue
                    days = handoff_f[t, H_ACCOMPANIMENT]
                if days <= 0:
                    continue
                if now >= warmup:
                    st_f[n_st, W_TIME] = now
                    st_f[n_st, W_DAYS] = days
                    st_i[n_st, W_SERVICE] = service
                    st_i[n_st, W_PURPOSE] = purpose
                    st_i[n_st, W_TYPE] = t
                    n_st += 1
                if service < n_clinics:
                    tk_f[n_tk, K_DURATION] = days
                    tk_i[n_tk, K_CLINIC] = service
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_TASK_START, n_tk)
                    n_tk += 1
            give_up = np.inf
            if handoff_f[t, H_HAZARD] > 0:
                give_up = now + _draw(token, buf, pos, HANDOFFS, EXPONENTIAL_DRAW) / handoff_f[t, H_HAZARD]
            rf_f[ref, R_GIVE_UP] = give_up
            rf_f[ref, R_PRIORITY] = NORMAL
            if t == MULTILATERAL:
                # the case joins the conference's list and waits for a decision, or for its loss time
                nd_i[row, N_PATH] = PATH_CONFERENCE
                rf_i[ref, R_CASE] = CASE_WAITING
                cf[g[G_CASES]] = ref
                g[G_CASES] += 1
                if give_up < np.inf:
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (give_up - now), False, EV_C_TIMEOUT,
                              ref)
            else:
                if t != INTEGRATED and handoff_f[t, H_QUEUE_JUMP] > 0 and \
                        _draw(token, buf, pos, HANDOFFS, UNIFORM_DRAW) < handoff_f[t, H_QUEUE_JUMP]:
                    rf_f[ref, R_PRIORITY] = QUEUE_JUMP
                decided = ref

        if decided >= 0:
            # the way to the receiver (Handoffs._travel): the latency, unless the loss clock runs out first (a
            # multilateral handoff's from the conference's decision)
            ref = decided
            t = rf_i[ref, R_TYPE]
            give_up = rf_f[ref, R_GIVE_UP]
            nd_i[rf_i[ref, R_NEED], N_PATH] = PATH_TRAVEL
            d = handoff_i[t, H_LATENCY]
            delay = _sample(token, buf, pos, HANDOFFS, dist_kind[d], dist_par[d])
            if now + delay >= give_up:  # the loss clock runs out on the way
                rf_i[ref, R_LOST_ON_WAY] = 1
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + max(0.0, give_up - now), False,
                          EV_TRAVEL, ref)
            elif delay > 0:
                _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + delay, False, EV_TRAVEL, ref)
            else:
                reaching = ref

        if reaching >= 0:
            # the end of a handoff's way: the base loss ("never shows up"), else the client reaches the receiver
            ref = reaching
            t = rf_i[ref, R_TYPE]
            if _draw(token, buf, pos, HANDOFFS, UNIFORM_DRAW) < handoff_f[t, H_BASE]:
                lost = ref
            elif t == INTEGRATED:
                # the access point (AccessPoint.assess): data entry, and the assessment once per episode (stream
                # ``handoffs``), recorded as staff time without taking the staff twice; the visit in its queue
                # at priority 3, with the handoff's loss time
                row = rf_i[ref, R_NEED]
                go_fixed = pt_f[PT_DATA_ENTRY]
                if ep_i[nd_i[row, N_EPISODE], E_ASSESSED] == 0:
                    go_fixed += _sample_call(token, buf, pos, HANDOFFS, dist_kind[pt_assessment],
                                             dist_par[pt_assessment])
                if go_fixed > 0 and now >= warmup:
                    st_f[n_st, W_TIME] = now
                    st_f[n_st, W_DAYS] = go_fixed
                    st_i[n_st, W_SERVICE] = pt_clinic
                    st_i[n_st, W_PURPOSE] = ASSESSMENT
                    st_i[n_st, W_TYPE] = INTEGRATED
                    n_st += 1
                go_need = row
                go_clinic = pt_clinic
                go_referral = ref
            else:
                if t == MULTILATERAL:
                    rf_f[ref, R_PRIORITY] = MULTILATERAL_PRIORITY
                rf_f[ref, R_ARRIVED] = now
                go_need = rf_i[ref, R_NEED]
                go_clinic = rf_i[ref, R_TARGET]
                go_referral = ref
                go_intake = handoff_f[t, H_INTAKE]

        if assessed >= 0:
            # after the assessment (Handoffs.integrated): the referral's start is the receiver's again, the client
            # is assessed for the episode; the receiver's eligibility rules (a need of the client's not met:
            # ineligible), else the score from the file as the receiver's priority, and the receiver at once
            v = assessed
            ref = vi_i[v, V_REFERRAL]
            row = vi_i[v, V_NEED]
            rf_f[ref, R_START] = np.nan
            episode = nd_i[row, N_EPISODE]
            ep_i[episode, E_ASSESSED] = 1
            target = rf_i[ref, R_TARGET]
            eligible = True
            first = ep_i[episode, E_FIRST_NEED]
            for r in range(first, first + ep_i[episode, E_NEEDS]):
                if pt_eligible[target, nd_i[r, N_NEED]] and nd_i[r, N_STATUS] != NEED_MET:
                    eligible = False
                    break
            if not eligible:
                rf_f[ref, R_END] = now
                rf_i[ref, R_OUTCOME] = INELIGIBLE
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, row, target, INTEGRATED, INELIGIBLE)
                nd_i[row, N_STATUS] = NEED_OPEN
                nd_i[row, N_PATH] = PATH_NONE
            else:
                client = ep_i[episode, E_CLIENT]
                open_needs = ep_i[episode, E_OPEN]
                score = (pt_f[PT_COMPLEXITY] * open_needs
                         + pt_f[PT_CHRONIC] * (1.0 if cl_i[client, C_PATTERN] == chronic else 0.0)
                         + pt_f[PT_YEARS] * max(0.0, now - ep_f[episode, E_SINCE]) / 365
                         + pt_f[PT_INDIGENOUS] * (1.0 if cl_i[client, C_INDIGENOUS] == 1 else 0.0)
                         + pt_f[PT_WOMAN] * (1.0 if cl_i[client, C_GENDER] == woman else 0.0)
                         - pt_f[PT_PRESSURE] * open_needs)
                rf_f[ref, R_PRIORITY] = NORMAL - score
                rf_f[ref, R_ARRIVED] = now
                go_need = row
                go_clinic = target
                go_referral = ref
                go_intake = handoff_f[INTEGRATED, H_INTAKE]

        if lost >= 0:
            rf_f[lost, R_END] = now
            rf_i[lost, R_OUTCOME] = LOST_HANDOFF
            if log_on:
                _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, rf_i[lost, R_NEED], rf_i[lost, R_TARGET], rf_i[lost, R_TYPE],
                     LOST_HANDOFF)
            nd_i[rf_i[lost, R_NEED], N_STATUS] = NEED_OPEN
            nd_i[rf_i[lost, R_NEED], N_PATH] = PATH_NONE

        if ending >= 0:
            # the episode ends (Episodes.end): its needs not met are written open at exit, every pathway still
            # under way is stopped (an urgent interrupt each, in the order they started), and a self-resolved
            # episode may be followed by a return (stream ``returns``, the return hazard ratios of the needs
            # not met)
            episode = ending
            ep_f[episode, E_END] = now
            ep_i[episode, E_REASON] = ending_reason
            if log_on:
                _log(lg_f, lg_i, g, now, LOG_EPISODE_END, episode, -1, -1, -1, ending_reason)
            first = ep_i[episode, E_FIRST_NEED]
            client = ep_i[episode, E_CLIENT]
            # the interrupts, in the order the processes started (the client's pathways and shelter cycle)
            done = -1
            while True:
                chosen = -2
                chosen_seq = 0
                for row in range(first, first + ep_i[episode, E_NEEDS]):
                    if nd_i[row, N_PATH] != PATH_NONE and nd_i[row, N_SEQ] > done and (
                            chosen == -2 or nd_i[row, N_SEQ] < chosen_seq):
                        chosen = row
                        chosen_seq = nd_i[row, N_SEQ]
                if cl_i[client, C_CYCLE] != CY_NONE and cl_i[client, C_CYCLE_SEQ] > done and (
                        chosen == -2 or cl_i[client, C_CYCLE_SEQ] < chosen_seq):
                    chosen = -1
                    chosen_seq = cl_i[client, C_CYCLE_SEQ]
                if chosen == -2:
                    break
                if chosen == -1:
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_CYCLE_INTERRUPT,
                              (client << 2) | EXIT)
                else:
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now, True, EV_INTERRUPT, chosen)
                done = chosen_seq
            factor = 1.0
            for row in range(first, first + ep_i[episode, E_NEEDS]):
                if nd_i[row, N_STATUS] != NEED_MET:
                    nd_i[row, N_OUTCOME] = NEED_OPEN_AT_EXIT
                    nd_f[row, N_END] = now
                    factor *= return_ratio[nd_i[row, N_NEED]]
            if n_shelters > 0:
                # out of the line or the bed (a bed freed in the window goes to the line), and out of the count
                _leave(client, now, sh_open, sh_close, sh_serves, cl_i, sh_i, line_hd, lc_f, lc_i, g, lg_f, lg_i, ht,
                       hs, hk, ha, fp, fb, counts, fk, fa)
                _move(client, -1, now, cl_i, lc_f, lc_i, g)
            if ending_reason == EPISODE_SELF_RESOLVED and return_mean > 0 and ep_i[episode, E_RETURNS] == 1:
                at = now + return_mean * _draw(token, buf, pos, RETURNS, EXPONENTIAL_DRAW) / factor
                if at < end_time:
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (at - now), False, EV_RETURN,
                              ep_i[episode, E_CLIENT])
            if housed_app >= 0:
                # after housing (Episodes.housed, stream ``returns``): a return, with the return hazard ratios of the
                # needs not met and not covered by the programme's support, and for a slot the tenancy; the place
                # frees at the earlier of the two, and a tenancy that ends first is a permanent exit
                h = ap_i[housed_app, A_PROGRAMME]
                slot = ap_i[housed_app, A_SLOT]
                factor = 1.0
                for row in range(first, first + ep_i[episode, E_NEEDS]):
                    if nd_i[row, N_STATUS] != NEED_MET and not hp_support[h, nd_i[row, N_NEED]]:
                        factor *= return_ratio[nd_i[row, N_NEED]]
                returns_at = np.inf
                if return_housed_mean > 0 and ep_i[episode, E_RETURNS_HOUSED] == 1:
                    returns_at = now + return_housed_mean * _draw(token, buf, pos, RETURNS, EXPONENTIAL_DRAW) / factor
                tenancy_ends = np.inf
                if slot != SLOT_VACANCY:
                    d = hp[5][h]
                    tenancy_ends = now + _sample_call(token, buf, pos, RETURNS, dist_kind[d], dist_par[d])
                    at = min(returns_at, tenancy_ends)
                    if at < end_time:
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (at - now), False, EV_H_FREE,
                                  2 * h + (1 if slot == SLOT_RESERVED else 0))
                if (returns_at < tenancy_ends or slot == SLOT_VACANCY) and returns_at < end_time:
                    _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (returns_at - now), False, EV_RETURN,
                              client)

        if go_clinic >= first_housing:
            # an application to a housing programme (the handoff's receiver step, or a walk-in's own):
            # HousingProgramme.apply, with the handoff's priority; a conference's application may take a reserved
            # place (``handoffs.multilateral.reserved_slot``)
            a = n_ap
            n_ap += 1
            priority = rf_f[go_referral, R_PRIORITY] if go_referral >= 0 else NORMAL
            reserved_ok = reserved_slot and go_referral >= 0 and rf_i[go_referral, R_TYPE] == MULTILATERAL
            nd_i[go_need, N_PATH] = PATH_HOUSING
            nd_i[go_need, N_VISIT] = a
            _h_apply(a, go_need, go_clinic - first_housing, go_referral,
                     rf_i[go_referral, R_TYPE] if go_referral >= 0 else WALK_IN, priority, reserved_ok, now, token,
                     buf, pos, dist_kind, dist_par, hp, hx, events)
            go_clinic = -1

        if go_clinic >= 0:
            # an arrival at a clinic (ServiceNode.serve): the intake plus a service time, drawn now
            c = go_clinic
            if c == pt_clinic:
                go_duration = go_fixed  # a visit to the access point: its duration was set on the way
            else:
                go_duration = go_intake + _sample(token, buf, pos, SERVICE0 + 2 * c, dist_kind[service_dist[c]],
                                                  dist_par[service_dist[c]])
            v = n_vi
            n_vi += 1
            vi_f[v, V_ARRIVAL] = now
            vi_f[v, V_START] = np.nan
            vi_f[v, V_END] = np.nan
            vi_f[v, V_DURATION] = go_duration
            vi_i[v, V_NEED] = go_need
            vi_i[v, V_SERVICE] = c
            vi_i[v, V_REFERRAL] = go_referral
            vi_i[v, V_OUTCOME] = OPEN_AT_HORIZON
            vi_i[v, V_TIMED] = 0
            vi_i[v, V_FIRED] = 0
            vi_i[v, V_RENEGES] = 0
            nd_i[go_need, N_PATH] = PATH_VISIT
            nd_i[go_need, N_VISIT] = v
            if now >= warmup:
                offered[c] += go_duration  # the work this arrival asks for, served or not
            outcome = OPEN_AT_HORIZON
            adjustment = rf_i[go_referral, R_TYPE] if go_referral >= 0 else WALK_IN
            if cap[c] >= 0 and waiting[c] >= cap[c]:
                outcome = BALKED  # turned away: the waiting room is full
                vi_i[v, V_STATE] = DONE
                if log_on:
                    _log(lg_f, lg_i, g, now, LOG_REQUESTED, -1, go_need, c, adjustment, BALKED)
            else:
                # the deadline: the handoff's loss time, or the patience if it comes first
                deadline = rf_f[go_referral, R_GIVE_UP] if go_referral >= 0 else np.inf
                if patience_dist[c] >= 0:
                    d = patience_dist[c]
                    patience_at = now + _sample(token, buf, pos, SERVICE0 + 2 * c + 1, dist_kind[d], dist_par[d])
                    if patience_at < deadline:
                        deadline = patience_at
                        vi_i[v, V_RENEGES] = 1
                if deadline <= now:
                    # gone on arrival, never in line
                    outcome = RENEGED if vi_i[v, V_RENEGES] == 1 else LOST_WAITING
                    vi_i[v, V_STATE] = DONE
                    vi_f[v, V_END] = now
                else:
                    if log_on:
                        _log(lg_f, lg_i, g, now, LOG_REQUESTED, -1, go_need, c, adjustment, D_QUEUED)
                    _tick(c, now, warmup, present, area, last)
                    present[c] += 1
                    if now >= warmup:
                        observed[c] += 1
                    waiting[c] += 1
                    # the request joins the line (in a priority line: the handoff's priority under the priority
                    # discipline, 3 otherwise; in a plain line every request alike, in order) and the head of
                    # the line is tried
                    vi_i[v, V_STATE] = WAITING
                    priority = 0.0
                    if prioritised[c]:
                        priority = NORMAL
                        if honours_priority[c] and go_referral >= 0:
                            priority = rf_f[go_referral, R_PRIORITY]
                    _line_add(qp, qs, qr, qn, c, priority, requests, v)
                    requests += 1
                    if qn[c] > line_top:
                        line_top = qn[c]
                    _trigger(c, now, staff, users, closed_held, closed_asked, qp, qs, qr, qn, vi_i, ht, hs, hk,
                             ha, fp, fb, counts, fk, fa)
                    if deadline < np.inf:
                        vi_i[v, V_TIMED] = 1
                        _schedule(ht, hs, hk, ha, fp, fb, counts, fk, fa, now, now + (deadline - now), False,
                                  EV_DEADLINE,
                                  v)
            if outcome != OPEN_AT_HORIZON:
                vi_i[v, V_OUTCOME] = outcome
                if go_referral >= 0:
                    rf_f[go_referral, R_END] = now
                    rf_i[go_referral, R_OUTCOME] = LOST_HANDOFF if (
                        c == pt_clinic and outcome == LOST_WAITING) else outcome
                    if log_on:
                        _log(lg_f, lg_i, g, now, LOG_CLOSED, -1, go_need, rf_i[go_referral, R_TARGET], adjustment,
                             rf_i[go_referral, R_OUTCOME])
                nd_i[go_need, N_STATUS] = NEED_OPEN
                nd_i[go_need, N_PATH] = PATH_NONE

    n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9] = n_cl, n_ep, n_nd, n_vi, n_rf, requests, \
        line_top, n_tk, n_st, n_ap
    clock[T_NOW], clock[T_RAW] = now, t_raw
    return short
