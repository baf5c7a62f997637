"""Closed-form queueing results and the queueing model a scenario encodes: pure functions, no simulation.

The engine is validated against queueing theory: a scenario whose clinics are M/M/c queues (Poisson walk-ins,
exponential service, always open, FIFO, instantaneous lossless referrals) has known stationary waits,
blocking and abandonment shares. :func:`network_of` reads such a scenario as an open Jackson network; the
formulas below turn that network into the values the simulation must reproduce
(:mod:`simulator.analysis.textbook` runs the comparison).

Notation: ``lam`` arrival rate, ``mu`` service rate per server, ``c`` servers, ``a = lam / mu`` offered load
(Erlangs), ``rho = a / c`` utilisation, ``theta`` abandonment rate (1 / mean patience). Any time unit works as
long as every rate uses the same one; waits come back in the reciprocal unit of the rates (:func:`network_of`
gives rates per day, so waits in days).

* :func:`erlang_b`, :func:`erlang_c`, :func:`mmc`: the M/M/c queue (Erlang C delay formula);
* :func:`birth_death`: the stationary law of a finite birth-death chain (computed in log space);
* :func:`mmck`: M/M/c/K (K in the system at most, arrivals finding K present are blocked);
* :func:`erlang_a`: M/M/c+M (Erlang A, exponential patience), from the birth-death chain truncated at a large
  ``n_max`` and the exact per-state waiting-time law of a FIFO customer;
* :func:`jackson_traffic`, :func:`jackson`: open Jackson networks (traffic equations, then an M/M/c queue at
  every node by the product form; the arrival theorem makes arrivals see time averages at every node);
* :class:`Network`, :func:`network_of`: a scenario's clinics as a Jackson network for one need.

References: Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory* (4th ed.), ch. 2 and 4;
Kleinrock, *Queueing Systems* vol. 1, ch. 3; Garnett, Mandelbaum & Reiman (2002), *Designing a call center
with impatient customers*, M&SOM 4(3) (Erlang A); Jackson (1957), *Networks of waiting lines*.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.config.distributions import Exponential
from simulator.config.schema import Clinic, Need, Scenario

__all__ = [
    "ErlangA",
    "Jackson",
    "MMc",
    "MMcK",
    "Network",
    "birth_death",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "jackson",
    "jackson_traffic",
    "mmc",
    "mmck",
    "network_of",
]


# ---------------------------------------------------------------------------------------------- Erlang
def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of an M/M/c/c loss system with offered load ``a`` (stable recursion)."""
    if c < 0 or a < 0:
        raise ValueError("need c >= 0 and a >= 0")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival to an M/M/c queue has to wait (``a < c``)."""
    if not 0 <= a < c:
        raise ValueError(f"unstable or invalid: offered load {a} with {c} servers")
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


@dataclass(frozen=True)
class MMc:
    """Stationary performance of an M/M/c queue."""

    lam: float
    mu: float
    c: int
    rho: float
    p_wait: float
    wq: float
    """mean wait before service (all arrivals)"""
    w: float
    """mean sojourn: wait plus service"""
    lq: float
    l: float  # noqa: E741 - L is the textbook name


def mmc(lam: float, mu: float, c: int) -> MMc:
    """M/M/c: Erlang C wait ``Wq = C(c, a) / (c mu - lam)``, sojourn ``W = Wq + 1/mu``, Little for L."""
    a = lam / mu
    p_wait = erlang_c(c, a)
    wq = p_wait / (c * mu - lam)
    w = wq + 1 / mu
    return MMc(lam, mu, c, a / c, p_wait, wq, w, lam * wq, lam * w)


# ---------------------------------------------------------------------------------------------- birth-death
def birth_death(birth: Callable[[int], float], death: Callable[[int], float], n_max: int) -> np.ndarray:
    """Stationary probabilities ``pi[0..n_max]`` of a birth-death chain on ``{0, ..., n_max}``.

    ``birth(n)`` is the rate from n to n+1 (used for n < n_max), ``death(n)`` the rate from n to n-1
    (n >= 1). Detailed balance ``pi[n] birth(n) = pi[n+1] death(n+1)``, computed in log space so that long
    chains (thousands of states) neither overflow nor underflow.
    """
    log_pi = np.zeros(n_max + 1)
    for n in range(n_max):
        b, d = birth(n), death(n + 1)
        if b <= 0:
            log_pi[n + 1:] = -np.inf
            break
        log_pi[n + 1] = log_pi[n] + math.log(b) - math.log(d)
    log_pi -= log_pi.max()
    pi = np.exp(log_pi)
    pi /= pi.sum()
    return pi


# ---------------------------------------------------------------------------------------------- M/M/c/K
@dataclass(frozen=True)
class MMcK:
    """Stationary performance of an M/M/c/K queue (K = most clients present, in service or waiting)."""

    pi: np.ndarray
    blocking: float
    """P(an arrival finds K present) = pi[K] (PASTA)"""
    throughput: float
    """admitted rate lam (1 - blocking)"""
    lq: float
    l: float  # noqa: E741
    wq: float
    """mean wait of admitted clients, Lq / throughput"""
    w: float


def mmck(lam: float, mu: float, c: int, k: int) -> MMcK:
    """M/M/c/K by its birth-death chain: birth ``lam`` below K, death ``min(n, c) mu``."""
    if k < c:
        raise ValueError("K must be at least c")
    pi = birth_death(lambda n: lam, lambda n: min(n, c) * mu, k)
    n = np.arange(k + 1)
    blocking = float(pi[k])
    throughput = lam * (1 - blocking)
    lq = float(np.sum(np.maximum(n - c, 0) * pi))
    big_l = float(np.sum(n * pi))
    return MMcK(pi, blocking, throughput, lq, big_l, lq / throughput, big_l / throughput)


# ---------------------------------------------------------------------------------------------- Erlang A
@dataclass(frozen=True)
class ErlangA:
    """Stationary performance of M/M/c+M (Erlang A): FIFO, exponential patience of rate ``theta``."""

    pi: np.ndarray
    p_wait: float
    """P(an arrival finds every server busy)"""
    p_abandon: float
    """P(an arrival abandons before service), from the per-state FIFO waiting-time law"""
    p_abandon_little: float
    """the same by the flow balance ``theta E[Q] / lam`` (an independent route to check the first)"""
    lq: float
    wq_all: float
    """mean time in queue of all arrivals (served or abandoning), = Lq / lam"""
    wq_served: float
    """mean wait of the clients who are served"""
    wq_abandoned: float
    """mean time in queue of the clients who abandon"""
    tail: float
    """pi[n_max]: must be negligible for the truncation to be harmless"""


def erlang_a(lam: float, mu: float, c: int, theta: float, n_max: int = 2000) -> ErlangA:
    """M/M/c+M by its birth-death chain truncated at ``n_max`` (death ``min(n,c) mu + (n-c)^+ theta``).

    The waits are exact given the state an arrival sees (PASTA). A FIFO arrival that finds ``n >= c``
    present has ``j = n - c`` clients ahead in the queue. While ``i`` are still ahead it leaves that phase at
    rate ``c mu + i theta`` (a service ends or one ahead abandons: it moves up) plus ``theta`` (it abandons
    itself), so it reaches a server with probability ``prod_{i=0..j} (c mu + i theta) / (c mu + (i+1) theta)``
    and each phase lasts Exp(c mu + (i+1) theta) whatever its outcome (competing exponentials).
    """
    if theta <= 0:
        raise ValueError("theta must be positive (theta = 0 is Erlang C: use mmc)")
    pi = birth_death(lambda n: lam, lambda n: min(n, c) * mu + max(n - c, 0) * theta, n_max)
    n = np.arange(n_max + 1)
    lq = float(np.sum(np.maximum(n - c, 0) * pi))
    p_served = 0.0  # P(served and waited) summed over the states an arrival finds
    wait_served = 0.0  # E[W; served]
    survive, elapsed = 1.0, 0.0
    for j in range(n_max - c + 1):  # the arrival found n = c + j, so j clients are ahead of it
        # the phases of j ahead are those of j - 1 ahead plus one (rate c mu + (j+1) theta): extend the
        # product (reaching a server) and the sum of phase means (the wait, given it is served)
        rate = c * mu + (j + 1) * theta
        survive *= (c * mu + j * theta) / rate
        elapsed += 1.0 / rate
        weight = float(pi[c + j])
        p_served += weight * survive
        wait_served += weight * survive * elapsed
    p_wait = float(pi[c:].sum())
    p_abandon = p_wait - p_served
    wq_all = lq / lam  # Little's law on the queue
    wait_abandoned = wq_all - wait_served  # E[W; abandoned]
    return ErlangA(
        pi=pi,
        p_wait=p_wait,
        p_abandon=p_abandon,
        p_abandon_little=theta * lq / lam,
        lq=lq,
        wq_all=wq_all,
        wq_served=wait_served / (1 - p_abandon),
        wq_abandoned=wait_abandoned / p_abandon if p_abandon > 0 else 0.0,
        tail=float(pi[-1]),
    )


# ---------------------------------------------------------------------------------------------- Jackson
def jackson_traffic(external: Sequence[float], routing: Sequence[Sequence[float]]) -> np.ndarray:
    """Total arrival rates of an open network: solve ``lam = gamma + R^T lam``.

    ``routing[i][j]`` is the probability that a client finishing at node i goes next to node j; each row sums
    to at most 1, the rest leaving the network.
    """
    gamma = np.asarray(external, dtype=float)
    r = np.asarray(routing, dtype=float)
    if r.shape != (len(gamma), len(gamma)):
        raise ValueError("routing must be a square matrix matching the external rates")
    if np.any(r < 0) or np.any(r.sum(axis=1) > 1 + 1e-12):
        raise ValueError("routing rows must be probabilities summing to at most 1")
    return np.linalg.solve(np.eye(len(gamma)) - r.T, gamma)


@dataclass(frozen=True)
class Jackson:
    """An open Jackson network of M/M/c nodes."""

    lam: np.ndarray
    """total arrival rate at every node"""
    visits: np.ndarray
    """mean number of visits to every node per client entering the network"""
    nodes: list[MMc]
    sojourn: float
    """mean time from entering to leaving the network: sum of visits x node sojourn"""


def jackson(external: Sequence[float], routing: Sequence[Sequence[float]], mu: Sequence[float],
            c: Sequence[int]) -> Jackson:
    """Open Jackson network: traffic equations, then an independent M/M/c queue at each node."""
    lam = jackson_traffic(external, routing)
    nodes = [mmc(float(lam_i), float(mu_i), int(c_i)) for lam_i, mu_i, c_i in zip(lam, mu, c, strict=True)]
    total = float(np.sum(external))
    visits = lam / total
    sojourn = float(sum(v * node.w for v, node in zip(visits, nodes, strict=True)))
    return Jackson(lam, visits, nodes, sojourn)


# ---------------------------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Network:
    """A scenario's clinics read as an open Jackson network for one need (rates per day)."""

    names: list[str]
    external: list[float]
    routing: list[list[float]]
    mu: list[float]
    c: list[int]
    theta: list[float]
    """abandonment rate of each clinic (0 without patience)"""
    cap: list[int | None]


