"""Wall time of one simulated year of the default scenario (``configs/montreal_centre.yaml``), per regime.

The run is the scenario's own: its 120-day warm-up, then 365 observed days (the engine alone,
``simulate_records``). The figure is the median over repeats (replications 0, 1, ...). Each run is checked
(:func:`benchmarks.checks.check_scenario_run`): client episodes recorded, the Poisson count of new clients,
and a census that is non-negative, matches the shelters' own occupancy and never exceeds their capacity.

    python -m benchmarks.montreal_year [--regime organic] [--repeats 3]
"""

from __future__ import annotations

import argparse

from benchmarks.checks import check_scenario_run
from benchmarks.common import CONFIGS, Record, log, markdown_table, median, record, timed
from simulator import load_config, with_regime
from simulator.engine.simulation import simulate_records

CONFIG = CONFIGS / "montreal_centre.yaml"


def measure(regime: str = "organic", repeats: int = 3, horizon_days: float = 365.0) -> list[Record]:
    scenario = with_regime(load_config(CONFIG, {"horizon": f"{horizon_days} days"}), regime)
    times, cpu, episodes, census = [], [], [], []
    for i in range(repeats):
        seconds, cpu_seconds, records = timed(lambda i=i: simulate_records(scenario, scenario.seed, i))
        cpu.append(cpu_seconds)
        found = check_scenario_run(f"montreal[{regime}] replication {i}", scenario, records.tables)
        del records
        times.append(seconds)
        episodes.append(found["episodes"])
        census.append(found["census_mean"])
        log(f"  replication {i}: {seconds:.1f} s ({cpu_seconds:.1f} s CPU), {found['episodes']:,.0f} episodes, "
            f"{found['census_mean']:,.0f} homeless on a mean night")
    name = f"montreal_year[{regime}]"
    simulated = scenario.warmup + scenario.horizon
    return [
        record(name, "seconds", median(times), f"s for {simulated:g} simulated days (warm-up + year)"),
        record(name, "cpu_seconds", median(cpu), "s of CPU"),
        record(name, "episodes", median(episodes), "client episodes (checked)"),
        record(name, "census_mean", median(census), "homeless on a mean night (checked)"),
        record(name, "episodes_per_s", median([e / t for e, t in zip(episodes, times, strict=True)]),
               "episodes/s"),
    ]


def run(quick: bool = False) -> list[Record]:
    """The suite's entry: one replication (quick) or the median of three, organic regime."""
    return measure("organic", 1 if quick else 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regime", action="append")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--days", type=float, default=365.0, help="observed days after the warm-up")
    args = parser.parse_args()
    records: list[Record] = []
    for regime in args.regime or ["organic"]:
        records += measure(regime, args.repeats, args.days)
    print(markdown_table(records))


if __name__ == "__main__":
    main()
