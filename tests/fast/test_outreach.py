"""Street outreach on the compiled engine: the SimPy engine's tables, row for row (``docs/model.md`` section
4.3).

Contacts come as a Poisson process (stream ``outreach:<name>``); each meets a client drawn uniformly from the
list of those outdoors, in the order the SimPy engine keeps it (a removal swaps in the last client), so both
engines meet the same client with the same draw. A persuaded client not in the line seeks a bed (an avoidant
client for the rest of the episode, a client in a gap at once), and the worker refers open needs like any
contact; contacts after the warm-up are counted.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.fast import simulate_records as fast_records
from tests.fast import _compare
from tests.fast.test_shelters import CONFIGS, city, rows_of, shelter_network, sheltered

STREET: dict[str, Any] = {"kind": "outreach", "staff": 2, "contacts": "6 per day", "offers_shelter": 1.0}
TO_DESK = {"from": "street", "to": "desk", "needs": ["primary_care"], "probability": 0.5, "tie": 1.0}


def _street(*edits: tuple[str, Any]) -> Any:
    return sheltered(("services.street", STREET), ("services.beds.capacity", 6),
                     ("referrals", [{"from": ["beds", "street"], "to": "desk", "needs": ["primary_care"],
                                     "probability": 0.6},
                                    {"from": "desk", "to": "doctor", "needs": ["primary_care"], "probability": 1.0}]),
                     *edits)


def test_an_outreach_contact_that_persuades() -> None:
    """Everyone avoids shelters and only outreach brings them in: the persuaded clients' first bed comes
    after a contact, the others never ask; each contact after the warm-up counts, and refers needs."""
    scenario = _street(("population.shelter_use.transitional.avoidance", 1.0),
                       ("handoffs.unilateral", {"staff_time": {"sender": "10 min", "receiver": "5 min"}}))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        locations = tables["locations"]
        assert tables["episodes"]["avoidant"].all()
        assert (locations["location"] == "shelter").sum() > 5
        referrals = tables["referrals"]
        assert (referrals["source"] == "street").sum() > 5
        assert (referrals["source"] == "beds").sum() > 0
        # the sender's time is recorded for the shelter and the outreach service (not taken from a server)
        assert {"street", "beds", "desk"} <= set(tables["staff"]["service"])


@pytest.mark.parametrize("offers", [0.0, 0.5])
def test_outreach_that_persuades_nobody_or_some(offers: float) -> None:
    """Without shelter offers the avoidant never sleep in a shelter; with some, clients in an outdoor gap are
    persuaded too (their gap ends early)."""
    scenario = _street(("services.street.offers_shelter", offers),
                       ("population.shelter_use.transitional.avoidance", 0.5),
                       ("population.shelter_use.transitional.gap", "4 days"),
                       ("population.shelter_use.transitional.gap_other_share", 0.0))
    tables = _compare.compare(scenario)
    episodes = tables["episodes"]
    avoidant = episodes.loc[episodes["avoidant"], ["client", "episode"]]
    beds = tables["locations"].merge(avoidant)
    if offers == 0:
        assert not (beds["location"] == "shelter").any()
    else:
        assert (beds["location"] == "shelter").any()


def test_the_counter_and_the_warm_up() -> None:
    """Contacts are counted from the warm-up on: about the rate times the observed window."""
    scenario = _street(("warmup", "6 days"), ("services.street.contacts", "20 per day"))
    _compare.compare(scenario)
    contacts = fast_records(scenario, scenario.seed).counters["outreach_contacts"]
    assert 12 * 20 * 0.6 < contacts < 12 * 20 * 1.4


def test_outreach_without_shelters_meets_nobody() -> None:
    from tests.fast.test_support import variant

    scenario = variant(("services.street", STREET), ("referrals", [TO_DESK]),
                       ("population.exits.exit_when_needs_met", False))
    tables = _compare.compare(scenario)
    assert tables["referrals"].empty or not (tables["referrals"]["source"] == "street").any()


def test_outreach_with_winter_seekers_and_a_full_line() -> None:
    """Outreach meets clients in the line too (no persuasion there), winter seekers (persuaded: regular
    users from then on) and clients in a winter gap."""
    scenario = _street(("start_date", "2022-04-05"), ("services.beds.capacity", 2),
                       ("population.inflow.rate", "5 per day"),
                       ("population.shelter_use.transitional.avoidance", 0.5),
                       ("population.shelter_use.transitional.winter_seek", 0.5),
                       ("population.shelter_use.transitional.winter_outdoor_gap", 0.5))
    for replication in (0, 1, 2):
        tables = _compare.compare(scenario, replication)
        assert rows_of(tables)["refused"].sum() > 10


@pytest.mark.parametrize("seed", range(10))
def test_random_shelter_networks_with_outreach(seed: int) -> None:
    _compare.compare(shelter_network(seed, outreach=True))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 300))
def test_more_random_shelter_networks_with_outreach(seed: int) -> None:
    _compare.compare(shelter_network(seed, outreach=True))


def test_the_outreach_of_small_town() -> None:
    assert (CONFIGS / "small_town.yaml").exists()
    tables = _compare.compare(city("small_town.yaml", "40 days", "bilateral"))
    assert (tables["referrals"]["source"] == "outreach").sum() > 5
