"""Where DP noise comes from.

* NumPy releases (mechanisms, ``bounded_*``, DP-FedAvg's server, the NumPy DP-SGD): a PCG64
  generator seeded with 128 bits from the OS CSPRNG (``secrets``) per call, unless a seed is given.
  PCG64 is a statistical generator, not a cryptographic one: the seed cannot be guessed, but
  someone who saw enough raw PCG64 outputs could predict the rest. A release shows only noisy
  values, never raw outputs, which is why this is the kit's default.
* PyTorch DP-SGD (:func:`ppml_lab.dp.train_dp_sgd`): torch's CPU generator, a Mersenne Twister
  (MT19937) seeded with 63 bits from the OS CSPRNG per training run; with ``secure_mode=True``
  every step's noise and batch sampling come from :func:`secure_gaussian` and
  :func:`secure_uniform` instead.
* Exact integer samplers (:mod:`ppml_lab.dp.discrete`): every bit from ``secrets``.
"""

from __future__ import annotations

import math
import os
import secrets

import numpy as np


def noise_generator(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    """A NumPy generator for privacy noise.

    ``None`` (the default for any release) gives a fresh PCG64 generator seeded with 128 bits from
    the OS CSPRNG, so nobody can reproduce the noise. An ``int`` seed or a ``Generator`` is for
    teaching and tests only: noise anyone can regenerate protects nothing.
    """
    if rng is None:
        return np.random.Generator(np.random.PCG64(secrets.randbits(128)))
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def secure_uniform(size: int) -> np.ndarray:
    """``size`` floats uniform on the 2^53-point grid of [0, 1), every bit read from ``os.urandom``."""
    words = np.frombuffer(os.urandom(8 * size), dtype=np.uint64)
    return (words >> np.uint64(11)).astype(np.float64) * 2.0**-53


def secure_gaussian(std: float, shape: tuple[int, ...]) -> np.ndarray:
    """Gaussian noise of standard deviation ``std`` from the OS CSPRNG (float64).

    Each value is the sum of four independent Box-Muller normals of standard deviation ``std``,
    divided by two (still ``N(0, std^2)``): summing several samples defeats the floating-point
    attacks on a single Gaussian draw (Holohan & Braghin 2021, Section 5.1; Opacus's ``secure_mode``
    does the same). Every uniform comes from ``os.urandom``, so there is no seed or generator
    state to recover and one call's noise says nothing about another's.

    What it does not give: an exactly Gaussian distribution (doubles only approximate one) or a
    proof against every floating-point attack; for that, use the integer samplers of
    :mod:`ppml_lab.dp.discrete`.
    """
    count = math.prod(shape)
    pairs = 2 * count  # four normals per value, two per Box-Muller pair
    u1 = 1.0 - secure_uniform(pairs)  # in (0, 1]: log is finite
    u2 = secure_uniform(pairs)
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.concatenate([r * np.cos(2.0 * np.pi * u2), r * np.sin(2.0 * np.pi * u2)])
    return (z.reshape(4, *shape).sum(axis=0) / 2.0) * std
