"""Results folders: provenance, atomic writes, and the layout shared by runs and sweeps."""

from simulator.io.results import atomic_write, config_hash, versions

__all__ = ["atomic_write", "config_hash", "versions"]
