"""The metrics from arrays (:func:`simulator.metrics.arrays.metrics_from_arrays`, what the runs use) against the
reference implementation on DataFrames (:func:`simulator.metrics.compute.replication_metrics`).

The two tables must be the same: the same columns and types, the same rows in the same order, and the same
values, exactly, except in :data:`SUMMED_DIFFERENTLY`, where a sum per group is taken in another way and the
last bits may differ (``REL``):

* ``coordination_staff_hours`` by adjustment type and ``coordination_staff_hours_by_purpose``: a pandas
  groupby adds each group up with compensated (Kahan) summation, the arrays path with NumPy's pairwise sum of
  the group's rows (the two differ by about 1e-16 relative over a Montreal year; a running sum would drift to
  3e-13). The ``all`` total is the same pairwise sum on both paths: exact.
* ``unmet_need_days_per_client``: each episode's unmet-need days are added up by a pandas groupby (Kahan) on
  one side and by ``np.bincount`` (a running sum) on the other; an episode has a handful of needs, so they
  agree in every case here, but nothing makes them bit for bit the same.

Everything else is computed by the same functions on the same values in the same order (the definitions on
arrays in ``compute.py``), or is a count or a sum of whole numbers (census instants outdoors), so it is exact.

The record sets: the scripted replications of ``test_metrics_pinned.py`` (whose hand-worked values are also
checked against the arrays path here), the same with NumPy columns (as the compiled engine hands them over)
and with sparse client ids, a year of the small town under every regime, a short run of the Montreal
scenario and a short run of the compiled engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.config import load_config, with_regime
from simulator.engine.records import RunRecords, Words
from simulator.engine.simulation import simulate_records
from simulator.metrics import arrays
from simulator.metrics.arrays import _sorted_codes, metrics_from_arrays, mismatches
from simulator.metrics.compute import replication_metrics
from tests.golden.test_golden import runnable_regimes
from tests.unit.test_metrics_pinned import (
    CENSUS,
    EXPECTED,
    FOLLOW,
    FOLLOW_RECORDS,
    MAIN_ABSENT,
    QUIET_UNDEFINED,
    RECORDS,
)
from tests.unit.test_metrics_pinned import REL as PINNED_REL

ROOT = Path(__file__).resolve().parents[2]
REL = 1e-12
#: metrics whose per-group sums are taken in another order on the two paths (see the module's docstring)
SUMMED_DIFFERENTLY = frozenset({"coordination_staff_hours", "coordination_staff_hours_by_purpose",
                                "unmet_need_days_per_client"})

SMALL_TOWN = load_config(ROOT / "configs" / "small_town.yaml", {"horizon": "365 days", "warmup": "30 days"})
SMALL_TOWN_REGIMES = runnable_regimes(SMALL_TOWN)
MONTREAL_SHORT = {"horizon": "30 days", "warmup": "10 days"}

Metrics = Callable[..., pd.DataFrame]
PATHS: dict[str, Metrics] = {"reference": replication_metrics, "arrays": metrics_from_arrays}


def assert_same_metrics(reference: pd.DataFrame, arrays: pd.DataFrame) -> None:
    """The two tables are the same, to the last bit but in :data:`SUMMED_DIFFERENTLY` (``REL`` there)."""
    assert list(arrays.columns) == list(reference.columns)
    assert list(arrays.dtypes) == list(reference.dtypes)
    pd.testing.assert_frame_equal(arrays.drop(columns="value"), reference.drop(columns="value"),
                                  check_exact=True)
    got, want = arrays["value"].to_numpy(), reference["value"].to_numpy()
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    close = np.isclose(got, want, rtol=REL, atol=0.0)
    tolerated = reference["metric"].isin(SUMMED_DIFFERENTLY).to_numpy()
    wrong = ~same & ~(tolerated & close)
    assert not wrong.any(), "values differ:\n" + reference[wrong].assign(arrays=got[wrong]).to_string()


# ---------------------------------------------------------------------------------------------- scripted records
SCRIPTED = {**RECORDS, "follow": FOLLOW_RECORDS}


def as_arrays(records: RunRecords) -> RunRecords:
    """The same records with NumPy columns (strings as object arrays), as the compiled engine hands them."""
    tables = {}
    for name, columns in records.tables.items():
        tables[name] = {col: np.asarray(values, dtype=object if values and isinstance(values[0], str) else None)
                        for col, values in columns.items()}
    return replace(records, tables=tables)


def as_words(records: RunRecords) -> RunRecords:
    """The same records with every column of words kept as codes (:class:`Words`), as the compiled engine
    hands them: a vocabulary in a shuffled order with words that no row uses, so that the codes' order is not
    the words' order."""
    tables: dict[str, dict[str, Any]] = {}
    for name, columns in records.tables.items():
        tables[name] = {}
        for col, values in columns.items():
            if values and isinstance(values[0], str):
                names = [*sorted(set(values)), "zz_unused", "aa_unused"]
                names.reverse()
                index = {word: k for k, word in enumerate(names)}
                tables[name][col] = Words(np.array([index[v] for v in values], dtype=np.int64), names)
            else:
                tables[name][col] = values
    return replace(records, tables=tables)


