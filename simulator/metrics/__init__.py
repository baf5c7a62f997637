"""Pure functions from a replication's records to tidy DataFrames and summary statistics.

:func:`replication_metrics` is the reference (DataFrames); :func:`metrics_from_arrays` computes the same table
from the record columns as arrays, faster, and is what the runs use.
"""

from simulator.metrics.arrays import metrics_from_arrays
from simulator.metrics.compute import replication_metrics, tables_from_records
from simulator.metrics.summary import summarise

__all__ = ["metrics_from_arrays", "replication_metrics", "summarise", "tables_from_records"]
