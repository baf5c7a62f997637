"""Probability distributions of durations, as written in scenario files.

A distribution is a small mapping with a ``dist`` tag, e.g. ``{dist: lognormal, median: 3 days, sigma: 0.7}``
or ``{dist: exponential, mean: 45 min}``; a bare duration (``"45 min"``) is a fixed value. Each distribution
knows its analytic mean (used by validation and by Little's-law first guesses) and draws from a
:class:`simulator.engine.streams.Stream`, whose buffered standard draws keep the hot path cheap.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulator.config.bounds import NOT_BOOL, at_most
from simulator.config.units import Duration, parse_duration

if TYPE_CHECKING:
    from simulator.engine.streams import Stream


MAX_SIGMA = 10.0
"""The largest log-scale ``sigma`` of a lognormal (durations are bounded as any duration, at most 100 years)."""
MAX_CV = 100.0
"""The largest coefficient of variation of a lognormal or a gamma."""


Sigma = Annotated[float, NOT_BOOL, Field(gt=0), at_most(MAX_SIGMA)]
Cv = Annotated[float, NOT_BOOL, Field(gt=0), at_most(MAX_CV)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        raise NotImplementedError

    def sample(self, stream: Stream) -> float:
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same duration."""

    dist: Literal["fixed"] = "fixed"
    value: Duration

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, stream: Stream) -> float:
        return self.value


class Exponential(_Dist):
    """Memoryless durations (the M of queueing theory)."""

    dist: Literal["exponential"]
    mean_: Duration = Field(alias="mean")

    @property
    def mean(self) -> float:
        return self.mean_

    def sample(self, stream: Stream) -> float:
        return self.mean_ * stream.std_exponential()


class Lognormal(_Dist):
    """Right-skewed durations given by their median and log-scale ``sigma`` (or by mean and cv)."""

    dist: Literal["lognormal"]
    median: Duration | None = None
    sigma: Sigma | None = None
    mean_: Duration | None = Field(default=None, alias="mean")
    cv: Cv | None = None

    @model_validator(mode="after")
    def _one_parametrisation(self) -> Lognormal:
        by_median = self.median is not None and self.sigma is not None
        by_mean = self.mean_ is not None and self.cv is not None
        if by_median == by_mean:
            raise ValueError("give either 'median' and 'sigma', or 'mean' and 'cv'")
        if (self.median is not None and self.median <= 0) or (self.mean_ is not None and self.mean_ <= 0):
            raise ValueError("a lognormal needs a positive median or mean")
        return self

    @cached_property
    def mu_sigma(self) -> tuple[float, float]:
        if self.median is not None and self.sigma is not None:
            return math.log(self.median), self.sigma
        assert self.mean_ is not None
        assert self.cv is not None
        sigma2 = math.log(1 + self.cv**2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    @property
    def mean(self) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma**2 / 2)

    def sample(self, stream: Stream) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma * stream.std_normal())


class Gamma(_Dist):
    """Durations given by their mean and coefficient of variation (cv < 1: more regular than exponential)."""

    dist: Literal["gamma"]
    mean_: Duration = Field(alias="mean")
    cv: Cv

    @property
    def mean(self) -> float:
        return self.mean_

    def sample(self, stream: Stream) -> float:
        shape = 1 / self.cv**2
        return float(stream.generator.gamma(shape, self.mean_ / shape))


class Uniform(_Dist):
    """Durations equally likely between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("'high' is below 'low'")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, stream: Stream) -> float:
        return self.low + (self.high - self.low) * stream.uniform()


class Triangular(_Dist):
    """Durations between ``low`` and ``high`` most often near ``mode``: the expert-opinion shape."""

    dist: Literal["triangular"]
    low: Duration
    mode: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def sample(self, stream: Stream) -> float:
        u = stream.uniform()
        low, mode, high = self.low, self.mode, self.high
        cut = (mode - low) / (high - low)
        if u < cut:
            return low + math.sqrt(u * (high - low) * (mode - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - mode))


def _bare_duration_is_fixed(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value and set(value) == {"value"}:
        return {"dist": "fixed", **value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Uniform | Triangular,
    Field(discriminator="dist"),
    BeforeValidator(_bare_duration_is_fixed),
]
"""Any duration distribution; a bare duration is a fixed one."""

__all__ = [
    "Distribution",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Triangular",
    "Uniform",
    "parse_duration",
]
