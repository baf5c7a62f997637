"""The engine against queueing theory: M/M/1, M/M/c (rho 0.5, 0.8, 0.95), M/M/c/K, Erlang A, tandem and
Jackson networks, and Little's law at every node.

Each scenario in ``configs/textbook/`` is run for several independent replications; every estimate (mean
wait, blocking share...) is averaged over replications and judged by :func:`replications.compare`:

* the analytic value must lie within the 99.9% Student-t confidence interval of the replication mean, widened
  by a 1% relative allowance for the biases that replications do not average away (start from an empty
  system, visits still open at the horizon left out of per-visit means; both well under 1% here: the
  warm-ups are many relaxation times long, and open visits are a few in tens of thousands);
* the interval must also be narrow enough (``max_half_width``, relative to theory) for the check to mean
  something: a test cannot pass merely because its replications are noisy.

Each test also shows that it can fail: the same estimates are compared with the theory of a slightly wrong
model (arrivals 5% faster, a waiting room one place smaller, no feedback edge...), which must be rejected.

The ``fast`` variants (short horizons, 50,000 to 100,000 clients per scenario, 10 replications) run by
default; their 99.9% half-widths are about 1-3% for rates, utilisations and P(wait), 3-11% for sojourns and
blocking or abandonment shares, 5-20% for mean waits. The ``slow`` variants (``-m slow``, 20-24
replications, 300,000 to 2.5 million clients per scenario) are the high-precision validation: half-widths
of 0.2-1% for rates, 1-4% for shares and most sojourns, 2-7% for mean waits. M/M/3 at rho 0.95 is tested
only there: its mean wait has a per-client relative variance some 15 times that at rho 0.8 (heavy traffic),
so even 2.5 million clients give it a half-width of about 10%, against 0.6% for its P(wait).

Little's law is checked at every node of every replication (:func:`assert_little`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from simulator import Scenario, load_config
from simulator.analysis.queueing import erlang_a, jackson, mmc, mmck, network_of
from tests.validation.replications import (
    Summary,
    Verdict,
    check,
    compare,
    replicate,
    shortened,
    values,
)

TEXTBOOK = Path(__file__).resolve().parents[2] / "configs" / "textbook"


@dataclass(frozen=True)
class Variant:
    """How long and how often to run a scenario, and the precision its checks must reach."""

    replications: int
    horizon: float  # days observed
    warmup: float  # days
    precision: dict[str, float]
    """quantity -> largest acceptable relative CI half-width (a guard against vacuous checks, not the
    tolerance: the tolerance is the interval actually obtained, printed with every verdict)"""


def _caps(wait: float, sojourn: float, rates: float, **other: float) -> dict[str, float]:
    """Precision caps: ``wait`` (Wq), ``sojourn`` (W and L), ``rates`` (arrival rate, utilisation, P(wait))."""
    return {"wait": wait, "sojourn": sojourn, "lam": rates, "utilisation": rates, "p_wait": rates, **other}


# The caps are about twice the half-widths measured with these seeds (the sample standard deviation of 10-24
# replications varies by some 15-25%), so that new random streams do not trip them, while still demanding
# a test able to see a modest error. Slow variants use other seeds than the fast ones (SLOW_SEED_OFFSET),
# so that they are an independent confirmation rather than a longer look at the same draws.
VARIANTS: dict[str, dict[str, Variant | None]] = {
    # config: fast (default run), slow (-m slow); about lambda x horizon x replications clients each
    "mm1": {
        "fast": Variant(10, 300, 10, _caps(0.30, 0.22, 0.06)),
        "slow": Variant(20, 900, 20, _caps(0.15, 0.11, 0.025)),
    },
    "mmc_rho050": {
        "fast": Variant(10, 150, 5, _caps(0.40, 0.10, 0.06, p_wait=0.17)),
        "slow": Variant(20, 700, 20, _caps(0.11, 0.03, 0.02, p_wait=0.04)),
    },
    "mmc_rho080": {
        "fast": Variant(10, 175, 5, _caps(0.45, 0.26, 0.04, p_wait=0.10)),
        "slow": Variant(20, 900, 20, _caps(0.10, 0.06, 0.02)),
    },
    "mmc_rho095": {
        "fast": None,  # heavy traffic: only a long run says anything about its mean wait
        "slow": Variant(24, 1500, 200, _caps(0.22, 0.19, 0.015)),
    },
    "mmck": {
        "fast": Variant(10, 80, 5, _caps(0.12, 0.06, 0.03, balk=0.20)),
        "slow": Variant(20, 250, 20, _caps(0.04, 0.02, 0.015, balk=0.07)),
    },
    "mmc_patience": {
        "fast": Variant(10, 70, 5, _caps(0.16, 0.08, 0.04, renege=0.12, abandon=0.12, line=0.16)),
        "slow": Variant(20, 220, 20, _caps(0.07, 0.03, 0.015, renege=0.05, abandon=0.05, line=0.07)),
    },
    "mmc_saturated": {
        "fast": Variant(10, 100, 2, _caps(0.07, 0.05, 0.03, abandon=0.04, line=0.07)),
        "slow": Variant(20, 500, 10, _caps(0.03, 0.02, 0.015, abandon=0.02, line=0.03)),
    },
    "tandem": {
        "fast": Variant(10, 100, 5, _caps(0.26, 0.19, 0.06, network=0.11)),
        "slow": Variant(20, 500, 20, _caps(0.14, 0.09, 0.02, network=0.07)),
    },
    "jackson": {
        "fast": Variant(10, 150, 5, _caps(0.47, 0.33, 0.12, network=0.15)),
        "slow": Variant(20, 500, 20, _caps(0.14, 0.08, 0.03, network=0.05)),
    },
}
SLOW_SEED_OFFSET = 1000


def variants(config: str) -> list[object]:
    """The pytest parameters of a config: its fast variant (default run) and its slow one (``-m slow``)."""
    params: list[object] = []
    for speed, variant in VARIANTS[config].items():
        if variant is not None:
            marks = [pytest.mark.slow] if speed == "slow" else []
            params.append(pytest.param(config, speed, marks=marks, id=f"{config}-{speed}"))
    return params


@functools.cache
def scenario(config: str, speed: str) -> Scenario:
    variant = VARIANTS[config][speed]
    assert variant is not None
    return shortened(load_config(TEXTBOOK / f"{config}.yaml"), variant.horizon, variant.warmup)


@functools.cache
def runs(config: str, speed: str) -> tuple[Summary, ...]:
    """Per-replication summaries of a config's variant (computed once per test session)."""
    variant = VARIANTS[config][speed]
    assert variant is not None
    sc = scenario(config, speed)
    seed = sc.seed + (SLOW_SEED_OFFSET if speed == "slow" else 0)
    return tuple(replicate(sc, variant.replications, seed=seed))


