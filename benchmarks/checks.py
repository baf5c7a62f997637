"""Output checks: every benchmark verifies what it computed, so that a fast but wrong engine cannot score.

Each check raises :class:`CheckFailed` (an ``AssertionError``) with a message that says what was expected and
what came out; it returns a short description of what it verified otherwise. The checks are statistical where
the output is random: tolerances are a number of standard errors estimated from the run itself (batch means
for waits, Poisson counts for arrivals), so they tighten as runs get longer and never depend on speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from simulator.config import Scenario

#: standard errors allowed between an estimate and its theoretical value (two-sided false alarm about 6e-5)
Z = 4.0


class CheckFailed(AssertionError):
    """A benchmark's output is wrong: the benchmark fails whatever its speed."""


# ------------------------------------------------------------------------------------------- queueing theory
def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in the time unit of ``lam`` and ``mu``."""
    a = lam / mu
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable queue: rho = {rho:.3f}")
    # Erlang B by its recursion (stable for any c, unlike a^c / c!), then Erlang C from it
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = a * blocking / (k + a * blocking)
    p_wait = blocking / (1 - rho * (1 - blocking))
    return p_wait / (c * mu - lam)


@dataclass
class QueueSample:
    """What one run of an M/M/c implementation produced (all times in days).

    ``arrivals`` counts every customer generated over ``[0, end)``; ``arrival_times``, ``waits`` and
    ``services`` are those of customers served who arrived at or after the warm-up.
    """

    arrivals: int
    end: float
    warmup: float
    arrival_times: Sequence[float] = field(default_factory=list)
    waits: Sequence[float] = field(default_factory=list)
    services: Sequence[float] = field(default_factory=list)


def batch_means(samples: Sequence[QueueSample], batches: int = 10) -> tuple[float, float, int]:
    """Mean wait and its standard error by batch means: each run's observed window cut into ``batches``
    equal windows by arrival time; returns (mean of the batch means, standard error, number of batches)."""
    means: list[float] = []
    for sample in samples:
        times = np.asarray(sample.arrival_times, dtype=float)
        waits = np.asarray(sample.waits, dtype=float)
        if len(times) != len(waits):
            raise CheckFailed(f"{len(times)} arrival times but {len(waits)} waits")
        edges = np.linspace(sample.warmup, sample.end, batches + 1)
        index = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, batches - 1)
        for b in range(batches):
            chosen = waits[index == b]
            if len(chosen):
                means.append(float(chosen.mean()))
    if len(means) < 2:
        raise CheckFailed(f"only {len(means)} non-empty batches of waits: nothing to check")
    values = np.asarray(means)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values))), len(values)


def check_arrivals(label: str, observed: int, expected: float, z: float = 5.0) -> str:
    """A Poisson count: ``observed`` within ``z`` standard deviations (sqrt of the mean) of ``expected``."""
    tolerance = z * math.sqrt(max(expected, 1.0)) + 1
    if not math.isfinite(observed) or abs(observed - expected) > tolerance:
        raise CheckFailed(f"{label}: {observed} arrivals, expected {expected:.0f} ± {tolerance:.0f} "
                          f"(Poisson, {z:g} sd)")
    return f"{label}: {observed} arrivals (expected {expected:.0f} ± {tolerance:.0f})"


def check_mmc(label: str, samples: Sequence[QueueSample], lam: float, mu: float, c: int, z: float = Z,
              max_rel_se: float = 0.15) -> dict[str, float]:
    """Check runs of one M/M/c implementation against theory; return the estimates.

    * every run generated ``lam * end`` customers (Poisson, 5 sd);
    * the mean service time of the served is ``1 / mu`` (``z`` standard errors; exponential: sd = mean);
    * the mean wait in queue, pooled over runs by batch means, is within ``z`` standard errors of Erlang C.
      A run too short to estimate it to ``max_rel_se`` (relative standard error) fails: it could not tell a
      wrong engine from a right one.
    """
    if not samples:
        raise CheckFailed(f"{label}: no runs to check")
    for i, sample in enumerate(samples):
        check_arrivals(f"{label} run {i}", sample.arrivals, lam * sample.end)
    services = np.concatenate([np.asarray(s.services, dtype=float) for s in samples])
    if len(services) < 100:
        raise CheckFailed(f"{label}: only {len(services)} customers served after the warm-up")
    service_mean = float(services.mean())
    service_se = (1 / mu) / math.sqrt(len(services))
    if abs(service_mean - 1 / mu) > z * service_se:
        raise CheckFailed(f"{label}: mean service time {service_mean:.5f} days, expected {1 / mu:.5f} "
                          f"± {z * service_se:.5f}")
    theory = erlang_c_wait(lam, mu, c)
    wait, se, n_batches = batch_means(samples)
    if se > max_rel_se * theory:
        raise CheckFailed(f"{label}: mean wait standard error {se / theory:.1%} of Erlang C (over "
                          f"{max_rel_se:.0%}): runs too short to check the wait")
    if abs(wait - theory) > z * se:
        raise CheckFailed(f"{label}: mean wait {wait:.5f} days is not within {z:g} standard errors "
                          f"({z * se:.5f}) of Erlang C {theory:.5f} ({n_batches} batch means)")
    return {"wait": wait, "wait_se": se, "theory": theory, "service_mean": service_mean,
            "served": float(len(services))}


# ------------------------------------------------------------------------------------------- scenarios
def expected_arrivals(scenario: Scenario, factor: float = 1.0) -> float:
    """Expected number of new clients (inflow) over ``[0, end_time)``: the rate times the seasonal
    multiplier of each day's month, integrated day by day (the engine thins a Poisson process the same way)."""
    inflow = scenario.population.inflow
    end = scenario.end_time
    seasonal = inflow.seasonal
    if seasonal is None:
        return inflow.rate * factor * end
    total = 0.0
    day = 0
    while day < end:
        length = min(1.0, end - day)
        month = (scenario.start_date + timedelta(days=day)).month - 1
        total += seasonal[month] * length
        day += 1
    return inflow.rate * factor * total


