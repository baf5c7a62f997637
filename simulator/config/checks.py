"""Checks that span several parts of a scenario: names that must exist, probabilities that must add up.

They read the raw (merged) data rather than the validated objects, so that they still run, and still report,
when some other part of the file is broken: the user sees every problem in one pass.

One root cause gives one message. A check whose inputs are themselves invalid (a probability of 1.5, a service
of an unknown kind, a need that does not exist) says nothing: the schema already reports that input. A name
that is unknown, or of the wrong kind, is reported once, at its first use, with the other places it is used.
"""

from __future__ import annotations

from typing import Any

from simulator.config.paths import PathKey, dotted
from simulator.config.schema import BUILTIN_REGIMES, PATTERNS, SERVICE_NEEDS

Finding = tuple[PathKey, str]


def _a(kind: str) -> str:
    """A kind of service with its article, as a sentence writes it ('an access_point', 'a clinic')."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _prob(value: Any) -> float | None:
    """A probability as the schema accepts it, or None when the schema refuses it (it reports that itself)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return float(value)
    return None


SERVICE_KINDS = ("clinic", "shelter", "outreach", "housing", "access_point")
_SHOWN_PLACES = 3


def _places(paths: list[PathKey]) -> str:
    """``referrals[3].to and 2 more places``: the other uses of a name, for a message given once."""
    shown = [dotted(path) for path in paths[:_SHOWN_PLACES]]
    more = len(paths) - len(shown)
    text = ", ".join(shown) + (f" and {more} more place{'s' if more > 1 else ''}" if more else "")
    return f"; also used at {text}"


