"""The ring Z/2^64 and fixed-point encoding.

Shares live in NumPy ``uint64`` arrays, whose addition and multiplication wrap modulo 2^64 —
exactly the ring arithmetic additive secret sharing needs. Real numbers are encoded in fixed
point with ``FRAC_BITS`` fractional bits: x is stored as round(x * 2^FRAC_BITS) mod 2^64, and a
negative number as its two's complement. Values must stay well inside +-2^(63 - FRAC_BITS).
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


def decode(r, frac_bits: int = FRAC_BITS) -> np.ndarray:
    """Ring elements (uint64, two's complement) back to reals."""
    return np.asarray(r, dtype=np.uint64).view(np.int64).astype(np.float64) / (1 << frac_bits)


def to_signed(r) -> np.ndarray:
    """Ring elements read as signed 64-bit integers."""
    return np.asarray(r, dtype=np.uint64).view(np.int64)
