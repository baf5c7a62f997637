"""Replicating textbook scenarios and judging simulated means against analytic values.

:func:`replicate` runs independent replications (worker processes when there are spare cores) and reduces
each one to a small dict of per-replication estimates (:func:`summarise`). :func:`compare` turns the
replication estimates of one quantity into a :class:`Verdict`:

    pass  <=>  |mean - theory| <= t_{n-1, 0.9995} s / sqrt(n)  +  bias x |theory|
    and        t_{n-1, 0.9995} s / sqrt(n) <= max_half_width x |theory|

The first term is the half-width of the 99.9% confidence interval of the mean of n independent replications
(Student t: each replication's estimate is an average of thousands of correlated waits, close to normal; a
check of 60 replications of the tandem network found the t interval's coverage close to nominal even for
mean waits, whose replication estimates are right-skewed). 99.9% rather than 99% because a test file makes
some 30 nearly independent checks: at 99% a correct engine whose random streams change (new draws, a new
source) would fail at least one of them about a quarter of the time; at 99.9%, about 3% of the time.
The second, a small relative allowance, covers the biases that do not shrink with more replications: the
start from an empty system (the warm-up removes most of it), and the visits still open at the horizon, which
every per-visit estimate leaves out. The last condition keeps a test from passing only because its
replications are too noisy to detect anything: it states the precision the test must reach.

With fixed seeds the verdicts are deterministic. If the engine's random streams change, a correct engine
still fails one given check with probability below 0.1% (less with the bias allowance).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from simulator import Scenario, simulate
from simulator.analysis.textbook import BIAS_ALLOWANCE
from simulator.batch import Run
from simulator.config.schema import Clinic

Summary = dict[str, float]


# ---------------------------------------------------------------------------------------------- running
def workers() -> int:
    """Worker processes for replications: the usable cores (at most 8), or ``VALIDATION_WORKERS``."""
    if "VALIDATION_WORKERS" in os.environ:
        return max(1, int(os.environ["VALIDATION_WORKERS"]))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _one(job: tuple[Scenario, int, int, Callable[[Run], Any]]) -> Any:
    scenario, seed, replication, reduce = job
    return reduce(simulate(scenario, seed=seed, replication=replication))


def replicate(scenario: Scenario, replications: int, reduce: Callable[[Run], Summary] | None = None,
              seed: int | None = None) -> list[Summary]:
    """Run replications ``0 .. replications-1`` of ``scenario`` and reduce each (default :func:`summarise`).

    Replications use independent random streams (the engine derives them from seed and replication index),
    so their estimates are independent draws and a t interval applies. The order of the results does not
    depend on the number of workers.
    """
    reduce = summarise if reduce is None else reduce
    seed = scenario.seed if seed is None else seed
    return run_all([(scenario, seed, i, reduce) for i in range(replications)])


def run_all(jobs: Sequence[tuple[Scenario, int, int, Callable[[Run], Any]]]) -> list[Any]:
    """Run ``(scenario, seed, replication, reduce)`` jobs, in worker processes when there are spare cores,
    and return the reductions in the order of the jobs."""
    n_workers = min(workers(), len(jobs))
    if n_workers <= 1:
        return [_one(job) for job in jobs]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        return list(pool.map(_one, jobs))


def shortened(scenario: Scenario, horizon: float, warmup: float | None = None) -> Scenario:
    """A copy of ``scenario`` with another horizon (and warm-up), in days."""
    update: dict[str, Any] = {"horizon": float(horizon)}
    if warmup is not None:
        update["warmup"] = float(warmup)
    return scenario.model_copy(update=update)


# ---------------------------------------------------------------------------------------------- reducing
def summarise(run: Run) -> Summary:
    """Per-replication estimates for every clinic of a textbook scenario (keys ``service:quantity``).

    From the engine's metrics table: ``wait`` (mean wait of served visits arriving in the observed window),
    ``sojourn`` (their mean time in the clinic), ``line`` (the mean time in line of ALL who joined: served,
    reneged, balked at 0, censored at the horizon), ``balk``, ``renege``, ``abandon`` (the two together),
    ``utilisation``, ``L`` (the engine's
    own time-average number present, waiting or in service) and ``lam`` (observed arrivals per day). From the
    visits table: ``p_wait`` (share of served visits that waited at all) and the terms of Little's law over
    the window (see :func:`little_terms`). ``network:sojourn`` is the mean time from walk-in to need met of
    the clients who walked in during the window and left before the horizon.
    """
    scenario = run.scenario
    lo, hi = scenario.warmup, scenario.end_time
    metrics = run.metrics.set_index(["metric", "dimension"])["value"]
    visits = run.tables["visits"]
    out: Summary = {"span": hi - lo}
    for name, spec in scenario.services.items():
        if not isinstance(spec, Clinic):
            continue
        for key, metric in (("wait", "wait_mean_days"), ("sojourn", "sojourn_mean_days"), ("balk", "balk_share"),
                            ("renege", "renege_share"), ("utilisation", "utilisation"),
                            ("L", "time_avg_present"), ("lam", "arrival_rate_per_day"),
                            ("line", "line_time_mean_days"), ("abandon", "abandonment_share")):
            out[f"{name}:{key}"] = float(metrics.get((metric, name), math.nan))
        mine = visits[visits["service"] == name]
        observed = mine[(mine["arrival"] >= lo) & (mine["arrival"] < hi) & (mine["outcome"] == "served")]
        out[f"{name}:p_wait"] = float((observed["start"] > observed["arrival"]).mean())
        for key, value in little_terms(mine, "clinic", lo, hi).items():
            out[f"{name}:{key}"] = value
    episodes = run.tables["episodes"]
    done = episodes[(episodes["start"] >= lo) & (episodes["exit_reason"] == "needs_met")]
    out["network:sojourn"] = float((done["end"] - done["start"]).mean())
    out["network:clients"] = float(len(episodes[episodes["start"] >= lo]))
    return out


def little_terms(visits: Any, kind: str, lo: float, hi: float) -> dict[str, float]:
    """The terms of Little's law over the window ``[lo, hi]`` from one service's visit rows.

    A visit counts as present from its arrival until it leaves the population the engine's monitor counts:
    for a clinic or access point (waiting or in service) until ``end``; for a housing programme (waiting on
    the list) until ``start`` (matched), or ``end`` when it left the list unmatched (gave up, episode ended).
    A visit still open at the horizon (outcome ``censored``) is present until the horizon: its time so far
    counts, it is neither dropped nor given an invented end. Balked visits never joined the queue, nor did
    visits dropped on arrival (lost or reneged with ``end == arrival`` and no start).

    Returns ``arrivals`` (visits arriving in the window), ``W`` (their mean time present, up to the horizon
    for censored ones), ``carry_in`` (time present in the window of the visits that arrived before it,
    divided by the window length) and ``area`` (the total time present in the window divided by the window
    length). By construction ``area = arrivals / T * W + carry_in``: Little's law over a finite window, which
    the engine's independent monitor ``time_avg_present`` must match.
    """
    rows = visits[visits["outcome"] != "balked"]
    # a referral whose loss clock ran out before it reached the receiver is written as a visit that ended
    # the moment it arrived, without joining the queue: zero time present, and not an arrival to the queue
    never_joined = rows["start"].isna() & (rows["end"] == rows["arrival"]) & rows["outcome"].isin(
        ["lost_waiting", "reneged"])
    rows = rows[~never_joined]
    arrival = rows["arrival"].to_numpy(dtype=float)
    start = rows["start"].to_numpy(dtype=float)
    end = rows["end"].to_numpy(dtype=float)
    censored = (rows["outcome"] == "censored").to_numpy()
    # a housing programme counts clients on its list: they leave it when matched (start) or when they give up
    leave = np.where(~np.isnan(start), start, end) if kind == "housing" else end.copy()
    leave = np.where(censored & np.isnan(leave), hi, leave)
    if np.isnan(leave).any():
        raise AssertionError(f"{int(np.isnan(leave).sum())} visit rows have no end and are not censored")
    leave = np.minimum(leave, hi)
    span = hi - lo
    inside = (arrival >= lo) & (arrival < hi)
    before = arrival < lo
    carry = np.clip(leave[before] - lo, 0.0, None).sum()
    time_in = leave[inside] - arrival[inside]
    return {
        "arrivals": float(inside.sum()),
        "W": float(time_in.mean()) if inside.any() else 0.0,
        "carry_in": float(carry / span),
        "area": float((carry + time_in.sum()) / span),
    }


def values(summaries: Sequence[Summary], key: str) -> np.ndarray:
    return np.array([s[key] for s in summaries], dtype=float)


# ---------------------------------------------------------------------------------------------- judging
@dataclass(frozen=True)
class Verdict:
    """A simulated mean over replications against an analytic value."""

    name: str
    theory: float
    mean: float
    half_width: float
    """half-width of the confidence interval of the mean"""
    bias: float
    """relative allowance for biases that do not shrink with replications"""
    max_half_width: float
    """the relative precision the check must reach to mean anything"""
    n: int
    level: float

    @property
    def tolerance(self) -> float:
        return self.half_width + self.bias * abs(self.theory)

    @property
    def error(self) -> float:
        return self.mean - self.theory

    @property
    def agrees(self) -> bool:
        return abs(self.error) <= self.tolerance

    @property
    def precise(self) -> bool:
        return self.half_width <= self.max_half_width * abs(self.theory)

    @property
    def ok(self) -> bool:
        return self.agrees and self.precise

    def __str__(self) -> str:
        rel = self.error / self.theory if self.theory else math.nan
        return (f"{self.name}: sim {self.mean:.6g} vs theory {self.theory:.6g} (error {rel:+.2%}); "
                f"{self.level:.1%} CI half-width {self.half_width:.3g} "
                f"({self.half_width / abs(self.theory):.2%}), tolerance {self.tolerance:.3g}, n={self.n}"
                + ("" if self.precise else f"; NOT PRECISE ENOUGH (needs <= {self.max_half_width:.0%})")
                + ("" if self.agrees else "; OUTSIDE TOLERANCE"))


def compare(name: str, sample: Sequence[float] | np.ndarray, theory: float, *, bias: float = BIAS_ALLOWANCE,
            max_half_width: float = 0.10, level: float = 0.999) -> Verdict:
    """Judge the mean of per-replication estimates against ``theory`` (see the module docstring)."""
    x = np.asarray(sample, dtype=float)
    if len(x) < 2 or np.isnan(x).any():
        raise ValueError(f"{name}: need at least two finite replication estimates, got {x}")
    half_width = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return Verdict(name, float(theory), float(x.mean()), half_width, bias, max_half_width, len(x), level)


def check(verdicts: Sequence[Verdict]) -> None:
    """Print every verdict and fail with all the failing ones at once."""
    for verdict in verdicts:
        print(("ok   " if verdict.ok else "FAIL ") + str(verdict))
    failed = [str(v) for v in verdicts if not v.ok]
    assert not failed, "simulation disagrees with theory:\n" + "\n".join(failed)

