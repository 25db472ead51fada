"""Non-linear functions on shared values, by polynomial approximation."""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc.tensor import SharedTensor

# Least-squares cubic fit of the logistic function on [-5, 5] (maximum error 0.061 there);
# outside that range it diverges, so inputs should be standardized. Odd terms only.
SIGMOID_COEFFICIENTS = (0.5, 0.198285472, -0.00446927993)


def sigmoid_poly_plain(z: np.ndarray) -> np.ndarray:
    """The same cubic approximation in plaintext (the reference secure training is compared with)."""
    c0, c1, c3 = SIGMOID_COEFFICIENTS
    z = np.asarray(z, dtype=float)
    return c0 + c1 * z + c3 * z**3


def sigmoid_poly(z: SharedTensor) -> SharedTensor:
    """Cubic sigmoid approximation on shared values: two Beaver rounds (z^2, then z^3)."""
    c0, c1, c3 = SIGMOID_COEFFICIENTS
    z3 = (z * z) * z
    return z * c1 + z3 * c3 + c0
