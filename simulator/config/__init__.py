"""Scenario configuration: schema, units, distributions, and loading with located errors."""

from simulator.config.loader import ConfigError, Problem, load_config
from simulator.config.schema import Scenario, with_regime

__all__ = ["ConfigError", "Problem", "Scenario", "load_config", "with_regime"]
