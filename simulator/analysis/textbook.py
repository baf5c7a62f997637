"""The engine against queueing theory, as a table: run the textbook scenarios and judge them.

A textbook scenario (``configs/textbook/``) is a scenario whose clinics are M/M/c queues: Poisson walk-ins,
exponential service, always open, FIFO, instantaneous lossless referrals, optionally a waiting room of fixed
size (M/M/c/K) or exponential patience (M/M/c+M, Erlang A). Such a queue has a known stationary solution, so
the engine's output can be held against it. :func:`textbook_checks` runs every scenario of a folder with its
own seed and replications and returns one row per check; :func:`check_scenario` does the same for one
scenario. The theory is always computed from the scenario itself (:func:`simulator.analysis.queueing.network_of`
reads its clinics as a Jackson network, the formulas of :mod:`simulator.analysis.queueing` do the rest): no
number is copied from the comments of the configs.

What is checked depends on the model the scenario encodes, not on its name:

* M/M/c (one clinic): mean wait in queue (Erlang C), utilisation, time-average number present, Little's law;
* M/M/c/K (one clinic with ``waitlist_cap``): blocking probability (metric ``balk_share``), mean wait of the
  admitted clients, time-average number present, Little's law;
* M/M/c+M (one clinic with exponential ``patience``): abandonment share (Erlang A, metric ``renege_share``),
  mean wait of the clients served, time-average number present. No Little's law row: the engine's
  ``sojourn_mean_days`` counts served visits only, while the clients who abandon are present too;
* open Jackson networks (several clinics joined by referrals, tandem included): mean wait in queue and mean
  time at each clinic, mean time from walk-in to need met, Little's law summed over the clinics.

Little's law (``L = lambda W``) is checked with three of the engine's metrics that come from independent
places: ``time_avg_present`` (a monitor integrating the number present over time), ``arrival_rate_per_day``
(a count of arrivals) and ``sojourn_mean_days`` (the visit records). Its row is the ratio
``L / (lambda W)``, whose theory is 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis.queueing import Network, erlang_a, jackson, mmc, mmck, network_of
from simulator.batch.runner import Progress, run_batch
from simulator.config import ConfigError, Scenario, load_config
from simulator.config.schema import Clinic, Need

__all__ = ["BIAS_ALLOWANCE", "COLUMNS", "check_scenario", "textbook_checks"]

BIAS_ALLOWANCE = 0.01
"""Relative allowance for the biases that replications do not average away: the start from an empty system
(the warm-up removes most of it) and the visits still open at the horizon, which every per-visit mean leaves
out. The validation tests use the same allowance."""

COLUMNS = ["config", "check", "unit", "theory", "mean", "low", "high", "relative_error", "replications", "ok"]
HOURS = 24.0  # the engine's times are in days; the textbook queues are stated in hours


@dataclass(frozen=True)
class _Check:
    """One comparison: a theoretical value and how to read its estimate from each replication."""

    check: str
    unit: str
    theory: float
    estimate: Callable[[pd.DataFrame], np.ndarray]
    """per-replication estimates from the wide metrics table (one row per replication)"""


# ------------------------------------------------------------------------------------------- reading metrics
def _metric(metric: str, dimension: str, scale: float = 1.0) -> Callable[[pd.DataFrame], np.ndarray]:
    """Per-replication values of one engine metric (NaN where a replication lacks it), times ``scale``."""

    def read(wide: pd.DataFrame) -> np.ndarray:
        if (metric, dimension) not in wide.columns:
            return np.full(len(wide), math.nan)
        return wide[(metric, dimension)].to_numpy(dtype=float) * scale

    return read


def _little(clinics: Sequence[str]) -> Callable[[pd.DataFrame], np.ndarray]:
    """Per-replication ``sum L / sum lambda W`` over ``clinics`` (one clinic: Little's law at that clinic)."""

    def read(wide: pd.DataFrame) -> np.ndarray:
        present = sum(_metric("time_avg_present", name)(wide) for name in clinics)
        flow = sum(_metric("arrival_rate_per_day", name)(wide) * _metric("sojourn_mean_days", name)(wide)
                   for name in clinics)
        return np.asarray(present / flow, dtype=float)

    return read


# ------------------------------------------------------------------------------------------- theory
def _need(scenario: Scenario) -> Need:
    needs = sorted({walk.need for walk in scenario.entry})
    if len(needs) != 1:
        raise ValueError(f"clients must walk in for exactly one need, not {needs}")
    return needs[0]


def _plan(scenario: Scenario) -> list[_Check]:
    """The checks a scenario's queueing model admits, with their theoretical values (ValueError if none)."""
    others = [name for name, spec in scenario.services.items() if not isinstance(spec, Clinic)]
    if others:
        raise ValueError(f"only clinics have a textbook model; {', '.join(others)} are not clinics")
    need = _need(scenario)
    net = network_of(scenario, need)
    if sum(net.external) <= 0:
        raise ValueError(f"no walk-ins for {need}")
    if len(net.names) == 1 and net.routing[0][0] == 0:
        return _single(net)
    return _network(net, need)


def _single(net: Network) -> list[_Check]:
    """Checks of a single clinic: M/M/c, M/M/c/K or M/M/c+M."""
    (name,), (lam,), (mu,), (c,), (theta,), (cap,) = net.names, net.external, net.mu, net.c, net.theta, net.cap
    rho = lam / (c * mu)
    wait, present = _metric("wait_mean_days", name, HOURS), _metric("time_avg_present", name)
    if theta == 0 and cap is None:
        model = f"M/M/{c}, rho={rho:.3g}"
        theory = mmc(lam, mu, c)
        return [
            _Check(f"{model}: mean wait in queue (Erlang C)", "hours", theory.wq * HOURS, wait),
            _Check(f"{model}: utilisation", "share", theory.rho, _metric("utilisation", name)),
            _Check(f"{model}: time-average number present L", "clients", theory.l, present),
            _Check(f"{model}: Little's law, L / (lambda W)", "ratio", 1.0, _little([name])),
        ]
    if theta == 0 and cap is not None:
        k = c + cap  # the waitlist cap counts those waiting, not those in service
        model = f"M/M/{c}/{k}, rho={rho:.3g}"
        blocked = mmck(lam, mu, c, k)
        return [
            _Check(f"{model}: blocking probability (balk share)", "share", blocked.blocking,
                   _metric("balk_share", name)),
            _Check(f"{model}: mean wait in queue of admitted clients", "hours", blocked.wq * HOURS, wait),
            _Check(f"{model}: time-average number present L", "clients", blocked.l, present),
            # the engine counts admitted arrivals only (balked clients never join), as Little's law wants
            _Check(f"{model}: Little's law, L / (lambda W)", "ratio", 1.0, _little([name])),
        ]
    if cap is None:
        model = f"M/M/{c}+M, rho={rho:.3g}, mean patience {HOURS / theta:.3g} h"
        impatient = erlang_a(lam, mu, c, theta)
        if impatient.tail > 1e-12:
            raise ValueError(f"{name}: the Erlang A chain truncated at {len(impatient.pi) - 1} clients "
                             f"leaves {impatient.tail:.2g} in its last state")
        number = float(np.sum(np.arange(len(impatient.pi)) * impatient.pi))
        return [
            _Check(f"{model}: abandonment share (Erlang A)", "share", impatient.p_abandon,
                   _metric("renege_share", name)),
            _Check(f"{model}: mean wait in queue of served clients (Erlang A)", "hours",
                   impatient.wq_served * HOURS, wait),
            _Check(f"{model}: mean time in line of all arrivals, served or not (Erlang A)", "hours",
                   impatient.wq_all * HOURS, _metric("line_time_mean_days", name, HOURS)),
            _Check(f"{model}: time-average number present L", "clients", number, present),
        ]
    raise ValueError(f"{name}: a waiting room with impatient clients (M/M/c/K+M) has no formula here")


def _is_tandem(net: Network) -> bool:
    """Walk-ins at the first clinic only, and every clinic sends everyone on to the next."""
    n = len(net.names)
    chain = [[1.0 if j == i + 1 else 0.0 for j in range(n)] for i in range(n)]
    return net.routing == chain and all(rate == 0 for rate in net.external[1:])


def _network(net: Network, need: Need) -> list[_Check]:
    """Checks of an open Jackson network: every clinic, the whole journey and Little's law."""
    problems = [name for name, theta, cap in zip(net.names, net.theta, net.cap, strict=True)
                if theta != 0 or cap is not None]
    if problems:
        raise ValueError(f"{', '.join(problems)}: patience or waiting-room caps break the Jackson product form")
    theory = jackson(net.external, net.routing, net.mu, net.c)
    model = "Tandem" if _is_tandem(net) else "Jackson network"
    checks = []
    for name, node in zip(net.names, theory.nodes, strict=True):
        clinic = f"{model}, {name} (M/M/{node.c}, rho={node.rho:.3g})"
        checks += [
            _Check(f"{clinic}: mean wait in queue", "hours", node.wq * HOURS,
                   _metric("wait_mean_days", name, HOURS)),
            _Check(f"{clinic}: mean time at the clinic", "hours", node.w * HOURS,
                   _metric("sojourn_mean_days", name, HOURS)),
        ]
    checks += [
        _Check(f"{model}: mean time from walk-in to need met", "hours", theory.sojourn * HOURS,
               _metric("time_to_need_met_mean_days", need, HOURS)),
        _Check(f"{model}: Little's law over all clinics, sum L / sum lambda W", "ratio", 1.0, _little(net.names)),
    ]
    return checks


def _order(scenario: Scenario, checks: list[_Check]) -> tuple[int, float, str]:
    """Simple models first: M/M/c by utilisation, then M/M/c/K, Erlang A, networks by size."""
    net = network_of(scenario, _need(scenario))
    if len(net.names) > 1:
        return 3, len(net.names), scenario.name
    rank = 2 if net.theta[0] else 1 if net.cap[0] is not None else 0
    return rank, net.c[0] * 10 + net.external[0] / (net.c[0] * net.mu[0]), scenario.name


# ------------------------------------------------------------------------------------------- judging
def _judge(config: str, check: _Check, sample: np.ndarray, level: float, bias: float) -> dict[str, object]:
    """One row: mean, t interval and verdict of the per-replication estimates against the theory."""
    from scipy import stats  # imported here: scipy.stats takes a second to import

    n = len(sample)
    mean = float(np.mean(sample))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * np.std(sample, ddof=1) / math.sqrt(n))
    low, high = mean - half, mean + half
    slack = bias * abs(check.theory)
    return {
        "config": config,
        "check": check.check,
        "unit": check.unit,
        "theory": check.theory,
        "mean": mean,
        "low": low,
        "high": high,
        "relative_error": (mean - check.theory) / check.theory if check.theory else math.nan,
        "replications": n,
        "ok": bool(low - slack <= check.theory <= high + slack),  # False when anything is NaN
    }


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"replications": "int64", "ok": "bool"})


