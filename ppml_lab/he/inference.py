"""Encrypted inference: a server scores encrypted applicants; only the key owner reads the scores.

The key owner packs the batch column by column: one ciphertext per feature holding that feature
for every applicant (up to N/2 applicants per ciphertext). The server computes the logistic
regression score sum_j w_j * column_j + b with plaintext weights (multiplication by a constant:
one level) or with encrypted weights (one ciphertext-ciphertext multiplication), without any
rotation, and returns one ciphertext of scores. The key owner decrypts and applies the sigmoid.
"""

from __future__ import annotations

import numpy as np
import tenseal as ts

from ppml_lab.he.parties import KeyOwner


def encrypt_columns(owner: KeyOwner, X: np.ndarray) -> list[ts.CKKSVector]:
    """One ciphertext per feature column (the key owner's side)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if len(X) > owner.params.slots:
        raise ValueError(f"X has {len(X)} rows but a ciphertext holds {owner.params.slots}: split the batch")
    return [owner.encrypt(X[:, j]) for j in range(X.shape[1])]


def score_encrypted(columns: list[ts.CKKSVector], weights, bias) -> ts.CKKSVector:
    """Encrypted logits ``X @ w + b`` (the server's side); ``weights``/``bias`` plaintext or encrypted."""
    if len(columns) != len(weights):
        raise ValueError(f"weights must have one entry per column ({len(columns)}), got {len(weights)}")
    # A plaintext weight of exactly 0 contributes nothing, and TenSEAL cannot multiply by an encoded
    # zero without encrypting (which a server holding only evaluation keys cannot do): skip it.
    terms = [
        (c, w)
        for c, w in zip(columns, weights, strict=True)
        if isinstance(w, ts.CKKSVector) or float(w) != 0.0
    ]
    if not terms:
        raise ValueError("weights must not all be plaintext zeros: the score would be the bias alone")
    total = None
    for col, w in terms:
        product = col * (w if isinstance(w, ts.CKKSVector) else float(w))
        total = product if total is None else total + product
    return total + (bias if isinstance(bias, ts.CKKSVector) else float(bias))


def decrypt_probabilities(owner: KeyOwner, scores: ts.CKKSVector, n: int) -> np.ndarray:
    """The key owner decrypts the logits of the first ``n`` applicants and applies the sigmoid."""
    logits = np.asarray(owner.decrypt(scores)[:n])
    return 1.0 / (1.0 + np.exp(-logits))
