"""Cohorts on the compiled engine: the SimPy engine's tables, row for row (``population.cohort``,
``docs/model.md`` section 3, :meth:`simulator.engine.episodes.Episodes.cohort`).

A cohort is ``count`` clients of one pattern who enter together: right after the initial stock at time 0, or at
its time ``at`` (a callback, none at or after the horizon). Their episodes (source ``cohort``, homeless since
they enter) draw everything from stream ``cohort``: attributes, needs with the cohort's own prevalence (the base,
over the pattern's, over the cohort's ``needs``), and walk-ins along the cohort's own ``entry`` tried before
everyone's. Later episodes of the same clients (returns) are everybody's.

Each scripted scenario checks in the SimPy engine's tables that the mechanism happens, then that both engines
write the same tables (:func:`_compare.compare`); random networks with a cohort follow.
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
import pytest

from simulator.analysis.retention import Cohort, cohort_scenario, retention
from simulator.config import load_config
from simulator.config.loader import validate_data
from simulator.config.schema import Scenario
from simulator.fast import unsupported
from tests.cli import ROOT
from tests.fast import _compare
from tests.fast.test_housing import housed
from tests.fast.test_shelters import shelter_network, sheltered


def of_cohort(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    episodes = tables["episodes"]
    return episodes[episodes["source"] == "cohort"]


def first_visits(tables: dict[str, pd.DataFrame], clients: Any) -> pd.DataFrame:
    visits = tables["visits"]
    return visits[visits["client"].isin(clients) & (visits["episode"] == 1) & (visits["adjustment"] == "walk_in")]


def test_a_cohort_at_0_after_the_stock() -> None:
    """Six clients enter at 0 after a stock of four: they take the next client ids, start at 0 and are homeless
    since then; with shelters, they ask for beds with everyone else (their walk-ins and cycles start before the
    arrival process)."""
    scenario = sheltered(("population.initial_stock", {"count": 4}),
                         ("population.cohort", {"count": 6, "pattern": "transitional"}),
                         ("entry", [{"need": "primary_care", "service": "desk", "probability": 0.5}]))
    for replication in (0, 1):
        tables = _compare.compare(scenario, replication)
        cohort = of_cohort(tables)
        assert len(cohort[cohort["episode"] == 1]) == 6
        first = cohort[cohort["episode"] == 1]
        assert sorted(first["client"]) == [4, 5, 6, 7, 8, 9]
        assert (first["start"] == 0).all()
        assert (first["homeless_since"] == 0).all()
        assert (first["pattern"] == "transitional").all()
        locations = tables["locations"]
        assert locations["client"].isin(first["client"]).any()


def test_a_cohort_later_and_one_after_the_horizon() -> None:
    """A cohort entering on day 3 at 10:00 opens its episodes then (ids after the clients arrived by then); one
    entering at or after the horizon never does."""
    scenario = housed(("population.cohort", {"count": 5, "pattern": "episodic", "at": "3.4 days"}))
    tables = _compare.compare(scenario)
    cohort = of_cohort(tables)
    assert len(cohort) == 5
    assert (cohort["start"] == 3.4).all()
    episodes = tables["episodes"]
    before = episodes[(episodes["source"] == "inflow") & (episodes["start"] < 3.4)]
    assert cohort["client"].min() == before["client"].max() + 1
    for at in ("42 days", "50 days"):  # (the horizon: 2 days of warm-up and 40 observed)
        late = housed(("population.cohort", {"count": 5, "at": at}))
        assert of_cohort(_compare.compare(late)).empty


def test_the_cohort_walks_in_first_to_its_own_entry_points() -> None:
    """Everyone's primary care walk-in goes to the doctor; the cohort's own entry point (the desk) is tried first:
    every member walks in to the desk, the others to the doctor; a cohort entry point of probability 0.5 sends the
    other half on to everyone's."""
    edits: list[tuple[str, Any]] = [
        ("entry", [{"need": "primary_care", "service": "doctor", "probability": 1.0}]),
        ("horizon", "3 days"), ("population.inflow.rate", "6 per day")]
    for p in (1.0, 0.5):
        scenario = housed(*edits, ("population.cohort", {
            "count": 30, "pattern": "chronic", "at": "1 day",
            "entry": [{"need": "primary_care", "service": "desk", "probability": p, "delay": "2 hours"}]}))
        tables = _compare.compare(scenario)
        members = of_cohort(tables)["client"]
        walks = first_visits(tables, members)
        walks = walks[walks["need"] == "primary_care"]
        assert len(walks) > 0
        if p == 1.0:
            assert (walks["service"] == "desk").all()
            assert (walks["arrival"].round(9) == round(1 + 2 / 24, 9)).all()
        else:
            assert set(walks["service"]) == {"desk", "doctor"}
        others = first_visits(tables, tables["episodes"].query("source == 'inflow'")["client"])
        assert set(others[others["need"] == "primary_care"]["service"]) == {"doctor"}


