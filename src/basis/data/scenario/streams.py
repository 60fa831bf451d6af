"""Independent random streams per process, keyed by name, all derived from one seed."""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """A factory of `numpy.random.Generator`s, one per named process.

    `generator("price", "ETH")` is `PCG64` seeded by `SeedSequence(seed, spawn_key=(crc32
    ("price"), crc32("ETH")))`: exactly the child `SeedSequence.spawn` would make, but
    addressed by name rather than by position, so adding a venue, an asset or a process
    never changes any other stream (the ETH path stays the same when a venue is added).
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def generator(self, *names: str) -> np.random.Generator:
        """Return a fresh generator for the process called `names` (same names, same draws)."""
        key = tuple(zlib.crc32(name.encode()) for name in names)
        sequence = np.random.SeedSequence(self.seed, spawn_key=key)
        return np.random.Generator(np.random.PCG64(sequence))
