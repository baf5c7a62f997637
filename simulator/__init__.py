"""A discrete-event simulator of a city's homeless-services network.

Clients move through shelters, clinics, outreach and housing programmes; every referral between two
organisations is a handoff whose latency, loss, information, staff time and priority depend on how the
workers adjust to each other (unilateral, bilateral or multilateral mutual adjustment), or on the rules of a
formally integrated system. Batches of replications give distributions of waits and unmet needs per regime.

The public API::

    from simulator import load_config, simulate, run_batch
    scenario = load_config("configs/montreal_centre.yaml")
    run = simulate(scenario, seed=1)              # one replication: run.tables, run.metrics
    batch = run_batch(scenario, replications=10)  # batch.metrics, batch.summary()
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from simulator.config import ConfigError, Scenario, load_config, with_regime

if TYPE_CHECKING:
    from simulator.batch import BatchResult, Run, Sweep, load_sweep, run_batch, run_sweep, simulate

try:
    __version__ = version("simulator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

_BATCH = ("BatchResult", "Run", "Sweep", "load_sweep", "run_batch", "run_sweep", "simulate")


def __getattr__(name: str) -> Any:
    """Import the batch layer (pandas, scipy) on first use, so that the CLI starts quickly."""
    if name in _BATCH:
        import simulator.batch as batch

        return getattr(batch, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")

__all__ = [
    "BatchResult",
    "ConfigError",
    "Run",
    "Scenario",
    "Sweep",
    "__version__",
    "load_config",
    "load_sweep",
    "run_batch",
    "run_sweep",
    "simulate",
    "with_regime",
]