def with_sparse_clients(records: RunRecords) -> RunRecords:
    """The same records with client ids far apart (no dense lookup table: the sorted search instead)."""
    tables = {name: {col: ([10**9 * v + 7 for v in values] if col == "client" else list(values))
                     for col, values in columns.items()}
              for name, columns in records.tables.items()}
    return replace(records, tables=tables)


@pytest.mark.parametrize("name", list(SCRIPTED))
def test_scripted_records_give_the_same_table(name: str) -> None:
    records = SCRIPTED[name]
    reference = replication_metrics(records, CENSUS)
    assert_same_metrics(reference, metrics_from_arrays(records, CENSUS))


@pytest.mark.parametrize("name", list(SCRIPTED))
def test_numpy_columns_give_the_same_table(name: str) -> None:
    records = SCRIPTED[name]
    assert_same_metrics(replication_metrics(records, CENSUS), metrics_from_arrays(as_arrays(records), CENSUS))


@pytest.mark.parametrize("name", list(SCRIPTED))
def test_columns_of_codes_give_the_same_table(name: str) -> None:
    records = SCRIPTED[name]
    assert_same_metrics(replication_metrics(records, CENSUS), metrics_from_arrays(as_words(records), CENSUS))


def test_codes_sort_as_the_words_do() -> None:
    words = ["served", "", "reneged", "served", "balked", "", "z"]
    names = ["z", "unused", "served", "", "reneged", "balked"]
    column = Words(np.array([names.index(w) for w in words]), names)
    codes, uniques = _sorted_codes(column)
    expected_codes, expected_uniques = pd.factorize(np.array(words, dtype=object), sort=True)
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == expected_uniques.tolist()
    assert list(column) == words
    assert np.asarray(column).tolist() == words
    # a negative code counts from the end, as an index does
    assert Words(np.array([-1, 0]), ["a", "b"]).words().tolist() == ["b", "a"]


@pytest.mark.parametrize("name", list(SCRIPTED))
def test_sparse_client_ids_give_the_same_values(name: str) -> None:
    records = SCRIPTED[name]
    assert_same_metrics(replication_metrics(records, CENSUS),
                        metrics_from_arrays(with_sparse_clients(records), CENSUS))


def test_locations_out_of_time_order_are_sorted_by_client_and_time() -> None:
    """MAIN lists its location rows client by client (time goes back between clients); the engine writes
    them in time order. Both orders give the same nights."""
    records = RECORDS["main"]
    locations = records.tables["locations"]
    order = sorted(range(len(locations["time"])), key=lambda i: (locations["time"][i], i))
    in_time = {col: [values[i] for i in order] for col, values in locations.items()}
    shuffled = replace(records, tables={**records.tables, "locations": in_time})
    assert list(in_time["time"]) == sorted(locations["time"])
    assert_same_metrics(replication_metrics(records, CENSUS), metrics_from_arrays(shuffled, CENSUS))


# ---------------------------------------------------------------------- the hand-worked values, on both paths
@cache
def metrics_of(path: str, name: str) -> pd.DataFrame:
    return PATHS[path](SCRIPTED[name], census_time=CENSUS)


def pairs(path: str, name: str) -> set[tuple[str, str]]:
    table = metrics_of(path, name)
    return set(zip(table["metric"], table["dimension"], strict=True))


def value(path: str, name: str, metric: str, dimension: str) -> float:
    table = metrics_of(path, name)
    rows = table[(table["metric"] == metric) & (table["dimension"] == dimension)]
    assert len(rows) == 1, f"{metric} [{dimension}]: {len(rows)} rows"
    return float(rows["value"].iloc[0])


