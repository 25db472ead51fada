"""Beaver-triple multiplication: one round to multiply two secret-shared values.

With shares of a triple (a, b, c = a*b), the parties open d = x - a and e = y - b — uniformly
random, since a and b are — then each computes its share of
x*y = c + d*b + e*a + d*e locally (the public d*e is added by party 0 only).
The matrix version is the same with @ in place of *: one round for a whole matrix product.
"""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc.dealer import Triple
from ppml_lab.smpc.transport import Transport


def _open(
    transport: Transport, first: list[np.ndarray], second: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Open two shared values in one round (each party sends both masked shares at once)."""
    n = len(first)
    received = transport.exchange([np.concatenate([first[i].ravel(), second[i].ravel()]) for i in range(n)])
    total = np.zeros_like(received[0])
    for r in received:
        total += r
    split = first[0].size
    return total[:split].reshape(first[0].shape), total[split:].reshape(second[0].shape)


def beaver_multiply(
    x: list[np.ndarray], y: list[np.ndarray], triple: Triple, transport: Transport
) -> list[np.ndarray]:
    """Shares of x * y (elementwise, ring arithmetic, no truncation) from shares of x and y."""
    d, e = _open(
        transport,
        [xi - ai for xi, ai in zip(x, triple.a, strict=True)],
        [yi - bi for yi, bi in zip(y, triple.b, strict=True)],
    )
    with np.errstate(over="ignore"):  # ring arithmetic wraps mod 2^64 by design (NumPy warns on 0-d values)
        z = [ci + d * bi + e * ai for ai, bi, ci in zip(triple.a, triple.b, triple.c, strict=True)]
        z[0] = z[0] + d * e
    return z


def beaver_matmul(
    x: list[np.ndarray], y: list[np.ndarray], triple: Triple, transport: Transport
) -> list[np.ndarray]:
    """Shares of x @ y (ring arithmetic, no truncation) from shares of x and y."""
    d, e = _open(
        transport,
        [xi - ai for xi, ai in zip(x, triple.a, strict=True)],
        [yi - bi for yi, bi in zip(y, triple.b, strict=True)],
    )
    z = [ci + d @ bi + ai @ e for ai, bi, ci in zip(triple.a, triple.b, triple.c, strict=True)]
    z[0] = z[0] + d @ e
    return z