def precision(config: str, speed: str, quantity: str) -> float:
    variant = VARIANTS[config][speed]
    assert variant is not None
    return variant.precision["sojourn" if quantity == "L" else quantity]


def must_reject(verdict: Verdict) -> None:
    """The check can fail: a slightly wrong theory value must be rejected by the same estimates."""
    print(("rejected (as it must) " if not verdict.agrees else "NOT REJECTED ") + str(verdict))
    assert not verdict.agrees, f"the check cannot tell a wrong theory from the right one: {verdict}"


def assert_little(summaries: tuple[Summary, ...], nodes: list[str], tolerance: float = 0.01) -> None:
    """Little's law at every node of every replication.

    ``L`` is the engine's time-average number present (its own monitor, independent of the visit rows),
    ``lambda`` its count of arrivals in the window over the window length, ``W`` the mean time in the node
    of those arrivals from the visit rows (visits open at the horizon counted up to the horizon).

    * Exactly (up to rounding, relative 1e-9): ``L = lambda W + carry_in``, where ``carry_in`` is the time
      spent in the window by the visits that arrived during the warm-up (Little's law over a finite window).
    * Approximately: ``|L - lambda W| <= 1% L``. The difference is the boundary term ``carry_in``, of the
      order of W / T (hours against weeks or years here, below 0.1%), so 1% is generous.
    """
    for i, summary in enumerate(summaries):
        for node in nodes:
            big_l, lam, w = summary[f"{node}:L"], summary[f"{node}:lam"], summary[f"{node}:W"]
            assert summary[f"{node}:arrivals"] == pytest.approx(lam * summary["span"]), (
                f"replication {i}, {node}: engine's arrival count differs from the visit rows")
            assert big_l == pytest.approx(summary[f"{node}:area"], rel=1e-9, abs=1e-12), (
                f"replication {i}, {node}: time-average present {big_l} but the visit rows give "
                f"{summary[f'{node}:area']} (lambda W = {lam * w}, carry-in {summary[f'{node}:carry_in']})")
            assert abs(big_l - lam * w) <= tolerance * big_l, (
                f"replication {i}, {node}: L = {big_l} but lambda W = {lam * w}")
    first = summaries[0]
    print("Little's law, replication 0: " + "; ".join(
        f"{node} L={first[f'{node}:L']:.5g} lambda*W={first[f'{node}:lam'] * first[f'{node}:W']:.5g}"
        for node in nodes))


