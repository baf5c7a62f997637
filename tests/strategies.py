"""Hypothesis strategies: small, valid scenarios that run in a fraction of a second.

Every scenario is derived from ``tests/data/small_network.yaml`` (montreal_centre scaled down: about 100
clients in the initial stock, a few new clients a day, three small shelters, one or two staff per clinic, a
horizon of 30 to 60 days). The strategies edit the *raw* scenario data, with units written out as a user
would ("3 days", "0.5 per day"), and validate it through the loader's own path (schema and cross-checks), so
every example is a scenario the simulator promises to accept.

Public pieces:

* :func:`base_data` / :func:`base_scenario`: the unmodified small scenario;
* :func:`build`: raw data to a validated :class:`~simulator.Scenario`;
* :func:`scenario_data` / :func:`scenarios`: the strategies themselves;
* :data:`seeds`, :data:`regimes`: seeds and the regimes the base scenario knows;
* :func:`mutated_configs` / :func:`dump_config`: the opposite, for fuzzing the loader: a shipped scenario
  file (``configs/``, ``configs/regimes/``, ``configs/textbook/``), merged through its ``extends:``, with keys
  deleted, types swapped, numbers at extremes, odd strings, broken dates and units; and the YAML text that
  writes such data back as a user would type it.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from simulator import Scenario
from simulator.config.loader import load_data, validate_data

DATA = Path(__file__).resolve().parent / "data"
SMALL_NETWORK = DATA / "small_network.yaml"

BUILTIN_REGIMES = ("organic", "unilateral", "bilateral", "multilateral", "integrated")
REGIMES = (*BUILTIN_REGIMES, "mixed")  # "mixed" is the base scenario's own regime (a dict assignment)

SHELTERS = ("men_shelter", "women_shelter", "surge_shelter")
CLINICS = ("clsc", "mental_health", "addiction", "income")
HANDOFF_TYPES = ("unilateral", "bilateral", "multilateral", "integrated")

# Census hours that coincide with no fixed-time event of the engine (checkout 08:00, capacity schedule
# 12:00, intake 17:00-23:00, conference 10:00), so that a count can be reconstructed from the locations
# table without ties. Hours after 12:00 are left out: the engine cannot run them (see the xfail test in
# tests/property/test_invariants.py).
CENSUS_TIMES = ("00:30", "01:15", "03:00", "04:45", "06:20", "09:10", "11:40")
# Shelter intake windows. All close after 12:00 and open before they close: the engine cannot run an
# intake that closes in the morning or spans midnight (see the xfail tests in test_invariants.py).
INTAKES = ({"open": "17:00", "close": "23:00"}, {"open": "16:00", "close": "22:00"},
           {"open": "19:00", "close": "24:00"}, {"open": "13:00", "close": "15:30"},
           {"open": "00:00", "close": "24:00"})

seeds = st.integers(min_value=0, max_value=2**32 - 1)
regimes = st.sampled_from(REGIMES)


@functools.cache
def _base_data() -> dict[str, Any]:
    data, _ = load_data(SMALL_NETWORK)
    return data


def base_data() -> dict[str, Any]:
    """A fresh deep copy of the small scenario's raw data (safe to edit)."""
    return copy.deepcopy(_base_data())


def build(data: dict[str, Any]) -> Scenario:
    """Validate raw scenario data exactly as :func:`simulator.load_config` does (schema and cross-checks)."""
    return validate_data(data, {}, "<strategy>")


@functools.cache
def base_scenario() -> Scenario:
    return build(base_data())


def days(x: float) -> str:
    return f"{x:g} days"


def per_day(x: float) -> str:
    return f"{x:g} per day"


def _round(x: float, digits: int = 3) -> float:
    return round(x, digits)


probabilities = st.floats(min_value=0.0, max_value=1.0).map(_round)


def lognormal(median_lo: float, median_hi: float) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda median, sigma: {"dist": "lognormal", "median": days(median), "sigma": sigma},
        st.floats(min_value=median_lo, max_value=median_hi).map(_round),
        st.floats(min_value=0.2, max_value=1.2).map(_round),
    )


def latency() -> st.SearchStrategy[Any]:
    """Handoff latencies: zero, fixed, exponential or lognormal, from a couple of hours to a week."""
    return st.one_of(
        st.just(0),
        st.floats(min_value=0.05, max_value=5.0).map(lambda x: days(_round(x))),
        st.floats(min_value=0.05, max_value=5.0).map(lambda x: {"dist": "exponential", "mean": days(_round(x))}),
        lognormal(0.05, 5.0),
    )


