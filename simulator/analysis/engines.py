"""The two engines against each other, in distribution: every metric of ``docs/model.md`` section 9.

The compiled engine (:mod:`simulator.fast`) follows the same specification as the SimPy engine, and on the
scenarios it runs today it writes the same records draw for draw; that exactness is checked row by row
elsewhere (``tests/fast``). This module asks the weaker question that stays meaningful whatever the engines'
internals: do replications of the two engines come from the same distribution, metric by metric?

**Samples.** ``simpy_replications`` replications of the SimPy engine with the scenario's seed, and
``fast_replications`` of the compiled engine with a *different* root seed (the scenario's seed plus
:data:`FAST_SEED_OFFSET`), so that the two samples are independent even where the engines agree draw for
draw (with the same seed, replication ``i`` would be the same run on both).

**Test of one metric** (one ``metric, dimension`` of one regime):

* *presence*: a metric omitted in some replications (a rate with nothing to divide, a wait nobody had) is
  compared by how often it is present, with Fisher's exact test;
* *values*, over the replications where it is present (at least :data:`MIN_PRESENT` on each side): Welch's
  t-test on the means and the two-sample Kolmogorov-Smirnov test on the whole distribution, combined by
  Bonferroni (twice the smaller p-value); two constant samples are equal (p = 1) or not (p = 0); where one
  side is constant (a rare event that never happened in its replications), Fisher's exact test on how often
  each side takes that value replaces Welch's t, which would take the constant side's mean as exact;
* the metric's p-value is the smallest of those that apply, times their number (Bonferroni again).

**Many metrics.** A comparison tests hundreds of metrics at once, so the p-values are adjusted by Holm's
step-down method over the whole comparison (every regime and metric), which holds the chance of flagging any
metric when the engines agree at ``alpha`` (default 1%). A metric *differs* when its adjusted p-value is
below ``alpha``; the raw count below ``alpha`` is reported too, as a view of what an uncorrected reading
would have flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.config.schema import Scenario, with_regime

#: the compiled engine's root seed is the scenario's plus this, so that the two samples are independent
FAST_SEED_OFFSET = 1_000_003
#: a metric's values are compared when it is present in at least this many replications of each engine
MIN_PRESENT = 5
KEYS = ["regime", "metric", "dimension"]


@dataclass
class EngineComparison:
    """The outcome of :func:`compare_engines`: one row per ``regime, metric, dimension`` in ``table``."""

    scenario: str
    regimes: list[str]
    simpy_replications: int
    fast_replications: int
    alpha: float
    table: pd.DataFrame
    """columns ``regime, metric, dimension, n_simpy, n_fast, mean_simpy, mean_fast, sd_simpy, sd_fast,
    p_presence, p_mean, p_ks, p, p_holm, differs``"""

    @property
    def compared(self) -> int:
        """How many metrics (regime, metric, dimension) were compared."""
        return len(self.table)

    @property
    def raw_differences(self) -> int:
        """How many had a p-value below ``alpha`` before the correction."""
        return int((self.table["p"] < self.alpha).sum())

    @property
    def differences(self) -> pd.DataFrame:
        """The metrics that differ after Holm's correction."""
        return self.table[self.table["differs"]]

    def describe(self) -> str:
        """One paragraph: what was compared and what differed."""
        text = (f"{self.scenario}: {self.compared} metrics over {len(self.regimes)} regime(s), "
                f"{self.simpy_replications} SimPy against {self.fast_replications} compiled replications; "
                f"{self.raw_differences} below p = {self.alpha:g} before correction, "
                f"{len(self.differences)} after Holm's correction")
        for row in self.differences.itertuples():
            text += (f"\n  {row.regime} {row.metric} [{row.dimension}]: {row.mean_simpy:.6g} (SimPy) against "
                     f"{row.mean_fast:.6g} (compiled), adjusted p = {row.p_holm:.2g}")
        return text