def test_the_cohorts_needs_override_the_patterns() -> None:
    """The base gives primary care to half and housing to all; the chronic pattern adds mental health; the cohort
    has mental health for certain and no housing: its members have exactly the needs it says (and the others
    theirs)."""
    scenario = housed(("population.needs.by_pattern", {"chronic": {"mental_health": 0.4}}),
                      ("population.cohort", {"count": 20, "pattern": "chronic",
                                             "needs": {"mental_health": 1.0, "housing": 0.0}}))
    tables = _compare.compare(scenario)
    needs = tables["needs"]
    members = of_cohort(tables)["client"]
    theirs = needs[needs["client"].isin(members) & (needs["episode"] == 1)]
    assert set(theirs["need"]) == {"mental_health", "primary_care"}
    assert (theirs["need"] == "mental_health").sum() == 20
    others = needs[~needs["client"].isin(members)]
    assert "housing" in set(others["need"])


def test_the_retention_trial() -> None:
    """The calibration's retention trial (:mod:`simulator.analysis.retention`): a cohort at 0, with a walk-in to
    the housing programme in the housing-first arm; both arms give the SimPy engine's tables and shares."""
    base = load_config(ROOT / "tests" / "data" / "small_network.yaml")
    trial = Cohort("housing_first", size=15, follow_up=60, last=20)
    for arm in ("housing_first", "usual_care"):
        tables = _compare.compare(cohort_scenario(base, trial, arm))  # type: ignore[arg-type]
        assert len(of_cohort(tables)) >= 15
    assert retention(base, trial, 2, seed=3, engine="fast") == retention(base, trial, 2, seed=3)


def cohort_network(seed: int) -> Scenario:
    """A random shelter network (:func:`tests.fast.test_shelters.shelter_network`) with a cohort: of a random
    pattern, size and time (at 0 or later), perhaps with needs and entry points of its own."""
    data = shelter_network(seed, outreach=seed % 2 == 0).model_dump(mode="json", by_alias=True, exclude_none=True)
    r = random.Random(seed + 20_000)
    clinics = [name for name, spec in data["services"].items() if spec["kind"] == "clinic"]
    needs = ["primary_care", "mental_health", "substance_use", "income_documents"]
    cohort: dict[str, Any] = {"count": r.choice([1, 5, 30]), "pattern": r.choice(["transitional", "episodic",
                                                                                 "chronic"]),
                              "at": r.choice(["0 days", "0 days", "1 day", "2.3 days"])}
    if r.random() < 0.6:
        cohort["needs"] = {need: r.choice([0.0, 0.5, 1.0]) for need in r.sample(needs, r.randint(1, 3))}
    if r.random() < 0.7:
        cohort["entry"] = [{"need": need, "service": r.choice(clinics), "probability": r.choice([1.0, 0.5]),
                            **({"delay": "6 hours"} if r.random() < 0.5 else {})}
                           for need in r.sample(needs, r.randint(1, 3))]
    data["population"]["cohort"] = cohort
    data["outputs"]["event_log"] = seed % 3 == 0
    scenario = validate_data(data, {}, f"cohort_{seed}")
    assert unsupported(scenario) == []
    return scenario


@pytest.mark.parametrize("seed", range(4))
def test_random_networks_with_a_cohort(seed: int) -> None:
    tables = _compare.compare(cohort_network(seed))
    assert not of_cohort(tables).empty


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 200))
def test_more_random_networks_with_a_cohort(seed: int) -> None:
    _compare.compare(cohort_network(seed))
