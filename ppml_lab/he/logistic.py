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
  on the raw SEAL ciphertexts (``tenseal.sealapi``, :mod:`.packed_circuit`), with the exact CKKS
  scales planned in :mod:`.scales`. Depth: 1 (scores) + 2 (cubic) + 1 (gradient) = 4 levels.

Both use the same polynomial sigmoid and full-batch schedule as :func:`train_plaintext_poly_lr`, the
plaintext twin they are checked against.
"""

from __future__ import annotations

import time

import numpy as np
import tenseal as ts
from tqdm.auto import tqdm

from ppml_lab._checks import check_float, check_int
from ppml_lab.he.approximations import fit_sigmoid_polynomial, sigmoid_polynomial_plain
from ppml_lab.he.inference import decrypt_probabilities, encrypt_columns, score_encrypted
from ppml_lab.he.packed_circuit import _PackedKeyOwner, _PackedServer
from ppml_lab.he.packing import PackedLayout
from ppml_lab.he.params import get_parameters
from ppml_lab.he.parties import KeyOwner, Server
from ppml_lab.he.scales import _ScalePlan

__all__ = [
    "PackedEncryptedLR",
    "PackedLayout",
    "PerSampleEncryptedLR",
    "evaluate_odd_cubic",
    "train_plaintext_poly_lr",
]


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
        """Encrypted scores of ``X`` under the trained weights: the key owner encrypts the columns
        and sends their bytes; the server scores them on its public context."""
        cols = encrypt_columns(self.owner_, np.asarray(X, dtype=float))
        received = [self.server_.load(c.serialize()) for c in cols]
        return score_encrypted(received, self.coef_, self.intercept_), len(X)

    def decrypt(self, encrypted: tuple[ts.CKKSVector, int]) -> np.ndarray:
        """Probabilities from :meth:`predict_encrypted`'s output (the key owner's side)."""
        scores, n = encrypted
        return decrypt_probabilities(self.owner_, scores, n)

    def predict(self, X) -> np.ndarray:
        return (np.asarray(X, dtype=float) @ self.coef_ + self.intercept_ > 0).astype(np.int64)


class PackedEncryptedLR(_EncryptedLRBase):
    """Encrypted logistic regression with the design matrix packed in blocks (see :class:`PackedLayout`).

    ``block_rows`` fixes the number of applicants per block (a power of two); by default the shape
    with the least estimated epoch cost is chosen. Any number of applicants works: row blocks add up.

    After ``fit``: ``coef_``, ``intercept_``, ``layout_``, ``epoch_seconds_`` (wall clock of each
    epoch, the refresh included), ``setup_seconds_`` (keys and the one-off encryption of the data),
    ``operations_`` (per-epoch counts of the homomorphic operations, server and key owner) and
    ``server_`` (the server, whose context has no secret key).

    ``owner`` reuses the keys of an existing :class:`KeyOwner` (of depth 4 or more, e.g. the
    ``"n8192_depth4"`` preset) instead of generating a fresh set, and ``server`` an existing
    :class:`Server` built from that owner's public context: key generation and loading the Galois
    keys are the costly part of a short run. The server holds only the public context either way.
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
        owner: KeyOwner | None = None,
        server: Server | None = None,
    ) -> None:
        super().__init__(learning_rate, epochs, degree, interval, progress)
        self.block_rows = block_rows
        self.owner = owner
        self.server = server

    def fit(self, X, y) -> PackedEncryptedLR:
        start = time.perf_counter()
        X, y = self._validate(X, y)
        if self.owner is not None and not isinstance(self.owner, KeyOwner):
            raise TypeError(f"owner must be a KeyOwner or None, got {type(self.owner).__name__}")
        if self.server is not None and (self.owner is None or not isinstance(self.server, Server)):
            raise TypeError("server must be a Server on the public context of the given owner (pass owner too)")
        n, d = X.shape
        slots = (self.owner.params if self.owner is not None else get_parameters(self.params)).slots
        if self.block_rows is None:
            layout = PackedLayout.choose(n, d + 1, slots)
        else:  # checked before any key is generated
            layout = PackedLayout(n, d + 1, slots, check_int("block_rows", self.block_rows, minimum=1))
        self.owner_ = owner = self.owner if self.owner is not None else KeyOwner(self.params)
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
        self.server_ = self.server if self.server is not None else Server(owner.public_context())
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
    which TenSEAL broadcasts with a mask (2) = 5 levels, hence its own preset. The server side runs
    on ciphertexts it received as bytes, on its public context (``server_``). The gradient copy of
    each row is encrypted divided by the number of applicants, so the gradient that reaches the
    last prime is a mean (bounded by max |x| times the error bound), not a sum that could overflow it.
    After ``fit``, ``epoch_seconds_`` holds the wall clock of each epoch and ``setup_seconds_`` the rest.
    """

    params = "n8192_depth5"

    def fit(self, X, y) -> PerSampleEncryptedLR:
        start = time.perf_counter()
        X, y = self._validate(X, y)
        n, d = X.shape
        p = get_parameters(self.params)
        # the last level holds |value| < q0 / 2 / 2^scale; the mean gradient is at most max|x| * 4
        # (|sigma(z) - y| <= 4 for |z| up to about 2.5 times the fitted interval)
        headroom = 2.0 ** (p.coeff_mod_bit_sizes[0] - p.scale_bits - 1)
        if 4.0 * float(np.abs(X).max(initial=0.0)) >= headroom:
            raise ValueError(
                f"X: features up to {np.abs(X).max():.3g} in magnitude overflow the last prime of "
                f"{self.params} (mean gradient must stay below {headroom:g}); standardize the features"
            )
        self.owner_ = owner = KeyOwner(self.params)
        self.server_ = server = Server(owner.public_context())

        def send(values) -> ts.CKKSVector:  # key owner -> server: bytes only
            return server.load(owner.encrypt(values).serialize())

        rows = [send(x) for x in X]
        gradient_rows = [send(x / n) for x in X]  # one copy per level: TenSEAL lowers operands in place
        labels = [send([t]) for t in y]
        coeffs = list(self.coeffs_)
        w, b = np.zeros(d), 0.0
        self.setup_seconds_ = time.perf_counter() - start
        self.epoch_seconds_ = []
        for _ in tqdm(range(self.epochs), desc="per-sample encrypted LR", disable=not self.progress):
            start = time.perf_counter()
            W, B = send(w), send([b])  # the refresh: fresh encryptions of the current weights
            grad_w, grad_b = None, None
            for row, grow, label in zip(rows, gradient_rows, labels, strict=True):
                err = evaluate_odd_cubic(row.dot(W) + B, coeffs) - label
                gw = grow * err
                grad_w = gw if grad_w is None else grad_w + gw
                grad_b = err if grad_b is None else grad_b + err
            # server -> key owner: the gradient's bytes; the step is taken in the clear
            w = w - self.learning_rate * np.array(owner.decrypt(grad_w.serialize()))
            b = b - self.learning_rate / n * owner.decrypt(grad_b.serialize())[0]
            self.epoch_seconds_.append(time.perf_counter() - start)
        self.coef_, self.intercept_ = w, float(b)
        return self
