"""Golden hashes of the engine's record tables: a refactor that must not change behaviour keeps them.

For every scenario file in ``configs/`` (the default, the regime files, the textbook models), every regime it
can run, and two seeds, the engine runs a short horizon with the event log on (and the small town a whole
year, once per regime), and each record table is hashed
(exact ``repr`` of every value). The hashes are committed in ``hashes.json``. A change that alters them is a
change of behaviour: make it in a commit of its own that says why, and regenerate with

    SIMULATOR_UPDATE_GOLDEN=1 pytest tests/golden

Runs whose resolved scenario is the same (a regime file that only picks another regime of the default
scenario) are simulated once and share their hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

import pytest

from simulator.config import Scenario, load_config, with_regime
from simulator.engine.simulation import simulate_records

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("hashes.json")
SEEDS = (1, 2)
SHORT = {"horizon": "14 days", "warmup": "7 days"}
FILES = sorted(str(path.relative_to(ROOT)) for folder in ("", "regimes", "textbook")
               for path in (ROOT / "configs" / folder).glob("*.yaml"))
#: a year of the small town too, where tenancies end, clients return and winter comes and goes
LONG_FILE, LONG = "configs/small_town.yaml", {"horizon": "365 days", "warmup": "30 days"}


def runnable_regimes(scenario: Scenario) -> list[str]:
    """The regimes a scenario can run: the integrated one needs its ``handoffs.integrated`` settings."""
    return [name for name, regime in scenario.all_regimes().items()
            if regime.assignment != "integrated" or scenario.handoffs.integrated is not None]


def scenario_of(file: str, length: str) -> Scenario:
    scenario = load_config(ROOT / file, LONG if length == "long" else SHORT)
    return scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"event_log": True})})


def table_hash(columns: dict[str, list[object]]) -> str:
    digest = hashlib.sha256()
    for name, values in columns.items():
        digest.update(f"{name}:{len(values)}\n".encode())
        digest.update("\x1f".join(map(repr, values)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


@cache
def _hashes(key: str, seed: int) -> dict[str, str]:
    scenario = Scenario.model_validate_json(key)
    records = simulate_records(scenario, seed)
    return {name: table_hash(columns) for name, columns in records.tables.items()}


def run_hashes(scenario: Scenario, seed: int) -> dict[str, str]:
    """Hashes of every record table; the scenario's name, description and other regimes do not enter."""
    canonical = scenario.model_copy(update={"name": "golden", "description": "",
                                            "regimes": {"active": scenario.active_regime}, "regime": "active"})
    return _hashes(canonical.model_dump_json(by_alias=True), seed)


def cases() -> list[tuple[str, str, str, int]]:
    """(file, length, regime, seed) of every golden run."""
    out = []
    for file, length, seeds in [*((file, "short", SEEDS) for file in FILES), (LONG_FILE, "long", SEEDS[:1])]:
        scenario = scenario_of(file, length)
        out += [(file, length, regime, seed) for regime in runnable_regimes(scenario) for seed in seeds]
    return out


def key_of(file: str, length: str, regime: str, seed: int) -> str:
    return f"{file} {length} {regime} seed={seed}"


def compute_all() -> dict[str, dict[str, str]]:
    return {key_of(*case): run_hashes(with_regime(scenario_of(case[0], case[1]), case[2]), case[3])
            for case in cases()}


def test_every_run_has_a_golden_hash() -> None:
    if os.environ.get("SIMULATOR_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(compute_all(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    expected = {key_of(*case) for case in cases()}
    assert set(golden) == expected, "configs or regimes changed: regenerate with SIMULATOR_UPDATE_GOLDEN=1"


@pytest.mark.parametrize(("file", "length", "regime", "seed"), cases())
def test_record_tables_match_golden_hashes(file: str, length: str, regime: str, seed: int) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    key = key_of(file, length, regime, seed)
    actual = run_hashes(with_regime(scenario_of(file, length), regime), seed)
    changed = sorted(name for name in actual if golden[key].get(name) != actual[name])
    assert not changed, f"{key}: record tables changed: {', '.join(changed)}"
