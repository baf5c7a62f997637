"""Wall time of one simulated year of the default scenario (after its warm-up), per regime.

    python -m benchmarks.montreal_year [--regime organic] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from simulator import load_config, with_regime
from simulator.engine.simulation import simulate_records

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "montreal_centre.yaml"


def run(regime: str = "organic", repeats: int = 3, horizon_days: float = 365.0) -> dict[str, object]:
    scenario = with_regime(load_config(CONFIG, {"horizon": f"{horizon_days} days"}), regime)
    times, clients = [], []
    for i in range(repeats):
        start = time.perf_counter()
        records = simulate_records(scenario, scenario.seed, i)
        times.append(time.perf_counter() - start)
        clients.append(len(records.tables["episodes"]["client"]))
        if not clients[-1]:
            raise AssertionError("no client episodes recorded")
    return {"benchmark": f"montreal_year[{regime}]", "metric": "seconds", "value": statistics.median(times),
            "unit": "s", "baseline": None, "ratio": None, "episodes": statistics.median(clients),
            "simulated_days": scenario.warmup + scenario.horizon}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regime", action="append")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for regime in args.regime or ["organic"]:
        record = run(regime, args.repeats)
        print(f"{record['benchmark']}: {record['value']:.1f} s for {record['simulated_days']:g} simulated days "
              f"(warm-up + one year), {record['episodes']:,.0f} client episodes; median of {args.repeats}")


if __name__ == "__main__":
    main()