def _season(start: date, first: int, length: int) -> dict[str, str]:
    """A winter season opening ``first`` days after ``start`` and lasting ``length`` days (may wrap a year)."""
    opens = start + timedelta(days=first)
    closes = opens + timedelta(days=length)
    return {"start": opens.strftime("%m-%d"), "end": closes.strftime("%m-%d")}


@st.composite
def scenario_data(draw: st.DrawFn, regime: str | None = None) -> dict[str, Any]:
    """Raw data of a small scenario: the base with its capacities, staff, losses, latencies, calendar and
    population varied. ``regime`` fixes the active regime (drawn otherwise)."""
    data = base_data()
    horizon = draw(st.integers(30, 60)) + draw(st.sampled_from((0.0, 0.25, 0.5)))
    warmup = draw(st.sampled_from((0, 0, 5, 10, 20))) + draw(st.sampled_from((0.0, 0.0, 0.4)))
    data["horizon"] = days(horizon)
    data["warmup"] = days(warmup) if warmup else 0
    start = draw(st.dates(min_value=date(2021, 1, 1), max_value=date(2024, 12, 31)))
    data["start_date"] = start
    data["winter"] = draw(st.one_of(
        st.just(data["winter"]),
        st.builds(_season, st.just(start), st.integers(0, 40), st.integers(1, 40)),
    ))
    data["regime"] = regime if regime is not None else draw(regimes)
    data["outputs"] = {"event_log": draw(st.booleans()), "census_time": draw(st.sampled_from(CENSUS_TIMES))}

    population = data["population"]
    population["initial_stock"]["count"] = draw(st.integers(50, 150))
    population["inflow"]["rate"] = per_day(draw(st.floats(min_value=1.0, max_value=6.0).map(_round)))
    if draw(st.booleans()):
        population["inflow"].pop("seasonal")
    population["attributes"]["indigenous"] = draw(probabilities)
    use = population["shelter_use"]
    for pattern in use.values():
        pattern["avoidance"] = draw(st.floats(min_value=0.0, max_value=0.5).map(_round))
        pattern["winter_seek"] = draw(st.sampled_from((0.0, 0.5, 1.0)))
        pattern["winter_outdoor_gap"] = draw(st.sampled_from((1.0, 0.3)))
        pattern["gap_other_share"] = draw(probabilities)
    exits = population["exits"]
    exits["exit_when_needs_met"] = draw(st.booleans())
    exits["return_after_resolution_mean"] = draw(st.sampled_from((None, "5 days", "15 days", "1 year")))
    exits["return_after_housing_mean"] = draw(st.sampled_from((None, "10 days", "60 days")))

    services = data["services"]
    for name in SHELTERS:
        services[name]["capacity"] = draw(st.integers(0, 40))
        services[name]["staff"] = draw(st.integers(0, 3))
        services[name]["intake"] = draw(st.sampled_from(INTAKES))
    services["surge_shelter"]["winter_capacity"] = draw(st.one_of(st.none(), st.integers(0, 40)))
    if services["surge_shelter"]["winter_capacity"] is None:
        del services["surge_shelter"]["winter_capacity"]
    services["outreach"]["contacts"] = per_day(draw(st.floats(min_value=0.0, max_value=6.0).map(_round)))
    services["outreach"]["offers_shelter"] = draw(probabilities)
    for name in CLINICS:
        clinic = services[name]
        clinic["staff"] = draw(st.integers(1, 3))
        clinic["discipline"] = draw(st.sampled_from(("fifo", "priority")))
        patience = draw(st.one_of(st.none(), st.floats(min_value=1.0, max_value=40.0).map(_round)))
        if patience is None:
            clinic.pop("patience", None)
        else:
            clinic["patience"] = {"dist": "exponential", "mean": days(patience)}
        cap = draw(st.one_of(st.none(), st.integers(0, 15)))
        if cap is None:
            clinic.pop("waitlist_cap", None)
        else:
            clinic["waitlist_cap"] = cap
        if draw(st.booleans()):
            clinic.pop("hours")  # open around the clock
    services["coordinated_access"]["staff"] = draw(st.integers(1, 2))
    housing_first = services["housing_first"]
    housing_first["slots"] = draw(st.integers(0, 10))
    housing_first["reserved_share"] = draw(probabilities)
    housing_first["initial_occupancy"] = draw(st.sampled_from((0.0, 0.5, 1.0)))
    housing_first["tenancy"] = draw(lognormal(5.0, 60.0))
    for name in ("housing_first", "social_housing"):
        services[name]["offer_refusal"] = draw(st.sampled_from((0.0, 0.0, 0.3, 0.9)))
    services["social_housing"]["vacancies"] = per_day(draw(st.floats(0.0, 1.0).map(_round)))

    handoffs = data["handoffs"]
    handoffs["re_referral_after"] = draw(st.sampled_from((0, "1 day", "7 days", "14 days")))
    for kind in HANDOFF_TYPES:
        spec = handoffs[kind]
        spec["latency"] = draw(latency())
        spec["loss"] = {"base": draw(st.floats(0.0, 0.9).map(_round)),
                        "hazard": per_day(draw(st.floats(0.0, 0.1).map(_round)))}
        spec["queue_jump"] = draw(probabilities)
    conference = handoffs["multilateral"]["conference"]
    conference["max_cases"] = draw(st.integers(1, 10))
    conference["every"] = draw(st.sampled_from(("7 days", "3.5 days", "14 days")))
    conference["weekday"] = weekday = draw(st.sampled_from(("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    # the meeting days: working days, every day, or some days that include the first meeting's
    conference["days"] = draw(st.sampled_from((
        ["mon", "tue", "wed", "thu", "fri"] if weekday not in ("sat", "sun") else [weekday],
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        sorted({weekday, "wed"}))))
    handoffs["multilateral"]["reserved_slot"] = draw(st.booleans())
    if draw(st.booleans()):
        # the "mixed" regime holds its own, more frequent, conferences
        data["regimes"]["mixed"]["conference"] = {**conference, "every": "2 days", "max_cases": 3}
    handoffs["integrated"]["target_pressure"] = draw(st.floats(0.0, 2.0).map(_round))
    return data


def scenarios(regime: str | None = None) -> st.SearchStrategy[Scenario]:
    """Small valid scenarios (see :func:`scenario_data`)."""
    return scenario_data(regime).map(build)


# --- Mutated shipped configs (fuzzing the loader) --------------------------------------------------------------

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
#: every shipped scenario file: the main ones, the regime variants (``extends:``) and the textbook oracles
SHIPPED_CONFIGS = tuple(sorted([*CONFIGS.glob("*.yaml"), *(CONFIGS / "regimes").glob("*.yaml"),
                                *(CONFIGS / "textbook").glob("*.yaml")]))


class Raw(str):
    """A scalar written unquoted, as a user would type it (``2022-02-30``, ``1e400``): YAML then reads it as a
    date or a number, not as a string."""

    def __repr__(self) -> str:
        return f"{self!s} (unquoted)"


class _Dumper(yaml.SafeDumper):
    """Safe dumper that quotes every string the project's loader would read as something else (it reads
    ``1e5`` as a number, ``.inf`` as text) and writes non-finite floats with an explicit ``!!float`` tag."""


_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")
_Dumper.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.copy().items()
}
_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _represent_raw(dumper: yaml.SafeDumper, value: Raw) -> yaml.ScalarNode:
    resolve: Callable[..., str] = dumper.resolve  # the tag YAML reads the plain text as: then written untagged
    return dumper.represent_scalar(resolve(yaml.ScalarNode, str(value), (True, False)), str(value))


_Dumper.add_representer(Raw, _represent_raw)


def dump_config(data: Any) -> str:
    """YAML text of (mutated) config data, in the order it was read."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


@functools.cache
def _shipped(path: Path) -> dict[str, Any]:
    data, _ = load_data(path)
    return data


def _paths(node: Any, key: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the data below the root: each mapping key and each list item."""
    if isinstance(node, dict):
        items: list[tuple[Any, Any]] = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return []
    out: list[tuple[Any, ...]] = []
    for name, value in items:
        out.append((*key, name))
        out.extend(_paths(value, (*key, name)))
    return out


#: numbers at the extremes: zero, negative, overflowing to infinity as the user writes them, huge, NaN
EXTREME_NUMBERS: tuple[Any, ...] = (0, -1, Raw("1e400"), Raw("-1e400"), 1e308, 2**64, 10**30, math.nan,
                                    math.inf, -0.5, 0.5)
#: strings no config expects: right-to-left override, emoji, NUL, a control character, a line separator,
#: combining marks, very long, empty, blank
ODD_STRINGS = ("\u202eyad 3", "\U0001f3e0\U0001f6d1", "a\x00b", "\x1b[31mred", "3\u2028days", "e\u0301\u0301",
               "x" * 10_000, "", "   ")
BROKEN_DATES: tuple[Any, ...] = (Raw("2022-02-30"), "2022-02-30", Raw("2022-13-01"), Raw("0000-01-01"), "13-45",
                                 "00-00", "02-30", "11-15-2022", Raw("9999-12-31"), "yesterday")
BROKEN_UNITS = ("3 parsecs", "1e400 days", "inf days", "-3 days", "3", "per day", "nan days", "1e400 per day",
                "-1 per day", "inf per hour", "0 days", "3 days per day", "3days", "1e30 years")
#: a value of each other type
OTHER_TYPES: tuple[Any, ...] = ("text", 7, 2.5, [1, "a"], {"a": 1}, True, False, None, [], {})
_NUMBER_UNIT = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s+(?P<unit>\S.*)$")
_DAY_OF_YEAR = re.compile(r"^\d\d-\d\d$")


def _numeric(value: Any) -> bool:
    """A number, or a number with a unit ("3 days", "0.5 per day")."""
    return (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and _NUMBER_UNIT.match(value) is not None)


def _broken(value: Any) -> st.SearchStrategy[Any]:
    """``value`` broken the way its own kind can be: a number at an extreme, a unit's number out of range or
    its unit wrong, an impossible date."""
    if isinstance(value, bool):
        return st.sampled_from((Raw("yes"), Raw("no"), "true", 1, 0, None))
    if isinstance(value, int | float):
        return st.sampled_from(EXTREME_NUMBERS)
    if isinstance(value, date) or (isinstance(value, str) and _DAY_OF_YEAR.match(value)):
        return st.sampled_from(BROKEN_DATES)
    if isinstance(value, str) and (found := _NUMBER_UNIT.match(value)):
        unit = found["unit"]
        number = st.sampled_from(("0", "-3", "1e400", "-1e400", "inf", "nan", "1e30", "1e-300", "2e-320"))
        return st.one_of(number.map(lambda n: f"{n} {unit}"), number.map(lambda n: f"{n} {unit}"),
                         st.sampled_from(BROKEN_UNITS))
    if isinstance(value, list) and value:
        return st.sampled_from(([*value, *value], value[:1], [None, *value[1:]])).map(copy.deepcopy)
    return st.sampled_from(ODD_STRINGS)


def _replacements(value: Any) -> st.SearchStrategy[Any]:
    """A new value for ``value``: mostly broken in its own kind's way, sometimes of any other kind."""
    other = st.one_of(st.sampled_from(OTHER_TYPES), st.sampled_from(EXTREME_NUMBERS), st.sampled_from(ODD_STRINGS),
                      st.sampled_from(BROKEN_UNITS), st.sampled_from(BROKEN_DATES))
    own = _broken(value)
    return st.one_of(own, own, own, other)


@st.composite
def mutated_configs(draw: st.DrawFn, max_mutations: int = 3,
                    numbers_only: bool = False) -> tuple[Path, dict[str, Any], list[str]]:
    """A shipped config's merged data with 1 to ``max_mutations`` places deleted or replaced; also the source
    file and a description of each mutation (for the failure message). With ``numbers_only`` only numbers
    and quantities with a unit change, each to an extreme of its kind (inputs that more often load and run)."""
    source = draw(st.sampled_from(SHIPPED_CONFIGS))
    data = copy.deepcopy(_shipped(source))
    done: list[str] = []
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(data)
        if numbers_only:
            paths = [path for path in paths if _numeric(functools.reduce(lambda node, part: node[part], path, data))]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = data
        for part in path[:-1]:
            parent = parent[part]
        where = ".".join(map(str, path))
        if not numbers_only and draw(st.integers(0, 7)) == 0:
            del parent[path[-1]]
            done.append(f"delete {where}")
            continue
        old = parent[path[-1]]
        # a copy: a later mutation may edit inside it, and the constants it comes from must stay as they are
        new = copy.deepcopy(draw(_broken(old) if numbers_only else _replacements(old)))
        parent[path[-1]] = new
        shown = repr(new) if len(repr(new)) < 60 else repr(new)[:57] + "..."
        done.append(f"{where} = {shown}")
    return source, data, done
