"""Functional tests: the simulator responds to resources in the direction common sense demands.

* more shelter beds -> fewer unsheltered nights and fewer turn-aways;
* lower handoff loss -> fewer unmet-need days;
* more staff at a clinic -> shorter waits at that clinic.

Method. Every comparison runs the same scaled-down scenario (``tests/data/small_network.yaml``: about 100
clients in the initial stock, 4 new a day, 40 observed days after 10 of warm-up) at three levels of one
parameter, under common random numbers: replication ``i`` of every level uses the same seed and
replication index, hence the same clients arriving at the same times with the same needs. Differences
between levels are therefore paired, replication by replication.

Tolerance. For each pair of adjacent levels we require (1) the mean over replications to move in the
expected direction, strictly, and (2) the paired differences to be at least ``MIN_T`` = 2 standard errors
away from zero (a one-sided paired t statistic of 2, p < 0.05 with 7 degrees of freedom). The runs are deterministic
(fixed seed), so these tests cannot flicker; the margin is there so that a legitimate change of the engine's
random draws (new streams, reordered draws) does not break them, while an effect of the wrong sign, or no
effect at all, still fails. With the levels chosen below, the statistics observed over five root seeds were
at least 5 (most above 8). Levels are chosen where the effect exists in the model: beyond three staff the
clinic's waits are set by its opening hours (clients who come after closing wait for the morning whatever
the staff), so more staff there hardly shortens them and is not tested; the clinic is made busy (long
visits, a longer horizon) so that queueing, not the calendar, sets the wait.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import simulator
from simulator import Run
from simulator.config.schema import SERVICE_NEEDS
from tests.strategies import base_data, build

SEED = 20240601
REPLICATIONS = 8
MIN_T = 2.0


def value(run: Run, metric: str, dimension: str = "all") -> float:
    m = run.metrics
    found = m.loc[(m["metric"] == metric) & (m["dimension"] == dimension), "value"]
    assert len(found) == 1, f"metric {metric}[{dimension}] missing or repeated"
    return float(found.iloc[0])


def unmet_need_days(run: Run) -> float:
    return sum(value(run, "unmet_need_days", need) for need in SERVICE_NEEDS)


@functools.cache
def _runs(variant: str, level: Any, regime: str) -> tuple[Run, ...]:
    data = base_data()
    VARIANTS[variant](data, level)
    scenario = build(data)
    return tuple(simulator.simulate(scenario, seed=SEED, replication=i, regime=regime)
                 for i in range(REPLICATIONS))


def outcomes(variant: str, level: Any, measure: Callable[[Run], float], regime: str = "organic") -> np.ndarray:
    return np.array([measure(run) for run in _runs(variant, level, regime)])


def assert_decreases(worse: np.ndarray, better: np.ndarray, what: str) -> None:
    """``better`` is lower than ``worse`` on average, by at least MIN_T standard errors of the paired
    differences (common random numbers: element i of both comes from the same seed and replication)."""
    diff = worse - better
    assert better.mean() < worse.mean(), f"{what}: mean {better.mean():.4g} is not below {worse.mean():.4g}"
    sd = diff.std(ddof=1)
    t = math.inf if sd == 0 else diff.mean() / (sd / math.sqrt(len(diff)))
    assert t >= MIN_T, (f"{what}: paired improvement {diff.mean():.4g} is only {t:.2f} standard errors "
                        f"(need {MIN_T}); worse={worse.round(3)}, better={better.round(3)}")


# ---------------------------------------------------------------------------------------------- variants
def _beds(data: dict[str, Any], factor: float) -> None:
    """Every shelter's capacity (and winter capacity) times ``factor``."""
    for spec in data["services"].values():
        if spec["kind"] == "shelter":
            spec["capacity"] = round(spec["capacity"] * factor)
            if "winter_capacity" in spec:
                spec["winter_capacity"] = round(spec["winter_capacity"] * factor)


def _loss(data: dict[str, Any], base: float) -> None:
    """The same loss for every adjustment type: ``base`` at the handoff and ``base / 10`` per waiting day."""
    for kind in ("unilateral", "bilateral", "multilateral", "integrated"):
        data["handoffs"][kind]["loss"] = {"base": base, "hazard": f"{base / 10:g} per day"}


CLINIC = "clsc"


def _staff(data: dict[str, Any], staff: int) -> None:
    """``staff`` at the CLSC, made busy (150-minute visits: utilisation about 1.5, 0.75 and 0.5 with 1, 2
    and 3 staff) and without patience, so that every arrival is served and the mean wait of those served is
    the mean wait of all; 80 observed days, to average over many weeks of opening hours."""
    data["horizon"] = "80 days"
    clinic = data["services"][CLINIC]
    clinic["staff"] = staff
    clinic["service_time"] = {"dist": "lognormal", "mean": "150 min", "cv": 0.6}
    clinic.pop("patience", None)


