"""Pure-NumPy planning for the bootstrapped OpenFHE trainer: slot layout, level schedule, plaintext twin.

Nothing here touches a ciphertext, so it imports in either environment: the main kit (Python 3.11,
TenSEAL) uses it to check the plaintext twin and to read the layout in benchmarks; the OpenFHE
environment (Python 3.10) uses it to pack the data.

The layout is row-major: a block of ``block_rows`` applicants by ``block_columns`` features fills
one ciphertext of ``slots`` slots, applicant r of the block owning the ``block_columns`` consecutive
slots from ``r * block_columns``. The weights then form a vector that repeats with period
``block_columns`` across the slots, which is exactly what a *sparse* CKKS ciphertext of
``block_columns`` slots holds: the server bootstraps the weights as a 64-slot ciphertext (a small,
cheap bootstrap) and multiplies them straight into the full data ciphertexts.

One epoch, on the server (``bc = block_columns``, ``br = block_rows``):

1. scores: ``X_s * W`` then a rotation-sum over steps 1, 2, ..., bc/2 puts applicant r's score at
   slot ``r * bc`` (1 level);
2. error: ``(lr / n) (c3 z^3 + c1 z + c0 - y)`` with c1 and c3 encoded under a mask of the slots
   ``r * bc``, which zeroes the other slots at no extra level (2 levels);
3. the error is spread over the slots ``(r - 1) * bc + 1 ... r * bc`` by the same rotation-sum, which is
   where the gradient copy of the data puts applicant r's features; ``sum_s X'_s * E_s`` then an
   all-reduce over steps bc, 2 bc, ..., slots/2 leaves gradient entry f in every slot congruent to
   ``f + 1`` mod bc (1 level): the weights' own layout, so ``W - G`` needs no rearranging.

Hence the weight of feature f sits at slot ``(f + 1) mod bc`` of the sparse weight vector, and an
epoch costs ``LEVELS_PER_EPOCH`` = 4 levels and ``2 * row_blocks * log2(bc) + log2(br)`` rotations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.he.approximations import fit_sigmoid_polynomial, sigmoid_polynomial_plain

LEVELS_PER_EPOCH = 4  # scores (1) + odd cubic (2) + gradient (1)


def _is_power_of_two(value: int) -> bool:
    return value > 0 and not value & (value - 1)


@dataclass(frozen=True)
class RowPackedLayout:
    """Where applicant r, feature f of the design matrix sits (see the module docstring)."""

    n_rows: int
    n_columns: int
    slots: int

    def __post_init__(self) -> None:
        check_int("n_rows", self.n_rows, minimum=1)
        check_int("n_columns", self.n_columns, minimum=1)
        check_int("slots", self.slots, minimum=2)
        if not _is_power_of_two(self.slots):
            raise ValueError(f"slots must be a power of two, got {self.slots}")
        if self.block_columns > self.slots // 2:
            raise ValueError(
                f"n_columns ({self.n_columns}) needs {self.block_columns} slots per applicant, "
                f"more than half of the {self.slots} slots"
            )

    @property
    def block_columns(self) -> int:
        """Slots per applicant: the smallest power of two >= n_columns (also the bootstrap's slots)."""
        return max(2, 1 << (self.n_columns - 1).bit_length())

    @property
    def block_rows(self) -> int:
        return self.slots // self.block_columns

    @property
    def row_blocks(self) -> int:
        return -(-self.n_rows // self.block_rows)

    @property
    def rotation_steps(self) -> list[int]:
        """Rotation keys the server needs: 1, 2, ..., bc/2 and bc, 2 bc, ..., slots/2."""
        bc = self.block_columns
        return [1 << j for j in range(int(math.log2(bc)))] + [
            bc << j for j in range(int(math.log2(self.block_rows)))
        ]

    @property
    def rotations_per_epoch(self) -> int:
        return 2 * self.row_blocks * int(math.log2(self.block_columns)) + int(math.log2(self.block_rows))

    def weight_slot(self, feature: int) -> int:
        return (feature + 1) % self.block_columns

    def _rows(self, matrix: np.ndarray) -> np.ndarray:
        matrix = np.asarray(matrix, dtype=float)
        if matrix.shape != (self.n_rows, self.n_columns):
            raise ValueError(f"matrix must have shape {(self.n_rows, self.n_columns)}, got {matrix.shape}")
        padded = np.zeros((self.row_blocks * self.block_rows, self.n_columns))
        padded[: self.n_rows] = matrix
        return padded.reshape(self.row_blocks, self.block_rows, self.n_columns)

    def pack_scores_copy(self, matrix: np.ndarray) -> list[np.ndarray]:
        """Per row block: x[r, f] at slot ``r * bc + (f + 1) mod bc`` (the copy the scores use)."""
        bc, r = self.block_columns, np.arange(self.block_rows)[:, None]
        index = r * bc + (np.arange(self.n_columns)[None, :] + 1) % bc
        return [self._scatter(index, block) for block in self._rows(matrix)]

    def pack_gradient_copy(self, matrix: np.ndarray) -> list[np.ndarray]:
        """Per row block: x[r, f] at slot ``(r - 1) * bc + 1 + f`` mod slots (the copy the gradient uses)."""
        bc, r = self.block_columns, np.arange(self.block_rows)[:, None]
        index = ((r - 1) * bc + 1 + np.arange(self.n_columns)[None, :]) % self.slots
        return [self._scatter(index, block) for block in self._rows(matrix)]

    def pack_row_starts(self, values: np.ndarray) -> list[np.ndarray]:
        """Per row block: value of applicant r at slot ``r * bc``, zero elsewhere (padding rows too)."""
        values = np.asarray(values, dtype=float).reshape(-1, 1)
        if len(values) != self.n_rows:
            raise ValueError(f"values must have {self.n_rows} entries, got {len(values)}")
        index = (np.arange(self.block_rows) * self.block_columns)[:, None]
        return [self._scatter(index, block) for block in self._rows_of(values)]

    def row_start_mask(self, value: float = 1.0) -> np.ndarray:
        """``value`` at every slot ``r * bc``: the mask the polynomial's constants are encoded under."""
        mask = np.zeros(self.slots)
        mask[:: self.block_columns] = value
        return mask

    def pack_weights(self, weights: np.ndarray) -> np.ndarray:
        """The sparse weight vector (``block_columns`` slots), weight f at slot ``(f + 1) mod bc``."""
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (self.n_columns,):
            raise ValueError(f"weights must have shape ({self.n_columns},), got {weights.shape}")
        vector = np.zeros(self.block_columns)
        vector[[self.weight_slot(f) for f in range(self.n_columns)]] = weights
        return vector

    def unpack_weights(self, vector: np.ndarray) -> np.ndarray:
        vector = np.asarray(vector, dtype=float)[: self.block_columns]
        return vector[[self.weight_slot(f) for f in range(self.n_columns)]]

    def _rows_of(self, values: np.ndarray) -> np.ndarray:
        padded = np.zeros((self.row_blocks * self.block_rows, values.shape[1]))
        padded[: self.n_rows] = values
        return padded.reshape(self.row_blocks, self.block_rows, values.shape[1])

    def _scatter(self, index: np.ndarray, block: np.ndarray) -> np.ndarray:
        out = np.zeros(self.slots)
        out[index.reshape(-1)] = block.reshape(-1)
        return out


def bootstrap_schedule(epochs: int, usable_levels: int) -> list[int]:
    """Epochs (0-based) before which the weights are bootstrapped.

    The weights start with ``usable_levels`` levels to spend (the key owner encrypts them at the
    level a bootstrap leaves), each epoch spends ``LEVELS_PER_EPOCH``, and a bootstrap comes only when
    the next epoch would not fit: none after the last epoch, whose result is decrypted.
    """
    check_int("epochs", epochs, minimum=1)
    per_bootstrap = usable_levels // LEVELS_PER_EPOCH
    if per_bootstrap < 1:
        raise ValueError(f"usable_levels must be >= {LEVELS_PER_EPOCH} (one epoch), got {usable_levels}")
    return [e for e in range(1, epochs) if e % per_bootstrap == 0]


def train_plaintext_twin(
    X, y, *, learning_rate: float = 1.0, epochs: int = 5, interval: float = 4.0
) -> tuple[np.ndarray, float]:
    """The encrypted trainer's computation in the clear: full-batch gradient descent with the odd
    cubic sigmoid fitted on ``[-interval, interval]``, from zero weights. Returns ``(weights, bias)``."""
    check_float("learning_rate", learning_rate, minimum=0.0, min_inclusive=False)
    check_int("epochs", epochs, minimum=1)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must be 2-D with one row per label, got X {X.shape} and y {y.shape}")
    coeffs, _ = fit_sigmoid_polynomial(3, interval)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        err = sigmoid_polynomial_plain(X @ w + b, coeffs) - y
        w = w - learning_rate * (X.T @ err) / len(X)
        b = b - learning_rate * err.sum() / len(X)
    return w, b