# ---------------------------------------------------------------------------------------------- M/M/c
@pytest.mark.parametrize(("config", "speed"), [
    *variants("mm1"), *variants("mmc_rho050"), *variants("mmc_rho080"), *variants("mmc_rho095")])
def test_mmc_against_erlang_c(config: str, speed: str) -> None:
    """M/M/1 and M/M/3 at rho 0.5, 0.8, 0.95: mean wait (Erlang C), P(wait), sojourn, utilisation, L."""
    sc = scenario(config, speed)
    net = network_of(sc)
    (lam,), (mu,), (c,) = net.external, net.mu, net.c
    theory = mmc(lam, mu, c)
    got = runs(config, speed)
    key = net.names[0]

    def judge(quantity: str, name: str, th: float) -> Verdict:
        return compare(f"{config} {name}", values(got, f"{key}:{quantity}"), th,
                       max_half_width=precision(config, speed, quantity))

    check([
        judge("wait", "Wq (days)", theory.wq),
        judge("sojourn", "W (days)", theory.w),
        judge("p_wait", "P(wait)", theory.p_wait),
        judge("utilisation", "utilisation", theory.rho),
        judge("lam", "arrival rate (per day)", lam),
        judge("L", "L (time-average present)", theory.l),
    ])
    assert_little(got, [key])
    wrong = mmc(1.05 * lam, mu, c)  # an engine whose arrivals came 5% too fast
    must_reject(judge("wait", "Wq if arrivals were 5% faster", wrong.wq))
    must_reject(judge("p_wait", "P(wait) if arrivals were 5% faster", wrong.p_wait))


# ---------------------------------------------------------------------------------------------- M/M/c/K
@pytest.mark.parametrize(("config", "speed"), variants("mmck"))
def test_mmck_blocking(config: str, speed: str) -> None:
    """M/M/3/7: share of arrivals that balk = pi_K (PASTA), admitted wait and L from the birth-death chain."""
    sc = scenario(config, speed)
    net = network_of(sc)
    (lam,), (mu,), (c,), (cap,) = net.external, net.mu, net.c, net.cap
    assert cap is not None
    k = c + cap  # the waitlist cap counts only those waiting, not those in service
    theory = mmck(lam, mu, c, k)
    got = runs(config, speed)
    key = net.names[0]

    def judge(quantity: str, name: str, th: float) -> Verdict:
        return compare(f"{config} {name}", values(got, f"{key}:{quantity}"), th,
                       max_half_width=precision(config, speed, quantity))

    check([
        judge("balk", "blocking P(K present)", theory.blocking),
        judge("wait", "Wq of admitted (days)", theory.wq),
        judge("sojourn", "W of admitted (days)", theory.w),
        judge("lam", "admitted rate (per day)", theory.throughput),
        judge("L", "L (time-average present)", theory.l),
    ])
    assert_little(got, [key])
    # a cap that counted the clients in service too (K = c + cap - 1) would block more often
    must_reject(judge("balk", "blocking if K were one smaller", mmck(lam, mu, c, k - 1).blocking))


# ---------------------------------------------------------------------------------------------- Erlang A
@pytest.mark.parametrize(("config", "speed"), variants("mmc_patience"))
def test_erlang_a_abandonment(config: str, speed: str) -> None:
    """M/M/3+M: share of arrivals that renege (and abandon), the two forms of the wait (of those served; in line,
    of all who joined), L."""
    sc = scenario(config, speed)
    net = network_of(sc)
    (lam,), (mu,), (c,), (theta,) = net.external, net.mu, net.c, net.theta
    theory = erlang_a(lam, mu, c, theta)
    assert theory.tail < 1e-12
    assert theory.p_abandon == pytest.approx(theory.p_abandon_little, rel=1e-9)
    big_l = float(np.sum(np.arange(len(theory.pi)) * theory.pi))
    got = runs(config, speed)
    key = net.names[0]

    def judge(quantity: str, name: str, th: float) -> Verdict:
        return compare(f"{config} {name}", values(got, f"{key}:{quantity}"), th,
                       max_half_width=precision(config, speed, quantity))

    check([
        judge("renege", "P(abandon)", theory.p_abandon),
        judge("wait", "Wq of served (days)", theory.wq_served),
        judge("line", "Wq of all arrivals (days)", theory.wq_all),
        judge("abandon", "abandonment share", theory.p_abandon),
        judge("lam", "arrival rate (per day)", lam),
        judge("L", "L (time-average present)", big_l),
    ])
    assert_little(got, [key])
    # an engine that drew patience with twice the configured mean would see far fewer abandonments
    must_reject(judge("renege", "P(abandon) if patience were twice as long",
                      erlang_a(lam, mu, c, theta / 2).p_abandon))