def _winter_gap(data: dict[str, Any], factor: float) -> None:
    """Outdoor gaps that start in winter last ``factor`` of their length, for every shelter-use pattern."""
    for use in data["population"]["shelter_use"].values():
        use["winter_outdoor_gap"] = factor


def _winter_seek(data: dict[str, Any], share: float) -> None:
    """A share ``share`` of avoidant clients asks for beds each winter; a third of every pattern avoids."""
    for use in data["population"]["shelter_use"].values():
        use["avoidance"] = 1 / 3
        use["winter_seek"] = share


def _channels(data: dict[str, Any]) -> None:
    """Met needs change lives (docs/model.md section 3.7): each open service need halves the self-resolution
    hazard, and an open mental-health or substance-use need at the exit doubles the return hazard; 80 observed
    days, so that the exits have time to follow the needs met."""
    data["horizon"] = "80 days"
    exits = data["population"]["exits"]
    exits["self_resolution_hazard_ratio"] = {"mental_health": 0.5, "substance_use": 0.5, "primary_care": 0.5,
                                             "income_documents": 0.5}
    exits["return_hazard_ratio"] = {"mental_health": 2.0, "substance_use": 2.0}


def _loss_with_channels(data: dict[str, Any], base: float) -> None:
    _channels(data)
    _loss(data, base)


def _prerequisite_delay(data: dict[str, Any], delay: str) -> None:
    """Papers first: every clinic and housing programme takes a need only once income and documents are met
    and ``delay`` has passed; four clients in five need them."""
    _channels(data)
    data["population"]["needs"]["base"]["income_documents"] = 0.8
    data["prerequisites"] = [
        {"service": service, "need": need, "requires_met": ["income_documents"], "delay": delay}
        for service, need in [("clsc", "primary_care"), ("clsc", "mental_health"), ("mental_health", "mental_health"),
                              ("addiction", "substance_use"), ("housing_first", "housing"),
                              ("social_housing", "housing")]]


VARIANTS: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "beds": _beds, "loss": _loss, "staff": _staff, "winter": _winter_gap, "seek": _winter_seek,
    "loss+channels": _loss_with_channels, "prerequisite": _prerequisite_delay}


# ---------------------------------------------------------------------------------------------- tests
BED_FACTORS = (0.5, 1.0, 2.0)  # 22, 45 and 90 beds in the observed season (base: 30 + 10 + 5)


@pytest.mark.parametrize("metric", ["unsheltered_nights", "turnaways"])
def test_more_beds_fewer_unsheltered_nights(metric: str) -> None:
    series = [outcomes("beds", f, lambda run: value(run, metric)) for f in BED_FACTORS]
    for (low, fewer), (high, more) in zip(
            zip(BED_FACTORS, series, strict=True), zip(BED_FACTORS[1:], series[1:], strict=True), strict=False):
        assert_decreases(fewer, more, f"{metric}: beds x{low} -> x{high}")


def test_extra_beds_are_used() -> None:
    """Sanity of the comparison above: the base network is full most nights (so beds are the constraint),
    fills less often as beds are added, and the extra beds are slept in."""
    full = [outcomes("beds", f, lambda run: value(run, "nights_at_capacity_share")) for f in BED_FACTORS]
    assert full[1].mean() > 0.5, f"the base shelters are rarely full ({full[1].mean():.2f})"
    assert full[0].mean() >= full[1].mean() > full[2].mean()
    sheltered = [outcomes("beds", f, lambda run: value(run, "count_sheltered")) for f in BED_FACTORS]
    assert sheltered[0].mean() < sheltered[1].mean() < sheltered[2].mean()


def test_shorter_winter_gaps_more_winter_refusals() -> None:
    """Cold nights that bring people in sooner (outdoor gaps at a fifth of their length in winter) raise the
    winter refusal rate of full shelters, not that of the rest of the season by as much."""
    usual = outcomes("winter", 1.0, lambda run: value(run, "turnaway_rate", "winter"))
    cold = outcomes("winter", 0.2, lambda run: value(run, "turnaway_rate", "winter"))
    assert_decreases(cold, usual, "winter refusal rate: winter_outdoor_gap 0.2 -> 1")
    rest_usual = outcomes("winter", 1.0, lambda run: value(run, "turnaway_rate", "rest"))
    rest_cold = outcomes("winter", 0.2, lambda run: value(run, "turnaway_rate", "rest"))
    assert (cold - usual).mean() > (rest_cold - rest_usual).mean()


