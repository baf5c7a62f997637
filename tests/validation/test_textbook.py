"""The table of textbook checks (:mod:`simulator.analysis.textbook`) that the validation document shows.

Fast: two textbook scenarios (M/M/1 and the tandem network) observed for 40 of their 2000 days, a few
replications each. These tests do not judge the engine (``test_queueing.py`` does, at stated precision): they
check that the table has the right rows, that its theory is the formulas applied to the scenario, that it is
reproducible, and that a model the engine does not run is flagged.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from simulator import Scenario, load_config
from simulator.analysis.queueing import jackson, mmc, network_of
from simulator.analysis.textbook import BIAS_ALLOWANCE, COLUMNS, check_scenario, textbook_checks
from simulator.config.distributions import Exponential
from simulator.config.schema import Clinic

TEXTBOOK = Path(__file__).resolve().parents[2] / "configs" / "textbook"
SHORT = 0.02  # 40 of the configs' 2000 observed days: some 700 (M/M/1) to 2,000 (tandem) clients a replication
REPLICATIONS = 4

MM1_CHECKS = [
    "M/M/1, rho=0.7: mean wait in queue (Erlang C)",
    "M/M/1, rho=0.7: utilisation",
    "M/M/1, rho=0.7: time-average number present L",
    "M/M/1, rho=0.7: Little's law, L / (lambda W)",
]
TANDEM_CHECKS = [
    "Tandem, reception (M/M/1, rho=0.667): mean wait in queue",
    "Tandem, reception (M/M/1, rho=0.667): mean time at the clinic",
    "Tandem, clinic (M/M/2, rho=0.75): mean wait in queue",
    "Tandem, clinic (M/M/2, rho=0.75): mean time at the clinic",
    "Tandem: mean time from walk-in to need met",
    "Tandem: Little's law over all clinics, sum L / sum lambda W",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("textbook")
    for name in ("tandem.yaml", "mm1.yaml"):
        shutil.copy(TEXTBOOK / name, out / name)
    return out


@pytest.fixture(scope="module")
def table(folder: Path) -> pd.DataFrame:
    return textbook_checks(folder, replications=REPLICATIONS, horizon_scale=SHORT)


def rows(table: pd.DataFrame, config: str) -> pd.DataFrame:
    return table[table["config"] == config].set_index("check")


def slower(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every clinic's mean service time multiplied by ``factor``."""
    services = {}
    for name, spec in scenario.services.items():
        if isinstance(spec, Clinic):
            assert isinstance(spec.service_time, Exponential)
            longer = Exponential.model_validate(
                {"dist": "exponential", "mean": f"{spec.service_time.mean * factor!r} days"})
            spec = spec.model_copy(update={"service_time": longer})
        services[name] = spec
    return scenario.model_copy(update={"services": services})


def test_one_row_per_check_simple_models_first(table: pd.DataFrame) -> None:
    assert list(table.columns) == COLUMNS
    assert list(table["config"]) == ["mm1"] * len(MM1_CHECKS) + ["tandem"] * len(TANDEM_CHECKS)
    assert list(table["check"]) == MM1_CHECKS + TANDEM_CHECKS
    assert list(table["unit"]) == ["hours", "share", "clients", "ratio", *["hours"] * 5, "ratio"]
    assert (table["replications"] == REPLICATIONS).all()
    assert table["ok"].dtype == bool
    assert ((table["low"] < table["mean"]) & (table["mean"] < table["high"])).all()
    assert table["relative_error"].to_numpy() == pytest.approx(
        ((table["mean"] - table["theory"]) / table["theory"]).to_numpy())
    # the stated rule: theory inside the interval widened by the bias allowance
    slack = BIAS_ALLOWANCE * table["theory"].abs()
    rule = (table["low"] - slack <= table["theory"]) & (table["theory"] <= table["high"] + slack)
    assert (table["ok"] == rule).all()
    # Little's law holds replication by replication up to boundary terms: its interval is narrow
    little = table[table["unit"] == "ratio"]
    assert ((little["high"] - little["low"]) < 0.05).all()


