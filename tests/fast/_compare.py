"""The record tables of the two engines side by side: every table the compiled engine fills, row for row.

Rows are compared as sets (each table sorted on all its columns), since the two engines write some rows in a
different order (the SimPy engine writes a visit or a referral when it ends, the compiled engine when it
begins); every value must be equal, NaN where the other has NaN. The metrics of section 9 are compared the
same way, both as the reference computes them and as batches do (from the record arrays).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from simulator.config.schema import Scenario
from simulator.engine.simulation import simulate_records as simpy_records
from simulator.fast import simulate_records as fast_records
from simulator.metrics import metrics_from_arrays, replication_metrics, tables_from_records

#: the tables the compiled engine writes rows in (the event log where the scenario keeps it)
FILLED = ("episodes", "needs", "visits", "referrals", "nodes", "staff", "locations", "nights", "census")
#: the columns of times: the SimPy engine's clock is the integer 0 until its first timeout, so that a column of
#: times written only then (a cohort at 0, say, whose needs are the only ones) is a column of integers there
TIMES = frozenset({"time", "start", "end", "onset", "created", "arrived", "arrival", "homeless_since"})


def float_clock(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns of times as floats (the values unchanged)."""
    ints = [name for name in frame.columns if name in TIMES and frame[name].dtype.kind in "iu"]
    return frame.astype(dict.fromkeys(ints, "float64")) if ints else frame


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted on all its columns (NaN last), with a fresh index."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(list(frame.columns), kind="stable", na_position="last").reset_index(drop=True)


def compare(scenario: Scenario, replication: int = 0, seed: int | None = None) -> dict[str, pd.DataFrame]:
    """Run ``scenario`` on both engines and assert that every table and the metrics are identical; return the
    SimPy engine's tables (for the caller's checks that the scenario exercises what it should)."""
    seed = scenario.seed if seed is None else seed
    fast = fast_records(scenario, seed, replication)
    slow = simpy_records(scenario, seed, replication)
    fast_tables, slow_tables = tables_from_records(fast), tables_from_records(slow)
    assert set(FILLED) | {"events"} == set(slow_tables)
    for name, frame in slow_tables.items():
        pd.testing.assert_frame_equal(in_order(fast_tables[name]), in_order(float_clock(frame)), obj=name)
    assert fast.counters == slow.counters
    assert fast.calendar == slow.calendar
    # the metrics as a set of rows too: a count by outcome lists equal counts in the order the rows come
    pd.testing.assert_frame_equal(in_order(replication_metrics(fast, 0.125, fast_tables)),
                                  in_order(replication_metrics(slow, 0.125, slow_tables)), obj="metrics")
    pd.testing.assert_frame_equal(in_order(metrics_from_arrays(fast, 0.125)),
                                  in_order(metrics_from_arrays(slow, 0.125)), obj="metrics from arrays")
    return slow_tables


def counts(tables: dict[str, pd.DataFrame], table: str, column: str) -> dict[Any, int]:
    """How many rows of ``table`` have each value of ``column``."""
    frame = tables[table]
    return {} if frame.empty else {key: int(n) for key, n in frame[column].value_counts().items()}