def test_avoidant_clients_seeking_beds_in_winter_raise_winter_refusals() -> None:
    """When the cold brings avoidant clients to ask for beds (winter_seek 1 against 0), the shelters refuse
    more people in winter; the rest of the season changes less (those clients stay out then)."""
    usual = outcomes("seek", 0.0, lambda run: value(run, "turnaway_rate", "winter"))
    cold = outcomes("seek", 1.0, lambda run: value(run, "turnaway_rate", "winter"))
    assert_decreases(cold, usual, "winter refusal rate: winter_seek 1 -> 0")
    excess_usual = outcomes("seek", 0.0, lambda run: value(run, "turnaway_winter_excess"))
    excess_cold = outcomes("seek", 1.0, lambda run: value(run, "turnaway_winter_excess"))
    assert_decreases(excess_cold, excess_usual, "winter excess of refusals: winter_seek 1 -> 0")


LOSSES = (0.0, 0.35, 0.7)


@pytest.mark.parametrize("regime", ["organic", "integrated"])
def test_lower_handoff_loss_fewer_unmet_need_days(regime: str) -> None:
    series = [outcomes("loss", p, unmet_need_days, regime) for p in LOSSES]
    for i in range(len(LOSSES) - 1):
        # series[i + 1] has the higher loss: it is the "worse" one
        assert_decreases(series[i + 1], series[i], f"unmet need days ({regime}): loss {LOSSES[i + 1]} -> {LOSSES[i]}")
    # and the mechanism: a larger share of referrals is completed
    completed = [outcomes("loss", p, lambda run: value(run, "referral_completion_share"), regime) for p in LOSSES]
    assert completed[0].mean() > completed[1].mean() > completed[2].mean()


STAFF = (1, 2, 3)


def test_more_clinic_staff_shorter_waits() -> None:
    waits = [outcomes("staff", n, lambda run: value(run, "wait_mean_days", CLINIC)) for n in STAFF]
    for i in range(len(STAFF) - 1):
        assert_decreases(waits[i], waits[i + 1], f"{CLINIC} mean wait: staff {STAFF[i]} -> {STAFF[i + 1]}")
    p90 = [outcomes("staff", n, lambda run: value(run, "wait_p90_days", CLINIC)) for n in STAFF]
    assert p90[0].mean() > p90[1].mean() > p90[2].mean()
    # the clinic's staff level changes its own utilisation, as it should
    busy = [outcomes("staff", n, lambda run: value(run, "utilisation", CLINIC)) for n in STAFF]
    assert busy[0].mean() > busy[1].mean() > busy[2].mean()


def test_more_clinic_staff_does_not_change_other_inputs() -> None:
    """Common random numbers hold across the staff levels: the same clients arrive (so the waits above are
    compared on the same demand)."""
    reference = [run.tables["episodes"].query("source == 'inflow'")[["client", "start"]] for run in
                 _runs("staff", STAFF[0], "organic")]
    for n in STAFF[1:]:
        for i, run in enumerate(_runs("staff", n, "organic")):
            inflow = run.tables["episodes"].query("source == 'inflow'")[["client", "start"]]
            assert inflow.sort_values("client").reset_index(drop=True).equals(
                reference[i].sort_values("client").reset_index(drop=True))


def test_assert_decreases_can_fail() -> None:
    """The comparison helper rejects an effect of the wrong sign and an effect lost in the noise."""
    with pytest.raises(AssertionError, match="not below"):
        assert_decreases(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 3.5]), "wrong sign")
    with pytest.raises(AssertionError, match="standard errors"):
        assert_decreases(np.array([1.0, 5.0, 1.0, 5.0]), np.array([1.1, 1.0, 4.9, 4.8]), "noise")
    assert_decreases(np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0]), "constant improvement")


# ---- services change lives: the channels of docs/model.md section 3.7 ---------------------------------------
# Under common random numbers, with the channels on. Observed with the seed above: loss 0.7 -> 0 lowers the
# one-night count by 7.5 people (paired t 5.1) and unsheltered nights by 590 (t 5.0); a prerequisite delay of
# 60 days against none raises the count by 3.8 (t 5.4) and unsheltered nights by 240 (t 3.9).
@pytest.mark.parametrize("metric", ["count_total", "count_outdoors", "unsheltered_nights"])
def test_lower_handoff_loss_fewer_people_homeless(metric: str) -> None:
    lossy = outcomes("loss+channels", 0.7, lambda run: value(run, metric))
    lossless = outcomes("loss+channels", 0.0, lambda run: value(run, metric))
    assert_decreases(lossy, lossless, f"{metric}: handoff loss 0.7 -> 0 with the channels on")


@pytest.mark.parametrize("metric", ["count_total", "count_outdoors", "unsheltered_nights"])
def test_a_longer_prerequisite_delay_more_people_homeless(metric: str) -> None:
    slow = outcomes("prerequisite", "60 days", lambda run: value(run, metric))
    quick = outcomes("prerequisite", "0 days", lambda run: value(run, metric))
    assert_decreases(slow, quick, f"{metric}: prerequisite delay 60 days -> 0")