def _scaled(scenario: Scenario, horizon_scale: float) -> Scenario:
    if horizon_scale <= 0:
        raise ValueError("horizon_scale must be positive")
    if horizon_scale == 1:
        return scenario
    return scenario.model_copy(update={"horizon": scenario.horizon * horizon_scale})


def _run(scenario: Scenario, checks: list[_Check], replications: int, workers: int, progress: Progress | None,
         level: float, bias: float) -> list[dict[str, object]]:
    if replications < 2:
        raise ValueError("a confidence interval needs at least 2 replications")
    batch = run_batch(scenario, replications=replications, seed=scenario.seed, workers=workers, progress=progress)
    wide = batch.metrics.pivot(index="replication", columns=["metric", "dimension"], values="value")
    return [_judge(scenario.name, check, check.estimate(wide), level, bias) for check in checks]


# ------------------------------------------------------------------------------------------- public
def check_scenario(scenario: Scenario, replications: int | None = None, workers: int = 1,
                   progress: Progress | None = None, *, theory_from: Scenario | None = None,
                   horizon_scale: float = 1.0, level: float = 0.95, bias: float = BIAS_ALLOWANCE) -> pd.DataFrame:
    """Run one textbook scenario and compare its metrics with queueing theory.

    Parameters
    ----------
    scenario
        The scenario to run (its own seed; its horizon times ``horizon_scale``; its warm-up unchanged).
    replications
        Replications to run; defaults to the scenario's ``replications``. At least 2.
    workers
        Worker processes for the replications (the table does not depend on it).
    progress
        Called as ``progress(done, total)`` after each replication.
    theory_from
        The scenario whose model gives the theory; defaults to ``scenario``. Giving another one runs one
        model and judges it against another: a way to show that the checks can fail.
    horizon_scale, level, bias
        As in :func:`textbook_checks`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`textbook_checks` for this scenario. ValueError if the scenario is not a textbook
        queue (see the module docstring).
    """
    checks = _plan(theory_from if theory_from is not None else scenario)
    replications = scenario.replications if replications is None else replications
    return _frame(_run(_scaled(scenario, horizon_scale), checks, replications, workers, progress, level, bias))


