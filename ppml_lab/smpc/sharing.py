"""Additive secret sharing over Z/2^64: x = x_0 + x_1 + ... + x_{n-1} (mod 2^64).

Every share but the last is uniformly random, so any n - 1 shares together are independent of
the secret: one bank's share of a transaction amount is a uniformly random 64-bit number.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from ppml_lab.smpc.randomness import random_ring_elements


def share(
    x_ring, n_parties: int = 2, seeded_generator: Generator | None = None
) -> list[np.ndarray]:
    """Split ring elements ``x_ring`` (uint64) into ``n_parties`` additive shares."""
    if n_parties < 2:
        raise ValueError(f"n_parties must be >= 2, got {n_parties}")
    x = np.asarray(x_ring, dtype=np.uint64)
    shares = [random_ring_elements(x.shape, seeded_generator) for _ in range(n_parties - 1)]
    last = x.copy()
    for s in shares:
        last -= s
    return [*shares, last]


def reconstruct(shares) -> np.ndarray:
    """Add the shares back together (mod 2^64)."""
    shares = list(shares)
    if not shares:
        raise ValueError("shares must not be empty")
    total = np.zeros_like(np.asarray(shares[0], dtype=np.uint64))
    for s in shares:
        total += np.asarray(s, dtype=np.uint64)
    return total
