"""Throughput of the engine against a plain SimPy script of the same M/M/c queue, in one run.

Both run ``configs/textbook/mmc.yaml`` (M/M/3, rho = 0.8) for the same horizon, interleaved, several times;
the figure reported is the median ratio of customers per second (ours / plain SimPy), so that machine noise
hits both sides alike. Each run's mean wait is checked against Erlang C, so a fast but wrong engine fails.

    python -m benchmarks.mmc_vs_simpy [--repeats 5] [--days 1000]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from pathlib import Path

import simpy

from simulator import load_config, simulate
from simulator.engine.simulation import simulate_records

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "textbook" / "mmc.yaml"


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def plain_simpy(lam: float, mu: float, c: int, days: float, warmup: float, seed: int) -> tuple[int, float]:
    """The textbook SimPy M/M/c model: returns (customers served, mean wait after warm-up)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=c)
    waits: list[float] = []

    def customer(env: simpy.Environment):
        arrival = env.now
        with server.request() as request:
            yield request
            if arrival >= warmup:
                waits.append(env.now - arrival)
            yield env.timeout(rng.expovariate(mu))

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env))

    env.process(source(env))
    env.run(until=warmup + days)
    return len(waits), statistics.fmean(waits)


def ours(days: float, seed: int, full: bool = False) -> tuple[int, float]:
    """The engine alone, or (``full``) what ``simulator run`` does per replication: engine, tables, metrics."""
    scenario = load_config(CONFIG, {"horizon": f"{days} days"})
    if full:
        run = simulate(scenario, seed=seed)
        served = run.tables["visits"]
        return len(served), float(run.metrics.query("metric == 'wait_mean_days'")["value"].iloc[0])
    records = simulate_records(scenario, seed, 0)
    visits = records.tables["visits"]
    waits = [s - a for a, s, o in zip(visits["arrival"], visits["start"], visits["outcome"], strict=True)
             if o == "served" and a >= scenario.warmup]
    return len(visits["arrival"]), statistics.fmean(waits)


def run(repeats: int = 5, days: float = 1000.0) -> list[dict[str, object]]:
    scenario = load_config(CONFIG)
    clinic = scenario.services["clinic"]
    lam = scenario.population.inflow.rate
    mu = 1 / clinic.service_time.mean  # type: ignore[union-attr]
    c = clinic.staff  # type: ignore[union-attr]
    theory = erlang_c_wait(lam, mu, c)
    plain_rates: list[float] = []
    rates: dict[str, list[float]] = {"engine": [], "full": []}
    ratios: dict[str, list[float]] = {"engine": [], "full": []}
    for i in range(repeats):
        start = time.perf_counter()
        n_plain, w_plain = plain_simpy(lam, mu, c, days, scenario.warmup, seed=i)
        plain_rates.append(n_plain / (time.perf_counter() - start))
        for kind in ("engine", "full"):
            start = time.perf_counter()
            n_ours, w_ours = ours(days, seed=i, full=kind == "full")
            rates[kind].append(n_ours / (time.perf_counter() - start))
            ratios[kind].append(rates[kind][-1] / plain_rates[-1])
            for label, wait in (("plain SimPy", w_plain), (f"simulator ({kind})", w_ours)):
                # 10% of Erlang C: about 5 standard errors at 1,000+ days (see tests/validation)
                if abs(wait - theory) > 0.1 * theory:
                    raise AssertionError(f"{label} mean wait {wait:.5f} days is not within 10% of Erlang C "
                                         f"{theory:.5f}")
    return [
        {"benchmark": f"mmc[{kind}]", "metric": "customers_per_s", "value": statistics.median(rates[kind]),
         "unit": "customers/s", "baseline": "plain-simpy", "ratio": statistics.median(ratios[kind]),
         "baseline_value": statistics.median(plain_rates), "theory_wait_days": theory}
        for kind in ("engine", "full")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--days", type=float, default=1000.0)
    args = parser.parse_args()
    engine, full = run(args.repeats, args.days)
    print(f"M/M/3 at rho 0.8, {args.days:g} days, median of {args.repeats} interleaved repeats")
    print(f"  plain SimPy                  : {engine['baseline_value']:>10,.0f} customers/s")
    print(f"  simulator engine             : {engine['value']:>10,.0f} customers/s  ratio {engine['ratio']:.2f}")
    print(f"  simulator engine + metrics   : {full['value']:>10,.0f} customers/s  ratio {full['ratio']:.2f}")
    print("  (ratio above 1 = faster than plain SimPy)")


if __name__ == "__main__":
    main()