def cross_check(data: dict[str, Any]) -> list[Finding]:
    """Every cross-reference problem of raw scenario data, as ``(field path, message)`` pairs."""
    found: list[Finding] = []
    services = _dict(data.get("services"))
    kinds = {name: _dict(spec).get("kind") for name, spec in services.items()}
    known = ", ".join(sorted(str(name) for name in services)) or "none defined"
    unknown: dict[str, list[PathKey]] = {}
    wrong_kind: dict[tuple[str, str, tuple[str, ...]], list[PathKey]] = {}

    def service_ref(path: PathKey, name: Any, allowed: tuple[str, ...], role: str) -> str | None:
        if not isinstance(name, str):
            return None
        if name not in services:
            unknown.setdefault(name, []).append(path)
            return None
        if kinds[name] not in SERVICE_KINDS:
            return None  # a service of an unknown kind (or no kind): the schema reports it
        if kinds[name] not in allowed:
            wrong_kind.setdefault((name, role, allowed), []).append(path)
            return None
        return name

    # referral edges
    onward: dict[tuple[str, str], float] = {}
    last_edge: dict[tuple[str, str], int] = {}
    unsure: set[tuple[str, str]] = set()  # a term of the sum is invalid: the sum is not checked
    referred_on: set[tuple[str, str]] = set()
    for i, edge in enumerate(_list(data.get("referrals"))):
        edge = _dict(edge)
        raw = edge.get("from")
        senders = [(("referrals", i, "from"), raw)] if not isinstance(raw, list) else [
            (("referrals", i, "from", j), name) for j, name in enumerate(raw)]
        sources = [service_ref(path, name, ("clinic", "shelter", "outreach", "access_point", "housing"),
                               "a referral's sender") for path, name in senders]
        target = service_ref(("referrals", i, "to"), edge.get("to"), ("clinic", "housing"),
                             "a referral's receiver")
        probability = _prob(edge.get("probability"))
        for need in _list(edge.get("needs")):
            if need not in SERVICE_NEEDS:
                continue  # not a need: the schema reports it
            if target and kinds[target] == "housing" and need != "housing":
                found.append((("referrals", i, "needs"),
                              f"{target!r} is a housing programme and meets only the 'housing' need, not {need!r}"))
            if target and kinds[target] == "clinic" and need == "housing":
                found.append((("referrals", i, "needs"),
                              f"{target!r} is a clinic; send the 'housing' need to a housing programme"))
            for source in sources:
                if source:
                    referred_on.add((source, need))
                    if probability is None:
                        unsure.add((source, need))
                        continue
                    onward[(source, need)] = onward.get((source, need), 0.0) + probability
                    last_edge[(source, need)] = i
        if target is not None and target in sources:
            found.append((("referrals", i, "to"), "a referral cannot go from a service to itself"))
    for (source, need), total in onward.items():
        treats = _dict(services[source]).get("treats", {})
        treated = _prob(_dict(treats).get(need, 0.0))
        if (source, need) in unsure or treated is None or not isinstance(treats, dict):
            continue
        if total + treated > 1 + 1e-9:
            found.append((("referrals", last_edge[(source, need)], "probability"),
                          f"from {source!r} for need {need!r}, 'treats' ({treated:g}) plus the referral "
                          f"probabilities ({total:g}) exceed 1"))

    # a clinic that neither treats a need nor passes it on is a dead end for referrals carrying it
    for i, edge in enumerate(_list(data.get("referrals"))):
        edge = _dict(edge)
        target = edge.get("to")
        if not isinstance(target, str) or kinds.get(target) != "clinic":
            continue
        raw_treats = _dict(services[target]).get("treats", {})
        if not isinstance(raw_treats, dict):
            continue  # the schema reports it
        for need in _list(edge.get("needs")):
            if need in SERVICE_NEEDS and need != "housing" and need not in raw_treats \
                    and (target, need) not in referred_on:
                found.append((("referrals", i, "needs"),
                              f"{target!r} neither treats {need!r} nor refers it on: add it to "
                              f"services.{target}.treats"))

    cohort_entry = _list(_dict(_dict(data.get("population")).get("cohort")).get("entry"))
    walks: list[tuple[PathKey, Any]] = [(("entry", i), walk) for i, walk in enumerate(_list(data.get("entry")))]
    walks += [(("population", "cohort", "entry", i), walk) for i, walk in enumerate(cohort_entry)]
    for place, walk in walks:
        named = service_ref((*place, "service"), _dict(walk).get("service"), ("clinic", "housing"),
                            "a walk-in service")
        kind = kinds[named] if named is not None else None
        need = _dict(walk).get("need")
        if kind == "housing" and need != "housing":
            found.append(((*place, "need"), f"a walk-in to a housing programme is for the housing need, not "
                                            f"{need!r}"))
        elif kind == "clinic" and need == "housing":
            found.append(((*place, "need"), "a clinic does not receive the housing need: walk in to a "
                                            "housing programme"))

    # regimes and their settings
    handoffs = _dict(data.get("handoffs"))
    regimes = {**{k: {"assignment": v.assignment} for k, v in BUILTIN_REGIMES.items()},
               **_dict(data.get("regimes"))}
    regime = data.get("regime", "organic")
    if isinstance(regime, str) and regime not in regimes:
        found.append((("regime",), f"unknown regime {regime!r}; known regimes: {', '.join(sorted(regimes))}"))
    for name, spec in regimes.items():
        assignment = _dict(spec).get("assignment") if isinstance(spec, dict) else None
        if isinstance(assignment, dict) and "integrated" in assignment:
            found.append((("regimes", name, "assignment"),
                          "'integrated' cannot be mixed per handoff: it replaces the referral path"))
    active = _dict(regimes.get(regime)) if isinstance(regime, str) else {}
    integrated = _dict(handoffs.get("integrated"))
    if active.get("assignment") == "integrated" and handoffs.get("integrated") is None:
        found.append((("handoffs",), f"regime {regime!r} needs a 'handoffs.integrated' section"))
    if integrated:
        service_ref(("handoffs", "integrated", "access_point"), integrated.get("access_point"),
                    ("access_point",), "the coordinated access point")
        for i, rule in enumerate(_list(integrated.get("eligibility"))):
            service_ref(("handoffs", "integrated", "eligibility", i, "service"), _dict(rule).get("service"),
                        ("clinic", "housing"), "an eligibility rule's service")
    for i, rule in enumerate(_list(data.get("prerequisites"))):
        service_ref(("prerequisites", i, "service"), _dict(rule).get("service"), ("clinic", "housing"),
                    "a prerequisite's service")
    conferences = [(("handoffs", "multilateral", "conference"),
                    _dict(_dict(handoffs.get("multilateral")).get("conference")))]
    conferences += [(("regimes", name, "conference"), _dict(_dict(spec).get("conference")))
                    for name, spec in _dict(data.get("regimes")).items()]
    for where, conference in conferences:
        for i, name in enumerate(_list(conference.get("participants"))):
            service_ref((*where, "participants", i), name,
                        ("clinic", "shelter", "outreach", "housing", "access_point"), "a participant")

    # shelter use must be described for every pattern that can occur when there are shelters
    population = _dict(data.get("population"))
    if any(kind == "shelter" for kind in kinds.values()):
        use = _dict(population.get("shelter_use"))
        patterns = set(_dict(_dict(population.get("attributes")).get("pattern", {"transitional": 1})))
        patterns |= set(_dict(_dict(population.get("initial_stock")).get("pattern")))
        for pattern in sorted(p for p in patterns if p in PATTERNS and p not in use):
            found.append((("population", "shelter_use"),
                          f"no shelter use given for pattern {pattern!r} (the scenario has shelters)"))

    # a name used in several places is reported once, where it is first used in the file
    order: dict[str | int, int] = {name: index for index, name in enumerate(data)}
    for paths in [*unknown.values(), *wrong_kind.values()]:
        paths.sort(key=lambda path: order.get(path[0], len(order)))  # stable: file order within a section
    for name, paths in unknown.items():
        found.append((paths[0], f"unknown service {name!r} (known services: {known})"
                                f"{_places(paths[1:]) if len(paths) > 1 else ''}"))
    for (name, role, allowed), paths in wrong_kind.items():
        found.append((paths[0], f"service {name!r} is {_a(str(kinds[name]))}; {role} must be "
                                f"{' or '.join(_a(kind) for kind in allowed)}"
                                f"{_places(paths[1:]) if len(paths) > 1 else ''}"))
    return found