def _columns(tables: Mapping[str, Any], name: str) -> Mapping[str, Sequence[Any]]:
    table = tables.get(name)
    if table is None:
        raise CheckFailed(f"no {name!r} table in the records")
    return table


def check_scenario_run(label: str, scenario: Scenario, tables: Mapping[str, Any], factor: float = 1.0,
                       census: bool = True) -> dict[str, float]:
    """Plausibility of one replication of a network scenario (records as columns of plain lists).

    * client episodes were recorded, and the number of new clients (inflow) is the expected Poisson count;
    * the census has one row per observed night, non-negative counts, a population that is neither empty nor
      larger than every client ever created, and exactly the clients the shelters report in their beds, never
      more than their capacity (``census=False`` skips this for scenarios without shelters).
    """
    episodes = _columns(tables, "episodes")
    sources = list(episodes.get("source", []))
    if not sources:
        raise CheckFailed(f"{label}: no client episodes recorded")
    inflow = sum(1 for s in sources if s == "inflow")
    check_arrivals(f"{label} inflow", inflow, expected_arrivals(scenario, factor))
    clients = len(set(episodes["client"]))
    out = {"episodes": float(len(sources)), "inflow": float(inflow), "clients": float(clients)}
    if not census:
        return out
    rows = _columns(tables, "census")
    days = list(rows["day"])
    nights = scenario.end_time - scenario.warmup
    if abs(len(days) - nights) > 1.5:
        raise CheckFailed(f"{label}: {len(days)} census nights for {nights:g} observed days")
    if len(set(days)) != len(days):
        raise CheckFailed(f"{label}: census days repeat")
    beds = _columns(tables, "nights")
    occupancy = {d: (o, c) for d, s, o, c in zip(beds["day"], beds["shelter"], beds["occupancy"],
                                                   beds["capacity"], strict=True) if s == "all"}
    totals = []
    for day, sheltered, outdoors, other in zip(days, rows["sheltered"], rows["outdoors"], rows["other"],
                                               strict=True):
        if min(sheltered, outdoors, other) < 0:
            raise CheckFailed(f"{label}: negative census count on day {day}")
        total = sheltered + outdoors + other
        if total <= 0 or total > clients:
            raise CheckFailed(f"{label}: census of {total} on day {day} with {clients} clients ever created")
        if day in occupancy:
            occupied, capacity = occupancy[day]
            if sheltered != occupied or sheltered > capacity:
                raise CheckFailed(f"{label}: census says {sheltered} sheltered on day {day}, the shelters "
                                  f"{occupied} of {capacity} beds")
        totals.append(total)
    if not totals:
        raise CheckFailed(f"{label}: empty census")
    out["census_mean"] = float(np.mean(totals))
    return out


# ------------------------------------------------------------------------------------------- fits, records
def loglog_exponent(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log(y) on log(x): y ∝ x^k gives k."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if len(x) < 2 or len(x) != len(y) or not (np.all(x > 0) and np.all(y > 0) and np.all(np.isfinite(y))):
        raise CheckFailed(f"cannot fit an exponent to {list(xs)} -> {list(ys)}")
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


RECORD_KEYS = ("benchmark", "metric", "value", "unit", "baseline", "ratio")


def check_records(records: Sequence[Mapping[str, Any]], source: str) -> list[dict[str, Any]]:
    """Records as the suite writes them: the six keys (extra keys dropped), a finite number as value, a
    positive ratio or none, and a baseline named wherever there is a ratio."""
    out = []
    for record in records:
        if not isinstance(record, Mapping):
            raise CheckFailed(f"{source}: a record is not a mapping: {record!r}")
        missing = [key for key in RECORD_KEYS if key not in record]
        if missing:
            raise CheckFailed(f"{source}: record {dict(record)!r} lacks {missing}")
        value, ratio = record["value"], record["ratio"]
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise CheckFailed(f"{source}: record {record['benchmark']}/{record['metric']} has value {value!r}")
        if ratio is not None and (not isinstance(ratio, int | float) or not math.isfinite(ratio) or ratio <= 0):
            raise CheckFailed(f"{source}: record {record['benchmark']}/{record['metric']} has ratio {ratio!r}")
        if ratio is not None and not record["baseline"]:
            raise CheckFailed(f"{source}: record {record['benchmark']}/{record['metric']} has a ratio but no "
                              "baseline")
        out.append({key: record[key] for key in RECORD_KEYS})
    return out
