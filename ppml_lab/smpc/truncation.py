"""Truncating fixed-point products, for both parties at once.

A product of two fixed-point values carries 2f fractional bits and must be divided by 2^f. The
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
