"""Fixed-point encoding of real vectors into the ring Z / 2^bits that secure aggregation sums in.

A coordinate clipped to [-clip, clip] becomes the integer round(x / clip * L) in [-L, L], stored as
its two's complement modulo 2^bits; a sum is read back as a signed number in [-2^(bits-1),
2^(bits-1)). The encoding is symmetric about zero, so positive, negative and mixed sums decode the
same way. It is exact as long as every true sum, plus whatever noise is added to it, stays inside
that signed range: :func:`ring_levels` picks the largest L for which ``n_clients`` clipped vectors
plus a ``margin`` (in data units) fit, and refuses parameters that cannot hold the sum.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int


def ring_levels(clip: float, bits: int, n_clients: int, *, margin: float = 0.0) -> int:
    """The largest L with n_clients * L + margin * L / clip <= 2^(bits-1) - 1 (ValueError if L < 1).

    ``margin`` is the room, in the data's units, kept for noise on top of the worst-case sum
    ``n_clients * clip`` (see :class:`ppml_lab.secagg.DistributedDP`).
    """
    clip = check_float("clip", clip, minimum=0.0, min_inclusive=False)
    bits = check_int("bits", bits, minimum=8, maximum=62)
    n_clients = check_int("n_clients", n_clients, minimum=1)
    margin = check_float("margin", margin, minimum=0.0)
    half = (1 << (bits - 1)) - 1
    levels = int(half // (n_clients + margin / clip))
    while levels > 0 and n_clients * levels + margin * levels / clip > half:  # float rounding
        levels -= 1
    if levels < 1:
        raise ValueError(
            f"bits={bits} cannot hold the sum of n_clients={n_clients} values in [-{clip}, {clip}] plus a "
            f"noise margin of {margin:g}: use more bits, fewer clients or less noise"
        )
    return levels


def to_ring(values: np.ndarray, bits: int) -> np.ndarray:
    """Signed integers as their residues modulo 2^bits (two's complement)."""
    return np.asarray(values, dtype=np.int64).astype(np.uint64) & np.uint64((1 << bits) - 1)


def decode_signed(total: np.ndarray, bits: int) -> np.ndarray:
    """Read residues modulo 2^bits as signed integers in [-2^(bits-1), 2^(bits-1))."""
    t = np.asarray(total, dtype=np.uint64) & np.uint64((1 << bits) - 1)
    t = t.astype(np.int64)
    return np.where(t >= (1 << (bits - 1)), t - (1 << bits), t)


def decode_sum(total: np.ndarray, levels: int, clip: float, bits: int) -> np.ndarray:
    """The real-valued sum encoded by the residues ``total`` modulo 2^bits: read them as signed
    integers (a negative sum wrapped around the ring), then undo the scale, ``levels`` per ``clip``."""
    levels = check_int("levels", levels, minimum=1)
    clip = check_float("clip", clip, minimum=0.0, min_inclusive=False)
    return decode_signed(total, bits).astype(np.float64) / levels * clip


def quantize(x: np.ndarray, clip: float, bits: int, n_clients: int, *, margin: float = 0.0) -> np.ndarray:
    """Clip ``x`` to [-clip, clip] and encode it so that the sum of ``n_clients`` encodings cannot wrap."""
    levels = ring_levels(clip, bits, n_clients, margin=margin)
    scaled = np.round(np.clip(np.asarray(x, dtype=np.float64), -clip, clip) / clip * levels)
    return to_ring(scaled, bits)


def dequantize(total: np.ndarray, clip: float, bits: int, n_clients: int, *, margin: float = 0.0) -> np.ndarray:
    """The real-valued sum encoded by ``total`` (a sum of :func:`quantize` outputs, same parameters)."""
    return decode_sum(total, ring_levels(clip, bits, n_clients, margin=margin), clip, bits)
