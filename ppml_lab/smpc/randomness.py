"""Randomness for shares, masks and triples: the OS CSPRNG, with one named hook for tests."""

from __future__ import annotations

import os

import numpy as np
from numpy.random import Generator


def random_ring_elements(shape, seeded_generator: Generator | None = None) -> np.ndarray:
    """Uniform elements of Z/2^64 with the given shape.

    Drawn from ``os.urandom`` (the OS CSPRNG). ``seeded_generator`` exists only so that tests
    and demonstrations can be reproduced; shares or masks drawn from it protect nothing.
    """
    shape = tuple(np.atleast_1d(shape)) if not isinstance(shape, tuple) else shape
    count = int(np.prod(shape, dtype=np.int64))
    if seeded_generator is not None:
        return seeded_generator.integers(0, 2**64, size=shape, dtype=np.uint64, endpoint=False)
    return np.frombuffer(os.urandom(8 * count), dtype=np.uint64).reshape(shape).copy()
