"""Logistic regression trained on encrypted data with CKKS (TenSEAL).

Two trainers share one interface — ``fit(X, y)``, ``predict_encrypted(X)``, ``decrypt(scores)`` —
and the threat model: the **key owner** (the data owner) encrypts the applicants and holds the
secret key; the **server** computes gradients on ciphertexts only, with a public context that has
evaluation keys (relinearization, rotations) and no secret key. CKKS in TenSEAL has no
bootstrapping, so each epoch ends with a **refresh**: the server sends the encrypted gradient to the
key owner, which decrypts it, updates the weights and encrypts them afresh for the next epoch. The
key owner thus sees the model and its gradients (it owns the data and the model); the server sees
nothing in the clear.

* :class:`PerSampleEncryptedLR` — one ciphertext per applicant, as TenSEAL's tutorial does it: a
  dot product, a polynomial sigmoid and a gradient per applicant. The baseline.
* :class:`PackedEncryptedLR` — SIMD packing in blocks (:class:`PackedLayout`): each ciphertext holds
  a block of ``block_rows`` applicants by ``block_columns`` features, so the scores need a rotation-sum
  over the features of a block and the gradient one over the applicants of a block, both with a
  logarithmic number of rotations, while sums across blocks are plain additions. The data is
  encrypted once; per epoch the key owner encrypts only the weights (the refresh). The server works
  on the raw SEAL ciphertexts (``tenseal.sealapi``): it sums ciphertext products before one
  relinearization, rescales before relinearizing or rotating (key switching is cheaper with fewer
  primes), keeps each operand at the level it is used at, and tracks the exact CKKS scales.
  Depth: 1 (scores) + 2 (cubic) + 1 (gradient) = 4 levels.

Both use the same polynomial sigmoid and full-batch schedule as :func:`train_plaintext_poly_lr`, the
plaintext twin they are checked against.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import tenseal as ts
import tenseal.sealapi as sealapi
from tqdm.auto import tqdm

from ppml_lab._checks import check_float, check_int
from ppml_lab.he.approximations import fit_sigmoid_polynomial, sigmoid_polynomial_plain
from ppml_lab.he.inference import decrypt_probabilities, encrypt_columns, score_encrypted
from ppml_lab.he.params import get_parameters
from ppml_lab.he.parties import KeyOwner, Server


def evaluate_odd_cubic(z: ts.CKKSVector, coefficients) -> ts.CKKSVector:
    """c0 + c1 z + c3 z^3 on a ciphertext in two levels: (z * z) * (c3 * z) + c1 * z + c0.

    Spelled out rather than left to ``polyval`` so the depth is explicit and minimal.
    """
    c0, c1, c2, c3 = (float(c) for c in coefficients)
    if c2 != 0.0:
        raise ValueError("coefficients must describe an odd cubic (c2 == 0)")
    return (z * z) * (z * c3) + z * c1 + c0


def train_plaintext_poly_lr(
    X, y, *, learning_rate=1.0, epochs=5, degree=3, interval=4.0
) -> tuple[np.ndarray, float]:
    """Plaintext full-batch gradient descent with the polynomial sigmoid: ``(weights, bias)``."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    coeffs, _ = fit_sigmoid_polynomial(degree, interval)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        err = sigmoid_polynomial_plain(X @ w + b, coeffs) - y
        w = w - learning_rate * (X.T @ err) / len(X)
        b = b - learning_rate * err.sum() / len(X)
    return w, b


