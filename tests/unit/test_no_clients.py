"""A scenario in which nobody arrives (no inflow, no initial stock) runs and gives zero counts, not a crash.

Found by the config fuzz test: ``population.inflow.rate: 0 per hour`` made every client table empty, and
merging two empty tables of different column types raised a pandas error.
"""

from __future__ import annotations

from pathlib import Path

from simulator.batch import simulate

NO_ARRIVALS = Path(__file__).parents[1] / "data" / "no_arrivals.yaml"


def test_a_run_without_clients_has_zero_counts() -> None:
    run = simulate(NO_ARRIVALS, seed=1)
    metrics = run.metrics.set_index(["metric", "dimension"])["value"]
    assert metrics[("clients_served", "all")] == 0
    assert metrics[("people_homeless", "all")] == 0
    assert metrics[("clients", "all")] == 0
