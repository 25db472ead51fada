"""Logistic regression trained on encrypted data with CKKS (TenSEAL).

Two trainers share one interface — ``fit(X, y)``, ``predict_encrypted(X)``, ``decrypt(scores)`` —
and the threat model: the **key owner** (the data owner) encrypts the applicants and holds the
secret key; the **server** computes gradients on ciphertexts only. CKKS in TenSEAL has no
bootstrapping, so each training step ends with a **refresh**: the server sends the encrypted
gradient to the key owner, which decrypts it, updates the weights and re-encrypts them for the
next step. The key owner thus sees the model and its gradients (it owns the data and the model);
the server sees nothing in the clear.

* :class:`PerSampleEncryptedLR` — one ciphertext per applicant, as TenSEAL's tutorial does it: a
  dot product, a polynomial sigmoid and a gradient per applicant. The baseline.
* :class:`PackedEncryptedLR` — SIMD packing: one ciphertext per *feature* holding that feature for
  all applicants (up to N/2 per ciphertext). The scores of all applicants are d ciphertext products,
  the sigmoid runs once on all of them, and each gradient entry is one product plus one rotation-sum
  (log2 of the slot count rotations). Depth: 1 (scores) + 2 (cubic) + 1 (gradient) = 4 levels.

Both use the same polynomial sigmoid and full-batch schedule as :func:`train_plaintext_poly_lr`, the
plaintext twin they are checked against.
"""

from __future__ import annotations

import numpy as np
import tenseal as ts
from tqdm.auto import tqdm

from ppml_lab._checks import check_float, check_int
from ppml_lab.he.approximations import fit_sigmoid_polynomial, sigmoid_polynomial_plain
from ppml_lab.he.inference import decrypt_probabilities, encrypt_columns, score_encrypted
from ppml_lab.he.parties import KeyOwner


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


class PackedEncryptedLR(_EncryptedLRBase):
    """Encrypted logistic regression with one ciphertext per feature (SIMD over applicants)."""

    params = "n8192_depth4"

    def fit(self, X, y) -> PackedEncryptedLR:
        X, y = self._validate(X, y)
        n, d = X.shape
        self.owner_ = owner = KeyOwner(self.params)
        if n > owner.params.slots:
            raise ValueError(
                f"X has {n} rows; this trainer packs at most {owner.params.slots} per ciphertext"
            )
        step = self.learning_rate / n
        # Pad to a power of two: rotation-sums over 2^k slots are cheapest. The key owner encrypts
        # the data twice, once for the scores and once for the gradient: TenSEAL lowers an operand's
        # level in place to match the other's, so each copy then stays at the level it is used at.
        n_pad = 1 << max(0, (n - 1).bit_length())
        Xp = np.zeros((n_pad, d))
        Xp[:n] = X
        columns = encrypt_columns(owner, Xp)
        gradient_columns = encrypt_columns(owner, Xp)
        target = owner.encrypt(np.r_[y * step, np.zeros(n_pad - n)])  # labels, pre-scaled by the step
        mask = np.r_[np.ones(n), np.zeros(n_pad - n)]
        coeffs = list(self.coeffs_ * step)  # so the gradient comes out already scaled
        w, b = np.zeros(d), 0.0
        for _ in tqdm(range(self.epochs), desc="packed encrypted LR", disable=not self.progress):
            # key owner: fresh encryptions of the current weights (the refresh)
            W = [owner.encrypt(np.full(n_pad, wj)) for wj in w]
            B = owner.encrypt(mask * b)  # padding rows score 0 and carry label 0
            # server: scores, polynomial sigmoid and gradient, on ciphertexts only
            scores = score_encrypted(columns, W, B)
            error = evaluate_odd_cubic(scores, coeffs) - target
            grads = [(error * col).sum() for col in gradient_columns]
            grad_b = error.sum()
            # key owner: decrypt the gradient and update
            w = w - np.array([owner.decrypt(g)[0] for g in grads])
            # padding rows have zero features, so they add nothing to the weights' gradient; to the
            # bias' they add the sigmoid at score 0, c0 * step each, removed here in the clear
            b = b - (owner.decrypt(grad_b)[0] - (n_pad - n) * coeffs[0])
        self.coef_, self.intercept_ = w, float(b)
        return self


class PerSampleEncryptedLR(_EncryptedLRBase):
    """Encrypted logistic regression with one ciphertext per applicant (the baseline).

    Depth: dot product (1) + cubic (2) + multiplying the applicant's features by its size-1 error,
    which TenSEAL broadcasts with a mask (2) = 5 levels, hence its own preset.
    """

    params = "n8192_depth5"

    def fit(self, X, y) -> PerSampleEncryptedLR:
        X, y = self._validate(X, y)
        n, d = X.shape
        self.owner_ = owner = KeyOwner(self.params)
        rows = [owner.encrypt(x) for x in X]
        gradient_rows = [owner.encrypt(x) for x in X]  # see PackedEncryptedLR: one copy per level
        labels = [owner.encrypt([t]) for t in y]
        coeffs = list(self.coeffs_)
        w, b = np.zeros(d), 0.0
        for _ in tqdm(range(self.epochs), desc="per-sample encrypted LR", disable=not self.progress):
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
        self.coef_, self.intercept_ = w, float(b)
        return self
