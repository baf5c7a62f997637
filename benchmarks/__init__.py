"""The benchmark suite: ``python -m benchmarks [--quick] [--json FILE]`` (see ``benchmarks/README.md``).

Modules: :mod:`~benchmarks.mmc_vs_simpy` (M/M/c: ours vs plain SimPy vs Ciw), :mod:`~benchmarks.montreal_year`
(one simulated year of the default scenario), :mod:`~benchmarks.batch` (``run_batch``), ``sweep_scaling``
(sweep executors), :mod:`~benchmarks.scaling` (time and memory against horizon, arrival rate and
replications); :mod:`~benchmarks.checks` holds the output checks every benchmark runs on its results.
"""
