"""Where DP noise comes from: the OS CSPRNG by default, a seeded generator only when asked."""

from __future__ import annotations

import secrets

import numpy as np


def noise_generator(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    """A NumPy generator for privacy noise.

    ``None`` (the default for any release) seeds a fresh generator with 128 bits from the OS
    CSPRNG, so nobody can reproduce the noise. An ``int`` seed or a ``Generator`` is for teaching
    and tests only: noise anyone can regenerate protects nothing.
    """
    if rng is None:
        return np.random.Generator(np.random.PCG64(secrets.randbits(128)))
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
