"""Replications and batches: one scenario, many replications, one or several regimes."""

from simulator.batch.runner import BatchResult, Run, run_batch, simulate

__all__ = ["BatchResult", "Run", "run_batch", "simulate"]