def test_theory_is_the_formulas_applied_to_the_scenario(table: pd.DataFrame) -> None:
    mm1 = rows(table, "mm1")["theory"]
    scenario = load_config(TEXTBOOK / "mm1.yaml")
    lam = scenario.population.inflow.rate  # per day
    clinic = scenario.services["clinic"]
    assert isinstance(clinic, Clinic)
    mu = 1 / clinic.service_time.mean
    rho = lam / mu
    # M/M/1 in closed form, independently of Erlang C: Wq = rho / (mu - lam), L = rho / (1 - rho)
    assert mm1[MM1_CHECKS[0]] == pytest.approx(24 * rho / (mu - lam), rel=1e-12)
    assert mm1[MM1_CHECKS[0]] == pytest.approx(7 / 3, rel=1e-12)  # hours, as the config's comment says
    assert mm1[MM1_CHECKS[1]] == pytest.approx(rho, rel=1e-12)
    assert mm1[MM1_CHECKS[2]] == pytest.approx(rho / (1 - rho), rel=1e-12)
    assert mm1[MM1_CHECKS[3]] == 1.0
    assert mm1[MM1_CHECKS[0]] == pytest.approx(24 * mmc(lam, mu, 1).wq, rel=1e-12)

    tandem = rows(table, "tandem")["theory"]
    net = network_of(load_config(TEXTBOOK / "tandem.yaml"))
    theory = jackson(net.external, net.routing, net.mu, net.c)
    reception, second = theory.nodes
    assert list(tandem[TANDEM_CHECKS[:4]]) == pytest.approx(
        [24 * reception.wq, 24 * reception.w, 24 * second.wq, 24 * second.w], rel=1e-12)
    # in series every client visits each clinic once: the time in the network is the sum of the two
    assert tandem[TANDEM_CHECKS[4]] == pytest.approx(24 * (reception.w + second.w), rel=1e-12)
    assert tandem[TANDEM_CHECKS[4]] == pytest.approx(2.714286, rel=1e-6)


def test_same_inputs_same_table_whatever_the_workers() -> None:
    scenario = load_config(TEXTBOOK / "mm1.yaml")
    serial = check_scenario(scenario, replications=3, horizon_scale=SHORT)
    parallel = check_scenario(scenario, replications=3, horizon_scale=SHORT, workers=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_a_model_the_engine_does_not_run_is_flagged() -> None:
    """Service 25% slower than the theory assumes (rho 0.875 instead of 0.7): utilisation, waits and L are
    rejected, while the same runs judged against their own model are not."""
    scenario = load_config(TEXTBOOK / "mm1.yaml")
    wrong = check_scenario(slower(scenario, 1.25), replications=REPLICATIONS, horizon_scale=SHORT,
                           theory_from=scenario).set_index("check")
    assert wrong.loc[MM1_CHECKS[:3], "theory"].tolist() == pytest.approx([7 / 3, 0.7, 7 / 3])
    assert not wrong.loc[MM1_CHECKS[:3], "ok"].any(), wrong.to_string()
    assert wrong.loc[MM1_CHECKS[3], "ok"]  # Little's law holds whatever the model
    right = check_scenario(slower(scenario, 1.25), replications=REPLICATIONS,
                           horizon_scale=SHORT).set_index("check")
    assert right.loc["M/M/1, rho=0.875: utilisation", "ok"], right.to_string()
    assert right.loc["M/M/1, rho=0.875: utilisation", "theory"] == pytest.approx(0.875)


def test_scenarios_without_a_textbook_model_are_refused_before_running(tmp_path: Path) -> None:
    text = (TEXTBOOK / "mm1.yaml").read_text()
    deterministic = text.replace("{dist: exponential, mean: 1 hour}", "{dist: fixed, value: 1 hour}")
    assert deterministic != text
    (tmp_path / "md1.yaml").write_text(deterministic)
    (tmp_path / "broken.yaml").write_text("name: broken\nhorizon: -1 days\n")
    shutil.copy(TEXTBOOK / "mm1.yaml", tmp_path / "mm1.yaml")
    with pytest.raises(ValueError, match="not textbook queues") as error:
        textbook_checks(tmp_path, replications=2, horizon_scale=SHORT)
    message = str(error.value)
    assert "md1.yaml" in message
    assert "broken.yaml" in message
    assert "mm1.yaml" not in message
    with pytest.raises(ValueError, match="at least 2"):
        check_scenario(load_config(TEXTBOOK / "mm1.yaml"), replications=1)
