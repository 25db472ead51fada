"""Probabilistic truncation of fixed-point products (two parties, no communication).

A product of two fixed-point values carries 2f fractional bits and must be divided by 2^f. Party 0
shifts its share right; party 1 negates, shifts and negates back (Mohassel & Zhang, SecureML 2017).
The result is off by at most one unit in the last place (2^-f), except with probability about
2^(l + 1 - 64) when |value| < 2^l, where the shares' wrap-around makes it wildly wrong: keep
values far below 2^(63 - f).
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc.ring import FRAC_BITS, to_signed


def truncate(shares: list[np.ndarray], bits: int = FRAC_BITS) -> list[np.ndarray]:
    """Shares of the value divided by 2^bits (rounded towards -inf, +-1 ulp)."""
    if len(shares) != 2:
        raise ValueError(f"local truncation needs exactly 2 parties, got {len(shares)}")
    s0 = (to_signed(shares[0]) >> bits).view(np.uint64)
    s1 = (-((-to_signed(shares[1])) >> bits)).view(np.uint64)
    return [s0, s1]
