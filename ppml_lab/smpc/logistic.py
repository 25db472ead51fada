"""Secure logistic regression between two banks, on secret-shared data.

Each bank secret-shares its part of the training data; gradient descent then runs entirely on
shares, and only the trained weights are revealed, to the parties named by ``reveal_to``.

* **horizontal**: the banks hold different customers with the same features (rows are stacked);
* **vertical**: the banks hold different features of the same, already aligned customers
  (columns are concatenated; align them first with :mod:`ppml_lab.smpc.psi`), and one bank holds
  the labels.

The estimator runs the per-party protocol of :mod:`ppml_lab.smpc.lr_protocol` for both banks in
this process; :func:`ppml_lab.smpc.network.run_secure_lr_two_processes` runs the same code in two
OS processes over TCP. One iteration costs ``ROUNDS_PER_ITERATION = 8`` online rounds.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.smpc.beaver import beaver_multiply_shares
from ppml_lab.smpc.dealer import Triple
from ppml_lab.smpc.functions import sigmoid_poly, sigmoid_poly_plain
from ppml_lab.smpc.lr_protocol import (
    ROUNDS_PER_ITERATION,
    lr_material,
    reveal_party,
    share_inputs,
    train_party,
)
from ppml_lab.smpc.ring import FRAC_BITS, decode, encode
from ppml_lab.smpc.tensor import MPCSession, SharedTensor
from ppml_lab.smpc.transport import Transport
from ppml_lab.smpc.truncation import local_truncate

__all__ = [
    "ROUNDS_PER_ITERATION",
    "SecureLogisticRegression",
    "batched_scores",
    "plaintext_lr_step",
    "secure_lr_step",
    "train_plaintext_poly_lr",
]


def train_plaintext_poly_lr(
    X: np.ndarray, y: np.ndarray, learning_rate: float = 1.0, n_iterations: int = 20
) -> np.ndarray:
    """Plaintext full-batch gradient descent with the same cubic sigmoid (the reference)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    for _ in range(n_iterations):
        w -= (learning_rate / len(X)) * (X.T @ (sigmoid_poly_plain(X @ w) - y))
    return w


def batched_scores(X: SharedTensor, w: SharedTensor) -> SharedTensor:
    """All customers' scores X @ w with one Beaver product (lesson 04's lab answer)."""
    return X @ w


def plaintext_lr_step(X: np.ndarray, y: np.ndarray, w: np.ndarray, learning_rate: float) -> np.ndarray:
    """One plaintext gradient step with the linear sigmoid 1/2 + z/4: w - lr/n X^T (1/2 + Xw/4 - y)."""
    X, y, w = (np.asarray(v, dtype=float) for v in (X, y, w))
    return w - (learning_rate / len(X)) * (X.T @ (0.5 + (X @ w) / 4 - y))


def secure_lr_step(
    X_shares: list[np.ndarray],
    y_shares: list[np.ndarray],
    w_shares: list[np.ndarray],
    triples: tuple[Triple, Triple],
    transport: Transport,
    learning_rate: float,
) -> list[np.ndarray]:
    """Both banks' shares of one gradient step of logistic regression on raw fixed-point shares
    (lesson 04's exercise 4.1): the scores X w by one Beaver product (``triples[0]``, shape (n, d),
    w broadcast over the rows), the linear sigmoid 1/2 + z/4 (a local shift by 2 bits, bank 0 adds
    1/2), the gradient X^T (sigmoid - y) by a second product on a fresh triple (``triples[1]``), and
    w - lr/n times it. Every fixed-point product is truncated locally right after it (SecureML), so
    the step costs two rounds and fails with probability about |value| / 2^64 per truncated value.

    The public step lr/n is encoded with ``FRAC_BITS`` fractional bits, as in the lesson; a step that
    this loses more than 1% of (lr/n = 1/35,000 becomes 1.068/35,000) raises ``ValueError``: the
    engine (``SecureLogisticRegression``) encodes it with :func:`~ppml_lab.smpc.ring.encode_public`.
    """
    if len(triples) != 2 or triples[0] is triples[1]:
        raise ValueError("triples must hold two different Beaver triples: a triple serves one product only")
    X = [np.asarray(v, dtype=np.uint64) for v in X_shares]
    if X[0].ndim != 2:
        raise ValueError(f"X_shares must hold (n, d) arrays, got shape {X[0].shape}")
    n, d = X[0].shape
    step = encode(learning_rate / n)
    kept = float(decode(step)) / (learning_rate / n) if learning_rate else 1.0
    if abs(kept - 1) > 0.01:
        raise ValueError(
            f"learning_rate / n = {learning_rate / n:.3g} would lose more than 1% relative precision "
            f"with {FRAC_BITS} fractional bits (it encodes as {kept:.4f} times itself); use n a power of "
            "two, or SecureLogisticRegression, which encodes the step with more bits"
        )
    W = [np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.uint64), (n, d))) for v in w_shares]
    scores = local_truncate([p.sum(axis=1) for p in beaver_multiply_shares(X, W, triples[0], transport)])
    quarter = local_truncate(scores, 2)  # z / 4
    error = [quarter[0] + encode(0.5) - y_shares[0], quarter[1] - y_shares[1]]
    E = [np.ascontiguousarray(np.broadcast_to(v[:, None], (n, d))) for v in error]
    gradient = local_truncate([p.sum(axis=0) for p in beaver_multiply_shares(X, E, triples[1], transport)])
    update = local_truncate([g * step for g in gradient], FRAC_BITS)
    return [np.asarray(w, dtype=np.uint64) - u for w, u in zip(w_shares, update, strict=True)]


