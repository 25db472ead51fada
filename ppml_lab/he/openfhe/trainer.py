"""Non-interactive encrypted logistic regression: CKKS bootstrapping instead of the key-owner refresh.

The key owner encrypts the design matrix (two copies, :class:`~.plan.RowPackedLayout`), the labels
and zero weights once, hands the server its :class:`~.parties.PublicKeys`, and is not contacted again
until it decrypts the final model. The server runs every epoch on ciphertexts and, whenever the next
epoch would not fit in the weights' remaining levels, bootstraps the weights: a sparse ciphertext of
``block_columns`` slots, so the bootstrap is small. Data ciphertexts are never bootstrapped: each
epoch uses them at the weights' level, and OpenFHE lowers them to it.
"""

from __future__ import annotations

import time

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.he.approximations import fit_sigmoid_polynomial
from ppml_lab.he.openfhe.params import DEFAULT_PRESET, OpenFHEParameters, get_parameters
from ppml_lab.he.openfhe.parties import KeyOwner, Server
from ppml_lab.he.openfhe.plan import RowPackedLayout, bootstrap_schedule


class BootstrappedEncryptedLR:
    """Full-batch logistic regression on encrypted data with the odd cubic sigmoid, bootstrapped.

    Same schedule and polynomial as :func:`~.plan.train_plaintext_twin` (and the TenSEAL trainers).
    After ``fit``: ``coef_``, ``intercept_``, ``layout_``, ``setup_seconds_`` (keys and encrypting
    the data), ``epoch_seconds_`` (each epoch with any bootstrap before it), ``bootstrap_seconds_``,
    ``operations_`` (server counts over the whole run) and ``owner_`` / ``server_``. The key owner's
    ``counts["decryptions"]`` is 1: the final model.
    """

    def __init__(
        self,
        params: str | OpenFHEParameters = DEFAULT_PRESET,
        *,
        learning_rate: float = 1.0,
        epochs: int = 5,
        interval: float = 4.0,
        allow_insecure_for_teaching: bool = False,
    ) -> None:
        self.params = params
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.interval = interval
        self.allow_insecure_for_teaching = allow_insecure_for_teaching

    def fit(self, X, y) -> BootstrappedEncryptedLR:
        start = time.perf_counter()
        check_float("learning_rate", self.learning_rate, minimum=0.0, min_inclusive=False)
        check_int("epochs", self.epochs, minimum=1)
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per label, got X {X.shape} and y {y.shape}")
        params = get_parameters(self.params)
        n, d = X.shape
        layout = RowPackedLayout(n, d + 1, params.slots)
        schedule = bootstrap_schedule(self.epochs, params.usable_levels)
        c0, c1, c2, c3 = (float(c) for c in fit_sigmoid_polynomial(3, self.interval)[0])
        if c2 != 0.0:
            raise RuntimeError("the fitted sigmoid polynomial is not an odd cubic")
        step = self.learning_rate / n

        self.owner_ = owner = KeyOwner(
            params,
            rotations=layout.rotation_steps,
            bootstrap_slots=layout.block_columns if schedule else None,
            allow_insecure_for_teaching=self.allow_insecure_for_teaching,
        )
        design = np.column_stack([X, np.ones(n)])  # the bias is the weight of a column of ones
        data = [owner.encrypt(v) for v in layout.pack_scores_copy(design)]
        gradient_data = [owner.encrypt(v) for v in layout.pack_gradient_copy(design)]
        labels = [owner.encrypt(v) for v in layout.pack_row_starts(step * (c0 - y))]
        weights = owner.encrypt(layout.pack_weights(np.zeros(d + 1)), slots=layout.block_columns)

        self.server_ = server = Server(owner.public_keys())
        cubic = server.encode(layout.row_start_mask(step * c3))
        linear = server.encode(layout.row_start_mask(step * c1))
        bc, br = layout.block_columns, layout.block_rows
        self.setup_seconds_ = time.perf_counter() - start
        self.epoch_seconds_, self.bootstrap_seconds_ = [], []
        for epoch in range(self.epochs):
            start = time.perf_counter()
            if epoch in schedule:
                weights = server.bootstrap(weights)
                self.bootstrap_seconds_.append(time.perf_counter() - start)
            gradient = None
            for x, xg, lab in zip(data, gradient_data, labels, strict=True):
                z = server.rotation_sum(server.multiply(x, weights), 1, bc)  # score r at slot r * bc
                cube = server.multiply(server.multiply(z, z), server.multiply(z, cubic))
                error = server.add(server.add(cube, server.multiply(z, linear)), lab)
                error = server.rotation_sum(error, 1, bc)  # spread over applicant r's gradient slots
                part = server.multiply(xg, error)
                gradient = part if gradient is None else server.add(gradient, part)
            gradient = server.rotation_sum(gradient, bc, br)  # sum over applicants, in every row
            weights = server.subtract(weights, gradient)
            weights.SetSlots(bc)
            self.epoch_seconds_.append(time.perf_counter() - start)
        # the only decryption: the trained model
        w = layout.unpack_weights(owner.decrypt(weights, bc))
        self.operations_ = dict(server.counts)
        self.layout_ = layout
        self.coef_, self.intercept_ = w[:d], float(w[d])
        return self

    def predict(self, X) -> np.ndarray:
        """Labels from the decrypted model (the key owner's side)."""
        return (np.asarray(X, dtype=float) @ self.coef_ + self.intercept_ > 0).astype(np.int64)
