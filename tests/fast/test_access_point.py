"""The access point and the integrated regime on the compiled engine: the SimPy engine's tables, row for row
(``docs/model.md`` sections 4.2, 4.5, 5.4 to 5.6 and 5.8).

Each scripted scenario below is small (the desk and the doctor of :mod:`tests.fast._micro`, with an access point
``point`` between them under the ``integrated`` regime) and checks, in the SimPy engine's tables, that the
mechanism it is about happens (an assessment once per episode, then data entry only; an eligibility refusal;
the score ordering the doctor's line; a loss at the access point, by the handoff's loss time or the point's
patience), then that both engines write the same tables (:func:`_compare.compare`: every table, the counters
and the metrics). The shipped cities follow, whole, under every regime they define (short horizons; a year is
``slow``), with and without equal resources.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.config.loader import load_config
from simulator.config.schema import Scenario, with_regime
from simulator.fast import unsupported
from tests.fast import _compare
from tests.fast.test_shelters import CONFIGS
from tests.fast.test_support import variant

MINUTE = 1 / 1440

#: a few clients a day with two needs walk in to the desk (the second a day later), which refers both needs on to
#: the doctor through the access point (one assessor, 30 minutes of assessment, 5 of data entry)
INTEGRATED: list[tuple[str, object]] = [
    ("horizon", "20 days"), ("warmup", "0 days"),
    ("population.inflow.rate", "6 per day"),
    ("population.needs.base", {"primary_care": 1.0, "mental_health": 1.0}),
    ("services.desk.treats", {"primary_care": 0.0, "mental_health": 0.0}),
    ("services.doctor.treats", {"primary_care": 1.0, "mental_health": 1.0}),
    ("services.point", {"kind": "access_point", "staff": 1}),
    ("entry", [{"need": "primary_care", "service": "desk", "probability": 1.0},
               {"need": "mental_health", "service": "desk", "probability": 1.0, "delay": "1 day"}]),
    ("referrals", [{"from": "desk", "to": "doctor", "needs": ["primary_care", "mental_health"],
                    "probability": 1.0}]),
    ("handoffs.integrated", {"access_point": "point", "assessment": "30 min", "data_entry": "5 min",
                             "latency": "1 hour"}),
    ("regime", "integrated"),
]


def integrated(*edits: tuple[str, object]) -> Scenario:
    scenario = variant(*INTEGRATED, *edits)
    assert unsupported(scenario) == []
    return scenario


def at_point(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    visits = tables["visits"]
    return visits[visits["service"] == "point"].reset_index(drop=True)


def test_an_assessment_once_per_episode_then_data_entry() -> None:
    tables = _compare.compare(integrated())
    visits = at_point(tables)
    served = visits[visits["outcome"] == "served"]
    durations = ((served["end"] - served["start"]) / MINUTE).round(6)
    assert set(durations) == {35.0, 5.0}  # the first referral of an episode is assessed, the second is not
    # the second referral of an episode takes data entry only
    first = served.sort_values("start").groupby(["client", "episode"]).head(1)
    assert set(((first["end"] - first["start"]) / MINUTE).round(6)) == {35.0}
    staff = tables["staff"]
    assessment = staff[staff["purpose"] == "assessment"]
    assert set(assessment["service"]) == {"point"}
    assert set(assessment["adjustment"]) == {"integrated"}
    assert set((assessment["hours"] * 60).round(6)) == {35.0, 5.0}
    referrals = tables["referrals"]
    assert set(referrals["adjustment"]) == {"integrated"}
    assert (referrals["outcome"] == "served").sum() > 50
    assert len(tables["nodes"][tables["nodes"]["kind"] == "access_point"]) == 1


def test_an_eligibility_refusal() -> None:
    tables = _compare.compare(integrated(
        ("handoffs.integrated.eligibility", [{"service": "doctor", "requires_met": ["mental_health"]}])))
    referrals = tables["referrals"]
    refused = referrals[referrals["outcome"] == "ineligible"]
    # (the rule lists mental health, which the doctor would meet: it refuses that need too, per docs/model.md 5.8)
    assert len(refused) > 5
    assert set(refused["need"]) == {"primary_care", "mental_health"}
    assert refused["arrived"].isna().all()
    assert refused["start"].isna().all()


def test_the_score_orders_the_receivers_line() -> None:
    # one doctor, slow; half the clients have a second need (a higher score: served sooner), years homeless
    # and Indigenous identity add to it
    tables = _compare.compare(integrated(
        ("population.inflow.rate", "10 per day"),
        ("population.needs.base", {"primary_care": 1.0, "mental_health": 0.5}),
        ("population.attributes.indigenous", 0.3),
        ("services.doctor.staff", 1), ("services.doctor.service_time", "2 hours"),
        ("services.doctor.discipline", "priority"),
        ("handoffs.integrated.priority", {"complexity": 1.0, "years_homeless": 3.0, "indigenous": 1.5}),
        ("handoffs.integrated.target_pressure", 0.25)))
    referrals = tables["referrals"]
    started = referrals[referrals["start"].notna()]
    assert started["priority"].nunique() > 10
    overtaken = 0
    for row in started.itertuples():
        later = started[(started["arrived"] > row.arrived) & (started["start"] < row.start)]
        overtaken += int((later["priority"] < row.priority).sum())
    assert overtaken > 10  # later arrivals with a higher score served first


def test_losses_at_the_access_point() -> None:
    # a busy assessor with hours, a loss clock and a patience: clients lost in its queue (lost_handoff), gone
    # out of patience (reneged), lost on the way or never showing up, and loss times that run out during the
    # assessment (the doctor's zero-length visit)
    tables = _compare.compare(integrated(
        ("population.inflow.rate", "14 per day"),
        ("services.point", {"kind": "access_point", "staff": 1, "patience": "2 days",
                            "hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00",
                                      "close": "17:00"}}),
        ("handoffs.integrated.assessment", {"dist": "exponential", "mean": "45 min"}),
        ("handoffs.integrated.loss", {"base": 0.1, "hazard": "0.5 per day"})))
    visits = at_point(tables)
    outcomes = set(visits["outcome"])
    assert {"served", "lost_waiting", "reneged"} <= outcomes
    referrals = tables["referrals"]
    assert {"lost_handoff", "reneged", "served"} <= set(referrals["outcome"])
    doctor = tables["visits"][tables["visits"]["service"] == "doctor"]
    assert (doctor["start"].isna() & (doctor["end"] == doctor["arrival"])).any()  # lost during the assessment


def test_an_access_point_unused_keeps_its_queue() -> None:
    # under another regime the access point receives nobody, is paid nothing, and still has its row
    tables = _compare.compare(integrated(("regime", "bilateral")))
    nodes = tables["nodes"]
    assert nodes[nodes["service"] == "point"]["arrivals_observed"].tolist() == [0]


def city(config: str, regime: str, equal: bool = False) -> Scenario:
    scenario = with_regime(load_config(CONFIGS / config, {"horizon": "20 days", "warmup": "5 days"}), regime)
    if equal:  # as ``simulator run --equal-resources`` does
        scenario = scenario.model_copy(update={"resources": scenario.resources.model_copy(update={"equal": True})})
    assert unsupported(scenario) == []
    return scenario


@pytest.mark.parametrize("config", ["montreal_centre.yaml", "small_town.yaml"])
def test_the_cities_whole_under_the_integrated_regime(config: str) -> None:
    tables = _compare.compare(city(config, "integrated"))
    assert (tables["visits"]["adjustment"] == "integrated").sum() > 50
    assert "assessment" in set(tables["staff"]["purpose"])


@pytest.mark.parametrize("config", ["montreal_centre.yaml", "small_town.yaml"])
def test_the_cities_whole_under_every_regime(config: str) -> None:
    for regime in load_config(CONFIGS / config).all_regimes():
        if regime != "integrated":
            _compare.compare(city(config, regime), replication=1)


@pytest.mark.parametrize("config", ["montreal_centre.yaml", "small_town.yaml"])
def test_equal_resources_restaff_the_compiled_engine(config: str) -> None:
    # the re-staffed numbers (docs/model.md section 4.5) are the servers of both engines, and the same FTE
    staffed = {}
    for regime in ("integrated", "organic"):
        tables = _compare.compare(city(config, regime, equal=True))
        staffed[regime] = tables["nodes"]
    assert not staffed["integrated"]["staff"].equals(staffed["organic"]["staff"])


@pytest.mark.slow
@pytest.mark.parametrize("config", ["montreal_centre.yaml", "small_town.yaml"])
def test_the_cities_for_a_year_under_the_integrated_regime(config: str) -> None:
    _compare.compare(with_regime(load_config(CONFIGS / config), "integrated"))
