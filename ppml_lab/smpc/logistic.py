"""Secure logistic regression between two banks, on secret-shared data.

Each bank secret-shares its part of the training data; gradient descent then runs entirely on
shares, and only the trained weights are revealed, to the parties named by ``reveal_to``.

* **horizontal**: the banks hold different customers with the same features (rows are stacked);
* **vertical**: the banks hold different features of the same, already aligned customers
  (columns are concatenated; align them first with :mod:`ppml_lab.smpc.psi`), and one bank holds
  the labels.

One iteration of full-batch gradient descent costs, by design, ``ROUNDS_PER_ITERATION = 4``
online rounds: X @ w (1 Beaver round), the cubic sigmoid (2), X^T @ error (1); the update by the
public learning rate is local.
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ppml_lab._checks import check_float, check_int
from ppml_lab.smpc.functions import sigmoid_poly, sigmoid_poly_plain
from ppml_lab.smpc.tensor import MPCSession, SharedTensor

ROUNDS_PER_ITERATION = 4


def train_plaintext_poly_lr(
    X: np.ndarray, y: np.ndarray, learning_rate: float = 1.0, n_iterations: int = 20
) -> np.ndarray:
    """Plaintext full-batch gradient descent with the same cubic sigmoid (the reference)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    for _ in range(n_iterations):
        w -= (learning_rate / len(X)) * (X.T @ (sigmoid_poly_plain(X @ w) - y))
    return w


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

    def _fit_shared(self, X: SharedTensor, y: SharedTensor) -> SecureLogisticRegression:
        lr = check_float("learning_rate", self.learning_rate, minimum=0.0, min_inclusive=False)
        iters = check_int("n_iterations", self.n_iterations, minimum=1)
        session = self.session
        w = session.share(np.zeros(X.shape[1]), owner=0)
        step = lr / X.shape[0]
        for _ in tqdm(range(iters), desc="secure LR", disable=not self.progress):
            error = sigmoid_poly(X @ w) - y
            w = w - (X.T @ error) * step
        self.coef_ = w.reveal(to=self.reveal_to)
        return self

    def fit_horizontal(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> SecureLogisticRegression:
        """Train on rows held by different parties: ``parts[p] = (X_p, y_p)`` belongs to party p."""
        self.session = self.session or MPCSession()
        if len(parts) != self.session.n_parties:
            raise ValueError(
                f"parts must hold one (X, y) per party ({self.session.n_parties}), got {len(parts)}"
            )
        Xs = [self.session.share(self._with_bias(X), owner=p) for p, (X, _) in enumerate(parts)]
        ys = [self.session.share(np.asarray(y, dtype=float), owner=p) for p, (_, y) in enumerate(parts)]
        X = SharedTensor([np.concatenate([t.shares[i] for t in Xs]) for i in range(2)], self.session)
        y = SharedTensor([np.concatenate([t.shares[i] for t in ys]) for i in range(2)], self.session)
        return self._fit_shared(X, y)

    def fit_vertical(self, X_a: np.ndarray, X_b: np.ndarray, y_a: np.ndarray) -> SecureLogisticRegression:
        """Train on aligned rows whose features are split: party 0 holds ``X_a`` and the labels,
        party 1 holds ``X_b``."""
        self.session = self.session or MPCSession()
        X_a, X_b = np.asarray(X_a, dtype=float), np.asarray(X_b, dtype=float)
        if len(X_a) != len(X_b) or len(X_a) != len(y_a):
            raise ValueError(
                f"X_a, X_b and y_a must have the same rows, got {len(X_a)}, {len(X_b)}, {len(y_a)}"
            )
        A = self.session.share(self._with_bias(X_a), owner=0)
        B = self.session.share(X_b, owner=1)
        X = SharedTensor([np.concatenate([A.shares[i], B.shares[i]], axis=1) for i in range(2)], self.session)
        self._vertical_order = X_a.shape[1]
        return self._fit_shared(X, self.session.share(np.asarray(y_a, dtype=float), owner=0))

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