@pytest.mark.parametrize(("config", "speed"), variants("mmc_saturated"))
def test_saturated_clinic_two_waits(config: str, speed: str) -> None:
    """M/M/3+M at twice its capacity: half of those who join give up. The wait of those served and the time
    in line of all who joined each match their Erlang A formula, and each is rejected as the other: the two
    forms are apart, and the abandonment share (``abandonment_share``) stands beside them."""
    sc = scenario(config, speed)
    net = network_of(sc)
    (lam,), (mu,), (c,), (theta,) = net.external, net.mu, net.c, net.theta
    theory = erlang_a(lam, mu, c, theta)
    assert lam / (c * mu) == pytest.approx(2.0)
    assert theory.wq_served > 1.2 * theory.wq_all  # the formulas alone put the two forms 24% apart
    got = runs(config, speed)
    key = net.names[0]

    def judge(quantity: str, name: str, th: float) -> Verdict:
        return compare(f"{config} {name}", values(got, f"{key}:{quantity}"), th,
                       max_half_width=precision(config, speed, quantity))

    check([
        judge("abandon", "abandonment share (reneged + balked)", theory.p_abandon),
        judge("wait", "Wq of served (days)", theory.wq_served),
        judge("line", "Wq of all who joined (days)", theory.wq_all),
    ])
    must_reject(judge("line", "Wq of all who joined read as the wait of those served", theory.wq_served))
    must_reject(judge("wait", "Wq of served read as the time in line of all who joined", theory.wq_all))


# ---------------------------------------------------------------------------------------------- networks
@pytest.mark.parametrize(("config", "speed"), [*variants("tandem"), *variants("jackson")])
def test_jackson_network(config: str, speed: str) -> None:
    """Tandem and routed networks: per-node arrival rate (traffic equations), utilisation, mean wait and
    sojourn (M/M/c at each node by the product form), and mean time in the network."""
    sc = scenario(config, speed)
    net = network_of(sc)
    theory = jackson(net.external, net.routing, net.mu, net.c)
    got = runs(config, speed)
    verdicts = []
    for i, name in enumerate(net.names):
        node = theory.nodes[i]

        def judge(quantity: str, label: str, th: float, name: str = name) -> Verdict:
            return compare(f"{config} {name} {label}", values(got, f"{name}:{quantity}"), th,
                           max_half_width=precision(config, speed, quantity))

        verdicts += [
            judge("lam", "arrival rate (per day)", node.lam),
            judge("utilisation", "utilisation", node.rho),
            judge("wait", "Wq (days)", node.wq),
            judge("sojourn", "W (days)", node.w),
        ]
    verdicts.append(compare(f"{config} time in network (days)", values(got, "network:sojourn"), theory.sojourn,
                            max_half_width=precision(config, speed, "network")))
    check(verdicts)
    assert_little(got, net.names)
    if config == "tandem":  # an engine that served the second clinic 10% too fast
        wrong = jackson(net.external, net.routing, [net.mu[0], 1.1 * net.mu[1]], net.c)
        label, index, quantity = "if the clinic served 10% faster", 1, "utilisation"
    else:  # an engine that dropped the feedback edges (clients never go back to triage)
        cut = [[0.0 if j == 0 else r for j, r in enumerate(row)] for row in net.routing]
        wrong = jackson(net.external, cut, net.mu, net.c)
        label, index, quantity = "without feedback", 0, "lam"
    name = net.names[index]
    must_reject(compare(f"{config} {name} {quantity} {label}", values(got, f"{name}:{quantity}"),
                        getattr(wrong.nodes[index], "rho" if quantity == "utilisation" else "lam"),
                        max_half_width=precision(config, speed, quantity)))
    must_reject(compare(f"{config} time in network {label}", values(got, "network:sojourn"), wrong.sojourn,
                        max_half_width=precision(config, speed, "network")))
