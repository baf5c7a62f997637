"""Episodes on the compiled engine: self-resolution, returns and the initial stock give the SimPy engine's
tables, row for row (``docs/model.md`` sections 3.4 to 3.7).

* self-resolution: one unit exponential budget per episode, spent at the rate ``R / mean`` (``R`` the hazard
  ratios of the needs not met), the exit rescheduled each time a need with a ratio is met;
* the end of an episode stops every pathway where it waits (a walk-in's delay, a handoff on its way, a line,
  a service): visits ``exited``, referrals ``client_exited``, needs ``open_at_exit``;
* returns after a self-resolved episode: drawn at the start of the episode (the share), then a time
  ``mean * E / Q`` (``Q`` the return hazard ratios of the needs open at the exit) and a new episode of the
  same client (source ``return``, stream ``returns``, its own walk-ins);
* the initial stock: clients already homeless at 0 (stream ``stock``, a pattern mix and a time homeless of
  their own), without walk-ins.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fast import _compare, _random
from tests.fast.test_handoffs import NETWORK
from tests.fast.test_support import variant

EXITS = {"exit_when_needs_met": False,
         "self_resolution_mean": {"transitional": "4 days", "chronic": "15 days"},
         "self_resolution_hazard_ratio": {"primary_care": 0.5, "mental_health": 0.7},
         "return_after_resolution_mean": "3 days", "return_after_resolution_share": 0.7,
         "return_hazard_ratio": {"primary_care": 2.0}}
PATTERNS = {"transitional": 0.7, "chronic": 0.3}


def _episodes(*edits: tuple[str, Any]) -> Any:
    """The three clinics of the handoff tests, under the bilateral regime, with self-resolution and returns."""
    return variant(*NETWORK, ("regime", "bilateral"), ("population.attributes.pattern", PATTERNS),
                   ("population.exits", EXITS), *edits)


def test_self_resolution_and_returns() -> None:
    scenario = _episodes()
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        episodes = tables["episodes"]
        assert _compare.counts(tables, "episodes", "exit_reason")["self_resolved"] > 100
        returns = episodes[episodes["source"] == "return"]
        assert len(returns) > 50
        assert (returns["episode"] > 1).all()
        assert (returns["homeless_since"] == returns["start"]).all()
        # a share of the self-resolved episodes never return
        resolved = episodes[episodes["exit_reason"] == "self_resolved"]
        assert len(returns) < len(resolved)
        assert "open_at_exit" in set(tables["needs"]["outcome"])


def test_an_exit_stops_every_pathway_where_it_waits() -> None:
    """Short self-resolution times cut pathways in a walk-in's delay, on a handoff's way, in a line and in
    service: the visits and referrals under way end with the episode."""
    scenario = _episodes(("population.exits.self_resolution_mean", {"transitional": "1 day", "chronic": "2 days"}))
    tables = _compare.compare(scenario)
    visits = tables["visits"]
    exited = visits[visits["outcome"] == "exited"]
    assert exited["start"].isna().any()  # left the line
    assert exited["start"].notna().any()  # left during the service
    assert _compare.counts(tables, "referrals", "outcome")["client_exited"] > 10
    episodes = tables["episodes"].set_index(["client", "episode"])
    for _, visit in exited.iterrows():
        assert episodes.loc[(visit["client"], visit["episode"]), "end"] == visit["end"]


def test_hazard_ratios_reschedule_the_exit() -> None:
    """Needs met at a fast clinic with ratios far from 1: each one reschedules the episode's exit."""
    scenario = _episodes(("population.exits.self_resolution_hazard_ratio",
                          {"primary_care": 0.2, "mental_health": 5.0, "substance_use": 0.5}),
                         ("population.exits.self_resolution_mean", {"transitional": "10 days", "chronic": "10 days"}))
    tables = _compare.compare(scenario)
    needs = tables["needs"]
    met = needs[needs["outcome"] == "met"]
    resolved = tables["episodes"][tables["episodes"]["exit_reason"] == "self_resolved"]
    both = met.merge(resolved, on=["client", "episode"], suffixes=("_need", ""))
    assert len(both) > 20  # episodes that self-resolved after a need with a ratio was met


def test_self_resolution_with_exits_when_needs_are_met() -> None:
    scenario = _episodes(("population.exits.exit_when_needs_met", True))
    tables = _compare.compare(scenario)
    reasons = _compare.counts(tables, "episodes", "exit_reason")
    assert reasons["needs_met"] > 10
    assert reasons["self_resolved"] > 10


@pytest.mark.parametrize("pattern", [None, {"transitional": 0.2, "episodic": 0.3, "chronic": 0.5}])
def test_the_initial_stock(pattern: dict[str, float] | None) -> None:
    """Clients already homeless at 0, with a pattern mix of their own (or the inflow's), a time homeless drawn
    from a lognormal, and no walk-ins; they self-resolve, return and walk in when they return."""
    stock: dict[str, Any] = {"count": 120, "time_homeless": {"dist": "lognormal", "median": "1 year", "sigma": 1.0}}
    if pattern is not None:
        stock["pattern"] = pattern
    scenario = _episodes(("population.initial_stock", stock),
                         ("population.exits.self_resolution_mean", {"transitional": "4 days", "episodic": "8 days",
                                                                    "chronic": "15 days"}))
    tables = _compare.compare(scenario)
    episodes = tables["episodes"]
    first = episodes[episodes["source"] == "stock"]
    assert len(first) == 120
    assert sorted(first["client"]) == list(range(120))
    assert (first["homeless_since"] < 0).all()
    assert (first["start"] == 0).all()
    assert not tables["visits"]["client"].isin(first["client"][first["exit_reason"] == "censored"]).any()
    returned = episodes[(episodes["source"] == "return") & (episodes["client"] < 120)]
    assert len(returned) > 10
    if pattern is not None:
        assert "episodic" in set(first["pattern"])


def test_a_stock_without_exits_or_walk_ins() -> None:
    """The initial stock alone in the scripted desk-and-doctor scenario: censored at the horizon, untouched."""
    scenario = variant(("population.initial_stock", {"count": 30}))
    tables = _compare.compare(scenario)
    stock = tables["episodes"][tables["episodes"]["source"] == "stock"]
    assert len(stock) == 30
    assert set(stock["exit_reason"]) == {"censored"}
    assert (stock["homeless_since"] == 0).all()


@pytest.mark.parametrize("seed", range(8))
def test_random_networks_with_exits_returns_and_a_stock(seed: int) -> None:
    _compare.compare(_random.network(seed, handoffs=True, episodes=True))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8, 200))
def test_more_random_networks_with_exits_returns_and_a_stock(seed: int) -> None:
    _compare.compare(_random.network(seed, handoffs=True, episodes=True))
