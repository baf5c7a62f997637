"""The compiled engine (``engine="fast"``) against the SimPy engine and against a reference worked out by hand.

* every textbook scenario, over a short horizon, gives the SimPy engine's record tables and metrics exactly:
  the same streams drawn in the same order, the same rules (``docs/model.md`` sections 3, 4.2, 5, 7, 8, 9);
* a scripted scenario (fixed durations, a waiting-room cap, a fixed patience, a referral) gives the visits
  table computed by hand from its arrival times;
* common random numbers: replication ``i`` of two variants of a scenario sees the same arrivals;
* determinism: the same seed gives the same tables, whatever the number of workers.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_config, run_batch, simulate
from simulator.engine.simulation import simulate_records as simpy_records
from simulator.fast import simulate_records as fast_records
from simulator.metrics import replication_metrics, tables_from_records
from tests.fast import _micro

TEXTBOOK = Path(__file__).resolve().parents[2] / "configs" / "textbook"
CONFIGS = sorted(path.stem for path in TEXTBOOK.glob("*.yaml"))
SORT = {"episodes": ["client"], "needs": ["client", "need"], "visits": ["client", "service", "arrival"],
        "referrals": ["referral"], "nodes": ["service"]}


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if len(frame) else frame


def test_every_textbook_config_is_a_fast_scenario() -> None:
    assert len(CONFIGS) >= 10  # mm1, mmc, the rho sweep, mmck, Erlang A (twice), tandem, jackson


@pytest.mark.parametrize("config", CONFIGS)
def test_same_records_and_metrics_as_simpy(config: str) -> None:
    scenario = load_config(TEXTBOOK / f"{config}.yaml", {"horizon": "25 days", "warmup": "3 days"})
    for replication in (0, 1):
        fast = fast_records(scenario, scenario.seed, replication)
        slow = simpy_records(scenario, scenario.seed, replication)
        fast_tables, slow_tables = tables_from_records(fast), tables_from_records(slow)
        assert len(fast_tables["visits"]) > 100
        for name, frame in slow_tables.items():
            keys = SORT.get(name, [])
            pd.testing.assert_frame_equal(_sorted(fast_tables[name], keys), _sorted(frame, keys), obj=name)
        assert fast.counters == slow.counters
        assert fast.calendar == slow.calendar
        assert (fast.warmup, fast.end_time, fast.regime, fast.scenario) == \
            (slow.warmup, slow.end_time, slow.regime, slow.scenario)
        pd.testing.assert_frame_equal(replication_metrics(fast, 0.125, fast_tables),
                                      replication_metrics(slow, 0.125, slow_tables))


# ---------------------------------------------------------------------------------------------- scripted
@pytest.fixture(scope="module")
def micro() -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    sc = _micro.scenario()
    fast = simulate(sc, engine="fast").tables
    slow = simulate(sc).tables
    return _micro.expected_visits(sc, sc.seed), fast, slow


def test_micro_reference_has_every_outcome(micro: tuple[pd.DataFrame, ...]) -> None:
    expected = micro[0]
    outcomes = set(expected[expected["service"] == "desk"]["outcome"])
    assert {"served", "balked", "reneged"} <= outcomes
    assert "censored" in set(expected[expected["service"] == "doctor"]["outcome"])
    assert len(expected) > 80


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_micro_visits_as_worked_out_by_hand(micro: tuple[pd.DataFrame, ...], engine: str) -> None:
    expected, fast, slow = micro
    got = _micro.visits_of(fast if engine == "fast" else slow)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got[["client", "service", "referral", "adjustment", "outcome"]],
                                  expected[["client", "service", "referral", "adjustment", "outcome"]])
    for column in ("arrival", "start", "end"):
        np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float), rtol=0,
                                   atol=1e-9, equal_nan=True, err_msg=column)


def test_micro_needs_and_episodes(micro: tuple[pd.DataFrame, ...]) -> None:
    expected, fast, _ = micro
    doctor = expected[(expected["service"] == "doctor") & (expected["outcome"] == "served")]
    episodes = fast["episodes"].set_index("client")
    done = episodes[episodes["exit_reason"] == "needs_met"]
    assert sorted(done.index) == sorted(doctor["client"])
    np.testing.assert_allclose(done.loc[doctor["client"], "end"], doctor["end"], rtol=0, atol=1e-9)
    needs = fast["needs"]
    assert (needs.loc[needs["outcome"] == "met", "met_by"] == "doctor").all()
    assert len(needs) == len(episodes)
    assert (needs["outcome"].isin(["met", "censored"])).all()


# ---------------------------------------------------------------------------------------------- CRN
def test_common_random_numbers_across_variants() -> None:
    """Replication i of two variants (more staff, slower service) sees the same arrivals and the same clients."""
    base = load_config(TEXTBOOK / "mmc.yaml", {"horizon": "20 days"})
    clinic = base.services["clinic"]
    other = base.model_copy(update={"services": {"clinic": clinic.model_copy(update={
        "staff": 4, "service_time": clinic.service_time.model_copy(update={"mean_": 1.2 / 24})})}})
    for replication in (0, 3):
        a = simulate(base, replication=replication, engine="fast").tables
        b = simulate(other, replication=replication, engine="fast").tables
        pd.testing.assert_series_equal(a["episodes"]["start"], b["episodes"]["start"])
        walk_a = a["visits"][a["visits"]["adjustment"] == "walk_in"].sort_values("client")
        walk_b = b["visits"][b["visits"]["adjustment"] == "walk_in"].sort_values("client")
        np.testing.assert_array_equal(walk_a["arrival"].to_numpy(), walk_b["arrival"].to_numpy())
        assert not np.array_equal(a["visits"]["start"].to_numpy(), b["visits"]["start"].to_numpy(),
                                  equal_nan=True)  # the variants differ downstream
    other_replication = simulate(base, replication=1, engine="fast").tables
    assert not other_replication["episodes"]["start"].equals(a["episodes"]["start"])


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_same_tables() -> None:
    scenario = load_config(TEXTBOOK / "jackson.yaml", {"horizon": "20 days"})
    first = simulate(scenario, seed=5, replication=2, engine="fast")
    second = simulate(scenario, seed=5, replication=2, engine="fast")
    for name, frame in first.tables.items():
        pd.testing.assert_frame_equal(frame, second.tables[name], obj=name)
    pd.testing.assert_frame_equal(first.metrics, second.metrics)
    other = simulate(scenario, seed=6, replication=2, engine="fast")
    assert not other.tables["visits"]["arrival"].equals(first.tables["visits"]["arrival"])


def test_batch_identical_whatever_the_workers() -> None:
    scenario = load_config(TEXTBOOK / "tandem.yaml", {"horizon": "15 days"})
    serial = run_batch(scenario, replications=4, engine="fast")
    pooled = run_batch(scenario, replications=4, engine="fast", workers=2)
    pd.testing.assert_frame_equal(serial.metrics, pooled.metrics)
    assert sorted(serial.metrics["replication"].unique()) == [0, 1, 2, 3]
    # and replication i of the batch is simulate(..., replication=i)
    third = simulate(scenario, replication=2, engine="fast").metrics
    mine = serial.metrics[serial.metrics["replication"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[third.columns], third)


def test_first_run_of_a_process_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    import simulator.fast.engine as engine

    engine._ready = False  # as in a fresh process
    with caplog.at_level(logging.INFO, logger="simulator.fast"):
        simulate(_micro.scenario(), engine="fast")
        simulate(_micro.scenario(), engine="fast")
    messages = [record.getMessage() for record in caplog.records if record.name == "simulator.fast"]
    assert len(messages) == 2  # once before the first run, once after it; nothing for the second run
    assert "compiling" in messages[0]
    assert "loaded from the cache" in messages[1] or "compiled" in messages[1]
