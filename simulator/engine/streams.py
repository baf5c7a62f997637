"""Random streams: one independent ``numpy`` generator per stochastic source.

Every source of randomness (arrivals, client attributes, each service's service times, each handoff type...)
draws from its own stream, derived from ``SeedSequence(entropy=seed, spawn_key=(replication, key(name)))``.
Two consequences the rest of the simulator relies on:

* adding a service or a source does not shift the draws of the others (the key is the source's name);
* replication ``i`` of two scenarios or regimes sees the same arrivals and the same clients: common random
  numbers, so that differences between regimes are not drowned in sampling noise.

Draws are buffered in blocks, because a Python-level call into numpy per draw would dominate the event loop.
There is no global random state anywhere in the package.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK = 2048


def source_key(name: str) -> int:
    """A stable 32-bit key for a source name (``crc32``; stable across Python runs, unlike ``hash``)."""
    return zlib.crc32(name.encode("utf-8"))


class Stream:
    """Buffered draws from one generator: uniforms, standard exponentials and standard normals."""

    __slots__ = ("_e", "_ei", "_n", "_ni", "_u", "_ui", "generator")

    def __init__(self, seed_sequence: np.random.SeedSequence):
        self.generator = np.random.Generator(np.random.PCG64(seed_sequence))
        self._u: list[float] = []
        self._ui = 0
        self._e: list[float] = []
        self._ei = 0
        self._n: list[float] = []
        self._ni = 0

    def uniform(self) -> float:
        """A draw from U[0, 1)."""
        i = self._ui
        if i >= len(self._u):
            self._u = self.generator.random(BLOCK).tolist()
            i = 0
        self._ui = i + 1
        return self._u[i]

    def std_exponential(self) -> float:
        """A draw from the exponential distribution of mean 1."""
        i = self._ei
        if i >= len(self._e):
            self._e = self.generator.standard_exponential(BLOCK).tolist()
            i = 0
        self._ei = i + 1
        return self._e[i]

    def std_normal(self) -> float:
        """A draw from the standard normal distribution."""
        i = self._ni
        if i >= len(self._n):
            self._n = self.generator.standard_normal(BLOCK).tolist()
            i = 0
        self._ni = i + 1
        return self._n[i]

    def choice(self, cumulative: list[float]) -> int:
        """Index drawn from the cumulative shares ``cumulative`` (last entry 1)."""
        u = self.uniform()
        for index, edge in enumerate(cumulative):
            if u < edge:
                return index
        return len(cumulative) - 1


class Streams:
    """The streams of one replication, created on first use by source name."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, source_key(name)))
            stream = self._streams[name] = Stream(sequence)
        return stream
