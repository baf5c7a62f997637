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

from importlib.metadata import PackageNotFoundError, version

from simulator.batch import BatchResult, Run, run_batch, simulate
from simulator.config import ConfigError, Scenario, load_config, with_regime

try:
    __version__ = version("simulator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "BatchResult",
    "ConfigError",
    "Run",
    "Scenario",
    "__version__",
    "load_config",
    "run_batch",
    "simulate",
    "with_regime",
]
