"""Identifiers become labels: services by their organisation, needs, regimes and parameters in words."""

from __future__ import annotations

from simulator.report.labels import Labels, titled

SCENARIO = {
    "services": {
        "old_brewery_men": {"kind": "shelter", "organisation": "Old Brewery Mission"},
        "old_brewery_women": {"kind": "shelter", "organisation": "Old Brewery Mission"},
        "women_network": {"kind": "shelter", "organisation": "women's shelters"},
        "mental_health": {"kind": "clinic", "organisation": "CIUSSS Centre-Sud specialised mental health"},
        "clsc": {"kind": "clinic"},
        "men_shelter": {"kind": "shelter", "organisation": None},
    },
    "regimes": {"hybrid_liaison": {"description": "60% bilateral"}},
}


def test_services_are_called_by_their_organisation() -> None:
    labels = Labels.from_scenario(SCENARIO)
    assert labels.service("mental_health") == "CIUSSS Centre-Sud specialised mental health"
    assert labels.service("women_network") == "Women's shelters"


def test_services_of_one_organisation_are_told_apart() -> None:
    labels = Labels.from_scenario(SCENARIO)
    assert labels.service("old_brewery_men") == "Old Brewery Mission (men)"
    assert labels.service("old_brewery_women") == "Old Brewery Mission (women)"


def test_services_without_organisation_are_title_cased() -> None:
    labels = Labels.from_scenario(SCENARIO)
    assert labels.service("men_shelter") == "Men Shelter"
    assert labels.service("clsc") == "CLSC"  # no vowel: an acronym
    assert labels.service("not_in_the_scenario") == "Not In The Scenario"
    assert titled("income_documents") == "Income Documents"


def test_no_scenario_gives_plain_labels() -> None:
    labels = Labels.from_scenario(None)
    assert labels.service("mental_health") == "Mental Health"
    assert labels.regime("organic") == "Organic"


def test_needs_regimes_groups_and_adjustment_types() -> None:
    labels = Labels.from_scenario(SCENARIO)
    assert labels.need("income_documents") == "income and documents"
    assert labels.need("substance_use") == "substance use"
    assert labels.regime("hybrid_liaison") == "Hybrid liaison"
    assert labels.regime_prose("hybrid_liaison") == "hybrid liaison"
    assert labels.group("indigenous") == "Indigenous people"
    assert labels.adjustment("multilateral") == "multilateral (case conference)"


def test_a_dimension_is_read_by_its_metric() -> None:
    # mental_health is a service of this scenario and a need of every scenario
    labels = Labels.from_scenario(SCENARIO)
    assert labels.dimension("wait_median_days", "mental_health") == "CIUSSS Centre-Sud specialised mental health"
    assert labels.dimension("unmet_need_days", "mental_health") == "mental health"
    assert labels.dimension("unmet_need_days_per_client", "women") == "women"
    assert labels.dimension("referrals_sent", "bilateral") == "bilateral (worker to worker)"


def test_parameters_name_their_parent() -> None:
    labels = Labels.from_scenario(SCENARIO)
    assert labels.parameter("services.old_brewery_men.capacity") == "Old Brewery Mission (men) — capacity"
    assert labels.parameter("services.clsc.service_time") == "CLSC — service time"
    assert labels.parameter("population.needs.base.mental_health") == "Needs — base — mental health"
    assert labels.parameter("handoffs.bilateral.loss.base") == "Bilateral handoffs — loss — base"
    assert labels.parameter("regimes.hybrid_liaison.escalation.after") == "Hybrid liaison regime — escalation — after"
    assert labels.parameter("warmup") == "Warm-up"
