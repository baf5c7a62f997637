"""What the compiled engine runs, and why it refuses the rest.

:func:`unsupported` reads a scenario and lists every field the compiled engine does not implement yet, each
as ``<field path>: <what is missing>``; an empty list means the scenario runs on it with the rules of
``docs/model.md`` (the contract of both engines). The covered subset is the one of the textbook queues
(``configs/textbook/``), of networks of clinics like them, and of the shelters, street outreach and housing
programmes around them:

* services: clinics, with or without opening ``hours``, any ``service_time`` and ``patience``
  distribution, ``waitlist_cap``, ``treats``; ``discipline`` ``fifo`` or ``priority`` (a priority line,
  where the hours' "closed" requests come first, then coordination work, then queue jumps, then the other
  clients, each group first come, first served); shelters with every field (``capacity``,
  ``winter_capacity``, ``intake``, ``serves``, ``staff``: section 4.1); outreach services (``contacts``,
  ``offers_shelter``, ``staff``: section 4.3); housing programmes with every field (``slots`` with
  ``tenancy``, ``initial_occupancy``, ``reserved_share`` and ``reserved_release``, or ``vacancies``;
  ``move_in``, ``discipline``, ``patience``, ``offer_refusal``, ``support``: section 4.4), their reserved
  places taken by the case conference's applications (with ``handoffs.multilateral.reserved_slot``) or, once
  released, by anyone;
* population: Poisson ``inflow`` (``seasonal`` multipliers included), attribute mixes, ``needs.base`` and
  ``needs.by_pattern``, the ``initial_stock``, every field of ``exits`` (self-resolution with its hazard
  ratios, returns after a self-resolved episode and after housing with theirs, ``exit_when_needs_met``), every
  field of ``shelter_use`` (stays, gaps, ``gap_other_share``,
  avoidance, ``winter_outdoor_gap``, ``winter_seek``, ``stay_ratio``, ``seek_when_met``) and the
  ``winter`` season; no cohort;
* routes: ``entry`` (walk-ins, with their delays, to clinics and housing programmes), ``referrals`` between
  clinics (section 5.2) and from shelters and outreach services to clinics and housing programmes (the contacts
  of section 5.1), ``handoffs.re_referral_after``, ``prerequisites`` (section 3.7);
* regime: assignment ``unilateral``, ``bilateral``, ``multilateral``, ``ties`` or any mix of the three, with or
  without ``escalation`` (``organic``, ``multilateral`` and their hybrids); every parameter of
  ``handoffs.unilateral``, ``handoffs.bilateral`` and ``handoffs.multilateral`` (latency, loss, intake, staff
  time and accompaniment, queue jump, ``reserved_slot``); the case conference of section 5.7 (its calendar:
  ``every``, ``weekday``, ``time``, ``days``, ``holidays``; ``duration``, ``participants`` and the seats they
  miss while closed, ``max_cases``; escalation with ``min_open_needs`` and ``after``), the regime's own
  ``conference`` included;
* outputs: every table but the event log (``census_time`` and ``count_date`` included).
"""

from __future__ import annotations

from simulator.config.schema import Clinic, Housing, Outreach, Scenario, Shelter

#: why each kind of service is refused (the kinds the engine has are ``clinic``, ``shelter``, ``outreach`` and
#: ``housing``)
_KINDS = {
    "access_point": "the access point (integrated regime) is not in the fast engine yet",
}


class FastEngineError(ValueError):
    """The scenario uses features the compiled engine does not implement; ``problems`` lists each one."""

    def __init__(self, scenario: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"scenario {scenario!r} cannot run on the fast engine (engine='fast'); run it on the SimPy "
                         f"engine (engine='simpy'), or remove what is listed:\n{lines}")


def unsupported(scenario: Scenario) -> list[str]:
    """Every feature of ``scenario`` the compiled engine does not implement, as ``field.path: reason``."""
    problems: list[str] = []
    for name, spec in scenario.services.items():
        where = f"services.{name}"
        if not isinstance(spec, Clinic | Shelter | Outreach | Housing):
            reason = _KINDS.get(spec.kind, f"{spec.kind} services are not in the fast engine yet")
            problems.append(f"{where}.kind: {reason}")
            continue

    population = scenario.population
    if population.cohort is not None:
        problems.append("population.cohort: cohorts are not in the fast engine yet")

    regime = scenario.active_regime
    assignment = regime.assignment
    if isinstance(assignment, dict):
        if "integrated" in assignment:  # (the schema refuses such a mix; kept for a hand-made regime)
            problems.append(f"regime: {scenario.regime!r} mixes in integrated handoffs, which need the access point "
                            "(not in the fast engine yet)")
    elif assignment not in ("unilateral", "bilateral", "multilateral", "ties"):
        problems.append(f"regime: {scenario.regime!r} assigns {assignment!r}; the fast engine runs unilateral, "
                        "bilateral and multilateral handoffs (assignment unilateral, bilateral, multilateral, ties "
                        "or a mix of the three), not the integrated path of the access point yet")

    if scenario.outputs.event_log:
        problems.append("outputs.event_log: the event log is not in the fast engine yet")
    return problems


def check_supported(scenario: Scenario) -> None:
    """Raise :class:`FastEngineError` naming every unsupported field of ``scenario`` (nothing if it runs)."""
    problems = unsupported(scenario)
    if problems:
        raise FastEngineError(scenario.name, problems)