def secure_step(X: SharedTensor, y: SharedTensor, w: SharedTensor, learning_rate: float) -> SharedTensor:
    """One gradient step on ``SharedTensor``s, batched: w - lr/n X^T (sigmoid(X w) - y)."""
    error = sigmoid_poly(X @ w) - y
    return w - (X.T @ error) * (learning_rate / X.shape[0])


class SecureLogisticRegression:
    """Two-party logistic regression trained on secret shares (scikit-learn style).

    Constructor holds hyper-parameters; ``fit_horizontal`` / ``fit_vertical`` train; ``coef_``
    holds the revealed weights (a bias column is added to the features).
    """

    def __init__(
        self,
        learning_rate: float = 1.0,
        n_iterations: int = 20,
        reveal_to: tuple[int, ...] = (0, 1),
        session: MPCSession | None = None,
        progress: bool = False,
    ) -> None:
        self.learning_rate = learning_rate
        self.n_iterations = n_iterations
        self.reveal_to = reveal_to
        self.session = session
        self.progress = progress

    @staticmethod
    def _with_bias(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {X.shape}")
        return np.hstack([X, np.ones((len(X), 1))])

    def _fit(self, data: list[tuple[np.ndarray, np.ndarray]], layout: str) -> SecureLogisticRegression:
        lr = check_float("learning_rate", self.learning_rate, minimum=0.0, min_inclusive=False)
        iters = check_int("n_iterations", self.n_iterations, minimum=1)
        reveal_to = tuple(self.reveal_to)
        if not reveal_to or any(p not in (0, 1) for p in reveal_to):
            raise ValueError(f"reveal_to must name parties 0 and/or 1, got {self.reveal_to}")
        session = self.session = self.session or MPCSession()
        (Xa, ya), (Xb, yb) = data
        if layout == "horizontal":
            n, d = len(Xa) + len(Xb), Xa.shape[1]
        else:
            n, d = len(Xa), Xa.shape[1] + Xb.shape[1]
        material = lr_material(session.dealer, n, d, iters, lr)

        def bank(p, ch):
            X_own, y_own = data[p]
            X_peer, y_peer = data[1 - p]
            X_i, y_i = share_inputs(ch, X_own, y_own, layout, (X_peer.shape, y_peer.shape))
            w_i = train_party(ch, X_i, y_i, material[p], lr, iters)
            return reveal_party(ch, w_i, reveal_to)

        self.coef_ = session.run(bank)[reveal_to[0]]
        return self

    def fit_horizontal(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> SecureLogisticRegression:
        """Train on rows held by different parties: ``parts[p] = (X_p, y_p)`` belongs to party p."""
        if len(parts) != 2:
            raise ValueError(f"parts must hold one (X, y) per party (2), got {len(parts)}")
        data = [(self._with_bias(X), np.asarray(y, dtype=float).ravel()) for X, y in parts]
        if data[0][0].shape[1] != data[1][0].shape[1]:
            raise ValueError("parts: both parties need the same number of features")
        return self._fit(data, "horizontal")

    def fit_vertical(self, X_a: np.ndarray, X_b: np.ndarray, y_a: np.ndarray) -> SecureLogisticRegression:
        """Train on aligned rows whose features are split: party 0 holds ``X_a`` and the labels,
        party 1 holds ``X_b``."""
        X_a, X_b = np.asarray(X_a, dtype=float), np.asarray(X_b, dtype=float)
        if len(X_a) != len(X_b) or len(X_a) != len(y_a):
            raise ValueError(
                f"X_a, X_b and y_a must have the same rows, got {len(X_a)}, {len(X_b)}, {len(y_a)}"
            )
        self._vertical_order = X_a.shape[1]
        data = [(self._with_bias(X_a), np.asarray(y_a, dtype=float).ravel()), (X_b, np.zeros(0))]
        return self._fit(data, "vertical")

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("the model is not fitted yet: call fit_horizontal or fit_vertical")
        X = np.asarray(X, dtype=float)
        if hasattr(self, "_vertical_order"):  # features [A, bias, B]
            k = self._vertical_order
            X = np.hstack([X[:, :k], np.ones((len(X), 1)), X[:, k:]])
        else:
            X = self._with_bias(X)
        return X @ self.coef_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels from the revealed weights (threshold 0 on the linear score)."""
        return (self.decision_function(X) > 0).astype(np.int64)
