"""Exact discrete Laplace and discrete Gaussian samplers (Canonne, Kamath & Steinke, 2020).

Continuous noise sampled with floating point leaks: the set of doubles a naive Laplace sampler
can output depends on the true value, which lets an observer tell inputs apart (Mironov 2012).
These samplers return integers, use only integer and rational (``fractions.Fraction``)
arithmetic, and draw every random bit from the OS CSPRNG (``secrets``): no floating-point
transcendental function ever touches a secret-dependent value. Scale the query to integers
(e.g. quantise to a grid) before adding their noise.
"""

from __future__ import annotations

import secrets
from fractions import Fraction
from math import isqrt

import numpy as np


def _as_fraction(name: str, value) -> Fraction:
    try:
        frac = Fraction(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a rational number (int, float or Fraction), got {value!r}") from exc
    if frac <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return frac


def _bernoulli(p: Fraction) -> bool:
    """True with probability ``p`` (a rational in [0, 1]), exactly."""
    return secrets.randbelow(p.denominator) < p.numerator


def bernoulli_exp(gamma: Fraction) -> bool:
    """True with probability ``exp(-gamma)`` for rational ``gamma >= 0``, exactly."""
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}")
    while gamma > 1:  # exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma)))
        if not bernoulli_exp(Fraction(1)):
            return False
        gamma -= 1
    k = 1
    while _bernoulli(gamma / k):
        k += 1
    return k % 2 == 1


def _geometric_exp_minus_one() -> int:
    """Number of successes before the first failure of Bernoulli(exp(-1))."""
    v = 0
    while bernoulli_exp(Fraction(1)):
        v += 1
    return v


def _discrete_laplace_one(scale: Fraction) -> int:
    s, t = scale.denominator, scale.numerator  # P(y) proportional to exp(-|y| * s / t)
    while True:
        u = secrets.randbelow(t)
        if not bernoulli_exp(Fraction(u, t)):
            continue
        x = u + t * _geometric_exp_minus_one()
        y = x // s
        negative = secrets.randbelow(2) == 1
        if negative and y == 0:
            continue
        return -y if negative else y


def _discrete_gaussian_one(sigma_sq: Fraction) -> int:
    t = isqrt(sigma_sq.numerator // sigma_sq.denominator) + 1  # floor(sigma) + 1
    while True:
        y = _discrete_laplace_one(Fraction(t))
        gamma = (abs(y) - sigma_sq / t) ** 2 / (2 * sigma_sq)
        if bernoulli_exp(gamma):
            return y


def _draw(one, param: Fraction, size):
    """One draw of ``one(param)``, or an int64 array of the given ``size`` of independent draws."""
    if size is None:
        return one(param)
    out = np.empty(size, dtype=np.int64)
    flat = out.reshape(-1)
    for i in range(flat.size):
        flat[i] = one(param)
    return out


def sample_discrete_laplace(scale, size: int | tuple[int, ...] | None = None):
    """Integers with P(y) proportional to ``exp(-|y| / scale)``: epsilon-DP for an integer
    query of sensitivity ``Delta`` when ``scale = Delta / epsilon``."""
    return _draw(_discrete_laplace_one, _as_fraction("scale", scale), size)


def sample_discrete_gaussian(sigma_sq, size: int | tuple[int, ...] | None = None):
    """Integers with P(y) proportional to ``exp(-y^2 / (2 sigma_sq))`` (the discrete Gaussian)."""
    return _draw(_discrete_gaussian_one, _as_fraction("sigma_sq", sigma_sq), size)