class _EncryptedLRBase:
    params = "n8192_depth4"

    def __init__(
        self,
        learning_rate: float = 1.0,
        epochs: int = 5,
        degree: int = 3,
        interval: float = 4.0,
        progress: bool = False,
    ) -> None:
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.degree = degree
        self.interval = interval
        self.progress = progress

    def _validate(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        check_float("learning_rate", self.learning_rate, minimum=0.0, min_inclusive=False)
        check_int("epochs", self.epochs, minimum=1)
        if self.degree != 3:
            raise ValueError(f"degree must be 3 (the odd cubic both trainers evaluate), got {self.degree}")
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per label, got X {X.shape} and y {y.shape}")
        self.coeffs_, self.sigmoid_error_ = fit_sigmoid_polynomial(self.degree, self.interval)
        return X, y

    def predict_encrypted(self, X) -> tuple[ts.CKKSVector, int]:
        """Encrypted scores of ``X`` under the trained weights (encrypted by the key owner)."""
        cols = encrypt_columns(self.owner_, np.asarray(X, dtype=float))
        return score_encrypted(cols, self.coef_, self.intercept_), len(X)

    def decrypt(self, encrypted: tuple[ts.CKKSVector, int]) -> np.ndarray:
        """Probabilities from :meth:`predict_encrypted`'s output (the key owner's side)."""
        scores, n = encrypted
        return decrypt_probabilities(self.owner_, scores, n)

    def predict(self, X) -> np.ndarray:
        return (np.asarray(X, dtype=float) @ self.coef_ + self.intercept_ > 0).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# The packed trainer
# --------------------------------------------------------------------------------------------------

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


def _chain(seal_context) -> tuple[list[int], list]:
    """The data primes q0, q1, ... and the parms_id of each level, from the top level down."""
    data = seal_context.first_context_data()
    primes = [m.value() for m in data.parms().coeff_modulus()]
    parms_ids = [data.parms_id()]
    while (data := data.next_context_data()) is not None:
        parms_ids.append(data.parms_id())
    return primes, parms_ids


@dataclass(frozen=True)
class _ScalePlan:
    """Exact CKKS scales of every ciphertext of the epoch circuit.

    A product multiplies scales and a rescale divides by the prime it drops, so the scales drift
    from the nominal 2^k; the plan chooses the scales of the plaintext constants, the labels and the
    gradient copy of the data so that every addition meets equal scales, and the gradient comes out
    at ``gradient`` (chosen so that sums over all applicants cannot overflow the last prime).
    """

    fresh: float  # the data and the weights
    scores: float
    square: float
    cubic_constant: float  # c3 is encoded at this scale: c3 * z then has the scale of the scores
    error: float
    linear_constant: float  # c1 * z, rescaled, lands on the error's scale
    gradient_data: float
    gradient: float

    @classmethod
    def plan(cls, primes: list[int], scale: float, gradient_bound: float) -> _ScalePlan:
        """``primes``: the data primes q0, q1, ... (the circuit uses the first five)."""
        q0, q1, q2, q3, q4 = primes[:5]
        scores = scale * scale / q4
        square = scores * scores / q3
        error = square * scores / q2  # (z^2) * (c3 z), with c3 z at the scores' scale
        # the largest power of two keeping |gradient| * scale below q0 / 4 (sign bit and margin)
        gradient = min(scale, 2.0 ** math.floor(math.log2(q0 / 4.0 / max(gradient_bound, 1.0))))
        if gradient < 2.0**12:
            raise ValueError(
                "X: the gradient sums are too large for the last prime of the modulus chain; "
                "standardize the features or train on fewer rows"
            )
        return cls(
            fresh=scale,
            scores=scores,
            square=square,
            cubic_constant=float(q3),
            error=error,
            linear_constant=error * q3 / scores,
            gradient_data=gradient * q1 / error,
            gradient=gradient,
        )


def _same_scale(ct: sealapi.Ciphertext, scale: float) -> None:
    """Snap a scale equal to ``scale`` up to rounding onto it exactly (SEAL adds only equal scales)."""
    if abs(ct.scale / scale - 1.0) > 1e-9:
        raise RuntimeError(f"CKKS scale drifted: {ct.scale} != {scale}")
    ct.scale = scale


class _PackedKeyOwner:
    """The key owner's side of the packed trainer: encrypts at a chosen level and scale, decrypts.

    Built on the key owner's own context: the secret key never leaves this object.
    """

    def __init__(self, owner: KeyOwner) -> None:
        context = owner._context  # the key owner's private context, used only on its side
        seal_context = context.seal_context().data
        secret_key = context.secret_key().data
        self.encoder = sealapi.CKKSEncoder(seal_context)
        self.encryptor = sealapi.Encryptor(seal_context, secret_key)
        self.decryptor = sealapi.Decryptor(seal_context, secret_key)
        self.primes, self.parms_ids = _chain(seal_context)
        self.counts: Counter = Counter()

    def encrypt(self, values: np.ndarray, level: int, scale: float) -> sealapi.Ciphertext:
        """Encrypt a slot vector at ``level`` (0 = top of the chain) and ``scale``."""
        plain, cipher = sealapi.Plaintext(), sealapi.Ciphertext()
        self.encoder.encode(np.asarray(values, dtype=float).tolist(), self.parms_ids[level], scale, plain)
        self.encryptor.encrypt_symmetric(plain, cipher)
        self.counts["encryptions"] += 1
        return cipher

    def decrypt(self, cipher: sealapi.Ciphertext) -> np.ndarray:
        plain = sealapi.Plaintext()
        self.decryptor.decrypt(cipher, plain)
        self.counts["decryptions"] += 1
        return np.asarray(self.encoder.decode_double(plain))


class _PackedServer:
    """The server's side: the epoch circuit on ciphertexts, with a public context only.

    The evaluator, the encoder of public constants and the evaluation keys all come from the
    :class:`~ppml_lab.he.parties.Server`'s context, deserialized from the key owner's
    ``public_context()`` bytes: nothing here can decrypt. Ciphertexts pass between the two sides as
    objects of this process; across a network they would be serialized — per epoch, one weight
    ciphertext per column block to the server and one gradient ciphertext per column block back.
    """

    def __init__(self, server: Server, layout: PackedLayout, scales: _ScalePlan, coefficients) -> None:
        context = server.context
        if context.is_private():
            raise ValueError("the server's context must not hold the secret key")
        seal_context = context.seal_context().data
        self.evaluator = sealapi.Evaluator(seal_context)
        self.relin_keys = context.relin_keys().data
        self.galois_keys = context.galois_keys().data
        self.layout, self.scales = layout, scales
        self.counts: Counter = Counter()
        c0, c1, c2, c3 = (float(c) for c in coefficients)
        if c2 != 0.0 or c1 == 0.0 or c3 == 0.0:
            raise ValueError("coefficients must describe an odd cubic with nonzero c1 and c3")
        encoder = sealapi.CKKSEncoder(seal_context)
        _, parms_ids = _chain(seal_context)
        top = len(parms_ids) - 5  # the circuit starts where four rescales are left
        # c3 and c1 multiply the scores (one level down); encoded once, they never change
        self.cubic, self.linear = sealapi.Plaintext(), sealapi.Plaintext()
        encoder.encode(c3, parms_ids[top + 1], scales.cubic_constant, self.cubic)
        encoder.encode(c1, parms_ids[top + 1], scales.linear_constant, self.linear)
        self.error_level = parms_ids[top + 3]

    # -- primitive steps, counted ------------------------------------------------------------------
    def _sum_of_products(self, pairs) -> sealapi.Ciphertext:
        """sum a_i * b_i with one relinearization (after rescaling: fewer primes, cheaper)."""
        ev, acc, tmp = self.evaluator, sealapi.Ciphertext(), sealapi.Ciphertext()
        for i, (a, b) in enumerate(pairs):
            ev.multiply(a, b, acc if i == 0 else tmp)
            if i:
                ev.add_inplace(acc, tmp)
            self.counts["ciphertext products"] += 1
        ev.rescale_to_next_inplace(acc)
        ev.relinearize_inplace(acc, self.relin_keys)
        self.counts["relinearizations"] += 1
        return acc

    def _rotation_sum(self, cipher: sealapi.Ciphertext, step: int, count: int) -> None:
        """In place: slot i becomes sum_{j < count} slot(i + j * step); ``count`` a power of two."""
        tmp = sealapi.Ciphertext()
        while count > 1:
            self.evaluator.rotate_vector(cipher, step, self.galois_keys, tmp)
            self.evaluator.add_inplace(cipher, tmp)
            self.counts["rotations"] += 1
            step, count = step * 2, count // 2

    # -- the epoch circuit -------------------------------------------------------------------------
    def scores(self, blocks: list[sealapi.Ciphertext], weights: list[sealapi.Ciphertext]):
        """Scores of one row block, replicated in every group of slots (level 1)."""
        z = self._sum_of_products(zip(blocks, weights, strict=True))
        self._rotation_sum(z, self.layout.block_rows, self.layout.block_columns)
        return z

    def error(self, z: sealapi.Ciphertext, shifted_labels: sealapi.Ciphertext) -> sealapi.Ciphertext:
        """c3 z^3 + c1 z + (c0 - y): the sigmoid polynomial minus the label (level 3)."""
        ev, s = self.evaluator, self.scales
        square = sealapi.Ciphertext()
        ev.square(z, square)
        ev.rescale_to_next_inplace(square)
        ev.relinearize_inplace(square, self.relin_keys)
        cubic_z = sealapi.Ciphertext()
        ev.multiply_plain(z, self.cubic, cubic_z)
        ev.rescale_to_next_inplace(cubic_z)
        error = sealapi.Ciphertext()
        ev.multiply(square, cubic_z, error)
        ev.rescale_to_next_inplace(error)
        ev.relinearize_inplace(error, self.relin_keys)
        linear = sealapi.Ciphertext()
        ev.multiply_plain(z, self.linear, linear)
        ev.rescale_to_next_inplace(linear)
        ev.mod_switch_to_inplace(linear, self.error_level)
        _same_scale(error, s.error)
        _same_scale(linear, s.error)
        ev.add_inplace(error, linear)
        ev.add_inplace(error, shifted_labels)
        self.counts["ciphertext products"] += 2
        self.counts["plaintext products"] += 2
        self.counts["relinearizations"] += 2
        return error

    def gradient(self, blocks: list[sealapi.Ciphertext], errors: list[sealapi.Ciphertext]):
        """X^T e for one column block (entry f at slot f * block_rows; level 4, the last)."""
        g = self._sum_of_products(zip(blocks, errors, strict=True))
        _same_scale(g, self.scales.gradient)
        self._rotation_sum(g, 1, self.layout.block_rows)
        return g


class PackedEncryptedLR(_EncryptedLRBase):
    """Encrypted logistic regression with the design matrix packed in blocks (see :class:`PackedLayout`).

    ``block_rows`` fixes the number of applicants per block (a power of two); by default the shape
    with the least estimated epoch cost is chosen. Any number of applicants works: row blocks add up.

    After ``fit``: ``coef_``, ``intercept_``, ``layout_``, ``epoch_seconds_`` (wall clock of each
    epoch, the refresh included), ``setup_seconds_`` (keys and the one-off encryption of the data),
    ``operations_`` (per-epoch counts of the homomorphic operations, server and key owner) and
    ``server_`` (the server, whose context has no secret key).
    """

    params = "n8192_depth4"

    def __init__(
        self,
        learning_rate: float = 1.0,
        epochs: int = 5,
        degree: int = 3,
        interval: float = 4.0,
        progress: bool = False,
        block_rows: int | None = None,
    ) -> None:
        super().__init__(learning_rate, epochs, degree, interval, progress)
        self.block_rows = block_rows

    def fit(self, X, y) -> PackedEncryptedLR:
        start = time.perf_counter()
        X, y = self._validate(X, y)
        n, d = X.shape
        slots = get_parameters(self.params).slots
        if self.block_rows is None:
            layout = PackedLayout.choose(n, d + 1, slots)
        else:  # checked before any key is generated
            layout = PackedLayout(n, d + 1, slots, check_int("block_rows", self.block_rows, minimum=1))
        self.owner_ = owner = KeyOwner(self.params)
        keys = _PackedKeyOwner(owner)
        if len(keys.primes) < 5:
            raise ValueError(f"params must allow depth 4 (five data primes), got {owner.params.describe()}")
        design = np.column_stack([X, np.ones(n)])  # the bias is the weight of a column of ones
        # |sigma(z) - y| <= 4 for |z| up to about 2.5 times the fitted interval
        bound = 4.0 * float(np.abs(design).sum(axis=0).max())
        scales = _ScalePlan.plan(keys.primes, 2.0**owner.params.scale_bits, bound)
        top = len(keys.parms_ids) - 5  # the level with five primes: four rescales to go
        c0 = float(self.coeffs_[0])

        # Key owner, once: the data at the two levels it is used at (the scores' and the gradient's),
        # and c0 - y at the error's level and scale. Padding rows are all zero, bias column included,
        # so their scores are 0 and, with 0 in place of c0 - y, their error is exactly 0.
        blocks = layout.pack_matrix(design)
        data = [[keys.encrypt(b, top, scales.fresh) for b in row] for row in blocks]
        gradient_data = [[keys.encrypt(b, top + 3, scales.gradient_data) for b in row] for row in blocks]
        shifted = [keys.encrypt(v, top + 3, scales.error) for v in layout.pack_per_row(np.full(n, c0) - y)]
        # Server: a public context only (evaluation keys), rebuilt from the bytes the key owner sends.
        self.server_ = Server(owner.public_context())
        server = _PackedServer(self.server_, layout, scales, self.coeffs_)

        w = np.zeros(d + 1)  # weights then bias
        self.setup_seconds_ = time.perf_counter() - start
        self.epoch_seconds_ = []
        for _ in tqdm(range(self.epochs), desc="packed encrypted LR", disable=not self.progress):
            start = time.perf_counter()
            keys.counts.clear()
            server.counts.clear()
            # key owner -> server: the refresh, fresh encryptions of the current weights (top level)
            weights = [keys.encrypt(v, top, scales.fresh) for v in layout.pack_weights(w)]
            # server: scores, sigmoid polynomial and gradient, on ciphertexts only
            errors = [server.error(server.scores(row, weights), shifted[s]) for s, row in enumerate(data)]
            gradients = [
                server.gradient([row[k] for row in gradient_data], errors)
                for k in range(layout.column_blocks)
            ]
            # server -> key owner: decrypt the gradient and take the step in the clear
            g = layout.unpack_gradient([keys.decrypt(c) for c in gradients])
            w = w - self.learning_rate * g / n
            self.epoch_seconds_.append(time.perf_counter() - start)
        self.operations_ = {**server.counts, **keys.counts}
        self.layout_ = layout
        self.coef_, self.intercept_ = w[:d], float(w[d])
        return self


class PerSampleEncryptedLR(_EncryptedLRBase):
    """Encrypted logistic regression with one ciphertext per applicant (the baseline).

    Depth: dot product (1) + cubic (2) + multiplying the applicant's features by its size-1 error,
    which TenSEAL broadcasts with a mask (2) = 5 levels, hence its own preset. After ``fit``,
    ``epoch_seconds_`` holds the wall clock of each epoch and ``setup_seconds_`` the rest.
    """

    params = "n8192_depth5"

    def fit(self, X, y) -> PerSampleEncryptedLR:
        start = time.perf_counter()
        X, y = self._validate(X, y)
        n, d = X.shape
        self.owner_ = owner = KeyOwner(self.params)
        rows = [owner.encrypt(x) for x in X]
        gradient_rows = [owner.encrypt(x) for x in X]  # one copy per level: TenSEAL lowers operands in place
        labels = [owner.encrypt([t]) for t in y]
        coeffs = list(self.coeffs_)
        w, b = np.zeros(d), 0.0
        self.setup_seconds_ = time.perf_counter() - start
        self.epoch_seconds_ = []
        for _ in tqdm(range(self.epochs), desc="per-sample encrypted LR", disable=not self.progress):
            start = time.perf_counter()
            W, B = owner.encrypt(w), owner.encrypt([b])
            grad_w, grad_b = None, None
            for row, grow, label in zip(rows, gradient_rows, labels, strict=True):
                err = evaluate_odd_cubic(row.dot(W) + B, coeffs) - label
                gw = grow * err
                grad_w = gw if grad_w is None else grad_w + gw
                grad_b = err if grad_b is None else grad_b + err
            scale = self.learning_rate / n
            w = w - scale * np.array(owner.decrypt(grad_w))
            b = b - scale * owner.decrypt(grad_b)[0]
            self.epoch_seconds_.append(time.perf_counter() - start)
        self.coef_, self.intercept_ = w, float(b)
        return self
