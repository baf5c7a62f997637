"""Replications and batches: one scenario, many replications, one or several regimes."""

from simulator.batch.runner import BatchResult, Run, run_batch, run_sweep, simulate
from simulator.batch.sweep import Sweep, load_sweep

__all__ = ["BatchResult", "Run", "Sweep", "load_sweep", "run_batch", "run_sweep", "simulate"]
