"""Results folders: Parquet tables and a provenance manifest, written atomically."""

from simulator.io.results import config_hash, write_batch

__all__ = ["config_hash", "write_batch"]
