"""Depth budgeting: how many levels a computation needs and how many a ciphertext has left.

TenSEAL rescales after every multiplication, consuming one prime of the modulus chain; when none
is left it fails with a bare "scale out of bounds". :class:`EncryptedVector` wraps a CKKS vector,
counts the levels it has left, and refuses an operation that would exceed them with a
:class:`DepthBudgetError` that says how many levels were needed and how many were left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tenseal as ts

from ppml_lab.he.params import CKKSParameters, get_parameters


class DepthBudgetError(ValueError):
    """An operation needs more multiplicative levels than the ciphertext has left."""


def polynomial_levels(degree: int) -> int:
    """Levels TenSEAL's ``polyval`` consumes for a polynomial of this degree: ceil(log2(degree + 1))."""
    if degree < 1:
        raise ValueError(f"degree must be >= 1, got {degree}")
    return math.ceil(math.log2(degree + 1))


class EncryptedVector:
    """A CKKS vector with its remaining multiplicative levels tracked."""

    def __init__(self, vector: ts.CKKSVector, levels_left: int) -> None:
        self.vector = vector
        self.levels_left = levels_left

    @classmethod
    def encrypt(
        cls, context: ts.Context, values: Sequence[float], params: str | CKKSParameters
    ) -> EncryptedVector:
        """Encrypt ``values`` under ``context``, built from ``params`` (preset name or parameters)."""
        return cls(ts.ckks_vector(context, list(values)), get_parameters(params).depth)

    def _need(self, levels: int, what: str) -> None:
        if levels > self.levels_left:
            raise DepthBudgetError(
                f"{what} needs {levels} multiplicative level(s) but the ciphertext has {self.levels_left} left; "
                "use parameters with a deeper modulus chain or refresh the ciphertext (decrypt and re-encrypt)"
            )

    def __add__(self, other) -> EncryptedVector:
        if isinstance(other, EncryptedVector):
            return EncryptedVector(self.vector + other.vector, min(self.levels_left, other.levels_left))
        return EncryptedVector(self.vector + other, self.levels_left)

    def __sub__(self, other) -> EncryptedVector:
        if isinstance(other, EncryptedVector):
            return EncryptedVector(self.vector - other.vector, min(self.levels_left, other.levels_left))
        return EncryptedVector(self.vector - other, self.levels_left)

    def __mul__(self, other) -> EncryptedVector:
        if isinstance(other, EncryptedVector):
            left = min(self.levels_left, other.levels_left)
            EncryptedVector(self.vector, left)._need(1, "this ciphertext-ciphertext multiplication")
            return EncryptedVector(self.vector * other.vector, left - 1)
        self._need(1, "this multiplication by a plaintext")
        return EncryptedVector(self.vector * other, self.levels_left - 1)

    def polyval(self, coefficients: Sequence[float]) -> EncryptedVector:
        """Evaluate sum_k c_k x^k (coefficients from the constant term up)."""
        levels = polynomial_levels(len(coefficients) - 1)
        self._need(levels, f"a degree-{len(coefficients) - 1} polynomial")
        return EncryptedVector(self.vector.polyval(list(coefficients)), self.levels_left - levels)

    def sum(self) -> EncryptedVector:
        """Sum of all slots (rotations only: no level consumed)."""
        return EncryptedVector(self.vector.sum(), self.levels_left)

    def decrypt(self, secret_key=None) -> list[float]:
        return self.vector.decrypt(secret_key) if secret_key is not None else self.vector.decrypt()
