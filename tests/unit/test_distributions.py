"""Duration distributions: parsing from scenario mappings, analytic means, and sampling from a Stream."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.config.distributions import (
    Distribution,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)
from simulator.engine.streams import Stream

ADAPTER = TypeAdapter(Distribution)
DRAWS = 40_000


def parse(value):
    return ADAPTER.validate_python(value)


def stream(seed: int = 12345) -> Stream:
    return Stream(np.random.SeedSequence(seed))


def _variance(dist) -> float:
    """Analytic variance of each distribution (days squared)."""
    if isinstance(dist, Fixed):
        return 0.0
    if isinstance(dist, Exponential):
        return dist.mean**2
    if isinstance(dist, Lognormal):
        mu, sigma = dist.mu_sigma
        return (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)
    if isinstance(dist, Gamma):
        return (dist.cv * dist.mean) ** 2
    if isinstance(dist, Uniform):
        return (dist.high - dist.low) ** 2 / 12
    if isinstance(dist, Triangular):
        a, c, b = dist.low, dist.mode, dist.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    raise AssertionError(type(dist))


SPECS = {
    "fixed_bare": "45 min",
    "fixed_mapping": {"value": "3 days"},
    "fixed_tagged": {"dist": "fixed", "value": "2 hours"},
    "exponential": {"dist": "exponential", "mean": "45 min"},
    "lognormal_median": {"dist": "lognormal", "median": "8 days", "sigma": 0.8},
    "lognormal_mean_cv": {"dist": "lognormal", "mean": "75 min", "cv": 0.5},
    "gamma": {"dist": "gamma", "mean": "2 days", "cv": 0.4},
    "gamma_high_cv": {"dist": "gamma", "mean": "1 day", "cv": 1.5},
    "uniform": {"dist": "uniform", "low": "45 min", "high": "60 min"},
    "triangular": {"dist": "triangular", "low": "1 day", "mode": "2 days", "high": "10 days"},
    "triangular_mode_at_low": {"dist": "triangular", "low": "0 days", "mode": "0 days", "high": "4 days"},
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sample_mean_matches_analytic_mean(name):
    dist = parse(SPECS[name])
    s = stream()
    draws = np.fromiter((dist.sample(s) for _ in range(DRAWS)), dtype=float, count=DRAWS)
    assert (draws >= 0).all()
    standard_error = math.sqrt(_variance(dist) / DRAWS)
    # five standard errors (fixed seed: deterministic), plus float noise for fixed values
    assert abs(draws.mean() - dist.mean) <= 5 * standard_error + 1e-12 * dist.mean, (
        draws.mean(), dist.mean, standard_error)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sample_variance_matches_analytic_variance(name):
    dist = parse(SPECS[name])
    s = stream(99)
    draws = np.fromiter((dist.sample(s) for _ in range(DRAWS)), dtype=float, count=DRAWS)
    expected = _variance(dist)
    if expected == 0:
        assert (draws == dist.mean).all()
    else:
        assert draws.var(ddof=1) == pytest.approx(expected, rel=0.15)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_same_stream_seed_same_draws(name):
    dist = parse(SPECS[name])
    first, second = stream(7), stream(7)
    assert [dist.sample(first) for _ in range(50)] == [dist.sample(second) for _ in range(50)]


def test_analytic_means():
    assert parse("45 min").mean == pytest.approx(45 / 1440)
    assert parse({"dist": "exponential", "mean": "2 days"}).mean == pytest.approx(2.0)
    assert parse({"dist": "lognormal", "median": "8 days", "sigma": 0.8}).mean == pytest.approx(
        8 * math.exp(0.32))
    assert parse({"dist": "lognormal", "mean": "3 years", "cv": 0.8}).mean == pytest.approx(3 * 365)
    assert parse({"dist": "gamma", "mean": "5 days", "cv": 0.3}).mean == pytest.approx(5.0)
    assert parse({"dist": "uniform", "low": "1 day", "high": "3 days"}).mean == pytest.approx(2.0)
    assert parse({"dist": "triangular", "low": "1 day", "mode": "2 days", "high": "6 days"}).mean == \
        pytest.approx(3.0)


def test_lognormal_mean_cv_parametrisation():
    dist = parse({"dist": "lognormal", "mean": "10 days", "cv": 0.6})
    mu, sigma = dist.mu_sigma
    assert sigma == pytest.approx(math.sqrt(math.log(1 + 0.36)))
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(10.0)
    assert math.sqrt(_variance(dist)) / dist.mean == pytest.approx(0.6)


def test_lognormal_median():
    dist = parse({"dist": "lognormal", "median": "8 days", "sigma": 1.0})
    s = stream(3)
    draws = np.fromiter((dist.sample(s) for _ in range(DRAWS)), dtype=float, count=DRAWS)
    assert np.median(draws) == pytest.approx(8.0, rel=0.03)


def test_kinds():
    assert isinstance(parse("45 min"), Fixed)
    assert isinstance(parse({"value": "45 min"}), Fixed)
    assert isinstance(parse({"dist": "exponential", "mean": "1 h"}), Exponential)
    assert isinstance(parse({"dist": "lognormal", "median": "1 h", "sigma": 1}), Lognormal)
    assert isinstance(parse({"dist": "gamma", "mean": "1 h", "cv": 1}), Gamma)
    assert isinstance(parse({"dist": "uniform", "low": "1 h", "high": "2 h"}), Uniform)
    assert isinstance(parse({"dist": "triangular", "low": "1 h", "mode": "1 h", "high": "2 h"}), Triangular)


def test_zero_fixed_duration():
    assert parse(0).mean == 0.0


@pytest.mark.parametrize(("spec", "words"), [
    ({"dist": "weibull", "shape": 1.5, "scale": "1 day"}, "weibull"),
    ({"dist": "exponential", "mean": 45}, "no unit"),
    ({"dist": "exponential"}, "mean"),
    ({"dist": "exponential", "mean": "45 min", "sd": "5 min"}, "sd"),
    ({"dist": "exponential", "mean": "-45 min"}, "negative"),
    ({"dist": "lognormal", "median": "1 day"}, "median"),
    ({"dist": "lognormal", "median": "1 day", "sigma": 0.5, "mean": "1 day", "cv": 0.5}, "either"),
    ({"dist": "lognormal", "median": "0 days", "sigma": 0.5}, "positive"),
    ({"dist": "lognormal", "median": "1 day", "sigma": 0}, "greater than 0"),
    ({"dist": "gamma", "mean": "1 day", "cv": 0}, "greater than 0"),
    ({"dist": "uniform", "low": "2 days", "high": "1 day"}, "below"),
    ({"dist": "triangular", "low": "1 day", "mode": "5 days", "high": "3 days"}, "low <= mode <= high"),
    ({"dist": "triangular", "low": "1 day", "mode": "1 day", "high": "1 day"}, "low < high"),
    (45, "no unit"),
    ("45", "duration"),
    (True, ""),
    ({"mean": "1 day"}, ""),
])
def test_invalid_distribution_is_refused(spec, words):
    with pytest.raises(ValidationError) as info:
        parse(spec)
    assert words.lower() in str(info.value).lower()


def test_distributions_are_frozen():
    dist = parse({"dist": "exponential", "mean": "1 day"})
    with pytest.raises(ValidationError):
        dist.mean_ = 3.0  # type: ignore[misc]
