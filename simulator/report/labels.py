"""Human labels for what the results name by identifier: services, needs, regimes, adjustment types, groups.

The results tables speak in identifiers (``clsc_first_line``, ``income_documents``); a funder reads
organisations and plain words. :class:`Labels` turns each identifier into a label, from the scenario stored
in the results folder where it says more (a service's ``organisation`` field, a regime's ``description``) and
from the identifier itself otherwise (``men_shelter`` -> "Men Shelter", ``clsc`` -> "CLSC").

Two forms exist where it matters: ``display`` forms (capitalised) for table headers, figure axes and legends,
and ``prose`` forms for the middle of a sentence ("under the organic regime").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: the model's needs (simulator.config.schema.NEEDS), as a sentence says them
NEEDS = {"shelter": "shelter", "primary_care": "primary care", "mental_health": "mental health",
         "substance_use": "substance use", "housing": "housing", "income_documents": "income and documents"}
#: the four adjustment types of Dupuis & Farinas (2009), with what each one means in practice
ADJUSTMENT_TYPES = {"unilateral": "unilateral (address given)", "bilateral": "bilateral (worker to worker)",
                    "multilateral": "multilateral (case conference)",
                    "integrated": "integrated (coordinated access)"}
#: client groups of the subgroup metrics
GROUPS = {"all": "everyone", "women": "women", "men": "men", "indigenous": "Indigenous people",
          "youth": "young people (under 25)", "high_complexity": "high-complexity clients"}
#: words of parameter names that read better spelled out
WORDS = {"warmup": "warm-up", "intake": "intake time", "tie": "tie share",
         "move_in": "move-in delay", "staff_time": "staff time", "re_referral_after": "re-referral after"}

#: metrics whose dimension is a service, and metrics whose dimension is a need (some identifiers are both:
#: montreal_centre has a ``mental_health`` service and a ``mental_health`` need)
SERVICE_METRICS = ("wait_", "visits", "balk_share", "renege_share", "sojourn_", "utilisation", "arrival_rate_",
                   "time_avg_present")
NEED_METRICS = ("needs_met", "needs_open_", "time_to_need_met_", "unmet_need_days")

_VOWELS = set("aeiouy")


def capitalise(text: str) -> str:
    """The first letter in upper case, the rest as written ("women's shelters" -> "Women's shelters")."""
    return text[:1].upper() + text[1:]


def titled(identifier: str) -> str:
    """A label made from an identifier: words title-cased, vowel-less words as acronyms (``clsc`` -> CLSC)."""
    words = [w for w in re.split(r"[_\s]+", identifier) if w]
    return " ".join(w.upper() if w.isalpha() and not _VOWELS & set(w.lower()) else w.capitalize() for w in words)


def words(identifier: str) -> str:
    """An identifier as lower-case words (``reserved_share`` -> "reserved share")."""
    return WORDS.get(identifier, identifier.replace("_", " "))


def _distinct_words(ids: list[str]) -> dict[str, str]:
    """For services sharing one organisation: the words of each identifier that the others lack."""
    tokens = {i: i.split("_") for i in ids}
    common = set.intersection(*(set(t) for t in tokens.values()))
    out = {}
    for identifier, parts in tokens.items():
        own = [p for p in parts if p not in common]
        out[identifier] = " ".join(own) if own else identifier.replace("_", " ")
    return out


@dataclass(frozen=True)
class Labels:
    """Labels of one scenario's identifiers (see the module docstring)."""

    services: Mapping[str, str] = field(default_factory=dict)
    regime_descriptions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any] | None) -> Labels:
        """Labels from a resolved scenario (the JSON stored in a results folder); ``None`` gives plain labels.

        A service is called by its ``organisation`` where the scenario gives one; two services of one
        organisation are told apart by the words of their identifiers ("Old Brewery Mission (men)").
        """
        scenario = scenario or {}
        services: dict[str, Any] = dict(scenario.get("services") or {})
        by_organisation: dict[str, list[str]] = defaultdict(list)
        for identifier, service in services.items():
            organisation = (service or {}).get("organisation") if isinstance(service, Mapping) else None
            if organisation:
                by_organisation[str(organisation)].append(identifier)
        labels = {identifier: titled(identifier) for identifier in services}
        for organisation, ids in by_organisation.items():
            name = capitalise(organisation)
            if len(ids) == 1:
                labels[ids[0]] = name
            else:
                for identifier, extra in _distinct_words(ids).items():
                    labels[identifier] = f"{name} ({extra})"
        regimes = {str(name): str(spec.get("description") or "")
                   for name, spec in (scenario.get("regimes") or {}).items() if isinstance(spec, Mapping)}
        return cls(labels, regimes)

    def service(self, identifier: str) -> str:
        """A service's label: its organisation, or its identifier title-cased."""
        return self.services.get(identifier) or titled(identifier)

    @staticmethod
    def need(identifier: str) -> str:
        """A need as a sentence says it ("income and documents")."""
        return NEEDS.get(identifier, words(identifier))

    def describe_regime(self, name: str) -> str:
        """What a regime does: the scenario's own description, else the built-in regime's."""
        from simulator.config.schema import BUILTIN_REGIMES

        if self.regime_descriptions.get(name):
            return self.regime_descriptions[name]
        builtin = BUILTIN_REGIMES.get(name)
        return builtin.description if builtin is not None and builtin.description else ""

    @staticmethod
    def regime(name: str) -> str:
        """A regime's name for headers, axes and legends ("Organic")."""
        return capitalise(name.replace("_", " "))

    @staticmethod
    def regime_prose(name: str) -> str:
        """A regime's name inside a sentence ("the organic regime" says ``regime_prose`` + " regime")."""
        return name.replace("_", " ")

    @staticmethod
    def adjustment(identifier: str) -> str:
        """An adjustment type with what it means ("bilateral (worker to worker)")."""
        return ADJUSTMENT_TYPES.get(identifier, words(identifier))

    @staticmethod
    def group(identifier: str) -> str:
        """A client group of the subgroup metrics ("Indigenous people")."""
        return GROUPS.get(identifier, words(identifier))

    def dimension(self, metric: str, identifier: str) -> str:
        """The label of a metric's dimension, whatever it names: a service, a need, an adjustment type..."""
        if metric.startswith(SERVICE_METRICS):
            return self.service(identifier)
        if metric.startswith(NEED_METRICS) and not metric.startswith("unmet_need_days_per_client"):
            return self.need(identifier)
        if identifier in GROUPS:
            return self.group(identifier)
        if identifier in self.services:
            return self.service(identifier)
        if identifier in NEEDS:
            return self.need(identifier)
        if identifier in ADJUSTMENT_TYPES:
            return self.adjustment(identifier)
        return words(identifier)

    def parameter(self, path: str) -> str:
        """A dotted parameter path in words, with its parent service or regime named in full.

        ``services.old_brewery_men.capacity`` -> "Old Brewery Mission (men) — capacity";
        ``population.needs.base.mental_health`` -> "needs — base — mental health".
        """
        parts = [p for p in path.split(".") if p]
        head: list[str] = []
        if len(parts) >= 2 and parts[0] == "services":
            head, parts = [self.service(parts[1])], parts[2:]
        elif len(parts) >= 2 and parts[0] == "regimes":
            head, parts = [f"{self.regime(parts[1])} regime"], parts[2:]
        elif len(parts) >= 2 and parts[0] == "handoffs" and parts[1] in ADJUSTMENT_TYPES:
            head, parts = [f"{capitalise(parts[1])} handoffs"], parts[2:]
        elif len(parts) >= 2 and parts[0] in ("population", "handoffs", "outputs"):
            parts = parts[1:]
        return capitalise(" — ".join(head + [self.need(p) if p in NEEDS else words(p) for p in parts]))
