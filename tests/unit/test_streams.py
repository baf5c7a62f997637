"""Random streams: one reproducible, independent generator per (seed, replication, source name)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import stats

from simulator.engine.streams import BLOCK, Stream, Streams, source_key

N = 5_000


def uniforms(stream: Stream, n: int = N) -> np.ndarray:
    return np.fromiter((stream.uniform() for _ in range(n)), dtype=float, count=n)


def test_same_seed_replication_and_name_give_the_same_draws():
    a, b = Streams(42, 3)["arrivals"], Streams(42, 3)["arrivals"]
    assert [a.uniform() for _ in range(100)] == [b.uniform() for _ in range(100)]
    assert [a.std_exponential() for _ in range(100)] == [b.std_exponential() for _ in range(100)]
    assert [a.std_normal() for _ in range(100)] == [b.std_normal() for _ in range(100)]


def test_getitem_returns_the_same_stream_for_a_name():
    streams = Streams(1, 0)
    first = streams["clinic"]
    first.uniform()
    assert streams["clinic"] is first


@pytest.mark.parametrize(("seed", "replication", "name"), [(42, 3, "service"), (42, 4, "arrivals"),
                                                            (43, 3, "arrivals")])
def test_other_name_replication_or_seed_gives_other_draws(seed, replication, name):
    base = uniforms(Streams(42, 3)["arrivals"], 200)
    other = uniforms(Streams(seed, replication)[name], 200)
    assert not np.array_equal(base, other)


def test_adding_a_source_does_not_shift_another():
    """The draws of a source depend on its name only, not on which other streams exist or were used."""
    alone = Streams(7, 0)
    alone_draws = uniforms(alone["arrivals"], 100)
    crowded = Streams(7, 0)
    for name in ("shelter", "clinic", "outreach"):
        uniforms(crowded[name], 3000)
    assert np.array_equal(alone_draws, uniforms(crowded["arrivals"], 100))


def test_different_names_are_independent():
    streams = Streams(2024, 0)
    a, b = uniforms(streams["clinic:service"]), uniforms(streams["clinic:patience"])
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 4 / np.sqrt(N)
    # and each looks uniform
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    assert stats.kstest(b, "uniform").pvalue > 1e-3


def test_replications_are_independent():
    a = uniforms(Streams(5, 0)["arrivals"])
    b = uniforms(Streams(5, 1)["arrivals"])
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(N)


def test_stream_is_derived_from_seed_sequence_of_seed_replication_and_name():
    seed, replication, name = 11, 2, "arrivals"
    reference = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(entropy=seed, spawn_key=(replication, zlib.crc32(name.encode())))))
    expected = reference.random(BLOCK)
    got = uniforms(Streams(seed, replication)[name], BLOCK)
    assert np.array_equal(got, expected)


def test_buffered_draws_continue_across_blocks():
    stream = Stream(np.random.SeedSequence(1))
    reference = np.random.Generator(np.random.PCG64(np.random.SeedSequence(1)))
    n = 2 * BLOCK + 17
    got = uniforms(stream, n)
    expected = np.concatenate([reference.random(BLOCK) for _ in range(3)])[:n]
    assert np.array_equal(got, expected)


def test_source_key_is_stable():
    assert source_key("arrivals") == zlib.crc32(b"arrivals")
    assert source_key("arrivals") == source_key("arrivals")
    assert source_key("arrivals") != source_key("arrival")
    assert 0 <= source_key("é") < 2**32


def test_draw_distributions():
    stream = Streams(3, 0)["moments"]
    e = np.fromiter((stream.std_exponential() for _ in range(N)), dtype=float, count=N)
    z = np.fromiter((stream.std_normal() for _ in range(N)), dtype=float, count=N)
    u = uniforms(stream)
    assert ((u >= 0) & (u < 1)).all()
    assert (e >= 0).all()
    assert e.mean() == pytest.approx(1.0, abs=5 / np.sqrt(N))
    assert z.mean() == pytest.approx(0.0, abs=5 / np.sqrt(N))
    assert z.std() == pytest.approx(1.0, abs=0.05)


def test_choice_follows_the_cumulative_shares():
    stream = Streams(9, 0)["choice"]
    cumulative = [0.2, 0.5, 1.0]
    counts = np.bincount([stream.choice(cumulative) for _ in range(N)], minlength=3) / N
    assert counts == pytest.approx([0.2, 0.3, 0.5], abs=0.03)


def test_choice_with_rounding_short_of_one_returns_the_last_index():
    class AlmostOne(Stream):
        def uniform(self) -> float:
            return 0.9999999

    stream = AlmostOne(np.random.SeedSequence(0))
    assert stream.choice([0.5, 0.9999]) == 1
