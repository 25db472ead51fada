"""The protocol core, as one party runs it: each function takes this party's channel and shares.

Both the in-process engine (:class:`~ppml_lab.smpc.tensor.MPCSession`, both parties in two threads)
and the two OS processes (:mod:`ppml_lab.smpc.network`) run these functions; nothing else says a
protocol step.

* :func:`open_shares`: one round, both parties learn x.
* :func:`beaver_local_share` and :func:`beaver`: one generic Beaver product over the operation
  (``np.multiply`` or ``np.matmul``): open d = x - a and e = y - b in one round, then
  x op y = c + d op b + a op e + d op e locally (d op e added by party 0). If d is already public
  (a fixed matrix masked once, as in secure LR), only e is opened.
* :func:`truncate`: dealer-assisted truncation, one round. The parties open c = z + 2^62 + r for a
  uniform r from the dealer (c is uniform: it says nothing about z) and compute
  (c >> f) - (r >> f) - 2^(62-f), plus 2^(64-f) when z + 2^62 + r wrapped modulo 2^64, which
  happens exactly when r's top bit is 1 and c's is 0 (the dealer shares r's top bit). Exact up to
  one unit in the last place, for every |z| < 2^62: its failure probability is 0 inside that bound
  (local SecureML truncation fails with probability about 2^(l+1-64) per value of l bits).
* :func:`sigmoid`: the cubic approximation, 4 rounds (z - a, truncate z^2, z^2 - a', truncate).
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc.channel import Channel
from ppml_lab.smpc.ring import FRAC_BITS, RING_BITS, encode_public

_SHIFT_BITS = RING_BITS - 2  # z + 2^62 is in [0, 2^63) for every |z| < 2^62
TRUNCATION_BOUND = 2**_SHIFT_BITS  # raw ring values (scale 2^(2f) for products) must stay below this


def open_shares(ch: Channel, share_i: np.ndarray) -> np.ndarray:
    """Open a shared value to both parties: one round."""
    with np.errstate(over="ignore"):
        return share_i + ch.exchange(share_i)


def beaver_local_share(d, e, a_i, b_i, c_i, party, op=np.multiply):
    """Party ``party``'s share of x op y from the opened d = x - a, e = y - b and its triple shares."""
    with np.errstate(over="ignore"):  # ring arithmetic wraps mod 2^64 by design
        z = c_i + op(d, b_i) + op(a_i, e)
        if party == 0:
            z = z + op(d, e)
    return z


def beaver(ch: Channel, x_i, y_i, triple_i, op=np.multiply, opened_d=None) -> np.ndarray:
    """This party's share of x op y (ring arithmetic, not truncated): one round.

    ``opened_d``: x - a when it is already public (then ``x_i`` is not used and only e is opened).
    """
    a_i, b_i, c_i = triple_i
    with np.errstate(over="ignore"):
        if opened_d is None:
            x_i, y_i = np.asarray(x_i, np.uint64), np.asarray(y_i, np.uint64)
            both = open_shares(ch, np.concatenate([(x_i - a_i).ravel(), (y_i - b_i).ravel()]))
            d, e = both[: x_i.size].reshape(x_i.shape), both[x_i.size :].reshape(np.shape(y_i))
        else:
            d, e = opened_d, open_shares(ch, np.asarray(y_i, np.uint64) - b_i)
    return beaver_local_share(d, e, a_i, b_i, c_i, ch.party, op)


def truncate(ch: Channel, z_i: np.ndarray, pair_i, bits: int = FRAC_BITS) -> np.ndarray:
    """This party's share of z >> bits (z read as signed, |z| < 2^62), +0/+1 unit: one round."""
    r_i, r_high_i, r_top_i = pair_i
    b = np.uint64(bits)
    with np.errstate(over="ignore"):
        masked = z_i + r_i + (np.uint64(1 << _SHIFT_BITS) if ch.party == 0 else np.uint64(0))
        c = open_shares(ch, masked)
        wrapped_if_top = (np.uint64(1) - (c >> np.uint64(63))) << np.uint64(RING_BITS - bits)
        t = wrapped_if_top * r_top_i - r_high_i
        if ch.party == 0:
            t = t + (c >> b) - np.uint64(1 << (_SHIFT_BITS - bits))
    return t


def sigmoid(ch: Channel, z_i: np.ndarray, material_i, coefficients) -> np.ndarray:
    """This party's share of c0 + c1 z + c3 z^3 (z in fixed point): 4 rounds.

    ``material_i`` = (square triple part, cube triple part, truncation pair by f, truncation pair
    by f + k) from :func:`sigmoid_material`.
    """
    square, cube, pair_f, pair_fk = material_i
    c0, c1, c3 = coefficients
    a_i = square[0]
    with np.errstate(over="ignore"):
        d = open_shares(ch, z_i - a_i)
        z2 = truncate(ch, beaver_local_share(d, d, a_i, a_i, square[2], ch.party), pair_f, FRAC_BITS)
        d2 = open_shares(ch, z2 - cube[0])
        z3_raw = beaver_local_share(d2, d, cube[0], a_i, cube[2], ch.party)  # scale 2f
        c1_enc, c3_enc, k = _coefficients(c1, c3)
        total = z3_raw * c3_enc + (z_i * c1_enc << np.uint64(FRAC_BITS))  # scale 2f + k
        if ch.party == 0:
            total = total + np.int64(round(c0 * 2.0 ** (2 * FRAC_BITS + k))).view(np.uint64)
    return truncate(ch, total, pair_fk, FRAC_BITS + k)


def _coefficients(c1: float, c3: float) -> tuple[np.uint64, np.uint64, int]:
    """c1 and c3 on one common scale 2^k with at least 12 significant bits for the smaller."""
    _, k = encode_public(min(abs(c1), abs(c3)), 12)
    return (
        np.int64(round(c1 * 2.0**k)).view(np.uint64),
        np.int64(round(c3 * 2.0**k)).view(np.uint64),
        k,
    )


def sigmoid_bits(coefficients) -> int:
    """The k of :func:`sigmoid`'s last truncation (by f + k)."""
    return _coefficients(coefficients[1], coefficients[2])[2]
