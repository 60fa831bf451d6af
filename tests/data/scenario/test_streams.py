"""Keyed random streams: same seed and name give the same draws, anything else differs."""

from __future__ import annotations

import numpy as np

from basis.data.scenario.streams import Streams


def test_generator_same_seed_and_name_identical_draws() -> None:
    first = Streams(5).generator("price", "ETH").standard_normal(100)
    second = Streams(5).generator("price", "ETH").standard_normal(100)
    np.testing.assert_array_equal(first, second)


def test_generator_other_name_or_seed_different_draws() -> None:
    base = Streams(5).generator("price", "ETH").standard_normal(100)
    other_name = Streams(5).generator("price", "BTC").standard_normal(100)
    other_seed = Streams(6).generator("price", "ETH").standard_normal(100)
    assert not np.array_equal(base, other_name)
    assert not np.array_equal(base, other_seed)


def test_generator_name_parts_are_not_concatenated() -> None:
    split = Streams(5).generator("ab", "c").standard_normal(10)
    joined = Streams(5).generator("a", "bc").standard_normal(10)
    assert not np.array_equal(split, joined)


def test_generator_equals_spawned_child_of_same_key() -> None:
    # Keyed streams are SeedSequence children: the same construction as spawn(), by name.
    import zlib

    key = (zlib.crc32(b"gas"),)
    expected = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(9, spawn_key=key))
    ).random(5)
    np.testing.assert_array_equal(Streams(9).generator("gas").random(5), expected)
