"""What the compiled engine runs, and why it refuses the rest.

:func:`unsupported` reads a scenario and lists every field the compiled engine does not implement yet, each
as ``<field path>: <what is missing>``; an empty list means the scenario runs on it with the rules of
``docs/model.md`` (the contract of both engines). It covers the whole model: the textbook queues
(``configs/textbook/``), networks of clinics like them, the shelters, street outreach and housing programmes around
them, the access point of the integrated regime, cohorts and the event log (the shipped cities run whole, under
every regime they define). What it still refuses is what the schema itself does not allow (a regime mixing in
integrated handoffs):

* services: clinics and the access point (section 4.2), with or without opening ``hours``, any ``service_time``
  and ``patience`` distribution, ``waitlist_cap``, ``treats``; ``discipline`` ``fifo`` or ``priority`` (a priority line,
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
  ``winter`` season; a ``cohort`` (``count`` clients of its ``pattern`` at 0 after the initial stock or at ``at``,
  with its own ``needs`` and its own ``entry`` tried first, stream ``cohort``);
* routes: ``entry`` (walk-ins, with their delays, to clinics and housing programmes), ``referrals`` between
  clinics (section 5.2) and from shelters and outreach services to clinics and housing programmes (the contacts
  of section 5.1), ``handoffs.re_referral_after``, ``prerequisites`` (section 3.7);
* regime: every assignment (``unilateral``, ``bilateral``, ``multilateral``, ``integrated``, ``ties`` or any
  mix the schema allows), with or without ``escalation`` (every built-in regime and their hybrids); every
  parameter of ``handoffs.unilateral``, ``handoffs.bilateral``, ``handoffs.multilateral`` (latency, loss, intake,
  staff time and accompaniment, queue jump, ``reserved_slot``) and ``handoffs.integrated`` (section 5.8: the
  access point's queue with its staff, hours and patience, the assessment once per episode and ``data_entry``,
  recorded as staff time, the ``eligibility`` rules, the ``priority`` weights and ``target_pressure`` of the
  score); the case conference of section 5.7 (its calendar: ``every``, ``weekday``, ``time``, ``days``,
  ``holidays``; ``duration``, ``participants`` and the seats they miss while closed, ``max_cases``; escalation
  with ``min_open_needs`` and ``after``), the regime's own ``conference`` included;
* ``resources`` (section 4.5): ``--equal-resources`` re-staffs the clinics and the access point in the config
  layer (:func:`simulator.config.resources.staffing`), whose numbers the engine reads as its servers;
* outputs: every table, the event log (``event_log``: the ``events`` table) included, and ``census_time`` and
  ``count_date``.
"""

from __future__ import annotations

from simulator.config.schema import AccessPoint, Clinic, Housing, Outreach, Scenario, Shelter

#: why each kind of service is refused (the engine has every kind of the schema: none is refused today)
_KINDS: dict[str, str] = {}


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
        if not isinstance(spec, Clinic | AccessPoint | Shelter | Outreach | Housing):
            reason = _KINDS.get(spec.kind, f"{spec.kind} services are not in the fast engine yet")
            problems.append(f"{where}.kind: {reason}")
            continue

    assignment = scenario.active_regime.assignment
    if isinstance(assignment, dict) and "integrated" in assignment:
        # (the schema refuses such a mix, and the SimPy engine pays the access point only under ``integrated``)
        problems.append(f"regime: {scenario.regime!r} mixes in integrated handoffs, which the schema does not allow")
    return problems


def check_supported(scenario: Scenario) -> None:
    """Raise :class:`FastEngineError` naming every unsupported field of ``scenario`` (nothing if it runs)."""
    problems = unsupported(scenario)
    if problems:
        raise FastEngineError(scenario.name, problems)
