"""The ring Z/2^64 and fixed-point encoding.

Shares live in NumPy ``uint64`` arrays, whose addition and multiplication wrap modulo 2^64 —
exactly the ring arithmetic additive secret sharing needs. Real numbers are encoded in fixed
point with ``FRAC_BITS`` fractional bits: x is stored as round(x * 2^FRAC_BITS) mod 2^64, and a
negative number as its two's complement. Values must stay well inside +-2^(63 - FRAC_BITS).

A *public* constant multiplying shared values (a learning rate over n, a polynomial coefficient) is
encoded with its own number of fractional bits k (:func:`encode_public`), chosen so that it keeps
``precision_bits`` significant bits, and the product is then truncated by k: the learning rate
1/35,000 keeps its value to 0.1% instead of being rounded to 2 units of 2^-16 (+7%). A public
*array* gets one k for all its elements by the same rule (:func:`encode_public_array`).
"""

from __future__ import annotations

import numpy as np

RING_BITS = 64
FRAC_BITS = 16
SCALE = 1 << FRAC_BITS
# Largest magnitude that encodes without wrapping; products need twice the fractional bits,
# so keep |x * y| * 2^(2 * FRAC_BITS) below 2^63 as well.
MAX_ABS = float(2 ** (RING_BITS - 1 - FRAC_BITS) - 1)


def encode(x, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Real values to ring elements (uint64) in fixed point."""
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite to encode in fixed point")
    limit = float(2 ** (RING_BITS - 1 - frac_bits))
    if arr.size and np.abs(arr).max() >= limit:
        raise ValueError(
            f"x must be within +-2^{RING_BITS - 1 - frac_bits} to encode with {frac_bits} fractional bits"
        )
    return np.round(arr * (1 << frac_bits)).astype(np.int64).view(np.uint64)


MAX_PUBLIC_BITS = 46
PUBLIC_PRECISION_BITS = 16


def encode_public(value: float, precision_bits: int = PUBLIC_PRECISION_BITS) -> tuple[np.uint64, int]:
    """A public scalar as (ring integer, fractional bits k) with about ``precision_bits`` significant bits.

    Raises ``ValueError`` when ``value`` would lose more than 1% of its value (a constant so small
    that even ``MAX_PUBLIC_BITS`` fractional bits cannot hold it).
    """
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"value must be finite, got {value}")
    if v == 0.0:
        return np.uint64(0), 0
    k = int(np.clip(precision_bits - 1 - np.floor(np.log2(abs(v))), 0, MAX_PUBLIC_BITS))
    scaled = round(v * 2.0**k)
    if abs(scaled - v * 2.0**k) / abs(v * 2.0**k) > 0.01 or scaled == 0:
        raise ValueError(
            f"value {v!r} would lose more than 1% relative precision in fixed point "
            f"(at most {MAX_PUBLIC_BITS} fractional bits)"
        )
    if abs(scaled) >= 2**62:
        raise ValueError(f"value {v!r} is too large to encode as a public constant")
    return np.int64(scaled).view(np.uint64), k


PUBLIC_ARRAY_BITS = 31  # an encoded public factor stays below 2^31, like x * 2^16 for |x| < 2^15


def encode_public_array(values, precision_bits: int = PUBLIC_PRECISION_BITS) -> tuple[np.ndarray, int]:
    """A public array as (ring integers, one common number of fractional bits k), by the rule of
    :func:`encode_public`: k gives the smallest nonzero |value| about ``precision_bits`` significant
    bits, as far as the largest, encoded, stays below 2^``PUBLIC_ARRAY_BITS`` (so that its product
    with a shared value of |x| < 2^15 stays inside the truncation's bound).

    Raises ``ValueError`` when a nonzero element would lose more than 1% of its value, which happens
    only when the array spans more than about 2^24 (from its smallest to its largest magnitude).
    """
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite to encode in fixed point")
    magnitude = np.abs(arr)
    nonzero = magnitude[magnitude > 0]
    if nonzero.size == 0:
        return np.zeros(arr.shape, dtype=np.uint64), 0
    wanted = precision_bits - 1 - int(np.floor(np.log2(nonzero.min())))
    room = PUBLIC_ARRAY_BITS - 1 - int(np.floor(np.log2(nonzero.max())))
    k = int(np.clip(min(wanted, room), 0, MAX_PUBLIC_BITS))
    exact = arr * 2.0**k
    scaled = np.round(exact)
    if np.abs(scaled).max() >= 2**62:
        raise ValueError(f"values up to {nonzero.max():g} are too large to encode as public constants")
    mask = magnitude > 0
    lost = np.abs(scaled[mask] - exact[mask]) > 0.01 * np.abs(exact[mask])
    if lost.any():
        worst = arr[mask][lost][np.argmin(np.abs(arr[mask][lost]))]
        raise ValueError(
            f"values: {worst:g} would lose more than 1% relative precision in fixed point beside "
            f"{nonzero.max():g} in the same public array (one scale of {k} fractional bits for all); "
            "rescale the array or set negligible elements to 0"
        )
    return scaled.astype(np.int64).view(np.uint64), k


def decode(r, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Ring elements (uint64, two's complement) back to reals."""
    return np.asarray(r, dtype=np.uint64).view(np.int64).astype(np.float64) / (1 << frac_bits)


def to_signed(r) -> np.ndarray:
    """Ring elements read as signed 64-bit integers."""
    return np.asarray(r, dtype=np.uint64).view(np.int64)
