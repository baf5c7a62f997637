"""The compiled engine draws through callbacks into Python (a buffer's refill, a gamma draw): an error raised
there cannot unwind through compiled code, so the engine raises it when the kernel returns, never a run on
stale draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.config.loader import validate_data
from simulator.fast import kernel
from simulator.fast.engine import simulate_records
from tests.fast import _micro


def test_a_failed_refill_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = validate_data(_micro.MICRO, {}, "test")
    simulate_records(scenario, 1, 0)  # loaded (or compiled) before the refill breaks

    def broken(token: int, stream: int, kind: int, out: np.ndarray) -> None:
        raise KeyError("no such stream")

    monkeypatch.setattr(kernel, "refill", broken)
    with pytest.raises(RuntimeError, match="random streams") as caught:
        simulate_records(scenario, 1, 0)
    assert isinstance(caught.value.__cause__, KeyError)
    assert kernel.GENERATORS == {}
    assert kernel.FAILURES == {}


def test_the_callbacks_draw_the_generators_numbers() -> None:
    """A refill writes the next block of the stream's generator into the row it is given (through its
    address), a gamma draw is the generator's own."""
    token = -7
    kernel.GENERATORS[token] = [np.random.default_rng(3), np.random.default_rng(4)]
    try:
        buf = np.zeros((2, kernel.DRAW_KINDS, 16))
        pos = np.zeros((3, kernel.DRAW_KINDS), dtype=np.int64)
        kernel._refill(token, buf, pos, 1, kernel.EXPONENTIAL_DRAW)
        expected = np.random.default_rng(4).standard_exponential(16)
        np.testing.assert_array_equal(buf[1, kernel.EXPONENTIAL_DRAW], expected)
        assert not buf[0].any()
        assert not buf[1, kernel.UNIFORM_DRAW].any()
        assert not buf[1, kernel.NORMAL_DRAW].any()
        kernel._refill(token, buf, pos, 0, kernel.UNIFORM_DRAW)
        kernel._refill(token, buf, pos, 0, kernel.NORMAL_DRAW)
        reference = np.random.default_rng(3)
        np.testing.assert_array_equal(buf[0, kernel.UNIFORM_DRAW], reference.random(16))
        np.testing.assert_array_equal(buf[0, kernel.NORMAL_DRAW], reference.standard_normal(16))
        assert kernel._gamma(token, pos, 0, 2.0, 3.0) == reference.gamma(2.0, 3.0)
        assert kernel.FAILURES == {}
        assert not pos.any()
        kernel._refill(token, buf, pos, 2, kernel.UNIFORM_DRAW)  # no such stream: a failure, marked in pos
        assert isinstance(kernel.FAILURES.pop(token), IndexError)
        assert pos[2, 0] == 1
    finally:
        del kernel.GENERATORS[token]


def test_tables_started_as_long_as_the_last_run_write_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second run of a scenario starts its tables as long as the first run's ended (fewer copies as they
    grow); the records are those of a run whose tables started short and grew, and of one whose hint is too
    short for every table."""
    from simulator import load_config, with_regime
    from simulator.fast import engine
    from simulator.metrics import tables_from_records

    scenario = with_regime(load_config("configs/small_town.yaml", {"horizon": "60 days", "warmup": "10 days"}),
                           "bilateral")
    monkeypatch.setattr(engine, "_ROWS", {})
    grown = tables_from_records(simulate_records(scenario, 3, 1))
    (key, rows), = engine._ROWS.items()
    assert rows[kernel.HINT_CLIENTS] > 64
    assert rows[kernel.HINT_NEEDS] > rows[kernel.HINT_EPISODES] > 64
    hinted = tables_from_records(simulate_records(scenario, 3, 1))
    engine._ROWS[key] = np.full(kernel.HINTS, 1, dtype=np.int64)
    short = tables_from_records(simulate_records(scenario, 3, 1))
    for name, frame in grown.items():
        pd.testing.assert_frame_equal(hinted[name], frame)
        pd.testing.assert_frame_equal(short[name], frame)
