"""The shipped cities cut down to a set of mechanisms, for comparing the engines one mechanism at a time.

:func:`part_of` keeps the services of the given kinds (with the referral edges and walk-ins between them),
and optionally shelter use, prerequisites and the case conference; the access point and the integrated
regime's settings and cohorts always go. ``regime`` ``ties`` is the organic regime's assignment without its
escalation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from simulator.config.loader import load_data, validate_data
from simulator.config.schema import Scenario
from simulator.fast import unsupported

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
EVERY_KIND = frozenset({"clinic", "shelter", "outreach", "housing"})


def part_of(config: str, horizon: str, regime: str, warmup: str = "10 days", kinds: frozenset[str] = EVERY_KIND,
            shelter_use: bool = True, prerequisites: bool = True, conference: bool = False) -> Scenario:
    """The scenario of ``config`` with only the named parts, under ``regime`` (one the compiled engine runs)."""
    raw, _ = load_data(CONFIGS / config)
    data: dict[str, Any] = copy.deepcopy(raw)
    kept = {name for name, spec in data["services"].items() if spec["kind"] in kinds}
    data["services"] = {name: spec for name, spec in data["services"].items() if name in kept}
    referrals = []
    for edge in data["referrals"]:
        senders = edge["from"] if isinstance(edge["from"], list) else [edge["from"]]
        senders = [sender for sender in senders if sender in kept]
        if senders and edge["to"] in kept:
            referrals.append({**edge, "from": senders})
    data["referrals"] = referrals
    data["entry"] = [walk for walk in data["entry"] if walk["service"] in kept]
    if not shelter_use:
        data["population"].pop("shelter_use", None)
    if not prerequisites:
        data.pop("prerequisites", None)
    data["population"].pop("cohort", None)
    data["handoffs"].pop("integrated", None)
    if conference:
        data["regimes"] = {name: spec for name, spec in data.get("regimes", {}).items()
                           if spec.get("assignment") != "integrated"}
    else:
        data.pop("regimes", None)
        data["handoffs"].get("multilateral", {}).pop("conference", None)
    if regime == "ties":
        data["regimes"] = {**data.get("regimes", {}), "mine": {"assignment": "ties"}}
        regime = "mine"
    data.update(horizon=horizon, warmup=warmup, regime=regime)
    scenario = validate_data(data, {}, f"{config} ({', '.join(sorted(kinds))})")
    assert unsupported(scenario) == []
    return scenario