def textbook_checks(configs_dir: Path, replications: int | None = None, workers: int = 1,
                    progress: Progress | None = None, *, horizon_scale: float = 1.0, level: float = 0.95,
                    bias: float = BIAS_ALLOWANCE) -> pd.DataFrame:
    """Run every textbook scenario of a folder and compare the engine's output with queueing theory.

    Every ``*.yaml`` file of ``configs_dir`` is loaded and read as a queueing model (see the module
    docstring); the scenarios run with their own seed and, by default, their own number of replications.
    The theory is computed from each scenario's parameters. The same inputs give the same table, whatever
    ``workers``.

    Parameters
    ----------
    configs_dir
        Folder of textbook scenario files (``configs/textbook``). Every file must load and be a textbook
        queue: otherwise ValueError listing every file that is not, before anything runs.
    replications
        Replications per scenario (at least 2); defaults to each scenario's own ``replications``.
    workers
        Worker processes for the replications.
    progress
        Called as ``progress(done, total)`` after each replication, counted over all the scenarios.
    horizon_scale
        Factor on every scenario's observed horizon (the warm-up is kept, since it is set by how long the
        queue takes to forget its empty start, not by the precision wanted). The textbook configs observe
        2000 days, some 34,000 to 140,000 clients per replication; at 1 the whole folder (70 replications)
        takes some seven minutes of CPU time, four to ten minutes of wall time with ``workers=2``
        depending on what else the cores run. A scale of 0.25 takes about a third of that (the warm-ups
        are kept) and doubles the interval widths; below about 0.05 the start-up bias of the heavily
        loaded queues is no longer small against the bias allowance.
    level
        Confidence level of the interval ``[low, high]``.
    bias
        Relative bias allowance of the verdict (default :data:`BIAS_ALLOWANCE`, the tests' 1%).

    Returns
    -------
    pandas.DataFrame
        One row per check, simple models first, with columns ``config`` (scenario name), ``check`` (a short
        label naming the model and the quantity), ``unit`` (``hours``, ``share``, ``clients`` or ``ratio``),
        ``theory``, ``mean`` (over replications), ``low`` and ``high`` (the ``level`` Student-t interval of
        the mean, n - 1 degrees of freedom), ``relative_error`` (``(mean - theory) / theory``),
        ``replications`` and ``ok``:

            ok  <=>  low - bias |theory|  <=  theory  <=  high + bias |theory|

        that is, the theory lies in the confidence interval widened by the bias allowance. At the default
        95% level a correct engine still misses about one check in twenty by chance when the allowance is
        small against the interval (the validation tests use 99.9% for that reason); a shortened horizon
        widens the intervals, and so makes ``ok`` easier to reach and less telling.
    """
    paths = sorted(Path(configs_dir).glob("*.yaml"))
    if not paths:
        raise ValueError(f"no scenario files (*.yaml) in {configs_dir}")
    plans: list[tuple[Scenario, list[_Check]]] = []
    problems: list[str] = []
    for path in paths:
        try:
            scenario = load_config(path)
            plans.append((scenario, _plan(scenario)))
        except (ConfigError, ValueError) as exc:
            problems.append(f"{path.name}: {exc}")
    if problems:
        raise ValueError("not textbook queues:\n" + "\n".join(problems))
    plans.sort(key=lambda plan: _order(*plan))
    counts = [scenario.replications if replications is None else replications for scenario, _ in plans]
    total, finished = sum(counts), 0
    rows: list[dict[str, object]] = []
    for (scenario, checks), count in zip(plans, counts, strict=True):
        offset = finished

        def report(done: int, _: int, offset: int = offset) -> None:
            if progress is not None:
                progress(offset + done, total)

        rows += _run(_scaled(scenario, horizon_scale), checks, count, workers, report, level, bias)
        finished += count
    return _frame(rows)
