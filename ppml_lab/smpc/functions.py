"""Non-linear functions on shared values, by polynomial approximation."""

from __future__ import annotations

import numpy as np

from ppml_lab.smpc import protocol
from ppml_lab.smpc.ring import FRAC_BITS
from ppml_lab.smpc.tensor import SharedTensor

# Least-squares cubic fit of the logistic function on [-5, 5] (maximum error 0.061 there);
# outside that range it diverges, so inputs should be standardized. Odd terms only.
SIGMOID_COEFFICIENTS = (0.5, 0.198285472, -0.00446927993)
SIGMOID_ROUNDS = 4


def sigmoid_poly_plain(z: np.ndarray) -> np.ndarray:
    """The same cubic approximation in plaintext (the reference secure training is compared with)."""
    c0, c1, c3 = SIGMOID_COEFFICIENTS
    z = np.asarray(z, dtype=float)
    return c0 + c1 * z + c3 * z**3


def sigmoid_material(dealer, shape: tuple[int, ...]) -> list[tuple]:
    """The dealer's material for one :func:`ppml_lab.smpc.protocol.sigmoid`, per party."""
    square, cube = dealer.cube_triples(shape)
    pair_f = dealer.truncation_pair(shape, FRAC_BITS)
    pair_fk = dealer.truncation_pair(shape, FRAC_BITS + protocol.sigmoid_bits(SIGMOID_COEFFICIENTS))
    return [(square.part(p), cube.part(p), pair_f.part(p), pair_fk.part(p)) for p in range(2)]


def sigmoid_poly(z: SharedTensor) -> SharedTensor:
    """Cubic sigmoid approximation on shared values: ``SIGMOID_ROUNDS = 4`` rounds."""
    material = sigmoid_material(z.session.dealer, z.shape)
    shares = z.shares
    return SharedTensor(
        z.session.run(lambda p, ch: protocol.sigmoid(ch, shares[p], material[p], SIGMOID_COEFFICIENTS)),
        z.session,
    )
