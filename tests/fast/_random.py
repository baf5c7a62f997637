"""Random networks of clinics for the conformance tests: every combination the compiled engine covers, drawn.

:func:`network` draws a scenario from a seed: one to four clinics with random staff, disciplines, service and
patience distributions of every kind (fixed ones included, whose ties put events at the same instant),
waiting-room caps, opening hours (days, and times from midnight to midnight), needs treated, walk-ins with
or without delays, referral edges, and a start date, warm-up and horizon. The same seed always gives the same
scenario, and each scenario runs on both engines to the same tables (:func:`tests.fast._compare.compare`).
"""

from __future__ import annotations

import random
from typing import Any

from simulator.config.loader import validate_data
from simulator.config.schema import Scenario

NEEDS = ("primary_care", "mental_health", "substance_use", "income_documents")
PATTERNS = ("transitional", "episodic", "chronic")
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def duration(r: random.Random, minutes: float) -> Any:
    """A duration distribution of every kind, about ``minutes`` long."""
    m = minutes * r.choice([0.3, 1.0, 3.0])
    kind = r.choice(["fixed", "exponential", "lognormal", "gamma", "uniform", "triangular"])
    if kind == "fixed":
        return f"{max(1, round(m))} min"
    if kind == "exponential":
        return {"dist": "exponential", "mean": f"{m:.1f} min"}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean": f"{m:.1f} min", "cv": r.choice([0.5, 0.8])}
    if kind == "uniform":
        return {"dist": "uniform", "low": f"{m / 2:.1f} min", "high": f"{m * 1.5:.1f} min"}
    return {"dist": "triangular", "low": f"{m / 2:.1f} min", "mode": f"{m:.1f} min", "high": f"{m * 2:.1f} min"}


def _clock(hours: float) -> str:
    return f"{int(hours):02d}:{round(hours % 1 * 60):02d}"


def hours(r: random.Random) -> dict[str, Any]:
    """Opening hours: some weekdays, from a time to a later one (midnight to midnight included)."""
    opening = r.choice([0.0, 6.0, 8.0, 8.5, 9.0, 13.0])
    closing = r.choice([h for h in (10.0, 12.0, 16.5, 17.0, 20.0, 24.0) if h > opening])
    return {"open": _clock(opening), "close": _clock(closing), "days": r.sample(WEEK, r.randint(1, 7))}


def handoff_type(r: random.Random) -> dict[str, Any]:
    """The parameters of a handoff type: each present or left at its default."""
    spec: dict[str, Any] = {"intake": r.choice(["0 min", "10 min", "30 min"])}
    if r.random() < 0.7:
        spec["latency"] = duration(r, 60 * 24 * r.choice([0.1, 1.0]))
    if r.random() < 0.7:
        spec["loss"] = {"base": r.choice([0.0, 0.1, 0.3]), "hazard": f"{r.choice([0.0, 0.05, 0.5])} per day"}
    if r.random() < 0.7:
        spec["staff_time"] = {"sender": r.choice(["0 min", "10 min", "1 hour"]),
                              "receiver": r.choice(["0 min", "15 min", "2 hours"])}
    if r.random() < 0.5:
        spec["accompaniment"] = {"probability": r.choice([0.2, 1.0]), "staff_time": r.choice(["30 min", "3 hours"])}
    if r.random() < 0.5:
        spec["queue_jump"] = r.choice([0.3, 1.0])
    return spec


def exits(r: random.Random) -> dict[str, Any]:
    """Self-resolution (means by pattern, hazard ratios by need) and returns after it (mean, share, ratios)."""
    spec: dict[str, Any] = {"exit_when_needs_met": r.random() < 0.3,
                            "self_resolution_mean": {pattern: f"{r.choice([2, 10, 40])} days"
                                                     for pattern in r.sample(PATTERNS, r.randint(1, 3))}}
    if r.random() < 0.7:
        spec["self_resolution_hazard_ratio"] = {need: r.choice([0.3, 0.6, 1.0, 2.0])
                                                for need in r.sample(NEEDS, r.randint(1, 4))}
    if r.random() < 0.8:
        spec["return_after_resolution_mean"] = f"{r.choice([1, 5, 20])} days"
        spec["return_after_resolution_share"] = r.choice([0.3, 0.8, 1.0])
    if r.random() < 0.5:
        spec["return_hazard_ratio"] = {need: r.choice([0.5, 1.0, 3.0]) for need in r.sample(NEEDS, r.randint(1, 4))}
    if r.random() < 0.5:
        spec["return_after_housing_mean"] = "30 days"
        spec["return_after_housing_share"] = r.choice([0.5, 1.0])
    return spec