HAND_WORKED = [pytest.param(name, metric, dimension, expected, id=f"{name}:{metric}[{dimension}]")
               for name, table in {**EXPECTED, "follow": FOLLOW}.items()
               for (metric, dimension), expected in table.items()]


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(("name", "metric", "dimension", "expected"), HAND_WORKED)
def test_the_values_worked_out_by_hand(path: str, name: str, metric: str, dimension: str,
                                       expected: float) -> None:
    got = value(path, name, metric, dimension)
    assert not math.isnan(got)
    assert got == pytest.approx(expected, rel=PINNED_REL)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_pairs_produced_are_those_pinned(path: str, name: str) -> None:
    assert pairs(path, name) == set(EXPECTED[name])


@pytest.mark.parametrize("path", list(PATHS))
def test_metrics_without_data_are_absent(path: str) -> None:
    assert not set(MAIN_ABSENT) & pairs(path, "main")
    assert not set(QUIET_UNDEFINED) & pairs(path, "quiet")
    assert not {("returns_within_share", "24m"), ("housing_retention_share", "24m")} & pairs(path, "follow")


# ---------------------------------------------------------------------------------------------- simulated runs
@cache
def small_town(regime: str) -> tuple[RunRecords, float]:
    scenario = with_regime(SMALL_TOWN, regime)
    return simulate_records(scenario, 1), scenario.outputs.census_time


@pytest.mark.parametrize("regime", SMALL_TOWN_REGIMES)
def test_a_small_town_year_gives_the_same_table(regime: str) -> None:
    records, census_time = small_town(regime)
    reference = replication_metrics(records, census_time)
    assert len(reference) > 250
    assert_same_metrics(reference, metrics_from_arrays(records, census_time))


def test_a_short_montreal_run_gives_the_same_table() -> None:
    scenario = load_config(ROOT / "configs" / "montreal_centre.yaml", MONTREAL_SHORT)
    records = simulate_records(scenario, scenario.seed, 0)
    reference = replication_metrics(records, scenario.outputs.census_time)
    assert {"utilisation", "turnaway_rate", "line_time_mean_days", "referral_outcomes"} <= set(reference["metric"])
    assert_same_metrics(reference, metrics_from_arrays(records, scenario.outputs.census_time))


def test_a_compiled_engine_run_gives_the_same_table() -> None:
    from simulator.fast import simulate_records as fast_records

    scenario = load_config(ROOT / "configs" / "textbook" / "jackson.yaml", {"horizon": "60 days"})
    records = fast_records(scenario, scenario.seed, 0)
    assert isinstance(records.tables["visits"]["outcome"], Words)
    assert_same_metrics(replication_metrics(records, scenario.outputs.census_time),
                        metrics_from_arrays(records, scenario.outputs.census_time))


# ---------------------------------------------------------------------------------------------- the comparison
def test_the_comparison_catches_a_changed_value() -> None:
    reference = replication_metrics(RECORDS["main"], CENSUS)
    changed: dict[str, Any] = {"value": reference["value"].where(reference["metric"] != "wait_mean_days",
                                                                   reference["value"] * (1 + 1e-15))}
    with pytest.raises(AssertionError, match="wait_mean_days"):
        assert_same_metrics(reference, reference.assign(**changed))
    assert {m.split(" ")[0] for m in mismatches(reference, reference.assign(**changed))} == {"wait_mean_days"}
    tolerated = reference["value"].where(reference["metric"] != "coordination_staff_hours_by_purpose",
                                         reference["value"] * (1 + 1e-15))
    assert_same_metrics(reference, reference.assign(value=tolerated))
    assert not mismatches(reference, reference.assign(value=tolerated))
    assert not mismatches(reference, reference.copy())
    reversed_rows = reference.iloc[::-1].reset_index(drop=True)
    with pytest.raises(AssertionError):
        assert_same_metrics(reference, reversed_rows)
    assert mismatches(reference, reversed_rows)


def test_the_library_tolerates_the_same_metrics_as_this_file() -> None:
    """:func:`simulator.metrics.arrays.mismatches` (what the benchmark checks) allows what this file does."""
    assert arrays.SUMMED_DIFFERENTLY == SUMMED_DIFFERENTLY
    assert arrays.TOLERANCE == REL
