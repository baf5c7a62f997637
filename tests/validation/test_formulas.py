"""The analytic oracles of :mod:`simulator.analysis.queueing` against textbook numbers and known identities.

If an oracle were wrong the simulation tests would compare the engine with the wrong thing, so the formulas
are pinned here first: published values (Erlang tables, Gross & Harris examples), closed forms (M/M/1,
M/M/1/K, M/M/infinity), limits (Erlang A with vanishing abandonment is Erlang C) and two independent routes
to the same quantity (abandonment from the per-state wait law and from the flow balance theta Lq / lambda).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.analysis.queueing import (
    birth_death,
    erlang_a,
    erlang_b,
    erlang_c,
    jackson,
    jackson_traffic,
    mmc,
    mmck,
)


def test_erlang_b_table_values() -> None:
    # standard Erlang B table: 10 trunks, 5 Erlangs -> 1.84%; 5 trunks, 3 Erlangs -> 11.0%
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)
    assert erlang_b(5, 3.0) == pytest.approx(0.110054, abs=1e-6)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(0, 2.0) == 1.0


def test_erlang_c_known_values() -> None:
    # M/M/2 with a = 1: P0 = 1/3 and C = 1/3; M/M/3 with a = 2.4 (configs/textbook/mmc.yaml): 0.6472
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.4) == pytest.approx(0.647191, abs=1e-6)
    # M/M/1: P(wait) = rho
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(3, 3.0)


def test_mmc_closed_forms() -> None:
    # M/M/1: Wq = rho / (mu - lambda), W = 1 / (mu - lambda)
    q = mmc(0.7, 1.0, 1)
    assert q.wq == pytest.approx(0.7 / 0.3)
    assert q.w == pytest.approx(1 / 0.3)
    assert q.l == pytest.approx(0.7 / 0.3)  # rho / (1 - rho)
    # M/M/3, lambda 2.4, mu 1: Wq = 0.6472 / 0.6 = 1.0787 (Gross & Harris-style example)
    q = mmc(2.4, 1.0, 3)
    assert q.wq == pytest.approx(1.078652, abs=1e-6)
    assert q.lq == pytest.approx(2.4 * q.wq)
    # Erlang C against the explicit sum: C = (a^c / c!) / (1 - rho) * P0
    a, c = 2.85, 3
    p0 = 1 / (sum(a**k / math.factorial(k) for k in range(c)) + a**c / math.factorial(c) / (1 - a / c))
    assert erlang_c(c, a) == pytest.approx(a**c / math.factorial(c) / (1 - a / c) * p0)


def test_birth_death_is_normalised_and_stable_for_long_chains() -> None:
    pi = birth_death(lambda n: 0.5, lambda n: 1.0, 5000)  # geometric with ratio 1/2
    assert pi.sum() == pytest.approx(1.0)
    assert pi[:4] == pytest.approx([0.5, 0.25, 0.125, 0.0625])
    assert np.all(np.isfinite(pi))


def test_mmck_blocking() -> None:
    # M/M/1/K closed form: P_K = (1 - rho) rho^K / (1 - rho^(K+1)); rho 0.5, K 3 -> 1/15
    assert mmck(0.5, 1.0, 1, 3).blocking == pytest.approx(1 / 15)
    # K = c is the Erlang loss system
    assert mmck(2.7, 1.0, 3, 3).blocking == pytest.approx(erlang_b(3, 2.7))
    # a huge waiting room tends to M/M/c
    big = mmck(2.4, 1.0, 3, 400)
    assert big.blocking < 1e-15
    assert big.wq == pytest.approx(mmc(2.4, 1.0, 3).wq, rel=1e-9)
    # configs/textbook/mmck.yaml: c 3, K 7, a 2.7 -> 0.10358
    q = mmck(2.7, 1.0, 3, 7)
    assert q.blocking == pytest.approx(0.103582, abs=1e-6)
    assert q.l == pytest.approx(q.throughput * q.w)


def test_erlang_a() -> None:
    # vanishing abandonment: Erlang C
    q = erlang_a(2.4, 1.0, 3, 1e-9)
    assert q.p_wait == pytest.approx(erlang_c(3, 2.4), rel=1e-6)
    assert q.wq_all == pytest.approx(mmc(2.4, 1.0, 3).wq, rel=1e-6)
    # theta = mu: every client present leaves at rate mu, so the number present is Poisson(a) (M/M/inf)
    a = 3.0
    q = erlang_a(a, 1.0, 3, 1.0)
    poisson = np.array([math.exp(-a) * a**n / math.factorial(n) for n in range(30)])
    assert q.pi[:30] == pytest.approx(poisson, abs=1e-12)
    # two independent routes to the abandonment probability agree
    for lam, c, theta in [(3.0, 3, 0.5), (10.0, 8, 0.2), (1.0, 1, 2.0)]:
        q = erlang_a(lam, 1.0, c, theta)
        assert q.tail < 1e-12
        assert q.p_abandon == pytest.approx(q.p_abandon_little, rel=1e-9)
        # the mean wait of all arrivals splits into the served and the abandoning
        split = (1 - q.p_abandon) * q.wq_served + q.p_abandon * q.wq_abandoned
        assert split == pytest.approx(q.wq_all, rel=1e-9)
    # M/M/1+M with a = 1, theta = mu: Poisson(1) present; P(abandon) = theta E[(N-1)^+] / lambda = e^-1
    assert erlang_a(1.0, 1.0, 1, 1.0).p_abandon == pytest.approx(math.exp(-1), rel=1e-9)
    # configs/textbook/mmc_patience.yaml
    q = erlang_a(3.0, 1.0, 3, 0.5)
    assert q.p_abandon == pytest.approx(0.187268, abs=1e-6)
    assert q.wq_served == pytest.approx(0.344968, abs=1e-6)


def test_jackson_traffic_and_products() -> None:
    # a single node with feedback probability p: lambda = gamma / (1 - p)
    assert jackson_traffic([1.0], [[0.25]]) == pytest.approx([4 / 3])
    # tandem: every node sees the external rate; sojourn adds up
    net = jackson([2.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], [3.0, 4 / 3], [1, 2])
    assert net.lam == pytest.approx([2.0, 2.0])
    assert net.sojourn == pytest.approx(1.0 + 0.75 + erlang_c(2, 1.5) / (8 / 3 - 2))
    # configs/textbook/jackson.yaml
    net = jackson([2.0, 0.0, 0.0], [[0.0, 0.6, 0.3], [0.25, 0.0, 0.0], [0.0, 0.2, 0.0]],
                  [5 / 3, 2 / 3, 1.0], [2, 3, 1])
    assert net.lam == pytest.approx([2.395210, 1.580838, 0.718563], abs=1e-6)
    assert net.sojourn == pytest.approx(5.139031, abs=1e-6)
    # Little's law on the whole network: total L = external rate x time in network
    assert sum(node.l for node in net.nodes) == pytest.approx(2.0 * net.sojourn)
    with pytest.raises(ValueError, match="probabilities"):
        jackson_traffic([1.0, 0.0], [[0.0, 0.7], [0.5, 0.6]])


def test_a_wrong_value_is_caught_by_the_comparison() -> None:
    """The judging rule itself rejects a theory value far outside the replication spread."""
    from tests.validation.replications import compare

    sample = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00]
    assert compare("right", sample, 1.0).ok
    assert not compare("wrong", sample, 1.10).agrees
    # a check too noisy to mean anything fails on precision even if the theory value is right
    noisy = [0.5, 1.5, 0.7, 1.3, 1.0, 0.6, 1.4, 1.0]
    assert compare("noisy", noisy, 1.0).agrees
    assert not compare("noisy", noisy, 1.0, max_half_width=0.10).precise
