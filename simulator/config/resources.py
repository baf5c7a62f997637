"""Staff, their cost, and regimes compared on equal resources.

A regime's coordination work is done by the staff the scenario declares: calls, accompaniments and conference
seats take clinic staff away from clients (docs/model.md section 5.6), and the integrated regime's access point
has assessors of its own. Compared as declared, the integrated regime therefore has more staff than the
others. With ``resources.equal`` every regime is re-staffed to the same number of full-time equivalents by a
stated rule (:func:`staffing`), and every run reports its paid staff hours and their cost (:func:`paid`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.config.schema import AccessPoint, Clinic, Outreach, Scenario, Shelter


class StaffingError(ValueError):
    """The rule cannot re-staff the regime (the clinics have too few staff to give)."""


def uses_access_point(scenario: Scenario) -> bool:
    """Whether the scenario's active regime sends handoffs through the access point."""
    return scenario.active_regime.assignment == "integrated"


def _from_clinics(staff: dict[str, int], clinics: list[str], needed: int, access_point: str) -> None:
    total = sum(staff[name] for name in clinics)
    if needed > total - len(clinics):
        raise StaffingError(
            f"resources.rule from_clinics: the access point {access_point!r} needs {needed} staff and the "
            f"clinics can give {total - len(clinics)} of their {total} (each keeps one); lower the access "
            "point's staff or use rule: to_clinics")
    for _ in range(needed):
        donor = max(clinics, key=lambda name: (staff[name], -clinics.index(name)))
        staff[donor] -= 1


def _to_clinics(staff: dict[str, int], clinics: list[str], extra: int) -> None:
    """Give ``extra`` staff to the clinics in proportion to their staff, by largest remainder (ties: first in
    the file)."""
    total = sum(staff[name] for name in clinics)
    shares = [extra * staff[name] / total for name in clinics]
    given = [math.floor(share) for share in shares]
    order = sorted(range(len(clinics)), key=lambda i: (-(shares[i] - given[i]), i))
    for i in order[:extra - sum(given)]:
        given[i] += 1
    for name, add in zip(clinics, given, strict=True):
        staff[name] += add


def staffing(scenario: Scenario) -> dict[str, int]:
    """The staff (FTE) of every staffed service under the scenario's active regime; the access point's are 0
    under a regime that does not use it. With ``resources.equal`` the regime is re-staffed by the rule."""
    staff: dict[str, int] = {}
    clinics: list[str] = []
    access_points: list[str] = []
    for name, spec in scenario.services.items():
        if isinstance(spec, Clinic):
            staff[name] = spec.staff
            clinics.append(name)
        elif isinstance(spec, AccessPoint):
            staff[name] = spec.staff
            access_points.append(name)
        elif isinstance(spec, Shelter | Outreach):
            staff[name] = spec.staff
    integrated = scenario.handoffs.integrated
    point = integrated.access_point if integrated is not None else None
    used = uses_access_point(scenario)
    resources = scenario.resources
    for name in access_points:
        if name != point or not used:
            staff[name] = 0
    if resources.equal and point is not None and point in access_points and clinics:
        declared = next(spec.staff for name, spec in scenario.services.items() if name == point
                        and isinstance(spec, AccessPoint))
        if used and resources.rule == "from_clinics":
            _from_clinics(staff, clinics, declared, point)
        elif not used and resources.rule == "to_clinics":
            _to_clinics(staff, clinics, declared)
    return staff


@dataclass(frozen=True)
class Paid:
    """Staff paid over a window: full-time equivalents, hours and their cost."""

    fte: int
    hours: float
    cost: float


def paid(scenario: Scenario, staff: dict[str, int], days: float) -> Paid:
    """What the staff of ``staff`` are paid over ``days``: FTE x ``hours_per_week`` a week, at the hourly cost
    of their kind of service."""
    resources = scenario.resources
    hours_each = resources.hours_per_week * 24 * days / 7
    fte = 0
    cost = 0.0
    costs: dict[str, float] = {str(kind): value for kind, value in resources.hourly_cost.items()}
    for name, count in staff.items():
        fte += count
        cost += count * hours_each * costs.get(scenario.services[name].kind, 0.0)
    return Paid(fte, fte * hours_each, cost)