def stock(r: random.Random) -> dict[str, Any]:
    """An initial stock: a count, perhaps a pattern mix of its own, perhaps a time already homeless."""
    spec: dict[str, Any] = {"count": r.choice([1, 10, 60])}
    if r.random() < 0.5:
        spec["pattern"] = {"transitional": 0.2, "episodic": 0.3, "chronic": 0.5}
    if r.random() < 0.7:
        spec["time_homeless"] = {"dist": "lognormal", "median": "1 year", "sigma": 1.0}
    return spec


def network(seed: int, with_hours: float = 0.7, handoffs: bool = False, episodes: bool = False) -> Scenario:
    """A random network of clinics (``with_hours``: the chance that a clinic has opening hours; ``handoffs``:
    handoff types with random parameters, and a regime that assigns unilateral or bilateral handoffs by one
    type, by ties or by a mix; ``episodes``: self-resolution and returns, and perhaps an initial stock)."""
    r = random.Random(seed)
    names = [f"c{i}" for i in range(r.randint(2 if handoffs else 1, 4))]
    services: dict[str, dict[str, Any]] = {}
    for name in names:
        spec: dict[str, Any] = {
            "kind": "clinic", "staff": r.randint(1, 3), "discipline": r.choice(["fifo", "priority"]),
            "service_time": duration(r, 40),
            "treats": {need: round(r.random() * 0.7, 2) for need in r.sample(NEEDS, r.randint(1, 4))}}
        if r.random() < with_hours:
            spec["hours"] = hours(r)
        if r.random() < 0.6:
            spec["patience"] = duration(r, 60 * 24 * r.choice([0.05, 0.5, 3.0]))
        if r.random() < 0.4:
            spec["waitlist_cap"] = r.randint(0, 10)
        services[name] = spec
    entry = []
    for need in NEEDS:
        for name in r.sample(names, r.randint(0, len(names))):
            walk: dict[str, Any] = {"need": need, "service": name, "probability": r.choice([1.0, 0.5, 0.3])}
            if r.random() < 0.5:
                walk["delay"] = duration(r, 60 * 24 * 2)
            entry.append(walk)
    referrals = []
    for name in names:
        for need, treated in services[name]["treats"].items():
            left = 1 - treated
            targets = [other for other in names if other != name and need in services[other]["treats"]]
            for target in r.sample(targets, r.randint(min(1, len(targets)), len(targets))):
                p = round(r.random() * left * 0.8, 2)
                left -= p
                referrals.append({"from": name, "to": target, "needs": [need], "probability": p,
                                  "tie": r.choice([0.0, 0.5, 1.0])})
    raw = {
        "name": f"random_{seed}", "horizon": f"{r.choice([5, 15, 30])} days",
        "warmup": f"{r.choice([0, 1, 2.5])} days", "seed": r.randint(0, 10**6), "regime": "unilateral",
        "start_date": f"2022-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        "population": {"needs": {"base": {need: r.choice([0, 0.3, 1.0]) for need in NEEDS}},
                       "inflow": {"rate": f"{r.choice([2, 10, 40])} per day"},
                       "attributes": {"pattern": {"transitional": 0.5, "chronic": 0.5}},
                       "exits": {"exit_when_needs_met": r.random() < 0.5}},
        "services": services, "entry": entry, "referrals": referrals,
        "handoffs": {"unilateral": {"intake": r.choice(["0 min", "10 min"])}},
    }
    if handoffs:
        raw["handoffs"] = {"unilateral": handoff_type(r), "bilateral": handoff_type(r)}
        regime = r.choice(["unilateral", "bilateral", "ties", "mix"])
        assignments: dict[str, Any] = {"ties": "ties", "mix": {"bilateral": 0.3, "unilateral": 0.7}}
        if regime in assignments:
            raw["regimes"] = {"mine": {"assignment": assignments[regime]}}
            regime = "mine"
        raw["regime"] = regime
    if episodes:
        population: dict[str, Any] = raw["population"]  # type: ignore[assignment]
        population["exits"] = exits(r)
        population["attributes"] = {"pattern": {"transitional": 0.6, "episodic": 0.3, "chronic": 0.1},
                                    "gender": {"man": 0.7, "woman": 0.3}, "indigenous": 0.1}
        if r.random() < 0.6:
            population["initial_stock"] = stock(r)
    return validate_data(raw, {}, f"random_{seed}")
