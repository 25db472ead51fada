"""Truncating fixed-point products, for both parties at once.

A product of two fixed-point values carries 2f fractional bits and must be divided by 2^f.
:func:`local_truncate` is SecureML's local truncation, the one lesson 04 has you write: no message,
each party shifts its own share (party 0 computes floor(x_0 / 2^f), party 1 computes
2^k - floor((2^k - x_1) / 2^f), k = 64), and the sum is within one unit in the last place of
x / 2^f unless the two shares wrapped around the ring the "wrong" way, which happens with
probability about |x| / 2^64 (:func:`local_truncation_failure_probability`). The
engine uses the dealer-assisted protocol of :func:`ppml_lab.smpc.protocol.truncate` (one round,
exact to one unit in the last place for every |value| < 2^62 in the ring, failure probability 0
inside that bound). :func:`local_truncation_failure_probability` gives, for comparison, the chance
that the local SecureML truncation (no communication) returns garbage.
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc import protocol
from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.ring import FRAC_BITS, RING_BITS
from ppml_lab.smpc.transport import Transport


def local_truncate(shares: list[np.ndarray], bits: int = FRAC_BITS) -> list[np.ndarray]:
    """Both parties' shares of x / 2^bits by local (SecureML) truncation: each party shifts only its
    own share, with no communication. Exact to one unit in the last place except with probability
    about |x| / 2^64 per value, when the result is off by about 2^(64 - bits)."""
    if len(shares) != 2:
        raise ValueError(f"shares must hold two parties' shares, got {len(shares)}")
    if not 0 < bits < RING_BITS:
        raise ValueError(f"bits must be in 1..{RING_BITS - 1}, got {bits}")
    x0, x1 = (np.asarray(s, dtype=np.uint64) for s in shares)
    shift = np.uint64(bits)
    return [x0 >> shift, -((-x1) >> shift)]  # uint64 negation is 2^64 - v


def truncate(
    shares: list[np.ndarray], dealer: TrustedDealer, transport: Transport, bits: int = FRAC_BITS
) -> list[np.ndarray]:
    """Shares of the value divided by 2^bits (rounded down, or one unit up): one round."""
    pair = dealer.truncation_pair(np.shape(shares[0]), bits)
    return transport.run(lambda p, ch: protocol.truncate(ch, shares[p], pair.part(p), bits))


def local_truncation_failure_probability(value_bits: int, n_values: int = 1) -> float:
    """Chance that local (SecureML) truncation breaks at least one of ``n_values`` values of
    ``value_bits`` bits: about 2^(l + 1 - 64) each."""
    per_value = 2.0 ** (value_bits + 1 - RING_BITS)
    return float(-np.expm1(n_values * np.log1p(-per_value)))