def metric_test(simpy: np.ndarray, fast: np.ndarray, simpy_runs: int, fast_runs: int) -> dict[str, float]:
    """The p-values of one metric: ``simpy`` and ``fast`` hold its values in the replications where it is
    present, out of ``simpy_runs`` and ``fast_runs`` replications."""
    from scipy import stats

    out = {"p_presence": np.nan, "p_mean": np.nan, "p_ks": np.nan}
    tests = []
    if len(simpy) < simpy_runs or len(fast) < fast_runs:
        table = [[len(simpy), simpy_runs - len(simpy)], [len(fast), fast_runs - len(fast)]]
        out["p_presence"] = float(stats.fisher_exact(table).pvalue)
        tests.append(out["p_presence"])
    if len(simpy) >= MIN_PRESENT and len(fast) >= MIN_PRESENT:
        if np.ptp(simpy) == 0 and np.ptp(fast) == 0:
            out["p_mean"] = out["p_ks"] = 1.0 if simpy[0] == fast[0] else 0.0
        elif np.ptp(simpy) == 0 or np.ptp(fast) == 0:
            # one side constant (a rare event that never happened in its replications): Welch's t would take
            # that side's mean as exact; compare how often each side takes the constant value instead
            value = simpy[0] if np.ptp(simpy) == 0 else fast[0]
            table = [[int((simpy == value).sum()), int((simpy != value).sum())],
                     [int((fast == value).sum()), int((fast != value).sum())]]
            out["p_mean"] = float(stats.fisher_exact(table).pvalue)
            out["p_ks"] = float(stats.ks_2samp(simpy, fast).pvalue)
        else:
            out["p_mean"] = float(stats.ttest_ind(simpy, fast, equal_var=False).pvalue)
            out["p_ks"] = float(stats.ks_2samp(simpy, fast).pvalue)
        tests.append(min(1.0, 2 * min(out["p_mean"], out["p_ks"])))
    out["p"] = min(1.0, len(tests) * min(tests)) if tests else 1.0
    return out


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of the p-values ``p`` (family-wise error)."""
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def compare_metrics(simpy: pd.DataFrame, fast: pd.DataFrame, simpy_runs: int, fast_runs: int,
                    alpha: float = 0.01) -> pd.DataFrame:
    """Compare two long metric tables (``replication, regime, metric, dimension, value``) metric by metric;
    return the table of :attr:`EngineComparison.table`."""
    rows = []
    sides = {"simpy": simpy.dropna(subset=["value"]), "fast": fast.dropna(subset=["value"])}
    groups = {side: dict(iter(frame.groupby(KEYS, sort=True)["value"])) for side, frame in sides.items()}
    empty = pd.Series([], dtype=float)
    for key in sorted(set(groups["simpy"]) | set(groups["fast"]), key=str):
        a = groups["simpy"].get(key, empty).to_numpy(dtype=float)
        b = groups["fast"].get(key, empty).to_numpy(dtype=float)
        row = dict(zip(KEYS, key, strict=True))
        row.update(n_simpy=len(a), n_fast=len(b),
                   mean_simpy=a.mean() if len(a) else np.nan, mean_fast=b.mean() if len(b) else np.nan,
                   sd_simpy=a.std(ddof=1) if len(a) > 1 else np.nan, sd_fast=b.std(ddof=1) if len(b) > 1 else np.nan)
        row.update(metric_test(a, b, simpy_runs, fast_runs))
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p"].to_numpy(dtype=float))
    table["differs"] = table["p_holm"] < alpha
    return table


def compare_engines(scenario: Scenario, regimes: Sequence[str] | None = None, simpy_replications: int = 30,
                    fast_replications: int = 300, seed: int | None = None, workers: int = 1, alpha: float = 0.01,
                    fast_scenario: Scenario | None = None,
                    progress: Callable[[int, int], None] | None = None) -> EngineComparison:
    """Run ``scenario`` on both engines under each regime and compare every metric (see the module's text).

    ``fast_scenario`` (default: ``scenario``) is what the compiled engine runs: a changed scenario there shows
    what the comparison can detect. Raises :class:`simulator.fast.FastEngineError` before anything runs when the
    compiled engine does not support the scenario under one of the regimes.
    """
    from simulator.batch.runner import run_batch
    from simulator.fast.support import check_supported

    names = list(regimes) if regimes else [scenario.regime]
    other = scenario if fast_scenario is None else fast_scenario
    for name in names:
        check_supported(with_regime(other, name))
    seed = scenario.seed if seed is None else seed
    total = (simpy_replications + fast_replications) * len(names)
    done = [0, 0]

    def step(offset: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def report(finished: int, _total: int) -> None:
            done[offset] = finished
            progress(sum(done), total)
        return report

    slow = run_batch(scenario, simpy_replications, seed, names, workers, step(0))
    fast = run_batch(other, fast_replications, seed + FAST_SEED_OFFSET, names, workers, step(1), engine="fast")
    table = compare_metrics(slow.metrics, fast.metrics, simpy_replications, fast_replications, alpha)
    return EngineComparison(scenario.name, names, simpy_replications, fast_replications, alpha, table)
