"""Staff, costs and equal resources (docs/model.md section 4.5), against counts worked out by hand."""

from __future__ import annotations

import pytest

from simulator.config.loader import ConfigError, validate_data
from simulator.config.resources import paid, staffing
from simulator.config.schema import with_regime
from tests.strategies import base_data


def scenario(resources: dict | None = None, **staff: int):
    data = base_data()  # clinics clsc 2, mental_health 1, addiction 1, income 1; access point 1
    for name, count in staff.items():
        data["services"][name]["staff"] = count
    if resources is not None:
        data["resources"] = resources
    return validate_data(data, {}, "<test>")


def test_as_declared_the_access_point_is_paid_only_under_the_integrated_regime() -> None:
    base = scenario(coordinated_access=3)
    organic, integrated = staffing(with_regime(base, "organic")), staffing(with_regime(base, "integrated"))
    assert organic["coordinated_access"] == 0
    assert integrated["coordinated_access"] == 3
    assert {k: v for k, v in organic.items() if k != "coordinated_access"} == \
        {k: v for k, v in integrated.items() if k != "coordinated_access"}
    # shelters 2 + 1 + 0, outreach 2, clinics 2 + 1 + 1 + 1
    assert sum(organic.values()) == 10
    assert sum(integrated.values()) == 13


def test_from_clinics_takes_each_assessor_from_the_clinic_with_most_staff() -> None:
    base = scenario({"equal": True, "rule": "from_clinics"}, clsc=4, addiction=2, coordinated_access=3)
    staff = staffing(with_regime(base, "integrated"))
    # clsc 4 -> 3 -> 2, then a tie with addiction at 2: the clsc comes first in the file -> 1
    assert (staff["clsc"], staff["mental_health"], staff["addiction"], staff["income"]) == (1, 1, 2, 1)
    assert staff["coordinated_access"] == 3
    organic = staffing(with_regime(base, "organic"))
    assert sum(staff.values()) == sum(organic.values())


def test_to_clinics_gives_the_access_point_staff_to_the_clinics_by_largest_remainder() -> None:
    base = scenario({"equal": True, "rule": "to_clinics"}, clsc=4, addiction=2, coordinated_access=3)
    staff = staffing(with_regime(base, "organic"))
    # shares of 3 over 4, 1, 2, 1 (of 8): 1.5, 0.375, 0.75, 0.375 -> floors 1, 0, 0, 0; the 2 left go to the
    # largest remainders: addiction (0.75), then clsc (0.5)
    assert (staff["clsc"], staff["mental_health"], staff["addiction"], staff["income"]) == (6, 1, 3, 1)
    integrated = staffing(with_regime(base, "integrated"))
    assert integrated["clsc"] == 4
    assert sum(staff.values()) == sum(integrated.values())


def test_an_access_point_the_clinics_cannot_staff_is_refused_with_the_rule_named() -> None:
    with pytest.raises(ConfigError, match=r"resources\.rule.*clinics can give 1"):
        scenario({"equal": True}, clsc=2, coordinated_access=3)


def test_paid_hours_and_cost() -> None:
    base = scenario({"hours_per_week": "35 h", "hourly_cost": {"clinic": 60, "shelter": 30}})
    staff = staffing(with_regime(base, "organic"))
    pay = paid(base, staff, 70.0)  # ten weeks
    assert pay.fte == 10
    assert pay.hours == pytest.approx(10 * 350)
    # clinics 5 FTE x 350 h x 60 + shelters 3 x 350 x 30; outreach has no cost
    assert pay.cost == pytest.approx(5 * 350 * 60 + 3 * 350 * 30)


def test_a_run_reports_its_staff_and_equal_resources_re_staff_the_clinics() -> None:
    import simulator

    base = scenario({"equal": True, "rule": "to_clinics", "hourly_cost": {"clinic": 10}}, coordinated_access=2)
    run = simulator.simulate(base, seed=1, regime="organic")
    metrics = run.metrics.set_index(["metric", "dimension"])["value"]
    days = base.horizon
    assert metrics[("staff_fte", "all")] == 12  # 10 + the access point's 2 given to the clinics
    assert metrics[("staff_hours", "all")] == pytest.approx(12 * 35 * days / 7)
    assert metrics[("staff_cost", "all")] == pytest.approx(7 * 35 * days / 7 * 10)
    nodes = run.tables["nodes"].set_index("service")["staff"]
    assert nodes["clsc"] == 3  # 2 + 2 x 2/5 = 0.8 -> the largest remainder goes first to the clsc