def network_of(scenario: Scenario, need: Need = "primary_care") -> Network:
    """Read the queueing model the scenario encodes, with the engine's routing rule.

    After a visit at S the need is met with probability ``treats[S]``, else referral edge k is followed with
    its own probability q_k (the engine draws one uniform u: met if u < p, edge k if u - p falls in edge k's
    cumulative band), so the routing probability S -> T is q_k itself. Refuses anything that is not M/M/c:
    non-exponential service or patience, opening hours, priority discipline, lossy or slow handoffs.
    """
    clinics = {n: s for n, s in scenario.services.items() if isinstance(s, Clinic)}
    names = list(clinics)
    index = {n: i for i, n in enumerate(names)}
    rate = scenario.population.inflow.rate
    if scenario.population.inflow.seasonal is not None:
        raise ValueError("seasonal inflow is not a Poisson process of constant rate")
    p_need = scenario.population.needs.base.get(need, 0.0)
    external = [0.0] * len(names)
    for walk in scenario.entry:
        if walk.need == need:
            if walk.delay.mean != 0:
                raise ValueError("walk-in delays shift arrival times: keep them at 0")
            external[index[walk.service]] += rate * p_need * walk.probability
    routing = [[0.0] * len(names) for _ in names]
    for edge in scenario.referrals:
        if need in edge.needs:
            for sender in edge.senders:
                routing[index[sender]][index[edge.to]] += edge.probability
    handoff = scenario.handoffs.unilateral
    if scenario.referrals and (handoff.latency.mean != 0 or handoff.loss.base != 0 or handoff.loss.hazard != 0
                               or handoff.intake != 0):
        raise ValueError("handoffs must be instantaneous and lossless for a Jackson network")
    if scenario.active_regime.assignment != "unilateral":
        raise ValueError("use the unilateral regime so that every handoff has the unilateral defaults")
    mu, c, theta, cap = [], [], [], []
    for name in names:
        spec = clinics[name]
        if not isinstance(spec.service_time, Exponential) or spec.hours is not None or spec.discipline != "fifo":
            raise ValueError(f"{name}: not an M/M/c node (exponential service, always open, FIFO)")
        if spec.patience is not None and not isinstance(spec.patience, Exponential):
            raise ValueError(f"{name}: patience must be exponential (Erlang A)")
        mu.append(1.0 / spec.service_time.mean)
        c.append(spec.staff)
        theta.append(1.0 / spec.patience.mean if spec.patience is not None else 0.0)
        cap.append(spec.waitlist_cap)
    return Network(names, external, routing, mu, c, theta, cap)
