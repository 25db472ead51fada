"""Beaver multiplication for both parties at once, as lesson 04 writes it.

``beaver_local_share`` is one party's local step; :func:`beaver_multiply_shares` (also exported as
``beaver_multiply``) and :func:`beaver_matmul` take both parties' shares and a
:class:`~ppml_lab.smpc.transport.Transport`, and run the per-party protocol of
:mod:`ppml_lab.smpc.protocol` for each party: one round, however large the arrays.
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc import protocol
from ppml_lab.smpc.dealer import Triple
from ppml_lab.smpc.protocol import beaver_local_share
from ppml_lab.smpc.transport import Transport

__all__ = ["beaver_local_share", "beaver_matmul", "beaver_multiply", "beaver_multiply_shares"]


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
