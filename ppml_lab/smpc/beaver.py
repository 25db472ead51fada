"""Beaver multiplication for both parties at once, as lesson 04 writes it.

``beaver_local_share`` is one party's local step; :func:`beaver_multiply_shares` (also exported as
``beaver_multiply``) and :func:`beaver_matmul` take both parties' shares and a
:class:`~ppml_lab.smpc.transport.Transport`, and run the per-party protocol of
:mod:`ppml_lab.smpc.protocol` for each party: one round, however large the arrays.

:func:`triple_reuse_leak` is why a triple serves one product: two products that reuse (a, b, c)
open d = x - a, e = y - b and d' = x' - a, e' = y' - b, and anyone who sees the four openings
learns x - x' = d - d' and y - y' = e - e'.
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc import protocol
from ppml_lab.smpc.dealer import Triple
from ppml_lab.smpc.protocol import beaver_local_share
from ppml_lab.smpc.transport import Transport

__all__ = ["beaver_local_share", "beaver_matmul", "beaver_multiply", "beaver_multiply_shares", "triple_reuse_leak"]


def beaver_multiply_shares(
    x_shares: list[np.ndarray], y_shares: list[np.ndarray], triple: Triple, transport: Transport
) -> list[np.ndarray]:
    """Shares of x * y (elementwise, ring arithmetic, no truncation) from shares of x and y."""
    return transport.run(lambda p, ch: protocol.beaver(ch, x_shares[p], y_shares[p], triple.part(p)))


beaver_multiply = beaver_multiply_shares


def beaver_matmul(
    x_shares: list[np.ndarray], y_shares: list[np.ndarray], triple: Triple, transport: Transport
) -> list[np.ndarray]:
    """Shares of x @ y (ring arithmetic, no truncation) from shares of x and y."""
    return transport.run(
        lambda p, ch: protocol.beaver(ch, x_shares[p], y_shares[p], triple.part(p), np.matmul)
    )


def triple_reuse_leak(
    d: np.ndarray, e: np.ndarray, d_again: np.ndarray, e_again: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(x - x', y - y') mod 2^64 from the openings (d, e) and (d', e') of two products that reused one
    Beaver triple: the mask a (and b) cancels in the difference."""
    arrays = [np.asarray(v, dtype=np.uint64) for v in (d, e, d_again, e_again)]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"d, e, d_again and e_again must have one shape, got {[a.shape for a in arrays]}")
    d, e, d_again, e_again = arrays
    return d - d_again, e - e_again
