"""Pure functions from a replication's records to tidy DataFrames and summary statistics."""

from simulator.metrics.compute import replication_metrics, tables_from_records
from simulator.metrics.summary import summarise

__all__ = ["replication_metrics", "summarise", "tables_from_records"]
