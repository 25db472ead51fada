"""``he_lr``: encrypted logistic-regression training on the credit-risk data, per epoch.

The per-sample baseline (one ciphertext per applicant) is timed on a subsample for one epoch and
scaled linearly to all applicants (its cost is exactly per applicant); the packed trainer is timed
on all applicants, in the same run. Accuracy: the packed model against plaintext training with the
same polynomial sigmoid and schedule.
"""

from __future__ import annotations

import time

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.he import PackedEncryptedLR, PerSampleEncryptedLR, train_plaintext_poly_lr


def run(fast: bool = False) -> list[Record]:
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=0.2, seed=0)
    n, d = Xtr.shape
    sub = 10 if fast else 40
    start = time.perf_counter()
    PerSampleEncryptedLR(epochs=1).fit(Xtr[:sub], ytr[:sub])
    per_sample_epoch = (time.perf_counter() - start) / sub * n
    epochs = 2 if fast else 5
    start = time.perf_counter()
    model = PackedEncryptedLR(epochs=epochs).fit(Xtr, ytr)
    packed_epoch = (time.perf_counter() - start) / epochs
    w, b = train_plaintext_poly_lr(Xtr, ytr, epochs=epochs)
    # accuracy over all 1,000 applicants (a 200-applicant test set moves in steps of half a point)
    plain_acc = float(((X @ w + b > 0) == y).mean())
    enc_acc = float((model.predict(X) == y).mean())
    return [
        Record(
            f"packed encrypted LR, one epoch over {n} applicants x {d} features (vs per-sample baseline)",
            packed_epoch,
            "s",
            baseline=per_sample_epoch,
            target="ratio <= 0.01",
            note=f"baseline timed on {sub} applicants and scaled to {n}; ratio <= 0.01 means >= 100x faster",
        ),
        Record("per-sample baseline: one epoch", per_sample_epoch, "s", note=f"scaled from {sub} applicants"),
        Record(
            f"packed encrypted LR accuracy on all 1,000 applicants after {epochs} epochs (vs plaintext, same sigmoid)",
            enc_acc,
            "fraction",
            baseline=plain_acc,
        ),
        Record(
            "accuracy gap, packed minus plaintext",
            abs(enc_acc - plain_acc),
            "fraction",
            target="value <= 0.01",
        ),
    ]
