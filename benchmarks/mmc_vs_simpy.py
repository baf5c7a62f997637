"""Throughput on the textbook M/M/c queue: our engine against a plain SimPy script and Ciw, in one run.

All of them run ``configs/textbook/mmc.yaml`` (M/M/3, rho = 0.8: lambda = 57.6 and mu = 24 per day) for the
same warm-up and horizon, interleaved (the order rotates each repeat), several times with the same seeds. The
figures are customers per second (every customer generated over the run, warm-up included) and the median
over repeats of the ratio ours / baseline, each ratio taken between runs made side by side, so that machine
noise hits both alike. Ours is timed twice: the engine alone (``simulate_records``: SimPy processes and
columnar records) and the full replication (``simulate``: engine, DataFrames and metrics). The same figures
in CPU time (``customers_per_cpu_s``) are steadier when neighbours load the machine's cores.

Each implementation's output is checked (:func:`benchmarks.checks.check_mmc`): arrivals, mean service time,
and the mean wait against Erlang C by batch means. Ciw is optional (``pip install -e '.[bench]'``); without it
the Ciw lines are skipped with a message.

    python -m benchmarks.mmc_vs_simpy [--repeats 5] [--days 1000]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import simpy

from benchmarks.checks import QueueSample, check_mmc
from benchmarks.common import CONFIGS, Record, log, median, record, rotated, timed
from simulator import load_config

CONFIG: Path = CONFIGS / "textbook" / "mmc.yaml"


def parameters(path: Path = CONFIG) -> tuple[float, float, int, float]:
    """(lambda, mu, c, warm-up) of the M/M/c config, per day."""
    scenario = load_config(path)
    clinic = scenario.services["clinic"]
    lam = scenario.population.inflow.rate
    mu = 1 / clinic.service_time.mean  # type: ignore[union-attr]
    return lam, mu, clinic.staff, scenario.warmup  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- implementations
def plain_simpy(lam: float, mu: float, c: int, days: float, warmup: float, seed: int) -> QueueSample:
    """The textbook SimPy M/M/c model, written as a SimPy user would."""
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=c)
    arrivals: list[float] = []
    waits: list[float] = []
    services: list[float] = []
    count = 0

    def customer(env: simpy.Environment):
        arrival = env.now
        with server.request() as request:
            yield request
            service = rng.expovariate(mu)
            if arrival >= warmup:
                arrivals.append(arrival)
                waits.append(env.now - arrival)
                services.append(service)
            yield env.timeout(service)

    def source(env: simpy.Environment):
        nonlocal count
        while True:
            yield env.timeout(rng.expovariate(lam))
            count += 1
            env.process(customer(env))

    env.process(source(env))
    env.run(until=warmup + days)
    return QueueSample(count, warmup + days, warmup, arrivals, waits, services)


def ours_engine(scenario: Any, seed: int) -> Any:
    """The engine alone: SimPy processes and columnar records (no pandas)."""
    from simulator.engine.simulation import simulate_records

    return simulate_records(scenario, seed, 0)


def ours_full(scenario: Any, seed: int) -> Any:
    """What ``simulator run`` does per replication: engine, DataFrames, metrics."""
    from simulator import simulate

    return simulate(scenario, seed=seed)


def sample_from_engine(records: Any) -> QueueSample:
    visits = records.tables["visits"]
    warmup, end = records.warmup, records.end_time
    rows = [(a, s, e) for a, s, e, o in zip(visits["arrival"], visits["start"], visits["end"], visits["outcome"],
                                            strict=True) if o == "served" and a >= warmup]
    return QueueSample(len(visits["arrival"]), end, warmup, [a for a, _, _ in rows], [s - a for a, s, _ in rows],
                       [e - s for _, s, e in rows])


def sample_from_run(run: Any) -> QueueSample:
    visits = run.tables["visits"]
    scenario = run.scenario
    served = visits[(visits["outcome"] == "served") & (visits["arrival"] >= scenario.warmup)]
    return QueueSample(len(visits), scenario.end_time, scenario.warmup, served["arrival"].tolist(),
                       (served["start"] - served["arrival"]).tolist(), (served["end"] - served["start"]).tolist())


def ciw_available() -> bool:
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def ciw_run(lam: float, mu: float, c: int, days: float, warmup: float, seed: int) -> Any:
    """Ciw's M/M/c, run and its records collected (Ciw's own output step)."""
    import ciw

    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=lam)],
                                 service_distributions=[ciw.dists.Exponential(rate=mu)],
                                 number_of_servers=[c])
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(warmup + days)
    return simulation, simulation.get_all_records()


def sample_from_ciw(result: Any, days: float, warmup: float) -> QueueSample:
    simulation, records = result
    served = [r for r in records if r.record_type == "service" and r.arrival_date >= warmup]
    return QueueSample(simulation.nodes[0].number_of_individuals, warmup + days, warmup,
                       [r.arrival_date for r in served], [r.waiting_time for r in served],
                       [r.service_time for r in served])


# ------------------------------------------------------------------------------------------- the benchmark
def measure(repeats: int, days: float, with_ciw: bool | None = None) -> list[Record]:
    """Interleaved repeats of every implementation; checks every output; returns the records."""
    lam, mu, c, warmup = parameters()
    if with_ciw is None:
        with_ciw = ciw_available()
    scenario = load_config(CONFIG, {"horizon": f"{days} days"})  # read once, outside the timings
    if not with_ciw:
        log("  ciw is not installed (pip install -e '.[bench]'): the Ciw baseline is skipped")
    runners: dict[str, tuple[Callable[[int], Any], Callable[[Any], QueueSample]]] = {
        "plain-simpy": (partial(plain_simpy, lam, mu, c, days, warmup), lambda out: out),
        "engine": (partial(ours_engine, scenario), sample_from_engine),
        "full": (partial(ours_full, scenario), sample_from_run),
    }
    if with_ciw:
        runners["ciw"] = (partial(ciw_run, lam, mu, c, days, warmup), partial(sample_from_ciw, days=days,
                                                                              warmup=warmup))
    names = list(runners)
    rates, cpu_rates, samples = interleaved(runners, repeats)
    estimates = {name: check_mmc(name, samples[name], lam, mu, c) for name in names}

    out: list[Record] = []
    baselines = [b for b in ("plain-simpy", "ciw") if b in names]

    def ratio(table: dict[str, list[float]], ours: str, theirs: str) -> float:
        return median([a / b for a, b in zip(table[ours], table[theirs], strict=True)])

    for kind in ("engine", "full"):
        for metric, table, unit in (("customers_per_s", rates, "customers/s"),
                                    ("customers_per_cpu_s", cpu_rates, "customers/CPU s")):
            for baseline in baselines:
                out.append(record(f"mmc[{kind}]", metric, median(table[kind]), unit, baseline,
                                  ratio(table, kind, baseline)))
    if "ciw" in names:
        out.append(record("mmc[plain-simpy]", "customers_per_s", median(rates["plain-simpy"]), "customers/s",
                          "ciw", ratio(rates, "plain-simpy", "ciw")))
        out.append(record("mmc[ciw]", "customers_per_s", median(rates["ciw"]), "customers/s"))
    else:
        out.append(record("mmc[plain-simpy]", "customers_per_s", median(rates["plain-simpy"]), "customers/s"))
    for name in names:
        est = estimates[name]
        out.append(record(f"mmc[{name}]", "wait_over_erlang_c", est["wait"] / est["theory"], "x Erlang C"))
        out.append(record(f"mmc[{name}]", "wait_error", (est["wait"] - est["theory"]) / est["wait_se"],
                          "standard errors (check: within ±4)"))
    return out



def interleaved(runners: dict[str, tuple[Callable[[int], Any], Callable[[Any], QueueSample]]],
                repeats: int) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[QueueSample]]]:
    """Run every runner ``repeats`` times, the order rotating each repeat; per runner, its customers per
    second (wall and CPU) and its queue samples. A runner is ``(run(repeat) -> output, extract(output) ->
    QueueSample)``."""
    names = list(runners)
    rates: dict[str, list[float]] = {name: [] for name in names}
    cpu_rates: dict[str, list[float]] = {name: [] for name in names}
    samples: dict[str, list[QueueSample]] = {name: [] for name in names}
    for i in range(repeats):
        for name in rotated(names, i):
            run, extract = runners[name]
            seconds, cpu_seconds, out = timed(partial(run, i))
            sample = extract(out)
            del out
            samples[name].append(sample)
            rates[name].append(sample.arrivals / seconds)
            cpu_rates[name].append(sample.arrivals / cpu_seconds)
        log(f"  repeat {i + 1}/{repeats}: " + ", ".join(f"{n} {rates[n][-1]:,.0f}/s" for n in names))
    return rates, cpu_rates, samples

def run(quick: bool = False) -> list[Record]:
    """The suite's entry: 3 repeats of 600 days (quick) or 5 of 1,000 days."""
    return measure(3, 600.0) if quick else measure(5, 1000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--days", type=float, default=1000.0)
    parser.add_argument("--no-ciw", action="store_true", help="skip the Ciw baseline")
    args = parser.parse_args()
    from benchmarks.common import markdown_table

    print(markdown_table(measure(args.repeats, args.days, False if args.no_ciw else None)))


if __name__ == "__main__":
    main()
