"""The compiled engine against queueing theory, judged exactly as the SimPy engine is.

* Every check of ``tests/validation/test_queueing.py`` (Erlang C, M/M/c/K blocking, Erlang A, tandem and
  Jackson networks, Little's law at every node, and the wrong theories each check must reject), with the same
  variants, seeds, tolerances and precision caps, on replications run by the compiled engine: the fast
  variants by default, the slow ones with ``-m slow``.
* Every check of :mod:`simulator.analysis.textbook` (the table of the validation document) over every
  scenario of ``configs/textbook/``: at a quarter of their horizons and the validation tests' 99.9% level by
  default; at half their horizons and the 99% level with ``-m slow``, as ``docs/validation.md`` runs them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import simulator.analysis.textbook as textbook
import tests.validation.test_queueing as queueing
from simulator import run_batch, simulate
from tests.validation.replications import Summary, summarise

TEXTBOOK = Path(__file__).resolve().parents[2] / "configs" / "textbook"

#: the test of test_queueing.py that judges each config
JUDGES: dict[str, Callable[[str, str], None]] = {
    "mm1": queueing.test_mmc_against_erlang_c,
    "mmc_rho050": queueing.test_mmc_against_erlang_c,
    "mmc_rho080": queueing.test_mmc_against_erlang_c,
    "mmc_rho095": queueing.test_mmc_against_erlang_c,
    "mmck": queueing.test_mmck_blocking,
    "mmc_patience": queueing.test_erlang_a_abandonment,
    "mmc_saturated": queueing.test_saturated_clinic_two_waits,
    "tandem": queueing.test_jackson_network,
    "jackson": queueing.test_jackson_network,
}


@functools.cache
def fast_runs(config: str, speed: str) -> tuple[Summary, ...]:
    """``test_queueing.runs`` on the compiled engine: the same scenario, seed and replications."""
    variant = queueing.VARIANTS[config][speed]
    assert variant is not None
    sc = queueing.scenario(config, speed)
    seed = sc.seed + (queueing.SLOW_SEED_OFFSET if speed == "slow" else 0)
    return tuple(summarise(simulate(sc, seed=seed, replication=i, engine="fast"))
                 for i in range(variant.replications))


def test_every_config_has_a_judge() -> None:
    assert set(JUDGES) == set(queueing.VARIANTS)


@pytest.mark.parametrize(("config", "speed"), [param for config in JUDGES for param in queueing.variants(config)])
def test_queueing_checks(config: str, speed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queueing, "runs", fast_runs)
    JUDGES[config](config, speed)


def _table(monkeypatch: pytest.MonkeyPatch, horizon_scale: float, level: float) -> pd.DataFrame:
    monkeypatch.setattr(textbook, "run_batch", functools.partial(run_batch, engine="fast"))
    return textbook.textbook_checks(TEXTBOOK, horizon_scale=horizon_scale, level=level)


def _assert_all_ok(table: pd.DataFrame) -> None:
    assert len(table) >= 40
    assert set(table["config"]) == {path.stem for path in TEXTBOOK.glob("*.yaml")}
    failed = table[~table["ok"]]
    assert failed.empty, "checks missed on the fast engine:\n" + failed.to_string()


def test_textbook_table_quarter_horizons(monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_all_ok(_table(monkeypatch, 0.25, 0.999))


@pytest.mark.slow
def test_textbook_table_as_the_validation_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Half of every horizon, the 99% level: the settings of docs/validation.md (41 of 41 checks agree)."""
    _assert_all_ok(_table(monkeypatch, 0.5, 0.99))
