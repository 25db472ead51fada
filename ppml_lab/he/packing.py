"""Slot layout of the packed trainer: where each entry of the design matrix sits in the slots.

:class:`PackedLayout` cuts the design matrix into blocks of applicants by features, one block per
ciphertext, and chooses the block shape with the least estimated cost per epoch (``_COST``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ppml_lab._checks import check_int

# Relative cost of the steps of one epoch, measured at N = 8192 on the n8192_depth4 chain (a
# rotation at the last level = 0.8): they let PackedLayout.choose pick the block shape.
_COST = {
    "encrypt": 4.0,  # the key owner encrypts one weight ciphertext at the top level
    "decrypt": 0.5,  # ... and decrypts one gradient ciphertext at the last level
    "rotate_top": 4.0,  # a rotation of the scores (four primes left)
    "rotate_last": 0.8,  # a rotation of a gradient (one prime left)
    "per_score": 15.5,  # relinearizing the scores and the cubic sigmoid, per row block
    "per_gradient": 1.2,  # relinearizing one gradient ciphertext
    "per_product": 1.1,  # a ciphertext product for the scores and one for the gradient, per block
}


@dataclass(frozen=True)
class PackedLayout:
    """Where each entry of the design matrix sits in the ciphertext slots.

    The matrix (``n_rows`` applicants by ``n_columns`` columns, the bias column of ones included) is
    cut into blocks of ``block_rows`` applicants by ``block_columns = slots // block_rows`` columns;
    block (s, k) fills one ciphertext, entry (applicant r, column f) of the block at slot
    ``f * block_rows + r``. Both block sides are powers of two, so:

    * the scores of row block s are sum_k block(s, k) * weights(k) — additions across column blocks —
      followed by a rotation-sum over the ``block_columns`` groups of slots (log2 rotations), which
      leaves every applicant's score replicated in all groups;
    * gradient entry (k, f) is sum_s block(s, k) * error(s) — additions across row blocks — followed
      by a rotation-sum over the ``block_rows`` slots of group f (log2 rotations).
    """

    n_rows: int
    n_columns: int
    slots: int
    block_rows: int

    def __post_init__(self) -> None:
        check_int("n_rows", self.n_rows, minimum=1)
        check_int("n_columns", self.n_columns, minimum=1)
        check_int("slots", self.slots, minimum=1)
        check_int("block_rows", self.block_rows, minimum=1, maximum=self.slots)
        for name in ("slots", "block_rows"):
            value = getattr(self, name)
            if value & (value - 1):
                raise ValueError(f"{name} must be a power of two, got {value}")

    @property
    def block_columns(self) -> int:
        return self.slots // self.block_rows

    @property
    def row_blocks(self) -> int:
        return -(-self.n_rows // self.block_rows)

    @property
    def column_blocks(self) -> int:
        return -(-self.n_columns // self.block_columns)

    @property
    def rotations_per_epoch(self) -> int:
        """Rotations the server performs per epoch: score sums plus gradient sums."""
        return self.row_blocks * int(math.log2(self.block_columns)) + self.column_blocks * int(
            math.log2(self.block_rows)
        )

    def relative_cost(self) -> float:
        """Estimated cost of one epoch in the units of ``_COST`` (used to choose the block shape)."""
        c = _COST
        per_column_block = (
            c["encrypt"] + c["decrypt"] + c["per_gradient"] + c["rotate_last"] * math.log2(self.block_rows)
        )
        per_row_block = c["per_score"] + c["rotate_top"] * math.log2(self.block_columns)
        return (
            self.column_blocks * per_column_block
            + self.row_blocks * per_row_block
            + self.row_blocks * self.column_blocks * c["per_product"]
        )

    @classmethod
    def choose(cls, n_rows: int, n_columns: int, slots: int) -> PackedLayout:
        """The block shape with the least estimated epoch cost."""
        shapes = [cls(n_rows, n_columns, slots, 1 << e) for e in range(int(math.log2(slots)) + 1)]
        return min(shapes, key=lambda layout: layout.relative_cost())

    def _padded(self, matrix: np.ndarray) -> np.ndarray:
        padded = np.zeros((self.row_blocks * self.block_rows, self.column_blocks * self.block_columns))
        padded[: matrix.shape[0], : matrix.shape[1]] = matrix
        return padded

    def pack_matrix(self, matrix: np.ndarray) -> list[list[np.ndarray]]:
        """Slot vectors of the blocks, indexed ``[row block][column block]``."""
        matrix = np.asarray(matrix, dtype=float)
        if matrix.shape != (self.n_rows, self.n_columns):
            raise ValueError(f"matrix must have shape {(self.n_rows, self.n_columns)}, got {matrix.shape}")
        p, br, bc = self._padded(matrix), self.block_rows, self.block_columns
        return [
            [p[s * br : (s + 1) * br, k * bc : (k + 1) * bc].T.reshape(-1) for k in range(self.column_blocks)]
            for s in range(self.row_blocks)
        ]

    def pack_weights(self, weights: np.ndarray) -> list[np.ndarray]:
        """Slot vectors of the weights, one per column block, each weight repeated over its group."""
        w = np.zeros(self.column_blocks * self.block_columns)
        w[: self.n_columns] = weights
        bc = self.block_columns
        return [np.repeat(w[k * bc : (k + 1) * bc], self.block_rows) for k in range(self.column_blocks)]

    def pack_per_row(self, values: np.ndarray) -> list[np.ndarray]:
        """Slot vectors of a per-applicant quantity, one per row block, repeated in every group."""
        v = np.zeros(self.row_blocks * self.block_rows)
        v[: self.n_rows] = values
        br = self.block_rows
        return [np.tile(v[s * br : (s + 1) * br], self.block_columns) for s in range(self.row_blocks)]

    def unpack_gradient(self, slot_vectors: list[np.ndarray]) -> np.ndarray:
        """The gradient from its column-block ciphertexts (entry f of block k sits at slot f * block_rows)."""
        parts = [np.asarray(v)[:: self.block_rows][: self.block_columns] for v in slot_vectors]
        return np.concatenate(parts)[: self.n_columns]
